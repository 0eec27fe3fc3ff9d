"""The ``community-sim`` command line.

    community-sim scenarios
    community-sim towns
    community-sim run SCENARIO [--town T] [--years Y] [--seed S] [--parameters FILE] [--out DIR] [--json]
    community-sim compare [SCENARIO ...] [--town T] [--years Y] [--replications R] [--seed S]
                          [--workers N] [--warmup-years W] [--parameters FILE] [--out DIR] [--json]
    community-sim experiment FILE [--workers N | --scheduler ADDRESS] [--out DIR] [--fresh] [--yes] [--json]
    community-sim report DIR [--out FILE]
    community-sim calibrate FILE [--workers N | --scheduler ADDRESS] [--out DIR] [--fresh]
    community-sim validate FILE [--town T] [--replications R] [--workers N | --scheduler ADDRESS] [--out DIR]
                           [--fresh] [--json]
    community-sim story [NAME] [--scenario S] [--lang ja|en] [--json]
    community-sim workshop [--port N]
    community-sim dashboard [--port N] [--parameters FILE]
    community-sim setup-offline

Every input file is validated before anything runs; a bad file exits with status 2 and
one message naming the file, the key and what is allowed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

# Each command imports what it uses (numpy, pandas, Mesa, the model) inside its function, so that
# `--help`, a mistyped option and the page servers start at once; tests/test_cli.py checks it.

EXIT_BAD_INPUT = 2
DEFAULT_WARMUP_YEARS = 10.0  # sim.model.DEFAULT_WARMUP_WEEKS / 52 (not imported here: see above; a test ties them)
DASHBOARD_APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
DASHBOARD_PORT = 8765
WORKSHOP_APP = DASHBOARD_APP.with_name("workshop.py")


def _ranged(convert: type, low: float, high: float, what: str):
    """An argparse type: ``convert`` the text and require ``low <= value <= high``."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
        if not (low <= value <= high):  # also rejects NaN
            raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
        return value

    return parse


