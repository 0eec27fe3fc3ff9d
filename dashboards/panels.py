"""The input panels of the dashboard: describing the town, and building, loading and saving scenarios.

Components only hold state and lay out controls; the logic is in :mod:`dashboards.town_form` and
:mod:`dashboards.scenario_form`.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from dashboards.i18n import config_error_text, pick, tr
from dashboards.scenario_form import (
    MAX_UPLOAD_BYTES,
    SLIDERS,
    SWITCHES,
    build_scenario,
    lever_ranges,
    lever_values,
    name_problem,
    read_upload,
    scenario_file,
    upload_bytes,
)
from dashboards.town_form import (
    MAX_TOWN_UPLOAD_BYTES,
    as_typed,
    field_values,
    population,
    read_town_upload,
    town_field_groups,
)
from sim.config import Scenario, TownProfile, bundled_names, load_scenario, load_town, town_to_toml
from sim.params import ConfigError

REFERENCE = "baseline"
DEFAULT_TOWN = "neighbourhood"
HELP_STYLE = {"font-size": "0.8rem", "color": "#555", "margin": "-4px 0 12px 0", "line-height": "1.3"}


# ---------------------------------------------------------------- loading (cached per server)


def bundled_scenarios() -> dict[str, Scenario]:
    """Every bundled scenario that loads, by name."""
    return _bundled("scenarios", load_scenario)


def bundled_towns() -> dict[str, TownProfile]:
    """Every bundled town profile that loads, by name."""
    return _bundled("towns", load_town)


def _bundled(kind: str, load) -> dict:
    out = {}
    for name in bundled_names(kind):
        try:
            out[name] = load(name)
        except ConfigError:
            continue
    return out


def scenario_title(scenario: Scenario, lang: str) -> str:
    """A scenario's title in ``lang``."""
    return scenario.title_en if lang == "en" else scenario.title_ja


def town_title(town: TownProfile, lang: str) -> str:
    """A town's display name (the English short name in English)."""
    return town.name if lang == "en" else town.profile["town"].get("name_ja") or town.name


def labels_for(items: dict[str, str]) -> dict[str, str]:
    """Label → name; a label that repeats gets a number, so that every choice stays distinct without
    showing the internal name."""
    seen: dict[str, int] = {}
    out = {}
    for name, label in items.items():
        seen[label] = seen.get(label, 0) + 1
        out[label if seen[label] == 1 else f"{label}（{seen[label]}）"] = name
    return out


def comparison_order(selected: list[str], reference: str = REFERENCE) -> list[str]:
    """The reference scenario first, then the selected ones in their order, without duplicates."""
    return list(dict.fromkeys([reference, *selected]))


def _size(info: dict) -> int:
    """The size an upload event reports (0 when it says nothing usable)."""
    try:
        return max(int(info.get("size") or 0), 0)
    except (TypeError, ValueError):
        return 0


def Help(text: str) -> None:
    """The plain-language explanation shown under a control."""
    solara.Markdown(text, style=HELP_STYLE)


# ---------------------------------------------------------------- town


