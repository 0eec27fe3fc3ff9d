"""What the planner takes away: figures as PNG or HTML, tables as CSV, and the one-page council summary."""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboards.figures import difference_figure, known_vs_true_figure
from dashboards.i18n import metric_label, tr
from dashboards.running import Outcome, RunRequest
from dashboards.tables import findings, headline_table


def ensure_browser_path() -> None:
    """Kaleido finds Chromium through BROWSER_PATH; point it at Debian's chromium unless set."""
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")


def figure_png(fig: go.Figure, width: int = 1100, height: int = 520) -> bytes:
    """The figure as a PNG (kaleido drives the local Chromium)."""
    ensure_browser_path()
    return fig.to_image(format="png", width=width, height=height, scale=2)


def figure_html(fig: go.Figure) -> bytes:
    """The figure as a self-contained interactive HTML file (plotly.js inlined, no CDN)."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")


def comparison_csv(table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja") -> bytes:
    """The comparison table as CSV with scenario titles and metric labels (UTF-8 with BOM for Excel)."""
    titles = titles or {}
    out = table.copy()
    out.insert(out.columns.get_loc("scenario") + 1, "scenario_title", out.scenario.map(lambda s: titles.get(s, s)))
    out.insert(out.columns.get_loc("metric") + 1, "metric_label", out.metric.map(lambda m: metric_label(m, lang)))
    return frame_csv(out)


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A table as CSV bytes, UTF-8 with a byte-order mark so that Excel shows Japanese text."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def csv_filename(request: RunRequest, what: str = "comparison") -> str:
    """A download name that records how the table was made, e.g. ``comparison_neighbourhood_10y_5r_seed0.csv``."""
    return f"{what}_{request.town_name}_{request.years}y_{request.replications}r_seed{request.seed}.csv"


SUMMARY_CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 10pt; color: #222; margin: 0 auto;
       max-width: 190mm; }
h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11pt; margin: 10pt 0 4pt; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; } th { background: #eee; }
img { width: 100%; } .note { font-size: 8pt; color: #444; } .meta { color: #444; }
"""


def summary_html(outcome: Outcome, lang: str = "ja", images: bool = True) -> bytes:
    """A one-page, printable summary of a comparison for a council paper (self-contained HTML).

    Args:
        outcome: A finished comparison.
        lang: Language.
        images: Embed the difference and iceberg figures as PNG (needs kaleido and Chromium).

    Returns:
        The HTML file's bytes (UTF-8), with no external resources.
    """
    request, table = outcome.request, outcome.table
    titles = outcome.title_map(lang)
    head = headline_table(table, titles, lang)
    meta = tr(
        "summary_meta", lang, town=outcome.town_title, years=request.years, reps=request.replications, seed=request.seed
    )
    parts = [
        f"<h1>{html.escape(tr('heading', lang))}</h1>",
        f"<p class='meta'>{html.escape(meta)}</p>",
        f"<h2>{html.escape(tr('scenarios_compared', lang))}</h2><ul>",
        *(
            f"<li>{html.escape(t)}{' ' + html.escape(tr('reference_cell', lang)) if i == 0 else ''}</li>"
            for i, t in enumerate(titles.values())
        ),
        "</ul>",
        f"<h2>{html.escape(tr('findings', lang))}</h2><ul>",
        *(f"<li>{html.escape(line)}</li>" for line in findings(table, titles, lang)),
        "</ul>",
        f"<h2>{html.escape(tr('sec_headline', lang))}</h2>",
        head.to_html(index=False, escape=True, border=0),
    ]
    if images:
        try:
            for fig in (
                difference_figure(table, "early_detection_rate", titles, lang),
                known_vs_true_figure(outcome.results, titles, lang),
            ):
                png = base64.b64encode(figure_png(fig, 1000, 380)).decode("ascii")
                parts.append(f"<img alt='' src='data:image/png;base64,{png}'>")
        except Exception as e:  # the summary is still useful without figures
            parts.append(f"<p class='note'>{html.escape(tr('figures_unavailable', lang, detail=str(e)))}</p>")
    parts.append(f"<h2>{html.escape(tr('how_to_read', lang))}</h2>")
    parts.append(f"<p class='note'>{html.escape(tr('caveat', lang))}</p>")
    body = "\n".join(parts)
    page = (
        f"<!DOCTYPE html><html lang='{'en' if lang == 'en' else 'ja'}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(tr('page_title', lang))}</title><style>{SUMMARY_CSS}</style></head><body>{body}</body></html>"
    )
    return page.encode("utf-8")
