"""Documentation that must not drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from sim import docs
from sim.mechanisms import MECHANISMS
from sim.town import DESK_PARAMS, TOWN_PARAMS

ROOT = Path(__file__).resolve().parents[1]


def _all_params():
    for section, params in TOWN_PARAMS.items():
        for name, p in params.items():
            yield f"{section}.{name}", p
    for mech in MECHANISMS:
        for name, p in mech.declared_params().items():
            yield f"mechanisms.{mech.name}.{name}", p


def test_parameters_doc_is_generated_from_the_code():
    committed = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == docs.render(), "run `make docs` and commit docs/parameters.md"


def test_every_default_cites_a_source_or_says_it_is_an_assumption():
    for key, p in _all_params():
        source = p.source.strip()
        assert len(source) > 10, key
        cites = re.search(r"(19|20)\d\d|Assumption|調査|白書|統計|国勢調査|Baseline|Model structure|Set by", source)
        assert cites, f"{key}: source neither cites nor says Assumption: {source!r}"
    assert all(p.doc for p in DESK_PARAMS.values())


def test_every_mechanism_has_a_switch_unless_it_is_part_of_the_engine_and_titles_in_both_languages():
    for mech in MECHANISMS:
        assert ("enabled" in mech.declared_params()) == mech.switchable, mech.name
        assert mech.title_ja and mech.title_en and mech.switch_ja and mech.switch_en and mech.__doc__, mech.name


def test_readme_quick_start_is_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["make run", "make test"]


def test_no_old_mesa_api_in_the_package():
    pattern = re.compile(
        r"mesa\.space|batch_run\(|Model\(seed=|super\(\)\.__init__\(seed=|model\.steps\b|self\.steps\b"
    )
    for path in (ROOT / "sim").rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path
