"""Whether a level can ever be scored: some allowed guess with a finite divergence.

KL(p‖q) is ∞ when q misses a value p gives a chance; KL(q‖p) is ∞ when q puts
mass where p has none. A level whose every model is stuck on one of those for
every target has D* = ∞ and no score: ``validate`` refuses it. The question is
one of supports, answered exactly from the level's bounds, without fitting.

Continuous levels always score: every Gaussian (and mixture of them) is
positive everywhere. For a discrete target the values p gives a chance are
the same for almost every seed: a fixed probability or count of 0 is 0, a
random count is positive (a uniform draw hits 0 with probability 0), and a
binomial is spread over 0..n unless its p is fixed at 0 or 1.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from klgame.engine.registry import descriptor, descriptor_of
from klgame.levels.model import Direction, GuessModel, TargetSpec

__all__ = ["never_scored"]


def target_support(target: TargetSpec) -> frozenset[Hashable]:
    """The values the target gives a chance, for almost every seed."""
    chance = descriptor(target.kind).chance
    assert chance is not None
    return chance(dict(target.params), target)


def model_problem(model: GuessModel, target: TargetSpec, direction: Direction) -> str | None:
    """Why ``model``'s divergence is ∞ for every target, or ``None`` if it can be finite."""
    if not target.is_discrete:
        return None
    problem = descriptor_of(model.family).problem
    if problem is None:
        return None
    ranges = {spec.name: (spec.min, spec.max) for spec in model.params}
    return problem(model.family, ranges, target_support(target), target.support, direction)


def never_scored(
    target: TargetSpec, models: Sequence[GuessModel], direction: Direction
) -> str | None:
    """Why no model of the level can ever reach a finite divergence, or ``None``."""
    problems = [model_problem(model, target, direction) for model in models]
    if any(problem is None for problem in problems):
        return None
    symbol = "KL(p‖q)" if direction == "forward" else "KL(q‖p)"
    reasons = "; ".join(
        f"{model.id}: {problem}" for model, problem in zip(models, problems, strict=True)
    )
    return f"the level can never be scored: {symbol} is ∞ for every allowed guess ({reasons})"
