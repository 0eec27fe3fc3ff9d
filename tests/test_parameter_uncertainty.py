"""Parameter uncertainty in comparisons: `--parameters`, `parameters = "FILE"` in experiment and scenario
files, one parameter set per replication for every scenario (sim/parameter_sets.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_scenario, write_town

from sim.cli import main
from sim.compare import summaries
from sim.config import load_scenario, load_scenario_text
from sim.execute import group_tasks, run_experiment
from sim.experiment import load_experiment
from sim.parameter_sets import load_parameter_sets, write_parameter_sets
from sim.params import ConfigError
from sim.report import write_report
from sim.runner import prepare, run_many, run_once
from sim.streams import replication_seeds

SELF_REFERRAL = [f"mechanisms.self_referral.weekly_probability.{s}" for s in ("latent", "manifest", "complex")]
# Two clearly different worlds: nobody consults of their own accord, or most soon do.
NOBODY_SELF_REFERS, MOST_SELF_REFER = [0.0, 0.0, 0.0], [0.1, 0.3, 0.3]
# A run short enough for tests: a year after a year of warm-up.
YEARS, WARMUP_WEEKS = 1.0, 52
CLI_SPAN = ["--years", "1", "--warmup-years", "1"]


@pytest.fixture
def town(tmp_path: Path) -> Path:
    return write_town(tmp_path, households=800)


def write_ensemble(folder: Path, rows: list[list[float]] | None = None, name: str = "ensemble") -> Path:
    rows = rows or [NOBODY_SELF_REFERS, MOST_SELF_REFER]
    return write_parameter_sets(
        folder / f"{name}.toml", "Test ensemble", "ensemble", "tests", "hand", SELF_REFERRAL, np.array(rows)
    )


def write_best(folder: Path, values: list[float] | None = None, name: str = "best") -> Path:
    values = values or [0.01, 0.05, 0.04]
    return write_parameter_sets(
        folder / f"{name}.toml", "Test best fit", "best", "tests", "optuna", SELF_REFERRAL, np.array([values])
    )


def write_experiment(folder: Path, town: Path, body: str = "", replications: int = 4, name: str = "exp") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'[experiment]\ntitle = "test"\ntown = "{town.name}"\nscenarios = ["baseline", "one_stop_desk"]\n'
        f"years = 0.5\nwarmup_years = 0.5\nreplications = {replications}\nseed = 7\n{body}\n",
        encoding="utf-8",
    )
    return path


# ------------------------------------------------------------------ pairing and reproducibility


def test_every_scenario_of_a_replication_runs_with_the_same_set(tmp_path, town):
    sets = load_parameter_sets(write_ensemble(tmp_path))
    experiment = load_experiment(write_experiment(tmp_path, town, 'parameters = "ensemble.toml"', replications=6))
    tasks = experiment.tasks()
    assert len({t.parameter_set for t in tasks}) == 2  # both sets are drawn by these seeds
    for task in tasks:
        drawn = sets.set_values(task.parameter_set)
        for scenario in task.scenarios:  # each scenario of the task runs with the values of its set
            assert scenario.mechanisms["self_referral"]["weekly_probability"] == {
                path.rsplit(".", 1)[1]: value for path, value in drawn.items()
            }
    runs = run_experiment(experiment, tmp_path / "out")["runs"]
    per_replication = runs.groupby("replication")["parameter_set"].nunique()
    assert (per_replication == 1).all()
    assert runs.groupby("replication")["parameter_set"].first().tolist() == experiment.parameter_sets


def test_the_set_of_a_replication_is_reproducible_from_its_seed(tmp_path, town, capsys):
    path = write_ensemble(tmp_path, [NOBODY_SELF_REFERS, MOST_SELF_REFER, [0.01, 0.02, 0.02]])
    seeds = replication_seeds(5, 8)
    drawn = load_parameter_sets(path).indices_for(seeds)
    assert drawn == load_parameter_sets(path).indices_for(seeds)  # loaded again: the same draw
    assert len(set(drawn)) > 1
    # `compare` records the sets in its summaries; `run --seed` with a replication's seed runs its set.
    args = ["compare", "baseline", "--town", str(town), *CLI_SPAN, "--replications", "2", "--seed", "5"]
    assert main([*args, "--parameters", str(path), "--out", str(tmp_path / "cmp")]) == 0
    table = pd.read_parquet(tmp_path / "cmp" / "summaries.parquet")
    assert table.groupby("replication")["parameter_set"].first().tolist() == drawn[:2]
    capsys.readouterr()
    run_args = ["run", "baseline", "--town", str(town), *CLI_SPAN, "--seed", str(seeds[1])]
    assert main([*run_args, "--parameters", str(path), "--json"]) == 0
    ran = json.loads(capsys.readouterr().out)
    assert ran["parameters"]["parameter_set"] == drawn[1]
    town_wide = table[(table.replication == 1) & (table.household_type == "all")]
    from_compare = {m: None if np.isnan(v) else v for m, v in zip(town_wide.metric, town_wide.value, strict=True)}
    assert from_compare == ran["summary"]


def test_a_best_fit_run_equals_a_scenario_file_setting_its_values_by_hand(tmp_path, town, capsys):
    best = write_best(tmp_path)
    by_hand = write_scenario(
        tmp_path,
        "[mechanisms.self_referral]\nweekly_probability = { latent = 0.01, manifest = 0.05, complex = 0.04 }\n",
        name="by_hand",
    )
    common = ["--town", str(town), "--years", "0.5", "--warmup-years", "0", "--seed", "3", "--json"]
    assert main(["run", "baseline", *common, "--parameters", str(best)]) == 0
    with_file = json.loads(capsys.readouterr().out)
    assert main(["run", str(by_hand), *common]) == 0
    written = json.loads(capsys.readouterr().out)
    assert with_file["summary"] == written["summary"]
    assert with_file["parameters"]["kind"] == "best" and with_file["parameters"]["parameter_set"] == 0


def test_with_a_warm_up_a_set_differs_from_values_by_hand_only_by_the_pilot_it_starts_from(tmp_path, town):
    """The warm-up starts from the pilot mix of the scenario without the set (sim/parameter_sets.py)."""
    sets = load_parameter_sets(write_best(tmp_path))
    (baseline,), town_profile = prepare(["baseline"], town)
    by_hand = load_scenario(
        write_scenario(
            tmp_path,
            "[mechanisms.self_referral]\nweekly_probability = { latent = 0.01, manifest = 0.05, complex = 0.04 }\n",
            name="baseline",
        )
    )
    kw = {"progress": False, "warmup_weeks": WARMUP_WEEKS, "parameters": sets}
    with_set = run_many([baseline], town_profile, YEARS, 1, 9, **kw)[0]
    from_same_pilot = replace(by_hand, pilot_from=baseline)
    seed = replication_seeds(9, 1)[0]
    alone = run_once(from_same_pilot, town_profile, seed, YEARS, warmup_weeks=WARMUP_WEEKS, start_from=from_same_pilot)
    pd.testing.assert_frame_equal(with_set.summary, alone.summary)


def test_a_warm_up_from_another_pilot_is_not_taken_from_the_cache(tmp_path):
    """The same settings by hand start from their own pilot: the set's cached warm-up is not theirs."""
    from sim.engine.warmup import warm_town
    from sim.parameter_sets import with_parameter_set

    (baseline,), town_profile = prepare(["baseline"], write_town(tmp_path, households=300, name="tiny"))
    values = load_parameter_sets(write_best(tmp_path)).set_values(0)
    (with_set,), _ = with_parameter_set([baseline], town_profile, values)
    by_hand = replace(with_set, pilot_from=None)
    assert repr(by_hand) == repr(with_set)
    assert warm_town(with_set, town_profile, [1], 4) is not warm_town(by_hand, town_profile, [1], 4)