@solara.component
def TownPanel(
    lang: str,
    towns: dict[str, TownProfile],
    base_name: solara.Reactive[str],
    entries: solara.Reactive[dict],
    town: TownProfile,
    problems: dict[str, str],
    custom_towns: solara.Reactive[dict],
) -> None:
    """Pick a bundled town (or load a saved one) and change its numbers; a wrong value gets a message next to it."""
    base = towns[base_name.value]
    upload_message = solara.use_reactive(("", False))

    def uploaded(info: dict) -> None:
        loaded, problem = read_town_upload(info.get("name", ""), upload_bytes(info), _size(info), lang)
        if loaded is None:
            upload_message.set((problem, False))
            return
        key = f"file:{loaded.name}"
        custom_towns.set({**custom_towns.value, key: loaded})
        base_name.set(key)
        entries.set({})
        upload_message.set((tr("town_loaded", lang, name=town_title(loaded, lang)), True))

    label_of = labels_for({n: town_title(t, lang) for n, t in towns.items()})
    name_of_label = dict(label_of.items())
    current = field_values(base)

    def choose(label: str) -> None:
        base_name.set(name_of_label.get(label, DEFAULT_TOWN))
        entries.set({})

    with solara.Card(tr("town_profile", lang)):
        solara.Select(
            tr("town_profile", lang),
            values=list(label_of),
            value=next(k for k, v in label_of.items() if v == base_name.value),
            on_value=choose,
        )
        ScenarioUpload(label=tr("load_town", lang), max_bytes=MAX_TOWN_UPLOAD_BYTES, event_upload=uploaded)
        text, ok = upload_message.value
        if text:
            (solara.Success if ok else solara.Error)(text)
        people, elderly = population(town.profile)
        status = tr(
            "town_ok",
            lang,
            name=town_title(town, lang),
            households=town.profile["town"]["households"],
            people=round(people),
            ageing=100 * elderly / max(people, 1),
        )
        if problems:
            solara.Error(tr("town_has_problems", lang, name=town_title(base, lang)))
        else:
            solara.Success(status)
    with solara.Card(tr("town_own", lang)):
        Help(tr("town_own_help", lang))
        for group in town_field_groups(base.profile):
            solara.Markdown(f"**{pick(group.title, lang)}**")
            if group.help is not None:
                Help(pick(group.help, lang))
            with solara.ColumnsResponsive(12, large=6):
                for f in group.fields:
                    with solara.Column(gap="0px"):
                        key = f.key

                        def set_entry(text: str, key: str = key, kind: str = f.kind) -> None:
                            # Full-width digits typed with a Japanese input method are shown as read.
                            entries.set({**entries.value, key: text if kind == "text" else as_typed(text)})

                        solara.InputText(
                            pick(f.label, lang),
                            value=str(entries.value.get(key, current[key])),
                            on_value=set_entry,
                            error=problems.get(key, False),
                        )
                        Help(pick(f.help, lang))
        with solara.Row():
            solara.Button(tr("town_reset", lang), on_click=lambda: entries.set({}), outlined=True)
            solara.FileDownload(
                town_to_toml(town).encode("utf-8"),
                filename=f"{town.name}.toml",
                label=tr("town_download", lang),
                mime_type="application/toml",
            )


# ---------------------------------------------------------------- scenarios


@solara.component_vue("upload.vue")
def ScenarioUpload(
    label: str, max_bytes: int, event_upload: Callable[[dict], None], binary: bool = False, accept: str = ""
) -> None:
    """A button that opens a file chooser; files over ``max_bytes`` are not read (only their size is sent).

    Text files arrive as ``text``; with ``binary``, as ``base64``. ``accept`` lists the file types offered.
    """


