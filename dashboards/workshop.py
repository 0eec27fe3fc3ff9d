"""研修モード: what a community can do at each stage (slide 2-4), live, for a room of trainees.

Start with ``community-sim workshop`` (or ``make workshop``); it runs ``solara run`` on this
file. The model, the switches, the stories and the handout live in :mod:`sim.workshop` and
:mod:`sim.events`; this page only holds the session and lays it out for a projector: large
type, Japanese first, few controls.
"""

from __future__ import annotations

import functools
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `solara run dashboards/workshop.py` runs this file as a script
    sys.path.insert(0, str(ROOT))

import solara  # noqa: E402

from dashboards import serving  # noqa: E402
from sim.safe_text import markdown_text  # noqa: E402
from sim.workshop.functions import COMMUNITY_KEYS, FUNCTION_BY_KEY, SERVICE_KEYS  # noqa: E402
from sim.workshop.handout import handout_html  # noqa: E402
from sim.workshop.picture import draw  # noqa: E402
from sim.workshop.session import WorkshopSession  # noqa: E402
from sim.workshop.stories import load_workshop_story, workshop_story_names  # noqa: E402

serving.configure()  # origin and host checks, and closed sessions culled within minutes

PLAY_INTERVAL_S = 1.2  # seconds between weeks when playing: time to read the caption
FREE_MODE = "free"
LANGUAGES = {"ja": "日本語", "en": "English"}
LANG_OF = {v: k for k, v in LANGUAGES.items()}
PICTURE_WIDTH = 1560  # pixels for all panels together: a 1920-wide projector with margins

CSS = """
.v-application { font-size: 20px; }
.workshop-caption { display: block; font-size: 24px; line-height: 1.6; padding: 0.4em 0.6em; background: #fffde7;
                    border-left: 6px solid #f9a825; min-height: 3.2em; }
.workshop-week { font-size: 30px; font-weight: bold; }
.workshop-controls .v-btn { font-size: 20px !important; height: 52px !important; }
.workshop-switches .v-label { font-size: 20px; color: #222; }
.workshop-chapter, .workshop-chapter p, .workshop-chapter li { font-size: 21px !important; }
"""

TEXT = {
    "title": ("地域が発揮する機能 — 研修モード", "What a community can do — workshop mode"),
    "step": ("1週すすめる", "Next week"),
    "play": ("再生", "Play"),
    "pause": ("一時停止", "Pause"),
    "reset": ("最初から", "Start over"),
    "compare": ("あり・なしを並べる", "Side by side"),
    "community": ("地域の機能（スライド2-4）", "Community functions (slide 2-4)"),
    "services": ("支援の仕組み", "Services"),
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
    "handout": ("配布資料を書き出す（HTML）", "Export the handout (HTML)"),
    "week": ("第{}週", "Week {}"),
    "legend": (
        "家の色＝課題の段階。！気づき　緑の点線＝民生委員の訪問　青の点線＝サロン・居場所　紫の線＝相談窓口　"
        "赤い線＝多機関協働　茶の点線＝会議　紫の枠＝支援中　黄色の枠＝ストーリーの家　青緑の枠＝左右で違う家",
        "House colour = stage. ! noticed; green dots = 民生委員 visit; blue dots = salon; purple = desk; "
        "red = multi-agency team; brown dashes = meetings; purple frame = supported; yellow frame = the story's house; "
        "teal frame = differs between the towns",
    ),
}


def t(key: str, lang: str) -> str:
    """The page's text ``key`` in ``lang``."""
    ja, en = TEXT[key]
    return ja if lang == "ja" else en


@functools.lru_cache
def _story(name: str):
    """A bundled story, loaded once per server."""
    return load_workshop_story(name)


@solara.component
def Picture(figure, caption: str):
    """One panel: the town this week and the caption under it."""
    with solara.Column(gap="4px"):
        solara.FigurePlotly(figure)
        solara.Text(caption, classes=["workshop-caption"])


@solara.component
def Switches(session: WorkshopSession, lang: str, tick: int, on_change):
    """A checkbox per function, in two groups."""
    with solara.Row(classes=["workshop-switches"], style={"flex-wrap": "wrap", "gap": "0 24px"}):
        for group, keys in (("community", COMMUNITY_KEYS), ("services", SERVICE_KEYS)):
            with solara.Column(gap="0px"):
                solara.Text(t(group, lang), style={"font-weight": "bold", "font-size": "20px"})
                with solara.Row(style={"flex-wrap": "wrap", "gap": "0 12px"}):
                    for key in keys:
                        f = FUNCTION_BY_KEY[key]
                        solara.Checkbox(
                            label=f.label_ja if lang == "ja" else f.label_en,
                            value=session.switches[key],
                            on_value=lambda on, key=key: on_change(key, on),
                        )


