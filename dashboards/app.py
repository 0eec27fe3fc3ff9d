"""施策比較ダッシュボード: a planner describes their town, builds or picks policy scenarios and compares them.

Start with ``community-sim dashboard`` (or ``.venv/bin/solara run dashboards/app.py``). This file is
the entry point for ``solara run`` and holds only the page's components; the logic is in plain
functions of :mod:`dashboards.town_form`, :mod:`dashboards.scenario_form` and
:mod:`dashboards.running`, :mod:`dashboards.tables`, :mod:`dashboards.figures` and
:mod:`dashboards.export`, which tests call without a browser.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `solara run dashboards/app.py` runs this file as a script
    sys.path.insert(0, str(ROOT))

import plotly.graph_objects as go  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402

from dashboards import (  # noqa: E402
    export,
    figure_widget,
    figures,
    running,
    tables,
)
from dashboards import pool as warm_pool  # noqa: E402
from dashboards.figure_widget import FigurePlotly, PlotlyPreload  # noqa: E402
from dashboards.i18n import metric_label, tr  # noqa: E402
from dashboards.panels import (  # noqa: E402
    DEFAULT_TOWN,
    REFERENCE,
    Help,
    ScenarioPanel,
    TownPanel,
    bundled_scenarios,
    bundled_towns,
    comparison_order,
    labels_for,
    scenario_title,
)
from dashboards.town_form import apply_fields  # noqa: E402
from sim.compare import HEADLINE_METRICS  # noqa: E402
from sim.config import Scenario, TownProfile  # noqa: E402

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
LANGUAGE_LABELS = {"ja": "日本語", "en": "English"}
RESULTS_TAB, TOWN_VIEW_TAB = 2, 3
TOWN_VIEW_YEARS, TOWN_VIEW_MAX_YEARS = 1, 5

try:  # the town view is built alongside; the page works without it
    from dashboards.town_view import TownView
except Exception:
    TownView = None


# ---------------------------------------------------------------- running


@solara.component
def RunControls(
    lang: str,
    choices: dict[str, str],
    selected: solara.Reactive[list[str]],
    reference_title: str,
    years: solara.Reactive[int],
    replications: solara.Reactive[int],
    seed: solara.Reactive[int],
    busy: bool,
    on_run: Callable[[], None],
) -> None:
    """Which scenarios, how long, how many replications, and the 実行 button."""
    label_of = labels_for(choices)
    name_to_label = {n: label for label, n in label_of.items()}
    sticky = {"position": "sticky", "top": "8px"}  # stays in sight while the results scroll
    with solara.Card(tr("conditions", lang), style=sticky):
        solara.Markdown(tr("reference", lang, title=reference_title))
        solara.SelectMultiple(
            tr("compare_these", lang),
            [name_to_label[n] for n in selected.value if n in name_to_label],
            list(label_of),
            on_value=lambda labels: selected.set([label_of[lb] for lb in labels if lb in label_of]),
        )
        solara.SliderInt(
            tr("years", lang),
            value=years,
            min=running.YEARS_RANGE[0],
            max=running.YEARS_RANGE[1],
            tick_labels="end_points",
            thumb_label="always",
        )
        Help(tr("years_help", lang))
        solara.SliderInt(
            tr("replications", lang),
            value=replications,
            min=running.REPLICATIONS_RANGE[0],
            max=running.REPLICATIONS_RANGE[1],
            tick_labels="end_points",
            thumb_label="always",
        )
        Help(tr("replications_help", lang))
        solara.InputInt(tr("seed", lang), value=seed, continuous_update=True)
        Help(tr("seed_help", lang))
        solara.Button(tr("run", lang), color="primary", on_click=on_run, disabled=busy, block=True)


# ---------------------------------------------------------------- results


@solara.component
def FigureWithExport(fig: go.Figure, stem: str, lang: str) -> None:
    """A figure with PNG and HTML downloads (made only when clicked)."""
    # The same callables across renders: FileDownload forgets a pending download when its data changes.
    png = solara.use_memo(lambda: lambda: export.figure_png(fig), dependencies=[fig])
    page = solara.use_memo(lambda: lambda: export.figure_html(fig), dependencies=[fig])
    FigurePlotly(fig)
    with solara.Row(justify="end"):
        solara.FileDownload(png, filename=f"{stem}.png", label=tr("download_png", lang))
        solara.FileDownload(page, filename=f"{stem}.html", label=tr("download_html", lang))


RESULT_SECTIONS = ("tab_headline", "tab_stages", "tab_channels", "tab_load", "tab_types", "tab_council")


@solara.component
def Results(outcome: running.Outcome, lang: str) -> None:
    """The comparison: exports, then one section at a time (each figure is built only when its tab opens)."""
    request, table = outcome.request, outcome.table
    titles = outcome.title_map(lang)
    section = solara.use_reactive(0)
    deps = [outcome, lang]
    # The same callables across renders: FileDownload forgets a pending download when its data changes.
    summary_data = solara.use_memo(lambda: lambda: export.summary_html(outcome, lang), dependencies=deps)
    csv_data = solara.use_memo(lambda: lambda: export.comparison_csv(table, titles, lang), dependencies=deps)
    weekly_data = solara.use_memo(
        lambda: lambda: export.frame_csv(tables.weekly_records(outcome.results)), dependencies=deps
    )
    council_data = solara.use_memo(
        lambda: lambda: export.frame_csv(tables.council_records(outcome.results)), dependencies=deps
    )
    solara.Markdown(
        tr(
            "results_intro",
            lang,
            town=outcome.town_title,
            years=request.years,
            reps=request.replications,
            seed=request.seed,
        )
        + f"　{tr('finished_in', lang, seconds=outcome.seconds)}"
    )
    with solara.Card(tr("sec_export", lang)), solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(
            summary_data,
            filename=f"summary_{request.town_name}_{request.years}y_{request.replications}r.html",
            label=tr("download_summary", lang),
            mime_type="text/html",
        )
        solara.FileDownload(
            csv_data, filename=export.csv_filename(request), label=tr("download_csv", lang), mime_type="text/csv"
        )
        solara.FileDownload(
            weekly_data,
            filename=export.csv_filename(request, "weekly"),
            label=tr("download_weekly", lang),
            mime_type="text/csv",
        )
        solara.FileDownload(
            council_data,
            filename=export.csv_filename(request, "council"),
            label=tr("download_council", lang),
            mime_type="text/csv",
        )
    sections = (HeadlineSection, StagesSection, ChannelsSection, LoadSection, TypesSection, CouncilSection)
    with solara.lab.Tabs(value=section, lazy=True):  # lazy: only the open section is rendered
        for key, Section in zip(RESULT_SECTIONS, sections, strict=True):
            with solara.lab.Tab(tr(key, lang)):
                Section(outcome, lang)


@solara.component
def HeadlineSection(outcome: running.Outcome, lang: str) -> None:
    """Clear differences in words, the headline table and the difference chart of one metric."""
    table, titles = outcome.table, outcome.title_map(lang)
    metric_by_label = {metric_label(m, lang): m for m in HEADLINE_METRICS}
    metric = solara.use_reactive(HEADLINE_METRICS[0])
    deps = [outcome, lang]
    headline = solara.use_memo(lambda: tables.headline_table(table, titles, lang), dependencies=deps)
    key_findings = solara.use_memo(lambda: tables.findings(table, titles, lang), dependencies=deps)
    diff_fig = solara.use_memo(
        lambda: figures.difference_figure(table, metric.value, titles, lang), dependencies=[*deps, metric.value]
    )
    solara.Markdown(f"## {tr('sec_headline', lang)}")
    solara.Markdown(f"**{tr('findings', lang)}**\n\n" + "\n".join(f"- {line}" for line in key_findings))
    solara.DataFrame(headline, items_per_page=len(headline) or 10)
    solara.Select(
        tr("metric_for_figure", lang),
        values=list(metric_by_label),
        value=metric_label(metric.value, lang),
        on_value=lambda label: metric.set(metric_by_label[label]),
    )
    FigureWithExport(diff_fig, f"difference_{metric.value}", lang)


@solara.component
def StagesSection(outcome: running.Outcome, lang: str) -> None:
    """True and known households with a problem, the stage mix, and one replication's iceberg."""
    titles = outcome.title_map(lang)
    scenario_by_title = labels_for(titles)
    berg_scenario = solara.use_reactive(outcome.scenario_names[0])
    deps = [outcome, lang]
    known_fig = solara.use_memo(lambda: figures.known_vs_true_figure(outcome.results, titles, lang), dependencies=deps)
    stage_fig = solara.use_memo(lambda: figures.stage_mix_figure(outcome.results, titles, lang), dependencies=deps)
    berg_fig = solara.use_memo(
        lambda: figures.iceberg_figure(outcome.results, berg_scenario.value, titles, lang),
        dependencies=[*deps, berg_scenario.value],
    )
    solara.Markdown(f"## {tr('sec_stages', lang)}")
    Help(tr("stages_note", lang))
    FigureWithExport(known_fig, "known_vs_true", lang)
    FigureWithExport(stage_fig, "stage_mix", lang)
    solara.Select(
        tr("iceberg_scenario", lang),
        values=list(scenario_by_title),
        value=next(k for k, v in scenario_by_title.items() if v == berg_scenario.value),
        on_value=lambda label: berg_scenario.set(scenario_by_title[label]),
    )
    FigureWithExport(berg_fig, f"iceberg_{berg_scenario.value}", lang)


