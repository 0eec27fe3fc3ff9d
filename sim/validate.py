"""``community-sim validate FILE``: hold the model against published figures.

A targets file (sim/targets.py) names statistics (sim/statistics.py) with a published value and
a tolerance. Validation runs the file's scenario on its town for its replications, as an
experiment (sim/execute.py: in this process, a local pool or a Dask cluster, resumable, with a
progress bar), keeps the tables the statistics read, and computes each statistic on each
replication from those tables, exactly as a researcher would from the Parquet files. A target
is met when the model's mean over replications lies within its tolerance.

The results directory holds ``validation.csv``/``.parquet`` (one row per target),
``validation_runs.csv``/``.parquet`` (one row per target and replication), ``validation.html``
(a page that opens offline) and ``runs/``, the experiment's own results directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.config import TownProfile
from sim.execute import run_experiment, write_atomically
from sim.experiment import EXPERIMENT_PARAMS, RUN_TABLES, Experiment, experiment_size
from sim.intervals import mean_interval
from sim.params import ConfigError
from sim.places import check_output_dir
from sim.safe_text import html_text, plotly_text
from sim.statistics import STATISTICS, RunTables, StatisticUnavailable, compute
from sim.targets import Target, TargetsFile

RUNS_DIR = "runs"
SUMMARY_FILE, RUNS_FILE, PAGE_FILE = "validation", "validation_runs", "validation.html"
OUR_FILES = (PAGE_FILE, *(f"{n}.{ext}" for n in (SUMMARY_FILE, RUNS_FILE) for ext in ("csv", "parquet")))
VALUE_COLUMNS = ["target", "statistic", "replication", "seed", "value", "problem"]


def validation_experiment(
    targets: TargetsFile,
    town: TownProfile | None = None,
    replications: int | None = None,
    workers: int | None = None,
) -> Experiment:
    """The experiment that validation runs: the file's scenario on its town (or ``town``), keeping the
    tables its statistics read. Overrides from the command line are part of its fingerprint."""
    s = targets.settings
    settings = {
        **{k: p.default for k, p in EXPERIMENT_PARAMS.items()},
        **{k: s[k] for k in ("title", "description", "years", "warmup_years", "replications", "seed", "workers")},
    }
    town = town or targets.town
    settings["town"] = town.name
    if replications is not None:
        settings["replications"] = replications
    if workers is not None:
        settings["workers"] = workers
    read = {table for t in targets.targets for table in STATISTICS[t.statistic].reads}
    tables = tuple(name for name in RUN_TABLES if name in read)  # "summaries": an experiment always keeps them
    text = targets.text + f"\n# validate: town {town.name}, replications {settings['replications']}\n"
    size = experiment_size(settings, 1, town, tables, None)
    return Experiment(
        f"validate-{targets.name}", targets.file, text, settings, [targets.scenario], town, tables, size=size
    )


def check_validation_dir(out: Path, fresh: bool) -> Path:
    """``out`` must be new, empty or a validation directory of this project (nothing else is written into)."""
    check_output_dir(out)
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in (*OUR_FILES, RUNS_DIR))
        if foreign:
            shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
            raise ConfigError(
                str(out),
                "--out",
                f"holds files that are not a validation's ({shown}); allowed: a new or empty directory, or the "
                "results directory of an earlier `community-sim validate`"
                + (" (--fresh clears only that)" if fresh else ""),
            )
    return out


def run_validation(
    targets: TargetsFile,
    experiment: Experiment,
    out: Path,
    scheduler: str | None = None,
    progress: bool = False,
    fresh: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the validation and write its tables and page into ``out``; returns (summary, values)."""
    check_validation_dir(out, fresh)
    tables = run_experiment(experiment, out / RUNS_DIR, experiment.settings["workers"], scheduler, progress, fresh)
    values = target_values(targets.targets, tables)
    summary = summarise(targets.targets, values)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in ((SUMMARY_FILE, summary), (RUNS_FILE, values)):
        write_atomically(frame, out / f"{name}.csv", "csv")
        write_atomically(frame, out / f"{name}.parquet", "parquet")
    write_atomically(render_page(targets, experiment, summary), out / PAGE_FILE, "text")
    return summary, values


def target_values(targets: list[Target], tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each target's statistic on each replication (NaN, and the reason, where it cannot be computed)."""
    runs = tables["runs"]
    ok = runs.loc[runs["status"] == "ok", ["replication", "seed"]]
    per_replication = RunTables.of_replications({k: v for k, v in tables.items() if k != "runs"})
    rows = []
    for replication, seed in ok.itertuples(index=False):
        run = per_replication.get(int(replication), RunTables({}))
        for t in targets:
            try:
                value, problem = compute(t.statistic, run, t.filters), ""
            except StatisticUnavailable as e:
                value, problem = float("nan"), str(e)
            rows.append((t.name, t.statistic, int(replication), int(seed), value, problem))
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)


def summarise(targets: list[Target], values: pd.DataFrame) -> pd.DataFrame:
    """One row per target: the published value and tolerance, the model's mean and 95% interval, and
    whether the mean lies within the tolerance."""
    rows = []
    for t in targets:
        mine = values[values["target"] == t.name]
        model = mean_interval(mine["value"].to_numpy(dtype=float))
        mean = float(model.mean) if int(model.n) else float("nan")
        problems = [p for p in mine["problem"] if p]
        rows.append(
            {
                "target": t.name,
                "statistic": t.statistic,
                "filters": t.filters_text(),
                "published": t.value,
                "tolerance_low": t.low,
                "tolerance_high": t.high,
                "tolerance": t.tolerance,
                "model_mean": mean,
                "model_low": float(model.low),
                "model_high": float(model.high),
                "replications": int(model.n),
                "within": t.within(mean),
                "unit": STATISTICS[t.statistic].unit,
                "source": t.source,
                "note": t.note,
                "problem": problems[0] if problems else "",
            }
        )
    return pd.DataFrame(rows)