@solara.component
def StoryPanel(session: WorkshopSession, lang: str, tick: int, on_chapter, on_start, story_name: solara.Reactive[str]):
    """Choose a story, run it chapter by chapter, read the notes and the questions."""
    names = [FREE_MODE, *workshop_story_names()]
    labels = {n: (t("free", lang) if n == FREE_MODE else _story(n).title(lang)) for n in names}
    by_label = {v: k for k, v in labels.items()}
    with solara.Card(t("story", lang)):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select(
                t("story", lang),
                values=list(by_label),
                value=labels[story_name.value],
                on_value=lambda label: story_name.set(by_label[label]),
            )
            solara.Button(t("start_story", lang), on_click=on_start, color="primary")
        story = session.story
        if story is None:
            return
        solara.Markdown(f"**{markdown_text(story.title(lang))}** — {markdown_text(story.summary(lang))}")
        chapter = session.current_chapter
        if chapter is not None:
            number = f"第{session.chapter + 1}章" if lang == "ja" else f"Chapter {session.chapter + 1}"
            with solara.Column(classes=["workshop-chapter"]):
                solara.Markdown(
                    f"### {number}　{markdown_text(chapter.lesson_label(lang))} — "
                    f"{markdown_text(chapter.text('title', lang))}\n\n"
                    f"**{t('look', lang)}**：{markdown_text(chapter.text('look', lang))}"
                )
                solara.Markdown(
                    f"**{t('questions', lang)}**\n\n"
                    + "\n".join(f"{i + 1}. {markdown_text(q)}" for i, q in enumerate(chapter.text("questions", lang)))
                )
                with solara.Details(t("notes", lang)):
                    notes = chapter.text("notes", lang).split("\n")
                    solara.Markdown("\n\n".join(markdown_text(line) for line in notes))
                    solara.Text(("スライド：" if lang == "ja" else "Slides: ") + "、".join(chapter.slides))
        if session.story_finished:
            solara.Success(t("story_end", lang))
        else:
            solara.Button(t("next_chapter", lang), on_click=on_chapter, color="primary")


@solara.component
def ChapterBanner(session: WorkshopSession, lang: str, tick: int):
    """In a story, the chapter and what to look at, above the pictures (the rest is below)."""
    chapter = session.current_chapter
    if chapter is None:
        return
    number = f"第{session.chapter + 1}章" if lang == "ja" else f"Chapter {session.chapter + 1}"
    solara.Markdown(
        f"**{number}　{markdown_text(chapter.lesson_label(lang))}** — {markdown_text(chapter.text('title', lang))}　"
        f"（{t('look', lang)}：{markdown_text(chapter.text('look', lang))}）",
        style={"font-size": "21px", "background": "#e3f2fd", "padding": "0.3em 0.6em"},
    )


@solara.component
def Page():
    session = solara.use_memo(WorkshopSession, dependencies=[])
    lock = solara.use_memo(threading.Lock, dependencies=[])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    lang = solara.use_reactive("ja")
    story_name = solara.use_reactive(FREE_MODE)
    session.lang = lang.value

    def changed():
        tick.set(tick.value + 1)

    def do(action):
        def run(*args):
            with lock:
                action(*args)
            changed()

        return run

    def play_loop(cancel: threading.Event):
        if not playing.value:
            return
        while not cancel.wait(PLAY_INTERVAL_S):
            with lock:
                more = session.play_week()
            changed()
            if not more:
                playing.set(False)
                return

    solara.use_thread(play_loop, dependencies=[playing.value])

    def step():
        if session.story is not None:
            session.play_week()
        else:
            session.step()

    def start_story():
        playing.set(False)
        if story_name.value == FREE_MODE:
            session.stop_story()
        else:
            session.start_story(story_name.value)

    solara.Style(CSS)
    solara.Title(t("title", lang.value))
    with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
        solara.Markdown(f"# {t('title', lang.value)}")
        solara.ToggleButtonsSingle(
            value=LANGUAGES[lang.value], values=list(LANGUAGES.values()), on_value=lambda v: lang.set(LANG_OF[v])
        )
    with solara.Row(classes=["workshop-controls"], style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(t("week", lang.value).format(session.week), classes=["workshop-week"])
        solara.Button(t("step", lang.value), on_click=do(step), color="primary", disabled=playing.value)
        solara.Button(
            t("pause", lang.value) if playing.value else t("play", lang.value),
            on_click=lambda: playing.set(not playing.value),
            color="secondary",
        )
        solara.Button(t("reset", lang.value), on_click=do(lambda: session.reset()), disabled=playing.value)
        solara.Switch(
            label=t("compare", lang.value),
            value=session.compare,
            on_value=do(lambda on: session.set_compare(on)),
        )
        solara.FileDownload(
            lambda: handout_html(session).encode("utf-8"),
            filename="workshop-handout.html",
            label=t("handout", lang.value),
            mime_type="text/html",
        )
    Switches(session, lang.value, tick.value, on_change=do(lambda key, on: session.set_switch(key, on)))
    ChapterBanner(session, lang.value, tick.value)
    panels = session.panels
    width = PICTURE_WIDTH // len(panels)
    diverged = session.diverged() if session.compare else None
    with solara.Columns([1] * len(panels)):
        for panel in panels:
            with lock:  # the play thread may be stepping
                figure = draw(
                    panel.frames[-1],
                    session.layout_of(panel),
                    lang.value,
                    panel.short_title(lang.value),
                    width=width,
                    diverged=diverged,
                )
                caption = session.caption(panel)
            Picture(figure, caption)
    if session.compare:
        with lock:
            solara.Text(session.divergence_text(), style={"font-size": "22px", "font-weight": "bold"})
    solara.Text(t("legend", lang.value), style={"font-size": "16px", "color": "#555"})
    StoryPanel(session, lang.value, tick.value, do(lambda: session.next_chapter()), do(start_story), story_name)
