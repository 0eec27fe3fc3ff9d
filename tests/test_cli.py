"""The community-sim command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main
from tests.conftest import write_scenario


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, timeout=600)


def test_scenarios_lists_every_bundled_scenario_in_both_languages(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in (
        "baseline",
        "add_participation_venues",
        "stronger_jichikai",
        "fill_minsei_vacancies",
        "one_stop_desk",
        "outreach_team",
    ):
        assert name in out
    assert "自治会を強くする" in out and "Stronger" in out


def test_run_writes_csv_and_parquet_and_prints_json(tmp_path, small_town, capsys):
    out_dir = tmp_path / "out"
    code = main(
        ["run", "baseline", "--town", str(small_town), "--years", "3", "--seed", "4", "--out", str(out_dir), "--json"]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scenario"] == "baseline" and 0 <= payload["summary"]["early_detection_rate"] <= 1
    assert "8050" in payload["by_household_type"]
    assert (out_dir / "council.parquet").exists()
    for name in ("weekly", "ledger", "summary"):
        csv = pd.read_csv(out_dir / f"{name}.csv")
        parquet = pd.read_parquet(out_dir / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0
    weekly = pd.read_parquet(out_dir / "weekly.parquet")
    assert len(weekly) == 3 * 52 + 1 and {"true_latent", "known_latent", "scenario", "seed"} <= set(weekly.columns)


def test_same_seed_same_json(small_town, capsys):
    args = ["run", "one_stop_desk", "--town", str(small_town), "--years", "2", "--seed", "8", "--json"]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first


def test_compare_reports_means_and_differences_with_intervals(tmp_path, small_town, capsys):
    out_dir = tmp_path / "cmp"
    code = main(
        [
            "compare",
            "baseline",
            "outreach_team",
            "--town",
            str(small_town),
            "--years",
            "3",
            "--replications",
            "3",
            "--out",
            str(out_dir),
            "--json",
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["reference"] == "baseline" and payload["scenarios"] == ["baseline", "outreach_team"]
    rows = {(r["scenario"], r["metric"]): r for r in payload["comparison"] if r["household_type"] == "all"}
    ref = rows[("baseline", "early_detection_rate")]
    assert ref["diff"] == 0 and ref["ci_low"] <= ref["mean"] <= ref["ci_high"]
    other = rows[("outreach_team", "early_detection_rate")]
    assert other["diff_ci_low"] <= other["diff"] <= other["diff_ci_high"]
    table = pd.read_parquet(out_dir / "comparison.parquet")
    assert {"mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"} <= set(table.columns)
    assert len(pd.read_csv(out_dir / "summaries.csv")) > 0


def test_compare_in_a_process_pool_matches_one_process(small_town, capsys):
    args = [
        "compare",
        "baseline",
        "stronger_jichikai",
        "--town",
        str(small_town),
        "--years",
        "2",
        "--replications",
        "2",
        "--json",
    ]
    main(args)
    serial = json.loads(capsys.readouterr().out)
    main([*args, "--jobs", "2"])
    assert json.loads(capsys.readouterr().out) == serial


def test_compare_text_table(small_town, capsys):
    assert (
        main(
            [
                "compare",
                "baseline",
                "fill_minsei_vacancies",
                "--town",
                str(small_town),
                "--years",
                "2",
                "--replications",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "early_detection_rate" in out and "diff" in out


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("[mechanisms.outreach]\nhours = 3", "mechanisms.outreach.hours"),
        ("[mechanisms.outreach]\nhours_per_contact = -1.0", "mechanisms.outreach.hours_per_contact"),
        ("[town.minsei]\nvacancy_rate = 'none'", "town.minsei.vacancy_rate"),
        ("[scenario\n", ""),
    ],
)
def test_bad_scenario_file_exits_2_with_one_message_and_runs_nothing(tmp_path, body, key):
    path = tmp_path / "bad.toml"
    path.write_text(
        body if body.startswith("[scenario\n") else write_scenario(tmp_path, body).read_text(), encoding="utf-8"
    )
    out_dir = tmp_path / "never"
    result = cli("compare", "baseline", str(path), "--out", str(out_dir), "--replications", "1")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and key in lines[0]
    assert "Traceback" not in result.stderr
    assert not out_dir.exists()


def test_bad_town_file_exits_2(tmp_path):
    path = tmp_path / "town.toml"
    path.write_text("[town]\nhouseholds = 'many'\n", encoding="utf-8")
    result = cli("run", "baseline", "--town", str(path))
    assert result.returncode == 2 and "town.households" in result.stderr and "integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_town_file_with_census_bands_that_do_not_sum_exits_2_with_one_message(tmp_path):
    from tests.conftest import write_town

    path = write_town(tmp_path, extra='[census]\nage = { "0-14" = 11.9, "15-64" = 59.5, "65+" = 20.0 }\n')
    result = cli("run", "baseline", "--town", str(path))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and str(path) in lines[0] and "census.age" in lines[0]
    assert "sum to 91.4%" in lines[0] and "Traceback" not in result.stderr


def test_unknown_scenario_name_exits_2():
    result = cli("run", "no_such_scenario")
    assert result.returncode == 2 and "bundled:" in result.stderr and "Traceback" not in result.stderr


def test_bad_option_values_exit_2():
    assert cli("run", "baseline", "--years", "-1").returncode == 2
    assert cli("compare", "baseline", "--replications", "0").returncode == 2


def test_experiment_file_runs_and_writes_tables(tmp_path, small_town, capsys):
    exp = tmp_path / "exp.toml"
    exp.write_text(
        f'[experiment]\ntitle = "t"\ntown = "{small_town.name}"\n'
        'scenarios = ["baseline", "one_stop_desk"]\nyears = 1\nreplications = 2\nwarmup_years = 1\n',
        encoding="utf-8",
    )
    assert main(["experiment", str(exp), "--out", str(tmp_path / "o"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scenarios"] == ["baseline", "one_stop_desk"] and payload["replications"] == 2
    assert (tmp_path / "o" / "comparison.parquet").exists()


def test_bad_experiment_file_exits_2(tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text('[experiment]\nscenarios = ["baseline"]\nreplications = 0\n', encoding="utf-8")
    result = cli("experiment", str(exp))
    assert result.returncode == 2 and "experiment.replications" in result.stderr
    assert "Traceback" not in result.stderr


def test_bundled_experiment_files_are_valid():
    from pathlib import Path

    from sim.experiment import load_experiment

    files = sorted((Path(__file__).resolve().parents[1] / "experiments").glob("*.toml"))
    assert files
    for f in files:
        load_experiment(f)


HEAVY_LIBRARIES = ("numpy", "pandas", "scipy", "mesa", "plotly", "solara", "pyarrow", "dask")

IMPORTS_OF_HELP = """
import contextlib, io, sys
from sim.cli import main
for argv in (["--help"], ["run", "--help"], ["dashboard", "--help"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(argv)
print(",".join(sorted(m for m in {HEAVY} if m in sys.modules)))
"""


def test_help_imports_none_of_the_heavy_libraries():
    code = IMPORTS_OF_HELP.replace("{HEAVY}", repr(HEAVY_LIBRARIES))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "", f"imported by --help: {done.stdout.strip()}"


def test_the_help_text_states_the_models_warm_up_default():
    from sim.cli import DEFAULT_WARMUP_YEARS
    from sim.model import DEFAULT_WARMUP_WEEKS

    assert DEFAULT_WARMUP_YEARS == DEFAULT_WARMUP_WEEKS / 52


def test_sim_still_offers_the_notebook_names():
    import sim

    assert sim.CommunityModel.__name__ == "CommunityModel" and callable(sim.run_once)
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError):
        _ = sim.no_such_name


def test_run_text_shows_units_and_whole_numbers_without_decimals(small_town, capsys):
    assert main(["run", "baseline", "--town", str(small_town), "--years", "1", "--warmup-years", "0"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["cases"].endswith(" cases") and "." not in lines["cases"]
    assert lines["early_detection_rate"].endswith("%")
    assert lines["paid_staff_hours"].endswith(" h") and "." not in lines["paid_staff_hours"]
    assert lines["median_weeks_to_detection"].endswith(" weeks")


def test_compare_explains_a_scenario_whose_results_are_the_references(small_town, capsys):
    args = ["compare", "baseline", "siloed", "--town", str(small_town), "--years", "1", "--replications", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "note: siloed sets nothing that baseline does not already have" in out
    assert "95% CI:" in out and "diff 0 pts [0, 0]" in out
    assert main([*args[:2], "stronger_jichikai", *args[3:]]) == 0
    assert "note:" not in capsys.readouterr().out


def test_the_scenario_list_says_siloed_has_the_baselines_settings(capsys):
    assert main(["scenarios"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "same settings as baseline" in lines["siloed"]
    assert "same settings" not in lines["stronger_jichikai"] and "same settings" not in lines["baseline"]


def test_a_reader_that_stops_early_gets_no_traceback():
    """`community-sim scenarios | head -1`: the pipe closes before everything is written."""
    command = [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main(['scenarios']))"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # each line written at once: the pipe breaks mid-list
    lister = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=env)
    lister.stdout.read(10)
    lister.stdout.close()
    assert lister.wait(timeout=60) == 0
    assert b"Traceback" not in lister.stderr.read()
    lister.stderr.close()
