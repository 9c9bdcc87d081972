"""Monte Carlo estimates of KL's cousins: within their standard error of the
exact values (themselves checked against mpmath references in test_cousins),
seeded, bounded, and right by hand on a discrete pair."""

from __future__ import annotations

import math

import numpy as np
import pytest

from klgame.engine import Categorical, Gaussian, Mixture
from klgame.engine.cousins import hellinger, jensen_shannon, total_variation
from klgame.engine.sampling import monte_carlo_cousin

EXACT = {
    "jensen-shannon": jensen_shannon,
    "hellinger": hellinger,
    "total-variation": total_variation,
}
TWO_PEAK = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6])
PAIRS = [
    (Gaussian(0, 1), Gaussian(1.5, 2)),
    (TWO_PEAK, Gaussian(0.6, 9.64)),
    (Gaussian(3, 0.7), TWO_PEAK),
    (Categorical([0.36, 0.48, 0.16]), Categorical([0.2, 0.3, 0.5])),
]


@pytest.mark.parametrize("measure", sorted(EXACT))
@pytest.mark.parametrize(("p", "q"), PAIRS)
def test_estimates_agree_with_the_exact_value_within_their_error(p, q, measure):
    exact = EXACT[measure](p, q)
    for n, seed in [(2000, 1), (20000, 2)]:
        found = monte_carlo_cousin(p, q, n, seed, measure)
        assert found.n == n
        assert abs(found.value - exact) <= 5 * found.stderr + 1e-12, (found, exact)
        assert found.running[-1] == pytest.approx(found.value)
    small = monte_carlo_cousin(p, q, 200, 5, measure)
    large = monte_carlo_cousin(p, q, 20000, 5, measure)
    assert large.stderr < small.stderr / 4  # shrinks like 1/√N


def test_a_discrete_pair_by_hand():
    """p = (½, ½, 0), q = (0, ½, ½): TV = ½ (p exceeds q by ½ at the first
    outcome), B = Σ√(pq) = ½ so H = √½, and m = (¼, ½, ¼) gives
    KL(p‖m) = KL(q‖m) = ½ log 2, so JS = ½ log 2. Every sample of p lands on
    0 or 1, every sample of q on 1 or 2: each term is one of two values."""
    p, q = Categorical([0.5, 0.5, 0.0]), Categorical([0.0, 0.5, 0.5])
    n = 4000
    xs = np.asarray(p.sample(n, seed=3))
    on_first = float(np.mean(xs == 0))
    tv = monte_carlo_cousin(p, q, n, 3, "total-variation")
    assert tv.value == pytest.approx(on_first)  # 1 − q/p is 1 there, 0 at the middle
    assert abs(tv.value - 0.5) <= 5 * tv.stderr
    h = monte_carlo_cousin(p, q, n, 3, "hellinger")
    assert h.value == pytest.approx(math.sqrt(1 - (1 - on_first)))  # √(q/p) is 0 or 1
    assert abs(h.value - math.sqrt(0.5)) <= 5 * h.stderr
    js = monte_carlo_cousin(p, q, n, 3, "jensen-shannon")
    assert abs(js.value - 0.5 * math.log(2)) <= 5 * js.stderr


@pytest.mark.parametrize("measure", sorted(EXACT))
def test_seeded_bounded_and_finite_where_kl_is_infinite(measure):
    # disjoint supports: KL is ∞ both ways, the cousins are at their bounds
    p, q = Categorical([1.0, 0.0]), Categorical([0.0, 1.0])
    found = monte_carlo_cousin(p, q, 100, 1, measure)
    bound = math.log(2) if measure == "jensen-shannon" else 1.0
    assert found.value == pytest.approx(bound)
    assert all(math.isfinite(v) for v in (found.value, found.stderr, *found.running))
    far = monte_carlo_cousin(Gaussian(0, 1e-6), Gaussian(1e6, 1e6), 1000, 2, measure)
    assert 0.0 <= far.value <= bound + 1e-12 and math.isfinite(far.stderr)
    again = monte_carlo_cousin(TWO_PEAK, Gaussian(0, 1), 500, 9, measure)
    assert again == monte_carlo_cousin(TWO_PEAK, Gaussian(0, 1), 500, 9, measure)
    with pytest.raises(ValueError):
        monte_carlo_cousin(p, q, 0, 1, measure)
