"""Plotly figures of the outputs (labels in Japanese by default, English on request)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.domain import PROBLEM_STAGE_KEYS
from sim.vocabulary import STAGE_COLOURS, label


def iceberg(weekly: pd.DataFrame, lang: str = "ja") -> go.Figure:
    """The iceberg: households with a problem by stage, known to the municipality (solid) vs all (dashed).

    The gap between the two lines of a stage is the hidden part of the iceberg.
    """
    fig = go.Figure()
    for i, stage in enumerate(PROBLEM_STAGE_KEYS, start=1):
        name = label("stage", stage, lang)
        true_label, known_label = ("実際", "把握") if lang == "ja" else ("true", "known")
        colour = STAGE_COLOURS[i]
        fig.add_scatter(
            x=weekly["week"],
            y=weekly[f"true_{stage}"],
            name=f"{name}（{true_label}）",
            line={"color": colour, "dash": "dash"},
        )
        fig.add_scatter(
            x=weekly["week"], y=weekly[f"known_{stage}"], name=f"{name}（{known_label}）", line={"color": colour}
        )
    title = "生活課題を抱える世帯：実際と行政の把握" if lang == "ja" else "Households with problems: true vs known"
    fig.update_layout(
        title=title,
        xaxis_title="週" if lang == "ja" else "week",
        yaxis_title="世帯数" if lang == "ja" else "households",
        legend_title_text="",
    )
    return fig


def comparison(table: pd.DataFrame, metric: str, lang: str = "ja") -> go.Figure:
    """Difference of ``metric`` from the reference scenario, with 95% intervals (one bar per scenario)."""
    rows = table[(table.household_type == "all") & (table.metric == metric)]
    fig = go.Figure(
        go.Bar(
            x=rows["diff"],
            y=rows["scenario"],
            orientation="h",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows["diff_ci_high"] - rows["diff"],
                "arrayminus": rows["diff"] - rows["diff_ci_low"],
            },
        )
    )
    ref = rows["scenario"].iloc[0] if len(rows) else ""
    title = f"{metric}：{ref}との差（95%区間）" if lang == "ja" else f"{metric}: difference from {ref} (95% CI)"
    fig.update_layout(title=title, yaxis={"autorange": "reversed"})
    return fig
