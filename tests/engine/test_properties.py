"""Properties that hold for every pair the game can make.

Parameter ranges are the game's: means in [−20, 20], variances in [0.01, 50],
mixtures of up to three components with unequal weights, discrete
distributions with zeros in them.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mpmath import mp, mpf

from klgame.engine import (
    Binomial,
    Categorical,
    Gaussian,
    Mixture,
    continuous_pair,
    cross_entropy,
    entropy,
    kl,
)

LN2 = math.log(2.0)

ENGINE = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI failures reproduce
    suppress_health_check=[HealthCheck.too_slow],
)

means = st.floats(-20.0, 20.0, allow_nan=False)
variances = st.floats(0.01, 50.0, allow_nan=False)
gaussians = st.builds(Gaussian, means, variances)
weights = st.floats(0.02, 1.0, allow_nan=False)


@st.composite
def mixtures(draw, max_components: int = 3) -> Mixture:
    k = draw(st.integers(1, max_components))
    parts = draw(st.lists(gaussians, min_size=k, max_size=k))
    return Mixture(parts, draw(st.lists(weights, min_size=k, max_size=k)))


continuous = st.one_of(gaussians, mixtures())


@st.composite
def probability_lists(draw, size: int) -> list[float]:
    raw = draw(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=size, max_size=size))
    # Zeros are the interesting case: force some.
    zeros = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    raw = [0.0 if zero else x for x, zero in zip(raw, zeros, strict=True)]
    assume(sum(raw) > 1e-6)
    total = math.fsum(raw)
    return [x / total for x in raw]


@st.composite
def discretes(draw, support: tuple[int, ...] | None = None):
    if support is None:
        size = draw(st.integers(1, 6))
        start = draw(st.integers(0, 3))
        support = tuple(range(start, start + size))
    kind = draw(st.sampled_from(["categorical", "binomial"]))
    if kind == "binomial" and support[0] == 0:
        p = draw(st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0)))
        return Binomial(len(support) - 1, p)
    return Categorical(draw(probability_lists(len(support))), support)


@st.composite
def discrete_pairs(draw):
    """Pairs over the same support, or over overlapping but different ones."""
    if draw(st.booleans()):
        size = draw(st.integers(1, 6))
        support = tuple(range(size))
        return draw(discretes(support)), draw(discretes(support))
    return draw(discretes()), draw(discretes())


def finite_or_inf(value: float) -> bool:
    return not math.isnan(value) and (math.isfinite(value) or value == math.inf)


# --- continuous ---------------------------------------------------------------------------


@ENGINE
@given(continuous, continuous)
def test_kl_is_non_negative_and_never_nan(p, q):
    for value in (kl(p, q), kl(q, p), *continuous_pair(p, q)):
        assert not math.isnan(value)
        assert math.isfinite(value)
        assert value >= 0.0


@ENGINE
@given(continuous)
def test_kl_to_itself_is_zero(p):
    assert kl(p, p) <= 1e-12
    forward, reverse = continuous_pair(p, p)
    assert forward <= 1e-12 and reverse <= 1e-12


@ENGINE
@given(continuous, continuous)
def test_bits_are_nats_over_ln2_continuous(p, q):
    assert kl(p, q, units="bits") == pytest.approx(kl(p, q) / LN2, rel=1e-14, abs=0)


@ENGINE
@given(continuous, continuous)
def test_continuous_pair_equals_two_kl_calls(p, q):
    forward, reverse = continuous_pair(p, q)
    # Gaussian pairs: kl uses the closed form, continuous_pair the quadrature.
    assert forward == pytest.approx(kl(p, q), rel=1e-10, abs=1e-13)
    assert reverse == pytest.approx(kl(q, p), rel=1e-10, abs=1e-13)


@ENGINE
@given(gaussians, gaussians)
def test_gaussian_closed_form_equals_quadrature(p, q):
    assert kl(p, q) == pytest.approx(kl(p.as_mixture(), q.as_mixture()), rel=1e-10, abs=1e-13)


@ENGINE
@given(mixtures(), continuous, st.randoms(use_true_random=False))
def test_mixture_order_does_not_matter(p, q, rng):
    order = list(range(len(p.components)))
    rng.shuffle(order)
    shuffled = Mixture([p.components[i] for i in order], [p.weights[i] for i in order])
    assert kl(shuffled, q) == pytest.approx(kl(p, q), rel=1e-10, abs=1e-13)
    assert kl(q, shuffled) == pytest.approx(kl(q, p), rel=1e-10, abs=1e-13)


@ENGINE
@given(gaussians, continuous, weights, weights)
def test_a_split_component_is_the_same_distribution(g, q, w1, w2):
    split = Mixture([g, g], [w1, w2])
    assert kl(split, q) == pytest.approx(kl(g, q), rel=1e-10, abs=1e-13)
    assert kl(q, split) == pytest.approx(kl(q, g), rel=1e-10, abs=1e-13)


# --- discrete --------------------------------------------------------------------------------


@ENGINE
@given(discrete_pairs())
def test_discrete_kl_is_non_negative_never_nan(pair):
    p, q = pair
    for value in (kl(p, q), kl(q, p)):
        assert finite_or_inf(value)
        assert value >= 0.0


@ENGINE
@given(discretes())
def test_discrete_kl_to_itself_is_zero(p):
    assert kl(p, p) <= 1e-15


@ENGINE
@given(discrete_pairs())
def test_bits_are_nats_over_ln2_discrete(pair):
    p, q = pair
    nats, bits = kl(p, q), kl(p, q, units="bits")
    if nats == math.inf:
        assert bits == math.inf
    else:
        assert bits == pytest.approx(nats / LN2, rel=1e-14, abs=0)


@ENGINE
@given(discrete_pairs())
def test_cross_entropy_is_entropy_plus_kl(pair):
    p, q = pair
    h_pq, h_p, d = cross_entropy(p, q), entropy(p), kl(p, q)
    assert finite_or_inf(h_pq) and math.isfinite(h_p)
    if d == math.inf:
        assert h_pq == math.inf
    else:
        assert h_pq == pytest.approx(h_p + d, rel=1e-12, abs=1e-12)
    assert cross_entropy(p, q, units="bits") == pytest.approx(h_pq / LN2, rel=1e-14, abs=0)


@ENGINE
@given(discrete_pairs())
def test_kl_is_infinite_exactly_where_q_misses_p(pair):
    p, q = pair
    # Structural zeros only: a mass that underflows to 0.0 still has a finite log.
    misses = any(p.log_mass(v) > -math.inf and q.log_mass(v) == -math.inf for v in p.support)
    assert (kl(p, q) == math.inf) == misses


# --- binomials with masses too small for a float ---------------------------------------------

P_MIN, P_MAX = 1e-300, 1 - 1e-12


def _clipped(p: float) -> float:
    return min(max(p, P_MIN), P_MAX)


# Uniform in p, log-uniform down to 1e-300, and log-uniform in 1 − p up to 1 − 1e-12:
# the last two put masses far below the smallest float on the far side of the support.
binomial_ps = st.one_of(
    st.floats(P_MIN, P_MAX),
    st.floats(math.log(P_MIN), math.log(0.5)).map(lambda x: _clipped(math.exp(x))),
    st.floats(math.log(1 - P_MAX), math.log(0.5)).map(lambda x: _clipped(-math.expm1(x))),
)


def binomial_kl_mp(n: int, p: float, q: float) -> mpf:
    """Σ p_k (log p_k − log q_k) over k = 0..n, in mpmath at 50 digits."""
    with mp.workdps(50):
        p_, q_ = mpf(p), mpf(q)
        logs = (mp.log(p_), mp.log1p(-p_), mp.log(q_), mp.log1p(-q_))
        terms = []
        for k in range(n + 1):
            choose = mp.log(math.comb(n, k))
            log_p = choose + k * logs[0] + (n - k) * logs[1]
            log_q = choose + k * logs[2] + (n - k) * logs[3]
            terms.append(mp.exp(log_p) * (log_p - log_q))
        return mp.fsum(terms)


@ENGINE
@given(st.integers(1, 60), binomial_ps, binomial_ps, st.sampled_from([0.0, 1e-9, 1e-4]))
def test_binomial_kl_is_finite_and_matches_mpmath(n, p, q, nudge):
    if nudge:  # a near-identical pair: the sum cancels, the absolute tolerance takes over
        q = _clipped(p * (1 + nudge))
    b, c = Binomial(n, p), Binomial(n, q)
    for x, y in ((b, c), (c, b)):
        value = kl(x, y)
        assert not math.isnan(value) and math.isfinite(value) and value >= 0.0
        want = float(binomial_kl_mp(n, x.p, y.p))
        assert value == pytest.approx(want, rel=1e-9, abs=1e-13)