@solara.component
def ChannelsSection(outcome: running.Outcome, lang: str) -> None:
    """How cases were found."""
    fig = solara.use_memo(
        lambda: figures.channels_figure(outcome.table, outcome.title_map(lang), lang), dependencies=[outcome, lang]
    )
    solara.Markdown(f"## {tr('sec_channels', lang)}")
    FigureWithExport(fig, "channels", lang)


@solara.component
def LoadSection(outcome: running.Outcome, lang: str) -> None:
    """Waiting lists and staff load over time."""
    fig = solara.use_memo(
        lambda: figures.load_figure(outcome.results, outcome.title_map(lang), lang), dependencies=[outcome, lang]
    )
    solara.Markdown(f"## {tr('sec_load', lang)}")
    FigureWithExport(fig, "waiting_and_staff", lang)


@solara.component
def TypesSection(outcome: running.Outcome, lang: str) -> None:
    """One metric by household type: chart and table."""
    table, titles = outcome.table, outcome.title_map(lang)
    type_metric_by_label = {metric_label(m, lang): m for m in tables.TYPE_METRICS}
    type_metric = solara.use_reactive("complex_share")
    deps = [outcome, lang, type_metric.value]
    type_fig = solara.use_memo(
        lambda: figures.by_type_figure(table, type_metric.value, titles, lang), dependencies=deps
    )
    type_table = solara.use_memo(
        lambda: tables.by_type_table(table, type_metric.value, titles, lang), dependencies=deps
    )
    solara.Markdown(f"## {tr('sec_types', lang)}")
    solara.Select(
        tr("metric_for_types", lang),
        values=list(type_metric_by_label),
        value=metric_label(type_metric.value, lang),
        on_value=lambda label: type_metric.set(type_metric_by_label[label]),
    )
    FigureWithExport(type_fig, f"by_type_{type_metric.value}", lang)
    solara.DataFrame(type_table, items_per_page=len(type_table) or 10)


