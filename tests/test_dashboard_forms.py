"""The logic behind the dashboard's town form and scenario builder (no browser, no page)."""

from __future__ import annotations

import pytest

from dashboards.i18n import LANGS, TEXTS, tr
from dashboards.scenario_form import (
    LEVERS,
    MAX_UPLOAD_BYTES,
    SLIDERS,
    SWITCHES,
    build_scenario,
    lever_values,
    name_problem,
    read_upload,
    scenario_file,
)
from dashboards.town_form import (
    BASE_FIELDS,
    CENSUS_FIELDS,
    apply_fields,
    field_values,
    population,
    town_fields,
)
from sim.cli import main as cli_main
from sim.config import load_scenario, load_scenario_text, load_town, load_town_text, scenario_to_toml, town_to_toml
from sim.mechanisms import MECHANISM_BY_NAME
from sim.params import ConfigError


@pytest.fixture(scope="module")
def town():
    return load_town("neighbourhood")


# ---------------------------------------------------------------- texts


def test_every_text_has_japanese_and_english():
    for key, (ja, en) in TEXTS.items():
        assert ja.strip() and en.strip(), key
    assert tr("run", "ja") == "実行"
    assert tr("run", "en") == "Run"
    assert LANGS == ("ja", "en")


def test_every_control_has_a_plain_explanation_in_both_languages(town):
    for f in town_fields(town.profile):
        assert all(part.strip() for part in (*f.label, *f.help)), f.key
    for lever in LEVERS:
        assert all(part.strip() for part in (*lever.label, *lever.help)), lever.id


# ---------------------------------------------------------------- town form


def test_unchanged_fields_give_back_the_bundled_town_exactly(town):
    for name in ("neighbourhood", "city"):
        base = load_town(name)
        built, problems = apply_fields(base, {})
        assert problems == {}
        assert built.profile == base.profile


def test_field_values_read_counts_a_planner_knows(town):
    values = field_values(town)
    assert values["households"] == 3000
    assert values["minsei_posts"] == round(3000 / 266)
    assert values["minsei_vacancies"] == round(values["minsei_posts"] * 0.083)
    assert values["membership_rate"] == pytest.approx(71.7)
    assert set(values) == {f.key for f in town_fields(town.profile)}


def test_own_numbers_become_the_models_rates(town):
    built, problems = apply_fields(
        town,
        {
            "households": "4000",
            "minsei_posts": "20",
            "minsei_vacancies": "5",
            "membership_rate": "50",
            "jichikai_areas": "10",
        },
    )
    assert problems == {}
    p = built.profile
    assert p["town"]["households"] == 4000
    assert p["minsei"]["households_per_district"] == 200
    assert p["minsei"]["vacancy_rate"] == pytest.approx(0.25)
    assert p["jichikai"]["membership_rate"] == pytest.approx(0.5)
    assert p["jichikai"]["households_per_area"] == 400
    again = field_values(built)
    assert (again["minsei_posts"], again["minsei_vacancies"], again["jichikai_areas"]) == (20, 5, 10)


def test_staff_and_venue_counts_round_trip(town):
    built, problems = apply_fields(town, {"staff_houkatsu": "3", "kayoi_count": "12", "ibasho_count": "4"})
    assert problems == {}
    values = field_values(built)
    assert values["staff_houkatsu"] == pytest.approx(3, abs=0.05)
    assert values["kayoi_count"] == 12
    assert values["ibasho_count"] == 4


def test_field_values_show_the_census_as_the_towns_counts(town):
    values = field_values(town)
    assert values["family_single"] == 1140 and values["elderly_alone"] == 363  # 38.0% and 12.1% of 3,000
    people = values["age_0_14"] + values["age_15_64"] + values["age_65_plus"]
    assert values["age_65_plus"] / people == pytest.approx(0.286, abs=0.002)
    assert people == pytest.approx(population(town.profile)[0], abs=2)


ESTAT_COUNTS = {  # a municipality's figures as e-Stat gives them (made up for the test)
    "households": "5000",
    "age_0_14": "1500",
    "age_15_64": "6500",
    "age_65_plus": "3000",
    "family_single": "1800",
    "family_couple": "1000",
    "family_couple_with_children": "1300",
    "family_single_parent": "500",
    "family_three_generation": "250",
    "family_other": "150",
    "elderly_alone": "700",
}


