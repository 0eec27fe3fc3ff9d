"""What the planner takes away: figures as PNG or HTML, tables as CSV, and the one-page council summary.

Planners' downloads speak Japanese (column names, units); the tidy tables for researchers keep the
model's English column names (docs/experiments.md describes them).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboards.figures import PLOTLY_JA_LOCALE, difference_figure, plotly_config
from dashboards.i18n import interval_sentence, metric_label, parameters_in_use, pick, tr, type_label
from dashboards.running import Outcome, RunRequest
from dashboards.tables import (
    DIFF_UNITS,
    GLOSSARY_CSS,
    PIVOT_CSS,
    TYPE_METRICS,
    _bounded,
    glossary_html,
    headline_pivot,
    household_findings,
    metric_format,
    pivot_html,
)
from sim.compare import HEADLINE_METRICS
from sim.domain import TYPE_KEYS
from sim.safe_text import plotly_text


def ensure_browser_path() -> None:
    """Kaleido finds Chromium through BROWSER_PATH; point it at Debian's chromium unless set."""
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")


def figure_png(fig: go.Figure, width: int = 1100, height: int = 520) -> bytes:
    """The figure as a PNG (kaleido drives the local Chromium)."""
    ensure_browser_path()
    return fig.to_image(format="png", width=width, height=height, scale=2)


def figure_html(fig: go.Figure, lang: str = "ja") -> bytes:
    """The figure as a self-contained interactive HTML file (plotly.js inlined, no CDN), its toolbar in ``lang``."""
    import json

    page = fig.to_html(include_plotlyjs=True, full_html=True, config=plotly_config(lang))
    if lang != "en":  # plotly.js registers locales listed here when it loads
        locale = json.dumps(PLOTLY_JA_LOCALE, ensure_ascii=False)
        page = page.replace("<body>", f"<body><script>window.PlotlyLocales = [{locale}];</script>", 1)
    return page.encode("utf-8")


