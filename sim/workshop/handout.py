"""The session's handout: its timeline and pictures of its key moments, as one self-contained HTML file.

The participants' copy holds the switches, the chapters with what to look at and their
questions, the key moments and the decisive events; the facilitator's copy adds the
facilitator notes (進行役メモ) and the slides. Both are laid out for A4 (a whole story prints
on three pages, four with the notes). Pictures are Plotly figures rendered to PNG by kaleido (one Chromium for all of them) and
embedded as base64, so the file can be mailed or printed as it is. :func:`handout_pdf`
prints the same HTML to PDF with Chromium through Playwright (optional).
"""

from __future__ import annotations

import base64
import html
import os
import tempfile
from datetime import date
from pathlib import Path

import plotly.io as pio

from sim import vocabulary
from sim.workshop.functions import FUNCTIONS
from sim.workshop.picture import STAGE_COLOURS, draw
from sim.workshop.session import WorkshopSession

MAX_PICTURES = 8  # panel pictures in one handout (each takes about a second to render)
PNG_SIZE = (600, 440)  # pixels of one picture, drawn for half an A4 page's width (rendered at twice that)
PNG_SCALE = 2

CSS = """
@page { size: A4; margin: 11mm 12mm; }
body { font-family: 'Noto Sans CJK JP', 'Noto Sans JP', sans-serif; margin: 0 auto; max-width: 186mm; color: #222;
       font-size: 10pt; line-height: 1.45; }
h1 { font-size: 16pt; margin: 0 0 0.2em; } h2 { font-size: 12pt; border-bottom: 1.5px solid #888; margin: 0.9em 0 0.4em; }
h3 { font-size: 10.5pt; margin: 0.6em 0 0.2em; }
p { margin: 0.25em 0; } ol { margin: 0.2em 0 0.4em 1.4em; padding: 0; } .meta { color: #555; font-size: 9pt; }
.functions { margin: 0.2em 0; padding-left: 1.2em; } .chapter { break-inside: avoid; }
.moments { display: flex; flex-wrap: wrap; gap: 0 4mm; } .moment { break-inside: avoid; margin-bottom: 0.6em; flex: 1 1 100%; }
.moment.single { flex: 0 0 calc(50% - 2mm); } .pair { display: flex; gap: 3mm; }
.pair figure { margin: 0; flex: 1 1 0; min-width: 0; } img { width: 100%; border: 1px solid #ccc; display: block; }
figcaption { font-size: 8pt; line-height: 1.35; margin-top: 1mm; }
.timeline { columns: 2; column-gap: 6mm; font-size: 8.5pt; line-height: 1.35; padding: 0; margin: 0; list-style: none; }
.timeline li { break-inside: avoid; margin-bottom: 1mm; } .timeline .week { font-weight: bold; }
.notes { white-space: pre-wrap; background: #f4f4f4; padding: 0.4em 0.6em; font-size: 9pt; }
.source { font-size: 8pt; color: #555; margin-top: 1em; } .legend { font-size: 9pt; }
.chip { display: inline-block; width: 3mm; height: 3mm; margin-right: 1mm; border: 1px solid #795548; vertical-align: -0.3mm; }
"""


def _t(lang: str, ja: str, en: str) -> str:
    return ja if lang == "ja" else en


def key_moments(session: WorkshopSession, limit: int = MAX_PICTURES):
    """The key frames the handout shows, within ``limit`` panel pictures.

    In a story, the end of each chapter run so far (what the room discussed); otherwise, and when
    a story has not reached a chapter's end yet, the first, the last and evenly spaced ones between.
    """
    frames = session.key_frames
    per = max(1, len(session.panels))
    n = max(1, limit // per)
    story = session.story
    if story is not None:
        ends = {c.until_week for c in story.chapters}
        chapter_ends = [f for f in frames if f.week in ends and f.week <= session.week and f.week > 0]
        if chapter_ends:
            return _spread(chapter_ends, n)
    return _spread(list(frames), n)


def _spread(frames: list, n: int) -> list:
    """``n`` of ``frames``: the first, the last and evenly spaced ones between."""
    if len(frames) <= n:
        return list(frames)
    step = (len(frames) - 1) / (n - 1) if n > 1 else 1
    picked = sorted({round(i * step) for i in range(n)})
    return [frames[i] for i in picked]


def render_pngs(session: WorkshopSession, moments) -> list[list[bytes]]:
    """PNG bytes of every panel picture of ``moments`` (one Chromium for all)."""
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    figs, shape = [], []
    width, height = PNG_SIZE
    for m in moments:
        shape.append(len(m.frames))
        towns = [town for _, _, town, _ in m.frames]
        figs += [
            draw(
                frame,
                town,
                session.lang,
                title=title,
                width=width,
                height=height,
                partners=[t for t in towns if t is not town],
            )
            for title, frame, town, _ in m.frames
        ]
    if not figs:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"{i}.png" for i in range(len(figs))]
        pio.write_images(figs, paths, width=width, height=height, scale=PNG_SCALE)
        data = [p.read_bytes() for p in paths]
    out, i = [], 0
    for k in shape:
        out.append(data[i : i + k])
        i += k
    return out


