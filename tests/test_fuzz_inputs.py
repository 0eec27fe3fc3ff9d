"""Generated bad files of every kind: each gets exit 2 (or a page message) naming file and key, nothing else.

Issue 11 asks for at least 50 generated bad files of every kind (scenario, town, experiment,
story, and the dashboard's uploads). Each case here starts from a valid file and breaks one
thing: a value of the wrong type, out of range, nan or infinite; an unknown or missing key; an
operation table that is not one; nesting hundreds deep; bytes that are not UTF-8; broken TOML.
Every case must end in exit status 2 with one line naming the file (and the key, where the case
breaks a key), with no traceback and nothing written; every upload in a message on the page.
The cases are generated from the declared parameters with a fixed seed, so a failure repeats.
"""

from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w

import sim.execute
import sim.runner
import sim.story
from dashboards.scenario_form import MAX_UPLOAD_BYTES, read_upload
from dashboards.town_form import MAX_TOWN_UPLOAD_BYTES, read_town_upload
from sim.cli import main
from sim.config import FIXED_IN_SCENARIOS, SCENARIO_REQUIRED_KEYS, load_town
from sim.experiment import EXPERIMENT_PARAMS
from sim.mechanisms import MECHANISM_BY_NAME
from sim.params import Param
from sim.story import STORY_PARAMS
from sim.town import DESK_PARAMS, TOWN_PARAMS

ROOT = Path(__file__).resolve().parents[1]
SEED = 11
PER_KIND = 60


@dataclass(frozen=True)
class Case:
    """A bad file: its bytes, the key its message must name (None: the file as a whole), and what it breaks."""

    data: bytes
    key: str | None
    what: str


# ------------------------------------------------------------------ bad values for a declared parameter


def bad_values(param: Param) -> list[object]:
    """Values ``param`` must refuse (TOML can write every one)."""
    out: list[object] = [math.nan, [1, 2], {"x": {"y": 1}}]
    match param.kind:
        case "float" | "int":
            out += ["many", True, math.inf, -math.inf]
            if param.high is not None:
                out.append(param.high * 10 + 1 if param.kind == "float" else int(param.high) * 10 + 1)
            if param.low is not None:
                out.append(param.low - 1 if param.kind == "float" else int(param.low) - 1)
            if param.kind == "int":
                out.append(1.5)
        case "bool":
            out += ["yes", 1]
        case "str":
            out += ["no_such_choice", 3]
        case "text":
            out += [7, True]
        case "by_stage" | "by_type" | "by_domain":
            out += ["table", {"no_such_entry": 0.5}]
        case "domains":
            out += ["care", ["no_such_domain"], [3]]
    return out


def _dump(raw: dict) -> bytes:
    return tomli_w.dumps(raw).encode("utf-8")


def _with(raw: dict, path: list[str], value: object) -> dict:
    """A deep copy of ``raw`` with ``value`` at ``path`` (tables made as needed)."""
    out = tomllib.loads(tomli_w.dumps(raw))
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return out


def _without(raw: dict, path: list[str]) -> dict:
    out = tomllib.loads(tomli_w.dumps(raw))
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def _nan_safe_dump(raw: dict) -> bytes:
    """TOML for ``raw``; tomli_w writes nan and inf as TOML's nan and inf."""
    return _dump(raw)


