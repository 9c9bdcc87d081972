"""Fitting by the problem's structure, checked against scipy.optimize.

Categorical guesses are fitted exactly, with no search; the non-convex
families by a bounded multi-start. Each optimum here is compared with an
independent solver (scipy's SLSQP, or a multi-start of L-BFGS-B) to 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

import klgame.engine.fitting as fitting
from klgame.engine import (
    Binomial,
    BinomialFamily,
    Categorical,
    CategoricalFamily,
    Gaussian,
    GaussianFamily,
    Mixture,
    MixtureFamily,
    divergence,
    fit,
    kl,
)

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def no_search(monkeypatch):
    """Fail if the fit runs a numerical search (a closed form must not)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a search ran")

    monkeypatch.setattr(fitting, "minimize_box", refuse)


# --- regression: the 7-day categorical with a zero day -----------------------------------


@pytest.mark.parametrize("zero_day", [2, 6])  # a middle day, and the last ("the rest")
@pytest.mark.parametrize("direction", ["reverse", "forward"])
def test_week_with_a_zero_day_fits_exactly(no_search, zero_day, direction):
    probs = [0.1, 0.2, 0.15, 0.05, 0.25, 0.1, 0.15]
    probs[zero_day] = 0.0
    total = math.fsum(probs)
    probs = [p / total for p in probs]
    target = Categorical(probs, WEEK)
    family = CategoricalFamily(WEEK)
    bounds = {day: (0.0, 1.0) for day in WEEK[:-1]}
    best = fit(target, family, direction, bounds)
    # q = p: was 0.000738 after 3 min 37 s (the last day takes what the
    # others leave, so it may differ from p's by a rounding).
    assert best.divergence == pytest.approx(0.0, abs=1e-15)
    assert best.forward == pytest.approx(0.0, abs=1e-15)
    assert best.reverse == pytest.approx(0.0, abs=1e-15)
    assert best.guess.probs[zero_day] == 0.0  # zero-forcing, exactly
    np.testing.assert_allclose(best.guess.probs, probs, rtol=1e-15, atol=1e-17)
    assert len(best.optima) == 1


@pytest.mark.parametrize("k", [7, 10, 16, 50])
def test_many_outcomes_fit_without_a_search(no_search, k):
    rng = np.random.default_rng(k)
    probs = rng.dirichlet(np.ones(k))
    probs[rng.integers(k)] = 0.0
    target = Categorical(probs / probs.sum())
    family = CategoricalFamily(tuple(range(k)))
    bounds = {name: (0.0, 1.0) for name in family.param_names}
    for direction in ("forward", "reverse"):
        best = fit(target, family, direction, bounds)
        assert best.divergence == pytest.approx(0.0, abs=1e-15)


def test_free_categorical_under_forward_kl_is_p_clipped_to_its_bounds(no_search):
    # By hand: with Q(a) ≤ 0.2 binding, the rest is shared in proportion to p:
    # q = (0.2, 0.8·0.3/0.8, 0.8·0.5/0.8) = (0.2, 0.3, 0.5); D = 0.2·ln(0.2/0.2)... = ∑ p ln(p/q).
    target = Categorical([0.2, 0.3, 0.5], ["a", "b", "c"])
    best = fit(target, CategoricalFamily(("a", "b", "c")), "forward", {"a": (0, 1), "b": (0, 1)})
    assert best.values == pytest.approx({"a": 0.2, "b": 0.3}, abs=1e-15)
    target = Categorical([0.5, 0.3, 0.2], ["a", "b", "c"])
    best = fit(target, CategoricalFamily(("a", "b", "c")), "forward", {"a": (0, 0.3), "b": (0, 1)})
    # a at its bound 0.3; b and c share 0.7 as 0.3 : 0.2.
    assert best.values["a"] == 0.3
    assert best.values["b"] == pytest.approx(0.42, abs=1e-15)
    expected = 0.5 * math.log(0.5 / 0.3) + 0.3 * math.log(0.3 / 0.42) + 0.2 * math.log(0.2 / 0.28)
    assert best.divergence == pytest.approx(expected, rel=1e-13)