def format_validation(summary: pd.DataFrame) -> str:
    """The summary as a plain-text table for the terminal."""
    header = f"{'target':34} {'published':>11} {'tolerance':>19} {'model mean [95% CI]':>32}  within"
    lines = [header, "-" * len(header)]
    for r in summary.itertuples(index=False):
        model = (
            f"{_number(r.model_mean)} [{_number(r.model_low)}, {_number(r.model_high)}]"
            if not np.isnan(r.model_mean)
            else "not computed"
        )
        lines.append(
            f"{r.target[:34]:34} {_number(r.published):>11} {r.tolerance:>19} {model:>32}  {'yes' if r.within else 'NO'}"
        )
        if r.problem:
            lines.append(f"    {r.problem}")
    met = int(summary["within"].sum())
    lines.append(f"{met} of {len(summary)} targets within tolerance")
    return "\n".join(lines)


def _number(x: float) -> str:
    if np.isnan(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def validation_figure(summary: pd.DataFrame) -> go.Figure:
    """Each target as a row: its tolerance (a bar), the published value (a diamond), the model's mean and 95%
    interval (a dot with whiskers: green within the tolerance, red outside), scaled by the published value so
    that targets of any unit share an axis."""
    return targets_figure(
        [str(t) for t in summary["target"]],
        summary.rename(columns={"model_mean": "mean", "model_low": "low", "model_high": "high"}),
        "model (95% CI)",
        np.where(summary["within"], "#2a7", "#c33"),
    )


def targets_figure(labels: list[str], rows: pd.DataFrame, model_name: str, colour: Any) -> go.Figure:
    """Targets against a model, one row each, scaled by the published value (1 = the figure).

    ``rows`` holds published, tolerance_low, tolerance_high and the model's mean, low and high; the
    calibration's report adds the ensemble's range to the figure this returns.
    """
    scale = rows["published"].abs().replace(0, 1.0)
    labels = [plotly_text(label) for label in labels]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=(rows["tolerance_high"] - rows["tolerance_low"]) / scale,
            base=rows["tolerance_low"] / scale,
            orientation="h",
            marker_color="rgba(120,160,200,0.35)",
            name="tolerance",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(y=labels, x=rows["published"] / scale, mode="markers", name="published", marker_symbol="diamond")
    )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=rows["mean"] / scale,
            mode="markers",
            name=model_name,
            marker={"color": colour, "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": ((rows["high"] - rows["mean"]) / scale).fillna(0),
                "arrayminus": ((rows["mean"] - rows["low"]) / scale).fillna(0),
            },
        )
    )
    fig.update_layout(
        barmode="overlay",
        xaxis_title="÷ published value (1 = the published figure)",
        yaxis={"autorange": "reversed"},
        height=160 + 36 * len(rows),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
    )
    return fig


def html_table(head: list[str], rows: list[list[Any]], row_class: list[str] | None = None) -> str:
    """An HTML table of text cells (every cell escaped: text from files is shown as text)."""
    classes = row_class or [""] * len(rows)
    body = "".join(
        (f"<tr class='{c}'>" if c else "<tr>") + "".join(f"<td>{html_text(cell)}</td>" for cell in row) + "</tr>"
        for row, c in zip(rows, classes, strict=True)
    )
    return (
        "<table><thead><tr>"
        + "".join(f"<th>{html_text(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{body}</tbody></table>"
    )


def render_page(targets: TargetsFile, experiment: Experiment, summary: pd.DataFrame) -> str:
    """The validation's HTML page (Plotly embedded: it opens offline). Text from the file is escaped."""
    s = experiment.settings
    met = int(summary["within"].sum())
    columns = ["target", "statistic", "filters", "published", "tolerance", "model", "within", "source", "note"]
    rows = []
    for r in summary.itertuples(index=False):
        model = f"{_number(r.model_mean)} [{_number(r.model_low)}, {_number(r.model_high)}]"
        cells = [r.target, r.statistic, r.filters, _number(r.published), r.tolerance, model]
        rows.append([*cells, "yes" if r.within else "NO", r.source, r.note + (f" ({r.problem})" if r.problem else "")])
    table = html_table(columns, rows, ["met" if w else "missed" for w in summary["within"]])
    figure = validation_figure(summary).to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    title = html_text(s["title"])
    what = (
        f"Scenario {targets.scenario.name} on town {experiment.town.name}, {s['years']:g} years after a "
        f"{s['warmup_years']:g}-year warm-up, {s['replications']} replications, seed {s['seed']}. "
        f"{met} of {len(summary)} targets within tolerance (the model's mean over replications inside the "
        "tolerance); the interval is the 95% interval of that mean."
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1><p>{html_text(s['description'])}</p><p>{html_text(what)}</p>"
        f"<p>Targets file: {html_text(targets.file)}</p>"
        f"<section><h2>Model against targets</h2>{figure}</section>"
        f"<section><h2>Targets</h2>{table}</section></body></html>"
    )


_CSS = """
body { font-family: system-ui, 'Noto Sans CJK JP', sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.9rem; } td, th { border: 1px solid #ccc; padding: 4px 6px; overflow-wrap: anywhere; }
th { background: #f2f2f2; } tr.missed td:nth-child(7) { color: #b00; font-weight: bold; }
tr.met td:nth-child(7) { color: #070; }
"""
