"""The pilot mix is computed once per machine: kept on disk, read back exactly, never stale."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario, load_town
from sim.engine import disk_cache, warmup


@pytest.fixture
def small_pilot(monkeypatch, tmp_path):
    """A short pilot of a small town, with the disk cache in a temporary directory."""
    monkeypatch.setenv("COMMUNITY_SIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(warmup, "PILOT_WEEKS", 52)
    monkeypatch.setattr(warmup, "_PILOTS", {})
    return load_scenario("baseline"), load_town("neighbourhood").with_households(400)


def _refuse_to_compute(monkeypatch):
    def refuse(model):
        raise AssertionError("the pilot was run again although its mix was on disk")

    monkeypatch.setattr(warmup.PilotMix, "of", refuse)


def _same(a: warmup.PilotMix, b: warmup.PilotMix) -> bool:
    return all(
        np.array_equal(x, y) and x.dtype == y.dtype
        for x, y in zip(a.arrays().values(), b.arrays().values(), strict=True)
    )


def test_a_pilot_mix_is_read_back_from_disk_exactly_without_running_the_pilot_again(small_pilot, monkeypatch, tmp_path):
    scenario, town = small_pilot
    first = warmup.pilot_mix(scenario, town)
    assert len(list((tmp_path / "pilot").glob("*.npz"))) == 1
    warmup._PILOTS.clear()  # a new process
    _refuse_to_compute(monkeypatch)
    assert _same(warmup.pilot_mix(scenario, town), first)


def test_a_corrupt_or_partly_written_entry_is_recomputed(small_pilot, tmp_path):
    scenario, town = small_pilot
    first = warmup.pilot_mix(scenario, town)
    (entry,) = (tmp_path / "pilot").glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:100])
    warmup._PILOTS.clear()
    assert _same(warmup.pilot_mix(scenario, town), first)


def test_a_change_to_the_code_or_the_inputs_makes_a_new_entry(small_pilot, monkeypatch, tmp_path):
    scenario, town = small_pilot
    warmup.pilot_mix(scenario, town)
    warmup.pilot_mix(scenario, town.with_households(401))
    assert len(list((tmp_path / "pilot").glob("*.npz"))) == 2
    key = disk_cache.entry_key("pilot", {"a": 1})
    monkeypatch.setattr(disk_cache, "code_fingerprint", lambda: "edited code")
    assert disk_cache.entry_key("pilot", {"a": 1}) != key


def test_the_disk_cache_can_be_switched_off(small_pilot, monkeypatch, tmp_path):
    scenario, town = small_pilot
    monkeypatch.setenv("COMMUNITY_SIM_CACHE_DIR", "off")
    warmup.pilot_mix(scenario, town)
    assert not (tmp_path / "pilot").exists()


def test_an_unwritable_cache_directory_only_costs_time(small_pilot, monkeypatch, tmp_path):
    scenario, town = small_pilot
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("COMMUNITY_SIM_CACHE_DIR", str(blocker))
    mix = warmup.pilot_mix(scenario, town)
    assert len(mix.stage) == 400
    assert blocker.read_text() == "not a directory"
