"""`community-sim calibrate`: fits are reproducible on any executor, resume after a kill, and the
ABC-SMC ensemble concentrates where the distance is small."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import Calibration, FittedParameter, Population, load_calibration, run_abc, run_optuna
from sim.cli import main
from sim.parameter_sets import load_parameter_sets
from sim.sweep import resolve_path
from tests.conftest import write_town

ROOT = Path(__file__).resolve().parents[1]

TARGET = """
[[target]]
name = "commissioner_consultations"
statistic = "commissioner_consultations_per_post_per_year"
value = 24
tolerance = { low = 17, high = 33 }
source = "福祉行政報告例 FY2022"
"""


def _calibration_file(tmp_path: Path, section: str = "") -> Path:
    town = write_town(tmp_path, households=300)
    path = tmp_path / "cal.toml"
    path.write_text(
        f'[targets]\ntitle = "Tiny"\ntown = "{town.name}"\nwarmup_years = 0.5\nreplications = 1\nseed = 1\n{TARGET}\n'
        + (
            section
            or "[calibration]\ntrials = 3\npopulation = 2\ngenerations = 1\nrounds = 1\nreplications = 1\n"
            "years = 0.25\nseed = 7\n[calibration.parameters]\n"
            '"mechanisms.commissioner_visits.consult_weekly.latent" = [0.001, 0.02]\n'
        ),
        encoding="utf-8",
    )
    return path


class FakeRunner:
    """Distances from a formula instead of the model: the fit should find x = 0.3."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def run(self, phase: str, keys: list[str], sets: np.ndarray) -> np.ndarray:
        self.calls += keys
        return np.abs(sets[:, 0] - 0.3) / 0.05


def _toy(trials: int = 0, population: int = 40, generations: int = 3) -> Calibration:
    param = resolve_path("mechanisms.triage.plan_probability.manifest", "", "")
    settings = {"trials": trials, "population": population, "generations": generations, "rounds": 3, "seed": 11}
    return Calibration(None, settings, [FittedParameter("x", param, 0.0, 1.0, "uniform")], [])  # type: ignore[arg-type]


def test_abc_smc_concentrates_the_ensemble_where_the_distance_is_small():
    generations = run_abc(_toy(), FakeRunner())
    assert len(generations) == 4
    eps = [g.epsilon for g in generations]
    assert all(b <= a for a, b in itertools.pairwise(eps)), eps  # the tolerance shrinks
    last: Population = generations[-1]
    assert last.weights.sum() == pytest.approx(1.0) and len(last.weights) == 40
    mean = float(last.weights @ last.unit[:, 0])
    spread0 = generations[0].unit[:, 0].std()
    assert abs(mean - 0.3) < 0.03 and last.unit[:, 0].std() < spread0 / 2


def test_abc_smc_proposes_the_same_sets_from_the_same_seed():
    a, b = FakeRunner(), FakeRunner()
    first, second = run_abc(_toy(), a), run_abc(_toy(), b)
    assert a.calls == b.calls
    np.testing.assert_array_equal(first[-1].unit, second[-1].unit)


def test_optuna_finds_the_minimum_of_a_known_distance():
    best: list[float] = []

    class Recording(FakeRunner):
        def run(self, phase, keys, sets):
            d = super().run(phase, keys, sets)
            best.append(float(d.min()))
            return d

    run_optuna(_toy(trials=48, population=0), Recording())
    assert min(best) < 0.5  # within 0.025 of x = 0.3 on a [0, 1] range


def test_calibration_writes_sets_the_model_loads_and_a_report(tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["calibrate", str(_calibration_file(tmp_path)), "--out", str(out)]) == 0
    best, ensemble = load_parameter_sets(out / "best.toml"), load_parameter_sets(out / "ensemble.toml")
    assert best.kind == "best" and best.n == 1 and ensemble.n == 2
    assert best.source.startswith("Calibrated: ") and str(tmp_path / "cal.toml") in best.source
    evaluations = pd.read_csv(out / "evaluations.csv")
    assert len(evaluations) == 3 + 2 * 2 + 2  # trials, the prior's 2n, one round of n
    closest = evaluations.loc[evaluations["distance"].idxmin()]
    assert best.values[0, 0] == pytest.approx(closest["mechanisms.commissioner_visits.consult_weekly.latent"])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Targets used for fitting" in page and "commissioner_consultations" in page
    assert json.loads((out / "manifest.json").read_text())["finished"]


