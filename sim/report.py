"""``community-sim report DIR``: one self-contained HTML page from an experiment's results.

It holds what was run (from the manifest), time series with 95% bands, comparison bars with
95% intervals and, for Sobol or Morris sweeps, sensitivity charts. Plotly's JavaScript is
embedded once, so the page opens offline and can be mailed as one file.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
from plotly.subplots import make_subplots

from sim.compare import HEADLINE_METRICS
from sim.display import unit_of
from sim.execute import MANIFEST, REPORT_FILE, ResultStore, write_atomically
from sim.intervals import series_band
from sim.metrics import METRICS_DOC
from sim.params import ConfigError
from sim.places import check_output_file
from sim.safe_text import plotly_text
from sim.vocabulary import scenario_colour

SERIES = (
    ("true_complex", "Households in the complex stage (複雑化・複合化), true number"),
    ("known_share", "Share of households with a problem that the municipality knows of"),
    ("waiting_list", "Households accepted and waiting for a professional"),
)


def load_results(out_dir: str | Path) -> dict[str, Any]:
    """The manifest and tables of a finished results directory, each checked against the manifest.

    Raises:
        ConfigError: the directory is not an experiment's results, its experiment has not
            finished (stopped or still running), or a table is missing, unreadable or holds
            another number of rows than the manifest records; the message says what to do.
    """
    root = Path(out_dir)
    again = f"allowed: run `community-sim experiment FILE --out {root}` again, which finishes or repairs it"
    if not (root / MANIFEST).is_file():
        raise ConfigError(str(root), "", f"no {MANIFEST}: not an experiment's results directory")
    manifest = ResultStore(root).read_manifest() or {}
    if not manifest.get("finished"):
        raise ConfigError(
            str(root / MANIFEST),
            "finished",
            f"the experiment has not finished (it was stopped, or is running); {again}",
        )
    rows = manifest.get("table_rows") or {"runs": manifest.get("runs_total")}
    tables = {}
    for name in ("runs", "points", "comparison", "sensitivity", "weekly"):
        path = root / f"{name}.parquet"
        if not path.exists():
            if rows.get(name) is not None:
                raise ConfigError(str(path), "", f"is missing, and the manifest records {rows[name]} rows; {again}")
            tables[name] = pd.DataFrame()
            continue
        try:
            tables[name] = pd.read_parquet(path)
        except (OSError, ValueError, pa.ArrowException) as e:
            raise ConfigError(str(path), "", f"cannot be read ({type(e).__name__}); {again}") from None
        if rows.get(name) is not None and len(tables[name]) != rows[name]:
            raise ConfigError(
                str(path), "", f"holds {len(tables[name])} rows, and the manifest records {rows[name]}; {again}"
            )
    return {"manifest": manifest, **tables}


def write_report(out_dir: str | Path, path: str | Path | None = None) -> Path:
    """Write the report of ``out_dir`` (default ``out_dir/report.html``); returns its path."""
    target = check_output_file(Path(path) if path else Path(out_dir) / REPORT_FILE)
    results = load_results(out_dir)
    write_atomically(render_report(results), target, "text")
    return target


def render_report(results: dict[str, Any]) -> str:
    """The report's HTML."""
    manifest = results["manifest"]
    scenarios = manifest["scenarios"]
    sections = [_what_was_run(manifest, results["runs"])]
    figures: list[tuple[str, go.Figure]] = []
    if not results["weekly"].empty:
        figures += [("Time series (mean and 95% band over replications)", time_series(results["weekly"], scenarios))]
    if not results["comparison"].empty and len(scenarios) > 1:
        figures += [("Comparison with the reference scenario", comparison_bars(results["comparison"], scenarios))]
        sections.append(_identical_note(results["comparison"], scenarios))
    if not results["comparison"].empty:
        figures += [("Levels by scenario", level_bars(results["comparison"], scenarios))]
    if not results["sensitivity"].empty:
        figures += [("Global sensitivity", sensitivity_chart(results["sensitivity"]))]
    for i, (title, fig) in enumerate(figures):
        body = fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
        sections.append(f"<section><h2>{html.escape(title)}</h2>{body}</section>")
    sections.append(_metric_glossary())
    title = html.escape(manifest.get("title") or manifest["experiment"])
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1><p>{html.escape(manifest.get('description') or '')}</p>"
        + "".join(sections)
        + "</body></html>"
    )


