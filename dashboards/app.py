"""施策比較ダッシュボード: compare policy scenarios on one town, for policy planners (Japanese UI).

Start with ``.venv/bin/solara run dashboards/app.py`` (this file is a script for Solara, not a package
module). The computation lives in plain functions
(:func:`run_comparison`, :func:`headline_table`, :func:`comparison_figure`, …) that tests call
without a browser; the Solara components below only hold state and lay out the page.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import solara
import solara.lab

from sim.compare import HEADLINE_METRICS, compare_table
from sim.config import bundled_names, load_scenario, load_town
from sim.figures import comparison, iceberg
from sim.params import ConfigError
from sim.runner import RunResult, prepare, run_many

REFERENCE = "baseline"
DEFAULT_TOWN = "neighbourhood"
YEARS_RANGE = (1, 20)
REPLICATIONS_RANGE = (1, 20)
DEFAULT_YEARS = 10
DEFAULT_REPLICATIONS = 5
DEFAULT_SEED = 0
# Preselected: the community functions, the one-stop desk, outreach and the whole 重層 (the rest on request).
DEFAULT_SCENARIOS = (
    "add_participation_venues",
    "stronger_jichikai",
    "fill_minsei_vacancies",
    "one_stop_desk",
    "outreach_team",
    "jusoteki_full",
)

METRIC_LABELS_JA: dict[str, str] = {
    "early_detection_rate": "早期発見率（潜在段階での把握）",
    "median_weeks_to_detection": "把握までの週数（中央値）",
    "unreached_share": "最後まで把握されなかった割合",
    "complex_share": "複雑化・複合化に至った割合",
    "complex_household_weeks_per_1000": "複雑化世帯・週（1,000世帯あたり）",
    "resolution_rate": "解決率",
    "gave_up_share": "たらい回し後にあきらめた割合",
}

SHARE_METRICS = frozenset(
    {"early_detection_rate", "unreached_share", "complex_share", "resolution_rate", "gave_up_share"}
)

COLUMNS_JA = ("指標", "シナリオ", "平均 [95%区間]", "基準との差 [95%区間]")


@dataclass(frozen=True)
class MetricFormat:
    """How a metric is shown: values times ``scale``, ``decimals`` digits, and units."""

    scale: float
    decimals: int
    unit: str
    diff_unit: str


METRIC_FORMATS: dict[str, MetricFormat] = {
    **{m: MetricFormat(100.0, 1, "%", "ポイント") for m in SHARE_METRICS},
    "median_weeks_to_detection": MetricFormat(1.0, 1, "週", "週"),
    "complex_household_weeks_per_1000": MetricFormat(1.0, 0, "", ""),
}


@dataclass(frozen=True)
class RunRequest:
    """What the planner asked for: one comparison of scenarios on one town."""

    town: str
    scenarios: tuple[str, ...]
    years: int
    replications: int
    seed: int

    @property
    def runs(self) -> int:
        """Number of simulation runs (scenarios × replications)."""
        return len(self.scenarios) * self.replications


@dataclass(eq=False)
class Outcome:
    """The result of a request: the comparison table and runs, or the message of a bad input file."""

    request: RunRequest
    table: pd.DataFrame | None = None
    results: list[RunResult] = field(default_factory=list)
    error: str | None = None


# ---------------------------------------------------------------- inputs


def scenario_titles(names: Sequence[str] | None = None) -> dict[str, str]:
    """Japanese titles of scenarios (bundled ones by default); a file that does not load keeps its name.

    Args:
        names: Scenario names or paths; ``None`` means every bundled scenario.

    Returns:
        Scenario name → ``title_ja``.
    """
    titles = {}
    for name in bundled_names("scenarios") if names is None else names:
        try:
            titles[name] = load_scenario(name).title_ja
        except ConfigError:
            titles[name] = name
    return titles


def town_titles() -> dict[str, str]:
    """Japanese names of the bundled towns (a file that does not load keeps its name).

    Returns:
        Town name → ``name_ja``.
    """
    titles = {}
    for name in bundled_names("towns"):
        try:
            titles[name] = load_town(name).profile["town"].get("name_ja") or name
        except ConfigError:
            titles[name] = name
    return titles


def choice_labels(titles: Mapping[str, str]) -> dict[str, str]:
    """Labels for a selection list: the Japanese title, with the name added where titles repeat.

    Args:
        titles: Name → Japanese title.

    Returns:
        Label → name, in the order of ``titles``.
    """
    counts = Counter(titles.values())
    return {(title if counts[title] == 1 else f"{title}（{name}）"): name for name, title in titles.items()}


def ordered_scenarios(selected: Sequence[str], reference: str = REFERENCE) -> list[str]:
    """The reference scenario first, then the selected ones in their order, without duplicates.

    Args:
        selected: Scenario names picked by the user (may include the reference).
        reference: The scenario every other one is compared with.

    Returns:
        Scenario names, ``reference`` first.
    """
    return list(dict.fromkeys([reference, *selected]))


def input_problems(years: int | None, replications: int | None, seed: int | None) -> list[str]:
    """Problems with the numeric inputs, as Japanese messages (empty when all is well).

    Args:
        years: Years to simulate.
        replications: Replications per scenario.
        seed: Seed of the first replication.

    Returns:
        One message per problem.
    """
    problems = []
    if years is None or not YEARS_RANGE[0] <= years <= YEARS_RANGE[1]:
        problems.append(f"年数は{YEARS_RANGE[0]}〜{YEARS_RANGE[1]}の整数で指定してください。")
    if replications is None or not REPLICATIONS_RANGE[0] <= replications <= REPLICATIONS_RANGE[1]:
        problems.append(f"反復回数は{REPLICATIONS_RANGE[0]}〜{REPLICATIONS_RANGE[1]}の整数で指定してください。")
    if seed is None or seed < 0:
        problems.append("乱数シードは0以上の整数で指定してください。")
    return problems


# ---------------------------------------------------------------- computation


def run_comparison(
    town: str, scenarios: Sequence[str], years: int, replications: int, seed: int
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run every scenario × replication on common random numbers and compare with the first scenario.

    Args:
        town: Bundled town name or path to a town TOML file.
        scenarios: Scenario names or paths; the first one is the reference.
        years: Years to simulate.
        replications: Replications per scenario (replication r uses the same seed in every scenario).
        seed: Seed from which the replications' seeds derive.

    Returns:
        The comparison table of :func:`sim.compare.compare_table` and every run's result.

    Raises:
        ConfigError: An input file is invalid, or a scenario does not fit the town.
        ValueError: ``years``, ``replications`` or ``seed`` is out of range.
    """
    problems = input_problems(years, replications, seed)
    if problems:
        raise ValueError(" ".join(problems))
    names = list(scenarios)
    loaded, town_spec = prepare(names, town)
    results = run_many(loaded, town_spec, years, replications, seed, jobs=1, progress=False)
    return compare_table(results, [s.name for s in loaded]), results