def test_e_stat_counts_become_the_towns_census_and_the_town_matches_them(town):
    from sim.population import census_figures
    from sim.town import build_town

    built, problems = apply_fields(town, ESTAT_COUNTS)
    assert problems == {}
    census = built.profile["census"]
    assert census["unit"] == "count" and census["age"] == {"0-14": 1500, "15-64": 6500, "65+": 3000}
    assert census["family_types"]["single"] == 1800 and census["elderly_alone"] == 700
    figures = census_figures(build_town(built.profile, 1))
    assert figures["share_65_plus"] == pytest.approx(3000 / 11000, abs=0.01)
    assert figures["one_person"] == pytest.approx(0.36, abs=0.001)
    assert figures["elderly_alone"] == pytest.approx(0.14, abs=0.001)
    again = field_values(built)
    assert all(again[k] == int(v) for k, v in ESTAT_COUNTS.items())


def test_the_saved_town_file_holds_the_census_counts(town):
    built, _ = apply_fields(town, ESTAT_COUNTS)
    loaded = load_town_text(town_to_toml(built), "my_town.toml")
    assert loaded.profile == built.profile
    assert 'unit = "count"' in town_to_toml(built) and "elderly_alone = 700" in town_to_toml(built)


def test_population_grows_with_households(town):
    people, _elderly = population(town.profile)
    assert 2.0 < people / 3000 < 3.0
    built, _ = apply_fields(town, {"households": "6000"})
    assert population(built.profile)[0] == pytest.approx(2 * people)


@pytest.mark.parametrize(
    ("entries", "field", "fragment"),
    [
        ({"households": "abc"}, "households", "整数"),
        ({"households": "10"}, "households", "50"),
        ({"minsei_vacancies": "99"}, "minsei_vacancies", "定数以下"),
        ({"minsei_posts": "1000"}, "minsei_posts", "範囲"),
        ({"membership_rate": "140"}, "membership_rate", "100"),
        ({"elderly_alone": "2000"}, "elderly_alone", "単独世帯の数以下"),
        ({"age_0_14": "9000", "age_65_plus": "10"}, "age_0_14", "年齢構成の町をつくれません"),
        ({"family_other": "-5"}, "family_other", "0以上"),
        ({"age_65_plus": "12.5"}, "age_65_plus", "整数"),
        ({"name_ja": "  "}, "name_ja", "名前"),
        ({"kayoi_count": "-1"}, "kayoi_count", "0以上"),
    ],
)
def test_a_wrong_value_gets_a_message_for_its_own_field(town, entries, field, fragment):
    built, problems = apply_fields(town, entries)
    assert built is None
    assert list(problems) == [field]
    assert fragment in problems[field]
    assert "Traceback" not in problems[field]


def test_field_messages_follow_the_language(town):
    _, problems = apply_fields(town, {"membership_rate": "140"}, lang="en")
    assert problems == {"membership_rate": "Allowed: 0 to 100."}
    _, problems = apply_fields(town, {"elderly_alone": "2000"}, lang="en")
    assert problems == {"elderly_alone": "Cannot exceed the one-person households."}
    _, problems = apply_fields(town, {"age_0_14": "9000", "age_65_plus": "10"}, lang="en")
    assert problems["age_0_14"].startswith("No town of these households has these ages (0–14: ")


def test_base_fields_are_the_issues_list():
    keys = {f.key for f in BASE_FIELDS}
    assert {"households", "minsei_posts", "minsei_vacancies", "membership_rate"} <= keys
    assert {"kayoi_count", "ibasho_count", "jichikai_areas"} <= keys
    census = {f.key for f in CENSUS_FIELDS}  # 国勢調査: age, family types, 65+ living alone
    assert census == {
        "age_0_14",
        "age_15_64",
        "age_65_plus",
        *(f"family_{k}" for k in ("single", "couple", "couple_with_children", "single_parent")),
        "family_three_generation",
        "family_other",
        "elderly_alone",
    }


# ---------------------------------------------------------------- scenario builder


def test_levers_point_at_declared_parameters():
    for lever in SWITCHES:
        assert lever.param.kind == "bool"
    for lever in SLIDERS:
        assert lever.param.kind in ("float", "int")
        assert lever.param.low is None or lever.low / lever.scale >= lever.param.low
    assert {lever.block for lever in SWITCHES if lever.section == "mechanisms"} <= set(MECHANISM_BY_NAME)


def test_every_switchable_mechanism_is_in_the_builder_made_from_its_own_declaration():
    from sim.mechanisms import MECHANISMS

    levers = {(lever.block, lever.key) for lever in LEVERS if lever.section == "mechanisms"}
    for mechanism in MECHANISMS:
        if mechanism.switchable:  # its switch, or the slider of its numeric lever (outreach's hours)
            assert (mechanism.name, mechanism.workshop_lever[0]) in levers, mechanism.name
    for lever in SWITCHES:
        mechanism = MECHANISM_BY_NAME[lever.block]
        assert lever.help == (mechanism.switch_ja, mechanism.switch_en)
        assert lever.group == (
            "community" if mechanism.slide_group not in ("services", "structure") else mechanism.slide_group
        )
    assert not any(MECHANISM_BY_NAME[lever.block].switchable is False for lever in SWITCHES)


