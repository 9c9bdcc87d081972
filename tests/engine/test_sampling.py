"""Monte Carlo KL: seeded, unbiased within its standard error, ∞ where KL is."""

from __future__ import annotations

import math

import numpy as np
import pytest

from klgame.engine import Categorical, Gaussian, Mixture, kl
from klgame.engine.sampling import monte_carlo

TWO_PEAK = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6])


@pytest.mark.parametrize(
    ("p", "q"),
    [(Gaussian(0, 4), TWO_PEAK), (TWO_PEAK, Gaussian(0.6, 9.64)), (Gaussian(0, 1), Gaussian(1, 2))],
)
def test_estimates_agree_with_the_exact_value_within_their_error(p, q):
    exact = kl(p, q)
    for n, seed in [(1000, 1), (10000, 2), (10000, 3)]:
        found = monte_carlo(p, q, n, seed)
        assert abs(found.value - exact) <= 5 * found.stderr
        assert found.running[-1] == pytest.approx(found.value)
    # The error shrinks like 1/√N.
    small, large = monte_carlo(p, q, 100, 5), monte_carlo(p, q, 10000, 5)
    assert large.stderr < small.stderr / 4


def test_gaussian_by_hand():
    """Samples of N(0,1) against N(1,1): log p − log q = ½(x−1)² − ½x² = ½ − x."""
    p, q = Gaussian(0, 1), Gaussian(1, 1)
    xs = p.sample(50, seed=9)
    found = monte_carlo(p, q, 50, 9)
    assert found.value == pytest.approx(float(np.mean(0.5 - xs)), rel=1e-12)
    assert found.stderr == pytest.approx(float(np.std(0.5 - xs, ddof=1) / math.sqrt(50)))


def test_seeded_and_discrete():
    a = Categorical([0.7, 0.3], ["dog", "panda"])
    b = Categorical([0.5, 0.5], ["dog", "panda"])
    assert monte_carlo(a, b, 100, 4) == monte_carlo(a, b, 100, 4)
    assert abs(monte_carlo(a, b, 10000, 4).value - kl(a, b)) < 0.02
    # A sample where q is zero: the estimate is ∞, as KL is.
    certain = Categorical([1.0, 0.0], ["dog", "panda"])
    assert monte_carlo(b, certain, 100, 1).value == math.inf == kl(b, certain)
    with pytest.raises(ValueError, match="n must be"):
        monte_carlo(a, b, 0, 1)
