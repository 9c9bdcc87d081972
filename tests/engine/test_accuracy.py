"""The engine's numbers against 32-digit references and against the source texts.

The continuous references come from ``tests/data/make_kl_references.py`` (mpmath,
40 digits, its own integrand). So do discrete references for masses too small
for a float (Binomial(5, 1e-70) on k = 5) and for structural zeros. The other
discrete numbers are the ones the game's source texts print: a coin that
always lands heads, a Binomial against a uniform guess, and the worms' teeth.
"""

from __future__ import annotations

import json
import math
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from mpmath import mp

from klgame.engine import (
    Binomial,
    BinomialFamily,
    Categorical,
    Gaussian,
    Mixture,
    continuous_pair,
    cross_entropy,
    entropy,
    fit,
    kl,
    pointwise_kl,
)

REFERENCES = Path(__file__).resolve().parents[1] / "data" / "kl_references.json"
DOCUMENT = json.loads(REFERENCES.read_text(encoding="utf-8"))
CASES = DOCUMENT["cases"]
DISCRETE_CASES = DOCUMENT["discrete_cases"]

RELATIVE = 1e-9
ABSOLUTE = 1e-12  # allowed instead where the true value is below SMALL
SMALL = 1e-3


def build(spec: dict, as_mixture: bool = False) -> Gaussian | Mixture:
    parts = [Gaussian(m, v) for m, v in zip(spec["means"], spec["variances"], strict=True)]
    if len(parts) == 1 and not as_mixture:
        return parts[0]
    return Mixture(parts, spec["weights"])


def assert_close(got: float, reference: str, what: str) -> None:
    want = float(reference)
    # The reference is exact to ~30 digits: compare in Fraction to keep every digit of it.
    error = abs(Fraction(got) - Fraction(reference))
    if want < SMALL and error <= ABSOLUTE:
        return
    relative = float(error / Fraction(reference))
    assert relative <= RELATIVE, f"{what}: got {got!r}, want {reference} (relative {relative:.2e})"


# --- the references themselves ------------------------------------------------


def test_references_cover_what_the_game_needs():
    assert len(CASES) >= 60
    names = {case["name"] for case in CASES}
    for name in (
        "narrow inside wide vs N(0,1)",
        "two-peak vs N(0,1)",
        "two-peak vs reverse optimum",
        "far apart narrow",
        "near identical Gaussians",
    ):
        assert name in names
    values = [float(case[key]) for case in CASES for key in ("kl_pq", "kl_qp")]
    assert max(values) > 1000  # far-apart pairs
    assert min(values) < 1e-6  # near-identical pairs
    sizes = {len(case[side]["means"]) for case in CASES for side in ("p", "q")}
    assert sizes == {1, 2, 3}
    for case in CASES:
        for side in ("p", "q"):
            spec = case[side]
            assert all(-20 <= m <= 20 for m in spec["means"])
            assert all(0.01 <= v <= 50 for v in spec["variances"])


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_reference_is_converged(case):
    for key in ("pq", "qp"):
        text = case[f"kl_{key}"]
        assert len(text.split("e")[0].replace(".", "").lstrip("0")) >= 25, text
        # The generator's two quadratures agree far beyond what the tests ask.
        assert Fraction(case[f"err_{key}"]) <= Fraction(text) * Fraction(1, 10**25)
    if "closed_form_gap" in case:
        assert float(case["closed_form_gap"]) < 1e-30


# --- the engine against them ----------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_kl_matches_reference(case):
    p, q = build(case["p"]), build(case["q"])
    assert_close(kl(p, q), case["kl_pq"], "KL(p‖q)")
    assert_close(kl(q, p), case["kl_qp"], "KL(q‖p)")


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_continuous_pair_matches_reference(case):
    # As mixtures throughout: one-Gaussian pairs take the quadrature here, not the closed form.
    p, q = build(case["p"], as_mixture=True), build(case["q"], as_mixture=True)
    forward, reverse = continuous_pair(p, q)
    assert_close(forward, case["kl_pq"], "continuous_pair forward")
    assert_close(reverse, case["kl_qp"], "continuous_pair reverse")


def test_named_values_in_bits():
    case = next(c for c in CASES if c["name"] == "narrow inside wide vs N(0,1)")
    p, q = build(case["p"]), build(case["q"])
    assert kl(p, q, units="bits") == pytest.approx(float(case["kl_pq"]) / math.log(2), rel=1e-9)


# --- discrete references: underflowing masses and structural zeros ---------------------

DISCRETE_RELATIVE = 1e-12  # exact sums of log masses: far tighter than the quadrature
DISCRETE_KEYS = ("kl_pq", "kl_qp", "h_pq", "h_qp", "h_p", "h_q")


def build_discrete(spec: dict) -> Binomial | Categorical:
    if spec["family"] == "binomial":
        return Binomial(spec["n"], spec["p"])
    return Categorical(spec["probs"], spec["support"])


def discrete_values(p, q, units: str = "nats") -> dict[str, float]:
    return {
        "kl_pq": kl(p, q, units),
        "kl_qp": kl(q, p, units),
        "h_pq": cross_entropy(p, q, units),
        "h_qp": cross_entropy(q, p, units),
        "h_p": entropy(p, units),
        "h_q": entropy(q, units),
    }