def test_reverse_kl_is_infinite_when_the_bounds_forbid_zero_forcing(no_search):
    target = Categorical([0.5, 0.0, 0.5], ["a", "b", "c"])
    best = fit(target, CategoricalFamily(("a", "b", "c")), "reverse", {"a": (0, 1), "b": (0.1, 1)})
    assert best.divergence == math.inf
    assert best.values["b"] == 0.1  # as little as allowed where p is 0
    assert best.forward == pytest.approx(math.log(1 / 0.9), rel=1e-13)


def test_lower_bounds_above_one_are_refused():
    with pytest.raises(ValueError, match="sum to"):
        fit(
            Categorical.uniform(3),
            CategoricalFamily((0, 1, 2)),
            "forward",
            {"0": (0.6, 1), "1": (0.6, 1)},
        )


def test_binomial_forward_is_the_mean_over_n(no_search):
    data = Categorical.from_counts([2, 3, 5, 14, 16, 15, 12, 8, 10, 8, 7])
    best = fit(data, BinomialFamily(10), "forward", {"p": (0.0, 1.0)})
    mean = sum(k * c for k, c in enumerate([2, 3, 5, 14, 16, 15, 12, 8, 10, 8, 7])) / 100
    assert best.values["p"] == pytest.approx(mean / 10, rel=1e-15)


# --- against scipy: generated categorical pairs ------------------------------------------


def _scipy_categorical(p, low, high, direction):
    """D* by SLSQP over all k probabilities (Σ = 1, each within its bounds).

    Entries where p = 0 are pinned to their lower bound under reverse KL
    (anything more costs ∞; SLSQP cannot step through ∞).
    """
    k = len(p)
    pinned = (p == 0.0) if direction == "reverse" else np.zeros(k, bool)
    if direction == "reverse" and np.any(low[pinned] > 0):
        return math.inf
    hi = high.copy()
    hi[pinned] = low[pinned]

    def objective(q):
        q = np.maximum(q, 1e-300)
        live = p > 0
        if direction == "forward":
            return float(np.sum(p[live] * np.log(p[live] / q[live])))
        return float(np.sum(q[live] * np.log(q[live] / p[live])))

    def slope(q):
        q = np.maximum(q, 1e-300)
        out = np.zeros(k)
        live = p > 0
        if direction == "forward":
            out[live] = -p[live] / q[live]
        else:
            out[live] = np.log(q[live] / p[live]) + 1.0
        return out

    best = math.inf
    for start in (np.clip(p, low, hi), np.clip(np.full(k, 1 / k), low, hi)):
        result = minimize(
            objective,
            start,
            jac=slope,
            method="SLSQP",
            bounds=list(zip(np.maximum(low, 1e-12 * (p > 0)), hi, strict=True)),
            constraints=[{"type": "eq", "fun": lambda q: np.sum(q) - 1.0}],
            options={"ftol": 1e-15, "maxiter": 1000},
        )
        if result.success or abs(np.sum(result.x) - 1) < 1e-9:
            # SLSQP meets Σq = 1 only to about 1e-12, and a forward KL at
            # Σq > 1 is lower than any allowed guess's: rescaled, it is allowed.
            best = min(best, objective(result.x / np.sum(result.x)))
    return best


