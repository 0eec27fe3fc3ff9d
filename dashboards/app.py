"""施策比較ダッシュボード: a planner describes their town, builds or picks policy scenarios and compares them.

Start with ``community-sim dashboard`` (or ``.venv/bin/solara run dashboards/app.py``). This file is
the entry point for ``solara run`` and holds only the page's components; the logic is in plain
functions of :mod:`dashboards.town_form`, :mod:`dashboards.scenario_form`,
:mod:`dashboards.running`, :mod:`dashboards.tables`, :mod:`dashboards.figures`,
:mod:`dashboards.export` and :mod:`dashboards.project`, which tests call without a browser.
"""

from __future__ import annotations

import base64
import html
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `solara run dashboards/app.py` runs this file as a script
    sys.path.insert(0, str(ROOT))

import plotly.graph_objects as go  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402
import solara.server.settings  # noqa: E402

from dashboards import (  # noqa: E402
    export,
    figure_widget,
    figures,
    running,
    serving,
    tables,
)
from dashboards import pool as warm_pool  # noqa: E402
from dashboards.figure_widget import FigurePlotly, PlotlyPreload  # noqa: E402
from dashboards.i18n import (  # noqa: E402
    config_error_text,
    interval_sentence,
    metric_label,
    parameters_in_use,
    tr,
)
from dashboards.panels import (  # noqa: E402
    DEFAULT_TOWN,
    REFERENCE,
    Help,
    ScenarioPanel,
    ScenarioUpload,
    TownPanel,
    bundled_scenarios,
    bundled_towns,
    comparison_order,
    labels_for,
    scenario_title,
)
from dashboards.project import MAX_PROJECT_BYTES, Project, project_bytes, project_filename, read_project  # noqa: E402
from dashboards.town_form import apply_fields  # noqa: E402
from sim.compare import HEADLINE_METRICS  # noqa: E402
from sim.config import (  # noqa: E402
    Scenario,
    TownProfile,
    scenario_to_toml,
)
from sim.parameter_sets import ParameterSets  # noqa: E402
from sim.params import ConfigError  # noqa: E402
from sim.progress import Estimate  # noqa: E402
from sim.safe_text import markdown_text, plotly_text  # noqa: E402

# Solara's "This website runs on Solara" badge floats over the page's last buttons: not on this page.
solara.server.settings.theme.show_banner = False

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
CAPTION_STYLE = {"font-size": "12px", "color": "rgba(0, 0, 0, 0.6)", "margin-top": "8px"}  # as a field's label
RESULTS_TAB, TOWN_VIEW_TAB = 2, 3
TOWN_VIEW_YEARS, TOWN_VIEW_MAX_YEARS = 1, 5
GLOSSARY_METRICS = tables.TYPE_METRICS  # every metric the page shows is defined in plain words
PROGRESS_EVERY_SECONDS = 0.3  # the bar redraws at most this often (a week takes a few milliseconds)
# The page's own styles: the tables (pivots, glossary), and the 比較の条件 card that stays in sight.
PAGE_CSS = (
    tables.PIVOT_CSS
    + tables.GLOSSARY_CSS
    + """
.page-columns { align-items: stretch; }
.page-columns { flex-wrap: nowrap !important; }  /* side by side at 1024 px too: the card stays in sight */
.page-columns > .col { height: auto !important; overflow: visible !important; min-width: 0; }  /* sticky can stick */
.table-scroll { overflow-x: auto; }
.conditions-column { height: 100%; }
.conditions-card { position: sticky; top: 8px; z-index: 2; max-height: calc(100vh - 16px); overflow-y: auto; }
/* On a short screen the card scrolls within itself (the parameters switch makes it taller than 720 px):
   its 実行 button sticks to the card's top, in sight while the sliders below are used. */
.conditions-card .run-button { position: sticky; top: 12px; z-index: 3; box-shadow: 0 0 0 8px #fff; }
details.glossary-box > summary { cursor: pointer; font-weight: 600; margin: 8px 0 4px; }
.research-downloads { font-size: 0.85rem; color: #444; align-items: center; }
"""
)