def time_series(weekly: pd.DataFrame, scenarios: list[str]) -> go.Figure:
    """Weekly series per scenario: the mean over replications and a 95% band (t-interval)."""
    weekly = weekly.assign(
        known_share=(weekly[["known_latent", "known_manifest", "known_complex"]].sum(axis=1))
        / weekly[["true_latent", "true_manifest", "true_complex"]].sum(axis=1).replace(0, np.nan)
    )
    if weekly["point"].nunique() > 1:  # a sweep: the series of its first point
        weekly = weekly[weekly["point"] == weekly["point"].min()]
    fig = make_subplots(rows=len(SERIES), cols=1, shared_xaxes=True, subplot_titles=[t for _, t in SERIES])
    for row, (column, _) in enumerate(SERIES, start=1):
        for i, scenario in enumerate(scenarios):
            block = weekly[weekly["scenario"] == scenario]
            if block.empty:
                continue
            bands = series_band(block, column)
            weeks, mean, low, high = (bands[c].to_numpy() for c in ("week", "mean", "low", "high"))
            # Counts and shares cannot go below 0, nor a share above 1: neither does their band.
            low, high = low.clip(min=0.0), (high.clip(max=1.0) if column == "known_share" else high)
            colour = scenario_colour(i)
            fig.add_scatter(
                x=np.concatenate([weeks, weeks[::-1]]),
                y=np.concatenate([high, low[::-1]]),
                fill="toself",
                fillcolor=_transparent(colour),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=scenario,
                row=row,
                col=1,
            )
            fig.add_scatter(
                x=weeks,
                y=mean,
                name=plotly_text(scenario),
                line={"color": colour},
                legendgroup=scenario,
                showlegend=row == 1,
                row=row,
                col=1,
            )
    fig.update_xaxes(title_text="week", row=len(SERIES), col=1)
    fig.update_layout(height=300 * len(SERIES), margin={"t": 40})
    return fig


def comparison_bars(
    table: pd.DataFrame, scenarios: list[str], metrics: tuple[str, ...] = HEADLINE_METRICS
) -> go.Figure:
    """Difference of each headline metric from the reference, with 95% intervals (paired)."""
    titles = [f"{m}: difference from {plotly_text(scenarios[0])}" for m in metrics]
    return _interval_bars(table, scenarios[1:], scenarios, metrics, titles, "diff", "diff_ci_low", "diff_ci_high")


def level_bars(table: pd.DataFrame, scenarios: list[str], metrics: tuple[str, ...] = HEADLINE_METRICS) -> go.Figure:
    """Each headline metric's mean per scenario, with 95% intervals (kept within the metric's range)."""
    shares = table["metric"].map(lambda m: unit_of(m).share)
    table = table.assign(
        ci_low=table["ci_low"].clip(lower=0.0),
        ci_high=table["ci_high"].where(~shares, table["ci_high"].clip(upper=1.0)),
    )
    return _interval_bars(table, scenarios, scenarios, metrics, list(metrics), "mean", "ci_low", "ci_high")


def _interval_bars(
    table: pd.DataFrame,
    shown: list[str],
    scenarios: list[str],
    metrics: tuple[str, ...],
    titles: list[str],
    value: str,
    low: str,
    high: str,
) -> go.Figure:
    """One panel per metric: a horizontal bar per scenario in ``shown`` with its interval."""
    rows = _town_rows(table)
    shown = [s for s in shown if s in set(rows["scenario"])]
    fig = make_subplots(rows=len(metrics), cols=1, subplot_titles=titles)
    for r, metric in enumerate(metrics, start=1):
        block = rows[(rows["metric"] == metric) & rows["scenario"].isin(shown)]
        fig.add_bar(
            x=block[value],
            y=block["scenario"].map(plotly_text),
            orientation="h",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": block[high] - block[value],
                "arrayminus": block[value] - block[low],
            },
            marker_color=[scenario_colour(scenarios.index(s)) for s in block["scenario"]],
            showlegend=False,
            row=r,
            col=1,
        )
        fig.update_yaxes(autorange="reversed", row=r, col=1)
    fig.update_layout(height=max(250, 40 * len(shown) + 120) * len(metrics) // 2 + 200, margin={"t": 40})
    return fig


def _town_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Town-wide rows at the single point, or over the whole design for a sweep."""
    rows = table[table["household_type"] == "all"]
    points = rows["point"].astype(str)
    return rows[points == ("all" if (points == "all").any() else points.iloc[0])]


def sensitivity_chart(table: pd.DataFrame) -> go.Figure:
    """Sobol: S1 and ST with intervals; Morris: μ* with intervals and σ, per parameter and metric."""
    method = table["method"].iloc[0]
    metrics = list(dict.fromkeys(table["metric"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    first = table[table["scenario"] == scenarios[0]]
    pairs = (
        (("S1", "S1_conf"), ("ST", "ST_conf")) if method == "sobol" else (("mu_star", "mu_star_conf"), ("sigma", None))
    )
    # Long parameter names are written at an angle under each panel: leave them room.
    fig = make_subplots(
        rows=len(metrics),
        cols=1,
        subplot_titles=[f"{m} ({plotly_text(scenarios[0])}, {method})" for m in metrics],
        vertical_spacing=min(0.3, 1.2 / len(metrics)) / 2,
    )
    for r, metric in enumerate(metrics, start=1):
        block = first[first["metric"] == metric].pivot_table(
            index="parameter", columns="index", values="value", sort=False
        )
        for i, (index, conf) in enumerate(pairs):
            fig.add_bar(
                x=block.index,
                y=block[index],
                name=index,
                marker_color=scenario_colour(i),
                error_y={"type": "data", "array": block[conf]} if conf else None,
                showlegend=r == 1,
                row=r,
                col=1,
            )
    fig.update_layout(barmode="group", height=480 * len(metrics), margin={"t": 40})
    return fig


def identical_to_reference(table: pd.DataFrame, scenarios: list[str]) -> list[str]:
    """Scenarios whose every town-wide result equals the reference's in every run (zero differences
    with zero-width intervals): their settings are the reference's, as ``siloed``'s are ``baseline``'s."""
    rows = _town_rows(table)
    rows = rows[rows["scenario"].isin(scenarios[1:])]
    zero = rows[["diff", "diff_ci_low", "diff_ci_high"]].fillna(0.0).eq(0.0).all(axis=1)
    return [s for s in scenarios[1:] if s in set(rows["scenario"]) and zero[rows["scenario"] == s].all()]


