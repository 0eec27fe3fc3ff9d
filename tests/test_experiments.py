"""Experiments: files with sweeps, three ways of running them, crash safety, analysis and the report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import sensitivity
from sim.config import load_scenario, load_town
from sim.execute import ResultStore, run_experiment
from sim.experiment import load_experiment
from sim.params import ConfigError
from sim.report import write_report
from sim.sweep import apply_point

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
TIMING_COLUMNS = ["seconds"]


def write_experiment(
    tmp_path: Path, town: Path, body: str = "", sweep: str = "", name: str = "exp", replications: int = 2
) -> Path:
    """A small experiment on ``town``: two scenarios, half a year after a half-year warm-up."""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'[experiment]\ntitle = "test"\ntown = "{town.name}"\nscenarios = ["baseline", "stronger_jichikai"]\n'
        f"years = 0.5\nwarmup_years = 0.5\nreplications = {replications}\nseed = 11\n{body}\n{sweep}\n",
        encoding="utf-8",
    )
    return path


GRID = '[sweep]\nmethod = "grid"\n[sweep.parameters]\n"mechanisms.watching.enabled" = [true, false]\n'


def _without_timing(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=TIMING_COLUMNS).sort_values("run_id").reset_index(drop=True)


def _same_results(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    pd.testing.assert_frame_equal(_without_timing(a["runs"]), _without_timing(b["runs"]), check_exact=True)
    for name in ("summaries", "weekly", "ledgers", "council", "comparison"):
        left = (
            a[name].sort_values(list(a[name].columns[:2])).reset_index(drop=True) if name != "comparison" else a[name]
        )
        right = (
            b[name].sort_values(list(b[name].columns[:2])).reset_index(drop=True) if name != "comparison" else b[name]
        )
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


# ------------------------------------------------------------------ files


def test_bundled_experiments_the_issue_names_exist_and_load():
    policy = load_experiment(EXPERIMENTS / "policy_comparison.toml")
    assert policy.settings["replications"] == 100 and policy.town.name == "neighbourhood"
    assert set(policy.labels) == {p.stem for p in (ROOT / "sim" / "scenarios").glob("*.toml")}
    assert policy.labels[0] == "baseline"
    sens = load_experiment(EXPERIMENTS / "sensitivity.toml")
    assert sens.sweep.method == "morris" and len(sens.sweep.parameters) >= 6
    assert load_experiment(EXPERIMENTS / "city_scale.toml").town.name == "city"


@pytest.mark.parametrize(
    ("sweep", "key"),
    [
        ('[sweep]\nmethod = "lhs"\n[sweep.parameters]\n"town.jichikai.activity" = [0.1, 0.9]\n', "sweep.method"),
        ('[sweep]\nmethod = "latin"\n[sweep.parameters]\n"town.nope.x" = [0.1, 0.9]\n', "sweep.parameters.town.nope.x"),
        (
            '[sweep]\nmethod = "latin"\n[sweep.parameters]\n"mechanisms.watching.nope" = [0.1, 0.9]\n',
            "sweep.parameters.mechanisms.watching.nope",
        ),
        (
            '[sweep]\nmethod = "latin"\n[sweep.parameters]\n"town.jichikai.activity" = [0.9, 0.1]\n',
            "sweep.parameters.town.jichikai.activity",
        ),
        (
            '[sweep]\nmethod = "latin"\n[sweep.parameters]\n"town.jichikai.activity" = [0.1, 7.0]\n',
            "sweep.parameters.town.jichikai.activity",
        ),
        (
            '[sweep]\nmethod = "sobol"\nsamples = 6\n[sweep.parameters]\n"town.jichikai.activity" = [0.1, 0.9]\n'
            '"town.jichikai.membership_rate" = [0.3, 0.8]\n',
            "sweep.samples",
        ),
        ('[sweep]\nmethod = "grid"\n[sweep.parameters]\n"mechanisms.watching.enabled" = [true, 3]\n', "enabled"),
        ('[sweep]\nmethod = "latin"\n[sweep.parameters]\n"mechanisms.watching.enabled" = [0, 1]\n', "enabled"),
    ],
)
def test_bad_sweep_is_refused_naming_the_key(tmp_path, small_town, sweep, key):
    with pytest.raises(ConfigError) as e:
        load_experiment(write_experiment(tmp_path, small_town, sweep=sweep))
    assert key in e.value.key and str(tmp_path) in e.value.file


def test_bad_sweep_file_exits_2_with_one_message(tmp_path, small_town):
    bad = write_experiment(tmp_path, small_town, sweep='[sweep]\nmethod = "grid"\n[sweep.parameters]\n"x.y" = [1]\n')
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "experiment", str(bad)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 2 and "sweep.parameters.x.y" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()  # nothing ran


def test_a_point_that_breaks_a_scenario_is_refused_before_anything_runs(tmp_path, small_town):
    # stronger_jichikai adds 0.15 to membership: at 0.95 that is above 1.
    sweep = '[sweep]\nmethod = "grid"\n[sweep.parameters]\n"town.jichikai.membership_rate" = [0.5, 0.95]\n'
    with pytest.raises(ConfigError) as e:
        load_experiment(write_experiment(tmp_path, small_town, sweep=sweep))
    assert "stronger_jichikai" in e.value.problem and "0.95" in e.value.problem


# ------------------------------------------------------------------ designs


def test_grid_is_every_combination_of_the_values(tmp_path, small_town):
    sweep = (
        '[sweep]\nmethod = "grid"\n[sweep.parameters]\n"mechanisms.watching.enabled" = [true, false]\n'
        '"town.jichikai.activity" = [0.3, 0.6, 0.9]\n'
    )
    exp = load_experiment(write_experiment(tmp_path, small_town, sweep=sweep))
    assert len(exp.points) == 6 and list(exp.points["point"]) == list(range(6))
    combos = set(zip(exp.points["mechanisms.watching.enabled"], exp.points["town.jichikai.activity"], strict=True))
    assert combos == {(w, a) for w in (True, False) for a in (0.3, 0.6, 0.9)}
    assert len(exp.tasks()) == 6 * 2 and exp.n_runs == 6 * 2 * 2


@pytest.mark.parametrize(
    ("method", "samples", "expected"), [("latin", 7, 7), ("sobol", 4, 4 * (3 + 2)), ("morris", 3, 3 * 4)]
)
def test_sampled_designs_stay_in_bounds_and_repeat_exactly(tmp_path, small_town, method, samples, expected):
    sweep = (
        f'[sweep]\nmethod = "{method}"\nsamples = {samples}\n[sweep.parameters]\n'
        '"town.jichikai.activity" = [0.2, 0.8]\n"mechanisms.watching.effect" = [0.1, 0.4]\n'
        '"town.minsei.vacancy_rate" = [0.0, 0.3]\n'
    )
    path = write_experiment(tmp_path, small_town, sweep=sweep)
    points = load_experiment(path).points
    assert len(points) == expected
    assert points["town.jichikai.activity"].between(0.2, 0.8).all()
    assert points["town.minsei.vacancy_rate"].between(0.0, 0.3).all()
    pd.testing.assert_frame_equal(points, load_experiment(path).points)


def test_a_point_changes_the_town_and_every_scenario_that_does_not_set_the_parameter():
    town = load_town("neighbourhood")
    base, jichikai = load_scenario("baseline"), load_scenario("stronger_jichikai")
    values = {
        "town.jichikai.activity": 0.42,
        "mechanisms.watching.enabled": False,
        "town.jichikai.membership_rate": 0.5,
    }
    (base_at, jichikai_at), town_at = apply_point([base, jichikai], town, values)
    assert town_at.profile["jichikai"]["activity"] == 0.42 and town_at.name == town.name
    assert base_at.mechanisms["watching"]["enabled"] is False
    assert jichikai_at.town == jichikai.town  # the policy's own changes still apply on top of the point's town
    assert base.mechanisms == load_scenario("baseline").mechanisms  # the originals are untouched


# ------------------------------------------------------------------ running


@pytest.mark.slow
def test_in_process_pool_and_dask_give_identical_results(tmp_path, small_town):
    from distributed import LocalCluster

    path = write_experiment(tmp_path, small_town, sweep=GRID)
    exp = load_experiment(path)
    inline = run_experiment(exp, tmp_path / "inline", workers=1)
    pool = run_experiment(exp, tmp_path / "pool", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = run_experiment(exp, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert len(inline["runs"]) == exp.n_runs == 8 and (inline["runs"]["status"] == "ok").all()
    _same_results(inline, pool)
    _same_results(inline, dask)


@pytest.mark.slow
def test_killed_experiment_resumes_and_finishes_with_no_duplicate_or_missing_run(tmp_path, small_town):
    path = write_experiment(tmp_path, small_town, sweep=GRID, replications=6)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "experiment", str(path), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = ResultStore(out)
    deadline = time.monotonic() + 120
    while len(store.done_tasks()) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = store.done_tasks()
    assert 3 <= len(done_at_kill) < 12, "the kill came too late to test a resume"
    assert not (out / "runs.parquet").exists()

    resumed = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    exp = load_experiment(path)
    assert len(runs) == exp.n_runs == 24 and runs["run_id"].is_unique
    assert set(runs["task"]) == set(range(12))
    manifest = store.read_manifest()
    assert manifest["tasks_run_this_time"] == 12 - len(done_at_kill) and len(manifest["starts"]) == 2
    fresh = run_experiment(exp, tmp_path / "uninterrupted")
    pd.testing.assert_frame_equal(_without_timing(runs), _without_timing(fresh["runs"]), check_exact=True)


def test_a_failing_run_is_recorded_and_the_others_complete(tmp_path, small_town, monkeypatch):
    import sim.experiment as experiment_module

    real = experiment_module.run_batch

    def flaky(scenario, town, seeds, years, replications, *args, **kwargs):
        if scenario.name == "stronger_jichikai" and 1 in replications:
            raise RuntimeError("simulated failure")
        return real(scenario, town, seeds, years, replications, *args, **kwargs)

    monkeypatch.setattr(experiment_module, "run_batch", flaky)
    exp = load_experiment(write_experiment(tmp_path, small_town))
    tables = run_experiment(exp, tmp_path / "out")
    runs = tables["runs"].set_index(["scenario", "replication"])
    assert runs.loc[("stronger_jichikai", 1), "status"] == "failed"
    assert "RuntimeError: simulated failure" in runs.loc[("stronger_jichikai", 1), "error"]
    assert (runs.drop(index=("stronger_jichikai", 1))["status"] == "ok").all() and len(runs) == 4
    row = tables["comparison"].query(
        "household_type == 'all' and metric == 'cases' and scenario == 'stronger_jichikai'"
    )
    assert row["replications"].item() == 1  # the comparison uses the run that finished
    assert set(tables["weekly"]["run_id"]) == {"0.0", "0.1", "1.0"}


def test_a_directory_holding_another_experiment_is_refused(tmp_path, small_town):
    run_experiment(load_experiment(write_experiment(tmp_path, small_town)), tmp_path / "out")
    other = load_experiment(write_experiment(tmp_path, small_town, body="description = 'other'", name="other"))
    with pytest.raises(ConfigError) as e:
        run_experiment(other, tmp_path / "out")
    assert e.value.key == "--out" and "--fresh" in e.value.problem
    assert len(run_experiment(other, tmp_path / "out", fresh=True)["runs"]) == 4


def test_every_table_loads_back_with_one_pandas_call(tmp_path, small_town):
    exp = load_experiment(write_experiment(tmp_path, small_town))
    tables = run_experiment(exp, tmp_path / "out")
    for name in ("runs", "summaries", "weekly", "ledgers", "council", "points", "comparison", "sensitivity"):
        loaded = pd.read_parquet(tmp_path / "out" / f"{name}.parquet")
        assert len(loaded) == len(tables[name]), name
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert {"scenario", "seed", "replication", "point", "early_detection_rate"} <= set(runs.columns)
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()  # common random numbers
    manifest = ResultStore(tmp_path / "out").read_manifest()
    assert manifest["replication_seeds"] == exp.seeds and manifest["finished"] and manifest["libraries"]["mesa"]
    assert manifest["experiment_text"] == (tmp_path / "exp.toml").read_text(encoding="utf-8")


def test_an_experiment_keeps_the_channel_history_when_asked(tmp_path, small_town):
    body = 'tables = ["ledgers", "channels"]'
    tables = run_experiment(load_experiment(write_experiment(tmp_path, small_town, body)), tmp_path / "out")
    channels = pd.read_parquet(tmp_path / "out" / "channels.parquet")
    assert len(channels) == len(tables["channels"]) > 0
    assert set(channels["run_id"]) == set(tables["runs"]["run_id"])
    assert not (tmp_path / "out" / "weekly.parquet").exists()  # only the tables the file asks for


# ------------------------------------------------------------------ analysis and report


def _external_sources(page: str) -> list[str]:
    """Addresses that tags of ``page`` load from (script/link/img src or href)."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(v for k, v in attrs if k in ("src", "href") and tag in ("script", "link", "img") and v)

    Tags().feed(page)
    return found