def test_an_ensemble_of_clearly_different_sets_widens_the_spread_between_replications(tmp_path, town):
    (baseline,), town_profile = prepare(["baseline"], town)
    sets = load_parameter_sets(write_ensemble(tmp_path))

    def spread(parameters) -> tuple[float, set]:
        kw = {"progress": False, "warmup_weeks": WARMUP_WEEKS, "parameters": parameters}
        runs = run_many([baseline], town_profile, YEARS, 6, 4, **kw)
        table = summaries(runs)
        share = table[(table.household_type == "all") & (table.metric == "channel_share_self")]["value"]
        return float(share.std()), {run.parameter_set for run in runs}

    chance_only, none = spread(None)
    with_sets, drawn = spread(sets)
    assert none == {None} and drawn == {0, 1}
    assert with_sets > 2 * chance_only


# ------------------------------------------------------------------ executors and batches


def test_results_with_an_ensemble_do_not_depend_on_the_workers(tmp_path, town):
    write_ensemble(tmp_path)
    experiment = load_experiment(write_experiment(tmp_path, town, 'parameters = "ensemble.toml"', replications=4))
    one = run_experiment(experiment, tmp_path / "one", workers=1)
    two = run_experiment(experiment, tmp_path / "two", workers=2)
    for name in ("runs", "summaries", "comparison"):
        left, right = one[name], two[name]
        if name == "runs":
            left, right = left.drop(columns="seconds"), right.drop(columns="seconds")
        if name != "comparison":
            left = left.sort_values(list(left.columns[:2])).reset_index(drop=True)
            right = right.sort_values(list(right.columns[:2])).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


