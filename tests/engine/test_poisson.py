"""The Poisson family against mpmath and scipy.stats.poisson, over the float range."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from klgame.engine import (
    Binomial,
    Categorical,
    Poisson,
    PoissonFamily,
    cross_entropy,
    entropy,
    fit,
    kl,
)


@pytest.fixture(autouse=True)
def _sixty_digits():
    """Every reference here works at 60 digits, whatever other modules set."""
    with mpmath.workdps(60):
        yield


FLOAT_MAX = mpmath.mpf(1.7976931348623157e308)
#: The space worms' teeth counts (levels/space-worms.yaml).
WORMS = Categorical.from_counts([2, 3, 5, 14, 16, 15, 12, 8, 10, 8, 7], range(11))


def close(value: float, exact, rel: float = 1e-9) -> bool:
    if exact > FLOAT_MAX:
        return value == math.inf
    tiny = mpmath.mpf(2.2250738585072014e-308)
    return math.isfinite(value) and abs(mpmath.mpf(value) - exact) <= rel * abs(exact) + tiny


def exact_log_pmf(k: int, rate: float):
    rate = mpmath.mpf(rate)
    return k * mpmath.log(rate) - rate - mpmath.loggamma(k + 1)


def exact_forward(p: Categorical, rate: float):
    """KL(p‖Poisson(rate)) in 60 digits, term by term."""
    total = mpmath.mpf(0)
    for k, mass in zip(p.support, p.probs.tolist(), strict=True):
        if mass > 0:
            m = mpmath.mpf(mass)
            total += m * (mpmath.log(m) - exact_log_pmf(int(k), rate))
    return total


def exact_poisson_pair(a: float, b: float):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return a * mpmath.log(a / b) + b - a


# --- the masses --------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1e-300, 1e-6, 0.1, 1.0, 5.44, 30.0, 1e4, 1e12])
def test_log_masses_agree_with_scipy_and_mpmath(rate: float) -> None:
    q = Poisson(rate)
    for k in (0, 1, 2, 5, 10, 50, int(rate), int(rate) + 3):
        value = q.log_mass(k)
        assert close(value, exact_log_pmf(k, rate), 1e-12), (rate, k)
        reference = stats.poisson.logpmf(k, rate)
        # scipy's textbook formula loses digits near k ≈ λ for large λ (at
        # 1e12 it is 7e-5 off mpmath): compare with it where it keeps them.
        if rate <= 1e4 and math.isfinite(reference) and abs(reference) > 1e-3:
            assert value == pytest.approx(reference, rel=1e-9)


def test_masses_off_the_whole_numbers_are_structural_zeros() -> None:
    q = Poisson(3.0)
    for value in (-1, 2.5, "dog", True, math.inf):
        assert q.log_mass(value) == -math.inf
        assert q.mass(value) == 0.0
    assert q.log_mass(4.0) == q.log_mass(4)


def test_mean_variance_and_window() -> None:
    q = Poisson(5.44)
    assert q.mean == q.variance == 5.44
    # The window holds all but a negligible mass, and its masses are scipy's.
    assert stats.poisson.sf(max(q.support), 5.44) < 1e-15
    assert q.support[0] == 0
    assert q.probs == pytest.approx(stats.poisson.pmf(q.support, 5.44), rel=1e-12)
    assert math.fsum(q.probs) == pytest.approx(1.0, abs=1e-14)
    big = Poisson(1e6)
    assert min(big.support) > 0 and max(big.support) - min(big.support) < 20_000
    assert stats.poisson.cdf(min(big.support), 1e6) < 1e-15


def test_samples_have_the_rate_as_mean() -> None:
    xs = Poisson(5.44).sample(20_000, seed=1)
    assert np.mean(xs) == pytest.approx(5.44, abs=0.06)
    assert np.array_equal(xs, Poisson(5.44).sample(20_000, seed=1))


@pytest.mark.parametrize("rate", [0.0, -1.0, math.inf, math.nan])
def test_invalid_rates_are_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        Poisson(rate)


# --- KL rules -------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1e-300, 1e-9, 0.1, 1.0, 5.44, 7.0, 100.0, 1e10, 1e300, 1.7e308])
def test_forward_kl_from_counts_matches_mpmath(rate: float) -> None:
    value = kl(WORMS, Poisson(rate))
    assert close(value, exact_forward(WORMS, rate)), rate
    # and scipy's: Σ p log p − Σ p log q
    if rate < 1e10:
        p = WORMS.probs
        reference = float(np.sum(p * (np.log(p) - stats.poisson.logpmf(np.arange(11), rate))))
        assert value == pytest.approx(reference, rel=1e-9)


@given(
    counts=st.lists(st.floats(0, 1e6), min_size=2, max_size=12).filter(lambda c: max(c) > 0),
    log_rate=st.floats(-700, 709),
)
@settings(max_examples=60, deadline=None)
def test_forward_kl_over_the_float_range(counts: list[float], log_rate: float) -> None:
    p = Categorical.from_counts(counts)
    rate = math.exp(log_rate)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = kl(p, Poisson(rate))
    assert close(value, exact_forward(p, rate))


def test_forward_kl_is_infinite_where_poisson_has_no_mass() -> None:
    labels = Categorical([0.5, 0.5], ["dog", "panda"])
    assert kl(labels, Poisson(2.0)) == math.inf
    negative = Categorical([0.5, 0.5], [-1, 0])
    assert kl(negative, Poisson(2.0)) == math.inf
    # a structural zero of p off the whole numbers does not count
    zero_there = Categorical([0.0, 0.5, 0.5], [-1, 0, 1])
    assert math.isfinite(kl(zero_there, Poisson(2.0)))


@pytest.mark.parametrize("rate", [1e-300, 1.0, 5.44, 1e300])
def test_reverse_kl_against_a_finite_support_is_infinite(rate: float) -> None:
    assert kl(Poisson(rate), WORMS) == math.inf
    assert kl(Poisson(rate), Binomial(10, 0.5)) == math.inf
    assert cross_entropy(Poisson(rate), WORMS) == math.inf


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (1.0, 2.0),
        (5.44, 5.44),
        (5.44, 5.4400001),
        (1.0, 1.0 + 1e-9),
        (3.0, 0.5),
        (1e-300, 1.0),
        (1.0, 1e-300),
        (1e300, 1e-300),
        (1e-300, 1e300),
        (1.7e308, 1.0),
        (1.0, 1.7e308),
        (1e200, 1.0001e200),
    ],
)
def test_poisson_pair_closed_form_matches_mpmath(a: float, b: float) -> None:
    value = kl(Poisson(a), Poisson(b))
    assert close(value, exact_poisson_pair(a, b)), (a, b)


def test_poisson_pair_agrees_with_the_direct_sum() -> None:
    # Σ_k q1(k) log(q1(k)/q2(k)) over scipy's masses, for a rate where the
    # tail beyond 200 is negligible
    k = np.arange(200)
    p1, lp1, lp2 = (
        stats.poisson.pmf(k, 3.0),
        stats.poisson.logpmf(k, 3.0),
        stats.poisson.logpmf(k, 4.5),
    )
    assert kl(Poisson(3.0), Poisson(4.5)) == pytest.approx(
        float(np.sum(p1 * (lp1 - lp2))), rel=1e-12
    )


def exact_entropy(rate: float):
    rate = mpmath.mpf(rate)
    total = mpmath.mpf(0)
    centre = int(rate)
    reach = int(12 * mpmath.sqrt(rate)) + 60
    for k in range(max(0, centre - reach), centre + reach):
        log = k * mpmath.log(rate) - rate - mpmath.loggamma(k + 1)
        total -= mpmath.exp(log) * log
    return total


@pytest.mark.parametrize("rate", [0.01, 1.0, 5.44, 200.0, 9999.0, 1e4, 3e4])
def test_entropy_matches_mpmath(rate: float) -> None:
    assert close(entropy(Poisson(rate)), exact_entropy(rate))


def test_entropy_far_out_is_the_asymptotic_formula() -> None:
    for rate in (1e8, 1e100, 1e300):
        h = entropy(Poisson(rate))
        assert h == pytest.approx(0.5 * math.log(2 * math.pi * math.e * rate), rel=1e-9)


def test_entropy_and_cross_entropy_match_scipy() -> None:
    assert entropy(Poisson(5.44)) == pytest.approx(float(stats.poisson.entropy(5.44)), rel=1e-9)
    h = cross_entropy(WORMS, Poisson(5.44))
    assert h == pytest.approx(entropy(WORMS) + kl(WORMS, Poisson(5.44)), rel=1e-12)


# --- fitting ------------------------------------------------------------------------------


def test_forward_fit_is_the_mean_and_nothing_beats_it() -> None:
    found = fit(WORMS, PoissonFamily(), "forward", {"lambda": (0.1, 20.0)})
    assert found.values["lambda"] == pytest.approx(5.44, rel=1e-12)  # Σ k·count / 100
    # D at the mean is below D on a fine grid (convex in λ)
    grid = np.linspace(0.1, 20.0, 2001)
    assert found.divergence <= min(kl(WORMS, Poisson(float(x))) for x in grid) + 1e-15
    assert found.divergence == pytest.approx(float(exact_forward(WORMS, 5.44)), rel=1e-9)
    assert found.reverse == math.inf


def test_forward_fit_is_clipped_to_the_bounds() -> None:
    found = fit(WORMS, PoissonFamily(), "forward", {"lambda": (0.1, 3.0)})
    assert found.values["lambda"] == 3.0


def test_reverse_fit_against_counts_is_infinite_everywhere() -> None:
    found = fit(WORMS, PoissonFamily(), "reverse", {"lambda": (0.1, 20.0)})
    assert found.divergence == math.inf and math.isfinite(found.forward)


@pytest.mark.parametrize("rate", [0.1, 5.44, 40.0])
def test_cousins_against_scipy_over_a_long_support(rate: float) -> None:
    from scipy.spatial.distance import jensenshannon

    from klgame.engine import hellinger, jensen_shannon, total_variation

    k = np.arange(400)
    p = np.zeros(400)
    p[:11] = WORMS.probs
    q = stats.poisson.pmf(k, rate)
    q_ = Poisson(rate)
    assert jensen_shannon(WORMS, q_) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-9)
    h = math.sqrt(0.5 * float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))
    assert hellinger(WORMS, q_) == pytest.approx(h, rel=1e-9)
    assert total_variation(WORMS, q_) == pytest.approx(0.5 * float(np.abs(p - q).sum()), rel=1e-9)


def test_monte_carlo_sees_the_exact_masses() -> None:
    from klgame.engine.sampling import monte_carlo

    # λ = 0.1: counts of 10 are far outside the Poisson's drawn window, yet
    # their mass is not zero, so the estimate stays finite.
    found = monte_carlo(WORMS, Poisson(0.1), 2000, seed=3)
    assert math.isfinite(found.value)
    assert found.value == pytest.approx(kl(WORMS, Poisson(0.1)), rel=0.05)