_positive_int = _ranged(int, 1, 10**9, "an integer of at least 1")
_seed = _ranged(int, 0, 2**63 - 1, "a non-negative integer")
_years = _ranged(float, 1 / 52, 200, "a number of years from one week (0.02) to 200")
_warmup = _ranged(float, 0, 100, "a number of years from 0 to 100")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = argparse.ArgumentParser(prog="community-sim", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("scenarios", help="list the bundled scenarios")
    sub.add_parser("towns", help="list the bundled town profiles")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--town", default="neighbourhood", help="bundled town name or path to a profile .toml")
        p.add_argument("--years", type=_years, default=10.0, help="years to simulate (default 10)")
        p.add_argument("--seed", type=_seed, default=0, help="seed of the run (default 0)")
        p.add_argument(
            "--warmup-years",
            type=_warmup,
            default=DEFAULT_WARMUP_YEARS,
            help="years of warm-up that make today's town (default 10; 0: start from the stationary mix)",
        )
        p.add_argument(
            "--parameters",
            type=Path,
            metavar="FILE",
            help="parameter sets: a bundled name (national_best, national_ensemble) or a file — a calibration's best fit, "
            "or its accepted ensemble (each replication draws one, the same for every scenario); see docs/calibration.md",
        )
        p.add_argument("--out", type=Path, help="directory for CSV and Parquet outputs")
        p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    run = sub.add_parser("run", help="run one scenario")
    run.add_argument("scenario", help="bundled scenario name or path to a scenario .toml")
    common(run)
    run.add_argument(
        "--start-from", default="baseline", help="scenario whose warm-up makes the starting town (default baseline)"
    )
    cmp_ = sub.add_parser("compare", help="compare scenarios on common random numbers")
    cmp_.add_argument(
        "scenarios", nargs="*", help="scenarios; the first is the reference (default: all bundled, baseline first)"
    )
    common(cmp_)
    cmp_.add_argument("--replications", type=_positive_int, default=10, help="replications (default 10)")
    cmp_.add_argument("--workers", "--jobs", type=_positive_int, default=1, help="worker processes (default 1)")
    story = sub.add_parser("story", help="follow one of the seed's households week by week")
    story.add_argument("name", nargs="?", help="bundled story name or path (omit to list the stories)")
    story.add_argument("--scenario", default="baseline", help="scenario (default baseline)")
    story.add_argument("--lang", choices=("ja", "en"), default="ja", help="language of the timeline (default ja)")
    story.add_argument("--json", action="store_true", help="print the timeline as JSON on stdout")
    workshop = sub.add_parser("workshop", help="start the workshop page for trainers (研修モード)")
    workshop.add_argument("--port", type=_ranged(int, 1, 65535, "a port from 1 to 65535"), default=8766)
    exp = sub.add_parser(
        "experiment",
        help="run an experiment file (experiments/*.toml); started again, it runs only what is missing",
    )
    exp.add_argument("file", type=Path, help="experiment .toml")
    where = exp.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", "--jobs", type=_positive_int, help="local worker processes (default: the file's `workers`)"
    )
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://host:8786")
    exp.add_argument("--out", type=Path, help="results directory (default out/NAME, NAME the file's name)")
    exp.add_argument(
        "--fresh", action="store_true", help="discard the results already in the directory (only those) and start over"
    )
    exp.add_argument("--yes", action="store_true", help="run a large experiment without asking (see its estimate)")
    exp.add_argument("--json", action="store_true", help="print the comparison as JSON on stdout")
    cal = sub.add_parser(
        "calibrate",
        help="fit uncertain parameters to published figures (a targets file with [calibration]); resumable",
    )
    cal.add_argument("file", type=Path, help="calibration .toml (e.g. experiments/calibration/national.toml)")
    where = cal.add_mutually_exclusive_group()
    where.add_argument("--workers", "--jobs", type=_positive_int, help="local worker processes (default: the file's)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://host:8786")
    cal.add_argument("--out", type=Path, help="results directory (default out/calibrate-NAME)")
    cal.add_argument("--fresh", action="store_true", help="discard this calibration's evaluations and start over")
    val = sub.add_parser(
        "validate",
        help="hold the model against published figures (a targets file); exit 0 if every target is met, 1 if not",
    )
    val.add_argument("file", type=Path, help="targets .toml (e.g. experiments/calibration/national_check.toml)")
    val.add_argument("--town", help="bundled town name or path to a profile .toml (default: the file's town)")
    val.add_argument("--replications", type=_positive_int, help="replications (default: the file's)")
    where = val.add_mutually_exclusive_group()
    where.add_argument("--workers", "--jobs", type=_positive_int, help="local worker processes (default: the file's)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://host:8786")
    val.add_argument("--out", type=Path, help="results directory (default out/validate-NAME, NAME the file's name)")
    val.add_argument("--fresh", action="store_true", help="discard the runs already in the directory and start over")
    val.add_argument("--json", action="store_true", help="print the validation table as JSON on stdout")
    rep = sub.add_parser("report", help="write a self-contained HTML report of an experiment's results")
    rep.add_argument("dir", type=Path, help="results directory of `community-sim experiment`")
    rep.add_argument("--out", type=Path, help="HTML file to write (default DIR/report.html)")
    dash = sub.add_parser("dashboard", help="start the planner dashboard (Solara) on 127.0.0.1")
    dash.add_argument("--port", type=_ranged(int, 1, 65535, "a port from 1 to 65535"), default=DASHBOARD_PORT)
    dash.add_argument(
        "--parameters",
        type=Path,
        metavar="FILE",
        help="parameter sets the page offers to run over (default: the calibration's bundled ensemble, "
        "national_ensemble)",
    )
    sub.add_parser(
        "setup-offline",
        help="download, once, the file the pages need to work without internet (KaTeX, for Solara's Markdown)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    from sim.params import ConfigError

    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except ConfigError as e:
        print(f"community-sim: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `community-sim scenarios | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from sim.config import bundled_names, load_scenario, mechanism_params

    reference = load_scenario("baseline")
    for name in bundled_names("scenarios"):
        s = load_scenario(name)
        same = name != "baseline" and (s.town, mechanism_params(s)) == (reference.town, mechanism_params(reference))
        # siloed: the bundled baseline is already 縦割り, so its results are baseline's (README, "Scenarios").
        note = "  (same settings as baseline: results equal baseline's)" if same else ""
        print(f"{name:<28} {s.title_ja} / {s.title_en}{note}")
    return 0


def cmd_towns(args: argparse.Namespace) -> int:
    from sim.config import bundled_names, load_town

    for name in bundled_names("towns"):
        t = load_town(name)
        print(f"{name:<16} {t.profile['town']['name_ja']}  households={t.profile['town']['households']}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.outputs import write_tables
    from sim.parameter_sets import apply_set, parameters_for
    from sim.places import check_output_dir
    from sim.runner import prepare, run_once

    (scenario, start_from), town = prepare([args.scenario, args.start_from], args.town)
    # A set changes the world: the scenario and the warm-up's scenario both run with it.
    sets = parameters_for([scenario, start_from], args.parameters)
    parameter_set = None if sets is None else sets.index_for(args.seed)
    if sets is not None and parameter_set is not None:
        (scenario, start_from), town = apply_set([scenario, start_from], town, sets, parameter_set)
    if args.out:
        check_output_dir(args.out)  # before the run: its work must not be lost at the end
    result = run_once(
        scenario,
        town,
        args.seed,
        args.years,
        warmup_weeks=round(args.warmup_years * 52),
        start_from=start_from,
        progress=sys.stderr.isatty(),
    )
    result.parameter_set = parameter_set
    if args.out:
        write_tables(
            {name: result.tagged(name) for name in ("weekly", "ledger", "summary", "council", "channels")},
            args.out,
        )
    town_wide = result.summary[result.summary.household_type == "all"]
    if args.json:
        payload = {
            "scenario": result.scenario,
            "town": result.town,
            "seed": args.seed,
            "years": args.years,
            "parameters": None if sets is None else {**sets.record(), "parameter_set": parameter_set},
            "summary": _clean(dict(zip(town_wide.metric, town_wide.value, strict=True))),
            "by_household_type": _clean(_by_type(result.summary)),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        from sim.display import number, unit_of

        years = f"{args.years:g} year{'' if args.years == 1 else 's'}"
        print(f"{scenario.title_ja} / {scenario.title_en} — town {town.name}, {years}, seed {args.seed}")
        if sets is not None:
            print(f"parameters: {sets.describe()}; set {parameter_set} of {sets.n}")
        for metric, raw in zip(town_wide["metric"].tolist(), town_wide["value"].tolist(), strict=True):
            value, unit = number(raw, unit_of(metric)), unit_of(metric).unit
            print(f"  {metric:<36} {value:>10}{unit if value != '—' else ''}")
        if args.out:
            print(f"outputs written to {args.out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare_table, same_settings_as_reference, summaries
    from sim.parameter_sets import parameters_for
    from sim.params import ConfigError
    from sim.places import check_output_dir
    from sim.runner import prepare, run_many

    names = args.scenarios or _all_bundled_baseline_first()
    if len(set(names)) != len(names):
        raise ConfigError("command line", "scenarios", "a scenario is named twice; allowed: distinct scenarios")
    scenarios, town = prepare(names, args.town)
    sets = parameters_for(scenarios, args.parameters)
    if args.out:
        check_output_dir(args.out)  # before the runs: their work must not be lost at the end
    labels = [s.name for s in scenarios]
    if len(set(labels)) != len(labels):
        raise ConfigError("command line", "scenarios", "two scenarios share a file name; allowed: distinct names")
    results = run_many(
        scenarios,
        town,
        args.years,
        args.replications,
        args.seed,
        jobs=args.workers,
        progress=sys.stderr.isatty(),
        warmup_weeks=round(args.warmup_years * 52),
        parameters=sets,
    )
    tables = {"comparison": compare_table(results, labels), "summaries": summaries(results)}
    settings = {
        "town": town.name,
        "years": args.years,
        "replications": args.replications,
        "seed": args.seed,
        "warmup_years": args.warmup_years,
        "parameters": None if sets is None else sets.record(),
    }
    if sets is not None:  # the set of each replication, in order (the summaries' parameter_set column)
        settings["parameter_sets"] = [run.parameter_set for run in results if run.scenario == labels[0]]
    years = f"{args.years:g} year{'' if args.years == 1 else 's'}"
    header = f"town {town.name}, {years}, {args.replications} replications, seed {args.seed}"
    if sets is not None:
        header = f"parameters: {sets.describe()}\n{header}"
    same = same_settings_as_reference(scenarios, town)
    return _report_comparison(args, tables, labels, settings, header, same, sets)


def cmd_experiment(args: argparse.Namespace) -> int:
    from sim.compare import same_settings_as_reference
    from sim.execute import check_scheduler_address, run_experiment
    from sim.experiment import load_experiment

    if args.scheduler:
        check_scheduler_address(args.scheduler)
    experiment = load_experiment(args.file, confirmed=args.yes, progress=sys.stderr.isatty())
    out = args.out or Path("out") / experiment.name
    if experiment.size is not None:
        print(f"{experiment.name}: {experiment.size.describe()}", file=sys.stderr)
    tables = run_experiment(experiment, out, args.workers, args.scheduler, sys.stderr.isatty(), args.fresh)
    s = experiment.settings
    runs = tables["runs"]
    failed = int((runs["status"] != "ok").sum())
    comparison = tables["comparison"]
    shown = "all" if len(experiment.points) > 1 else "0"
    comparison = comparison[comparison["point"] == shown].drop(columns="point")
    header = (
        f"{s['title']} — town {experiment.town.name}, {s['years']:g} years, {s['replications']} replications"
        + (f" × {len(experiment.points)} points ({experiment.sweep.method})" if experiment.sweep else "")
        + f", seed {s['seed']}; {len(runs)} runs, {failed} failed"
    )
    sets = experiment.parameters
    if sets is not None:
        header = f"parameters: {sets.describe()}\n{header}"
    settings = {"experiment": experiment.name, **s, "points": len(experiment.points), "failed_runs": failed}
    settings["parameters"] = None if sets is None else sets.record()
    args.out = None  # the tables are already written in the results directory
    same = same_settings_as_reference(experiment.scenarios, experiment.town)
    code = _report_comparison(args, {"comparison": comparison}, experiment.labels, settings, header, same, sets)
    if not args.json:
        print(f"results in {out} (community-sim report {out})")
    return code


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibrate import calibrate, check_calibration_dir, load_calibration
    from sim.execute import check_scheduler_address

    if args.scheduler:
        check_scheduler_address(args.scheduler)
    cal = load_calibration(args.file)
    out = args.out or Path("out") / f"calibrate-{cal.name}"
    check_calibration_dir(out, cal, args.fresh)
    workers = args.workers or cal.settings["workers"]
    result = calibrate(cal, out, workers, args.scheduler, sys.stderr.isatty(), args.fresh)
    best, fit = result["best"], result["fit"]
    print(
        f"{cal.targets.settings['title']}: {len(result['evaluations'])} evaluations; best distance {best['distance']:.3g}"
    )
    for p in cal.parameters:
        print(f"  {p.path} = {best[p.path]:.4g}   (prior {p.low:g} – {p.high:g})")
    met = int(fit["within"].sum())
    print(f"{met} of {len(fit)} targets within tolerance at the best fit")
    print(f"results in {out}: best.toml, ensemble.toml, report.html")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.config import load_town
    from sim.execute import check_scheduler_address
    from sim.targets import load_targets
    from sim.validate import check_validation_dir, format_validation, run_validation, validation_experiment

    if args.scheduler:
        check_scheduler_address(args.scheduler)
    targets = load_targets(args.file)
    town = load_town(args.town) if args.town else None
    experiment = validation_experiment(targets, town, args.replications, args.workers)
    out = check_validation_dir(args.out or Path("out") / experiment.name, args.fresh)
    summary, _ = run_validation(targets, experiment, out, args.scheduler, sys.stderr.isatty(), args.fresh)
    if args.json:
        print(json.dumps(_clean(summary.to_dict(orient="records")), ensure_ascii=False, indent=2))
    else:
        s = experiment.settings
        print(
            f"{s['title']} — scenario {targets.scenario.name}, town {experiment.town.name}, {s['years']:g} years, "
            f"{s['replications']} replications, seed {s['seed']}"
        )
        print(format_validation(summary))
        print(f"results in {out} ({out / 'validation.html'})")
    return 0 if bool(summary["within"].all()) else 1


def cmd_report(args: argparse.Namespace) -> int:
    from sim.report import write_report

    path = write_report(args.dir, args.out)
    print(f"report written to {path}")
    return 0


def _report_comparison(
    args: argparse.Namespace,
    tables: dict,
    labels: list[str],
    settings: dict,
    header: str,
    same_as_reference: list[str] | None = None,
    parameters=None,
) -> int:
    """Write the comparison tables (``--out``) and print them as JSON (``--json``) or as text; the text
    explains the intervals (over parameter sets too, given ``parameters``) and names the scenarios whose
    results are the reference's by construction."""
    from sim.compare import format_comparison, intervals_explained, same_settings_note
    from sim.outputs import write_tables

    if args.out:
        write_tables(tables, args.out)
    if args.json:
        payload = {
            **settings,
            "reference": labels[0],
            "scenarios": labels,
            "comparison": _clean(tables["comparison"].to_dict(orient="records")),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(f"{header}; mean [95% CI], difference from {labels[0]} [95% CI]")
    print(format_comparison(tables["comparison"]))
    print(intervals_explained(parameters))
    if same_as_reference:
        print(same_settings_note(same_as_reference, labels[0]))
    if args.out:
        print(f"outputs written to {args.out}")
    return 0


def cmd_story(args: argparse.Namespace) -> int:
    from sim.config import locate
    from sim.runner import prepare
    from sim.story import format_timeline, load_story, run_story, story_names

    if args.name is None:
        for name in story_names():
            s = load_story(name).settings
            print(f"{name:<20} {s['title_ja']} / {s['title_en']} (slide {s['slide']})")
        return 0
    story = load_story(args.name)
    locate(args.scenario, "scenarios", "command line", "--scenario")
    scenario, _town = prepare([args.scenario], story.settings["town"])
    _, timeline = run_story(story, scenario[0], lang=args.lang)
    if args.json:
        payload = {"story": story.name, "scenario": scenario[0].name, "events": timeline.to_dict(orient="records")}
        print(json.dumps(_clean(payload), ensure_ascii=False, indent=2))
    else:
        title = scenario[0].title_ja if args.lang == "ja" else scenario[0].title_en
        print(format_timeline(story, title, timeline, args.lang))
    return 0


def _all_bundled_baseline_first() -> list[str]:
    from sim.config import bundled_names

    names = bundled_names("scenarios")
    return ["baseline", *[n for n in names if n != "baseline"]] if "baseline" in names else names


def _by_type(summary) -> dict:
    out: dict = {}
    for row in summary[summary.household_type != "all"].itertuples():
        out.setdefault(row.household_type, {})[row.metric] = row.value
    return out


def _clean(obj):
    """JSON-safe: NaN becomes null, numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def dashboard_command(port: int, app: Path = DASHBOARD_APP) -> list[str]:
    """The command that serves a page (default: the dashboard) on the loopback interface only."""
    serve = ["--host", "127.0.0.1", "--port", str(port), "--production", "--no-open", "--no-check-version"]
    return [sys.executable, "-m", "solara", "run", str(app), *serve]


# Solara otherwise asks PyPI for its latest version and sends usage telemetry: the pages stay offline.
# No telemetry, and no "This website runs on Solara" badge floating over the pages' buttons.
DASHBOARD_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False"}
# The parameter-sets file `dashboard --parameters` gives the page (dashboards.running.PARAMETERS_ENV).
DASHBOARD_PARAMETERS_ENV = "COMMUNITY_SIM_PARAMETERS"


def cmd_dashboard(args: argparse.Namespace) -> int:
    extra = {}
    if args.parameters is not None:  # checked here: a bad file exits 2 before the server starts
        from sim.parameter_sets import load_parameter_sets

        sets = load_parameter_sets(args.parameters)
        print(f"parameters: {sets.describe()}", flush=True)
        extra[DASHBOARD_PARAMETERS_ENV] = str(args.parameters.resolve())
    return _serve(DASHBOARD_APP, args.port, "施策比較ダッシュボード / planner dashboard", extra)


def cmd_workshop(args: argparse.Namespace) -> int:
    return _serve(WORKSHOP_APP, args.port, "研修モード / workshop")


def _serve(app: Path, port: int, title: str, extra_env: dict[str, str] | None = None) -> int:
    """Serve a Solara page of dashboards/ on 127.0.0.1 until Ctrl+C or a stop signal (server and pool stop too)."""
    from sim.params import ConfigError
    from sim.serve import run_until_stopped

    if not app.is_file():
        raise ConfigError(str(app), "", "the page is not in this installation; allowed: reinstall community-sim")
    print(f"{title}: http://127.0.0.1:{port}  (Ctrl+C to stop)", flush=True)
    env = {**os.environ, **DASHBOARD_ENV, **(extra_env or {})}
    return run_until_stopped(dashboard_command(port, app), cwd=app.parents[1], env=env)


def cmd_setup_offline(args: argparse.Namespace) -> int:
    from dashboards.offline_assets import main as install_offline_assets

    return install_offline_assets(strict=True)


COMMANDS = {
    "scenarios": cmd_scenarios,
    "towns": cmd_towns,
    "run": cmd_run,
    "compare": cmd_compare,
    "experiment": cmd_experiment,
    "story": cmd_story,
    "report": cmd_report,
    "workshop": cmd_workshop,
    "dashboard": cmd_dashboard,
    "setup-offline": cmd_setup_offline,
    "validate": cmd_validate,
    "calibrate": cmd_calibrate,
}

if __name__ == "__main__":
    sys.exit(main())