@solara.component
def CouncilSection(outcome: running.Outcome, lang: str) -> None:
    """What the 自立支援協議会 created in each scenario."""
    council = solara.use_memo(
        lambda: tables.council_table(outcome.results, outcome.title_map(lang), lang), dependencies=[outcome, lang]
    )
    solara.Markdown(f"## {tr('sec_council', lang)}")
    if council.iloc[:, 1].sum() == 0:
        solara.Info(tr("council_none", lang))
    solara.DataFrame(council, items_per_page=len(council) or 10)


@solara.component
def About(lang: str) -> None:
    """What the model can and cannot tell a planner."""
    solara.Markdown(tr("about", lang))
    solara.Markdown(tr("caveat", lang))


# ---------------------------------------------------------------- page


@solara.component
def Page() -> None:
    """The dashboard: describe the town, pick or build scenarios, run, and read the comparison."""
    scenarios_bundled = solara.use_memo(bundled_scenarios, dependencies=[])
    bundled = solara.use_memo(bundled_towns, dependencies=[])
    custom_towns = solara.use_reactive({})
    towns = {**bundled, **custom_towns.value}
    lang = solara.use_reactive("ja")
    base_name = solara.use_reactive(DEFAULT_TOWN if DEFAULT_TOWN in towns else next(iter(towns)))
    entries = solara.use_reactive({})
    custom = solara.use_reactive([])
    selected = solara.use_reactive([n for n in DEFAULT_SCENARIOS if n in scenarios_bundled])
    years = solara.use_reactive(DEFAULT_YEARS)
    replications = solara.use_reactive(DEFAULT_REPLICATIONS)
    seed = solara.use_reactive(DEFAULT_SEED)
    problems_run = solara.use_reactive([])
    requested = solara.use_reactive(None)
    finished_runs = solara.use_reactive(0)
    tab = solara.use_reactive(0)

    def warm_up() -> None:
        """Workers start and import the model, and plotly loads, while the planner fills in the form."""
        warm_pool.warm_up_in_background()
        figure_widget.warm_up_in_background()

    solara.use_effect(warm_up, [])

    base = towns[base_name.value]
    built_town, town_problems = solara.use_memo(
        lambda: apply_fields(base, entries.value, lang.value), dependencies=[base, entries.value, lang.value]
    )
    town = built_town or base
    all_scenarios = {**scenarios_bundled, **{s.name: s for s in custom.value}}
    choices = {n: scenario_title(s, lang.value) for n, s in all_scenarios.items() if n != REFERENCE}

    def compute(request: running.RunRequest, language: str) -> running.Outcome:
        return running.compute_outcome(request, language, on_run=lambda _: finished_runs.set(finished_runs.value + 1))

    task = solara.lab.use_task(compute, dependencies=None, raise_error=False)

    def run() -> None:
        found = running.input_problems(years.value, replications.value, seed.value, lang.value)
        problems_run.set(found)
        if found:
            return
        names = comparison_order([n for n in selected.value if n in all_scenarios])
        request = running.RunRequest(
            town, tuple(all_scenarios[n] for n in names), years.value, replications.value, seed.value
        )
        requested.set(request)
        finished_runs.set(0)  # here, not in the task's thread: the new bar must not show the last run's count
        tab.set(RESULTS_TAB)
        task(request, lang.value)

    solara.Title(tr("page_title", lang.value))
    PlotlyPreload()
    with solara.Row(justify="space-between", style={"align-items": "center"}):
        solara.Markdown(f"# {tr('heading', lang.value)}")
        solara.ToggleButtonsSingle(
            value=LANGUAGE_LABELS[lang.value],
            values=list(LANGUAGE_LABELS.values()),
            on_value=lambda label: lang.set(next(k for k, v in LANGUAGE_LABELS.items() if v == label)),
        )
    with solara.Columns([1, 3]):
        RunControls(
            lang.value,
            choices,
            selected,
            scenario_title(all_scenarios[REFERENCE], lang.value),
            years,
            replications,
            seed,
            task.pending,
            run,
        )
        with solara.Column():
            # Messages live in a column of their own, always present: the tabs below keep their place
            # (and every control its state) when a run starts or ends.
            with solara.Column(gap="4px"):
                for problem in problems_run.value:
                    solara.Error(problem)
                if task.pending:
                    RunProgress(requested.value, finished_runs, lang.value)
            with solara.lab.Tabs(value=tab):
                with solara.lab.Tab(tr("tab_town", lang.value)):
                    TownPanel(lang.value, towns, base_name, entries, town, town_problems, custom_towns)
                with solara.lab.Tab(tr("tab_scenarios", lang.value)):
                    ScenarioPanel(lang.value, town, all_scenarios, custom, selected)
                with solara.lab.Tab(tr("tab_results", lang.value)):
                    ResultsArea(task, lang.value)
                if TownView is not None:
                    with solara.lab.Tab(tr("tab_town_view", lang.value)):
                        if tab.value == TOWN_VIEW_TAB:  # it simulates the town: only once it is opened
                            TownViewTab(lang.value, town, all_scenarios, seed.value)
                with solara.lab.Tab(tr("tab_about", lang.value)):
                    About(lang.value)


