"""The session's handout: its timeline and pictures of its key moments, as one self-contained HTML file.

Pictures are Plotly figures rendered to PNG by kaleido (one Chromium for all of them) and
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

from sim.workshop.functions import FUNCTIONS
from sim.workshop.picture import draw
from sim.workshop.session import WorkshopSession

MAX_PICTURES = 8  # panel pictures in one handout (each takes about a second to render)
PNG_SIZE = (1200, 640)

CSS = """
body { font-family: 'Noto Sans CJK JP', 'Noto Sans JP', sans-serif; margin: 2em; color: #222; line-height: 1.6; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #888; margin-top: 1.6em; }
table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 0.2em 0.6em; vertical-align: top; }
.moment { page-break-inside: avoid; margin-bottom: 1.5em; } .pair { display: flex; gap: 1em; flex-wrap: wrap; }
.pair figure { margin: 0; flex: 1 1 45%; } img { width: 100%; border: 1px solid #ccc; }
.key { font-weight: bold; } .notes { white-space: pre-wrap; background: #f6f6f6; padding: 0.6em; }
"""


def _t(lang: str, ja: str, en: str) -> str:
    return ja if lang == "ja" else en


def key_moments(session: WorkshopSession, limit: int = MAX_PICTURES):
    """The key frames the handout shows: the first, the last and evenly spaced ones between, within
    ``limit`` panel pictures."""
    frames = session.key_frames
    per = max(1, len(session.panels))
    n = max(1, limit // per)
    if len(frames) <= n:
        return list(frames)
    step = (len(frames) - 1) / (n - 1) if n > 1 else 1
    picked = sorted({round(i * step) for i in range(n)})
    return [frames[i] for i in picked]


def render_pngs(session: WorkshopSession, moments) -> list[list[bytes]]:
    """PNG bytes of every panel picture of ``moments`` (one Chromium for all)."""
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    figs, shape = [], []
    for m in moments:
        shape.append(len(m.frames))
        figs += [draw(frame, layout, session.lang, title=title) for title, frame, layout, _ in m.frames]
    if not figs:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"{i}.png" for i in range(len(figs))]
        pio.write_images(figs, paths, width=PNG_SIZE[0], height=PNG_SIZE[1])
        data = [p.read_bytes() for p in paths]
    out, i = [], 0
    for k in shape:
        out.append(data[i : i + k])
        i += k
    return out


def handout_html(session: WorkshopSession, title: str | None = None, max_pictures: int = MAX_PICTURES) -> str:
    """The handout of ``session`` as one HTML page with its pictures embedded.

    Args:
        session: The session to hand out.
        title: Heading (default: the story's title, or a generic one).
        max_pictures: Most panel pictures to embed (key moments × panels).
    """
    lang = session.lang
    esc = html.escape
    story = session.story
    heading = title or (
        story.title(lang)
        if story
        else _t(lang, "研修の記録：地域が発揮する機能", "Workshop record: what a community can do")
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(heading)}</title><style>{CSS}</style></head><body>',
        f"<h1>{esc(heading)}</h1>",
        f"<p>{esc(_t(lang, '作成日', 'Date'))}: {date.today().isoformat()} — "
        f"{esc(_t(lang, '町', 'Town'))}: {esc(session.main.model.town.profile['town']['name_ja'])} — "
        f"{esc(_t(lang, '乱数シード', 'Seed'))}: {session.seed} — {esc(_t(lang, '週', 'Week'))}: {session.week}</p>",
    ]
    if story:
        parts.append(f"<p>{esc(story.summary(lang))}</p>")
    parts.append(_switch_table(session))
    if story:
        parts.append(_chapters(session))
    moments = key_moments(session, max_pictures)
    pngs = render_pngs(session, moments)
    parts.append(f"<h2>{esc(_t(lang, '主な場面', 'Key moments'))}</h2>")
    for moment, images in zip(moments, pngs, strict=True):
        parts.append('<div class="moment">')
        week = _t(lang, f"第{moment.week}週", f"Week {moment.week}")
        parts.append(f"<h3>{esc(week)}：{esc(moment.reason)}</h3><div class='pair'>")
        for (panel_title, _, _, caption), png in zip(moment.frames, images, strict=True):
            b64 = base64.b64encode(png).decode("ascii")
            parts.append(
                f'<figure><img alt="{esc(week)} {esc(panel_title)}" src="data:image/png;base64,{b64}">'
                f"<figcaption><b>{esc(panel_title)}</b> — {esc(caption)}</figcaption></figure>"
            )
        parts.append("</div></div>")
    parts.append(f"<h2>{esc(_t(lang, '経過', 'Timeline'))}</h2><table>")
    parts.append(
        f"<tr><th>{esc(_t(lang, '週', 'Week'))}</th><th>{esc(_t(lang, '町', 'Town'))}</th>"
        f"<th>{esc(_t(lang, '出来事', 'What happened'))}</th></tr>"
    )
    for e in session.log:
        cls = ' class="key"' if e.key else ""
        parts.append(f"<tr{cls}><td>{e.week}</td><td>{esc(e.panel)}</td><td>{esc(e.text)}</td></tr>")
    parts.append("</table>")
    parts.append(
        "<p><small>"
        + esc(
            _t(
                lang,
                "出典：講義資料「包括的支援体制の意義」（スライド2-4 地域が発揮する可能性のある機能、まとめ）。"
                "シミュレーションは教材であり、実在の町や人を表すものではありません。",
                "Source: the lecture on 包括的支援体制 (slide 2-4 and まとめ). The simulation is teaching material, "
                "not a real town or real people.",
            )
        )
        + "</small></p></body></html>"
    )
    return "\n".join(parts)


def _switch_table(session: WorkshopSession) -> str:
    lang, esc = session.lang, html.escape
    panels = session.panels
    head = "".join(f"<th>{esc(p.short_title(lang))}</th>" for p in panels)
    rows = [f"<h2>{esc(_t(lang, '地域の機能と支援', 'Functions and services'))}</h2><table><tr><th></th>{head}</tr>"]
    for f in FUNCTIONS:
        label = f.label_ja if lang == "ja" else f.label_en
        cells = "".join(f"<td>{'○' if p.switches[f.key] else '×'}</td>" for p in panels)
        rows.append(f"<tr><td>{esc(label)}</td>{cells}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _chapters(session: WorkshopSession) -> str:
    lang, esc, story = session.lang, html.escape, session.story
    out = [f"<h2>{esc(_t(lang, '章と問い', 'Chapters and questions'))}</h2>"]
    for i, ch in enumerate(story.chapters):
        reached = i <= session.chapter
        mark = "" if reached else _t(lang, "（未実施）", " (not reached)")
        out.append(
            f"<h3>{esc(_t(lang, f'第{i + 1}章', f'Chapter {i + 1}'))} {esc(ch.lesson_label(lang))} — "
            f"{esc(ch.text('title', lang))}{esc(mark)}</h3>"
        )
        out.append(f"<p>{esc(_t(lang, '見るところ', 'What to look at'))}: {esc(ch.text('look', lang))}</p>")
        out.append(f"<div class='notes'>{esc(ch.text('notes', lang))}</div><ol>")
        out += [f"<li>{esc(q)}</li>" for q in ch.text("questions", lang)]
        out.append(f"</ol><p><small>{esc(_t(lang, 'スライド', 'Slides'))}: {esc('、'.join(ch.slides))}</small></p>")
    return "\n".join(out)


def write_handout(session: WorkshopSession, path: Path, max_pictures: int = MAX_PICTURES) -> Path:
    """Write the HTML handout to ``path``; returns it."""
    path.write_text(handout_html(session, max_pictures=max_pictures), encoding="utf-8")
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
        page.pdf(path=str(path), format="A4", print_background=True)
        browser.close()
    return path
