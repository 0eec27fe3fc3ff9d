"""Shared fixtures: small towns and scenarios written as files, as users would write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model import CommunityModel

BUNDLED_TOWN = Path(__file__).resolve().parents[1] / "sim" / "towns" / "neighbourhood.toml"


def write_town(tmp_path: Path, households: int = 800, extra: str = "", name: str = "small") -> Path:
    """A copy of the neighbourhood profile with fewer households and ``extra`` TOML appended."""
    text = BUNDLED_TOWN.read_text(encoding="utf-8").replace("households = 3000", f"households = {households}")
    text = text.replace('name = "neighbourhood"', f'name = "{name}"')
    path = tmp_path / f"{name}.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def write_scenario(tmp_path: Path, body: str = "", name: str = "custom") -> Path:
    """A scenario file with valid metadata and ``body``."""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        '[scenario]\ntitle_ja = "テスト"\ntitle_en = "Test"\ndescription_ja = "テスト用"\n'
        f'description_en = "For tests"\n\n{body}\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def small_town(tmp_path: Path) -> Path:
    return write_town(tmp_path)


def run_model(scenario_path_or_name, town, seed: int = 1, weeks: int = 260) -> CommunityModel:
    """Build and run a model."""
    return CommunityModel(scenario_path_or_name, town, seed=seed).run(weeks)