@pytest.mark.parametrize("name", ["baseline", "jusoteki_full", "stronger_jichikai", "outreach_team"])
def test_a_scenario_rebuilt_without_changes_does_the_same(town, name):
    start = load_scenario(name)
    built = build_scenario(start, town, {}, "copy", "写し", "Copy")
    assert lever_values(built, town) == lever_values(start, town)
    assert built.mechanisms == {k: v for k, v in start.mechanisms.items() if v}


def test_switches_and_sliders_write_only_what_differs_from_the_status_quo(town):
    values = {
        "mechanisms.outreach.hours_per_week_per_10k_households": 80,
        "mechanisms.support_meeting.enabled": True,
        "town.jichikai.membership_rate": 90,
        "town.minsei.vacancy_rate": lever_values(load_scenario("baseline"), town)["town.minsei.vacancy_rate"],
    }  # the last: the town's own vacancies, nothing to write
    built = build_scenario(load_scenario("baseline"), town, values, "my_plan", "私の案", "My plan")
    assert built.mechanisms == {
        "outreach": {"hours_per_week_per_10k_households": 80.0},
        "support_meeting": {"enabled": True},
    }
    assert built.town == {"jichikai": {"membership_rate": 0.9}}
    assert built.title_ja == "私の案"


def test_a_lever_back_at_the_default_removes_the_starting_scenarios_setting(town):
    built = build_scenario(
        load_scenario("outreach_team"),
        town,
        {"mechanisms.outreach.hours_per_week_per_10k_households": 0},
        "no_outreach",
        "アウトリーチなし",
        "",
    )
    assert "outreach" not in built.mechanisms
    assert built.title_en == "アウトリーチなし"


def test_a_saved_scenario_loads_back_unchanged(town):
    built = build_scenario(
        load_scenario("baseline"), town, {"mechanisms.desk_intake.refuse_none": True}, "plan_a", "案A", "Plan A"
    )
    filename, data = scenario_file(built)
    assert filename == "plan_a.toml"
    back, problem = read_upload(filename, data, len(data))
    assert problem is None
    assert (back.name, back.title_ja, back.mechanisms, back.town) == ("plan_a", "案A", built.mechanisms, built.town)


@pytest.mark.slow
def test_a_saved_scenario_runs_unchanged_with_community_sim_run(town, tmp_path, capsys):
    built = build_scenario(
        load_scenario("baseline"),
        town,
        {"mechanisms.outreach.hours_per_week_per_10k_households": 40, "town.jichikai.activity": 0.8},
        "plan_b",
        "案B",
        "Plan B",
    )
    path = tmp_path / "plan_b.toml"
    path.write_bytes(scenario_file(built)[1])
    status = cli_main(["run", str(path), "--years", "0.1", "--warmup-years", "0", "--json"])
    assert status == 0
    assert '"scenario": "plan_b"' in capsys.readouterr().out


def test_uploads_are_size_limited_and_validated():
    too_big, problem = read_upload("big.toml", None, MAX_UPLOAD_BYTES + 1)
    assert too_big is None and "65,536" in problem
    padded = scenario_to_toml(load_scenario("baseline")) + "#" * MAX_UPLOAD_BYTES
    assert read_upload("padded.toml", padded, 10)[0] is None  # the size the browser claims is not trusted
    assert "UTF-8" in read_upload("bin.toml", b"\xff\xfe\x00", 3, lang="en")[1]
    none, problem = read_upload("bad.toml", b"[scenario]\ntitle_ja = 1\n", 20)
    assert none is None
    assert problem.startswith("ファイルに問題があります：「bad.toml」の scenario.title_ja：")
    unknown, problem = read_upload("x.toml", b"[mechanisms.nonsense]\nenabled = true\n", 30, lang="en")
    assert unknown is None and "[scenario]" in problem


def test_uploaded_file_names_become_valid_scenario_names():
    text = scenario_to_toml(load_scenario("outreach_team"))
    scenario, _ = read_upload("My Plan (2).toml", text, len(text))
    assert scenario.name == "my_plan__2_"
    scenario, _ = read_upload("2025案.toml", text, len(text))
    assert scenario.name[0].isalpha()


def test_scenario_names_must_be_file_names_and_new():
    assert name_problem("my_plan", {"baseline"}) is None
    assert "英小文字" in name_problem("My Plan", set())
    assert name_problem("baseline", {"baseline"}) == tr("name_taken", "ja")
    assert name_problem("9lives", set(), "en").startswith("Use lower-case")