def comparison_csv(table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja") -> bytes:
    """The comparison table for researchers: the tidy table with its English columns, plus scenario
    titles and metric labels (UTF-8 with BOM for Excel)."""
    titles = titles or {}
    out = table.copy()
    out.insert(out.columns.get_loc("scenario") + 1, "scenario_title", out.scenario.map(lambda s: titles.get(s, s)))
    out.insert(out.columns.get_loc("metric") + 1, "metric_label", out.metric.map(lambda m: metric_label(m, lang)))
    return frame_csv(out)


PLANNER_COLUMNS = {
    "ja": (
        "世帯の類型",
        "指標",
        "シナリオ",
        "平均",
        "平均の95%区間（下限）",
        "平均の95%区間（上限）",
        "基準との差",
        "差の95%区間（下限）",
        "差の95%区間（上限）",
        "単位（差）",
        "値の出た反復の回数",
    ),
    "en": (
        "household type",
        "metric",
        "scenario",
        "mean",
        "mean, 95% interval (low)",
        "mean, 95% interval (high)",
        "difference from reference",
        "difference, 95% interval (low)",
        "difference, 95% interval (high)",
        "unit (difference)",
        "replications with a value",
    ),
}


def planner_csv(table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja") -> bytes:
    """The comparison for a planner: headings in ``lang``, labels instead of identifiers, values in the
    units shown on the page (percent for shares), for the town and every household type."""
    titles = titles or {}
    columns = PLANNER_COLUMNS["en" if lang == "en" else "ja"]
    order = ["all", *TYPE_KEYS]
    rows = []
    for htype in order:
        for metric in TYPE_METRICS:
            block = table[(table.household_type == htype) & (table.metric == metric)]
            scale = metric_format(metric).scale
            for r in block.itertuples():
                low, high = _bounded(metric, r.ci_low, r.ci_high, diff=False)
                dlow, dhigh = _bounded(metric, r.diff_ci_low, r.diff_ci_high, diff=True)
                unit = DIFF_UNITS.get(metric)
                values = [r.mean, low, high, r.diff, dlow, dhigh]
                rows.append(
                    [
                        type_label(htype, lang),
                        metric_label(metric, lang),
                        titles.get(r.scenario, r.scenario),
                        *(round(v * scale, 3) for v in values),
                        pick(unit, lang) if unit else "",
                        int(r.replications),
                    ]
                )
    return frame_csv(pd.DataFrame(rows, columns=list(columns)))


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A table as CSV bytes, UTF-8 with a byte-order mark so that Excel shows Japanese text."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def csv_filename(request: RunRequest, what: str = "comparison") -> str:
    """A download name that records how the table was made, e.g. ``comparison_neighbourhood_10y_5r_seed0.csv``."""
    return f"{what}_{request.town_name}_{request.years}y_{request.replications}r_seed{request.seed}.csv"


SUMMARY_CSS = (
    PIVOT_CSS
    + GLOSSARY_CSS
    + """
@page { size: A4 portrait; margin: 10mm 12mm; }
html, body { margin: 0; padding: 0; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 8pt; line-height: 1.3; color: #222;
       max-width: 186mm; margin: 0 auto; }
h1 { font-size: 12.5pt; margin: 0 0 2pt; } h2 { font-size: 9pt; margin: 5pt 0 2pt; border-bottom: 1px solid #999; }
ul { margin: 2pt 0; padding-left: 1.2em; } li { margin: 0.5pt 0; }
.meta { color: #444; margin: 0 0 2pt; } .note { font-size: 7pt; color: #444; margin: 1pt 0; }
.figures { display: flex; gap: 3mm; } .figures img { width: 50%; min-width: 0; }
table.pivot { font-size: 6.8pt; line-height: 1.2; } table.pivot th, table.pivot td { padding: 1pt 2.5pt; }
table.pivot tbody th { min-width: 8em; } table.pivot thead th { font-size: 6pt; line-height: 1.1; }
dl.glossary { font-size: 6.5pt; line-height: 1.2; margin: 0; columns: 3; column-gap: 4mm; }
dl.glossary dt { margin-top: 1.5pt; } dl.glossary dd { margin: 0 0 0 0.8em; }
p.pivot-legend { font-size: 6.8pt; margin: 1pt 0 2pt; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
"""
)


SUMMARY_FINDINGS = 3  # differences told per scenario on the one page (the table shows them all)


def summary_html(outcome: Outcome, lang: str = "ja", images: bool = True) -> bytes:
    """A printable summary of a comparison for a council paper: one A4 page for up to seven scenarios.

    It holds when and with which model version and settings it was run, which parameters (the defaults,
    a calibration's best fit, or its ensemble: whether the intervals hold parameter uncertainty), the clear differences in
    households of the town, the headline table (scenarios as columns), two difference charts,
    what the metrics and the 95% intervals mean, and the model's limits; no link or file path.

    Args:
        outcome: A finished comparison.
        lang: Language.
        images: Embed the difference charts as PNG (needs kaleido and Chromium).

    Returns:
        The HTML file's bytes (UTF-8), with no external resources.
    """
    request, table = outcome.request, outcome.table
    titles = outcome.title_map(lang)
    e = html.escape
    meta = tr(
        "summary_meta",
        lang,
        date=outcome.finished.replace("T", " ") or "—",
        version=outcome.version or "—",
        town=outcome.town_title,
        households=outcome.households,
        years=request.years,
        reps=request.replications,
        seed=request.seed,
    )
    lines = household_findings(outcome.results, titles, outcome.households, request.years, lang, SUMMARY_FINDINGS)
    parts = [
        f"<h1>{e(tr('heading', lang))}</h1>",
        f"<p class='meta'>{e(meta)}</p>",
        f"<p class='meta'><b>{e(tr('parameters_label', lang, what=parameters_in_use(outcome.parameters, lang)))}</b></p>",
        f"<h2>{e(tr('findings', lang))}</h2><ul>",
        *(f"<li>{e(line)}</li>" for line in lines),
        "</ul>",
        f"<h2>{e(tr('sec_headline', lang))}</h2>",
        pivot_html(headline_pivot(table, titles, lang), lang),
    ]
    if images:
        shown = {name: plotly_text(title) for name, title in titles.items()}  # titles come from files
        try:
            pngs = [
                base64.b64encode(figure_png(_summary_figure(table, m, shown, lang), 700, 280)).decode("ascii")
                for m in ("early_detection_rate", "complex_share")
            ]
            parts.append(
                "<div class='figures'>" + "".join(f"<img alt='' src='data:image/png;base64,{p}'>" for p in pngs)
            )
            parts.append("</div>")
        except Exception as error:  # the summary is still useful without figures
            parts.append(f"<p class='note'>{e(tr('figures_unavailable', lang, detail=str(error)))}</p>")
    parts += [
        f"<h2>{e(tr('glossary_title', lang))}</h2>",
        glossary_html(HEADLINE_METRICS, lang),
        f"<h2>{e(tr('how_to_read', lang))}</h2>",
        f"<p class='note'>{e(interval_sentence(outcome.parameters, lang))} {e(tr('caveat', lang))}</p>",
    ]
    body = "\n".join(parts)
    page = (
        f"<!DOCTYPE html><html lang='{'en' if lang == 'en' else 'ja'}'><head><meta charset='utf-8'>"
        f"<title>{e(tr('page_title', lang))}</title><style>{SUMMARY_CSS}</style></head><body>{body}</body></html>"
    )
    return page.encode("utf-8")


def _summary_figure(table: pd.DataFrame, metric: str, titles: Mapping[str, str], lang: str) -> go.Figure:
    """A difference chart small enough for half a page: short title, no margin to spare."""
    fig = difference_figure(table, metric, titles, lang)
    fig.update_layout(
        title={"text": metric_label(metric, lang), "font": {"size": 20}},
        font={"size": 15},
        margin={"l": 10, "r": 20, "t": 50, "b": 50},
    )
    fig.update_yaxes(automargin=True)
    return fig