serving.configure()  # origin and host checks, and closed sessions culled within minutes

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
    sets: ParameterSets | None = None,
    sets_problem: ConfigError | None = None,
    uncertainty: solara.Reactive[bool] | None = None,
) -> None:
    """Which scenarios, how long, how many replications, whether to include parameter uncertainty (when
    parameter sets are available), and the 実行 button (stays in sight while scrolling)."""
    label_of = labels_for(choices)
    name_to_label = {n: label for label, n in label_of.items()}
    with solara.Card(tr("conditions", lang), classes=["conditions-card"]):
        # First, so that it stays in sight on a short screen, where the card scrolls within itself.
        solara.Button(
            tr("run", lang), color="primary", on_click=on_run, disabled=busy, block=True, classes=["run-button"]
        )
        solara.Markdown(tr("reference", lang, title=markdown_text(reference_title)))
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
        if sets is not None and uncertainty is not None:
            ensemble = sets.kind == "ensemble" and sets.n > 1
            # A caption over a short switch label: the label fits the card on one line at 1024 px.
            solara.Text(tr("uncertainty_caption", lang), style=CAPTION_STYLE)
            solara.Switch(
                label=tr("uncertainty_switch_ensemble" if ensemble else "uncertainty_switch_best", lang),
                value=uncertainty,
                style={"margin-top": "0"},
            )
            Help(tr("uncertainty_help_ensemble", lang, n=sets.n) if ensemble else tr("uncertainty_help_best", lang))
        elif sets_problem is not None:
            Help(tr("uncertainty_problem", lang, detail=markdown_text(config_error_text(sets_problem, lang))))
        solara.InputInt(tr("seed", lang), value=seed, continuous_update=True)
        Help(tr("seed_help", lang))


# ---------------------------------------------------------------- results


def plot_titles(titles: dict[str, str]) -> dict[str, str]:
    """Scenario titles for figures: Plotly reads tags in labels, and titles come from files."""
    return {name: plotly_text(title) for name, title in titles.items()}


def _html(markup: str) -> None:
    """Markup built by :mod:`dashboards.tables` (every text in it escaped)."""
    solara.HTML(tag="div", unsafe_innerHTML=markup, style="width: 100%")


@solara.component
def FigureWithExport(fig: go.Figure, stem: str, lang: str) -> None:
    """A figure with PNG and HTML downloads (made only when clicked)."""
    # The same callables across renders: FileDownload forgets a pending download when its data changes.
    png = solara.use_memo(lambda: lambda: export.figure_png(fig), dependencies=[fig])
    page = solara.use_memo(lambda: lambda: export.figure_html(fig, lang), dependencies=[fig, lang])
    FigurePlotly(fig, lang)
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
    csv_data = solara.use_memo(lambda: lambda: export.planner_csv(table, titles, lang), dependencies=deps)
    project_data = solara.use_memo(lambda: lambda: _project_file(outcome), dependencies=[outcome])
    tidy_data = solara.use_memo(lambda: lambda: export.comparison_csv(table, titles, lang), dependencies=deps)
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
            town=markdown_text(outcome.town_title),
            years=request.years,
            reps=request.replications,
            seed=request.seed,
        )
        + f"　{tr('finished_in', lang, seconds=outcome.seconds)}"
    )
    # Which parameters ran, in plain words: it changes what the intervals mean.
    solara.Markdown(f"**{tr('parameters_label', lang, what=parameters_in_use(outcome.parameters, lang))}**")
    with solara.Card(tr("sec_export", lang)):
        with solara.Row(style={"flex-wrap": "wrap"}):
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
                project_data,
                filename=project_filename(outcome),
                label=tr("save_project", lang),
                mime_type="application/zip",
            )
        with solara.Row(style={"flex-wrap": "wrap"}, classes=["research-downloads"]):
            solara.Text(tr("research_downloads", lang))
            for data, what, key in (
                (tidy_data, "comparison_tidy", "download_tidy"),
                (weekly_data, "weekly", "download_weekly"),
                (council_data, "council", "download_council"),
            ):
                solara.FileDownload(
                    data,
                    filename=export.csv_filename(request, what),
                    label=tr(key, lang),
                    mime_type="text/csv",
                    children=[solara.Button(tr(key, lang), text=True, icon_name="mdi-cloud-download-outline")],
                )
    sections = (HeadlineSection, StagesSection, ChannelsSection, LoadSection, TypesSection, CouncilSection)
    with solara.lab.Tabs(value=section, lazy=True):  # lazy: only the open section is rendered
        for key, Section in zip(RESULT_SECTIONS, sections, strict=True):
            with solara.lab.Tab(tr(key, lang)):
                Section(outcome, lang)


def _project_file(outcome: running.Outcome) -> bytes:
    r = outcome.request
    town = r.town if isinstance(r.town, TownProfile) else running.resolve(r.town, [])[0]
    _, scenarios = running.resolve(town, list(r.scenarios))
    return project_bytes(outcome, town, scenarios)


