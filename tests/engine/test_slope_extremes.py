"""The divergence and the slope the fitter descends, at the extremes a level
may hold (means within ±1e6, variances from 1e-6 to 1e9:
klgame/levels/limits.py), against mpmath.

The references integrate the formulas in mpmath on the panels of the
reference generator (tests/data/make_kl_references.py: every component's
mean ± multiples of its standard deviation, graded around every point where
two components of one mixture swap dominance), never through the engine:

    forward:  dKL(p‖q)/dθ = −∫ p ∂θ log q
    reverse:  dKL(q‖p)/dθ =  ∫ q ∂θ log q · (log q − log p)

with ∂θ log q = (wⱼNⱼ/q)·∂θ log Nⱼ, ∂ log Nⱼ/∂mean = (x − m)/v and
∂ log Nⱼ/∂variance = ((x − m)²/v − 1)/(2v).
"""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

import mpmath
import pytest
from mpmath import mp, mpf

from klgame.engine import Gaussian, Mixture, MixtureFamily, kl
from klgame.engine.fitting import value_and_gradient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

import make_kl_references as references

# (weight, mean, variance) per component.
#: A narrow target and a guess's narrow component at −1e6, the guess's wide
#: one 2e6 away: 10.4 from −1e6 that wide one takes over from the narrow
#: one's tail. The far-apart quadrature did not grade its panels there: KL
#: was 613702.74 (0.26% high) and the slope in variance 3 was −60016.
NARROW_TAIL_P = [
    (0.26155313613829384, -1e6, 4247746.651334588),
    (0.7384468638617062, -1e6, 1.0706281548663734e-4),
]
NARROW_TAIL_Q = [
    (0.6118692306122013, 1e6, 0.007056519381474831),
    (0.5668169884714713, 1e6, 852285.5346885694),
    (0.6518122101587929, -1e6, 2.2897259249369152e-05),
]
#: tests/levels/test_levels_robust.py's extremes: the fitter's end there
#: overflowed in exp and gave NaN slopes.
EDGES_P = [(0.5, 1e6, 1e-6), (0.5, -1e6, 1e9)]
EDGES_Q = [(1.0, 1e6, 1.0000000047074864e-06)]
#: A narrow target at 0, a guess 1e6 away on either side: log q − log p is
#: about 5e17 under the narrow component, whose true slope in variance is
#: 0.0025 (it was 7e10 before the slope subtracted its mean there).
SPLIT_P = [(1.0, 0.0, 1e-6)]
SPLIT_Q = [(0.5, -1e6, 1e9), (0.5, 1e6, 1e-6)]

CASES = [
    ("narrow tail forward", NARROW_TAIL_P, NARROW_TAIL_Q, "forward"),
    ("narrow tail reverse", NARROW_TAIL_P, NARROW_TAIL_Q, "reverse"),
    ("schema edges reverse", EDGES_P, EDGES_Q, "reverse"),
    ("split guess reverse", SPLIT_P, SPLIT_Q, "reverse"),
]


def mixture(parts: list[tuple[float, float, float]]) -> Mixture:
    return Mixture([Gaussian(m, v) for _, m, v in parts], [w for w, _, _ in parts])


def slope_mp(p, q, direction: str, j: int, which: str) -> mpf:
    """dD/dθ for θ the mean or variance of q's component j, by mpmath."""
    tp, tq = references._terms(p), references._terms(q)
    mean, half_precision, const = tq[j]  # (m, 1/(2v), log(w/√(2πv)))

    def integrand(x: mpf) -> mpf:
        lp = references._log_density(tp, x)
        lq = references._log_density(tq, x)
        share = mp.exp(const - half_precision * (x - mean) ** 2 - lq)
        dev = x - mean
        if which == "mean":
            d = 2 * half_precision * dev
        else:
            d = (2 * half_precision * dev**2 - 1) * half_precision
        if direction == "forward":
            return -mp.exp(lp) * share * d
        return mp.exp(lq) * share * d * (lq - lp)

    ahead, behind = (p, q) if direction == "forward" else (q, p)  # integrate over ahead's reach
    edges = references._edges(ahead, behind, references.STD_STEPS, references.BEND_STEPS, False)
    return mp.quad(integrand, edges)


@pytest.fixture(autouse=True)
def _twenty_five_digits():
    with mpmath.workdps(25):
        yield


@pytest.mark.parametrize(("name", "p", "q", "direction"), CASES, ids=[c[0] for c in CASES])
def test_the_slope_at_the_extremes_is_finite_and_right(name, p, q, direction) -> None:
    target = mixture(p)
    family = MixtureFamily(len(q), tuple(w for w, _, _ in q))
    values = _values(q)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no 0/0 on the way
        value, slope = value_and_gradient(target, family, values, direction)
    guess = family.build(values)
    both = (kl(target, guess), kl(guess, target))
    assert value == pytest.approx(both[direction == "reverse"], rel=1e-12)
    for j, (_, _, v) in enumerate(q):
        for which, unit in (("mean", math.sqrt(v)), ("variance", v)):
            got = slope[f"{which}{j + 1}"]
            assert math.isfinite(got)
            exact = slope_mp(p, q, direction, j, which)
            # Per natural step of the parameter (a standard deviation, or the
            # variance itself: what the fitter moves by), to 1e-9 of the
            # slope, or below D's own rounding (1e-13·D) where D is huge.
            error = abs(mpf(got) - exact) * unit
            allowed = 1e-9 * abs(exact) * unit + 1e-13 * max(1.0, value)
            assert error <= allowed, (which, j + 1, got, mp.nstr(exact, 17))


def test_kl_where_a_narrow_tail_gives_way_far_out_matches_mpmath() -> None:
    p, q = mixture(NARROW_TAIL_P), mixture(NARROW_TAIL_Q)
    exact, error = references.kl_mp(NARROW_TAIL_P, NARROW_TAIL_Q)
    assert error < 1e-15 * exact
    assert abs(mpf(kl(p, q)) - exact) <= 1e-12 * exact, (kl(p, q), mp.nstr(exact, 20))
    value, _ = value_and_gradient(
        p,
        MixtureFamily(3, tuple(w for w, _, _ in NARROW_TAIL_Q)),
        _values(NARROW_TAIL_Q),
        "forward",
    )
    assert value == kl(p, q)


def _values(parts: list[tuple[float, float, float]]) -> dict[str, float]:
    out = {}
    for i, (_, m, v) in enumerate(parts, 1):
        out[f"mean{i}"], out[f"variance{i}"] = m, v
    return out
