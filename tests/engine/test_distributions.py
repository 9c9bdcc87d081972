"""Distributions: validation, immutability, densities, moments, sampling, the KL registry."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from klgame.engine import (
    Binomial,
    Categorical,
    Continuous,
    Discrete,
    Gaussian,
    Mixture,
    cross_entropy,
    kl,
)
from klgame.engine.distributions import _EXACT_CHOOSE_MAX_N, _log_choose

# The package exports a function named ``divergence``; this is the module of that name.
divergence_module = importlib.import_module("klgame.engine.divergence")

TWO_PEAK = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6])
THREE = Mixture([Gaussian(-4, 1), Gaussian(1, 0.5), Gaussian(5, 2)], [0.5, 0.3, 0.2])


# --- validation: the message names the parameter and the value ------------------------


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Gaussian(0, 0), ["variance", "0"]),
        (lambda: Gaussian(0, -1.5), ["variance", "-1.5"]),
        (lambda: Gaussian(0, math.nan), ["variance", "nan"]),
        (lambda: Gaussian(0, math.inf), ["variance", "inf"]),
        (lambda: Gaussian(math.nan, 1), ["mean", "nan"]),
        (lambda: Gaussian(-math.inf, 1), ["mean", "inf"]),
        (lambda: Gaussian("wide", 1), ["mean", "wide"]),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], [0.5, -0.25]), ["weight 2", "-0.25"]),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], [math.nan, 1]), ["weight 1", "nan"]),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], [0, 0]), ["weights", "zero"]),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], [1.0]), ["weights", "2", "1"]),
        (lambda: Mixture([]), ["components", "empty"]),
        (lambda: Mixture([Gaussian(0, 1), (0, 1)]), ["component 2", "(0, 1)"]),
        (lambda: Categorical([0.5, -0.1, 0.6]), ["probs[1]", "-0.1"]),
        (lambda: Categorical([0.5, math.nan]), ["probs[1]", "nan"]),
        (lambda: Categorical([0.5, 0.4]), ["sum to 1", "0.9"]),
        (lambda: Categorical([0.5, 0.5 + 2e-9]), ["sum to 1", "1.000000002"]),
        (lambda: Categorical([]), ["probs", "empty"]),
        (lambda: Categorical([0.5, 0.5], ["a"]), ["support", "2", "1"]),
        (lambda: Categorical([0.5, 0.5], ["a", "a"]), ["distinct", "'a'"]),
        (lambda: Categorical.from_counts([1, -2, 3]), ["counts[1]", "-2"]),
        (lambda: Categorical.from_counts([0, 0]), ["counts", "zero"]),
        (lambda: Categorical.uniform([]), ["support", "empty"]),
        (lambda: Binomial(10, 1.5), ["p", "1.5"]),
        (lambda: Binomial(10, -0.1), ["p", "-0.1"]),
        (lambda: Binomial(10, math.nan), ["p", "nan"]),
        (lambda: Binomial(-1, 0.5), ["n", "-1"]),
        (lambda: Binomial(2.5, 0.5), ["n", "2.5"]),
        (lambda: Binomial(True, 0.5), ["n", "True"]),
    ],
)
def test_bad_parameters_are_named_with_their_value(make, words):
    with pytest.raises(ValueError) as raised:
        make()
    message = str(raised.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_probabilities_may_drift_by_less_than_1e_9():
    Categorical([0.5, 0.5 + 5e-10])
    Categorical([0.1] * 10)  # 0.1 ten times is not exactly 1
    assert Binomial(0, 0.3).probs.tolist() == [1.0]
    assert Binomial(3, 0.0).probs.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert Binomial(3, 1.0).probs.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_numbers_may_come_as_strings_or_numpy_scalars():
    assert Gaussian("1.5", np.float32(2.0)) == Gaussian(1.5, 2.0)
    assert Binomial(np.int64(4), "0.25").n == 4
    assert isinstance(Binomial(4.0, 0.25).n, int)


# --- immutability -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, name",
    [
        (Gaussian(0, 1), "mean"),
        (Gaussian(0, 1), "variance"),
        (TWO_PEAK, "weights"),
        (TWO_PEAK, "components"),
        (Categorical([0.2, 0.8]), "_probs"),
        (Binomial(4, 0.5), "p"),
        (Binomial(4, 0.5), "n"),
    ],
)
def test_distributions_are_frozen(value, name):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, name, 0)


def test_equal_distributions_are_equal_and_hash_alike():
    assert Gaussian(0, 1) == Gaussian(0.0, 1.0)
    assert hash(Gaussian(0, 1)) == hash(Gaussian(0.0, 1.0))
    same = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [2, 3])  # normalised to 0.4, 0.6
    assert same == TWO_PEAK and hash(same) == hash(TWO_PEAK)
    assert {Categorical([0.5, 0.5]), Categorical([0.5, 0.5])} == {Categorical.uniform(2)}


def test_mixture_keeps_its_own_copy_of_inputs():
    parts, weights = [Gaussian(0, 1), Gaussian(2, 1)], [1.0, 3.0]
    m = Mixture(parts, weights)
    parts.append(Gaussian(9, 9))
    weights[0] = 100.0
    assert len(m.components) == 2 and m.weights == (0.25, 0.75)


def _mutate(array: np.ndarray) -> None:
    """Write into an array the engine handed out; read-only arrays may refuse."""
    with contextlib.suppress(ValueError):
        array[...] = 7.0


@pytest.mark.parametrize(
    "make, attribute",
    [
        (lambda: Categorical([0.2, 0.8]), "probs"),
        (lambda: Binomial(4, 0.3), "probs"),
        (lambda: Categorical([0.2, 0.8]), "log_probs"),
        (lambda: Binomial(4, 0.3), "log_probs"),
        (lambda: Mixture([Gaussian(-3, 1), Gaussian(3, 2)], [0.4, 0.6]), "means"),
        (lambda: Mixture([Gaussian(-3, 1), Gaussian(3, 2)], [0.4, 0.6]), "variances"),
    ],
)
def test_arrays_handed_out_cannot_change_the_distribution(make, attribute):
    d = make()
    reference = make()
    _mutate(getattr(d, attribute))
    assert d.mean == pytest.approx(reference.mean)
    assert d.variance == pytest.approx(reference.variance)
    if isinstance(d, Continuous):
        assert kl(d, reference) == 0.0
    else:
        assert np.array_equal(d.probs, reference.probs)


# --- densities, masses and moments ------------------------------------------------------


def test_gaussian_log_density_and_density():
    g = Gaussian(1.5, 4.0)
    x = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(g.log_density(x), stats.norm.logpdf(x, 1.5, 2.0), rtol=1e-13)
    np.testing.assert_allclose(g.density(x), stats.norm.pdf(x, 1.5, 2.0), rtol=1e-13)
    assert g.std == 2.0
    assert float(g.log_density(1.5)) == pytest.approx(-0.5 * math.log(2 * math.pi * 4.0))


def test_mixture_log_density_matches_weighted_sum():
    x = np.linspace(-10, 10, 81)
    want = np.log(
        0.5 * stats.norm.pdf(x, -4, 1)
        + 0.3 * stats.norm.pdf(x, 1, 0.5**0.5)
        + 0.2 * stats.norm.pdf(x, 5, 2**0.5)
    )
    np.testing.assert_allclose(THREE.log_density(x), want, rtol=1e-12)
    assert THREE.log_density(x).shape == x.shape
    assert THREE.log_density(np.zeros((2, 3))).shape == (2, 3)


def test_mixture_log_density_is_finite_far_out():
    # The density itself underflows to 0 there; its log must not become -inf or NaN.
    far = THREE.log_density(np.array([-1000.0, 1000.0]))
    assert np.all(np.isfinite(far))
    assert far[1] == pytest.approx(float(Gaussian(5, 2).log_density(1000.0)) + math.log(0.2))


def test_gaussian_as_mixture():
    g = Gaussian(2, 3)
    m = g.as_mixture()
    assert m.components == (g,) and m.weights == (1.0,)
    assert TWO_PEAK.as_mixture() is TWO_PEAK


def test_moments():
    assert (Gaussian(-2, 0.5).mean, Gaussian(-2, 0.5).variance) == (-2, 0.5)
    assert TWO_PEAK.mean == pytest.approx(0.6)
    assert TWO_PEAK.variance == pytest.approx(1 + 9 - 0.36)
    assert THREE.mean == pytest.approx(0.5 * -4 + 0.3 * 1 + 0.2 * 5)
    b = Binomial(10, 0.544)
    assert (b.mean, b.variance) == pytest.approx((5.44, 10 * 0.544 * 0.456))
    assert Categorical(b.probs).mean == pytest.approx(5.44)
    assert Categorical(b.probs).variance == pytest.approx(b.variance)
    c = Categorical([0.25, 0.75], support=[10, 20])
    assert (c.mean, c.variance) == pytest.approx((17.5, 18.75))


def test_moments_of_labels_are_undefined():
    pets = Categorical([0.7, 0.3], ["dog", "panda"])
    with pytest.raises(ValueError, match="not numeric"):
        _ = pets.mean
    with pytest.raises(ValueError, match="not numeric"):
        _ = pets.variance


def test_masses():
    b = Binomial(2, 0.4)
    np.testing.assert_allclose(b.probs, [0.36, 0.48, 0.16], rtol=1e-14)
    np.testing.assert_allclose(b.probs, stats.binom.pmf(range(3), 2, 0.4), rtol=1e-14)
    np.testing.assert_allclose(
        Binomial(30, 0.17).probs, stats.binom.pmf(range(31), 30, 0.17), rtol=1e-12
    )
    assert b.mass(1) == pytest.approx(0.48)
    assert b.mass(3) == 0.0 and b.log_mass(3) == -math.inf
    assert b.log_mass(2) == pytest.approx(math.log(0.16))
    pets = Categorical([0.7, 0.3, 0.0], ["dog", "panda", "cat"])
    assert pets.mass("panda") == pytest.approx(0.3)
    assert pets.mass("cat") == 0.0 and pets.log_mass("cat") == -math.inf
    assert pets.mass("owl") == 0.0


def test_log_masses():
    b = Binomial(30, 0.17)
    np.testing.assert_allclose(b.log_probs, stats.binom.logpmf(range(31), 30, 0.17), rtol=1e-13)
    np.testing.assert_array_equal(b.probs, np.exp(b.log_probs))  # the two always agree
    assert b.log_mass(4) == b.log_probs[4] and b.log_mass(31) == -math.inf
    assert Binomial(0, 0.3).log_probs.tolist() == [0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from log(0)
        pets = Categorical([0.7, 0.3, 0.0], ["dog", "panda", "cat"])
        assert pets.log_probs.tolist() == [math.log(0.7), math.log(0.3), -math.inf]
        assert pets.log_mass("cat") == -math.inf and pets.log_mass("owl") == -math.inf
        assert pets.log_mass("dog") == math.log(0.7)


def test_tiny_binomial_masses_underflow_but_their_logs_do_not():
    b = Binomial(5, 1e-70)
    # C(5, k)·1e-70^k·(1 − 1e-70)^(5−k): 1e-350 on k = 5 is below the smallest float.
    assert b.probs[5] == 0.0 and b.mass(5) == 0.0
    assert np.all(np.isfinite(b.log_probs))
    want = [math.log(math.comb(5, k)) + k * math.log(1e-70) for k in range(6)]
    want[0] = -5e-70  # 5·log1p(−1e-70)
    np.testing.assert_allclose(b.log_probs, want, rtol=1e-15)
    assert b.log_mass(5) == pytest.approx(-805.9047825479161, rel=1e-15)
    assert np.all(np.isfinite(Binomial(60, 1e-300).log_probs))
    assert np.all(np.isfinite(Binomial(60, 1 - 2.0**-40).log_probs))


@pytest.mark.parametrize(
    "b, at",
    [(Binomial(4, 0.0), 0), (Binomial(4, 1.0), 4), (Binomial(0, 0.0), 0), (Binomial(0, 1.0), 0)],
    ids=["p = 0", "p = 1", "n = 0, p = 0", "n = 0, p = 1"],
)
def test_binomial_structural_zeros(b, at):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logs = b.log_probs
    want = np.full(b.n + 1, -math.inf)
    want[at] = 0.0
    np.testing.assert_array_equal(logs, want)
    np.testing.assert_array_equal(b.probs, np.exp(want))


def test_log_binomial_coefficients_are_exact_then_by_lgamma():
    for n in (0, 1, 5, 60, 200, _EXACT_CHOOSE_MAX_N, _EXACT_CHOOSE_MAX_N + 1, 1500):
        got = _log_choose(n)
        want = [math.log(math.comb(n, k)) for k in range(n + 1)]
        # Exactly the log of the integer up to the limit; lgamma's error grows with log n! beyond.
        tolerance = 0.0 if n <= _EXACT_CHOOSE_MAX_N else 1e-11
        np.testing.assert_allclose(got, want, rtol=0, atol=tolerance)


def test_constructors_of_categorical():
    counts = Categorical.from_counts([1, 3], support=["tails", "heads"])
    assert counts.support == ("tails", "heads") and counts.probs.tolist() == [0.25, 0.75]
    assert Categorical.uniform(4).support == (0, 1, 2, 3)
    assert Categorical.uniform(["a", "b"]).probs.tolist() == [0.5, 0.5]
    assert Categorical([0.5, 0.5]).support == (0, 1)
    assert "dog" in repr(Categorical([1.0], ["dog"]))


# --- seeded sampling ----------------------------------------------------------------


@pytest.mark.parametrize(
    "d",
    [
        Gaussian(-2, 3),
        TWO_PEAK,
        THREE,
        Binomial(10, 0.544),
        Categorical([0.1, 0.6, 0.3], [2, 4, 8]),
    ],
    ids=["gaussian", "two-peak", "three", "binomial", "categorical"],
)
def test_seeded_sampling(d):
    a, b = d.sample(1000, seed=7), d.sample(1000, seed=7)
    assert len(a) == 1000
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, d.sample(1000, seed=8))
    n = 40_000
    values = np.asarray(d.sample(n, seed=11), dtype=float)
    # Five standard errors: fails by chance about once in two million seeds (it is seeded).
    assert abs(values.mean() - d.mean) < 5 * math.sqrt(d.variance / n)
    assert values.var() == pytest.approx(d.variance, rel=0.05)


def test_discrete_samples_are_support_values():
    pets = Categorical([0.7, 0.3, 0.0], ["dog", "panda", "cat"])
    drawn = pets.sample(500, seed=3)
    assert set(drawn) == {"dog", "panda"}
    assert set(Binomial(3, 0.5).sample(500, seed=3)) <= {0, 1, 2, 3}


# --- discrete pairs over different supports ------------------------------------------------


def test_support_alignment_by_value_not_position():
    p = Categorical([0.2, 0.3, 0.5], support=[0, 1, 2])
    q = Categorical([0.5, 0.3, 0.2], support=[2, 1, 0])  # the same distribution, listed backwards
    assert kl(p, q) == 0.0
    assert cross_entropy(p, q) == pytest.approx(cross_entropy(p, p))


def test_missing_support_values_give_inf_where_p_is_positive():
    p = Categorical([0.5, 0.5], support=[0, 1])
    q = Categorical([0.25, 0.25, 0.5], support=[1, 2, 3])  # no 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kl(p, q) == math.inf
        assert cross_entropy(p, q) == math.inf
        assert kl(q, p) == math.inf  # q has 2 and 3, p has neither


def test_missing_support_values_are_harmless_where_p_is_zero():
    p = Categorical([0.0, 0.4, 0.6], support=[0, 1, 2])
    q = Categorical([0.5, 0.5], support=[1, 2])  # no 0, but p(0) = 0
    want = 0.4 * math.log(0.4 / 0.5) + 0.6 * math.log(0.6 / 0.5)
    assert kl(p, q) == pytest.approx(want, rel=1e-14)
    # Binomial(3, p) against counts over 0..2 only: p puts mass on 3, which q lacks.
    data = Categorical.from_counts([1, 2, 1])
    assert math.isfinite(kl(data, Binomial(3, 0.5)))
    assert kl(Binomial(3, 0.5), data) == math.inf


def test_underflowing_masses_are_not_structural_zeros():
    # Binomial(5, 1e-70) has float masses 0.0 on k = 5 but a finite log mass there.
    tiny = Binomial(5, 1e-70)
    spread = Categorical([0.1, 0.15, 0.2, 0.25, 0.2, 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0·∞, no log(0)
        assert math.isfinite(kl(spread, tiny))
        assert math.isfinite(cross_entropy(spread, tiny))
        # Only exact zeros give ∞: p = 0 exactly, an explicit zero entry, a missing value.
        assert kl(spread, Binomial(5, 0.0)) == math.inf
        assert kl(tiny, Binomial(5, 0.0)) == math.inf  # 1e-350 on k = 5 is still mass
        assert kl(Binomial(5, 0.0), tiny) == pytest.approx(5e-70, rel=1e-15)
        assert kl(spread, Categorical([0.2, 0.2, 0.2, 0.2, 0.2, 0.0])) == math.inf
        assert kl(tiny, Categorical.uniform(5)) == math.inf  # no 5 in q's support


def test_labels_against_labels():
    p = Categorical([0.7, 0.3], ["dog", "panda"])
    q = Categorical([0.2, 0.5, 0.3], ["panda", "dog", "cat"])
    want = 0.7 * math.log(0.7 / 0.5) + 0.3 * math.log(0.3 / 0.2)
    assert kl(p, q) == pytest.approx(want, rel=1e-14)
    assert kl(q, p) == math.inf  # q has cats, p has none


# --- the rule registry --------------------------------------------------------------------


@pytest.fixture
def private_registry(monkeypatch):
    """Rules registered in a test go into a copy, not the engine's own table."""
    monkeypatch.setattr(divergence_module, "_RULES", dict(divergence_module._RULES))


