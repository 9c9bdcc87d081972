"""The engine over the whole float range, against mpmath.

For every finite valid parameter: a finite true value to 1e-9 relative, a
value beyond the float range as inf, never NaN, never an exception.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klgame.engine import Binomial, Categorical, Gaussian, Mixture, continuous_pair, entropy, kl


@pytest.fixture(autouse=True)
def _sixty_digits():
    """Every reference here works at 60 digits, whatever other modules set."""
    with mpmath.workdps(60):
        yield


FLOAT_MAX = mpmath.mpf(1.7976931348623157e308)


def exact_gaussian_kl(mp_, vp, mq, vq):
    """KL(N(mp, vp) ‖ N(mq, vq)) in 60 digits, from the textbook formula."""
    mp_, vp, mq, vq = (mpmath.mpf(x) for x in (mp_, vp, mq, vq))
    r = vp / vq
    return (r - 1 - mpmath.log(r) + (mp_ - mq) ** 2 / vq) / 2


def close(value: float, exact, rel: float = 1e-9) -> bool:
    """``value`` is ``exact`` to ``rel``, or inf when ``exact`` is beyond the float
    range (and within the smallest normal float of it when below that range)."""
    if exact > FLOAT_MAX:
        return value == math.inf
    tiny = mpmath.mpf(2.2250738585072014e-308)
    return math.isfinite(value) and abs(mpmath.mpf(value) - exact) <= rel * abs(exact) + tiny


# --- the cases that raised, overflowed or gave NaN -------------------------------------


@pytest.mark.parametrize(
    "p, q",
    [
        ((0, 1e-17), (0, 1)),  # raised "math domain error"; about 19.07
        ((0, 1e-300), (0, 1)),
        ((0, 1e-320), (0, 1)),
        ((0, 1e-320), (3, 1e10)),
        ((0, 1e-300), (0, 1e300)),
        ((0, 1e300), (0, 1e-300)),  # was NaN; beyond the float range: inf
        ((1e200, 1), (0, 1)),  # raised OverflowError; inf
        ((1e154, 1), (0, 1)),  # 5e307: finite, though (Δμ)² is not
        ((1.5e308, 1e300), (-1.5e308, 1e300)),  # Δμ overflows; the value does not
        ((1.5e308, 1e308), (-1.5e308, 1.7e308)),
        ((0, 1), (0, 1 + 1e-12)),
    ],
)
def test_gaussian_kl_over_the_float_range(p, q):
    value = kl(Gaussian(*p), Gaussian(*q))
    assert close(value, exact_gaussian_kl(*p, *q)), (value, exact_gaussian_kl(*p, *q))


def test_kl_of_a_very_narrow_gaussian_is_about_19():
    assert kl(Gaussian(0, 1e-17), Gaussian(0, 1)) == pytest.approx(19.0719732904, abs=1e-9)


@pytest.mark.parametrize("variance", [1e-320, 1e-300, 1e-17, 1.0, 1e300, 1e308, 1.7e308])
def test_gaussian_entropy_over_the_float_range(variance):
    exact = (mpmath.log(2 * mpmath.pi * mpmath.e * mpmath.mpf(variance))) / 2
    assert close(entropy(Gaussian(0, variance)), exact)


def test_entropy_of_variance_1e308_is_356():
    assert entropy(Gaussian(0, 1e308)) == pytest.approx(356.017042854, abs=1e-8)


def test_weights_and_counts_of_1e308_normalise():
    mixture = Mixture([Gaussian(0, 1), Gaussian(5, 1)], [1e308, 1e308])
    assert mixture.weights == (0.5, 0.5)
    mixture = Mixture([Gaussian(0, 1), Gaussian(5, 1), Gaussian(9, 1)], [1e308, 1.7e308, 0])
    assert mixture.weights == pytest.approx((1 / 2.7, 1.7 / 2.7, 0.0), rel=1e-15)
    counts = Categorical.from_counts([1e308, 1e308, 1.5e308])
    assert list(counts.probs) == pytest.approx([1 / 3.5, 1 / 3.5, 1.5 / 3.5], rel=1e-15)


def test_mixtures_with_means_of_plus_minus_1e200():
    far = Mixture([Gaussian(-1e200, 1), Gaussian(1e200, 1)])
    other = Mixture([Gaussian(-1e200, 1), Gaussian(1e200, 1)], [0.3, 0.7])
    assert kl(far, far) == 0.0
    # The components never overlap: KL is the KL of the weights, by hand.
    expected = 0.5 * math.log(0.5 / 0.3) + 0.5 * math.log(0.5 / 0.7)
    assert kl(far, other) == pytest.approx(expected, rel=1e-12)
    backward = 0.3 * math.log(0.3 / 0.5) + 0.7 * math.log(0.7 / 0.5)
    assert continuous_pair(far, other) == pytest.approx((expected, backward), rel=1e-12)
    # Against one Gaussian at 0: about (1e200)²/2 nats, beyond the float range.
    assert kl(far, Gaussian(0, 1)) == math.inf
    assert kl(Gaussian(0, 1), far) == math.inf


def test_mixture_far_out_matches_the_gaussian_closed_form():
    # One-component mixtures 1e200 from 0 go through the quadrature.
    p, q = Mixture([Gaussian(1e200, 1)]), Mixture([Gaussian(1e200 + 1e185, 3)])
    exact = exact_gaussian_kl(1e200, 1, 1e200 + 1e185, 3)
    assert close(kl(p, q), exact), (kl(p, q), exact)


# --- the sweep ---------------------------------------------------------------------------

variances = st.floats(min_value=-320, max_value=300).map(lambda e: 10.0**e)
means = st.one_of(
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False),
    st.floats(min_value=-300, max_value=300).map(lambda e: math.copysign(10.0 ** abs(e), e)),
    st.floats(min_value=-10, max_value=10),
)
SWEEP = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SWEEP
@given(means, variances, means, variances)
def test_gaussian_kl_sweep(mp_, vp, mq, vq):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        value = kl(Gaussian(mp_, vp), Gaussian(mq, vq))
    assert close(value, exact_gaussian_kl(mp_, vp, mq, vq))


@SWEEP
@given(variances)
def test_gaussian_entropy_sweep(variance):
    exact = mpmath.log(2 * mpmath.pi * mpmath.e * mpmath.mpf(variance)) / 2
    assert close(entropy(Gaussian(0, variance)), exact)


@SWEEP
@given(
    st.lists(st.floats(min_value=0, max_value=1.7e308), min_size=2, max_size=6),
    st.lists(st.floats(min_value=1e-300, max_value=1.7e308), min_size=2, max_size=6),
)
def test_categorical_kl_sweep(counts_p, counts_q):
    k = min(len(counts_p), len(counts_q))
    counts_p, counts_q = counts_p[:k], counts_q[:k]
    if max(counts_p) == 0:
        counts_p[0] = 1.0
    p, q = Categorical.from_counts(counts_p), Categorical.from_counts(counts_q)
    value = kl(p, q)
    pairs = list(zip(p.probs.tolist(), q.probs.tolist(), strict=True))
    if any(a > 0 and b == 0 for a, b in pairs):  # a ratio below the float range
        assert value == math.inf
        return
    # Against the masses the distributions hold (a count ratio of 1e-319 is
    # a subnormal float, itself rounded): KL of these two, in 60 digits.
    exact = mpmath.fsum(
        mpmath.mpf(a) * (mpmath.log(mpmath.mpf(a)) - mpmath.log(mpmath.mpf(b)))
        for a, b in pairs
        if a > 0
    )
    # The masses are rounded to floats once; KL near 0 is then a difference
    # of rounded numbers, so the bound is relative or 1e-15 absolute.
    assert math.isfinite(value)
    assert abs(mpmath.mpf(value) - exact) <= max(1e-9 * abs(exact), 1e-15)


@SWEEP
@given(st.integers(1, 50), st.floats(min_value=-320, max_value=-0.01).map(lambda e: 10.0**e))
def test_binomial_kl_sweep(n, p):
    a, b = Binomial(n, p), Binomial(n, 0.5)
    value = kl(a, b)
    pm = mpmath.mpf(p)
    exact = mpmath.fsum(
        mpmath.binomial(n, k)
        * pm**k
        * (1 - pm) ** (n - k)
        * (k * mpmath.log(pm) + (n - k) * mpmath.log(1 - pm) - n * mpmath.log(0.5))
        for k in range(n + 1)
    )
    assert abs(mpmath.mpf(value) - exact) <= max(1e-9 * abs(exact), 1e-15)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(means, variances, st.floats(0.01, 1.0)), min_size=1, max_size=3),
    st.lists(st.tuples(means, variances, st.floats(0.01, 1.0)), min_size=1, max_size=3),
)
def test_mixture_kl_is_never_nan_and_never_raises(p_parts, q_parts):
    p = Mixture([Gaussian(m, v) for m, v, _ in p_parts], [w for *_, w in p_parts])
    q = Mixture([Gaussian(m, v) for m, v, _ in q_parts], [w for *_, w in q_parts])
    forward, reverse = continuous_pair(p, q)
    for value in (forward, reverse, kl(p, q), kl(q, p)):
        assert value >= 0.0  # false for NaN
    assert kl(p, p) == pytest.approx(0.0, abs=1e-9)
