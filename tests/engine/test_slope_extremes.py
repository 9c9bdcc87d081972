"""The divergence and the slope the fitter descends, at the extremes a level
may hold (means within ±1e6, variances from 1e-6 to 1e9:
klgame/levels/limits.py), against mpmath.

The references are integrated in mpmath by
``tests/data/make_slope_references.py`` (the formulas are written out
there, never through the engine; ``--check`` recomputes them) and stored
with their inputs in ``tests/data/slope_references.json``; the cases and
their stories are in that generator.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import pytest
from mpmath import mp, mpf

from klgame.engine import Gaussian, Mixture, MixtureFamily, kl
from klgame.engine.fitting import value_and_gradient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from make_slope_references import CASES, DPS, NARROW_TAIL_P, NARROW_TAIL_Q, OUT

REFERENCES = json.loads(OUT.read_text())


def _stored(parts: list[list[float]]) -> list[tuple[float, float, float]]:
    return [(w, m, v) for w, m, v in parts]


def mixture(parts: list[tuple[float, float, float]]) -> Mixture:
    return Mixture([Gaussian(m, v) for _, m, v in parts], [w for w, _, _ in parts])


def test_the_references_are_of_these_cases() -> None:
    """The stored slopes were computed for exactly the pairs tested here."""
    stored = [
        (case["name"], _stored(case["p"]), _stored(case["q"]), case["direction"])
        for case in REFERENCES["cases"]
    ]
    assert stored == CASES
    assert REFERENCES["dps"] == DPS
    for case, (_, _, q, _) in zip(REFERENCES["cases"], CASES, strict=True):
        names = {f"{which}{j}" for j in range(1, len(q) + 1) for which in ("mean", "variance")}
        assert set(case["slopes"]) == names
    narrow = REFERENCES["narrow_tail_kl"]
    assert (_stored(narrow["p"]), _stored(narrow["q"])) == (NARROW_TAIL_P, NARROW_TAIL_Q)


@pytest.mark.parametrize(
    ("name", "p", "q", "direction", "exact_slopes"),
    [(*case, stored["slopes"]) for case, stored in zip(CASES, REFERENCES["cases"], strict=True)],
    ids=[c[0] for c in CASES],
)
def test_the_slope_at_the_extremes_is_finite_and_right(name, p, q, direction, exact_slopes) -> None:
    target = mixture(p)
    family = MixtureFamily(len(q), tuple(w for w, _, _ in q))
    values = _values(q)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no 0/0 on the way
        value, slope = value_and_gradient(target, family, values, direction)
    guess = family.build(values)
    both = (kl(target, guess), kl(guess, target))
    assert value == pytest.approx(both[direction == "reverse"], rel=1e-12)
    with mp.workdps(DPS):
        for j, (_, _, v) in enumerate(q):
            for which, unit in (("mean", math.sqrt(v)), ("variance", v)):
                got = slope[f"{which}{j + 1}"]
                assert math.isfinite(got)
                exact = mpf(exact_slopes[f"{which}{j + 1}"])
                # Per natural step of the parameter (a standard deviation, or the
                # variance itself: what the fitter moves by), to 1e-9 of the
                # slope, or below D's own rounding (1e-13·D) where D is huge.
                error = abs(mpf(got) - exact) * unit
                allowed = 1e-9 * abs(exact) * unit + 1e-13 * max(1.0, value)
                assert error <= allowed, (which, j + 1, got, mp.nstr(exact, 17))


def test_kl_where_a_narrow_tail_gives_way_far_out_matches_mpmath() -> None:
    p, q = mixture(NARROW_TAIL_P), mixture(NARROW_TAIL_Q)
    with mp.workdps(DPS):
        exact = mpf(REFERENCES["narrow_tail_kl"]["kl"])
        error = mpf(REFERENCES["narrow_tail_kl"]["error"])
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
