"""`community-sim validate`: targets files are checked up front, and validation reports each target
against the model's mean with its 95% interval, exiting 0 when all are met and 1 when not."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.targets import load_targets
from tests.conftest import write_town

ROOT = Path(__file__).resolve().parents[1]


def _targets_file(tmp_path: Path, targets: str, head: str = "") -> Path:
    town = write_town(tmp_path, households=500)
    path = tmp_path / "targets.toml"
    path.write_text(
        f'[targets]\ntitle = "Test figures"\ntown = "{town.name}"\nyears = 1\nwarmup_years = 1\nreplications = 2\n'
        f"seed = 4\n{head}\n{targets}",
        encoding="utf-8",
    )
    return path


AGED = """
[[target]]
name = "aged_65_plus"
statistic = "resident_share"
filters = { age_band = [65, 120] }
value = 0.286
tolerance = { low = 0.2, high = 0.4 }
source = "国勢調査 2020"
note = "<b>not bold</b>"
"""

IMPOSSIBLE = """
[[target]]
name = "everyone_old"
statistic = "resident_share"
filters = { age_band = [65, 120] }
value = 0.95
tolerance = { low = 0.9, high = 1.0 }
source = "none: a figure no town meets"
"""


def _exit_2(capsys, *args: str) -> str:
    assert main(list(args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("community-sim: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_validation_meets_a_target_and_writes_its_tables_and_page(tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["validate", str(_targets_file(tmp_path, AGED)), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "aged_65_plus" in printed and "1 of 1 targets within tolerance" in printed
    summary = pd.read_csv(out / "validation.csv")
    row = summary.iloc[0]
    assert row["within"] and row["replications"] == 2 and row["model_low"] <= row["model_mean"] <= row["model_high"]
    values = pd.read_parquet(out / "validation_runs.parquet")
    assert len(values) == 2 and values["value"].mean() == pytest.approx(row["model_mean"])
    page = (out / "validation.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold</b>" not in page  # file text shown as text
    assert (out / "runs" / "population.parquet").is_file()


def test_validation_exits_1_when_a_target_is_missed(tmp_path: Path, capsys):
    path = _targets_file(tmp_path, AGED + IMPOSSIBLE)
    assert main(["validate", str(path), "--out", str(tmp_path / "out"), "--json"]) == 1
    rows = {r["target"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["aged_65_plus"]["within"] and not rows["everyone_old"]["within"]


def test_workers_do_not_change_a_validation(tmp_path: Path, capsys):
    path = _targets_file(tmp_path, AGED)
    main(["validate", str(path), "--out", str(tmp_path / "one"), "--workers", "1", "--replications", "3"])
    main(["validate", str(path), "--out", str(tmp_path / "two"), "--workers", "2", "--replications", "3"])
    one, two = (pd.read_parquet(tmp_path / d / "validation_runs.parquet") for d in ("one", "two"))
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 3


def test_validation_refuses_a_directory_holding_other_files(tmp_path: Path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    err = _exit_2(capsys, "validate", str(_targets_file(tmp_path, AGED)), "--out", str(out))
    assert "thesis.docx" in err
    assert (out / "thesis.docx").read_text(encoding="utf-8") == "precious"


@pytest.mark.parametrize(
    ("change", "key", "allowed"),
    [
        (('statistic = "resident_share"', 'statistic = "happiness"'), "target.aged_65_plus.statistic", "allowed:"),
        (("age_band = [65, 120]", "age_band = [65]"), "target.aged_65_plus.filters", "[low, high]"),
        (("tolerance = { low = 0.2, high = 0.4 }", "tolerance = { low = 0.3, high = 0.4 }"), "tolerance", "L ≤ value"),
        (("tolerance = { low = 0.2, high = 0.4 }", "tolerance = { factor = 0.5 }"), "factor", "F > 1"),
        (('source = "国勢調査 2020"', 'source = ""'), "target.aged_65_plus.source", "non-empty"),
        (("value = 0.286", 'value = "high"'), "target.aged_65_plus.value", "finite number"),
        (('note = "<b>not bold</b>"', "colour = 1"), "target.aged_65_plus.colour", "unknown key"),
    ],
)
def test_a_bad_targets_file_exits_2_naming_the_key(tmp_path: Path, capsys, change, key, allowed):
    path = _targets_file(tmp_path, AGED.replace(*change))
    err = _exit_2(capsys, "validate", str(path), "--out", str(tmp_path / "out"))
    assert str(path) in err and key in err and allowed in err
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written


def test_a_targets_file_without_targets_or_with_a_twice_used_name_is_refused(tmp_path: Path, capsys):
    assert "[[target]]" in _exit_2(capsys, "validate", str(_targets_file(tmp_path, "")))
    err = _exit_2(capsys, "validate", str(_targets_file(tmp_path, AGED + AGED)))
    assert "used twice" in err


def test_the_shipped_targets_files_load():
    files = sorted((ROOT / "experiments" / "calibration").glob("*.toml"))
    assert files, "experiments/calibration holds the shipped targets"
    for path in files:
        targets = load_targets(path)
        assert targets.targets and all(t.source.strip() for t in targets.targets)


@pytest.mark.slow
def test_a_validation_on_a_dask_cluster_equals_one_in_this_process(tmp_path: Path, capsys):
    from distributed import LocalCluster

    path = _targets_file(tmp_path, AGED)
    assert main(["validate", str(path), "--out", str(tmp_path / "inline")]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        args = ["validate", str(path), "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address]
        assert main(args) == 0
    inline, dask = (pd.read_parquet(tmp_path / d / "validation_runs.parquet") for d in ("inline", "dask"))
    pd.testing.assert_frame_equal(inline, dask)
