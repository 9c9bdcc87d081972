"""Batched divergences equal the scalar path, guess by guess (to 1e-12 relative)."""

from __future__ import annotations

import math

import numpy as np
import pytest

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
)
from klgame.engine.batch import divergences, landscape

TWO_PEAK = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6])
THREE = Mixture([Gaussian(-4, 1), Gaussian(1, 0.5), Gaussian(5, 2)], [0.5, 0.3, 0.2])
HARSH = Mixture([Gaussian(-18, 0.01), Gaussian(0, 50), Gaussian(17, 0.02)], [0.45, 0.35, 0.2])
MEANS = np.linspace(-10, 10, 23)
VARIANCES = np.geomspace(0.01, 50, 11)


def scalar_grid(target, family, direction, base, x_name, xs, y_name, ys) -> np.ndarray:
    out = np.empty((len(ys), len(xs)))
    for row, y in enumerate(ys):
        for column, x in enumerate(xs):
            values = dict(base) | {x_name: float(x), y_name: float(y)}
            try:
                guess = family.build(values)
            except ValueError:
                out[row, column] = math.inf
                continue
            out[row, column] = divergence(target, guess, direction)
    return out


def assert_same(batched: np.ndarray, scalar: np.ndarray) -> None:
    assert batched.shape == scalar.shape
    assert not np.any(np.isnan(batched))
    same_inf = np.isinf(batched) == np.isinf(scalar)
    assert np.all(same_inf)
    finite = np.isfinite(scalar)
    scale = np.maximum(np.abs(scalar[finite]), 1e-300)
    worst = np.max(np.abs(batched[finite] - scalar[finite]) / scale, initial=0.0)
    assert worst <= 1e-12, f"largest relative difference {worst:.2e}"


@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize(
    "target",
    [Gaussian(1.5, 2.0), TWO_PEAK, THREE, HARSH],
    ids=["gaussian", "two-peak", "three", "harsh"],
)
def test_gaussian_guesses(target, direction):
    family = GaussianFamily()
    xs = np.concatenate([MEANS, [-3.0, 3.0]])  # on a target component: shared panel edges
    ys = np.concatenate([VARIANCES, [1.0]])
    batched = landscape(target, family, direction, {}, ("mean", xs), ("variance", ys))
    assert_same(batched, scalar_grid(target, family, direction, {}, "mean", xs, "variance", ys))


@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize("target", [THREE, HARSH, Gaussian(0, 3)], ids=["three", "harsh", "one"])
@pytest.mark.parametrize("pair", [("mean1", "variance2"), ("mean2", "mean3")])
def test_mixture_guesses(target, direction, pair):
    family = MixtureFamily(3, (0.5, 0.3, 0.2))
    base = {"mean1": -3, "variance1": 1, "mean2": 0, "variance2": 1, "mean3": 4, "variance3": 2}
    x_name, y_name = pair
    xs = np.linspace(-8, 8, 9)
    ys = VARIANCES[::2] if y_name.startswith("variance") else np.linspace(-6, 6, 7)
    ys = np.concatenate([ys, [0.0]]) if y_name == "mean3" else ys  # two components on top
    batched = landscape(target, family, direction, base, (x_name, xs), (y_name, ys))
    assert_same(batched, scalar_grid(target, family, direction, base, x_name, xs, y_name, ys))


def test_a_switched_off_component_takes_the_scalar_path():
    family = MixtureFamily(2, (1.0, 0.0))
    base = {"mean1": 0.0, "variance1": 1.0, "mean2": 5.0, "variance2": 1.0}
    batched = landscape(TWO_PEAK, family, "reverse", base, ("mean1", MEANS), ("variance1", [1, 2]))
    scalar = scalar_grid(TWO_PEAK, family, "reverse", base, "mean1", MEANS, "variance1", [1, 2])
    assert_same(batched, scalar)


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_discrete_guesses(direction):
    target = Categorical([0.1, 0.2, 0.3, 0.25, 0.15], [0, 1, 2, 3, 4])
    ps = np.linspace(0, 1, 21)
    batched = landscape(target, BinomialFamily(4), direction, {}, ("p", ps))
    scalar = [divergence(target, Binomial(4, float(p)), direction) for p in ps]
    assert_same(batched[None, :], np.array([scalar]))
    family = CategoricalFamily((0, 1, 2, 3, 4))
    base = {"0": 0.1, "1": 0.2, "2": 0.3, "3": 0.25}
    grid = np.linspace(0, 1, 11)
    batched = landscape(target, family, direction, base, ("0", grid), ("1", grid))
    # Past the simplex (0.3 + 0.25 + x + y > 1) there is no such guess: ∞, like the scalar build.
    assert np.isinf(batched[-1, -1])
    assert_same(batched, scalar_grid(target, family, direction, base, "0", grid, "1", grid))


def test_one_parameter_curve_and_shapes():
    curve = landscape(TWO_PEAK, GaussianFamily(), "reverse", {"variance": 1.0}, ("mean", MEANS))
    assert curve.shape == MEANS.shape
    expected = [divergence(TWO_PEAK, Gaussian(float(m), 1.0), "reverse") for m in MEANS]
    assert_same(curve[None, :], np.array([expected]))
    single = divergences(TWO_PEAK, GaussianFamily(), "forward", {"mean": 0.0, "variance": 2.0})
    assert single.shape == ()
    with pytest.raises(ValueError, match="missing parameter"):
        divergences(TWO_PEAK, GaussianFamily(), "forward", {"mean": 0.0})
    with pytest.raises(ValueError, match="direction"):
        divergences(TWO_PEAK, GaussianFamily(), "sideways", {"mean": 0.0, "variance": 1.0})
