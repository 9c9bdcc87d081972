"""Jensen–Shannon, Hellinger and total variation: against mpmath references, the
closed forms written out by hand, and the inequalities that tie them to KL.

The references come from ``tests/data/make_cousin_references.py`` (mpmath, its
own integrands, the crossings of p and q found by ``mp.findroot``).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import ENGINE, continuous, discrete_pairs, gaussians

from klgame.engine import (
    Binomial,
    Categorical,
    Gaussian,
    Mixture,
    hellinger,
    jensen_shannon,
    kl,
    total_variation,
)

REFERENCES = Path(__file__).resolve().parents[1] / "data" / "cousin_references.json"
DOCUMENT = json.loads(REFERENCES.read_text(encoding="utf-8"))
LN2 = math.log(2.0)
RELATIVE = 1e-9
ABSOLUTE = 1e-12  # allowed instead where the true value is below SMALL
SMALL = 1e-3
FUNCTIONS = {"js": jensen_shannon, "hellinger": hellinger, "tv": total_variation}


def build(spec: dict, as_mixture: bool = False) -> Gaussian | Mixture:
    parts = [Gaussian(m, v) for m, v in zip(spec["means"], spec["variances"], strict=True)]
    if len(parts) == 1 and not as_mixture:
        return parts[0]
    return Mixture(parts, spec["weights"])


def build_discrete(spec: dict) -> Categorical | Binomial:
    if spec["family"] == "binomial":
        return Binomial(spec["n"], spec["p"])
    return Categorical(spec["probs"], spec["support"])


def assert_close(got: float, reference: str, what: str) -> None:
    error = abs(Fraction(got) - Fraction(reference))
    if float(reference) < SMALL and error <= ABSOLUTE:
        return
    relative = float(error / Fraction(reference))
    assert relative <= RELATIVE, f"{what}: got {got!r}, want {reference} (relative {relative:.2e})"


def test_references_are_sound():
    assert len(DOCUMENT["cases"]) >= 30 and len(DOCUMENT["discrete_cases"]) >= 15
    for row in DOCUMENT["cases"] + DOCUMENT["discrete_cases"]:
        for key in FUNCTIONS:
            value, err = float(row[key]), float(row[f"err_{key}"])
            assert err <= 1e-12 * max(value, 1e-3), (row["name"], key)
            assert 0.0 <= value <= (LN2 if key == "js" else 1.0) * (1 + 1e-15)


@pytest.mark.parametrize("case", DOCUMENT["cases"], ids=lambda case: case["name"])
@pytest.mark.parametrize("as_mixture", [False, True], ids=["plain", "mixture"])
def test_continuous_against_references(case, as_mixture):
    p, q = build(case["p"], as_mixture), build(case["q"], as_mixture)
    for key, function in FUNCTIONS.items():
        assert_close(function(p, q), case[key], f"{key}(p, q)")
        assert_close(function(q, p), case[key], f"{key}(q, p)")


@pytest.mark.parametrize("case", DOCUMENT["discrete_cases"], ids=lambda case: case["name"])
def test_discrete_against_references(case):
    p, q = build_discrete(case["p"]), build_discrete(case["q"])
    for key, function in FUNCTIONS.items():
        assert_close(function(p, q), case[key], f"{key}(p, q)")
        assert_close(function(q, p), case[key], f"{key}(q, p)")


# --- closed forms, written out here -------------------------------------------------


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@pytest.mark.parametrize(
    ("shift", "variance"), [(0.5, 1.0), (2.0, 1.0), (6.0, 0.3), (1e-4, 2.0), (30.0, 0.01)]
)
def test_equal_variances_against_closed_forms(shift, variance):
    """N(0, σ²) and N(δ, σ²): TV = 2Φ(δ/2σ) − 1 (they cross once, at δ/2);
    BC = exp(−δ²/8σ²); JS checked against scipy's quad of the definition."""
    p, q = Gaussian(0.0, variance), Gaussian(shift, variance)
    sigma = math.sqrt(variance)
    tv = math.erf(shift / (2 * sigma) / math.sqrt(2.0))  # = 2Φ(δ/2σ) − 1, without the cancel
    assert total_variation(p, q) == pytest.approx(tv, rel=1e-12, abs=1e-15)
    h2 = -math.expm1(-(shift**2) / (8 * variance))
    assert hellinger(p, q) ** 2 == pytest.approx(h2, rel=1e-12, abs=1e-300)
    assert hellinger(p.as_mixture(), q.as_mixture()) ** 2 == pytest.approx(h2, rel=1e-9, abs=1e-13)


