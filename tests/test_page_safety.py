"""Text from files stays text on every page and export; the pages answer only their own origin.

Issue 11 (red team): an uploaded scenario's title ran JavaScript in the dashboard (raw HTML in
Markdown, and ``{{ … }}``, since Solara compiles Markdown as a Vue template); any web page could
drive the dashboard through its websocket or DNS rebinding; closed sessions were kept 24 hours
with their runs computing to the end.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
import time
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import ipyvuetify as v
import plotly.graph_objects as go
import pytest
import solara

from dashboards import export, running
from dashboards import pool as warm_pool
from dashboards.i18n import tr
from sim.config import load_scenario, load_town, scenario_to_toml, town_to_toml

ROOT = Path(__file__).resolve().parents[1]
# What a hostile file might carry: raw HTML, a javascript: link, a Vue expression, and TeX.
EVIL = (
    "<img src=x onerror=\"document.title='pwned'\"><script>alert(1)</script>"
    "[click](javascript:alert(1)) {{ constructor.constructor('alert(1)')() }} $\\href{x}{y}$ :smile:"
)
MARKERS = ("onerror", "constructor.constructor", "javascript:", "<script")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


app = sys.modules.get("dashboard_app") or _load("dashboard_app", ROOT / "dashboards" / "app.py")
workshop = _load("workshop_page", ROOT / "dashboards" / "workshop.py")


class _Inert(HTMLParser):
    """Finds active markup: script, img, iframe, event handlers, javascript: links, and Vue
    expressions outside ``v-pre`` elements."""

    VOID = {"br", "img", "hr", "input", "meta", "link", "col", "area", "base", "source", "wbr"}

    def __init__(self, vue: bool, scripts: bool) -> None:
        super().__init__()
        self.vue, self.scripts = vue, scripts
        self.problems: list[str] = []
        self.stack: list[bool] = []  # per open element: whether it has v-pre

    def handle_starttag(self, tag, attrs):
        names = {k.lower(): (v or "") for k, v in attrs}
        embedded_picture = tag == "img" and names.get("src", "").startswith("data:image/png;base64,")
        if tag in ("img", "iframe", "object", "embed", "svg") and not embedded_picture:
            self.problems.append(f"<{tag}>")
        if tag == "script" and (not self.scripts or "src" in names):
            self.problems.append("<script>")
        for k, value in names.items():
            if k.startswith("on") or value.strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag} {k}={value!r}")
        if tag not in self.VOID:
            self.stack.append("v-pre" in names)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.vue and "constructor.constructor" in data and not any(self.stack):
            self.problems.append(f"Vue expression outside v-pre: {data[:60]!r}")


def _problems(markup: str, vue: bool = True, scripts: bool = False) -> list[str]:
    """Active markup in ``markup``; ``vue``: it is a Vue template; ``scripts``: the page's own inline scripts
    (Plotly's) are expected, and checked not to hold the hostile text."""
    parser = _Inert(vue, scripts)
    parser.feed(markup)
    if scripts and "<script>alert(1)" in markup:
        parser.problems.append("the hostile <script> is in the page")
    return parser.problems


def _markup(rc) -> list[tuple[str, bool]]:
    """Every piece of markup the page sends, and whether Vue compiles it: Markdown is a Vue
    template; solara.HTML's ``unsafe_innerHTML`` goes in through ``v-html``, which Vue does not
    compile (so only HTML there can be active, not ``{{ … }}``)."""
    out = []
    for w in rc.find(v.VuetifyTemplate).widgets:
        template = str(getattr(w.template, "template", w.template) or "")
        out.append((template.split("</template>")[0], True))  # the template, not its component's own <script>
        out.append((getattr(w, "unsafe_innerHTML", None) or "", False))
    return [(m, vue) for m, vue in out if m]


def _plain_texts(rc) -> list[str]:
    """Text nodes of the page (solara.Text and the like): shown as text by the browser whatever they hold."""
    return [c for w in rc.find(v.Html).widgets for c in (w.children or []) if isinstance(c, str)]


def _assert_shown_as_text(rc) -> None:
    pieces = [(m, vue) for m, vue in _markup(rc) if "constructor.constructor" in m]
    as_text = [t for t in _plain_texts(rc) if "constructor.constructor" in t]
    assert pieces or as_text, "the hostile text is not on the page at all: the test checks nothing"
    for markup, vue in pieces:
        assert _problems(markup, vue=vue) == [], markup[:300]


# ------------------------------------------------------------------ the helper


def test_markdown_text_renders_as_the_literal_text_through_solaras_markdown():
    import markdown
    from solara.components.markdown import _no_deep_copy_emojione

    from sim.safe_text import markdown_text

    md = markdown.Markdown(
        extensions=["pymdownx.highlight", "pymdownx.superfences", "pymdownx.emoji", "toc", "tables"],
        extension_configs={"pymdownx.emoji": {"emoji_index": _no_deep_copy_emojione}},
    )
    html = md.convert(f"**title**: {markdown_text(EVIL)}")
    assert _problems(html) == []
    text = _Text()
    text.feed(html)
    assert "".join(text.parts) == "title: " + EVIL


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


# ------------------------------------------------------------------ the dashboard


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setattr(app, "TownView", None)
    monkeypatch.setattr(warm_pool, "warm_up_in_background", lambda: None)
    _, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def _evil_scenario_text() -> str:
    scenario = load_scenario("outreach_team")
    scenario.title_ja = scenario.title_en = "案" + EVIL
    scenario.description_ja = scenario.description_en = EVIL
    return scenario_to_toml(scenario)


def _evil_town_text() -> str:
    town = load_town("neighbourhood")
    town.profile["town"]["name_ja"] = "町" + EVIL
    town.profile["desks"][0]["name_ja"] = EVIL
    return town_to_toml(town)


def _upload(page, label: str, name: str, text: str) -> None:
    page.find(v.VuetifyTemplate, label=tr(label)).widget.vue_upload({"name": name, "text": text, "size": len(text)})


def test_an_uploaded_scenarios_title_and_description_are_text_in_the_dashboard(page):
    _upload(page, "load_scenario", "evil.toml", _evil_scenario_text())
    assert any("案<img" in t for t in page.find(v.Select, label="比較するシナリオ").widget.v_model)
    page.find(v.Slider, label="年数").widget.v_model = 1  # the Scenarios tab lists titles and descriptions
    _assert_shown_as_text(page)


def test_an_uploaded_towns_name_is_text_in_the_dashboard_and_its_results(page):
    _upload(page, "load_town", "evil_town.toml", _evil_town_text())
    _upload(page, "load_scenario", "evil.toml", _evil_scenario_text())
    page.find(v.Slider, label="年数").widget.v_model = 1
    page.find(v.Slider, label="反復回数").widget.v_model = 2
    page.find(v.Select, label="比較するシナリオ").widget.v_model = [
        t for t in page.find(v.Select, label="比較するシナリオ").widget.items if t.startswith("案")
    ]
    page.find(v.Btn, children=["実行"]).widget.click()
    page.find(v.Select, label="図に示す指標").wait_for(timeout=180)
    _assert_shown_as_text(page)  # the results' introduction (town) and findings (titles)
    for figure in page.find(go.FigureWidget).widgets:
        labels = [str(t.y) for t in figure.data] + [t.name or "" for t in figure.data]
        assert not any("<img" in label for label in labels)


def test_figures_show_file_text_literally_not_as_plotly_markup():
    titles = app.plot_titles({"a": '<a href="https://evil.example">click</a><b>x</b>'})
    assert titles["a"] == '&lt;a href="https://evil.example"&gt;click&lt;/a&gt;&lt;b&gt;x&lt;/b&gt;'


# ------------------------------------------------------------------ the workshop


@pytest.fixture
def evil_workshop_story(monkeypatch):
    from sim.workshop import session as session_module
    from sim.workshop.stories import story_from_dict

    path = ROOT / "sim" / "workshop" / "stories" / "refusing_parent.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    raw["story"]["title_ja"] = raw["story"]["summary_ja"] = EVIL
    for chapter in raw["chapters"]:
        for key in ("title_ja", "look_ja", "notes_ja"):
            chapter[key] = EVIL
        chapter["questions_ja"] = [EVIL] * len(chapter["questions_ja"])
    story = story_from_dict(raw, "refusing_parent", str(path))
    monkeypatch.setattr(session_module, "load_workshop_story", lambda name: story)
    session = session_module.WorkshopSession()
    session.start_story("refusing_parent")
    return session


def test_a_story_files_text_is_text_on_the_workshop_page(evil_workshop_story):
    from sim.workshop.room import Room

    session = evil_workshop_story
    session.next_chapter()  # the chapter's title, what to look at and its questions are shown too
    _, rc = solara.render(workshop.Presenter(Room("safety-test", session), 0), handle_error=False)
    try:
        _assert_shown_as_text(rc)
    finally:
        rc.close()


def test_the_handout_shows_a_story_files_text_as_text(evil_workshop_story, monkeypatch):
    from sim.workshop import handout

    monkeypatch.setattr(handout, "render_pngs", lambda s, moments: [[b"png"] * len(m.frames) for m in moments])
    page = handout.handout_html(evil_workshop_story)
    assert _problems(page, vue=False) == [] and "&lt;img src=x onerror=" in page


# ------------------------------------------------------------------ the HTML report and the one-page summary


def test_the_html_report_shows_an_experiments_text_as_text(tmp_path):
    from sim.report import render_report

    manifest = {
        "experiment": "x",
        "title": EVIL,
        "description": EVIL,
        "experiment_file": EVIL,
        "experiment_text": EVIL,
        "scenarios": ["baseline", "<b>evil</b>"],
        "town": EVIL,
        "settings": {"years": 1, "warmup_years": 0, "replications": 1, "seed": 0},
        "points": 1,
        "sweep": None,
        "started": "",
        "finished": "",
        "executor": EVIL,
        "package_version": "0",
        "git_commit": EVIL,
        "python": "3",
        "libraries": {},
    }
    import pandas as pd

    empty = pd.DataFrame()
    page = render_report(
        {
            "manifest": manifest,
            "runs": empty,
            "points": empty,
            "comparison": empty,
            "sensitivity": empty,
            "weekly": empty,
        }
    )
    assert _problems(page, vue=False, scripts=True) == [] and "&lt;img src=x onerror=" in page


def test_the_one_page_summary_shows_titles_and_town_as_text():
    request = running.RunRequest("neighbourhood", ("baseline", "stronger_jichikai"), 1, 2, 0)
    outcome = running.compute_outcome(request)
    outcome.titles = {"baseline": (EVIL, EVIL), "stronger_jichikai": ("b" + EVIL, "b" + EVIL)}
    outcome.town_title = EVIL
    page = export.summary_html(outcome, "ja", images=False).decode()
    assert _problems(page, vue=False) == [] and "&lt;img src=x onerror=" in page


# ------------------------------------------------------------------ origin and host


def _call(guard, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "websocket.connect"}

    # In a thread of its own: in the whole suite, Playwright's event loop may be running in this one.
    worker = threading.Thread(target=lambda: asyncio.run(guard(scope, receive, send)))
    worker.start()
    worker.join()
    return sent


def _scope(kind: str, host: str, origin: str | None = None, method: str = "GET") -> dict:
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    return {"type": kind, "headers": headers, "method": method, "path": "/"}


def test_the_guard_refuses_other_hosts_and_cross_origin_websockets():
    from dashboards import serving

    reached: list[str] = []

    async def page(scope, receive, send):
        reached.append(scope["type"])

    guard = serving.OriginGuard(page, serving.allowed_hosts(""))
    assert _call(guard, _scope("http", "127.0.0.1:8765")) == [] and reached == ["http"]
    assert _call(guard, _scope("http", "localhost:8765")) == []
    assert _call(guard, _scope("http", "[::1]:8765")) == []
    refused = _call(guard, _scope("http", "evil.example:8765"))  # DNS rebinding: the attacker's name
    assert refused[0]["status"] == 403
    closed = _call(guard, _scope("websocket", "127.0.0.1:8765", "http://evil.example"))
    assert closed == [{"type": "websocket.close", "code": 1008, "reason": closed[0]["reason"]}]
    assert _call(guard, _scope("websocket", "127.0.0.1:8765", "http://localhost:9999"))[0]["code"] == 1008
    assert _call(guard, _scope("websocket", "127.0.0.1:8765", "http://127.0.0.1:8765")) == []
    assert _call(guard, _scope("http", "127.0.0.1:8765", "http://evil.example", "POST"))[0]["status"] == 403
    assert reached == ["http", "http", "http", "websocket"]


def test_names_in_the_environment_are_served_too(monkeypatch):
    from dashboards import serving

    monkeypatch.setenv(serving.ALLOWED_HOSTS_ENV, "planner.city.example, 192.168.1.20")
    hosts = serving.allowed_hosts()
    assert {"planner.city.example", "192.168.1.20", "127.0.0.1"} <= hosts


def test_closed_sessions_are_culled_within_minutes():
    import solara.server.settings as settings
    import solara.util

    assert solara.util.parse_timedelta(settings.kernel.cull_timeout) <= 5 * 60


@pytest.mark.slow
def test_the_served_dashboard_answers_only_its_own_origin_and_host():
    """The real server: a foreign Host gets 403; a websocket from a foreign page is refused."""
    import urllib.error
    import urllib.request

    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    from sim.cli import DASHBOARD_ENV
    from tests.browser.conftest import solara_server

    with solara_server(ROOT / "dashboards" / "app.py", env=DASHBOARD_ENV, args=["--no-check-version"]) as url:
        port = url.rsplit(":", 1)[1]
        request = urllib.request.Request(url, headers={"Host": f"evil.example:{port}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
        ws = url.replace("http://", "ws://") + "/jupyter/api/kernels/k1/channels?session_id=s1"
        with pytest.raises(InvalidStatus) as closed, connect(ws, origin="http://evil.example", open_timeout=10):
            pass
        assert closed.value.response.status_code == 403
        with connect(ws, origin=url, open_timeout=10):  # the page's own origin is served
            pass


# ------------------------------------------------------------------ a closed page's run stops


def test_a_closed_pages_comparison_stops_instead_of_computing_to_the_end(monkeypatch):
    import sim.runner

    real_block, real_compute = sim.runner._run_block, running.compute_outcome
    blocks: list[float] = []
    returned = threading.Event()

    def counted(*args, **kwargs):
        blocks.append(time.monotonic())
        return real_block(*args, **kwargs)

    def compute(*args, **kwargs):
        try:
            return real_compute(*args, **kwargs)
        finally:
            returned.set()

    monkeypatch.setattr(sim.runner, "_run_block", counted)
    monkeypatch.setattr(running, "compute_outcome", compute)
    monkeypatch.setattr(app, "TownView", None)
    monkeypatch.setattr(warm_pool, "warm_up_in_background", lambda: None)
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Slider, label="年数").widget.v_model = 5
    rc.find(v.Slider, label="反復回数").widget.v_model = 3  # 3 scenarios × 3: one process, a block per scenario
    rc.find(v.Select, label="比較するシナリオ").widget.v_model = ["自治会を強くする", "アウトリーチ専任チーム"]
    rc.find(v.Btn, children=["実行"]).widget.click()
    deadline = time.monotonic() + 120
    while len(blocks) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(blocks) == 2, "the comparison did not reach its second scenario"
    rc.close()  # the session closes (culled): the run must stop after the block in hand
    assert returned.wait(120), "the closed page's comparison never returned"
    assert len(blocks) == 2, "the closed page's comparison went on to its third scenario"
