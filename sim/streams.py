"""Random streams, all derived from the run's seed.

Two kinds:

* :func:`make_stream` gives a ``numpy.random.Generator`` for one-off draws (building the
  town). It is keyed by a *name*, so adding a stream never shifts another.
* :class:`HouseholdStream` gives counter-based uniforms: the draw for household ``i`` in
  week ``w`` depends only on (seed, stream name, w, i, draw number). A mechanism can draw
  for just the households it acts on, and switching any mechanism on or off, or changing
  who is eligible, never changes another household's or another mechanism's luck. This is
  the strongest form of common random numbers (DESIGN.md): scenario differences on one
  seed are policy effects, not noise.
"""

from __future__ import annotations

import functools
import zlib

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_MASK64 = (1 << 64) - 1
_TO_UNIT = 1.0 / (1 << 53)  # 53 random bits → [0, 1)


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32, identical across processes)."""
    return zlib.crc32(name.encode("utf-8"))


def make_stream(seed: int, name: str) -> np.random.Generator:
    """The generator for stream ``name`` of the run seeded with ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(stream_key(name),)))


def _mix_scalar(x: int) -> int:
    """SplitMix64's finaliser on a Python int (mod 2^64): the definition the kernels below follow."""
    x &= _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


@functools.lru_cache(maxsize=256)
def _week_draw_mix(week: int, draw: int) -> np.uint64:
    """The (week, draw) part of a base, the same for every stream: computed once a week for all of them."""
    return np.uint64(_mix_scalar((week << 8) + draw + 1))