class TracedGaussian(Gaussian):
    pass


def test_most_specific_rule_wins(private_registry):
    closed = kl(Gaussian(0, 1), Gaussian(1, 2))
    # A Gaussian pair takes the closed form, not the general quadrature...
    quadrature = kl(Gaussian(0, 1).as_mixture(), Gaussian(1, 2).as_mixture())
    assert closed == pytest.approx(0.5 * (0.5 - 1 - math.log(0.5) + 0.5), rel=1e-15)
    assert quadrature == pytest.approx(closed, rel=1e-12)

    @divergence_module.register_kl(TracedGaussian, Gaussian)
    def traced(p, q):
        return 42.0

    # ... a rule for a subclass beats the Gaussian one ...
    assert kl(TracedGaussian(0, 1), Gaussian(1, 2)) == 42.0
    assert kl(TracedGaussian(0, 1), TracedGaussian(1, 2)) == 42.0
    # ... and does not apply where its types do not match.
    assert kl(Gaussian(0, 1), TracedGaussian(1, 2)) == closed
    assert kl(TracedGaussian(0, 1), TWO_PEAK) == kl(Gaussian(0, 1), TWO_PEAK)


def test_registered_rules_are_clamped_and_scaled(private_registry):
    @divergence_module.register_kl(TracedGaussian, TracedGaussian)
    def slightly_negative(p, q):
        return -1e-17

    assert kl(TracedGaussian(0, 1), TracedGaussian(0, 1)) == 0.0


