"""What an attempt found, in the words of the reveal texts.

After the reveal the texts may react to what happened (see
:mod:`klgame.levels.texts`): which low point the guess ended near, whether
the best fit spreads over the target's peaks or sits on one, whether D* was
reached. :func:`outcome` works this out from a revealed state, as facts
(words) and numbers (in the level's units); the screen formats the numbers.

It also gives the sum behind a discrete divergence (:func:`discrete_terms`).
Pure: no terminal, no files.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from klgame.core.rules import GameState, autopilot_step
from klgame.engine import Continuous, Discrete, Distribution, Fit, GaussianFamily
from klgame.engine.registry import log_scaled
from klgame.levels.model import GuessModel, Level
from klgame.levels.solve import Solution, best_fit

__all__ = [
    "DiscreteTerm",
    "Outcome",
    "basin",
    "discrete_terms",
    "optima_of",
    "outcome",
    "shape_of",
]


# --- the low points ----------------------------------------------------------------


@dataclass(frozen=True)
class LowPoint:
    """A local optimum: its parameter values and divergence (nats)."""

    values: dict[str, float]
    divergence: float


def optima_of(result: Fit) -> tuple[LowPoint, ...]:
    """A fit's distinct local optima, the global first (just the best fit if
    the engine reports none)."""
    found = getattr(result, "optima", None) or ()
    points = tuple(LowPoint(dict(o.values), float(o.divergence)) for o in found)
    return points or (LowPoint(dict(result.values), result.divergence),)


def shape_of(values: Mapping[str, float], target: Distribution, model: GuessModel) -> str | None:
    """``heavier-peak``, ``lighter-peak`` or ``spread``: where a single
    Gaussian with ``values`` sits on a target of several peaks.

    It sits on a peak when its mean is within one of that peak's standard
    deviations and its variance at most twice the peak's; else it spreads.
    ``None`` for any other kind of guess or target.
    """
    if not isinstance(model.family, GaussianFamily) or not isinstance(target, Continuous):
        return None
    mixture = target.as_mixture()
    if len(mixture.means) < 2:
        return None
    mean, variance = float(values["mean"]), float(values["variance"])
    weights = np.asarray(mixture.weights, dtype=float)
    for index, (m, v) in enumerate(zip(mixture.means, mixture.variances, strict=True)):
        if abs(mean - m) <= math.sqrt(v) and variance <= 2.0 * v:
            return "heavier-peak" if weights[index] >= weights.max() else "lighter-peak"
    return "spread"


def basin(state: GameState, points: Sequence[LowPoint], max_steps: int = 400) -> int:
    """Which of ``points`` the current guess runs down to (index; 0 if unsure).

    Follows the autopilot's downhill steps from the guess until they stop,
    then takes the nearest low point (means by the parameter's range,
    variances on a log scale).
    """
    if len(points) < 2:
        return 0
    walker = state
    for _ in range(max_steps):
        trial = autopilot_step(walker)
        if trial is None:
            break
        row = tuple(trial[spec.name] for spec in walker.model.params)
        table = list(walker.values)
        table[walker.model_index] = row
        walker = replace(walker, values=tuple(table))
    here = walker.current_values
    free = walker.free_params

    def distance(point: LowPoint) -> float:
        total = 0.0
        for spec in free:
            a, b = here.get(spec.name), point.values.get(spec.name)
            if a is None or b is None:
                continue
            if log_scaled(walker.model.family, spec.name, spec.min) and a > 0 and b > 0:
                gap = math.log(a) - math.log(b)
            else:
                gap = (a - b) / max(spec.max - spec.min, 1e-12)
            total += gap * gap
        return total

    return min(range(len(points)), key=lambda i: distance(points[i]))


# --- the outcome of an attempt -------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the reveal texts may say about an attempt.

    ``facts`` answer the conditions of :data:`klgame.levels.texts.CONDITIONS`
    (absent where they do not apply); ``numbers`` are the placeholders'
    values, divergences in the level's units and parameters as they are.
    ``optima`` are the low points of the player's model, the global first,
    and ``found`` indexes the one the guess ended near.
    """

    facts: dict[str, str]
    numbers: dict[str, float]
    optima: tuple[LowPoint, ...]
    found: int
    divergences: frozenset[str] = field(default_factory=frozenset)


def outcome(state: GameState, other: Level | None = None) -> Outcome:
    """The outcome of a revealed attempt; ``other`` is the level whose target
    this level shares (``level.target_from``), if known."""
    level = state.level
    score = state.score
    solution: Solution = state.solution or best_fit(level, state.target)
    mine = solution.for_model(state.model.id)
    points = optima_of(mine)
    best_model = level.model(solution.model_id)
    index = 0
    facts: dict[str, str] = {}
    if score is not None and math.isfinite(score.excess) and score.excess <= level.stars[0]:
        index = 0 if solution.model_id == state.model.id else -1
        facts["d_star"] = "reached"
    else:
        index = basin(state, points)
        facts["d_star"] = "missed"
    on_global = solution.model_id == state.model.id and index == 0
    facts["optimum"] = "global" if on_global else "local"
    found = points[index] if index >= 0 else LowPoint(dict(mine.values), mine.divergence)
    for key, values, model in (
        ("fit", solution.values, best_model),
        ("found", found.values, state.model),
    ):
        shape = shape_of(values, state.target, model)
        if shape is not None:
            facts[key] = shape
    if other is not None:
        theirs = best_fit(other, state.target)
        shape = shape_of(theirs.values, state.target, other.model(theirs.model_id))
        if shape is not None:
            facts["other_fit"] = shape
    numbers: dict[str, float] = {
        "found": level.in_units(found.divergence),
        "lowest": level.in_units(solution.divergence),
        "optima": float(len(points)),
    }
    if score is not None:
        numbers |= {"D": score.divergence, "D*": score.best, "excess": score.excess}
    for name, value in solution.values.items():
        numbers[f"best.{name}"] = value
    for name, value in found.values.items():
        numbers[f"found.{name}"] = value
    divergences = frozenset({"D", "D*", "excess", "found", "lowest"})
    return Outcome(facts, numbers, points, max(index, 0), divergences)


# --- the sum behind a discrete number ------------------------------------------------


@dataclass(frozen=True)
class DiscreteTerm:
    """One outcome's row: p(x), q(x), and its terms of both sums (nats).

    ``forward`` is p·log(p/q) (0 where p = 0, ∞ where q = 0 < p), ``reverse``
    is q·log(q/p); KL(p‖q) and KL(q‖p) are the sums of the columns.
    """

    value: Hashable
    label: str
    p: float
    q: float
    forward: float
    reverse: float


def _term(a: float, b: float) -> float:
    if a <= 0.0:
        return 0.0
    if b <= 0.0:
        return math.inf
    return a * (math.log(a) - math.log(b))


def discrete_terms(
    target: Distribution, guess: Distribution, labels: Sequence[str] | None = None
) -> list[DiscreteTerm]:
    """The rows of the sum, over the target's support and then any value only
    the guess gives mass to."""
    assert isinstance(target, Discrete) and isinstance(guess, Discrete)
    support = list(target.support)
    support += [value for value in guess.support if value not in support]
    rows = []
    for position, value in enumerate(support):
        p, q = float(target.mass(value)), float(guess.mass(value))
        label = labels[position] if labels is not None and position < len(labels) else str(value)
        rows.append(DiscreteTerm(value, label, p, q, _term(p, q), _term(q, p)))
    return rows
