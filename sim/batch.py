"""Batches: several replications of one scenario stepped together as one set of arrays.

A :class:`~sim.model.CommunityModel` given a list of seeds builds each seed's town, stacks
them side by side (no tie, venue, desk or district is shared) and steps them together. Every
random draw is keyed by (seed, stream, week, household within its own town), every count,
hour and council decision is kept per run, so each run of a batch is exactly the run its seed
gives alone (tests/test_batch.py checks every table). What a batch saves is the per-week
cost of numpy calls, which a small town pays no matter its size: ten 3,000-household
replications stepped together cost a fifth of ten stepped one by one, 50 about a tenth.

A single run is a batch of one: the same code steps it, and ``model.results(k)``
(:class:`sim.engine.views.RunView`) reads run ``k`` of either.
"""

from __future__ import annotations

# A batch's size: up to 150,000 households (50 neighbourhood runs). Per run-week, 10 neighbourhood
# runs stepped together cost 222 µs, 25 cost 135 µs, 50 cost 118 µs and 75 cost 121 µs, with a peak
# memory of 292, 346, 438 and 531 MiB: past 50 nothing is saved (measured: docs/experiments.md).
MAX_BATCH_HOUSEHOLDS = 150_000
MAX_BATCH_RUNS = 50


def batch_sizes(replications: int, households: int, workers: int = 1, largest: int | None = None) -> list[int]:
    """Sizes of the consecutive blocks of replications to step together (they sum to ``replications``).

    As few blocks as the size limits allow, rounded up to a multiple of ``workers`` so that
    every worker gets the same share; ``largest`` caps the runs per block (1: no batching).
    """
    cap = max(1, min(MAX_BATCH_RUNS, MAX_BATCH_HOUSEHOLDS // max(households, 1)))
    if largest is not None:
        cap = max(1, min(cap, largest))
    blocks = -(-replications // cap)
    blocks = min(replications, workers * -(-blocks // workers)) if replications else 0
    base, extra = divmod(replications, blocks) if blocks else (0, 0)
    return [base + (1 if b < extra else 0) for b in range(blocks)]