def test_morris_ranks_the_parameter_that_drives_the_metric_first():
    from SALib.sample import morris

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    x = morris.sample(problem, 20, num_levels=4, seed=1)
    points = pd.DataFrame(x, columns=["a", "b"]).assign(point=np.arange(len(x)))
    runs = points.assign(scenario="s", status="ok", early_detection_rate=3 * points["a"] + 0.1 * points["b"] ** 2)
    sweep = {"method": "morris", "levels": 4, "parameters": {"a": {"low": 0, "high": 1}, "b": {"low": 0, "high": 1}}}
    table = sensitivity(runs, points, sweep, metrics=("early_detection_rate",))
    mu_star = table[table["index"] == "mu_star"].set_index("parameter")["value"]
    assert mu_star["a"] == pytest.approx(3.0) and mu_star["b"] < 0.2


def test_sobol_gives_the_whole_variance_to_the_only_parameter_that_matters():
    from SALib.sample import sobol

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    x = sobol.sample(problem, 256, calc_second_order=False, seed=1)
    points = pd.DataFrame(x, columns=["a", "b"]).assign(point=np.arange(len(x)))
    runs = points.assign(scenario="s", status="ok", complex_share=points["a"])
    sweep = {"method": "sobol", "levels": 4, "parameters": {"a": {"low": 0, "high": 1}, "b": {"low": 0, "high": 1}}}
    table = sensitivity(runs, points, sweep, metrics=("complex_share",)).set_index(["parameter", "index"])["value"]
    assert table[("a", "ST")] == pytest.approx(1.0, abs=0.05) and abs(table[("b", "ST")]) < 0.05


