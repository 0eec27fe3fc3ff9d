"""A wheel built from this checkout, installed with pip into a fresh virtual environment outside the
checkout, serves both pages: what a 市町村 planner on Windows or macOS gets from the README's
install steps without `make` (pip, pipx or uv installing the wheel).

The module builds the wheel (pip's isolated build: setuptools from the pip cache or PyPI), installs
it and its dependencies into a new venv in a temporary directory (from the pip cache or PyPI, about
a minute), runs `community-sim setup-offline` there (KaTeX from the npm registry), then starts
`community-sim dashboard` and `community-sim workshop` from that venv, checks that each answers
HTTP 200 and that Chromium shows the page's own title and controls, and stops each with SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from dashboards.i18n import tr
from dashboards.offline_assets import KATEX_VERSION
from dashboards.workshop import TEXT as WORKSHOP_TEXT
from tests.browser.conftest import ROOT, free_port, screenshot
from tests.test_serve import descendants, kill_all, stop_and_check, wait_until_serving

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="venv layout and signals of POSIX")]

NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "out", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"
)


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> dict:
    """Build the wheel, install it into a fresh venv outside the checkout and prepare it for offline use."""
    work = tmp_path_factory.mktemp("wheel-install")
    assert not work.is_relative_to(ROOT)
    # A user's environment: nothing of the checkout or of the test's own venv on the path.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    source = work / "source"  # a copy, so that the build leaves nothing (build/, *.egg-info) in the checkout
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--wheel-dir", str(work / "dist")], work, env)
    (wheel,) = (work / "dist").glob("community_sim-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], work, env)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", str(wheel)], work, env)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    offline = _run([str(venv / "bin" / "community-sim"), "setup-offline"], work, env, timeout=300)
    return {"work": work, "wheel": wheel, "venv": venv, "python": python, "env": env, "offline": offline}


def test_the_wheel_holds_both_pages_their_data_and_the_licence(install):
    names = set(zipfile.ZipFile(install["wheel"]).namelist())
    for name in ("dashboards/app.py", "dashboards/workshop.py", "dashboards/upload.vue", "dashboards/pool.py"):
        assert name in names
    assert {
        "sim/towns/workshop.toml",
        "sim/scenarios/baseline.toml",
        "sim/workshop/stories/hoarding_cats.toml",
    } <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_installed_command_uses_the_venvs_packages_not_the_checkout(install):
    where = _run(
        [str(install["python"]), "-c", "import sim, dashboards; print(sim.__file__); print(dashboards.__file__)"],
        install["work"],
        install["env"],
    )
    for path in where.split():
        assert Path(path).is_relative_to(install["venv"]), path
    listed = _run([str(install["venv"] / "bin" / "community-sim"), "scenarios"], install["work"], install["env"])
    assert "baseline" in listed and "縦割り" in listed


def test_setup_offline_puts_katex_in_the_venvs_solara_cache(install):
    katex = install["venv"] / "share" / "solara" / "cdn" / f"katex@{KATEX_VERSION}" / "dist" / "katex.min.js"
    assert katex.is_file() and str(katex.parent) in install["offline"]


@pytest.mark.parametrize(
    ("page", "title", "control"),
    [
        ("dashboard", tr("page_title", "ja"), "実行"),
        ("workshop", WORKSHOP_TEXT["title"][0], WORKSHOP_TEXT["step"][0]),
    ],
)
def test_the_installed_command_serves_the_page(install, page_factory, page, title, control):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(install["venv"] / "bin" / "community-sim"), page, "--port", str(port)]
    with open(install["work"] / f"{page}.log", "wb") as log:
        server = subprocess.Popen(command, cwd=install["work"], env=install["env"], stdout=log, stderr=log)
        try:
            wait_until_serving(url, server)
            (solara,) = [p for p in descendants(server.pid) if b"solara" in Path(f"/proc/{p}/cmdline").read_bytes()]
            served = Path(f"/proc/{solara}/cmdline").read_bytes().split(b"\0")
            page_file = Path(next(a for a in served if a.endswith(b".py")).decode())
            assert page_file.is_relative_to(install["venv"]), f"served from {page_file}"
            with urllib.request.urlopen(f"{url}/_solara/cdn/katex@{KATEX_VERSION}/dist/katex.min.js") as katex:
                assert katex.status == 200
            browser_page = page_factory()
            browser_page.goto(url)
            browser_page.get_by_role("button", name=control).first.wait_for()
            assert browser_page.title() == title
            assert browser_page.outside.urls == []
            screenshot(browser_page, f"wheel-{page}")
            browser_page.close()
            stop_and_check(server, port)
        finally:
            kill_all([server.pid, *descendants(server.pid)])