@solara.component
def HeadlineSection(outcome: running.Outcome, lang: str) -> None:
    """Clear differences in households, the headline table (scenarios as columns), what the numbers mean,
    and the difference chart of one metric."""
    table, titles = outcome.table, outcome.title_map(lang)
    metric_by_label = {metric_label(m, lang): m for m in HEADLINE_METRICS}
    metric = solara.use_reactive(HEADLINE_METRICS[0])
    deps = [outcome, lang]
    pivot = solara.use_memo(
        lambda: tables.pivot_html(tables.headline_pivot(table, titles, lang), lang), dependencies=deps
    )
    key_findings = solara.use_memo(
        lambda: tables.household_findings(outcome.results, titles, outcome.households, outcome.request.years, lang),
        dependencies=deps,
    )
    glossary = solara.use_memo(lambda: tables.glossary_html(GLOSSARY_METRICS, lang), dependencies=[lang])
    diff_fig = solara.use_memo(
        lambda: figures.difference_figure(table, metric.value, plot_titles(titles), lang),
        dependencies=[*deps, metric.value],
    )
    solara.Markdown(f"## {tr('sec_headline', lang)}")
    solara.Markdown(f"**{tr('findings', lang)}**")
    with solara.Column(gap="2px", style={"margin-bottom": "12px"}):
        for line in key_findings:  # titles come from planners' files: shown as text
            solara.Text(f"・{line}")
    _html(f"<div class='table-scroll'>{pivot}</div>")
    _html(
        f"<details class='glossary-box'><summary>{tr('glossary_title', lang)}</summary>{glossary}"
        f"<p class='pivot-legend'>{html.escape(interval_sentence(outcome.parameters, lang))}</p></details>"
    )
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
    shown = plot_titles(titles)
    known_fig = solara.use_memo(lambda: figures.known_vs_true_figure(outcome.results, shown, lang), dependencies=deps)
    stage_fig = solara.use_memo(lambda: figures.stage_mix_figure(outcome.results, shown, lang), dependencies=deps)
    berg_fig = solara.use_memo(
        lambda: figures.iceberg_figure(outcome.results, berg_scenario.value, shown, lang),
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
        lambda: figures.channels_figure(outcome.table, plot_titles(outcome.title_map(lang)), lang),
        dependencies=[outcome, lang],
    )
    solara.Markdown(f"## {tr('sec_channels', lang)}")
    FigureWithExport(fig, "channels", lang)


@solara.component
def LoadSection(outcome: running.Outcome, lang: str) -> None:
    """Waiting lists and staff load over time."""
    fig = solara.use_memo(
        lambda: figures.load_figure(outcome.results, plot_titles(outcome.title_map(lang)), lang),
        dependencies=[outcome, lang],
    )
    solara.Markdown(f"## {tr('sec_load', lang)}")
    FigureWithExport(fig, "waiting_and_staff", lang)


@solara.component
def TypesSection(outcome: running.Outcome, lang: str) -> None:
    """One metric by household type: chart and table (means and differences over the same runs)."""
    table, titles = outcome.table, outcome.title_map(lang)
    type_metric_by_label = {metric_label(m, lang): m for m in tables.TYPE_METRICS}
    type_metric = solara.use_reactive("complex_share")
    deps = [outcome, lang, type_metric.value]
    type_fig = solara.use_memo(
        lambda: figures.by_type_figure(table, type_metric.value, plot_titles(titles), lang), dependencies=deps
    )
    type_table = solara.use_memo(
        lambda: tables.pivot_html(
            tables.type_pivot(table, type_metric.value, titles, lang, outcome.type_households), lang
        ),
        dependencies=deps,
    )
    solara.Markdown(f"## {tr('sec_types', lang)}")
    solara.Select(
        tr("metric_for_types", lang),
        values=list(type_metric_by_label),
        value=metric_label(type_metric.value, lang),
        on_value=lambda label: type_metric.set(type_metric_by_label[label]),
    )
    FigureWithExport(type_fig, f"by_type_{type_metric.value}", lang)
    _html(f"<div class='table-scroll'>{type_table}</div>")


@solara.component
def CouncilSection(outcome: running.Outcome, lang: str) -> None:
    """What the 自立支援協議会 created in each scenario."""
    council = solara.use_memo(
        lambda: tables.council_table(outcome.results, outcome.title_map(lang), lang), dependencies=[outcome, lang]
    )
    solara.Markdown(f"## {tr('sec_council', lang)}")
    if council.iloc[:, 1].sum() == 0:
        solara.Info(tr("council_none", lang))
    _html(f"<div class='table-scroll'>{tables.table_html(council)}</div>")


