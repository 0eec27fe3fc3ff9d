"""docs/extending.md builds a real lever end to end: its code blocks, applied to a copy of the
project, give a working mechanism, scenario and test (so the guide cannot drift from the code)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "extending.md"
BLOCK = re.compile(r'```\w+ (?:file=(\S+)|edit=(\S+) after="([^"]*)")\n(.*?)```', re.DOTALL)


def guide_blocks() -> list[tuple[str, str | None, str]]:
    """(path, anchor or None, text) of every code block the guide asks the reader to write or insert."""
    out = []
    for file, edit, anchor, text in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        out.append((file or edit, anchor.encode().decode("unicode_escape") if edit else None, text))
    return out


def apply_guide(project: Path) -> list[str]:
    """Write the guide's files and insert its registry lines in ``project``; returns the files touched."""
    touched = []
    for path, anchor, text in guide_blocks():
        target = project / path
        if anchor is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        else:
            source = target.read_text(encoding="utf-8")
            assert source.count(anchor) == 1, f"the guide's anchor {anchor!r} is not once in {path}"
            target.write_text(source.replace(anchor, anchor + text), encoding="utf-8")
        touched.append(path)
    return sorted(set(touched))


def test_the_guide_touches_four_files():
    files = sorted({path for path, _, _ in guide_blocks()})
    assert files == [
        "sim/mechanisms/__init__.py",
        "sim/mechanisms/delivery_watch.py",
        "sim/scenarios/delivery_watch.toml",
        "tests/test_delivery_watch.py",
    ]


@pytest.mark.slow
def test_the_guides_example_runs_its_own_test_and_shows_up_everywhere(tmp_path):
    project = tmp_path / "project"
    for folder in ("sim", "dashboards"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "conftest.py", project / "tests" / "conftest.py")
    shutil.copy(ROOT / "docs" / "parameters.md", tmp_path / "parameters.md")
    apply_guide(project)
    env = {**os.environ, "PYTHONPATH": str(project)}

    def python(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True)

    test = python("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_delivery_watch.py")
    assert test.returncode == 0, test.stdout + test.stderr
    check = python(
        "-c",
        "from sim import vocabulary; from sim.mechanisms import MECHANISM_BY_NAME, CHANNEL_KEYS;"
        "from sim.model import CommunityModel;"
        "assert vocabulary.missing_labels() == [], vocabulary.missing_labels();"
        "assert 'delivery' in CHANNEL_KEYS and 'delivery_watch' in MECHANISM_BY_NAME;"
        "print(vocabulary.label('channel', 'delivery'), vocabulary.label('channel', 'delivery', 'en'));"
        "m = CommunityModel('delivery_watch', 'workshop', 1).run(26);"
        "assert 'detected_delivery' in m.weekly() and 'channel_share_delivery' in m.summary()",
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "配達・検針の事業者" in check.stdout
    docs = python("-m", "sim.docs", str(tmp_path / "parameters.md"))
    assert docs.returncode == 0, docs.stdout + docs.stderr
    assert "delivery_watch" in (tmp_path / "parameters.md").read_text(encoding="utf-8")
