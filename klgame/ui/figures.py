"""What the plots show, as plain numbers: curves, bars and the reveal's sweep.

Pure numpy on top of the engine (no Textual), so the per-key cost is easy to
measure and to test. The screens pass the results to the plot widgets.

Cost per key press: one density evaluation of the guess on a grid about as
wide as the plot (a few hundred points at most). The target's curve is made
once per attempt and the best fit's once per reveal, by whoever caches them.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from klgame.engine import Continuous, Discrete, Distribution, divergence, pointwise_kl
from klgame.levels.model import GuessModel, Level, ParamSpec

#: Fewest and most points a curve is sampled at, whatever the plot's width.
MIN_POINTS = 48
MAX_POINTS = 400


def points_for_width(cells: int) -> int:
    """About one point per cell: plotext joins the points with lines anyway."""
    return max(MIN_POINTS, min(MAX_POINTS, cells + 1))


def x_range(level: Level, target: Distribution) -> tuple[float, float]:
    """The level's x range, or the target's mean ± 4 standard deviations."""
    lo, hi = level.view.x_min, level.view.x_max
    if lo is not None and hi is not None:
        return lo, hi
    centre, spread = target.mean, 4.0 * math.sqrt(max(target.variance, 1e-6))
    return (centre - spread if lo is None else lo), (centre + spread if hi is None else hi)


def grid(level: Level, target: Distribution, points: int) -> np.ndarray:
    lo, hi = x_range(level, target)
    return np.linspace(lo, hi, points)


#: Where each component of a curve is sampled, in its standard deviations from
#: its mean: the mean itself (the peak's true height) and enough around it to
#: draw the bell of a component narrower than a column of the plot.
_COMPONENT_OFFSETS = np.array(
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0]
)
_COMPONENT_OFFSETS = np.concatenate((-_COMPONENT_OFFSETS[:0:-1], _COMPONENT_OFFSETS))


def curve_xs(grid: np.ndarray, dist: Distribution) -> np.ndarray:
    """Where to sample ``dist``'s curve: ``grid`` plus points around every
    component's mean, within the grid's range, sorted.

    An even grid a few hundred points wide misses a spike of variance 0.001 in
    a view 400 wide, or draws it far below its height; these few dozen points
    per component do not (the plot keeps each column's highest point).
    """
    assert isinstance(dist, Continuous)
    mixture = dist.as_mixture()
    means = np.asarray(mixture.means, dtype=float)
    sds = np.sqrt(np.asarray(mixture.variances, dtype=float))
    points = (means[:, None] + sds[:, None] * _COMPONENT_OFFSETS).ravel()
    lo, hi = float(grid[0]), float(grid[-1])
    points = points[(points > lo) & (points < hi)]
    return np.union1d(grid, points) if points.size else grid


def density(dist: Distribution, xs: np.ndarray) -> np.ndarray:
    assert isinstance(dist, Continuous)
    return np.asarray(dist.density(xs), dtype=float)


def integrand(
    target: Distribution, guess: Distribution, direction: str, xs: np.ndarray
) -> np.ndarray:
    """Where the scoring divergence comes from: p·log(p/q) (forward) or q·log(q/p)."""
    assert isinstance(target, Continuous) and isinstance(guess, Continuous)
    if direction == "forward":
        return np.asarray(pointwise_kl(target, guess, xs), dtype=float)
    return np.asarray(pointwise_kl(guess, target, xs), dtype=float)


# --- discrete ----------------------------------------------------------------


def labels(level: Level, target: Discrete) -> list[str]:
    """Names of the outcomes, in the target's support order."""
    given = level.view.labels
    if given is not None and len(given) == len(target.support):
        return list(given)
    return [str(value) for value in target.support]


def masses(dist: Distribution, support: Sequence[Hashable]) -> np.ndarray:
    """``dist``'s probabilities over ``support`` (0 where it has none)."""
    assert isinstance(dist, Discrete)
    if tuple(dist.support) == tuple(support):
        return np.asarray(dist.probs, dtype=float)
    return np.array([dist.mass(value) for value in support], dtype=float)


def contributions(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Each outcome's term p·log(p/q) of KL(p‖q): 0 where p = 0, ∞ where q = 0 < p."""
    out = np.zeros_like(p)
    live = p > 0
    with np.errstate(divide="ignore"):
        out[live] = p[live] * (np.log(p[live]) - np.log(q[live]))
    return out


# --- the reveal's sweep --------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """The scoring divergence as one parameter of one model moves over its range.

    ``flat`` holds the divergences of the level's models with nothing to tune
    (the uniform), drawn as horizontal lines for comparison.
    """

    model: GuessModel
    param: str
    label: str
    xs: np.ndarray
    ys: np.ndarray  # nats, ∞ where the guess misses support
    flat: tuple[tuple[str, float], ...]


def sweep(level: Level, target: Distribution, points: int = 101) -> Sweep | None:
    """The sweep of the first model with exactly one free parameter, if any.

    Only discrete levels get one: there a single knob (the binomial's p)
    explains the whole story of the level.
    """
    if not level.is_discrete:
        return None

    def moving(model: GuessModel) -> list[ParamSpec]:
        # a knob whose min is its max moves nothing: the model is flat in it
        return [spec for spec in model.free_params() if spec.max > spec.min]

    flat = tuple(
        (model.title, divergence(target, model.build(model.start_values()), level.scoring))
        for model in level.models
        if not moving(model)
    )
    for model in level.models:
        free = moving(model)
        if len(free) != 1:
            continue
        spec = free[0]
        xs = np.linspace(spec.min, spec.max, points)
        start = model.start_values()
        ys = np.empty(points)
        for i, x in enumerate(xs):
            values = model.family.project({**start, spec.name: float(x)}, spec.name)
            try:
                ys[i] = divergence(target, model.build(values), level.scoring)
            except ValueError:
                ys[i] = math.inf
        return Sweep(model, spec.name, spec.label, xs, ys, flat)
    return None