def test_a_builder_value_the_schema_rejects_raises_config_error(town):
    with pytest.raises(ConfigError):
        build_scenario(load_scenario("baseline"), town, {"town.jichikai.membership_rate": 150}, "x", "x", "x")


def test_saved_text_is_valid_for_the_cli_loader(town):
    built = build_scenario(load_scenario("jusoteki_full"), town, {}, "full_copy", "写し", "Copy")
    back = load_scenario_text(scenario_file(built)[1].decode(), "full_copy", "full_copy.toml")
    assert back.mechanisms == built.mechanisms


def test_a_saved_town_loads_back_and_bad_town_files_say_why(town):
    from dashboards.town_form import MAX_TOWN_UPLOAD_BYTES, read_town_upload
    from sim.config import town_to_toml

    built, _ = apply_fields(town, {"name_ja": "わが町", "households": "4200", "minsei_vacancies": "4"})
    text = town_to_toml(built)
    back, message = read_town_upload("my_town.toml", text, len(text))
    assert message == ""
    assert back.profile == built.profile
    assert field_values(back)["minsei_vacancies"] == 4
    assert read_town_upload("big.toml", None, MAX_TOWN_UPLOAD_BYTES + 1)[0] is None
    none, message = read_town_upload("bad.toml", "[town]\nhouseholds = 10\n", 30)
    assert none is None and "bad.toml" in message and "households" in message


# ---------------------------------------------------------------- one planner's units, messages at once


def test_full_width_numbers_and_a_percent_sign_are_read():
    from dashboards.town_form import BASE_FIELDS, parse_entry

    fields = {f.key: f for f in BASE_FIELDS}
    assert parse_entry(fields["membership_rate"], "６２．５") == (62.5, None)
    assert parse_entry(fields["membership_rate"], "60%") == (60.0, None)
    assert parse_entry(fields["households"], "３，０００") == (3000, None)
    assert parse_entry(fields["households"], "三千")[1] == "整数で入れてください。"


def test_every_problem_of_the_town_form_shows_at_once(town):
    _, problems = apply_fields(town, {"households": "abc", "minsei_vacancies": "500", "membership_rate": "140"})
    assert set(problems) == {"households", "minsei_vacancies", "membership_rate"}


def test_fractional_staff_are_full_time_equivalents(town):
    staff = [f for f in town_fields(town.profile) if f.key.startswith("staff_")]
    assert staff and all("常勤換算" in f.label[0] and "full-time equivalent" in f.label[1] for f in staff)


def test_the_builder_counts_town_values_in_the_town_forms_units(town):
    values = lever_values(load_scenario("baseline"), town)
    fields = field_values(town)
    assert values["town.minsei.vacancy_rate"] == fields["minsei_vacancies"]
    assert values["town.venues.kayoi_per_10k_65plus"] == fields["kayoi_count"]
    assert values["town.venues.ibasho_per_10k_people"] == fields["ibasho_count"]
    labels = {lever.id: lever.label[0] for lever in SLIDERS}
    town_labels = {f.key: f.label[0] for f in town_fields(town.profile)}
    assert labels["town.minsei.vacancy_rate"] == town_labels["minsei_vacancies"]
    assert labels["town.venues.kayoi_per_10k_65plus"] == town_labels["kayoi_count"]
    built = build_scenario(
        load_scenario("baseline"), town, {"town.minsei.vacancy_rate": 0}, "filled", "欠員なし", "No vacancies"
    )
    assert built.town == {"minsei": {"vacancy_rate": 0.0}}
    assert lever_values(built, town)["town.minsei.vacancy_rate"] == 0


def test_a_scenario_file_without_english_title_is_accepted():
    text = "[scenario]\ntitle_ja = '私の案'\ndescription_ja = '説明'\n[mechanisms.support_meeting]\nenabled = true\n"
    scenario, problem = read_upload("mine.toml", text, len(text))
    assert problem is None
    assert (scenario.title_en, scenario.description_en) == ("私の案", "説明")


def test_scenario_file_errors_are_told_in_japanese():
    _, problem = read_upload("broken.toml", "[scenario\n", 10)
    assert (
        problem
        == "ファイルに問題があります：「broken.toml」：TOML形式として読めません（1行目の10文字目あたりの書き方を確かめてください）。"
    )
    text = "[scenario]\ntitle_ja = 'a'\ndescription_ja = 'b'\n[mechanisms.outreach]\nhours_per_week_per_10k_households = -3\n"
    _, problem = read_upload("low.toml", text, len(text))
    assert "値 -3 は範囲の外です（使えるのは：0.0〜10000.0の数）" in problem
    _, english = read_upload("low.toml", text, len(text), lang="en")
    assert "out of range" in english