@solara.component
def RunProgress(request: running.RunRequest | None, finished: solara.Reactive[int], lang: str) -> None:
    """The progress bar and message of a running comparison.

    It reads ``finished`` itself, so that a finished run redraws only this, not the whole page.
    """
    done = finished.value
    total = request.runs if request else 1
    solara.ProgressLinear(100 * done / max(total, 1))
    solara.Info(
        tr(
            "running",
            lang,
            n=len(request.scenarios) if request else 0,
            r=request.replications if request else 0,
            runs=total,
            done=done,
        )
    )


@solara.component
def TownViewTab(lang: str, town: TownProfile, scenarios: dict[str, Scenario], seed: int) -> None:
    """The town itself under one scenario (``dashboards.town_view.TownView``), for a few years."""
    chosen = solara.use_reactive(REFERENCE)
    years = solara.use_reactive(TOWN_VIEW_YEARS)
    label_of = labels_for({n: scenario_title(s, lang) for n, s in scenarios.items()})
    name = chosen.value if chosen.value in scenarios else REFERENCE
    with solara.Row(style={"align-items": "center", "gap": "24px"}):
        solara.Select(
            tr("town_view_scenario", lang),
            values=list(label_of),
            value=next(k for k, v in label_of.items() if v == name),
            on_value=lambda label: chosen.set(label_of[label]),
        )
        solara.SliderInt(tr("town_view_years", lang), value=years, min=1, max=TOWN_VIEW_MAX_YEARS, thumb_label="always")
    TownView(town, scenarios[name], seed, float(years.value), lang)


@solara.component
def ResultsArea(task, lang: str) -> None:
    """The results tab: a prompt, the last error, or the comparison."""
    if task.error:
        detail = f"{type(task.exception).__name__}: {task.exception}" if task.exception else "?"
        solara.Error(tr("unexpected", lang, detail=detail))
    elif task.finished and task.value is not None:
        if task.value.error:
            solara.Error(task.value.error)
        else:
            Results(task.value, lang)
    elif not task.pending:
        solara.Info(tr("press_run", lang))
