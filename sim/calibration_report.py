"""The calibration's offline HTML report: each target against the fit, the fitted parameters' ranges
and pairwise plots, convergence, and which targets were used (sim/calibrate.py writes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.safe_text import html_text, plotly_text
from sim.validate import html_table, targets_figure

if TYPE_CHECKING:
    from sim.calibrate import Calibration


def render_calibration_report(
    cal: Calibration,
    evaluations: pd.DataFrame,
    fit: pd.DataFrame,
    generations: pd.DataFrame,
    ensemble: np.ndarray | None,
    weights: np.ndarray | None,
    best: pd.Series,
) -> str:
    """The report's HTML (Plotly embedded once: it opens offline). Text from the file is escaped."""
    s, t = cal.settings, cal.targets.settings
    figures = [
        ("Targets against the fit", fit_figure(fit)),
        ("Convergence", convergence_figure(evaluations, generations)),
    ]
    if ensemble is not None and len(cal.parameters) > 1:
        figures.append(("Accepted parameter sets, pairwise", pairwise_figure(cal, ensemble)))
    sections = []
    for i, (title, fig) in enumerate(figures):
        body = fig.to_html(full_html=False, include_plotlyjs=i == 0, config={"displaylogo": False})
        sections.append(f"<section><h2>{html_text(title)}</h2>{body}</section>")
    what = (
        f"Scenario {cal.targets.scenario.name} on {', '.join(town.name for town in cal.towns)}; each evaluation "
        f"{s['years']:g} years after a {t['warmup_years']:g}-year warm-up on the same {s['replications']} seeds "
        f"(seed {s['seed']}). {len(evaluations)} evaluations: {s['trials']} by Optuna TPE, the rest by ABC-SMC "
        f"(population {s['population']}, {s['generations']} generations). Best distance {best['distance']:.3g} "
        "(1 = every target at the edge of its tolerance)."
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html_text(t['title'])}: calibration</title><style>{_CSS}</style></head><body>"
        f"<h1>{html_text(t['title'])}: calibration</h1><p>{html_text(t['description'])}</p>"
        f"<p>{html_text(what)}</p><p>File: {html_text(cal.targets.file)}</p>"
        + parameters_table(cal, ensemble, weights, best)
        + "".join(sections)
        + targets_table(fit)
        + "</body></html>"
    )


def parameters_table(cal: Calibration, ensemble: np.ndarray | None, weights: np.ndarray | None, best: pd.Series) -> str:
    """The fitted parameters: prior range, default, best fit, and the ensemble's weighted 5–50–95%."""
    rows = []
    for j, p in enumerate(cal.parameters):
        spread = "–"
        if ensemble is not None and weights is not None:
            q = _weighted_quantiles(ensemble[:, j], weights, (0.05, 0.5, 0.95))
            spread = f"{q[1]:.3g} [{q[0]:.3g}, {q[2]:.3g}]"
        rows.append(
            [p.path, f"{p.low:g} – {p.high:g} ({p.prior})", f"{_default(p.path):.3g}", f"{best[p.path]:.3g}", spread]
        )
    head = ["parameter", "prior", "default", "best fit", "ensemble median [5%, 95%]"]
    return f"<section><h2>Fitted parameters</h2>{html_table(head, rows)}</section>"


def targets_table(fit: pd.DataFrame) -> str:
    """The targets used for fitting, each with the fit and its source."""
    head = ["town", "target", "published", "tolerance", "best fit [95% CI]", "within", "ensemble 5–95%", "source"]
    rows = [
        [
            r.town,
            r.target,
            f"{r.published:.3g}",
            f"{r.tolerance_low:.3g} – {r.tolerance_high:.3g}",
            f"{r.best_mean:.3g} [{r.best_low:.3g}, {r.best_high:.3g}]",
            "yes" if r.within else "NO",
            f"{r.ensemble_p05:.3g} – {r.ensemble_p95:.3g}",
            r.source,
        ]
        for r in fit.itertuples(index=False)
    ]
    return f"<section><h2>Targets used for fitting</h2>{html_table(head, rows)}</section>"


def fit_figure(fit: pd.DataFrame) -> go.Figure:
    """Each target (scaled by its published value): tolerance, the best fit with its 95% interval, and the
    accepted ensemble's 5–95% range of means."""
    rows = fit.rename(columns={"best_mean": "mean", "best_low": "low", "best_high": "high"})
    labels = [f"{r.target} ({r.town})" for r in fit.itertuples(index=False)]
    fig = targets_figure(labels, rows, "best fit (95% CI)", "#222")
    scale = fit["published"].abs().replace(0, 1.0)
    fig.add_trace(
        go.Bar(
            y=[plotly_text(label) for label in labels],
            x=((fit["ensemble_p95"] - fit["ensemble_p05"]) / scale).fillna(0),
            base=fit["ensemble_p05"] / scale,
            orientation="h",
            width=0.25,
            marker_color="rgba(240,150,40,0.7)",
            name="ensemble 5–95%",
        )
    )
    return fig


def convergence_figure(evaluations: pd.DataFrame, generations: pd.DataFrame) -> go.Figure:
    """Each evaluation's distance and the best so far; ABC-SMC's tolerance by generation."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Distance by evaluation", "ABC-SMC tolerance by generation"))
    x = np.arange(1, len(evaluations) + 1)
    phase = evaluations["phase"].str.split(".").str[0]
    for name, colour in (("optuna", "#36c"), ("abc", "#e80")):
        mask = (phase == name).to_numpy()
        fig.add_trace(
            go.Scatter(
                x=x[mask],
                y=evaluations["distance"][mask],
                mode="markers",
                name=name,
                marker={"size": 4, "color": colour},
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(x=x, y=evaluations["distance"].cummin(), mode="lines", name="best so far", line={"color": "#222"}),
        row=1,
        col=1,
    )
    if len(generations):
        fig.add_trace(
            go.Scatter(x=generations["generation"], y=generations["epsilon"], mode="lines+markers", name="tolerance ε"),
            row=1,
            col=2,
        )
    fig.update_yaxes(type="log", title_text="distance", row=1, col=1)
    fig.update_xaxes(title_text="evaluation", row=1, col=1)
    fig.update_xaxes(title_text="generation", row=1, col=2)
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return fig


def pairwise_figure(cal: Calibration, ensemble: np.ndarray) -> go.Figure:
    """A scatter matrix of the accepted sets (the last generation)."""
    names = [".".join(p.path.split(".")[2:]) or p.path for p in cal.parameters]  # KEY[.ENTRY]: the table says whose
    dims = [{"label": plotly_text(n), "values": ensemble[:, j]} for j, n in enumerate(names)]
    fig = go.Figure(go.Splom(dimensions=dims, diagonal_visible=False, showupperhalf=False, marker={"size": 3}))
    fig.update_layout(height=110 * len(names) + 140, margin={"l": 10, "r": 10, "t": 30, "b": 10}, font={"size": 9})
    return fig


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    order = np.argsort(values)
    cum = np.cumsum(weights[order]) / weights.sum()
    at = [min(int(np.searchsorted(cum, q)), len(values) - 1) for q in qs]
    return [float(values[order][i]) for i in at]


def _default(path: str) -> float:
    from sim.sweep import resolve_path

    return float(resolve_path(path, "", "").default)


_CSS = """
body { font-family: system-ui, 'Noto Sans CJK JP', sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.9rem; } td, th { border: 1px solid #ccc; padding: 4px 6px; overflow-wrap: anywhere; }
th { background: #f2f2f2; }
"""
