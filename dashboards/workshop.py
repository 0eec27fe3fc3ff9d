"""研修モード: what a community can do at each stage (slide 2-4), live, for a room of trainees.

Start with ``community-sim workshop`` (or ``make workshop``); it runs ``solara run`` on this
file. The model, the switches, the stories, the pictures and the handout live in
:mod:`sim.workshop`; this file only lays a session out for a projector.

Two views of one session (a :class:`sim.workshop.room.Room`, named in the address):

- **The projected page** (``/?room=ID``): the presentation layout. The week, the next-step
  control, the chapter, the pictures and their captions fill the window exactly (the
  pictures are drawn to the size the browser reports); the switches, the story chooser and
  the questions are below it, off the projected screen.
- **The presenter view** (``/?room=ID&view=presenter``), opened in a second window: the
  facilitator notes, the questions, the captions and every control. Both views follow the
  room: a step on either, or on the keyboard, shows on both.

Keys on either view: → or space, the next step (a week; in a story, the next chapter); P, play or pause.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import anywidget
import plotly
import plotly.graph_objects as go
import solara
import solara.server.settings
import traitlets
from solara.server import kernel_context

from dashboards import serving
from sim import vocabulary
from sim.safe_text import markdown_text
from sim.workshop.functions import FUNCTION_BY_KEY, KEYS_BY_STAGE
from sim.workshop.handout import handout_html
from sim.workshop.picture import STAGE_COLOURS, draw
from sim.workshop.room import Room, open_room
from sim.workshop.session import WorkshopSession
from sim.workshop.stories import Chapter, load_workshop_story, workshop_story_names

# The "This website runs on Solara" badge would sit on the pictures' bottom-right corner.
solara.server.settings.theme.show_banner = False
serving.configure()  # origin and host checks, and closed sessions culled within minutes

FREE_MODE = "free"
LANGUAGES = {"ja": "日本語", "en": "English"}
PRESENTER = "presenter"
GAP_PX = 8  # between two pictures side by side
CAPTION_FONTS_PX = (24, 22, 20, 18, 16)  # the largest that keeps a caption within CAPTION_LINES lines
CAPTION_LINES = 3
PLOTLY_DIR = str(Path(plotly.__file__).parent / "package_data")  # holds plotly.min.js
FIGURE_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": False}
WAIT_S = 2.0  # how often a page's watcher looks whether its page is still open

CSS = """
.v-application { font-size: 20px; }
.v-application .v-main__wrap > .container, .solara-content-main { padding: 0 !important; }
.workshop-screen { height: 100vh; display: flex; flex-direction: column; gap: 4px; padding: 4px 10px 6px;
                   box-sizing: border-box; overflow: hidden; }
.workshop-bar { display: flex; align-items: center; flex-wrap: wrap; gap: 4px 10px; }
.v-application .v-btn { text-transform: none !important; letter-spacing: 0 !important; }
.workshop-bar .v-btn { font-size: 18px !important; height: 42px !important; text-transform: none !important;
                       letter-spacing: 0 !important; }
