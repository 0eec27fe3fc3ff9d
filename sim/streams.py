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

import numpy as np

# 0-d arrays rather than numpy scalars: ufuncs take them with less per-call overhead.
_GOLDEN = np.array(0x9E3779B97F4A7C15, dtype=np.uint64)
_M1 = np.array(0xBF58476D1CE4E5B9, dtype=np.uint64)
_M2 = np.array(0x94D049BB133111EB, dtype=np.uint64)
_S30, _S27, _S31 = (np.array(s, dtype=np.uint64) for s in (30, 27, 31))
_MASK64 = (1 << 64) - 1
_SHIFT = np.array(11, dtype=np.uint64)
_TO_UNIT = 1.0 / (1 << 53)  # 53 random bits → [0, 1)
_SORTED_PATH_FROM = 2000  # households; below this, gathering is as fast as spreading (measured)


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32, identical across processes)."""
    return zlib.crc32(name.encode("utf-8"))


def make_stream(seed: int, name: str) -> np.random.Generator:
    """The generator for stream ``name`` of the run seeded with ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(stream_key(name),)))


def _mix_scalar(x: int) -> int:
    """SplitMix64's finaliser on a Python int (mod 2^64)."""
    x &= _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


@functools.lru_cache(maxsize=256)
def _week_draw_mix(week: int, draw: int) -> int:
    """The (week, draw) part of a base, the same for every stream: computed once a week for all of them."""
    return _mix_scalar((week << 8) + draw + 1)


def _mix(x: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """SplitMix64's finaliser, vectorised in place on uint64 (``scratch``: a buffer of x's shape)."""
    t = np.empty_like(x) if scratch is None else scratch
    x ^= np.right_shift(x, _S30, out=t)
    x *= _M1
    x ^= np.right_shift(x, _S27, out=t)
    x *= _M2
    x ^= np.right_shift(x, _S31, out=t)
    return x


def _stream_key(seed: int, name: str) -> int:
    state = np.random.SeedSequence(entropy=seed, spawn_key=(stream_key(name),)).generate_state(2, np.uint64)
    return int(state[0]) ^ (int(state[1]) << 1)


class HouseholdStream:
    """Counter-based uniforms in [0, 1) keyed by (week, household, draw).

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
        self._key = keys[0]
        self._keys = np.array([k & _MASK64 for k in keys], dtype=np.uint64)  # mod 2^64, as _mix_scalar takes it
        self._batched = len(seeds) > 1
        if self._batched:
            if worlds is None or local is None:
                raise ValueError("a stream of several runs needs each household's run and its index within it")
            self._worlds = worlds
            self._local_golden = local.astype(np.uint64) * _GOLDEN  # the household part of every draw
            # Where each run's households start (runs are stacked in order), and the end.
            self._starts = np.r_[np.searchsorted(worlds, np.arange(len(seeds))), len(worlds)].astype(np.int64)
        self._x = self._t = np.zeros(0, dtype=np.uint64)  # work buffers, reused call after call
        self._town_part = np.zeros(0, dtype=np.uint64)  # the household part of every household's draw

    def base(self, week: int, draw: int = 0) -> np.ndarray:
        """The offset shared by every household's draw ``draw`` in ``week`` (one per run of a batch)."""
        if self._batched:
            return _mix(self._keys + np.uint64(_week_draw_mix(int(week), int(draw))))
        return np.array(self._base(week, draw), dtype=np.uint64)

    def _base(self, week: int, draw: int) -> int:
        return _mix_scalar(self._key + _week_draw_mix(int(week), int(draw)))

    def uniform(self, week: int, idx: np.ndarray, draw: int = 0) -> np.ndarray:
        """Uniforms for households ``idx`` in ``week``; ``draw`` separates several draws in a week."""
        n = len(idx)
        if n == 0:
            return np.zeros(0)
        x, t = self._buffers(n)
        if self._batched and n >= _SORTED_PATH_FROM and bool((idx[1:] >= idx[:-1]).all()):
            # Sorted households of a batch: each run's are one slice, so the run's base and start
            # are spread with repeat instead of gathered household by household (same values).
            counts = np.diff(np.searchsorted(idx, self._starts))
            np.subtract(idx, np.repeat(self._starts[:-1], counts), out=x, casting="unsafe")
            x *= _GOLDEN
            x += np.repeat(self.base(week, draw), counts)
        elif self._batched:
            np.take(self._local_golden, idx, out=x)
            x += self.base(week, draw)[self._worlds[idx]]
        else:
            x[:] = idx
            x *= _GOLDEN
            x += self.base(week, draw)
        return _to_unit(_mix(x, t))

    def uniform_town(self, week: int, n: int, draw: int = 0) -> np.ndarray:
        """``uniform(week, np.arange(n), draw)``: every household of the town, whose household part is kept."""
        if len(self._town_part) != n:  # a function of n alone: computed once
            self._town_part = (
                self._local_golden[:n].copy() if self._batched else np.arange(n, dtype=np.uint64) * _GOLDEN
            )
        x, t = self._buffers(n)
        if self._batched:
            np.add(self._town_part, self.base(week, draw)[self._worlds[:n]], out=x)
        else:
            np.add(self._town_part, self.base(week, draw), out=x)
        return _to_unit(_mix(x, t))

    def uniforms(self, week: int, idx: np.ndarray, draws: tuple[int, ...]) -> np.ndarray:
        """Several draws at once: row ``k`` equals ``uniform(week, idx, draws[k])`` (one pass, less overhead)."""
        n = len(idx)
        if n == 0:
            return np.zeros((len(draws), 0))
        if self._batched:
            return np.stack([self.uniform(week, idx, d) for d in draws])
        flat_x, flat_t = self._buffers(len(draws) * n)
        x, t = flat_x.reshape(len(draws), n), flat_t.reshape(len(draws), n)
        spread = t[0]  # the household part, the same in every row (t is free until _mix)
        spread[:] = idx
        spread *= _GOLDEN
        bases = np.array([self._base(week, d) for d in draws], dtype=np.uint64)
        np.add(spread, bases[:, None], out=x)
        return _to_unit(_mix(x, t))

    def _buffers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Two work buffers of ``n`` uint64 (reused call after call: only the returned uniforms are new)."""
        if len(self._x) < n:
            self._x, self._t = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
        return self._x[:n], self._t[:n]


def _to_unit(x: np.ndarray) -> np.ndarray:
    """The top 53 bits of mixed ``x`` as floats in [0, 1) (``x`` is used up).

    Read as int64 (exact below 2^53), which numpy converts to float faster than uint64.
    """
    x >>= _SHIFT
    u = x.view(np.int64).astype(np.float64)
    u *= _TO_UNIT
    return u


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Seeds of ``replications`` independent replications derived from one seed."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