@pytest.mark.slow
def test_report_is_one_offline_html_page_holding_the_figures(tmp_path, small_town):
    # Half a year of a small district: a parameter acting on deterioration itself moves complex household-weeks.
    sweep = (
        '[sweep]\nmethod = "morris"\nsamples = 2\n[sweep.parameters]\n"mechanisms.connection.effect" = [0.1, 0.5]\n'
        '"mechanisms.watching.effect" = [0.1, 0.4]\n'
    )
    exp = load_experiment(write_experiment(tmp_path, small_town, sweep=sweep))
    tables = run_experiment(exp, tmp_path / "out")
    assert not tables["sensitivity"].empty and set(tables["sensitivity"]["index"]) >= {"mu_star", "sigma"}
    page = write_report(tmp_path / "out").read_text(encoding="utf-8")
    assert page.count('class="plotly-graph-div"') == 4  # series, differences, levels, sensitivity
    assert page.count("plotly.js v") == 1  # the library embedded once
    assert _external_sources(page) == []
    for text in (
        "What was run",
        "Time series",
        "Comparison with the reference scenario",
        "Global sensitivity",
        "mu_star",
    ):
        assert text in page


def test_report_of_a_directory_without_results_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "report", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 2 and "manifest.json" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_unreachable_scheduler_exits_2_before_writing_results(tmp_path, small_town):
    path = write_experiment(tmp_path, small_town)
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "experiment", str(path), "--scheduler", "tcp://127.0.0.1:9", "--out", "o"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2 and "--scheduler" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o" / "runs.parquet").exists()