@solara.component
def About(lang: str) -> None:
    """What the model can and cannot tell a planner."""
    solara.Markdown(tr("about", lang))
    solara.Markdown(tr("caveat", lang))
    with solara.Card(tr("glossary_title", lang)):
        _html(
            tables.glossary_html(GLOSSARY_METRICS, lang)
            + f"<p class='pivot-legend'>{tr('interval_sentence', lang)}</p>"
        )


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
    # Parameter sets the page offers (running.parameters_file), and whether this comparison runs over them.
    sets, sets_problem = solara.use_memo(running.available_parameters, dependencies=[])
    uncertainty = solara.use_reactive(False)
    problems_run = solara.use_reactive([])
    requested = solara.use_reactive(None)
    finished_runs = solara.use_reactive(0)
    progress = solara.use_reactive((0, 1, time.monotonic()))  # run-weeks done, in all, and when the run began
    opened = solara.use_reactive(None)  # a comparison opened from a project file
    tab = solara.use_reactive(0)

    closed = solara.use_memo(threading.Event, dependencies=[])

    def warm_up() -> Callable[[], None]:
        """Workers start and import the model, and plotly loads, while the planner fills in the form.

        When the page's session closes (the tab closed and the session culled), ``closed`` is set
        and a comparison still running stops (see dashboards/serving.py).
        """
        warm_pool.warm_up_in_background()
        figure_widget.warm_up_in_background()
        return closed.set

    solara.use_effect(warm_up, [])

    base = towns[base_name.value]
    built_town, town_problems = solara.use_memo(
        lambda: apply_fields(base, entries.value, lang.value), dependencies=[base, entries.value, lang.value]
    )
    town = built_town or base
    all_scenarios = {**scenarios_bundled, **{s.name: s for s in custom.value}}
    choices = {n: scenario_title(s, lang.value) for n, s in all_scenarios.items() if n != REFERENCE}

    def compute(request: running.RunRequest, language: str) -> running.Outcome:
        last = [0.0]
        started = progress.value[2]

        def report(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_SECONDS or done >= total:
                last[0] = now
                progress.set((done, total, started))

        return running.compute_outcome(
            request,
            language,
            on_run=lambda _: finished_runs.set(finished_runs.value + 1),
            on_progress=report,
            cancelled=closed,
        )

    task = solara.lab.use_task(compute, dependencies=None, raise_error=False)

    def run() -> None:
        found = running.input_problems(years.value, replications.value, seed.value, lang.value)
        problems_run.set(found)
        if found:
            return
        names = comparison_order([n for n in selected.value if n in all_scenarios])
        request = running.RunRequest(
            town,
            tuple(all_scenarios[n] for n in names),
            years.value,
            replications.value,
            seed.value,
            parameters=sets.file if sets is not None and uncertainty.value else "",
        )
        requested.set(request)
        # Here, not in the task's thread: the new bar must not show the last run's count.
        finished_runs.set(0)
        progress.set((0, 1, time.monotonic()))
        opened.set(None)
        tab.set(RESULTS_TAB)
        task(request, lang.value)

    def open_project(project: Project) -> None:
        """Bring back a saved comparison: its town, scenarios and settings on the page, its results shown."""
        key = f"project:{project.town.name}"
        custom_towns.set({**custom_towns.value, key: project.town})
        base_name.set(key)
        entries.set({})
        mine = [s for s in project.scenarios[1:] if not _same_as_bundled(s, scenarios_bundled)]
        custom.set([*(s for s in custom.value if s.name not in {m.name for m in mine}), *mine])
        selected.set([s.name for s in project.scenarios[1:]])
        years.set(project.years)
        replications.set(project.replications)
        seed.set(project.seed)
        uncertainty.set(bool(project.outcome.parameters) and sets is not None)
        opened.set(project.outcome)
        tab.set(RESULTS_TAB)

    solara.Title(tr("page_title", lang.value))
    solara.Style(PAGE_CSS)
    PlotlyPreload()
    with solara.Row(justify="space-between", style={"align-items": "center"}):
        solara.Markdown(f"# {tr('heading', lang.value)}")
        solara.ToggleButtonsSingle(
            value=LANGUAGE_LABELS[lang.value],
            values=list(LANGUAGE_LABELS.values()),
            on_value=lambda label: lang.set(next(k for k, v in LANGUAGE_LABELS.items() if v == label)),
        )
    with solara.Columns([1, 3], classes=["page-columns"]):
        with solara.Column(classes=["conditions-column"]):
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
                sets,
                sets_problem,
                uncertainty,
            )
        with solara.Column():
            # Messages live in a column of their own, always present: the tabs below keep their place
            # (and every control its state) when a run starts or ends.
            with solara.Column(gap="4px"):
                for problem in problems_run.value:
                    solara.Error(problem)
                if task.pending:
                    RunProgress(requested.value, finished_runs, progress, lang.value)
            with solara.lab.Tabs(value=tab):
                with solara.lab.Tab(tr("tab_town", lang.value)):
                    TownPanel(lang.value, towns, base_name, entries, town, town_problems, custom_towns)
                with solara.lab.Tab(tr("tab_scenarios", lang.value)):
                    ScenarioPanel(lang.value, town, all_scenarios, custom, selected)
                with solara.lab.Tab(tr("tab_results", lang.value)):
                    ProjectOpener(lang.value, open_project)
                    ResultsArea(task, opened.value, lang.value)
                if TownView is not None:
                    with solara.lab.Tab(tr("tab_town_view", lang.value)):
                        if tab.value == TOWN_VIEW_TAB:  # it simulates the town: only once it is opened
                            TownViewTab(lang.value, town, all_scenarios, seed.value)
                with solara.lab.Tab(tr("tab_about", lang.value)):
                    About(lang.value)