def test_compare_with_an_ensemble_gives_the_same_runs_in_one_process_and_two(tmp_path, town):
    scenarios, town_profile = prepare(["baseline", "one_stop_desk"], town)
    sets = load_parameter_sets(write_ensemble(tmp_path))
    kw = {"progress": False, "warmup_weeks": 26, "parameters": sets}
    one = summaries(run_many(scenarios, town_profile, 0.5, 4, 2, jobs=1, **kw))
    two = summaries(run_many(scenarios, town_profile, 0.5, 4, 2, jobs=2, **kw))
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_batches_hold_runs_of_one_point_and_one_parameter_set(tmp_path, town):
    write_ensemble(tmp_path)
    grid = '[sweep]\nmethod = "grid"\n[sweep.parameters]\n"mechanisms.watching.enabled" = [true, false]\n'
    experiment = load_experiment(
        write_experiment(tmp_path, town, f'parameters = "ensemble.toml"\n{grid}', replications=6)
    )
    tasks = experiment.tasks()
    groups = group_tasks(tasks, workers=1)
    assert sorted(t.task_id for g in groups for t in g) == [t.task_id for t in tasks]
    assert all(len({(t.point, t.parameter_set) for t in g}) == 1 for g in groups)
    assert len(groups) == 4  # two points × two sets drawn
    for task in tasks:  # each task runs with its point's value and its set's values
        for scenario in task.scenarios:
            assert scenario.mechanisms["watching"]["enabled"] == task.values["mechanisms.watching.enabled"]
            assert "self_referral" in scenario.mechanisms


# ------------------------------------------------------------------ where the file is named, and records