def discrete_error(got: float, reference: str) -> float:
    """Relative error; ∞ and exact zeros must match exactly."""
    if reference == "inf":
        return 0.0 if got == math.inf else math.inf
    if Fraction(reference) == 0:
        return 0.0 if got == 0.0 else math.inf
    if not math.isfinite(got):
        return math.inf
    return float(abs(Fraction(got) - Fraction(reference)) / Fraction(reference))


def test_discrete_references_cover_underflow_and_structural_zeros():
    names = {case["name"] for case in DISCRETE_CASES}
    for name in (
        "spread over 0..5 vs Binomial(5, 1e-70)",
        "Binomial(5, 1e-70) vs uniform over 0..5",
        "Binomial(20, 1e-30) vs Binomial(20, 2e-30)",
        "uniform over 0..5 vs Binomial(5, 0)",
        "categorical vs one with a zero entry",
    ):
        assert name in names
    underflowing = [
        case
        for case in DISCRETE_CASES
        for side in ("p", "q")
        if case[side]["family"] == "binomial"
        and 0.0 < case[side]["p"] < 1.0
        and min(build_discrete(case[side]).probs) == 0.0
    ]
    assert len(underflowing) >= 4
    values = [case[key] for case in DISCRETE_CASES for key in DISCRETE_KEYS]
    assert values.count("inf") >= 8
    finite = [Fraction(v) for v in values if v != "inf" and Fraction(v) > 0]
    assert max(finite) > 10_000 and min(finite) < 1e-60


@pytest.mark.parametrize("case", DISCRETE_CASES, ids=[case["name"] for case in DISCRETE_CASES])
def test_discrete_reference_is_converged(case):
    # 40 against 80 digits.
    assert Fraction(case["rel_err"]) <= Fraction(1, 10**30)
    for key in DISCRETE_KEYS:
        text = case[key]
        if text != "inf" and Fraction(text) != 0:
            assert len(text.split("e")[0].replace(".", "").lstrip("0")) >= 25, text


@pytest.mark.parametrize("case", DISCRETE_CASES, ids=[case["name"] for case in DISCRETE_CASES])
def test_discrete_matches_reference(case):
    p, q = build_discrete(case["p"]), build_discrete(case["q"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log(0), no 0·∞, no overflow on the way
        got = discrete_values(p, q)
        bits = discrete_values(p, q, "bits")
    for key in DISCRETE_KEYS:
        error = discrete_error(got[key], case[key])
        assert error <= DISCRETE_RELATIVE, (
            f"{key}: got {got[key]!r}, want {case[key]} (relative {error:.2e})"
        )
        assert not math.isnan(got[key]) and not math.isnan(bits[key])
        if got[key] == math.inf:
            assert bits[key] == math.inf
        else:
            assert bits[key] == pytest.approx(got[key] / math.log(2), rel=1e-15, abs=0)


# --- the source texts: a coin ------------------------------------------------------


def test_certain_coin_against_fair_ish_guesses():
    p = Categorical([1.0, 0.0])
    assert kl(p, Categorical([0.3, 0.7]), units="bits") == pytest.approx(1.737, abs=5e-4)
    assert kl(p, Categorical([0.9, 0.1]), units="bits") == pytest.approx(0.152, abs=5e-4)
    # Exactly: −log₂ q(heads).
    assert kl(p, Categorical([0.3, 0.7]), units="bits") == pytest.approx(-math.log2(0.3))
    assert kl(p, Categorical([0.9, 0.1]), units="bits") == pytest.approx(-math.log2(0.9))


@pytest.mark.parametrize("q", [[0.3, 0.7], [0.9, 0.1]])
def test_reverse_against_a_certain_coin_is_infinite(q):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from log(0) either
        value = kl(Categorical(q), Categorical([1.0, 0.0]))
        bits = kl(Categorical(q), Categorical([1.0, 0.0]), units="bits")
    assert value == math.inf and bits == math.inf
    assert not math.isnan(value)


# --- Binomial against uniform ----------------------------------------------------------


def test_binomial_against_uniform_both_ways():
    b, u = Binomial(2, 0.4), Categorical.uniform(3)
    assert kl(b, u) == pytest.approx(0.0853, abs=5e-5)
    assert kl(u, b) == pytest.approx(0.0975, abs=5e-5)
    # Exactly: probs (0.36, 0.48, 0.16) against 1/3 each.
    probs = [0.36, 0.48, 0.16]
    assert kl(b, u) == pytest.approx(sum(x * math.log(3 * x) for x in probs), rel=1e-12)
    assert kl(u, b) == pytest.approx(sum(math.log(1 / (3 * x)) / 3 for x in probs), rel=1e-12)


# --- the worms' teeth -------------------------------------------------------------------

WORM_COUNTS = [2, 3, 5, 14, 16, 15, 12, 8, 10, 8, 7]


def worms() -> Categorical:
    return Categorical.from_counts(WORM_COUNTS)  # support 0..10, as a Binomial(10, p)'s


def test_worms_against_uniform():
    assert kl(worms(), Categorical.uniform(11)) == pytest.approx(0.1367, abs=5e-5)


def test_worms_against_binomial_aligns_supports():
    data = worms()
    assert data.support == Binomial(10, 0.5).support == tuple(range(11))
    value = kl(data, Binomial(10, 0.544))
    assert value == pytest.approx(0.4273, abs=5e-5)
    # The same with the support spelled out, and in the other order of values.
    assert kl(Categorical.from_counts(WORM_COUNTS, support=range(11)), Binomial(10, 0.544)) == (
        pytest.approx(value, rel=1e-14)
    )
    reordered = Categorical.from_counts(WORM_COUNTS[::-1], support=range(10, -1, -1))
    assert kl(reordered, Binomial(10, 0.544)) == pytest.approx(value, rel=1e-12)


def test_worms_best_binomial_is_0_544():
    data = worms()
    # The sample mean is 5.44 teeth of 10: forward KL to a Binomial is the likelihood.
    assert sum(k * c for k, c in enumerate(WORM_COUNTS)) / sum(WORM_COUNTS) == 5.44
    best = fit(data, BinomialFamily(10), "forward", {"p": (0.0, 1.0)})
    assert best.values["p"] == pytest.approx(0.544, abs=1e-6)
    assert best.divergence == pytest.approx(0.4273, abs=5e-5)
    grid = np.round(np.arange(0.001, 1.0, 0.001), 3)
    scan = [kl(data, Binomial(10, float(p))) for p in grid]
    assert grid[int(np.argmin(scan))] == pytest.approx(0.544)
    assert best.divergence <= min(scan) + 1e-12


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "p, q",
    [
        (Gaussian(0, 1), Gaussian(1, 2)),
        (Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6]), Gaussian(0, 1)),
        (Binomial(2, 0.4), Categorical.uniform(3)),
        (worms(), Binomial(10, 0.544)),
    ],
)
def test_bits_are_nats_over_ln2(p, q):
    assert kl(p, q, units="bits") == pytest.approx(kl(p, q) / math.log(2), rel=1e-15)
    assert kl(p, q, units="nats") == kl(p, q)