@solara.component
def ScenarioBuilder(
    lang: str,
    town: TownProfile,
    scenarios: dict[str, Scenario],
    custom: solara.Reactive[list[Scenario]],
    selected: solara.Reactive[list[str]],
) -> None:
    """Switches and sliders on top of a chosen scenario; add it to the comparison or save it as a file."""
    start_name = solara.use_reactive(REFERENCE)
    overrides = solara.use_reactive({})
    name = solara.use_reactive("my_plan")
    title_ja = solara.use_reactive("私の施策案")
    title_en = solara.use_reactive("My plan")
    message = solara.use_reactive("")
    start = scenarios.get(start_name.value, scenarios[REFERENCE])
    shown = solara.use_memo(lambda: lever_values(start, town), dependencies=[start, town])
    ranges = solara.use_memo(lambda: lever_ranges(start, town), dependencies=[start, town])
    values = {**shown, **overrides.value}
    taken = {n for n in scenarios if n not in {s.name for s in custom.value}}
    problem = name_problem(name.value, taken, lang)
    built, build_error = None, None
    try:  # checked even while the name is wrong, so that every problem shows at once
        draft = build_scenario(
            start, town, values, name.value if problem is None else "draft", title_ja.value, title_en.value
        )
        built = draft if problem is None else None
    except ConfigError as e:
        build_error = config_error_text(e, lang)

    start_labels = labels_for({n: scenario_title(s, lang) for n, s in scenarios.items()})

    def choose_start(label: str) -> None:
        start_name.set(start_labels.get(label, REFERENCE))
        overrides.set({})

    def add() -> None:
        if built is None:
            return
        custom.set([*(s for s in custom.value if s.name != built.name), built])
        selected.set([*(n for n in selected.value if n != built.name), built.name])
        message.set(tr("added", lang, title=scenario_title(built, lang)))

    with solara.Card(tr("builder", lang)):
        Help(tr("builder_help", lang))
        solara.Select(
            tr("start_from", lang),
            values=list(start_labels),
            value=next(k for k, v in start_labels.items() if v == start.name),
            on_value=choose_start,
        )
        with solara.Row():
            solara.InputText(tr("scenario_name", lang), value=name, error=problem or False, continuous_update=True)
            solara.InputText(tr("scenario_title_ja", lang), value=title_ja, continuous_update=True)
            solara.InputText(tr("scenario_title_en", lang), value=title_en, continuous_update=True)
        solara.Markdown(f"**{tr('switches', lang)}**")

        def switch_group(group: str) -> None:
            with solara.ColumnsResponsive(12, large=6):
                for lever in (lever for lever in SWITCHES if lever.group == group):
                    with solara.Column(gap="0px"):
                        solara.Switch(
                            label=pick(lever.label, lang),
                            value=bool(values[lever.id]),
                            on_value=lambda v, i=lever.id: overrides.set({**overrides.value, i: v}),
                        )
                        Help(pick(lever.help, lang))

        for group in ("community", "services"):
            solara.Text(tr(f"switches_{group}", lang), style={"font-weight": "600", "margin-top": "6px"})
            switch_group(group)
        with solara.Details(tr("switches_structure", lang)):
            switch_group("structure")
        solara.Markdown(f"**{tr('sliders', lang)}**")
        with solara.ColumnsResponsive(12, large=6):
            for lever in SLIDERS:
                with solara.Column(gap="0px"):
                    setter = lambda v, i=lever.id: overrides.set({**overrides.value, i: v})  # noqa: E731
                    low, high, step = ranges[lever.id]
                    if step >= 1:
                        solara.SliderInt(
                            pick(lever.label, lang),
                            value=round(values[lever.id]),
                            min=int(low),
                            max=int(max(high, values[lever.id])),
                            step=int(step),
                            on_value=setter,
                            thumb_label="always",
                        )
                    else:
                        solara.SliderFloat(
                            pick(lever.label, lang),
                            value=float(values[lever.id]),
                            min=low,
                            max=high,
                            step=step,
                            on_value=setter,
                            thumb_label="always",
                        )
                    Help(pick(lever.help, lang))
        if build_error:
            solara.Error(tr("bad_value", lang, detail=build_error))
        with solara.Row():
            solara.Button(tr("add_to_comparison", lang), color="primary", on_click=add, disabled=built is None)
            if built is not None:
                filename, data = scenario_file(built)
                solara.FileDownload(
                    data, filename=filename, label=tr("save_scenario", lang), mime_type="application/toml"
                )
        if message.value:
            solara.Info(message.value)


@solara.component
def ScenarioPanel(
    lang: str,
    town: TownProfile,
    scenarios: dict[str, Scenario],
    custom: solara.Reactive[list[Scenario]],
    selected: solara.Reactive[list[str]],
) -> None:
    """Load scenario files, list the scenarios built or loaded, and the builder."""
    upload_message = solara.use_reactive(("", False))

    def uploaded(info: dict) -> None:
        scenario, problem = read_upload(info.get("name", ""), upload_bytes(info), _size(info), lang, town)
        if scenario is None:
            upload_message.set((problem, False))
            return
        if scenario.name in scenarios and scenario.name not in {s.name for s in custom.value}:
            scenario.name = f"{scenario.name}_uploaded"
        custom.set([*(s for s in custom.value if s.name != scenario.name), scenario])
        selected.set([*(n for n in selected.value if n != scenario.name), scenario.name])
        upload_message.set((tr("loaded", lang, title=scenario_title(scenario, lang)), True))

    def remove(name: str) -> None:
        custom.set([s for s in custom.value if s.name != name])
        selected.set([n for n in selected.value if n != name])

    with solara.Card(tr("my_scenarios", lang)):
        ScenarioUpload(label=tr("load_scenario", lang), max_bytes=MAX_UPLOAD_BYTES, event_upload=uploaded)
        text, ok = upload_message.value
        if text:
            (solara.Success if ok else solara.Error)(text)
        for s in custom.value:
            with solara.Row(style={"align-items": "center"}):
                solara.Text(scenario_title(s, lang))
                solara.Button(tr("remove", lang), on_click=lambda n=s.name: remove(n), text=True)
    ScenarioBuilder(lang, town, scenarios, custom, selected)
    with solara.Card(tr("bundled_scenarios", lang)):
        Help(tr("bundled_scenarios_help", lang))
        for s in scenarios.values():
            description = s.description_en if lang == "en" else s.description_ja
            with solara.Column(gap="0px", style={"margin-bottom": "8px"}):  # text from files stays text
                solara.Text(scenario_title(s, lang), style={"font-weight": "600"})
                solara.Text(description, style={"font-size": "0.9rem", "color": "#444"})