def test_a_file_that_a_scenario_names_runs_every_scenario_of_the_comparison_with_it(tmp_path, town, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    write_best(folder)
    mine = write_scenario(folder, "[mechanisms.outreach]\nenabled = true\n", name="mine")
    mine.write_text(mine.read_text().replace("[scenario]\n", '[scenario]\nparameters = "best.toml"\n', 1))
    assert load_scenario(mine).parameters == str((folder / "best.toml").resolve())
    args = ["compare", "baseline", str(mine), "--town", str(town), *CLI_SPAN, "--replications", "2"]
    assert main([*args, "--out", str(tmp_path / "out"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["parameters"]["kind"] == "best" and payload["parameter_sets"] == [0, 0]
    table = pd.read_parquet(tmp_path / "out" / "summaries.parquet")
    assert set(table.parameter_set) == {0} and set(table.scenario) == {"baseline", "mine"}


def test_the_manifest_records_the_parameters_file(tmp_path, town):
    path = write_ensemble(tmp_path)
    experiment = load_experiment(write_experiment(tmp_path, town, 'parameters = "ensemble.toml"', replications=1))
    run_experiment(experiment, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["parameters"]
    assert record["kind"] == "ensemble" and record["sets"] == 2
    assert Path(record["path"]).resolve() == path.resolve()
    assert record["sha256"] == hashlib.sha256(path.read_text(encoding="utf-8").encode("utf-8")).hexdigest()
    report = write_report(tmp_path / "out").read_text(encoding="utf-8")
    assert "ensemble of 2 accepted sets, one drawn per replication for every scenario" in report


def test_a_changed_parameters_file_is_another_experiment(tmp_path, town):
    path = write_ensemble(tmp_path)
    exp = write_experiment(tmp_path, town, 'parameters = "ensemble.toml"', replications=1)
    before = load_experiment(exp).fingerprint()
    write_ensemble(tmp_path, [NOBODY_SELF_REFERS, [0.1, 0.2, 0.3]])
    assert path.exists() and load_experiment(exp).fingerprint() != before


def test_no_parameters_leaves_the_tables_as_they_were(tmp_path, town):
    experiment = load_experiment(write_experiment(tmp_path, town, replications=1))
    assert experiment.parameters is None and experiment.parameter_sets == [None]
    tables = run_experiment(experiment, tmp_path / "out")
    assert "parameter_set" not in tables["runs"].columns and "parameter_set" not in tables["summaries"].columns
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"] is None


# ------------------------------------------------------------------ bad files: exit 2, one message


BAD_FILES = {
    "unknown_kind": ('[parameters]\nkind = "many"\npaths = ["{p}"]\n[[set]]\nvalues = {{ "{p}" = 0.1 }}\n', "kind"),
    "town_path": (
        '[parameters]\npaths = ["town.jichikai.activity"]\n[[set]]\nvalues = {{ "town.jichikai.activity" = 0.5 }}\n',
        "parameters.paths[0]",
    ),
    "out_of_range": ('[parameters]\npaths = ["{p}"]\n[[set]]\nvalues = {{ "{p}" = 2.0 }}\n', "set[0].values"),
    "missing_value": ('[parameters]\npaths = ["{p}"]\n[[set]]\nvalues = {{}}\n', "set[0].values"),
    "two_sets_best": (
        '[parameters]\nkind = "best"\npaths = ["{p}"]\n[[set]]\nvalues = {{ "{p}" = 0.1 }}\n'
        '[[set]]\nvalues = {{ "{p}" = 0.2 }}\n',
        "'set'",
    ),
    "not_toml": ("[parameters\n", ""),
}


def _one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_parameters_file_exits_2_with_one_message_naming_it(tmp_path, town, capsys, name):
    text, key = BAD_FILES[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(text.format(p=SELF_REFERRAL[1]), encoding="utf-8")
    for command in (["compare", "baseline"], ["run", "baseline"]):
        assert main([*command, "--town", str(town), "--parameters", str(path), "--out", str(tmp_path / "o")]) == 2
        err = _one_error(capsys)
        assert str(path) in err and key in err
    assert not (tmp_path / "o").exists()


def test_a_missing_parameters_file_exits_2_naming_where_it_was_named(tmp_path, town, capsys):
    assert main(["compare", "baseline", "--town", str(town), "--parameters", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml" in _one_error(capsys)
    assert main(["experiment", str(write_experiment(tmp_path, town, 'parameters = "nope.toml"'))]) == 2
    assert "experiment.parameters" in _one_error(capsys)
    mine = write_scenario(tmp_path, name="mine")
    mine.write_text(mine.read_text().replace("[scenario]\n", '[scenario]\nparameters = "nope.toml"\n', 1))
    assert main(["run", str(mine), "--town", str(town)]) == 2
    assert "scenario.parameters" in _one_error(capsys)


def test_a_parameters_file_named_twice_exits_2_with_one_message(tmp_path, town, capsys):
    write_best(tmp_path)
    write_ensemble(tmp_path)
    naming = write_scenario(tmp_path, name="naming")
    naming.write_text(naming.read_text().replace("[scenario]\n", '[scenario]\nparameters = "best.toml"\n', 1))
    other = write_scenario(tmp_path, name="other")
    other.write_text(other.read_text().replace("[scenario]\n", '[scenario]\nparameters = "ensemble.toml"\n', 1))
    given = ["--parameters", str(tmp_path / "ensemble.toml")]
    cases = [
        (["compare", "baseline", str(naming), "--town", str(town), *given], "--parameters"),
        (["run", str(naming), "--town", str(town), *given], "--parameters"),
        (["compare", "baseline", str(naming), str(other), "--town", str(town)], "scenario.parameters"),
    ]
    exp = tmp_path / "exp.toml"
    write_experiment(tmp_path, town, 'parameters = "ensemble.toml"')
    exp.write_text(exp.read_text().replace('"one_stop_desk"', '"naming.toml"'))
    cases.append((["experiment", str(exp)], "experiment.parameters"))
    for args, key in cases:
        assert main(args) == 2, args
        assert key in _one_error(capsys)


def test_a_path_both_swept_and_in_the_parameters_file_is_refused_naming_the_key(tmp_path, town, capsys):
    write_ensemble(tmp_path)
    sweep = f'[sweep]\nmethod = "latin"\nsamples = 2\n[sweep.parameters]\n"{SELF_REFERRAL[1]}" = [0.01, 0.1]\n'
    exp = write_experiment(tmp_path, town, f'parameters = "ensemble.toml"\n{sweep}')
    with pytest.raises(ConfigError) as refused:
        load_experiment(exp)
    assert refused.value.key == f"sweep.parameters.{SELF_REFERRAL[1]}"
    assert main(["experiment", str(exp), "--out", str(tmp_path / "o")]) == 2
    _one_error(capsys)
    assert not (tmp_path / "o").exists()


def test_a_scenario_loaded_as_text_cannot_name_a_parameters_file():
    text = '[scenario]\ntitle_ja = "t"\ndescription_ja = "d"\nparameters = "/etc/ensemble.toml"\n'
    with pytest.raises(ConfigError) as refused:
        load_scenario_text(text, "upload", "upload.toml")
    assert refused.value.key == "scenario.parameters"
