"""Input files are validated up front: one clear message naming the file, the key and what is allowed."""

from __future__ import annotations

import pytest

from sim.config import effective_profile, load_scenario, load_town, mechanism_params
from sim.params import ConfigError
from tests.conftest import write_scenario, write_town


def _error(loader, path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        loader(path)
    return info.value


def test_bundled_files_are_valid():
    from sim.config import bundled_names

    towns = [load_town(t) for t in bundled_names("towns")]
    for name in bundled_names("scenarios"):
        scenario = load_scenario(name)
        for town in towns:
            effective_profile(scenario, town)
            mechanism_params(scenario)


def test_unknown_scenario_key_names_file_and_allowed_keys(tmp_path):
    path = write_scenario(tmp_path, "[mechanisms.outreach]\nhours_per_weak = 3.0")
    e = _error(load_scenario, path)
    assert e.file == str(path) and e.key == "mechanisms.outreach.hours_per_weak"
    assert "hours_per_week_per_10k_households" in str(e)


def test_unknown_mechanism_lists_mechanisms(tmp_path):
    e = _error(load_scenario, write_scenario(tmp_path, "[mechanisms.telepathy]\nenabled = true"))
    assert e.key == "mechanisms.telepathy" and "neighbour_noticing" in str(e)


def test_wrong_type_is_rejected(tmp_path):
    e = _error(load_scenario, write_scenario(tmp_path, '[mechanisms.desk_intake]\nrefuse_none = "yes"'))
    assert e.key == "mechanisms.desk_intake.refuse_none" and "true or false" in str(e)


def test_out_of_range_value_is_rejected(tmp_path):
    e = _error(
        load_scenario, write_scenario(tmp_path, "[mechanisms.self_referral]\nweekly_probability = { latent = 1.5 }")
    )
    assert e.key == "mechanisms.self_referral.weekly_probability.latent"
    assert "out of range" in str(e) and "from 0.0 to 1.0" in str(e)


def test_broken_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[scenario\ntitle_ja = 'x'", encoding="utf-8")
    e = _error(load_scenario, path)
    assert e.file == str(path) and "not valid TOML" in str(e)


def test_scenario_needs_a_japanese_title_and_description_and_english_ones_default_to_them(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\ntitle_en = "b"\ndescription_ja = "c"\n', encoding="utf-8")
    assert _error(load_scenario, path).key == "scenario.title_ja"
    path.write_text('[scenario]\ntitle_ja = "a"\ndescription_ja = "c"\ndescription_en = ""\n', encoding="utf-8")
    assert _error(load_scenario, path).key == "scenario.description_en"  # given, it may not be empty
    path.write_text('[scenario]\ntitle_ja = "a"\ndescription_ja = "c"\n', encoding="utf-8")
    scenario = load_scenario(path)
    assert (scenario.title_en, scenario.description_en) == ("a", "c")


def test_profile_unknown_key_and_census_bands_that_do_not_sum(tmp_path):
    e = _error(load_town, write_town(tmp_path, extra="[jichikai]\nmembership = 0.5\n"))
    assert e.key == "jichikai.membership" and "membership_rate" in str(e)
    e = _error(
        load_town, write_town(tmp_path, extra='[census]\nage = { "0-14" = 11.9, "15-64" = 50.0, "65+" = 28.6 }\n')
    )
    assert e.key == "census.age" and "sum to 90.5%" in str(e) and 'unit = "count"' in str(e)


def test_profile_desk_with_unknown_domain(tmp_path):
    path = write_town(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace('domains = ["disability"]', 'domains = ["magic"]'), encoding="utf-8"
    )
    e = _error(load_town, path)
    assert e.key == "desks[1].domains" and "withdrawal" in str(e)


def test_override_operations_apply_to_the_town(tmp_path):
    town = load_town(write_town(tmp_path))
    scenario = load_scenario(
        write_scenario(tmp_path, "[town.jichikai]\nmembership_rate = { add = 0.1 }\nactivity = { multiply = 2.0 }")
    )
    profile = effective_profile(scenario, town)
    assert profile["jichikai"]["membership_rate"] == pytest.approx(0.817)
    assert profile["jichikai"]["activity"] == pytest.approx(1.0)


def test_override_leaving_the_range_names_the_scenario(tmp_path):
    town = load_town(write_town(tmp_path))
    path = write_scenario(tmp_path, "[town.jichikai]\nmembership_rate = { add = 0.5 }")
    with pytest.raises(ConfigError) as info:
        effective_profile(load_scenario(path), town)
    assert info.value.file == str(path) and "town.jichikai.membership_rate" in info.value.key


def test_partial_type_table_keeps_other_defaults(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path, "[mechanisms.onset]\nannual_probability = { ordinary = 0.05 }"))
    table = mechanism_params(scenario)["onset"]["annual_probability"]
    assert table["ordinary"] == 0.05 and table["8050"] == 0.25


def test_unknown_bundled_name_lists_what_exists():
    e = _error(load_scenario, "no_such_policy")
    assert "baseline" in str(e) and "stronger_jichikai" in str(e)


@pytest.mark.parametrize(
    "body",
    [
        "[town.town]\nhouseholds = 5000",
        "[town.census]\nelderly_alone = 20.0",
        "[town.household_conditions]\nhoarding_rate = 0.01",
        "[town.jichikai]\nhouseholds_per_area = 100",
    ],
)
def test_scenario_cannot_change_who_lives_in_the_town(tmp_path, body):
    e = _error(load_scenario, write_scenario(tmp_path, body))
    assert e.key.startswith("town.") and "town profile" in str(e)


def test_every_bundled_scenario_survives_saving_and_loading_back():
    from sim.config import bundled_names, load_scenario, load_scenario_text, scenario_to_toml

    for name in bundled_names("scenarios"):
        scenario = load_scenario(name)
        assert load_scenario_text(scenario_to_toml(scenario), name, scenario.file) == scenario


def test_every_bundled_town_survives_saving_and_loading_back():
    from sim.config import bundled_names, load_town, load_town_text, town_to_toml

    for name in bundled_names("towns"):
        town = load_town(name)
        assert load_town_text(town_to_toml(town), town.file).profile == town.profile


def test_uploaded_scenario_text_with_a_bad_key_names_the_upload():
    import pytest

    from sim.config import load_scenario_text
    from sim.params import ConfigError

    text = (
        '[scenario]\ntitle_ja="a"\ntitle_en="a"\ndescription_ja="a"\ndescription_en="a"\n[mechanisms.nope]\non=true\n'
    )
    with pytest.raises(ConfigError) as e:
        load_scenario_text(text, "mine", "upload.toml")
    assert "upload.toml" in str(e.value) and "nope" in str(e.value)