def handout_html(
    session: WorkshopSession, title: str | None = None, max_pictures: int = MAX_PICTURES, facilitator: bool = False
) -> str:
    """The handout of ``session`` as one HTML page with its pictures embedded, laid out for A4.

    Args:
        session: The session to hand out.
        title: Heading (default: the story's title, or a generic one).
        max_pictures: Most panel pictures to embed (key moments × panels).
        facilitator: The facilitator's copy, with the facilitator notes (進行役メモ) and the slides of
            each chapter; the participants' copy (the default) leaves them out.
    """
    lang = session.lang
    esc = html.escape
    story = session.story
    heading = title or (
        story.title(lang)
        if story
        else _t(lang, "研修の記録：地域が発揮する機能", "Workshop record: what a community can do")
    )
    if facilitator:
        heading += _t(lang, "（進行役用）", " (facilitator's copy)")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(heading)}</title><style>{CSS}</style></head><body>',
        f"<h1>{esc(heading)}</h1>",
        f"<p class='meta'>{esc(_t(lang, '作成日', 'Date'))}: {date.today().isoformat()} — "
        f"{esc(_t(lang, '町', 'Town'))}: {esc(session.main.model.town.profile['town']['name_ja'])} — "
        f"{esc(_t(lang, '乱数シード', 'Seed'))}: {session.seed} — {esc(_t(lang, '週', 'Week'))}: {session.week}</p>",
    ]
    if story:
        parts.append(f"<p>{esc(story.summary(lang))}</p>")
    parts.append(_functions(session))
    if story:
        parts.append(_chapters(session, facilitator))
    moments = key_moments(session, max_pictures)
    pngs = render_pngs(session, moments)
    parts.append(f"<h2>{esc(_t(lang, '主な場面', 'Key moments'))}</h2>{_legend(lang)}<div class='moments'>")
    for moment, images in zip(moments, pngs, strict=True):
        parts.append(f'<div class="moment{" single" if len(images) == 1 else ""}">')
        week = _t(lang, f"第{moment.week}週", f"Week {moment.week}")
        parts.append(f"<h3>{esc(week)}：{esc(moment.reason)}</h3><div class='pair'>")
        for (panel_title, _, _, caption), png in zip(moment.frames, images, strict=True):
            b64 = base64.b64encode(png).decode("ascii")
            parts.append(
                f'<figure><img alt="{esc(week)} {esc(panel_title)}" src="data:image/png;base64,{b64}">'
                f"<figcaption><b>{esc(panel_title)}</b> — {esc(caption)}</figcaption></figure>"
            )
        parts.append("</div></div>")
    parts.append("</div>")
    parts.append(_timeline(session))
    parts.append(
        "<p class='source'>"
        + esc(
            _t(
                lang,
                "出典：講義資料「包括的支援体制の意義」（スライド2-4 地域が発揮する可能性のある機能、まとめ）。"
                "シミュレーションは教材であり、実在の町や人を表すものではありません。",
                "Source: the lecture on 包括的支援体制 (slide 2-4 and まとめ). The simulation is teaching material, "
                "not a real town or real people.",
            )
        )
        + "</p></body></html>"
    )
    return "\n".join(parts)


