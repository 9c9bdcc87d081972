"""Fitting under KL's cousins: the criterion, its gradient, its best fit.

The gradients are checked against central differences of the divergence
itself; the fits against what must be true of them (an exact match where the
family holds the target, D* = 0) and against scipy's own optimiser of a
categorical Jensen–Shannon written out from its definition.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from klgame.engine import (
    Categorical,
    CategoricalFamily,
    Gaussian,
    GaussianFamily,
    Mixture,
    MixtureFamily,
    divergence,
    fit,
    gradient,
    hellinger,
    jensen_shannon,
    total_variation,
)
from klgame.engine.batch import divergences
from klgame.engine.measures import COUSINS, criterion, in_units

TWO_PEAKS = Mixture([Gaussian(-2.0, 0.5), Gaussian(2.5, 1.2)], [0.4, 0.6])


def test_the_criterion_is_the_direction_for_kl_and_the_name_for_a_cousin():
    assert criterion("kl", "forward") == "forward"
    assert criterion("kl", "reverse") == "reverse"
    for name in COUSINS:
        assert criterion(name, "forward") == criterion(name, "reverse") == name
    with pytest.raises(ValueError, match="divergence must be one of"):
        criterion("js", "forward")


def test_divergence_names_each_cousin():
    p, q = TWO_PEAKS, Gaussian(0.5, 2.0)
    assert divergence(p, q, "jensen-shannon") == jensen_shannon(p, q)
    assert divergence(p, q, "hellinger") == hellinger(p, q)
    assert divergence(p, q, "total-variation") == total_variation(p, q)
    with pytest.raises(ValueError, match="direction must be one of"):
        divergence(p, q, "sideways")


def test_only_jensen_shannon_has_units():
    assert in_units(math.log(2.0), "bits", "jensen-shannon") == pytest.approx(1.0, rel=1e-15)
    assert in_units(0.3, "bits", "hellinger") == 0.3
    assert in_units(0.3, "bits", "total-variation") == 0.3
    assert in_units(math.log(2.0), "bits", "reverse") == pytest.approx(1.0, rel=1e-15)


def _central(target, family, values, name, crit, h=1e-5):
    up, down = dict(values), dict(values)
    up[name] += h
    down[name] -= h
    return (
        divergence(target, family.build(up), crit) - divergence(target, family.build(down), crit)
    ) / (2 * h)


@pytest.mark.parametrize("crit", COUSINS)
@pytest.mark.parametrize(
    ("family", "values"),
    [
        (GaussianFamily(), {"mean": 0.7, "variance": 1.7}),
        (GaussianFamily(), {"mean": -2.3, "variance": 0.4}),
        (MixtureFamily(2), {"mean1": -1.0, "variance1": 0.8, "mean2": 1.5, "variance2": 2.0}),
    ],
)
def test_the_analytic_gradient_is_the_slope(crit, family, values):
    got = gradient(TWO_PEAKS, family, values, crit)
    for name in family.param_names:
        expected = _central(TWO_PEAKS, family, values, name, crit)
        assert got[name] == pytest.approx(expected, rel=1e-5, abs=1e-8), name


@pytest.mark.parametrize("crit", COUSINS)
def test_a_gaussian_fits_a_gaussian_exactly(crit):
    target = Gaussian(1.3, 2.2)
    found = fit(target, GaussianFamily(), crit, {"mean": (-5, 5), "variance": (0.1, 10)})
    assert found.divergence == pytest.approx(0.0, abs=1e-6)
    assert found.values["mean"] == pytest.approx(1.3, abs=1e-3)
    assert found.values["variance"] == pytest.approx(2.2, rel=1e-3)
    assert found.direction == crit


def _js_written_out(p: np.ndarray, q: np.ndarray) -> float:
    m = 0.5 * (p + q)
    terms = [a * math.log(a / c) for a, c in zip(p, m, strict=True) if a > 0]
    terms += [b * math.log(b / c) for b, c in zip(q, m, strict=True) if b > 0]
    return 0.5 * math.fsum(terms)


def test_a_bounded_categorical_fit_matches_scipy():
    """q(a) may not exceed 0.3: the best JS fit is found by a search (no closed form)."""
    target = Categorical([0.6, 0.3, 0.1], ("a", "b", "c"))
    family = CategoricalFamily(("a", "b", "c"))
    bounds = {"a": (0.0, 0.3), "b": (0.0, 1.0)}
    found = fit(target, family, "jensen-shannon", bounds)

    def cost(u: np.ndarray) -> float:
        a, b = float(u[0]), float(u[1])
        if a + b > 1.0:
            return 10.0
        return _js_written_out(np.array([0.6, 0.3, 0.1]), np.array([a, b, 1.0 - a - b]))

    reference = minimize(
        cost, [0.2, 0.5], method="SLSQP", bounds=[(0.0, 0.3), (0.0, 1.0)], options={"ftol": 1e-14}
    )
    assert found.divergence == pytest.approx(float(reference.fun), rel=1e-6)
    assert found.values["a"] == pytest.approx(0.3, abs=1e-6)
    assert found.values["b"] == pytest.approx(float(reference.x[1]), abs=1e-4)


HARSH = Mixture([Gaussian(-18, 0.01), Gaussian(0, 50), Gaussian(17, 0.02)], [0.45, 0.35, 0.2])


@pytest.mark.parametrize("crit", COUSINS)
@pytest.mark.parametrize(
    "target", [TWO_PEAKS, Gaussian(0.3, 2.0), HARSH], ids=["two", "one", "harsh"]
)
@pytest.mark.parametrize("family", [GaussianFamily(), MixtureFamily(2), MixtureFamily(3)], ids=str)
def test_the_batch_agrees_with_the_scalar_path(crit, target, family):
    """Jensen–Shannon and Hellinger are batched (klgame.engine.batch_cousins),
    total variation goes guess by guess: each equals the scalar path to 1e-12."""
    rng = np.random.default_rng(11)
    values = {
        name: rng.uniform(-10, 10, 40)
        if name.startswith("mean")
        else np.exp(rng.uniform(math.log(0.01), math.log(40.0), 40))
        for name in family.param_names
    }
    values[family.param_names[0]][0] = math.nan  # a guess that cannot be built: ∞
    grid = divergences(target, family, crit, values)
    assert grid[0] == math.inf
    for i in range(1, 40):
        guess = family.build({name: float(v[i]) for name, v in values.items()})
        assert grid[i] == pytest.approx(divergence(target, guess, crit), rel=1e-12, abs=1e-300)