def _identical_note(table: pd.DataFrame, scenarios: list[str]) -> str:
    same = identical_to_reference(table, scenarios)
    if not same:
        return ""
    names = ", ".join(same)
    return (
        f"<section><p><b>Note.</b> {html.escape(names)}: every result equals {html.escape(scenarios[0])}'s in every run,"
        " so every difference is exactly 0. Such a scenario sets nothing the reference does not already have: "
        "<code>siloed</code> switches off what <code>baseline</code> already leaves off, since the bundled baseline "
        "is already 縦割り (siloed desks, none of 重層的支援体制整備事業).</p></section>"
    )


def _parameters_line(record: dict[str, Any] | None) -> str:
    """Which parameters the runs used, and what the intervals therefore hold."""
    if not record:
        return "the defaults (intervals: the model's chance only)"
    if record["kind"] == "ensemble" and record["sets"] > 1:
        what = (
            f"ensemble of {record['sets']} accepted sets, one drawn per replication for every scenario (column "
            "parameter_set); intervals hold parameter uncertainty as well as chance"
        )
    else:
        what = "best fit (intervals: the model's chance only)"
    return f"{record['title']} — {what}; {record['path']} (sha256 {record['sha256'][:12]}…)"


def _what_was_run(manifest: dict[str, Any], runs: pd.DataFrame) -> str:
    failed = runs[runs["status"] != "ok"] if not runs.empty else runs
    items = {
        "experiment file": manifest["experiment_file"],
        "scenarios (first = reference)": ", ".join(manifest["scenarios"]),
        "town": manifest["town"],
        "years / warm-up years": f"{manifest['settings']['years']:g} / {manifest['settings']['warmup_years']:g}",
        "replications × points × scenarios": (
            f"{manifest['settings']['replications']} × {manifest['points']} × {len(manifest['scenarios'])}"
        ),
        "runs (failed)": f"{len(runs)} ({len(failed)})",
        "base seed": manifest["settings"]["seed"],
        "sweep": json.dumps(manifest["sweep"], ensure_ascii=False) if manifest.get("sweep") else "none",
        "parameter sets": _parameters_line(manifest.get("parameters")),
        "started / finished": f"{manifest['started']} / {manifest.get('finished')}",
        "executor": manifest.get("executor"),
        "package version / git commit": f"{manifest['package_version']} / {manifest['git_commit']}",
        "Python": manifest["python"],
        "libraries": ", ".join(f"{k} {v}" for k, v in manifest["libraries"].items() if v),
    }
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in items.items())
    errors = ""
    if len(failed):
        errors = (
            "<h3>Failed runs</h3><ul>"
            + "".join(
                f"<li>{html.escape(r.scenario)} / point {r.point} / replication {r.replication}: "
                f"<pre>{html.escape(str(r.error))}</pre></li>"
                for r in failed.itertuples()
            )
            + "</ul>"
        )
    source = (
        f"<details><summary>Experiment file</summary><pre>{html.escape(manifest['experiment_text'])}</pre></details>"
    )
    return f"<section><h2>What was run</h2><table>{rows}</table>{errors}{source}</section>"


def _metric_glossary() -> str:
    rows = "".join(
        f"<tr><th>{html.escape(m)}</th><td>{html.escape(METRICS_DOC.get(m, ''))}</td></tr>" for m in HEADLINE_METRICS
    )
    return f"<section><h2>Metrics</h2><table>{rows}</table></section>"


def _transparent(colour: str, alpha: float = 0.2) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #ddd; }
th { white-space: nowrap; vertical-align: top; } pre { white-space: pre-wrap; font-size: 85%; }
section { margin-top: 2em; }
"""