def test_calibration_results_do_not_depend_on_the_workers(tmp_path: Path, capsys):
    path = _calibration_file(tmp_path)
    for workers, out in (("1", "one"), ("2", "two")):
        assert main(["calibrate", str(path), "--out", str(tmp_path / out), "--workers", workers]) == 0
    one, two = (pd.read_parquet(tmp_path / d / "evaluations.parquet") for d in ("one", "two"))
    pd.testing.assert_frame_equal(one, two)
    assert (tmp_path / "one" / "ensemble.toml").read_text() == (tmp_path / "two" / "ensemble.toml").read_text()


def test_a_killed_calibration_resumes_and_evaluates_only_what_is_missing(tmp_path: Path, capsys):
    path, out = _calibration_file(tmp_path), tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    finished = pd.read_parquet(out / "evaluations.parquet")
    store = out / "evaluations.jsonl"
    lines = store.read_text().splitlines()
    store.write_text("\n".join(lines[:4]) + "\n" + lines[4][: len(lines[4]) // 2])  # killed while writing line 5
    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "evaluations.parquet"), finished)
    rows = [json.loads(line) for line in store.read_text().splitlines()]  # every line whole again
    assert len(rows) == len(lines)  # the four kept, then the cut one and those after it, evaluated again
    assert [r["key"] for r in rows[:4]] == [json.loads(line)["key"] for line in lines[:4]]


def test_a_calibration_directory_of_another_file_is_refused(tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["calibrate", str(_calibration_file(tmp_path)), "--out", str(out)]) == 0
    other = _calibration_file(tmp_path).read_text().replace("value = 24", "value = 25")
    (tmp_path / "cal.toml").write_text(other)
    assert main(["calibrate", str(tmp_path / "cal.toml"), "--out", str(out)]) == 2
    assert "another file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ('[calibration]\n[calibration.parameters]\n"town.jichikai.membership_rate" = [0.5, 0.9]\n', "town's figures"),
        (
            '[calibration]\n[calibration.parameters]\n"mechanisms.onset.annual_probability.ordinary" = [0.5]\n',
            "[low, high]",
        ),
        ("[calibration]\ntrials = 3\n", "calibration.parameters"),
        (
            '[calibration]\n[calibration.parameters]\n"mechanisms.onset.annual_probability.ordinary" = '
            '{ low = 0, high = 0.1, prior = "log-uniform" }\n',
            "low > 0",
        ),
    ],
)
def test_a_bad_calibration_section_exits_2_naming_the_key(tmp_path: Path, capsys, section: str, key: str):
    assert main(["calibrate", str(_calibration_file(tmp_path, section)), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert key in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_the_shipped_calibration_file_loads():
    cal = load_calibration(ROOT / "experiments" / "calibration" / "national.toml")
    assert len(cal.parameters) == 8 and len(cal.targets.targets) >= 7


def test_the_bundled_calibration_results_load_by_name():
    best, ensemble = load_parameter_sets("national_best"), load_parameter_sets("national_ensemble")
    assert best.kind == "best" and ensemble.kind == "ensemble" and ensemble.n >= 20
    assert best.source.startswith("Calibrated: experiments/calibration/national.toml")
    # The defaults are the best fit (rounded to three significant figures in the mechanisms' PARAMS).
    for path, value in best.set_values(0).items():
        assert float(resolve_path(path, "", "").default) == pytest.approx(value, rel=5e-3), path


@pytest.mark.slow
def test_a_calibration_on_a_dask_cluster_equals_one_in_this_process(tmp_path: Path, capsys):
    from distributed import LocalCluster

    path = _calibration_file(tmp_path)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "inline")]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        args = ["calibrate", str(path), "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address]
        assert main(args) == 0
    inline, dask = (pd.read_parquet(tmp_path / d / "evaluations.parquet") for d in ("inline", "dask"))
    pd.testing.assert_frame_equal(inline, dask)