@pytest.mark.parametrize(
    "p, q",
    [
        (Gaussian(0, 1), Binomial(4, 0.5)),
        (Categorical([0.5, 0.5]), TWO_PEAK),
        (TWO_PEAK, Categorical([0.5, 0.5])),
    ],
)
def test_continuous_against_discrete_is_a_clear_error(p, q):
    with pytest.raises(NotImplementedError) as raised:
        kl(p, q)
    message = str(raised.value)
    assert type(p).__name__ in message and type(q).__name__ in message
    assert "continuous" in message and "discrete" in message


def test_class_hierarchy():
    assert issubclass(Gaussian, Continuous) and issubclass(Mixture, Continuous)
    assert issubclass(Binomial, Discrete) and issubclass(Categorical, Discrete)


def test_a_zero_weight_component_is_silent_and_harmless():
    # Weights must be >= 0, not > 0: a level may switch a component off.
    with_zero = Mixture([Gaussian(0, 1), Gaussian(5, 0.01), Gaussian(-3, 0.5)], [1, 0, 0.5])
    without = Mixture([Gaussian(0, 1), Gaussian(-3, 0.5)], [1, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "divide by zero encountered in log"
        assert kl(with_zero, without) == 0.0
        assert kl(with_zero, TWO_PEAK) == pytest.approx(kl(without, TWO_PEAK), rel=1e-12)
        assert kl(TWO_PEAK, with_zero) == pytest.approx(kl(TWO_PEAK, without), rel=1e-12)
        np.testing.assert_allclose(
            with_zero.log_density(np.linspace(-5, 5, 11)),
            without.log_density(np.linspace(-5, 5, 11)),
            rtol=1e-13,
        )