def _same_as_bundled(scenario: Scenario, bundled: dict[str, Scenario]) -> bool:
    """Whether a saved scenario is a bundled one as it is today (then the bundled one is chosen)."""
    same = bundled.get(scenario.name)
    return same is not None and scenario_to_toml(same) == scenario_to_toml(scenario)


@solara.component
def ProjectOpener(lang: str, on_open: Callable[[Project], None]) -> None:
    """A button that opens a saved comparison (project file), and what came of it."""
    message = solara.use_reactive(("", False))

    def uploaded(info: dict) -> None:
        name = info.get("name", "project.zip")
        if info.get("base64") is None:
            detail = tr("upload_too_big", lang, size=int(info.get("size") or 0), limit=MAX_PROJECT_BYTES)
            message.set((detail, False))
            return
        try:
            project = read_project(base64.b64decode(info["base64"]), name)
        except (ConfigError, ValueError) as e:
            message.set((tr("project_bad", lang, detail=config_error_text(e, lang)), False))
            return
        on_open(project)
        date = project.outcome.finished.replace("T", " ") or project.saved
        message.set((tr("project_opened", lang, town=project.outcome.town_title, date=date), True))

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        ScenarioUpload(
            label=tr("open_project", lang),
            max_bytes=MAX_PROJECT_BYTES,
            event_upload=uploaded,
            binary=True,
            accept=".zip,application/zip",
        )
        text, ok = message.value
        if text:
            (solara.Success if ok else solara.Error)(text)


@solara.component
def RunProgress(
    request: running.RunRequest | None,
    finished: solara.Reactive[int],
    progress: solara.Reactive[tuple[int, int, float]],
    lang: str,
) -> None:
    """The progress bar, by weeks simulated, with the time left once the warm-up is done.

    It reads the reactives itself, so that progress redraws only this, not the whole page.
    """
    done, total, started = progress.value
    estimate = Estimate(total, started)
    estimate.update(done)
    left = estimate.seconds_left()
    solara.ProgressLinear(100 * estimate.share)
    message = tr(
        "running",
        lang,
        n=len(request.scenarios) if request else 0,
        r=request.replications if request else 0,
        runs=request.runs if request else 0,
        done=finished.value,
    )
    if left is None:
        detail = tr("progress_warmup", lang, years=running.WARMUP_YEARS)
    else:
        detail = tr("progress_left", lang, share=estimate.share, left=_time_left(left, lang))
    solara.Info(f"{message}　{detail}")


def _time_left(seconds: float, lang: str) -> str:
    if seconds < 90:
        return tr("seconds_left", lang, n=max(1, round(seconds / 5) * 5 if seconds > 10 else round(seconds)))
    return tr("minutes_left", lang, n=round(seconds / 60))


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
def ResultsArea(task, opened: running.Outcome | None, lang: str) -> None:
    """The results tab: a prompt, the last error, or the comparison (run here, or opened from a file)."""
    if opened is not None:
        Results(opened, lang)
    elif task.error:
        detail = f"{type(task.exception).__name__}: {task.exception}" if task.exception else "?"
        solara.Error(tr("unexpected", lang, detail=detail))
    elif task.finished and task.value is not None:
        if task.value.error:
            solara.Error(task.value.error)
        else:
            Results(task.value, lang)
    elif not task.pending:
        solara.Info(tr("press_run", lang))
