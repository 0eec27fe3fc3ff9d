"""The starting state: "today's town", from a warm-up run or from each type's stationary mix.

A run starts from the state a warm-up run under ``start_from`` (default: the bundled
``baseline``) reaches after ``warmup_weeks``: its households' problems, service contacts,
open cases, council resources and caseloads become week 0. Scenarios compared on one seed
share one warm-up (a small cache), so they start from the same town.

The warm-up itself starts from the *pilot mix*: the problems households of each type hold after
a long pilot run of the town under ``start_from`` (``PILOT_WEEKS``, one fixed seed). It is computed
once per town profile, scenario and version of the code, and kept in the disk cache
(sim/engine/disk_cache.py), so a machine runs it once. Complex problems that no service reaches
resolve over a decade, so a warm-up that started from a town without services would still be
draining them years into the run; starting near the town's own balance, ten years of warm-up
(``DEFAULT_WARMUP_WEEKS``) settle the services too and the baseline holds steady
(tests/test_steady_baseline.py: over the ten years that follow, households with a problem move
by −2.1 %, +0.2 % and −1.3 % and complex ones by −3.1 %, −1.7 % and −2.9 % on seeds 5, 11 and 7,
20 replications of the neighbourhood; the residue is the services still filling: households
under professional support keep rising for about twelve years from the pilot mix).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.config import Scenario, TownProfile, load_scenario
from sim.domain import TYPE_KEYS, ServiceStatus
from sim.engine import disk_cache
from sim.engine.run_state import RunState
from sim.mechanisms.onset import Onset, draw_domains
from sim.mechanisms.progression import Progression
from sim.mechanisms.resolution import NaturalResolution
from sim.streams import make_stream

if TYPE_CHECKING:
    from sim.mechanisms.base import Mechanism
    from sim.model import CommunityModel

_CACHE: dict[tuple, CommunityModel] = {}
CACHE_SIZE = 2  # a block's warm-up serves all its scenarios; batched warm-ups are large
PILOT_WEEKS = 4160  # 80 years: from a town without services, unreached COMPLEX problems take decades to settle
PILOT_HOUSEHOLDS = 6000  # a larger town's pilot runs on this many households of the same profile
PILOT_SEED = 20_211_231  # one fixed seed for every pilot: all replications start from the same mix
_PILOTS: dict[str, PilotMix] = {}


class PilotMix:
    """Households' problems at the end of a long pilot run: stage, domains and presenting domain by type."""

    FIELDS = ("htype", "stage", "domains", "primary", "service", "coverage", "desk_kind")

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.htype, self.stage, self.domains, self.primary, self.service, self.coverage, self.desk_kind = (
            arrays[name] for name in self.FIELDS
        )
        self.by_type = [np.flatnonzero(self.htype == t) for t in range(len(TYPE_KEYS))]

    @classmethod
    def of(cls, model: CommunityModel) -> PilotMix:
        """The mix at the end of ``model``'s run."""
        hh, cases, town = model.hh, model.cases, model.town
        open_ = hh.case >= 0
        primary = np.full(len(hh.stage), -1, dtype=np.int8)
        primary[open_] = cases.primary_domain[hh.case[open_]]
        kinds = list(town.desk_of_kind_by_area)
        desk_kind = np.array([kinds.index(d["kind"]) for d in town.desks], dtype=np.int64)
        arrays = {
            "htype": town.htype.copy(),
            "stage": hh.stage.copy(),
            "domains": hh.domains.copy(),
            "primary": primary,
            "service": hh.service.copy(),
            "coverage": hh.coverage.copy(),
            "desk_kind": np.where(hh.desk >= 0, desk_kind[np.maximum(hh.desk, 0)], -1),
        }
        return cls(arrays)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.FIELDS}


def _pilot_households(town: TownProfile) -> int:
    return min(town.profile["town"]["households"], PILOT_HOUSEHOLDS)


def _pilot_key(start_from: Scenario, town: TownProfile) -> str:
    inputs = {
        "scenario": {"town": start_from.town, "mechanisms": start_from.mechanisms},
        "town": town.with_households(_pilot_households(town)).profile,
        "weeks": PILOT_WEEKS,
        "seed": PILOT_SEED,
    }
    return disk_cache.entry_key("pilot", inputs)