def compute_outcome(request: RunRequest) -> Outcome:
    """Run a request for the page; a bad input file becomes a message instead of an exception.

    Args:
        request: What to run.

    Returns:
        The outcome, with ``error`` set when an input file is invalid.
    """
    try:
        table, results = run_comparison(
            request.town, request.scenarios, request.years, request.replications, request.seed
        )
    except ConfigError as e:
        return Outcome(request, error=f"入力ファイルに問題があります：{e}")
    return Outcome(request, table=table, results=results)


# ---------------------------------------------------------------- presentation


def _number(value: float, fmt: MetricFormat, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{value * fmt.scale:{sign},.{fmt.decimals}f}"


def format_interval(metric: str, value: float, low: float, high: float, diff: bool = False) -> str:
    """A value with its 95% interval in the metric's units, e.g. ``26.6% [20.1, 33.0]``.

    Args:
        metric: Metric name (sets scale, decimals and units).
        value: Mean or difference.
        low: Lower end of the 95% interval (NaN when there is none).
        high: Upper end of the 95% interval.
        diff: Format as a signed difference (percentage points for shares).

    Returns:
        The text; ``—`` when the value is missing.
    """
    fmt = METRIC_FORMATS.get(metric, MetricFormat(1.0, 3, "", ""))
    if value is None or math.isnan(value):
        return "—"
    text = _number(value, fmt, signed=diff) + (fmt.diff_unit if diff else fmt.unit)
    if math.isnan(low) or math.isnan(high):
        return text
    return f"{text} [{_number(low, fmt, signed=diff)}, {_number(high, fmt, signed=diff)}]"


def headline_table(table: pd.DataFrame, titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The town-wide headline metrics per scenario, labelled in Japanese.

    Args:
        table: A comparison table from :func:`sim.compare.compare_table` (first scenario = reference).
        titles: Scenario name → Japanese title; names are shown where a title is missing.

    Returns:
        One row per (metric, scenario) with the columns ``COLUMNS_JA``: metric label, scenario title,
        mean [95% CI] and difference from the reference [95% CI] (``（基準）`` for the reference).
    """
    titles = titles or {}
    town = table[table.household_type == "all"]
    reference = town.scenario.iloc[0] if len(town) else None
    rows = []
    for metric in HEADLINE_METRICS:
        for row in town[town.metric == metric].itertuples():
            rows.append(
                {
                    COLUMNS_JA[0]: METRIC_LABELS_JA[metric],
                    COLUMNS_JA[1]: titles.get(row.scenario, row.scenario),
                    COLUMNS_JA[2]: format_interval(metric, row.mean, row.ci_low, row.ci_high),
                    COLUMNS_JA[3]: "（基準）"
                    if row.scenario == reference
                    else format_interval(metric, row.diff, row.diff_ci_low, row.diff_ci_high, diff=True),
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS_JA))


def comparison_figure(table: pd.DataFrame, metric: str, titles: Mapping[str, str] | None = None) -> go.Figure:
    """:func:`sim.figures.comparison` with Japanese scenario titles, metric label and axis.

    Args:
        table: A comparison table from :func:`sim.compare.compare_table`.
        metric: The metric to show.
        titles: Scenario name → Japanese title.

    Returns:
        Horizontal bars: each scenario's difference from the reference with its 95% interval.
    """
    titles = titles or {}
    fig = comparison(table, metric)
    names = [str(n) for n in fig.data[0].y] if fig.data and fig.data[0].y is not None else []
    fig.update_traces(y=[titles.get(n, n) for n in names])
    reference = titles.get(names[0], names[0]) if names else ""
    share = metric in SHARE_METRICS
    fig.update_layout(
        title=f"{METRIC_LABELS_JA.get(metric, metric)}：{reference}との差（95%区間）",
        xaxis_title="基準との差（%ポイント）" if share else "基準との差",
    )
    if share:
        fig.update_xaxes(tickformat="+.1%")
    return fig


def first_replication_weekly(results: Sequence[RunResult], scenario: str) -> pd.DataFrame:
    """The weekly table of replication 0 of ``scenario``.

    Args:
        results: Runs from :func:`run_comparison`.
        scenario: Scenario name.

    Returns:
        ``RunResult.weekly`` of that run.

    Raises:
        KeyError: No replication 0 of ``scenario`` among ``results``.
    """
    for r in results:
        if r.scenario == scenario and r.replication == 0:
            return r.weekly
    raise KeyError(scenario)


def iceberg_figure(results: Sequence[RunResult], scenario: str, titles: Mapping[str, str] | None = None) -> go.Figure:
    """:func:`sim.figures.iceberg` of replication 0 of ``scenario``, its title naming the scenario.

    Args:
        results: Runs from :func:`run_comparison`.
        scenario: Scenario name.
        titles: Scenario name → Japanese title.

    Returns:
        The iceberg figure: households by stage, true vs known to the municipality.
    """
    fig = iceberg(first_replication_weekly(results, scenario))
    title = (titles or {}).get(scenario, scenario)
    fig.update_layout(title=f"{fig.layout.title.text}（{title}・反復1）")
    return fig


def comparison_csv(table: pd.DataFrame, titles: Mapping[str, str] | None = None) -> bytes:
    """The comparison table as CSV, with Japanese scenario titles and metric labels added.

    Encoded as UTF-8 with a byte-order mark so that Excel shows the Japanese text.

    Args:
        table: A comparison table from :func:`sim.compare.compare_table`.
        titles: Scenario name → Japanese title.

    Returns:
        The CSV file's bytes.
    """
    titles = titles or {}
    out = table.copy()
    out.insert(out.columns.get_loc("scenario") + 1, "scenario_title_ja", out.scenario.map(lambda s: titles.get(s, s)))
    out.insert(out.columns.get_loc("metric") + 1, "metric_label_ja", out.metric.map(METRIC_LABELS_JA).fillna(""))
    return out.to_csv(index=False).encode("utf-8-sig")


def csv_filename(request: RunRequest) -> str:
    """A download name that records how the table was made.

    Args:
        request: The request behind the table.

    Returns:
        e.g. ``comparison_neighbourhood_10y_5r_seed0.csv``.
    """
    return f"comparison_{request.town}_{request.years}y_{request.replications}r_seed{request.seed}.csv"


def unexpected_error_message(exc: BaseException | None) -> str:
    """The message shown when a run fails for a reason other than a bad input file.

    Args:
        exc: The exception raised by the run.

    Returns:
        A short Japanese message with the exception's type and text (no traceback).
    """
    detail = f"{type(exc).__name__}: {exc}" if exc is not None else "不明なエラー"
    return f"計算中にエラーが起きました（{detail}）。条件を変えて再度お試しください。"


def running_message(request: RunRequest | None) -> str:
    """The text shown while a comparison runs.

    Args:
        request: The running request, if known.

    Returns:
        e.g. ``計算中…（3シナリオ × 5回 = 15回のシミュレーション）``.
    """
    if request is None:
        return "計算中…"
    n = len(request.scenarios)
    return f"計算中…（{n}シナリオ × {request.replications}回 = {request.runs}回のシミュレーション）"


# ---------------------------------------------------------------- components


@solara.component
def Controls(
    town_label: solara.Reactive[str],
    town_labels: list[str],
    scenario_labels: solara.Reactive[list[str]],
    all_scenario_labels: list[str],
    reference_title: str,
    years: solara.Reactive[int],
    replications: solara.Reactive[int],
    seed: solara.Reactive[int],
    running: bool,
    on_run: Callable[[], None],
) -> None:
    """The inputs and the 実行 button.

    Args:
        town_label: The chosen town's label.
        town_labels: Every town's label.
        scenario_labels: The chosen scenarios' labels (the reference is not among the choices).
        all_scenario_labels: Every scenario's label but the reference's.
        reference_title: The reference scenario's title.
        years: Years to simulate.
        replications: Replications per scenario.
        seed: Seed of the comparison.
        running: Whether a comparison is running (the button is then disabled).
        on_run: Called when the button is pressed.
    """
    with solara.Card("条件"):
        solara.Select("町", values=town_labels, value=town_label)
        solara.Markdown(f"基準シナリオ（常に比較の先頭）：**{reference_title}**")
        solara.SelectMultiple("比較するシナリオ", scenario_labels, all_scenario_labels)
        solara.SliderInt("年数", value=years, min=YEARS_RANGE[0], max=YEARS_RANGE[1], tick_labels="end_points")
        solara.SliderInt(
            "反復回数",
            value=replications,
            min=REPLICATIONS_RANGE[0],
            max=REPLICATIONS_RANGE[1],
            tick_labels="end_points",
        )
        solara.InputInt("乱数シード", value=seed, continuous_update=True)
        solara.Button("実行", color="primary", on_click=on_run, disabled=running)


@solara.component
def Results(outcome: Outcome, titles: dict[str, str], town_title: str) -> None:
    """Table, figures and download of one finished comparison.

    Args:
        outcome: A successful outcome (``table`` set).
        titles: Scenario name → Japanese title.
        town_title: The town's Japanese name.
    """
    request, table = outcome.request, outcome.table
    metric_by_label = {METRIC_LABELS_JA[m]: m for m in HEADLINE_METRICS}
    scenario_by_title = choice_labels({s: titles.get(s, s) for s in request.scenarios})
    metric_label = solara.use_reactive(next(iter(metric_by_label)))
    iceberg_title = solara.use_reactive(next(iter(scenario_by_title)))
    metric = metric_by_label.get(metric_label.value, HEADLINE_METRICS[0])
    scenario = scenario_by_title.get(iceberg_title.value, request.scenarios[0])
    headline = solara.use_memo(lambda: headline_table(table, titles), dependencies=[outcome])
    csv = solara.use_memo(lambda: comparison_csv(table, titles), dependencies=[outcome])
    bars = solara.use_memo(lambda: comparison_figure(table, metric, titles), dependencies=[outcome, metric])
    berg = solara.use_memo(lambda: iceberg_figure(outcome.results, scenario, titles), dependencies=[outcome, scenario])

    solara.Markdown(
        f"**{town_title}**・{request.years}年・反復{request.replications}回・"
        f"乱数シード{request.seed}。平均と95%区間。基準との差は同じ乱数（同じ世帯・同じ偶然）どうしで対にして計算しています。"
    )
    solara.DataFrame(headline, items_per_page=len(headline) or 10)
    solara.FileDownload(csv, filename=csv_filename(request), label="比較表をCSVでダウンロード", mime_type="text/csv")
    solara.Select("図に示す指標", values=list(metric_by_label), value=metric_label)
    solara.FigurePlotly(bars)
    solara.Select("氷山図のシナリオ", values=list(scenario_by_title), value=iceberg_title)
    solara.FigurePlotly(berg)


@solara.component
def Page() -> None:
    """The dashboard: choose town, scenarios, years, replications and seed; run; read the comparison."""
    titles = solara.use_memo(scenario_titles, dependencies=[])
    towns = solara.use_memo(town_titles, dependencies=[])
    town_by_label = choice_labels(towns)
    scenario_by_label = choice_labels({s: t for s, t in titles.items() if s != REFERENCE})
    label_of_town = {name: label for label, name in town_by_label.items()}
    town_label = solara.use_reactive(label_of_town.get(DEFAULT_TOWN, next(iter(town_by_label), "")))
    scenario_labels = solara.use_reactive(
        [label for label, name in scenario_by_label.items() if name in DEFAULT_SCENARIOS]
    )
    years = solara.use_reactive(DEFAULT_YEARS)
    replications = solara.use_reactive(DEFAULT_REPLICATIONS)
    seed = solara.use_reactive(DEFAULT_SEED)
    problems = solara.use_reactive([])
    requested = solara.use_reactive(None)
    task = solara.lab.use_task(compute_outcome, dependencies=None, raise_error=False)

    def run() -> None:
        found = input_problems(years.value, replications.value, seed.value)
        problems.set(found)
        if found:
            return
        chosen = [scenario_by_label[label] for label in scenario_labels.value if label in scenario_by_label]
        request = RunRequest(
            town_by_label.get(town_label.value, DEFAULT_TOWN),
            tuple(ordered_scenarios(chosen)),
            years.value,
            replications.value,
            seed.value,
        )
        requested.set(request)
        task(request)

    solara.Title("施策比較ダッシュボード")
    solara.Markdown("# 施策比較 — 地域共生社会・包括的支援体制のシミュレーション")
    with solara.Columns([1, 3]):
        Controls(
            town_label,
            list(town_by_label),
            scenario_labels,
            list(scenario_by_label),
            titles.get(REFERENCE, REFERENCE),
            years,
            replications,
            seed,
            task.pending,
            run,
        )
        with solara.Column():
            for problem in problems.value:
                solara.Error(problem)
            if task.pending:
                solara.ProgressLinear(True)
                solara.Info(running_message(requested.value))
            elif task.error:
                solara.Error(unexpected_error_message(task.exception))
            elif task.finished and task.value is not None:
                if task.value.error:
                    solara.Error(task.value.error)
                else:
                    Results(task.value, titles, towns.get(task.value.request.town, task.value.request.town))
            else:
                solara.Info("条件を選んで「実行」を押してください。")