@pytest.mark.parametrize("units", ["nat", "bit", "Bits", "", "shannons", None])
def test_invalid_units_raise(units):
    p, q = Binomial(2, 0.4), Categorical.uniform(3)
    with pytest.raises(ValueError, match="units"):
        kl(p, q, units=units)
    with pytest.raises(ValueError, match="units"):
        kl(Gaussian(0, 1), Gaussian(1, 1), units=units)
    with pytest.raises(ValueError, match="units"):
        cross_entropy(p, q, units=units)
    with pytest.raises(ValueError, match="units"):
        entropy(p, units=units)


# --- tiny but positive probabilities ------------------------------------------------------


@pytest.mark.parametrize(
    "p, q, want",
    [
        # 0.5·ln(0.5/1) + 0.5·ln(0.5/1e-320) (1e-320 as the subnormal float it is), by mpmath.
        (Categorical([0.5, 0.5]), Categorical([1 - 1e-320, 1e-320]), 367.72047326492701),
        # Binomial(5, 1e-62) puts 1e-310 on 5: representable, so the KL is finite (mpmath).
        (Categorical.uniform(6), Binomial(5, 1e-62), 353.80492227637297),
    ],
    ids=["subnormal categorical", "binomial with a subnormal mass"],
)
def test_tiny_positive_q_gives_a_large_finite_kl(p, q, want):
    assert min(q.probs) > 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # p/q overflows to inf before the log
        value = kl(p, q)
    assert value == pytest.approx(want, rel=1e-12)
    # It must agree with the cross-entropy, which the engine already gets right.
    assert cross_entropy(p, q) == pytest.approx(entropy(p) + value, rel=1e-12)


# --- the continuous helpers ----------------------------------------------------------------


def test_pointwise_kl_integrates_to_kl():
    two_peak = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6])
    g = Gaussian(0, 1)
    x = np.linspace(-40, 40, 400_001)
    for p, q in ((two_peak, g), (g, two_peak)):
        integral = np.trapezoid(pointwise_kl(p, q, x), x)
        assert integral == pytest.approx(kl(p, q), rel=1e-9)


def test_entropy_of_a_mixture_against_mpmath():
    def density(x):
        return (0.4 * mp.exp(-((x + 3) ** 2) / 2) + 0.6 * mp.exp(-((x - 3) ** 2) / 2)) / mp.sqrt(
            2 * mp.pi
        )

    with mp.workdps(25):
        want = mp.quad(lambda x: -density(x) * mp.log(density(x)), [-mp.inf, -3, 0, 3, mp.inf])
    two_peak = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6])
    assert entropy(two_peak) == pytest.approx(float(want), rel=1e-10)
    assert entropy(Gaussian(0, 2)) == pytest.approx(0.5 * math.log(2 * math.pi * math.e * 2))
    assert cross_entropy(two_peak, Gaussian(0, 1)) == pytest.approx(
        entropy(two_peak) + kl(two_peak, Gaussian(0, 1)), rel=1e-12
    )