def pilot_on_disk(start_from: Scenario, town: TownProfile) -> bool:
    """Whether the pilot mix of ``town`` under ``start_from`` is in the disk cache."""
    return disk_cache.load_arrays("pilot", _pilot_key(start_from, town)) is not None


def pilot_mix(start_from: Scenario, town: TownProfile) -> PilotMix:
    """The pilot mix of ``town`` under ``start_from``: computed once per machine (kept in the disk
    cache, sim/engine/disk_cache.py, keyed by the inputs and the model's code) and once per process."""
    from sim.model import CommunityModel

    key = _pilot_key(start_from, town)
    if key not in _PILOTS:
        stored = disk_cache.load_arrays("pilot", key)
        if stored is None or set(stored) != set(PilotMix.FIELDS):
            small = town.with_households(_pilot_households(town))
            pilot = CommunityModel(start_from, small, [PILOT_SEED], warmup_weeks=0, agent_views=False, _collect=False)
            mix = PilotMix.of(pilot.run(PILOT_WEEKS))
            disk_cache.save_arrays("pilot", key, mix.arrays())
        else:
            mix = PilotMix(stored)
        _PILOTS[key] = mix
    return _PILOTS[key]


def warm_town(start_from: Scenario | str | Path, town: TownProfile, seeds: list[int], weeks: int) -> CommunityModel:
    """The model after ``weeks`` of warm-up under ``start_from`` on ``seeds`` (cached: scenarios
    compared on the same seeds share it)."""
    from sim.model import CommunityModel  # the warm-up is a model run of its own

    scenario = start_from if isinstance(start_from, Scenario) else load_scenario(start_from)
    # The pilot it starts from is part of the key: repr() leaves out ``pilot_from``, and a scenario with
    # a parameter set applied starts from another pilot than the same settings written by hand.
    pilot = scenario.pilot_from or scenario
    key = (repr(scenario), repr(pilot), repr(town.profile), tuple(seeds), weeks)
    if key not in _CACHE:
        # Its weeks are numbered -weeks+1 … 0, so it never reuses the draws of the run's weeks 1, 2, …
        model = CommunityModel(
            scenario,
            town,
            list(seeds),
            warmup_weeks=0,
            agent_views=False,
            _collect=False,
            _week_offset=-weeks,
            _start_mix=pilot_mix(pilot, town),
        )
        model.run(weeks)
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = model
    return _CACHE[key]


def clear_cache() -> None:
    """Forget cached warm-ups and pilot mixes (benchmarks time them afresh)."""
    _CACHE.clear()
    _PILOTS.clear()


def start_from_warm(state: RunState, mechanisms: list[Mechanism], warm: CommunityModel) -> None:
    """Take the households, open cases, mechanisms' lasting state and caseloads of a warm-up's last week."""
    w = state.worlds
    for name in ("desk_start", "district_start"):
        if not np.array_equal(getattr(w, name), getattr(warm.worlds, name)):
            raise ValueError(f"a scenario must keep the warm-up town's layout ({name} differs)")
    state.hh.copy_from(warm.hh)
    state.cases.carry_from(warm.state.cases)
    for mech, warm_mech in zip(mechanisms, warm.mechanisms, strict=True):
        mech.inherit(warm_mech)  # e.g. the council's resources exist today
    state.staff.caseload[:] = warm.state.staff.caseload


