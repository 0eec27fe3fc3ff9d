"""Progress of runs by weeks simulated: within a batch, and across worker processes.

A run's cost is its weeks, so progress is counted in *run-weeks*: a batch of five replications
stepping one week adds five, and the warm-up that makes "today's town" counts its weeks too
(it costs about as much a week as a run). Runs in this process report through a callback.
Runs in worker processes write their count to a slot of a small file that the calling
process reads while it waits (:class:`WeekCounter`): each task writes only its own slot, so
no lock is needed, and no extra process or queue is started.

:class:`Estimate` turns run-weeks done into the share done and a time left that holds: the
average pace since the start, which is steady because every week costs about the same.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

_SLOT = np.dtype(np.int64)
_GONE = -2  # a slot whose file was removed before the task began


class WeekCounter:
    """Run-weeks simulated so far by each of ``slots`` tasks, in a file that worker processes write.

    Use as a context manager: the file is removed on exit.
    """

    def __init__(self, slots: int) -> None:
        handle, self.path = tempfile.mkstemp(prefix="community-sim-progress-", suffix=".bin")
        with os.fdopen(handle, "wb") as f:
            f.write(np.zeros(slots, dtype=_SLOT).tobytes())
        self.slots = slots

    def slot(self, index: int) -> WeekSlot:
        """The writer of one task's slot (picklable: it is sent with the task)."""
        return WeekSlot(self.path, index)

    def counts(self) -> np.ndarray:
        """Run-weeks done by each task so far."""
        return np.fromfile(self.path, dtype=_SLOT, count=self.slots)

    def close(self) -> None:
        """Remove the file."""
        if os.path.exists(self.path):
            os.unlink(self.path)

    def __enter__(self) -> WeekCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class WeekSlot:
    """Adds run-weeks to one slot of a :class:`WeekCounter`'s file, from any process.

    Called as ``slot(weeks)``; the file is opened on the first call and closed by :meth:`close`.
    """

    path: str
    index: int
    done: int = 0
    _fd: int = field(default=-1, repr=False, compare=False)

    def __call__(self, weeks: int) -> None:
        self.done += weeks
        if self._fd == _GONE:
            return
        if self._fd < 0:
            try:
                self._fd = os.open(self.path, os.O_WRONLY)
            except FileNotFoundError:  # the caller stopped waiting (another task failed): nobody reads it
                self._fd = _GONE
                return
        os.pwrite(self._fd, int(self.done).to_bytes(_SLOT.itemsize, "little", signed=True), self.index * _SLOT.itemsize)

    def close(self) -> None:
        """Close the file (the count stays)."""
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = -1

    def __getstate__(self) -> dict:
        return {"path": self.path, "index": self.index, "done": self.done, "_fd": -1}


def run_weeks(scenarios: int, replications: int, weeks: int, warmup_weeks: int) -> int:
    """The run-weeks of a comparison: every replication's warm-up once, then every scenario's weeks."""
    return replications * (warmup_weeks + scenarios * weeks)


@dataclass
class Estimate:
    """Share done and time left of ``total`` run-weeks, at the average pace since ``started``.

    ``started`` is when the simulation itself began (after worker processes started, which takes
    seconds under load): from then on every week costs about the same, warm-up weeks included,
    so the average pace holds.
    """

    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0

    def update(self, done: int) -> None:
        """Record the run-weeks done so far (never going back: a retried task starts again from 0)."""
        self.done = min(max(self.done, done), self.total)

    @property
    def share(self) -> float:
        """Share of the work done (0–1)."""
        return self.done / self.total if self.total else 1.0

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds left at the average pace so far (``None`` until some work is done)."""
        if self.done <= 0:
            return None
        elapsed = (time.monotonic() if now is None else now) - self.started
        return elapsed * (self.total - self.done) / self.done


class WeeksBar:
    """A terminal bar of run-weeks, with the time left from an :class:`Estimate`.

    Args:
        total: Run-weeks in all.
        initial: Run-weeks done before (an experiment run again after a crash).
        enabled: Whether to show it (on a terminal).
    """

    FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"

    def __init__(self, total: int, initial: int = 0, enabled: bool = True) -> None:
        self.estimate = Estimate(total - initial)
        self.bar = tqdm(
            total=total,
            initial=initial,
            desc="weeks simulated",
            unit="wk",
            unit_scale=True,
            miniters=1,  # after the warm-up's lump, tqdm would otherwise wait for as many weeks again
            dynamic_ncols=True,
            leave=False,
            disable=not enabled,
            bar_format=self.FORMAT,
        )
        self.initial = self.shown = initial
        self.extra = ""

    def simulating(self) -> None:
        """The simulation itself begins now (worker processes have started): the pace is taken from here."""
        self.estimate.started = time.monotonic()

    def to(self, done: int) -> None:
        """Run-weeks done so far (of this session, ``initial`` included)."""
        self.estimate.update(done - self.initial)
        left = self.estimate.seconds_left()
        said = f"about {_duration(left)} left" if left is not None else "warming up"
        self.bar.set_postfix_str(said + self.extra, refresh=False)
        if done > self.shown:
            self.bar.update(done - self.shown)
            self.shown = done

    def advance(self, weeks: int) -> None:
        """``weeks`` more run-weeks done."""
        self.to(self.shown + weeks)

    def note(self, text: str) -> None:
        """Something to show after the time left (e.g. runs finished and failed)."""
        self.extra = f", {text}"
        self.to(self.shown)

    def close(self) -> None:
        self.bar.close()


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
