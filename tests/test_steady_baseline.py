"""A steady baseline: after the warm-up, the bundled baseline neither improves nor worsens by itself."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario, load_town
from sim.runner import run_many

TOLERANCE = {"problems": 0.06, "complex": 0.10}  # largest drift allowed between the first and the tenth year


@pytest.mark.slow
def test_the_baseline_holds_steady_for_ten_years_after_the_warm_up():
    runs = run_many([load_scenario("baseline")], load_town("neighbourhood"), 10, 20, seed=5, progress=False)
    weekly = [r.weekly for r in runs]
    problems = np.mean([w[["true_latent", "true_manifest", "true_complex"]].sum(axis=1) for w in weekly], axis=0)
    complex_ = np.mean([w["true_complex"] for w in weekly], axis=0)
    for name, series in (("problems", problems), ("complex", complex_)):
        first, last = series[1:53].mean(), series[-52:].mean()
        drift = last / first - 1
        assert abs(drift) <= TOLERANCE[name], f"households with {name} drift {drift:+.1%} over ten years"
