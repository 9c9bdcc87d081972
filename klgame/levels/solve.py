"""D*: the best fit a player could reach in a level, over all its guess models.

Scoring compares the player's divergence D with D*; the reveal draws the best
fit next to the target. :func:`best_fit` fits every model of the level with
:func:`klgame.engine.fit` (within the model's bounds, its fixed parameters
held) and keeps the smallest of the level's scoring divergence (KL in its
direction, or the cousin it names: :attr:`Level.scoring`).

Results are cached per (level, target): the game may ask early, in the
background, and again at the reveal.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

from klgame.engine import (
    DIRECTIONS,
    Continuous,
    Distribution,
    Fit,
    MixtureFamily,
    Optimum,
    both_directions,
    fit,
)
from klgame.engine import divergence as score
from klgame.engine.fitting import SEARCH_BUDGET
from klgame.levels.model import GuessModel, Level

__all__ = ["Solution", "best_fit", "fit_model"]

# A fitted value this close to a bound (relative to the range) is taken to be
# on it: Q(dog) = 0.9999999999999996 leaves a sliver of mass on "panda" that
# makes the reverse divergence infinite; Q(dog) = 1 does not.
_SNAP = 1e-7


@dataclass(frozen=True)
class Solution:
    """The best achievable fit of a level for one target.

    ``model_id`` names the winning model and ``fit`` is its best fit:
    ``fit.divergence`` is D* in nats, of the level's scoring divergence (no
    units for Hellinger and total variation; convert with
    :meth:`Level.in_units`). ``fits`` holds every model's best fit, in the
    level's model order, for comparing models (the uniform beats the binomial).
    Each fit's ``optima`` holds every distinct local optimum found for that
    model, the global one first (see :func:`klgame.engine.fit`).
    """

    model_id: str
    fit: Fit
    fits: tuple[tuple[str, Fit], ...]

    @property
    def divergence(self) -> float:
        """D* in nats."""
        return self.fit.divergence

    @property
    def values(self) -> dict[str, float]:
        """The best fit's parameter values."""
        return self.fit.values

    @property
    def guess(self) -> Distribution:
        """The best fit itself (the reveal draws it as a ghost)."""
        return self.fit.guess

    def for_model(self, model_id: str) -> Fit:
        for name, result in self.fits:
            if name == model_id:
                return result
        raise KeyError(model_id)


def fit_model(level: Level, model: GuessModel, target: Distribution) -> Fit:
    """The best fit of one model of ``level`` to ``target`` (divergences in nats).

    The level's models share one search budget (:data:`SEARCH_BUDGET`), so
    a level of eight mixture models costs what a level of one does.
    """
    result = fit(
        target,
        model.family,
        level.scoring,
        model.bounds(),
        model.fixed_values(),
        starts=_hints(model, target),
        budget=SEARCH_BUDGET / max(1, len(level.models)),
    )
    return _snap_to_bounds(model, target, result)


def _hints(model: GuessModel, target: Distribution) -> list[dict[str, float]]:
    """An extra first start where an exact match is likely.

    A k-component guess for a k-component target starts on the target's own
    components, sorted by mean (the order a player lays out the bumps in). If
    that is the match, the fitter stops at once instead of trying its other
    starts first; if not, the other starts still run.
    """
    family = model.family
    if not isinstance(family, MixtureFamily) or not isinstance(target, Continuous):
        return []
    pieces = sorted(zip(target.as_mixture().means, target.as_mixture().variances, strict=True))
    if len(pieces) != family.components:
        return []
    start: dict[str, float] = {}
    for index, (mean, variance) in enumerate(pieces, 1):
        start[f"mean{index}"] = float(mean)
        start[f"variance{index}"] = float(variance)
    return [start]


def _snap_to_bounds(model: GuessModel, target: Distribution, result: Fit) -> Fit:
    values = dict(result.values)
    moved = False
    for spec in model.free_params():
        value = values.get(spec.name)
        if value is None:
            continue
        tolerance = _SNAP * max(spec.max - spec.min, 1e-300)
        for bound in (spec.min, spec.max):
            if value != bound and abs(value - bound) <= tolerance:
                values[spec.name] = bound
                moved = True
    if not moved:
        return result
    try:
        guess = model.family.build(model.family.project(values))
    except ValueError:
        return result
    forward, reverse = both_directions(target, guess)
    if result.direction in DIRECTIONS:
        divergence = forward if result.direction == "forward" else reverse
    else:
        divergence = score(target, guess, result.direction)
    if not divergence <= result.divergence + 1e-12:
        return result
    # The snapped point is the global optimum now; the others stay as found.
    optima = (Optimum(dict(values), divergence), *result.optima[1:])
    return dataclasses.replace(
        result,
        values=values,
        guess=guess,
        divergence=divergence,
        forward=forward,
        reverse=reverse,
        optima=optima,
    )


@lru_cache(maxsize=32)
def _solve(level: Level, target: Distribution) -> Solution:
    fits = tuple((model.id, fit_model(level, model, target)) for model in level.models)
    best_id, best = fits[0]
    for model_id, result in fits[1:]:
        if _better(result.divergence, best.divergence):
            best_id, best = model_id, result
    return Solution(best_id, best, fits)


def _better(a: float, b: float) -> bool:
    if math.isnan(a):
        return False
    return math.isnan(b) or a < b


def _copy(result: Fit) -> Fit:
    optima = tuple(Optimum(dict(o.values), o.divergence) for o in result.optima)
    return dataclasses.replace(result, values=dict(result.values), optima=optima)


def best_fit(level: Level, target: Distribution) -> Solution:
    """The best fit over all of ``level``'s models to ``target`` (see :class:`Solution`).

    The first model wins ties, so a level lists its preferred model first.
    """
    try:
        solution = _solve(level, target)
    except TypeError:  # something unhashable: solve without the cache
        solution = _solve.__wrapped__(level, target)
    return Solution(
        solution.model_id,
        _copy(solution.fit),
        tuple((model_id, _copy(result)) for model_id, result in solution.fits),
    )