# The draws are compiled (numba): a mechanism draws for a few households dozens of times a week,
# and one compiled pass costs a microsecond where numpy's dozen whole-array steps cost ten
# (measured: docs/experiments.md, Speed). uint64 arithmetic wraps mod 2^64, as SplitMix64 wants; every
# constant is a uint64, since numba would turn uint64 mixed with int64 into float64.
@numba.njit(cache=True, inline="always")
def _mix(x: np.uint64) -> np.uint64:
    """SplitMix64's finaliser (compiled; equal to :func:`_mix_scalar`)."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    return x ^ (x >> _S31)


@numba.njit(cache=True, inline="always")
def _to_unit(x: np.uint64) -> float:
    """The top 53 bits of a mixed value as a float in [0, 1)."""
    return np.float64(x >> _S11) * _TO_UNIT


@numba.njit(cache=True, nogil=True)
def _fill_uniform(idx: np.ndarray, base: np.uint64, out: np.ndarray) -> None:
    """``out[i]`` = the draw of household ``idx[i]`` of a single run, given the (week, draw) ``base``."""
    for i in range(idx.shape[0]):
        out[i] = _to_unit(_mix(np.uint64(idx[i]) * _GOLDEN + base))


@numba.njit(cache=True, nogil=True)
def _fill_uniform_single(idx: np.ndarray, key: np.uint64, week_draw: np.uint64, out: np.ndarray) -> None:
    """:func:`_fill_uniform` for the stream ``key`` of a single run (its base mixed here, not in Python)."""
    _fill_uniform(idx, _mix(key + week_draw), out)


@numba.njit(cache=True, nogil=True)
def _fill_uniform_batched(
    idx: np.ndarray,
    starts: np.ndarray,
    local_golden: np.ndarray,
    worlds: np.ndarray,
    keys: np.ndarray,
    week_draw: np.uint64,
    out: np.ndarray,
) -> None:
    """As :func:`_fill_uniform` for stacked runs (run ``r``'s households are ``starts[r]:starts[r + 1]``):
    each household's base is its own run's, and its household part is its index within its run."""
    bases = np.empty(keys.shape[0], dtype=np.uint64)
    for run in range(keys.shape[0]):
        bases[run] = _mix(keys[run] + week_draw)
    n = idx.shape[0]
    descents = 0
    for i in range(1, n):  # no early exit: the count vectorises, an exit would not
        descents += idx[i] < idx[i - 1]
    if descents:  # unsorted: look up each household's run and index within it
        for k in range(n):
            j = idx[k]
            out[k] = _to_unit(_mix(local_golden[j] + bases[worlds[j]]))
        return
    # Sorted (the usual case): each run's households are one stretch of idx, drawn as a single run's,
    # with the run's start taken off the household part in its base: (i − start) × golden + base.
    bounds = np.searchsorted(idx, starts)
    for run in range(keys.shape[0]):
        lo, hi = bounds[run], bounds[run + 1]
        _fill_uniform(idx[lo:hi], bases[run] - np.uint64(starts[run]) * _GOLDEN, out[lo:hi])


@numba.njit(cache=True, nogil=True)
def _flag_below(base: np.uint64, rate: np.ndarray, mult: np.ndarray, out: np.ndarray) -> None:
    """``out[k]`` = whether household ``k``'s draw (given the base) is below ``rate[k] × mult[k]``."""
    for k in range(out.shape[0]):
        out[k] = _to_unit(_mix(np.uint64(k) * _GOLDEN + base)) < rate[k] * mult[k]


@numba.njit(cache=True, nogil=True)
def _flag_below_batched(
    starts: np.ndarray, keys: np.ndarray, week_draw: np.uint64, rate: np.ndarray, mult: np.ndarray, out: np.ndarray
) -> None:
    """:func:`_flag_below` for stacked runs, run by run (each run's households from its index 0)."""
    for run in range(keys.shape[0]):
        lo, hi = starts[run], starts[run + 1]
        _flag_below(_mix(keys[run] + week_draw), rate[lo:hi], mult[lo:hi], out[lo:hi])


def _stream_key(seed: int, name: str) -> int:
    state = np.random.SeedSequence(entropy=seed, spawn_key=(stream_key(name),)).generate_state(2, np.uint64)
    return int(state[0]) ^ (int(state[1]) << 1)


class HouseholdStream:
    """Counter-based uniforms in [0, 1) keyed by (week, household, draw).

    Household ``i``'s draw ``d`` in week ``w`` is SplitMix64's finaliser of
    ``i × golden + mix(key + mix(w × 256 + d + 1))`` (mod 2^64), its top 53 bits as a float;
    ``key`` is the stream's, from the run's seed and the stream's name.

    A batch of runs (one per seed, their households stacked: see :mod:`sim.batch`) passes
    ``worlds``, each household's run, and ``local``, its index within that run: household
    ``i`` then draws exactly what household ``local[i]`` draws in the run of seed ``seeds[worlds[i]]``.
    """

    def __init__(
        self,
        seed: int | list[int],
        name: str,
        worlds: np.ndarray | None = None,
        local: np.ndarray | None = None,
    ) -> None:
        seeds = [seed] if isinstance(seed, int | np.integer) else list(seed)
        keys = [_stream_key(int(s), name) for s in seeds]
        self._key = np.uint64(keys[0] & _MASK64)
        self._keys = np.array([k & _MASK64 for k in keys], dtype=np.uint64)  # mod 2^64, as _mix_scalar takes it
        self._batched = len(seeds) > 1
        if self._batched:
            if worlds is None or local is None:
                raise ValueError("a stream of several runs needs each household's run and its index within it")
            self._worlds = np.ascontiguousarray(worlds, dtype=np.int64)
            self._local_golden = local.astype(np.uint64) * _GOLDEN  # the household part of every draw
            # Where each run's households start (runs are stacked in order), and the end.
            self._starts = np.r_[np.searchsorted(worlds, np.arange(len(seeds))), len(worlds)].astype(np.int64)
        self._everyone = np.zeros(0, dtype=np.int64)  # arange(n) for uniform_town, kept

    def uniform(self, week: int, idx: np.ndarray, draw: int = 0) -> np.ndarray:
        """Uniforms for households ``idx`` in ``week``; ``draw`` separates several draws in a week."""
        out = np.empty(len(idx))
        self._fill(week, idx, draw, out)
        return out

    def uniform_town(self, week: int, n: int, draw: int = 0) -> np.ndarray:
        """``uniform(week, np.arange(n), draw)``: every household of the town."""
        if len(self._everyone) != n:
            self._everyone = np.arange(n, dtype=np.int64)
        return self.uniform(week, self._everyone, draw)

    def town_below(self, week: int, draw: int, rate: np.ndarray, mult: np.ndarray) -> np.ndarray:
        """The households of the town (``len(rate)``) whose draw ``draw`` this week falls below
        ``rate × mult``: ``np.flatnonzero(uniform_town(week, n, draw) < rate * mult)``, in one pass."""
        hit = np.empty(len(rate), dtype=np.bool_)
        starts = self._starts if self._batched else np.array([0, len(rate)])  # a single run: a batch of one
        _flag_below_batched(starts, self._keys, _week_draw_mix(int(week), int(draw)), rate, mult, hit)
        return np.flatnonzero(hit)

    def uniforms(self, week: int, idx: np.ndarray, draws: tuple[int, ...]) -> np.ndarray:
        """Several draws at once: row ``k`` equals ``uniform(week, idx, draws[k])``."""
        out = np.empty((len(draws), len(idx)))
        for row, draw in enumerate(draws):
            self._fill(week, idx, draw, out[row])
        return out

    def _fill(self, week: int, idx: np.ndarray, draw: int, out: np.ndarray) -> None:
        if len(idx) == 0:
            return
        week_draw = _week_draw_mix(int(week), int(draw))
        if self._batched:
            _fill_uniform_batched(idx, self._starts, self._local_golden, self._worlds, self._keys, week_draw, out)
        else:
            _fill_uniform_single(idx, self._key, week_draw, out)


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Seeds of ``replications`` independent replications derived from one seed."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