.workshop-bar .v-input--switch .v-label { font-size: 18px; color: #222; }
.workshop-bar .v-input { margin-top: 0 !important; padding-top: 0 !important; }
.workshop-bar .v-input__slot { margin-bottom: 0 !important; }
.workshop-bar .v-messages { display: none; }
.workshop-controls { display: flex; align-items: center; flex-wrap: wrap; gap: 4px 10px; }
.workshop-week { font-size: 28px; font-weight: bold; white-space: nowrap; }
.workshop-spacer { flex: 1 1 auto; }
.workshop-banner { font-size: 20px; line-height: 1.4; background: #e3f2fd; padding: 3px 10px; }
.workshop-banner.done { background: #e8f5e9; }
.workshop-legend { font-size: 17px; display: flex; flex-wrap: wrap; gap: 2px 16px; align-items: center; color: #333; }
.workshop-chip { display: inline-block; width: 16px; height: 16px; margin-right: 5px; vertical-align: -2px;
                 border: 1px solid #795548; }
.workshop-diverged { font-weight: bold; }
.workshop-pictures { flex: 1 1 auto; min-height: 120px; position: relative; overflow: hidden; }
.workshop-pictures-row { display: flex; gap: 8px; align-items: flex-start; }
.workshop-captions { display: grid; gap: 8px; }
.workshop-caption { display: block; line-height: 1.45; padding: 3px 10px; background: #fffde7;
                    border-left: 6px solid #f9a825; overflow-wrap: anywhere; }
.workshop-below { padding: 16px 10px 40px; display: flex; flex-direction: column; gap: 16px; }
.workshop-switches .v-label { font-size: 20px; color: #222; }
.workshop-chapter, .workshop-chapter p, .workshop-chapter li { font-size: 21px !important; }
.workshop-notes { white-space: pre-wrap; background: #f5f5f5; padding: 8px 12px; font-size: 19px; }
.workshop-presenter { padding: 10px 16px 40px; display: flex; flex-direction: column; gap: 14px; }
.workshop-presenter .workshop-caption { font-size: 18px; }
.workshop-keys-help { color: #555; font-size: 16px; }
"""

TEXT = {
    "title": ("地域が発揮する機能 — 研修モード", "What a community can do — workshop mode"),
    "step": ("1週すすめる", "Next week"),
    "play": ("再生", "Play"),
    "pause": ("一時停止", "Pause"),
    "reset": ("最初から", "Start over"),
    "compare": ("あり・なしを並べる", "Side by side"),
    "stage_none": ("困りごとがない状態で（2-4）", "No problem yet (slide 2-4)"),
    "stage_latent": ("潜在的な課題に（2-4）", "Latent problems (slide 2-4)"),
    "stage_manifest": ("顕在化した課題に（2-4）", "Manifest problems (slide 2-4)"),
    "stage_complex": ("複雑化・複合化した課題に（2-4）", "Complex problems (slide 2-4)"),
    "stage_service": ("支援の仕組み", "Services"),
    "story": ("ストーリー", "Story"),
    "free": ("（自由に見る）", "(free exploration)"),
    "start_story": ("ストーリーを始める", "Start the story"),
    "next_chapter": ("次の章へ", "Next chapter"),
    "story_end": (
        "ストーリーはここまでです。二つの町を見比べて話し合いましょう。",
        "The story ends here. Compare the two towns.",
    ),
    "look": ("見るところ", "What to look at"),
    "notes": ("進行役メモ", "Facilitator notes"),
    "questions": ("問い", "Questions"),
    "slides": ("スライド", "Slides"),
    "handout": ("配布資料（参加者用・HTML）", "Handout for participants (HTML)"),
    "handout_facilitator": ("進行役用の資料（メモ付き・HTML）", "Facilitator's copy with notes (HTML)"),
    "week": ("第{}週", "Week {}"),
    "chapter": ("第{}章", "Chapter {}"),
    "chapter_of": ("第{}章／全{}章", "Chapter {} of {}"),
    "before_first": ("次の章へ を押すと第1章が始まります。", "Press Next chapter to begin chapter 1."),
    "coming": ("次の章", "Next chapter"),
    "presenter": ("発表者ビュー", "Presenter view"),
    "presenter_title": ("発表者ビュー — 研修モード", "Presenter view — workshop mode"),
    "screen": ("映す画面を開く", "Open the projected page"),
    "now_showing": ("映している画面", "On the screen"),
    "captions": ("今週のできごと", "This week"),
    "keys": (
        "キー操作：→ または スペース＝次へ（自由に見るときは1週、ストーリーでは次の章）　P＝再生・一時停止",
        "Keys: → or space = next (a week; in a story, the next chapter)   P = play / pause",
    ),
    "presenter_help": (
        "このページを手元の画面に、映す画面をプロジェクターに出してください。どちらで操作しても両方が同じ週を示します。",
        "Keep this page on your own screen and the projected page on the projector. Either controls both.",
    ),
    "legend": (
        "！気づき　緑の点線＝民生委員の訪問　青の点線＝サロン・居場所　紫の線＝相談窓口　赤い線＝多機関協働　"
        "茶の点線＝会議　▲悪化　✓解決　✕拒否　紫の枠＝支援中　黄色の枠＝ストーリーの家　青緑の枠＝左右で違う家　"
        "家の下の点＝住む人（青：子ども、緑：大人、紫：65歳以上）",
        "! noticed; green dots = 民生委員 visit; blue dots = salon; purple = desk; red = multi-agency team; "
        "brown dashes = meetings; ▲ worse; ✓ resolved; ✕ refused; purple frame = supported; yellow frame = the story's "
        "house; teal frame = differs between the towns; dots under a house = its people (blue: children, green: "
        "adults, purple: 65+)",
    ),
}


def t(key: str, lang: str) -> str:
    """The page's text ``key`` in ``lang``."""
    ja, en = TEXT[key]
    return ja if lang == "ja" else en


# ------------------------------------------------------------------ plain functions (tested without a browser)


def view_of(search: str | None) -> tuple[str | None, str]:
    """The room id and the view (``"screen"`` or ``"presenter"``) named in a page's query string."""
    query = parse_qs(search or "")
    room = query.get("room", [None])[0]
    view = query.get("view", ["screen"])[0]
    return room, PRESENTER if view == PRESENTER else "screen"


def address(room_id: str, view: str = "screen") -> str:
    """The address (path and query) of a view of room ``room_id``."""
    query = {"room": room_id, **({"view": PRESENTER} if view == PRESENTER else {})}
    return "/?" + urlencode(query)


def panel_size(box: tuple[int, int], panels: int) -> tuple[int, int]:
    """Pixels for each of ``panels`` pictures side by side in a ``box`` (width, height)."""
    width, height = box
    return max(1, (width - GAP_PX * (panels - 1)) // panels), max(1, height)


def caption_font(text: str, width_px: int) -> int:
    """The largest caption font whose lines (about one character an em) fit ``CAPTION_LINES`` lines."""
    usable = max(width_px - 26, 100)
    ems = sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in text)
    for font in CAPTION_FONTS_PX:
        if -(-ems * font // usable) <= CAPTION_LINES:
            return font
    return CAPTION_FONTS_PX[-1]


def chapter_line(session: WorkshopSession, lang: str) -> tuple[str, bool]:
    """The banner above the pictures in a story (and whether the story is over); ``""`` outside a story."""
    if session.story is None:
        return "", False
    if session.story_finished:
        return t("story_end", lang), True
    chapter = session.current_chapter
    if chapter is None:
        return f"{session.story.title(lang)} — {t('before_first', lang)}", False
    number = t("chapter", lang).format(session.chapter + 1)
    return (
        f"{number}　{chapter.lesson_label(lang)} — {chapter.text('title', lang)}　（{t('look', lang)}：{chapter.text('look', lang)}）",
        False,
    )


def next_label(session: WorkshopSession, lang: str) -> str:
    """What the next-step control says: a week, or in a story the next chapter."""
    return t("next_chapter", lang) if session.story is not None else t("step", lang)


def stage_legend_html(lang: str) -> str:
    """The four stage colours as chips with their names."""
    names = vocabulary.labels("stage", lang)
    return "".join(
        f'<span><span class="workshop-chip" style="background:{c}"></span>{html.escape(n)}</span>'
        for c, n in zip(STAGE_COLOURS, names, strict=True)
    )


@solara.component_vue("workshop_keys.vue")
def KeyControl(event_key: Callable[[str], None], scroll_top: int = 0) -> None:
    """Keyboard control: → and space send ``"next"``, P sends ``"play"``; a new ``scroll_top`` scrolls to the top."""


@solara.component_vue("workshop_box.vue")
def BoxProbe(event_size: Callable[[dict], None]) -> None:
    """Reports the pixel size of the positioned box it sits in, whenever it changes."""


class PictureWidget(anywidget.AnyWidget):
    """A Plotly figure drawn with ``Plotly.react`` whenever its ``figure`` (data, layout, config) changes.

    The figure is the widget's state, not a stream of edit messages, so every change the page
    makes (a week, a new size) reaches the browser, and only the last one is drawn. plotly.js
    is loaded once per page from the server's assets.
    """

    _esm = """
const url = `${location.origin}${(globalThis.solara && globalThis.solara.rootPath) || ""}/static/assets/plotly.min.js?v=PLOTLY_VERSION`;
function loadPlotly() {
  if (globalThis.Plotly) return Promise.resolve(globalThis.Plotly);
  if (!globalThis.__workshopPlotly) {
    globalThis.__workshopPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(globalThis.Plotly);
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  return globalThis.__workshopPlotly;
}
export default {
  async render({ model, el }) {
    const Plotly = await loadPlotly();
    const draw = () => {
      const figure = model.get("figure");
      if (figure && figure.data) Plotly.react(el, figure.data, figure.layout, figure.config || {});
    };
    draw();
    model.on("change:figure", draw);
    return () => { model.off("change:figure", draw); Plotly.purge(el); };
  },
};
""".replace("PLOTLY_VERSION", plotly.__version__)
    figure = traitlets.Dict().tag(sync=True)


def serve_plotly() -> None:
    """Let the Solara server serve plotly.js (from the plotly package) as an asset."""
    locations = solara.server.settings.assets.extra_locations
    if PLOTLY_DIR not in locations:
        locations.append(PLOTLY_DIR)


def figure_state(figure: go.Figure) -> dict:
    """A figure as plain JSON for :class:`PictureWidget` (numbers as lists, no template)."""
    return {**json.loads(figure.to_json()), "config": FIGURE_CONFIG}


@solara.component
def Figure(figure: go.Figure):
    """One picture, redrawn in place when ``figure`` changes (no mode bar: nothing to zoom or share)."""
    serve_plotly()
    state = solara.use_memo(lambda: figure_state(figure), [figure])
    return PictureWidget.element(figure=state)


@solara.component
def Layout(children: list = []):  # noqa: B006 (Solara's signature for an app layout)
    """The page's own layout: no app bar and no padding, so the projected page is exactly the window."""
    return solara.Column(children=children, gap="0px", style={"padding": "0", "margin": "0"})


# ------------------------------------------------------------------ the room on a page


def use_room() -> tuple[Room, str, int]:
    """The room named in the address (a new one, put in the address, when none is), its view,
    and its version, which re-renders the page whenever the room changes."""
    router = solara.use_router()
    room_id, view = view_of(router.search)
    room = solara.use_memo(lambda: open_room(room_id), dependencies=[room_id])
    version = solara.use_reactive(room.version)

    def name_the_room() -> None:
        if room_id != room.id:
            router.push(address(room.id, view))

    solara.use_effect(name_the_room, [room.id, room_id])

    def watch(cancel: threading.Event) -> None:
        # Ends with the page: when the component goes, or when Solara closes the page's kernel.
        closed = kernel_context.get_current_context().closed_event if kernel_context.has_current_context() else cancel
        token = room.watch()
        seen = version.value
        try:
            while not cancel.is_set() and not closed.is_set():
                now = room.wait_change(seen, WAIT_S)
                if now != seen:
                    seen = now
                    version.set(now)  # renders the page in this thread
                room.drawn(token, now)
        finally:
            room.unwatch(token)

    solara.use_thread(watch, dependencies=[room.id], intrusive_cancel=False)
    return room, view, version.value


def on_key(room: Room) -> Callable[[str], None]:
    def handle(action: str) -> None:
        if action == "next":
            room.next_step()
        elif action == "play":
            room.toggle_play()

    return handle


@solara.component
def Controls(room: Room, version: int):
    """The next step, play or pause, start over, side by side."""
    session, lang = room.session, room.session.lang
    finished = session.story_finished
    with solara.Div(classes=["workshop-controls"]):
        _control_buttons(room, session, lang, finished)


def _control_buttons(room: Room, session: WorkshopSession, lang: str, finished: bool) -> None:
    solara.Button(
        next_label(session, lang),
        icon_name="mdi-skip-next",
        on_click=room.next_step,
        color="primary",
        disabled=room.playing or finished,
        classes=["workshop-next"],
    )
    solara.Button(
        t("pause", lang) if room.playing else t("play", lang),
        icon_name="mdi-pause" if room.playing else "mdi-play",
        on_click=room.toggle_play,
        color="secondary",
        disabled=finished and not room.playing,
        classes=["workshop-play"],
    )
    solara.Button(t("reset", lang), on_click=lambda: room.act(session.reset), disabled=room.playing)
    solara.Switch(
        label=t("compare", lang), value=session.compare, on_value=lambda on: room.act(session.set_compare, on)
    )


@solara.component
def LanguageToggle(room: Room, version: int):
    session = room.session
    other = "en" if session.lang == "ja" else "ja"

    def switch() -> None:
        room.act(setattr, session, "lang", other)

    solara.Button(LANGUAGES[other], on_click=switch, text=True, classes=["workshop-language"])


@solara.component
def Switches(room: Room, version: int):
    """A checkbox per function, in two groups."""
    session, lang = room.session, room.session.lang
    with solara.Row(classes=["workshop-switches"], style={"flex-wrap": "wrap", "gap": "0 24px"}):
        for stage, keys in KEYS_BY_STAGE.items():
            with solara.Column(gap="0px"):
                solara.Text(t(f"stage_{stage}", lang), style={"font-weight": "bold", "font-size": "20px"})
                with solara.Row(style={"flex-wrap": "wrap", "gap": "0 12px"}):
                    for key in keys:
                        f = FUNCTION_BY_KEY[key]
                        solara.Checkbox(
                            label=f.label_ja if lang == "ja" else f.label_en,
                            value=session.switches[key],
                            on_value=lambda on, key=key: room.act(session.set_switch, key, on),
                        )


@solara.component
def StoryChooser(room: Room, version: int):
    """Choose a story and start it (or go back to free exploration)."""
    session, lang = room.session, room.session.lang
    names = [FREE_MODE, *workshop_story_names()]
    labels = {n: (t("free", lang) if n == FREE_MODE else load_workshop_story(n).title(lang)) for n in names}
    by_label = {v: k for k, v in labels.items()}
    chosen = solara.use_reactive(session.story.name if session.story else FREE_MODE)

    def start() -> None:
        room.pause()
        room.starts += 1  # the projected page scrolls back to the pictures
        if chosen.value == FREE_MODE:
            room.act(session.stop_story)
        else:
            room.act(session.start_story, chosen.value)

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select(
            t("story", lang),
            values=list(by_label),
            value=labels.get(chosen.value, labels[FREE_MODE]),
            on_value=lambda label: chosen.set(by_label[label]),
        )
        solara.Button(t("start_story", lang), on_click=start, color="primary")


def chapter_markdown(session: WorkshopSession, chapter: Chapter, index: int, lang: str) -> str:
    """A chapter's heading, what to look at and its questions, as Markdown (no notes)."""
    number = t("chapter", lang).format(index + 1)
    text = markdown_text  # the story file's words, shown as they are written (sim/safe_text.py)
    questions = "\n".join(f"{i + 1}. {text(q)}" for i, q in enumerate(chapter.text("questions", lang)))
    return (
        f"### {number}　{text(chapter.lesson_label(lang))} — {text(chapter.text('title', lang))}\n\n"
        f"**{t('look', lang)}**：{text(chapter.text('look', lang))}\n\n**{t('questions', lang)}**\n\n{questions}"
    )


def handout_downloads(room: Room, lang: str, facilitator: bool) -> None:
    session = room.session

    def make(notes: bool) -> Callable[[], bytes]:
        def build() -> bytes:
            with room.lock:
                return handout_html(session, facilitator=notes).encode("utf-8")

        return build

    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        solara.FileDownload(
            make(False), filename="workshop-handout.html", label=t("handout", lang), mime_type="text/html"
        )
        if facilitator:
            solara.FileDownload(
                make(True),
                filename="workshop-handout-facilitator.html",
                label=t("handout_facilitator", lang),
                mime_type="text/html",
            )


# ------------------------------------------------------------------ the projected page


@solara.component
def Pictures(room: Room, version: int, box: tuple[int, int] | None):
    """The town (or both towns side by side), drawn to fill ``box``."""
    session, lang = room.session, room.session.lang
    if box is None:
        return
    with room.lock:  # the play thread may be stepping
        panels = session.panels
        width, height = panel_size(box, len(panels))
        diverged = session.diverged() if session.compare else None
        towns = [p.picture for p in panels]
        figures = [
            draw(
                p.frames[-1],
                p.picture,
                lang,
                p.short_title(lang),
                width=width,
                height=height,
                diverged=diverged,
                partners=[t for t in towns if t is not p.picture],
            )
            for p in panels
        ]
    with solara.Div(classes=["workshop-pictures-row"]):
        for figure in figures:
            Figure(figure)


@solara.component
def Captions(room: Room, version: int, box: tuple[int, int] | None):
    session = room.session
    with room.lock:
        captions = [session.caption(p) for p in session.panels]
    width = panel_size(box or (1200, 0), len(captions))[0]
    font = min(caption_font(c, width) for c in captions)  # one size for both towns, side by side
    columns = " ".join(["1fr"] * len(captions))
    with solara.Div(classes=["workshop-captions"], style={"grid-template-columns": columns}):
        for caption in captions:
            solara.Text(
                caption,
                classes=["workshop-caption"],
                style={"font-size": f"{font}px", "min-height": f"{CAPTION_LINES * font * 1.45 + 6:.0f}px"},
            )


@solara.component
def Screen(room: Room, version: int):
    """The projected page: the presentation layout on top, the rest below it."""
    session, lang = room.session, room.session.lang
    box = solara.use_reactive(None)
    solara.Title(t("title", lang))
    KeyControl(event_key=on_key(room), scroll_top=room.starts)
    with solara.Div(classes=["workshop-screen"]):
        with solara.Div(classes=["workshop-bar"]):
            solara.Text(t("week", lang).format(session.week), classes=["workshop-week"])
            Controls(room, version)
            solara.Div(classes=["workshop-spacer"])
            solara.Button(
                t("presenter", lang),
                icon_name="mdi-open-in-new",
                href=address(room.id, PRESENTER),
                target="_blank",
                text=True,
                classes=["workshop-presenter-link"],
            )
            LanguageToggle(room, version)
        banner, done = chapter_line(session, lang)
        if banner:
            solara.Text(banner, classes=["workshop-banner", *(["done"] if done else [])])
        with solara.Div(classes=["workshop-legend"]):
            solara.HTML(tag="span", unsafe_innerHTML=stage_legend_html(lang), style="display:contents")
            if session.compare:
                with room.lock:
                    solara.Text(session.divergence_text(), classes=["workshop-diverged"])
        with solara.Div(classes=["workshop-pictures"]):
            BoxProbe(event_size=lambda size: box.set((int(size["width"]), int(size["height"]))))
            Pictures(room, version, box.value)
        Captions(room, version, box.value)
    with solara.Div(classes=["workshop-below"]):
        solara.Text(t("legend", lang), style={"font-size": "16px", "color": "#555"})
        Switches(room, version)
        with solara.Card(t("story", lang)):
            StoryChooser(room, version)
            story = session.story
            if story is not None:
                solara.Markdown(f"**{markdown_text(story.title(lang))}** — {markdown_text(story.summary(lang))}")
                chapter = session.current_chapter
                if chapter is not None:
                    with solara.Column(classes=["workshop-chapter"]):
                        solara.Markdown(chapter_markdown(session, chapter, session.chapter, lang))
        handout_downloads(room, lang, facilitator=False)
        solara.Text(t("keys", lang), classes=["workshop-keys-help"])


# ------------------------------------------------------------------ the presenter view


@solara.component
def Presenter(room: Room, version: int):
    """The presenter view: notes, questions, captions and every control, in step with the projected page."""
    session, lang = room.session, room.session.lang
    solara.Title(t("presenter_title", lang))
    KeyControl(event_key=on_key(room))
    with solara.Div(classes=["workshop-presenter"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "8px 16px"}):
            solara.Text(t("presenter_title", lang), style={"font-size": "24px", "font-weight": "bold"})
            solara.Text(t("week", lang).format(session.week), classes=["workshop-week"])
            if session.story is not None and session.chapter >= 0:
                solara.Text(
                    t("chapter_of", lang).format(session.chapter + 1, len(session.story.chapters)),
                    classes=["workshop-presenter-chapter"],
                    style={"font-size": "22px"},
                )
            solara.Div(classes=["workshop-spacer"])
            solara.Button(
                t("screen", lang), icon_name="mdi-open-in-new", href=address(room.id), target="_blank", text=True
            )
            LanguageToggle(room, version)
        solara.Text(t("presenter_help", lang), classes=["workshop-keys-help"])
        banner, done = chapter_line(session, lang)
        if banner:
            solara.Text(banner, classes=["workshop-banner", *(["done"] if done else [])])
        with solara.Div(classes=["workshop-bar"]):
            Controls(room, version)
        StoryChooser(room, version)
        story = session.story
        if story is not None:
            solara.Markdown(f"**{markdown_text(story.title(lang))}** — {markdown_text(story.summary(lang))}")
            chapter = session.current_chapter
            if chapter is not None:
                with solara.Column(classes=["workshop-chapter"]):
                    solara.Markdown(chapter_markdown(session, chapter, session.chapter, lang))
                    solara.Text(t("notes", lang), style={"font-weight": "bold", "font-size": "21px"})
                    solara.Text(chapter.text("notes", lang), classes=["workshop-notes"])
                    solara.Text(f"{t('slides', lang)}：{'、'.join(chapter.slides)}", style={"font-size": "17px"})
            coming = session.chapter + 1
            if coming < len(story.chapters) and session.chapter_done:
                nxt = story.chapters[coming]
                solara.Text(
                    f"{t('coming', lang)}：{t('chapter', lang).format(coming + 1)} {nxt.lesson_label(lang)} — "
                    f"{nxt.text('title', lang)}",
                    style={"font-size": "19px", "color": "#37474f"},
                )
        solara.Text(t("captions", lang), style={"font-weight": "bold", "font-size": "20px"})
        with room.lock:
            lines = [(p.short_title(lang), session.caption(p)) for p in session.panels]
            diverged = session.divergence_text() if session.compare else ""
        for title, caption in lines:
            solara.Text(f"{title}：{caption}", classes=["workshop-caption"])
        if diverged:
            solara.Text(diverged, classes=["workshop-diverged"])
        Switches(room, version)
        handout_downloads(room, lang, facilitator=True)
        solara.Text(t("keys", lang), classes=["workshop-keys-help"])


@solara.component
def Page():
    room, view, version = use_room()
    solara.Style(CSS)
    if view == PRESENTER:
        Presenter(room, version)
    else:
        Screen(room, version)