def test_bhattacharyya_for_unequal_variances():
    """H² = 1 − BC, BC = √(2σpσq/(σp² + σq²))·exp(−Δμ²/(4(σp² + σq²)))."""
    for (m1, v1), (m2, v2) in [((0, 1), (1, 4)), ((-3, 0.01), (2, 50)), ((5, 2), (5, 2.5))]:
        s1, s2 = math.sqrt(v1), math.sqrt(v2)
        bc = math.sqrt(2 * s1 * s2 / (v1 + v2)) * math.exp(-((m1 - m2) ** 2) / (4 * (v1 + v2)))
        for p, q in [(Gaussian(m1, v1), Gaussian(m2, v2))]:
            assert hellinger(p, q) ** 2 == pytest.approx(1 - bc, rel=1e-12)
            mixed = hellinger(p.as_mixture(), q.as_mixture()) ** 2
            assert mixed == pytest.approx(1 - bc, rel=1e-9)


def test_unequal_variances_tv_from_the_crossings():
    """N(0, 1) vs N(0, 4) cross at ±x₀, x₀² = (8/3)·ln 2; TV = P₁(|X| < x₀) − P₄(|X| < x₀)."""
    x0 = math.sqrt(8.0 / 3.0 * LN2)
    tv = (2 * _phi(x0) - 1) - (2 * _phi(x0 / 2) - 1)
    assert total_variation(Gaussian(0, 1), Gaussian(0, 4)) == pytest.approx(tv, rel=1e-12)


def test_discrete_by_hand():
    p = Categorical([0.5, 0.5], ["dog", "panda"])
    q = Categorical([0.9, 0.1], ["dog", "panda"])
    assert total_variation(p, q) == pytest.approx(0.4, rel=1e-15)
    bc = math.sqrt(0.45) + math.sqrt(0.05)
    assert hellinger(p, q) == pytest.approx(math.sqrt(1 - bc), rel=1e-14)
    js = 0.5 * (0.5 * math.log(0.5 / 0.7) + 0.5 * math.log(0.5 / 0.3))
    js += 0.5 * (0.9 * math.log(0.9 / 0.7) + 0.1 * math.log(0.1 / 0.3))
    assert jensen_shannon(p, q) == pytest.approx(js, rel=1e-14)
    assert jensen_shannon(p, q, units="bits") == pytest.approx(js / LN2, rel=1e-14)
    # Disjoint supports: every cousin at its maximum, where KL is ∞.
    a, b = Categorical([1.0], ["dog"]), Categorical([1.0], ["panda"])
    assert kl(a, b) == math.inf
    assert (jensen_shannon(a, b), hellinger(a, b), total_variation(a, b)) == (LN2, 1.0, 1.0)


def test_mixed_pairs_and_bad_units_are_refused():
    with pytest.raises(NotImplementedError, match="both must be continuous, or both discrete"):
        total_variation(Gaussian(0, 1), Categorical([1.0]))
    with pytest.raises(ValueError, match="units"):
        jensen_shannon(Gaussian(0, 1), Gaussian(1, 1), units="hartleys")


# --- properties ------------------------------------------------------------------------


def _check_properties(p, q) -> None:
    js, h, tv = jensen_shannon(p, q), hellinger(p, q), total_variation(p, q)
    for value in (js, h, tv):
        assert not math.isnan(value)
    assert (js, h, tv) == pytest.approx(
        (jensen_shannon(q, p), hellinger(q, p), total_variation(q, p)), rel=1e-9, abs=1e-12
    )
    assert 0.0 <= js <= LN2 and 0.0 <= h <= 1.0 and 0.0 <= tv <= 1.0
    # H² ≤ TV ≤ H·√(2 − H²) (Le Cam), with room for rounding.
    assert h * h <= tv + 1e-9
    assert tv <= h * math.sqrt(2 - h * h) + 1e-9
    # Pinsker, both ways: TV ≤ √(KL/2).
    for divergence in (kl(p, q), kl(q, p)):
        assert tv <= math.sqrt(divergence / 2) + 1e-9
    # JS ≤ TV·ln 2 (the mixture bound), and ≥ 0 with equality only for p = q.
    assert js <= tv * LN2 + 1e-9


@ENGINE
@given(continuous, continuous)
def test_continuous_properties(p, q):
    _check_properties(p, q)


@ENGINE
@given(discrete_pairs())
def test_discrete_properties(pair):
    _check_properties(*pair)


@ENGINE
@given(gaussians, st.floats(-5, 5), st.floats(0.2, 5))
def test_gaussian_path_agrees_with_quadrature(p, shift, ratio):
    q = Gaussian(p.mean + shift * p.std, p.variance * ratio)
    plain = hellinger(p, q)
    mixed = hellinger(p.as_mixture(), q.as_mixture())
    assert plain == pytest.approx(mixed, rel=1e-9, abs=1e-12)


def test_identical_and_extreme_pairs():
    for p in (Gaussian(0, 1), Mixture([Gaussian(-3, 1), Gaussian(3, 2)], [0.4, 0.6])):
        assert (jensen_shannon(p, p), hellinger(p, p), total_variation(p, p)) == (0.0, 0.0, 0.0)
    far = (Gaussian(-1e6, 1e-6), Gaussian(1e6, 1e6))
    for function in FUNCTIONS.values():
        value = function(*far)
        assert not math.isnan(value) and value > 0