def shared_breakage(valid: bytes, rng: random.Random) -> list[Case]:
    """Breakage any kind of file can suffer: encodings, syntax, nesting, emptiness."""
    text = valid.decode("utf-8")
    cut = rng.randrange(len(text) // 3, len(text) - 5)
    return [
        Case(
            text.encode("shift_jis", errors="replace") + "\n# 日本語のコメント\n".encode("shift_jis"), None, "Shift-JIS"
        ),
        Case("\ufeff".encode("utf-16-le") + text.encode("utf-16-le"), None, "UTF-16"),
        Case(text.encode("utf-8") + b"\n# \xe6\x97\n", None, "a truncated UTF-8 sequence"),
        Case(text.encode("utf-8").replace(b"\n", b"\n\x00", 1), None, "a NUL byte"),
        Case(text[:cut].encode("utf-8") + b"\n[[[", None, "broken TOML"),
        Case(text.encode("utf-8") + b"\nx = [[[[\n", None, "an unclosed array"),
        Case(b"x = " + b"[" * 600 + b"]" * 600 + b"\n", None, "arrays nested 600 deep"),
        Case(b"x = " + b"{a = " * 400 + b"1" + b"}" * 400 + b"\n", None, "inline tables nested 400 deep"),
        Case(b"", None, "an empty file"),
        Case(text.encode("utf-8") + b"\n" + text.encode("utf-8"), None, "every key twice"),
    ]


# ------------------------------------------------------------------ scenarios


SCENARIO = {
    "scenario": {"title_ja": "案", "title_en": "Plan", "description_ja": "説明", "description_en": "About"},
}


def scenario_cases(rng: random.Random) -> list[Case]:
    cases = shared_breakage(_dump({**SCENARIO, "mechanisms": {"outreach": {"enabled": True}}}), rng)
    for key in SCENARIO_REQUIRED_KEYS:  # the English ones may be left out (a planner's own file)
        cases.append(Case(_dump(_without(SCENARIO, ["scenario", key])), f"scenario.{key}", "a missing title"))
    for key in SCENARIO["scenario"]:
        cases.append(Case(_dump(_with(SCENARIO, ["scenario", key], rng.choice([5, "", ["x"]]))), f"scenario.{key}", ""))
    cases.append(Case(_dump(_with(SCENARIO, ["scenario", "author"], "me")), "scenario.author", "an unknown key"))
    cases.append(Case(_dump(_with(SCENARIO, ["budget"], {"yen": 1})), "budget", "an unknown section"))
    cases.append(Case(_dump(_with(SCENARIO, ["mechanisms", "magic"], {"enabled": True})), "mechanisms.magic", ""))
    towns = [(s, k, p) for s, ps in TOWN_PARAMS.items() for k, p in ps.items() if (s, k) not in FIXED_IN_SCENARIOS]
    mechanisms = [(m, k, p) for m, cls in MECHANISM_BY_NAME.items() for k, p in cls.declared_params().items()]
    for _ in range(30):
        section, key, param = rng.choice(towns)
        value = rng.choice(bad_values(param) + _bad_operations(param))
        if param.kind == "text" and isinstance(value, dict):
            value = 7
        cases.append(Case(_dump(_with(SCENARIO, ["town", section, key], value)), f"town.{section}.{key}", repr(value)))
    for _ in range(30):
        name, key, param = rng.choice(mechanisms)
        value = rng.choice(bad_values(param))
        cases.append(Case(_dump(_with(SCENARIO, ["mechanisms", name, key], value)), f"mechanisms.{name}.{key}", ""))
    for section, key, param in towns:  # the red team's crash: nan, inf or overflow on an integer key
        if param.kind == "int":
            for operation in _bad_operations(param):
                cases.append(
                    Case(_dump(_with(SCENARIO, ["town", section, key], operation)), f"town.{section}.{key}", "")
                )
    for section, key in sorted(FIXED_IN_SCENARIOS)[:4]:
        value = 0.1 if TOWN_PARAMS[section][key].kind == "float" else 100
        if TOWN_PARAMS[section][key].kind == "by_type":
            value = {"ordinary": 0.5}
        cases.append(Case(_dump(_with(SCENARIO, ["town", section, key], value)), f"town.{section}.{key}", "fixed"))
    return cases


def _bad_operations(param: Param) -> list[object]:
    if param.kind not in ("float", "int"):
        return []
    return [
        {"multiply": math.nan},
        {"add": math.inf},
        {"multiply": 1e308},
        {"multiply": -1e308},
        {"set": "x"},
        {"divide": 2},
        {"multiply": 2, "add": 1},
        {"add": -1e12},
    ]


# ------------------------------------------------------------------ towns


def town_cases(rng: random.Random) -> list[Case]:
    town = load_town("neighbourhood").profile
    cases = shared_breakage(_dump(town), rng)
    params = [(s, k, p) for s, ps in TOWN_PARAMS.items() for k, p in ps.items()]
    for _ in range(30):
        section, key, param = rng.choice(params)
        value = rng.choice(bad_values(param) + _bad_operations(param))
        cases.append(Case(_dump(_with(town, [section, key], value)), f"{section}.{key}", repr(value)))
    for _ in range(12):
        i = rng.randrange(len(town["desks"]))
        key = rng.choice(list(DESK_PARAMS))
        bad = tomllib.loads(tomli_w.dumps(town))
        if rng.random() < 0.3:
            del bad["desks"][i][key]
        else:
            bad["desks"][i][key] = rng.choice(bad_values(DESK_PARAMS[key]))
        cases.append(Case(_dump(bad), f"desks[{i}].{key}", "a bad desk"))
    empty_desk = tomllib.loads(tomli_w.dumps(town))
    empty_desk["desks"][2]["domains"] = []
    cases.append(Case(_dump(empty_desk), "desks[2].domains", "a desk accepting nothing"))
    twice = tomllib.loads(tomli_w.dumps(town))
    twice["desks"][1]["kind"] = twice["desks"][0]["kind"]
    cases.append(Case(_dump(twice), "desks[1].kind", "a desk kind twice"))
    for value in ([], "desk", [1, 2]):
        cases.append(Case(_dump(_with(town, ["desks"], value)), "desks", "bad desks"))
    cases.append(Case(_dump(_without(town, ["desks"])), "desks", "no desks"))
    cases += census_cases(town)
    cases.append(Case(_dump(_with(town, ["castle"], {"moat": 1})), "castle", "an unknown section"))
    cases.append(Case(_dump(_with(town, ["town", "mayor"], "x")), "town.mayor", "an unknown key"))
    return cases


def census_cases(town: dict) -> list[Case]:
    """Census figures a town cannot be built from: each names the census key it breaks."""
    counts = {
        "unit": "count",
        "age": {"0-14": 12_000, "15-64": 60_000, "65+": 28_000},
        "family_types": {k: round(v * 100) for k, v in town["census"]["family_types"].items()},
        "elderly_alone": 1_200,
    }
    ages = town["census"]["age"]
    old_shares = {"ordinary": 0.5, "8050": 0.008, "double_care": 0.005, "elderly_alone": 0.121}
    broken: list[tuple[list[str], object, str]] = [
        (["census", "age"], {"0-14": 11.9, "15-64": 59.5, "65+": 20.0}, "census.age"),  # sums to 91.4%
        (["census", "age"], {"0-14": 11.9, "20-64": 59.5, "65+": 28.6}, "census.age"),  # 15–19 in no band
        (["census", "age"], {"0-14": 11.9, "10-64": 59.5, "65+": 28.6}, "census.age"),  # overlap
        (["census", "age"], {"0-14": 11.9, "15-64": 88.1}, "census.age"),  # no open band
        (["census", "age"], {"0-13": 11.9, "14-64": 59.5, "65+": 28.6}, "census.age.0-13"),
        (["census", "age"], {"0-14": 11.9, "15-64": 59.5, "65+": "many"}, "census.age.65+"),
        (["census", "age"], {"0-14": -1.0, "15-64": 72.4, "65+": 28.6}, "census.age.0-14"),
        (["census", "age"], {"0-14": math.nan, "15-64": 59.5, "65+": 28.6}, "census.age.0-14"),
        (["census", "age"], {"0-14": 0.0, "15-64": 0.0, "65+": 0.0}, "census.age"),
        (["census", "age"], {"0-14": 60.0, "15-64": 20.0, "65+": 20.0}, "census.age"),  # no town is that young
        (["census", "age"], dict(ages, **{"65-69": math.inf}), "census.age.65-69"),
        (["census", "family_types"], dict(town["census"]["family_types"], single=50.0), "census.family_types"),
        (["census", "family_types"], dict(town["census"]["family_types"], castle=1.0), "census.family_types"),
        (["census", "family_types"], {"single": 100.0}, "census.family_types"),
        (["census", "family_types"], dict(town["census"]["family_types"], couple=-3.0), "census.family_types"),
        (["census", "elderly_alone"], 45.0, "census.elderly_alone"),  # more than the single households
        (["census", "elderly_alone"], "12%", "census.elderly_alone"),
        (["census", "elderly_alone"], -1.0, "census.elderly_alone"),
        (["census", "unit"], "people", "census.unit"),
        (["census"], dict(counts, elderly_alone=1_200.5), "census.elderly_alone"),
        (["census"], dict(counts, age=dict(counts["age"], **{"65+": 28_000.5})), "census.age.65+"),
        (["census"], {k: v for k, v in counts.items() if k != "family_types"}, "census.family_types"),
        (["census"], {"unit": "count"}, "census.age"),
        (["census"], dict(counts, elderly_alone=10**9), "census.elderly_alone"),
        (["census"], "a table", "census"),
        (["census", "castle"], 1, "census.castle"),
        (["household_types", "shares"], old_shares, "household_types.shares"),  # a town file of an earlier version
        (["ordinary_households"], {"single_adult": 0.5}, "ordinary_households"),
        (["household_types", "at_least"], {"elderly_alone": 3}, "household_types.at_least.elderly_alone"),
    ]
    return [Case(_dump(_with(town, path, value)), key, f"census: {value!r}") for path, value, key in broken]


# ------------------------------------------------------------------ experiments


# ------------------------------------------------------------------ experiments


EXPERIMENT = {
    "experiment": {
        "title": "x",
        "town": "neighbourhood",
        "scenarios": ["baseline", "stronger_jichikai"],
        "years": 1,
        "replications": 2,
    }
}


def experiment_cases(rng: random.Random) -> list[Case]:
    cases = shared_breakage(_dump(EXPERIMENT), rng)
    for _ in range(22):
        key, param = rng.choice([(k, p) for k, p in EXPERIMENT_PARAMS.items() if k != "town"])
        value = rng.choice(bad_values(param))
        cases.append(Case(_dump(_with(EXPERIMENT, ["experiment", key], value)), f"experiment.{key}", repr(value)))
    for value in ([], "baseline", [1], ["baseline", "baseline"], ["baseline", "no_such_plan"]):
        cases.append(Case(_dump(_with(EXPERIMENT, ["experiment", "scenarios"], value)), "experiment.scenarios", ""))
    for value in ("atlantis", "towns/missing.toml", 3):
        cases.append(Case(_dump(_with(EXPERIMENT, ["experiment", "town"], value)), "experiment.town", ""))
    for value in (["weekly", "diaries"], "weekly"):
        cases.append(Case(_dump(_with(EXPERIMENT, ["experiment", "tables"], value)), "experiment.tables", ""))
    cases.append(Case(_dump(_with(EXPERIMENT, ["results"], {"x": 1})), "results", "an unknown section"))
    cases.append(Case(_dump({"sweep": {"method": "grid"}}), "experiment", "no [experiment]"))
    grid = {"method": "grid", "parameters": {"town.jichikai.activity": [0.2, 0.8]}}
    latin = {"method": "latin", "samples": 4, "parameters": {"town.jichikai.activity": [0.2, 0.8]}}
    sweeps = [
        ({**grid, "method": "random"}, "sweep.method"),
        ({**latin, "samples": 0}, "sweep.samples"),
        ({**latin, "samples": math.nan}, "sweep.samples"),
        ({**grid, "parameters": {}}, "sweep.parameters"),
        ({**grid, "parameters": {"town.castle.moat": [1, 2]}}, "sweep.parameters.town.castle.moat"),
        ({**grid, "parameters": {"mechanisms.outreach.teleport": [1, 2]}}, "sweep.parameters.mechanisms.outreach"),
        ({**grid, "parameters": {"town.jichikai.activity": [0.2, 8.0]}}, "sweep.parameters.town.jichikai.activity"),
        ({**grid, "parameters": {"town.jichikai.activity": [0.2, 0.2]}}, "sweep.parameters.town.jichikai.activity"),
        ({**latin, "parameters": {"town.jichikai.activity": [0.8, 0.2]}}, "sweep.parameters.town.jichikai.activity"),
        ({**latin, "parameters": {"town.jichikai.activity": [0.2, math.inf]}}, "sweep.parameters.town.jichikai"),
        ({**latin, "parameters": {"mechanisms.outreach.enabled": [0, 1]}}, "sweep.parameters.mechanisms.outreach"),
        ({**latin, "method": "sobol", "samples": 3}, "sweep.samples"),
        ({**latin, "method": "sobol", "samples": 4}, "sweep.parameters"),
        ({**latin, "method": "morris", "levels": 3}, "sweep.levels"),
        ({**grid, "parameters": {"town.jichikai.membership_relative": [1.0, 2.0]}}, "sweep.parameters.town.jichikai"),
        (
            {
                **grid,
                "parameters": {
                    f"town.jichikai.{k}": [i / 200 for i in range(1, 200)] for k in ("activity", "membership_rate")
                }
                | {
                    "town.minsei.vacancy_rate": [i / 200 for i in range(1, 200)],
                    "mechanisms.watching.effect": [i / 200 for i in range(1, 200)],
                },
            },
            "experiment",
        ),
        ({**grid, "extra": 1}, "sweep.extra"),
        ("grid", "sweep"),
    ]
    for sweep, key in sweeps:
        cases.append(Case(_dump({**EXPERIMENT, "sweep": sweep}), key, "a bad sweep"))
    return cases


# ------------------------------------------------------------------ stories


STORY = {
    "story": {
        "title_ja": "話",
        "title_en": "Story",
        "household_type": "8050",
        "stage": "latent",
        "domains": ["care"],
        "town": "neighbourhood",
    }
}


def story_cases(rng: random.Random) -> list[Case]:
    cases = shared_breakage(_dump(STORY), rng)
    for _ in range(30):
        key, param = rng.choice(list(STORY_PARAMS.items()))
        value = rng.choice(bad_values(param))
        if key == "domains" and value == []:
            value = ["care", "care"]
        cases.append(Case(_dump(_with(STORY, ["story", key], value)), f"story.{key}", repr(value)))
    for key in ("title_ja", "title_en", "household_type", "domains"):
        cases.append(Case(_dump(_without(STORY, ["story", key])), f"story.{key}", "missing"))
    for stage, domains in (
        ("latent", ["care", "withdrawal", "poverty", "housing"]),
        ("manifest", ["care"]),
        ("complex", ["care", "debt"]),
        ("latent", []),
        ("latent", ["care", "care"]),
    ):
        bad = _with(_with(STORY, ["story", "stage"], stage), ["story", "domains"], domains)
        cases.append(Case(_dump(bad), "story.domains", f"{stage} with {len(domains)} domains"))
    for town in ("atlantis", "no/such/town.toml"):
        cases.append(Case(_dump(_with(STORY, ["story", "town"], town)), "story.town", "an unknown town"))
    cases.append(Case(_dump(_with(STORY, ["chapters"], {"x": 1})), "chapters", "another section"))
    cases.append(Case(_dump(_with(STORY, ["story", "mood"], "sad")), "story.mood", "an unknown key"))
    return cases


# ------------------------------------------------------------------ running the cases


GENERATORS = {"scenario": scenario_cases, "town": town_cases, "experiment": experiment_cases, "story": story_cases}


def generated(kind: str) -> list[Case]:
    """The bad files of ``kind`` (at least PER_KIND)."""
    rng = random.Random(f"{SEED}-{kind}")
    cases = GENERATORS[kind](rng)
    while len(cases) < PER_KIND:
        cases += GENERATORS[kind](rng)
    return cases


def _command(kind: str, path: Path) -> list[str]:
    return {
        "scenario": ["run", str(path), "--years", "1", "--out", "out"],
        "town": ["run", "baseline", "--town", str(path), "--years", "1", "--out", "out"],
        "experiment": ["experiment", str(path), "--out", "out"],
        "story": ["story", str(path)],
    }[kind]


@pytest.fixture
def nothing_runs(monkeypatch):
    """A bad file must be refused before anything runs: running would be the failure."""

    def ran(*args, **kwargs):
        raise AssertionError("a bad file got as far as running")

    # The commands import these when they run: patched where they live.
    for module, name in (
        (sim.runner, "run_once"),
        (sim.runner, "run_many"),
        (sim.execute, "run_experiment"),
        (sim.story, "run_story"),
    ):
        monkeypatch.setattr(module, name, ran)


@pytest.mark.parametrize("kind", list(GENERATORS))
def test_every_generated_bad_file_exits_2_naming_file_and_key_and_writes_nothing(
    kind, tmp_path, monkeypatch, capsys, nothing_runs
):
    cases = generated(kind)
    assert len(cases) >= 50
    monkeypatch.chdir(tmp_path)
    failures = []
    for i, case in enumerate(cases):
        path = tmp_path / f"bad_{kind}_{i:03d}.toml"
        path.write_bytes(case.data)
        before = sorted(p.name for p in tmp_path.iterdir())
        try:
            code = main(_command(kind, path))
        except BaseException as e:  # a traceback is the failure this test looks for
            failures.append(f"{path.name} ({case.what}): raised {type(e).__name__}: {e}")
            continue
        err = capsys.readouterr().err
        problems = []
        if code != 2:
            problems.append(f"exit {code}")
        if not err.startswith("community-sim: error: ") or err.count("\n") != 1 or "Traceback" in err:
            problems.append("not one message")
        if path.name not in err:
            problems.append("file not named")
        if case.key is not None and case.key not in err:
            problems.append(f"key {case.key!r} not named")
        if sorted(p.name for p in tmp_path.iterdir()) != before:
            problems.append("wrote something")
        if problems:
            failures.append(f"{path.name} ({case.what}): {', '.join(problems)}: {err.strip()[:300]}")
        path.unlink()
    assert not failures, f"{len(failures)} of {len(cases)} bad {kind} files:\n" + "\n".join(failures)


@pytest.mark.parametrize("kind", ["scenario", "town"])
def test_every_generated_bad_upload_gets_a_message_naming_file_and_key(kind):
    town = load_town("neighbourhood")
    cases = generated(kind)
    limit = MAX_UPLOAD_BYTES if kind == "scenario" else MAX_TOWN_UPLOAD_BYTES
    cases.append(Case(b"#" * (limit + 1), None, "too large"))
    failures = []
    for i, case in enumerate(cases):
        name = f"upload_{i:03d}.toml"
        try:
            if kind == "scenario":
                loaded, message = read_upload(name, case.data, len(case.data), "en", town)
            else:
                loaded, message = read_town_upload(name, case.data, len(case.data), "en")
        except BaseException as e:
            failures.append(f"{name} ({case.what}): raised {type(e).__name__}: {e}")
            continue
        problems = []
        if loaded is not None or not message:
            problems.append("accepted")
        elif case.what != "too large" and name not in message:
            problems.append("file not named")
        elif case.key is not None and case.key not in message:
            problems.append(f"key {case.key!r} not named")
        if problems:
            failures.append(f"{name} ({case.what}): {', '.join(problems)}: {str(message)[:300]}")
    assert len(cases) >= 50
    assert not failures, f"{len(failures)} of {len(cases)} bad {kind} uploads:\n" + "\n".join(failures)


def test_upload_events_that_are_not_files_get_a_message():
    """The page's upload event, forged: not base64, or no content at all."""
    from dashboards.scenario_form import upload_bytes

    for info in ({"name": "x.toml", "base64": "***"}, {"name": "x.toml"}, {"name": "x.toml", "base64": "////"}):
        loaded, message = read_upload("x.toml", upload_bytes(info), 0, "en")
        assert loaded is None and message