def _legend(lang: str) -> str:
    """The stage colours, once for every picture."""
    chips = "".join(
        f"<span class='chip' style='background:{colour}'></span>{html.escape(name)}　"
        for colour, name in zip(STAGE_COLOURS, vocabulary.labels("stage", lang), strict=True)
    )
    return f"<p class='legend'>{_t(lang, '家の色：', 'House colours: ')}{chips}</p>"


def _functions(session: WorkshopSession) -> str:
    """One line per town: the functions it has, or the ones it lacks."""
    lang, esc = session.lang, html.escape
    out = [f"<h2>{esc(_t(lang, '地域の機能と支援', 'Functions and services'))}</h2><ul class='functions'>"]
    for p in session.panels:
        off = [f.label_ja if lang == "ja" else f.label_en for f in FUNCTIONS if not p.switches[f.key]]
        if off:
            what = _t(lang, "欠けている機能：", "missing: ") + _t(lang, "、", ", ").join(off)
        else:
            what = _t(lang, f"{len(FUNCTIONS)}の機能と支援がすべてある", f"all {len(FUNCTIONS)} functions and services")
        out.append(f"<li><b>{esc(p.short_title(lang))}</b> — {esc(what)}</li>")
    out.append("</ul>")
    return "\n".join(out)


def _chapters(session: WorkshopSession, facilitator: bool) -> str:
    lang, esc, story = session.lang, html.escape, session.story
    assert story is not None
    out = [f"<h2>{esc(_t(lang, '章と問い', 'Chapters and questions'))}</h2>"]
    for i, ch in enumerate(story.chapters):
        reached = i <= session.chapter
        mark = "" if reached else _t(lang, "（未実施）", " (not reached)")
        out.append(
            f"<div class='chapter'><h3>{esc(_t(lang, f'第{i + 1}章', f'Chapter {i + 1}'))} "
            f"{esc(ch.lesson_label(lang))} — {esc(ch.text('title', lang))}{esc(mark)}</h3>"
        )
        out.append(f"<p>{esc(_t(lang, '見るところ', 'What to look at'))}：{esc(ch.text('look', lang))}</p>")
        if facilitator:
            out.append(
                f"<p><b>{esc(_t(lang, '進行役メモ', 'Facilitator notes'))}</b></p>"
                f"<div class='notes'>{esc(ch.text('notes', lang))}</div>"
            )
        out.append("<ol>" + "".join(f"<li>{esc(q)}</li>" for q in ch.text("questions", lang)) + "</ol>")
        if facilitator:
            out.append(f"<p class='meta'>{esc(_t(lang, 'スライド', 'Slides'))}: {esc('、'.join(ch.slides))}</p>")
        out.append("</div>")
    return "\n".join(out)


def _timeline(session: WorkshopSession) -> str:
    """The session's decisive moments, week by week, in two columns (routine weeks are left out, and in a
    story the chapters, which the handout tells above)."""
    lang, esc = session.lang, html.escape
    out = [f"<h2>{esc(_t(lang, '経過', 'Timeline'))}</h2><ul class='timeline'>"]
    for e in session.log:
        if not e.key or (not e.panel and session.story is not None):  # chapters are told above
            continue
        week = _t(lang, f"第{e.week}週", f"Week {e.week}")
        where = f"［{esc(e.panel)}］" if e.panel else ""
        out.append(f"<li><span class='week'>{esc(week)}</span> {where}{esc(e.text)}</li>")
    out.append("</ul>")
    return "\n".join(out)


def write_handout(
    session: WorkshopSession, path: Path, max_pictures: int = MAX_PICTURES, facilitator: bool = False
) -> Path:
    """Write the HTML handout (the facilitator's copy with ``facilitator``) to ``path``; returns it."""
    path.write_text(handout_html(session, max_pictures=max_pictures, facilitator=facilitator), encoding="utf-8")
    return path


def handout_pdf(html_text: str, path: Path) -> Path:
    """Print the handout to PDF with Debian's Chromium through Playwright (optional dependency)."""
    from concurrent.futures import ThreadPoolExecutor

    # Playwright's sync API refuses to start in a thread where an asyncio loop runs (a Solara or
    # Dask callback): a thread of its own has none.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, html_text, path).result()


def _print_pdf(html_text: str, path: Path) -> Path:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("BROWSER_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.set_content(html_text, wait_until="load")
        page.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True)
        browser.close()
    return path