def seed_from_pilot(state: RunState, mix: PilotMix, week: int) -> None:
    """Give each household the problem of a pilot household of its own type, drawn at random.

    The cases are flagged ``prevalent_at_start``; the draw is the run's own (stream ``init``).
    Problems the services knew of in the pilot are known here too (found in ``week``, by no
    particular channel): households a desk had accepted wait at the same kind of desk in their own
    area (professionals take them up in the first week, within their caseloads), the others are
    referred. The warm-up's services then start near their own balance instead of finding the
    whole town's problems at once.
    """
    idx_parts, source_parts = [], []
    for seed, part in zip(state.seeds, state.worlds.hh_parts, strict=True):
        rng = make_stream(seed, "init.pilot")
        htype = state.town.htype[part]
        pick = rng.random(len(htype))
        for t, pool in enumerate(mix.by_type):
            mine = np.flatnonzero(htype == t)
            if len(mine) == 0:
                continue
            if len(pool) == 0:
                continue  # the pilot town had no household of this type: it starts without a problem
            idx_parts.append(part.start + mine)
            source_parts.append(pool[(pick[mine] * len(pool)).astype(np.int64)])
    if not idx_parts:
        return
    idx, source = np.concatenate(idx_parts), np.concatenate(source_parts)
    has = mix.stage[source] > 0
    idx, source = idx[has], source[has]
    order = np.argsort(idx, kind="stable")
    idx, source = idx[order], source[order]
    state.cases.open_prevalent(idx, mix.primary[source], mix.domains[source], mix.stage[source])
    hh, town = state.hh, state.town
    in_contact = mix.service[source] != ServiceStatus.UNKNOWN
    known = idx[in_contact]
    cases = hh.case[known]
    state.cases.set("first_detection_week", cases, week)
    state.cases.set("first_detection_stage", cases, hh.stage[known])
    hh.service[known] = ServiceStatus.REFERRED
    at_desk = in_contact & np.isin(mix.service[source], (ServiceStatus.WAITING, ServiceStatus.SUPPORTED))
    waiting, kind = idx[at_desk], mix.desk_kind[source[at_desk]]
    by_area = np.stack(list(town.desk_of_kind_by_area.values()))
    desk = by_area[kind, town.area[waiting]]
    hh.service[waiting] = ServiceStatus.WAITING
    hh.desk[waiting] = desk
    hh.coverage[waiting] = mix.coverage[source[at_desk]]
    hh.consented[waiting] = True
    hh.waiting_since[waiting] = week
    state.cases.set("desk", hh.case[waiting], desk)


def seed_prevalent_cases(state: RunState) -> None:
    """Start from the stationary stage mix of each type under onset, progression and resolution alone.

    These cases are flagged ``prevalent_at_start``; summaries are about new cases.
    """
    u_parts, d_parts = [], []
    for seed, part in zip(state.seeds, state.worlds.hh_parts, strict=True):
        rng = make_stream(seed, "init")
        n = part.stop - part.start
        u_parts.append(rng.random(n))
        d_parts.append(rng.random((3, n)))
    u, d = np.concatenate(u_parts), np.concatenate(d_parts, axis=1)
    onset = state.mechanism(Onset)
    shares = stationary_stage_shares(onset, state.mechanism(Progression), state.mechanism(NaturalResolution))
    cum = np.cumsum(shares, axis=1)[state.town.htype]
    stage = (u[:, None] >= cum[:, :-1]).sum(axis=1)
    idx = np.flatnonzero(stage > 0)
    weights = onset.domain_weights[state.town.htype[idx]]
    domains = np.zeros(len(idx), dtype=np.uint16)
    primary = draw_domains(weights, 0, d[0, idx])
    domains |= (1 << primary).astype(np.uint16)
    for step in (1, 2):
        extra = draw_domains(weights, domains, d[step, idx])
        add = (stage[idx] > step) & (extra >= 0)
        domains[add] |= (1 << extra[add]).astype(np.uint16)
    state.cases.open_prevalent(idx, primary, domains, stage[idx])


def stationary_stage_shares(onset: Onset, progression: Progression, resolution: NaturalResolution) -> np.ndarray:
    """Long-run stage shares of each household type with no community or services (rows: types).

    Uses the onset, progression and resolution parameters whether or not those mechanisms
    are switched on, so that every scenario on a seed starts from the same town.
    """
    shares = np.zeros((len(TYPE_KEYS), 4))
    for t in range(len(TYPE_KEYS)):
        h, up, down = onset.weekly[t], progression.weekly[:, t], resolution.weekly
        q = np.zeros((4, 4))  # weekly transition matrix
        q[0, 1] = h
        # Resolution is drawn before progression, so moving up needs not resolving first.
        q[1, 2], q[2, 3] = up[1] * (1 - down[1]), up[2] * (1 - down[2])
        q[1:, 0] = down[1:]
        np.fill_diagonal(q, 1.0 - q.sum(axis=1))
        a = np.vstack([q.T - np.eye(4), np.ones(4)])
        pi = np.linalg.lstsq(a, np.r_[np.zeros(4), 1.0], rcond=None)[0]
        shares[t] = np.clip(pi, 0, None) / np.clip(pi, 0, None).sum()
    return shares
