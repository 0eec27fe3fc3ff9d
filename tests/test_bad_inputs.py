"""Bad inputs found by the red team (issue 11): each now exits 2 with one message naming the file and key.

Before: tracebacks (nan/inf/huge multipliers, deeply nested TOML, a 10^8-point grid, a story whose
town lacks its household type), silent wrong output (a council hosted at a desk the town does not
have, a desk accepting nothing, a story whose domains its stage cannot have), and two encoding
rules (the command line refused a byte-order mark the dashboard accepted; the dashboard read
Shift-JIS as mojibake).
"""

from __future__ import annotations

import base64
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboards.scenario_form import MAX_UPLOAD_BYTES, read_upload
from dashboards.town_form import MAX_TOWN_UPLOAD_BYTES, read_town_upload
from sim.cli import main
from sim.config import load_scenario, load_town
from sim.experiment import load_experiment
from sim.story import load_story, story_names
from tests.conftest import BUNDLED_TOWN, write_scenario, write_town

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_HEAD = (
    '[scenario]\ntitle_ja = "テスト"\ntitle_en = "Test"\ndescription_ja = "説明"\ndescription_en = "About"\n'
)


def _exit_2(capsys, *args: str) -> str:
    """Run the command line; it must exit 2 with one message and no traceback. Returns the message."""
    assert main(list(args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("community-sim: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


# ------------------------------------------------------------------ nan, inf and huge operands


@pytest.mark.parametrize(
    "body, key",
    [
        ("[town.venues]\ncapacity = { multiply = nan }", "town.venues.capacity"),
        ("[town.venues]\ncapacity = { add = inf }", "town.venues.capacity"),
        ("[town.venues]\ncapacity = { multiply = 1e308 }", "town.venues.capacity"),
        ("[town.minsei]\nhouseholds_per_district = { multiply = nan }", "town.minsei.households_per_district"),
        ("[town.minsei]\nhouseholds_per_district = { add = -inf }", "town.minsei.households_per_district"),
        ("[town.minsei]\nhouseholds_per_district = { multiply = 1e308 }", "town.minsei.households_per_district"),
        ("[town.jichikai]\nmembership_rate = { multiply = 1e308 }", "town.jichikai.membership_rate"),
    ],
)
def test_a_nan_inf_or_huge_operand_exits_2_naming_file_and_key(tmp_path, capsys, body, key):
    path = write_scenario(tmp_path, body)
    err = _exit_2(capsys, "run", str(path), "--years", "1")
    assert str(path) in err and key in err


def test_a_huge_operand_is_refused_when_the_scenario_is_uploaded(tmp_path):
    text = SCENARIO_HEAD + "[town.venues]\ncapacity = { multiply = 1e308 }\n"
    scenario, message = read_upload("plan.toml", text.encode(), len(text.encode()), "en", load_town("neighbourhood"))
    assert scenario is None and "plan.toml" in message and "town.venues.capacity" in message


# ------------------------------------------------------------------ deeply nested files


def _deep(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("kind", ["scenario", "town", "experiment", "story"])
def test_a_file_nested_600_deep_exits_2_in_every_loader(tmp_path, capsys, kind):
    path = tmp_path / f"deep_{kind}.toml"
    path.write_text(_deep(600), encoding="utf-8")  # about 1.2 kB
    args = {
        "scenario": ["run", str(path)],
        "town": ["run", "baseline", "--town", str(path)],
        "experiment": ["experiment", str(path), "--out", str(tmp_path / "o")],
        "story": ["story", str(path)],
    }[kind]
    err = _exit_2(capsys, *args)
    assert str(path) in err and "nested too deeply" in err
    assert not (tmp_path / "o").exists()


def test_a_deeply_nested_upload_gets_a_message_on_the_page():
    text = _deep(600)
    for read in (read_upload, read_town_upload):
        loaded, message = read("deep.toml", text.encode(), len(text), "en")
        assert loaded is None and "deep.toml" in message and "nested too deeply" in message


def test_nesting_below_the_parsers_limit_is_refused_naming_the_key(tmp_path, capsys):
    path = write_scenario(tmp_path, "[mechanisms.outreach]\nenabled = " + "[" * 60 + "]" * 60)
    err = _exit_2(capsys, "run", str(path))
    assert "mechanisms.outreach.enabled" in err and "nested too deeply" in err


# ------------------------------------------------------------------ huge experiments


def _sweep_experiment(tmp_path: Path, sweep: str, body: str = "", replications: int = 2) -> Path:
    town = write_town(tmp_path, households=300)
    path = tmp_path / "big.toml"
    path.write_text(
        f'[experiment]\ntitle = "big"\ntown = "{town.name}"\nscenarios = ["baseline", "stronger_jichikai"]\n'
        f"years = 1\nwarmup_years = 0.5\nreplications = {replications}\nseed = 1\n{body}\n{sweep}",
        encoding="utf-8",
    )
    return path


def _limited_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


def test_a_grid_of_10_to_the_8_points_is_refused_at_once_without_allocating_it(tmp_path):
    values = ", ".join(f"{v / 100:.2f}" for v in range(1, 101))
    params = ("town.jichikai.activity", "town.jichikai.membership_rate", "town.minsei.vacancy_rate")
    sweep = '[sweep]\nmethod = "grid"\n[sweep.parameters]\n' + "".join(f'"{p}" = [{values}]\n' for p in params)
    sweep += '"mechanisms.watching.effect" = [' + values + "]\n"
    path = _sweep_experiment(tmp_path, sweep)
    started = time.monotonic()
    result = _experiment_in_limited_memory(tmp_path, path, timeout=120)  # a 10^8-row design would not fit
    assert result.returncode == 2 and "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert "100,000,000 points" in result.stderr and "experiment" in result.stderr
    assert time.monotonic() - started < 60 and not (tmp_path / "o").exists()


def _experiment_in_limited_memory(tmp_path, path, timeout: int) -> subprocess.CompletedProcess:
    """``community-sim experiment PATH --out o`` with capped memory: a design too large must fail fast, not swap."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", "experiment", str(path), "--out", "o"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=timeout,
        preexec_fn=_limited_memory,
    )


def test_a_large_sobol_design_asks_for_yes_before_checking_any_point(tmp_path):
    names = ['"town.jichikai.activity"', '"town.jichikai.membership_rate"', '"town.minsei.vacancy_rate"']
    names += ['"mechanisms.watching.effect"', '"mechanisms.outreach.hours_per_week_per_10k_households"']
    sweep = '[sweep]\nmethod = "sobol"\nsamples = 8192\n[sweep.parameters]\n'
    sweep += "".join(f"{n} = [0.1, 0.5]\n" for n in names)
    path = _sweep_experiment(tmp_path, sweep, body="tables = []", replications=1)  # 8,192 × 7 = 57,344 points
    result = _experiment_in_limited_memory(tmp_path, path, timeout=60)
    assert result.returncode == 2 and "--yes" in result.stderr and "57,344 points" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o").exists()


def test_many_long_runs_ask_for_yes_and_what_cannot_fit_is_refused_even_with_it(tmp_path, capsys, monkeypatch):
    import sim.execute

    def ran(*args, **kwargs):
        raise AssertionError("20,000 runs of 200 years started without a word")

    monkeypatch.setattr(sim.execute, "run_experiment", ran)  # the command imports it when it runs
    path = _sweep_experiment(tmp_path, "", replications=10_000)  # 20,000 runs of 200 years
    path.write_text(path.read_text(encoding="utf-8").replace("years = 1\n", "years = 200\n"), encoding="utf-8")
    for yes in ([], ["--yes"]):  # their weekly tables alone would not fit in memory
        err = _exit_2(capsys, "experiment", str(path), "--out", str(tmp_path / "o"), *yes)
        assert "too large to run here" in err and "memory" in err and "experiment.tables" in err
    lean = path.read_text(encoding="utf-8").replace("seed = 1\n", "seed = 1\ntables = []\n")
    path.write_text(lean, encoding="utf-8")
    err = _exit_2(capsys, "experiment", str(path), "--out", str(tmp_path / "o"))
    assert "--yes" in err and "20,000 runs" in err and "household-years" in err
    assert not (tmp_path / "o").exists()
    assert load_experiment(path, confirmed=True).size.runs == 20_000  # what --yes does


def test_checking_every_point_of_a_sweep_shows_progress(tmp_path, capsys):
    sweep = '[sweep]\nmethod = "latin"\nsamples = 40\n[sweep.parameters]\n"town.jichikai.activity" = [0.1, 0.9]\n'
    experiment = load_experiment(_sweep_experiment(tmp_path, sweep), progress=True)
    assert len(experiment.points) == 40
    assert "checking sweep points" in capsys.readouterr().err


# ------------------------------------------------------------------ stories


def _story(tmp_path: Path, town: Path | str = "neighbourhood", **fields: str) -> Path:
    values = {"household_type": '"8050"', "stage": '"latent"', "domains": '["care"]', "town": f'"{town}"', **fields}
    body = '[story]\ntitle_ja = "話"\ntitle_en = "Story"\n' + "".join(f"{k} = {v}\n" for k, v in values.items())
    path = tmp_path / "story.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_story_whose_town_has_no_household_of_its_type_exits_2(tmp_path, capsys):
    nobody_withdrawn_aged_40_64 = "[residents]\nwithdrawal_rate_40_64 = 0.0\n"  # so no 8050 household
    town = write_town(tmp_path, households=300, extra=nobody_withdrawn_aged_40_64)
    path = _story(tmp_path, town=town.resolve())
    err = _exit_2(capsys, "story", str(path))
    assert str(path) in err and "story.household_type" in err and "8050" in err


@pytest.mark.parametrize(
    "stage, domains",
    [
        (
            "latent",
            '["care", "withdrawal", "poverty", "housing", "employment", "child_rearing", "health", '
            '"hoarding", "debt", "disability"]',
        ),
        ("complex", '["care"]'),
        ("manifest", '["care"]'),
        ("latent", '["care", "care"]'),
    ],
)
def test_a_story_whose_domains_its_stage_cannot_have_is_refused(tmp_path, capsys, stage, domains):
    path = _story(tmp_path, stage=f'"{stage}"', domains=domains)
    err = _exit_2(capsys, "story", str(path))
    assert str(path) in err and "story.domains" in err


def test_every_bundled_story_has_domains_its_stage_can_have():
    for name in story_names():
        load_story(name)


def test_a_story_naming_an_unknown_town_or_scenario_names_the_file_and_key(tmp_path, capsys):
    err = _exit_2(capsys, "story", str(_story(tmp_path, town="atlantis")))
    assert "story.toml" in err and "story.town" in err and "atlantis" in err
    err = _exit_2(capsys, "story", "household_8050", "--scenario", "no_such_plan")
    assert "--scenario" in err and "no_such_plan" in err


# ------------------------------------------------------------------ desks


def _without_disability_desk(tmp_path: Path) -> Path:
    text = BUNDLED_TOWN.read_text(encoding="utf-8").replace("households = 3000", "households = 400")
    start = text.index('[[desks]]\nkind = "disability"')
    end = text.index("[[desks]]", start + 1)
    path = tmp_path / "no_disability.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


def test_a_council_hosted_at_a_desk_the_town_lacks_is_refused_even_by_default(tmp_path, capsys):
    town = _without_disability_desk(tmp_path)
    err = _exit_2(capsys, "run", "council_functioning", "--town", str(town), "--years", "1")
    assert str(town) in err and "disability" in err and "mechanisms.council.host_desk" in err
    ok = write_scenario(tmp_path, '[mechanisms.council]\nhost_desk = "konkyu"')
    args = ["--town", str(town), "--years", "0.1", "--warmup-years", "0", "--start-from", str(ok)]
    assert main(["run", str(ok), *args]) == 0  # the warm-up's scenario names its host too


def test_a_town_upload_without_the_councils_host_desk_gets_a_message(tmp_path):
    data = _without_disability_desk(tmp_path).read_bytes()
    town, message = read_town_upload("no_disability.toml", data, len(data), "en")
    assert town is None and "no_disability.toml" in message and "disability" in message


def test_a_desk_that_accepts_no_domain_is_refused(tmp_path, capsys):
    text = BUNDLED_TOWN.read_text(encoding="utf-8").replace('domains = ["child_rearing"]', "domains = []")
    path = tmp_path / "empty_desk.toml"
    path.write_text(text, encoding="utf-8")
    err = _exit_2(capsys, "run", "baseline", "--town", str(path))
    assert str(path) in err and "desks[3].domains" in err


# ------------------------------------------------------------------ one encoding rule


def _kinds(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    """A valid file of every kind, and the command that reads it."""
    town = write_town(tmp_path, households=300)
    scenario = ROOT / "sim" / "scenarios" / "stronger_jichikai.toml"
    story = ROOT / "sim" / "stories" / "refusing_parent.toml"
    experiment = tmp_path / "exp.toml"
    experiment.write_text(
        f'[experiment]\ntitle = "実験"\ntown = "{town.name}"\nscenarios = ["baseline"]\nyears = 0.1\n'
        "warmup_years = 0\nreplications = 1\n",
        encoding="utf-8",
    )
    return {
        "scenario": (scenario, ["run", "{}", "--town", str(town), "--years", "0.1", "--warmup-years", "0"]),
        "town": (town, ["run", "baseline", "--town", "{}", "--years", "0.1", "--warmup-years", "0"]),
        "experiment": (experiment, ["experiment", "{}", "--out", str(tmp_path / "out-{}")]),
        "story": (story, ["story", "{}", "--json"]),
    }


@pytest.mark.parametrize("kind", ["scenario", "town", "experiment", "story"])
def test_the_command_line_accepts_a_utf8_file_with_a_byte_order_mark(tmp_path, capsys, kind):
    source, args = _kinds(tmp_path)[kind]
    path = tmp_path / f"bom_{source.name}"
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    if kind == "town":  # the experiment names its town by file name: keep it beside
        path = tmp_path / source.name
        path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    assert main([a.replace("{}", str(path)) for a in args]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("kind", ["scenario", "town", "experiment", "story"])
def test_the_command_line_refuses_shift_jis_saying_save_as_utf8(tmp_path, capsys, kind):
    source, args = _kinds(tmp_path)[kind]
    path = tmp_path / f"sjis_{source.name}"
    path.write_bytes(source.read_text(encoding="utf-8").encode("shift_jis", errors="replace"))
    err = _exit_2(capsys, *[a.replace("{}", str(path)) for a in args])
    assert str(path) in err and "save as UTF-8" in err


@pytest.mark.parametrize("kind", ["scenario", "town"])
def test_the_dashboard_reads_uploads_by_the_same_rule(kind):
    source = ROOT / "sim" / ("scenarios/stronger_jichikai.toml" if kind == "scenario" else "towns/neighbourhood.toml")
    read = read_upload if kind == "scenario" else read_town_upload
    with_bom = b"\xef\xbb\xbf" + source.read_bytes()
    loaded, message = read(source.name, with_bom, len(with_bom), "en")
    assert loaded is not None and not message
    expected = load_scenario(source) if kind == "scenario" else load_town(source)
    title = loaded.title_ja if kind == "scenario" else loaded.profile["town"]["name_ja"]
    assert title == (expected.title_ja if kind == "scenario" else expected.profile["town"]["name_ja"])
    sjis = source.read_text(encoding="utf-8").encode("shift_jis", errors="replace")
    loaded, message = read(source.name, sjis, len(sjis), "en")
    assert loaded is None and "save as UTF-8" in message and source.name in message


def test_the_page_sends_the_files_bytes_and_decodes_them_by_the_rule():
    """The upload button sends the bytes (base64); the page applies the rule, not the browser."""
    from dashboards.scenario_form import upload_bytes

    data = "[scenario]\n".encode("shift_jis")
    assert upload_bytes({"base64": base64.b64encode(data).decode()}) == data
    assert "readAsArrayBuffer" in (ROOT / "dashboards" / "upload.vue").read_text(encoding="utf-8")


# ------------------------------------------------------------------ messages that name the file and key


def test_an_experiment_naming_an_unknown_scenario_or_town_names_the_file_and_key(tmp_path, capsys):
    path = tmp_path / "exp.toml"
    path.write_text(
        '[experiment]\ntitle = "x"\nscenarios = ["baseline", "no_such_plan"]\nyears = 1\nreplications = 1\n',
        encoding="utf-8",
    )
    err = _exit_2(capsys, "experiment", str(path))
    assert str(path) in err and "experiment.scenarios" in err and "no_such_plan" in err
    path.write_text(
        '[experiment]\ntitle = "x"\ntown = "atlantis"\nscenarios = ["baseline"]\nyears = 1\nreplications = 1\n',
        encoding="utf-8",
    )
    err = _exit_2(capsys, "experiment", str(path))
    assert str(path) in err and "experiment.town" in err and "atlantis" in err


def test_the_town_uploads_size_message_speaks_of_a_town_file():
    _, message = read_town_upload("big_town.toml", None, MAX_TOWN_UPLOAD_BYTES * 2, "ja")
    assert "町のファイル" in message and "シナリオ" not in message
    _, message = read_upload("big_plan.toml", None, MAX_UPLOAD_BYTES * 2, "ja")
    assert "シナリオファイル" in message