def _generated_categorical(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.choice([2, 3, 5, 7, 10, 16, 50]))
    probs = rng.dirichlet(np.full(k, 0.7))
    probs[rng.random(k) < 0.15] = 0.0
    if probs.sum() == 0:
        probs[0] = 1.0
    probs /= probs.sum()
    names = tuple(str(i) for i in range(k - 1))
    bounds, fixed = {}, {}
    spare = 1.0
    for name in names:
        roll = rng.random()
        if roll < 0.15 and spare > 0.2:
            fixed[name] = round(float(rng.uniform(0, min(spare, 2 / k))), 3)
            spare -= fixed[name]
        elif roll < 0.5:
            lo = float(rng.uniform(0, min(0.5 * spare, 1 / k)))
            hi = float(rng.uniform(lo, 1.0))
            bounds[name] = (lo, hi)
            spare -= lo
        else:
            bounds[name] = (0.0, 1.0)
    return Categorical(probs), CategoricalFamily(tuple(range(k))), bounds, fixed


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_categorical_optimum_matches_scipy(seed, direction):
    target, family, bounds, fixed = _generated_categorical(seed)
    best = fit(target, family, direction, bounds, fixed)
    q = best.guess.probs
    for i, name in enumerate(family.param_names):
        lo, hi = bounds.get(name, (fixed.get(name), fixed.get(name)))
        assert lo - 1e-15 <= q[i] <= hi + 1e-15
    low = np.array([bounds.get(n, (fixed.get(n),) * 2)[0] for n in family.param_names] + [0.0])
    high = np.array([bounds.get(n, (fixed.get(n),) * 2)[1] for n in family.param_names] + [1.0])
    reference = _scipy_categorical(target.probs, low, high, direction)
    if math.isinf(reference):
        assert best.divergence == math.inf
    else:
        assert best.divergence == pytest.approx(reference, abs=1e-6)
        assert best.divergence <= reference + 1e-12  # exact, so never worse
    assert best.divergence == divergence(target, best.guess, direction)


# --- against scipy: generated continuous pairs -------------------------------------------

BOUNDS = {"mean": (-10.0, 10.0), "variance": (0.05, 30.0)}


def _generated_mixture(seed):
    rng = np.random.default_rng(1000 + seed)
    k = int(rng.integers(1, 4))
    parts = [Gaussian(float(rng.uniform(-6, 6)), float(rng.uniform(0.2, 4))) for _ in range(k)]
    return Mixture(parts, list(rng.uniform(0.2, 1.0, k)))


def _scipy_multistart(objective, starts, bounds):
    best = math.inf
    for start in starts:
        result = minimize(
            objective,
            start,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 2000},
        )
        best = min(best, float(result.fun))
    return best


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_gaussian_optimum_matches_a_scipy_multistart(seed, direction):
    target = _generated_mixture(seed)
    best = fit(target, GaussianFamily(), direction, BOUNDS)
    lo_v, hi_v = math.log(BOUNDS["variance"][0]), math.log(BOUNDS["variance"][1])

    def objective(u):
        return divergence(target, Gaussian(u[0], math.exp(u[1])), direction)

    grid = [(m, lv) for m in np.linspace(-9, 9, 10) for lv in np.linspace(lo_v, hi_v, 6)]
    reference = _scipy_multistart(objective, grid, [BOUNDS["mean"], (lo_v, hi_v)])
    assert best.divergence == pytest.approx(reference, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_mixture_optimum_matches_a_scipy_multistart(seed, direction):
    target = _generated_mixture(seed + 20)
    family = MixtureFamily(2, (0.4, 0.6))
    bounds = {n: BOUNDS["mean" if "mean" in n else "variance"] for n in family.param_names}
    best = fit(target, family, direction, bounds)
    lo_v, hi_v = math.log(BOUNDS["variance"][0]), math.log(BOUNDS["variance"][1])

    def objective(u):
        guess = family.build(
            {"mean1": u[0], "variance1": math.exp(u[1]), "mean2": u[2], "variance2": math.exp(u[3])}
        )
        return divergence(target, guess, direction)

    rng = np.random.default_rng(seed)
    starts = [
        [rng.uniform(-8, 8), rng.uniform(lo_v, hi_v), rng.uniform(-8, 8), rng.uniform(lo_v, hi_v)]
        for _ in range(16)
    ]
    box = [BOUNDS["mean"], (lo_v, hi_v)] * 2
    reference = _scipy_multistart(objective, starts, box)
    assert best.divergence == pytest.approx(reference, abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_binomial_reverse_optimum_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    target = Categorical(rng.dirichlet(np.ones(n + 1)))
    best = fit(target, BinomialFamily(n), "reverse", {"p": (0.0, 1.0)})
    scan = np.linspace(1e-6, 1 - 1e-6, 2001)
    starts = [[scan[np.argmin([kl(Binomial(n, float(x)), target) for x in scan])]]]
    reference = _scipy_multistart(
        lambda u: kl(Binomial(n, float(u[0])), target), starts, [(0.0, 1.0)]
    )
    assert best.divergence == pytest.approx(reference, abs=1e-6)
