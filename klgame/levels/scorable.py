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

import math
from collections.abc import Hashable, Sequence

from klgame.engine import BinomialFamily, CategoricalFamily, UniformFamily
from klgame.levels.model import Direction, GuessModel, RandomRange, TargetSpec

__all__ = ["never_scored"]

_TOLERANCE = 1e-9  # as the schema's check of the starting probabilities


def target_support(target: TargetSpec) -> frozenset[Hashable]:
    """The values the target gives a chance, for almost every seed."""
    values = dict(target.params)
    if target.kind == "binomial":
        p = values["p"]
        if p == 0.0:
            return frozenset({0})
        if p == 1.0:
            return frozenset({target.n})
        return frozenset(range(target.n + 1))
    masses = [values[f"p{i}"] for i in range(1, len(target.support) + 1)]
    return frozenset(
        value
        for value, mass in zip(target.support, masses, strict=True)
        if isinstance(mass, RandomRange) or mass > 0.0
    )


def _reach(model: GuessModel) -> list[tuple[frozenset[Hashable], frozenset[Hashable]]]:
    """The binomial's possible supports as (must have mass, may have mass) pairs."""
    family = model.family
    assert isinstance(family, BinomialFamily)
    spec = model.param("p")
    full = frozenset(range(family.n + 1))
    out: list[tuple[frozenset[Hashable], frozenset[Hashable]]] = []
    if spec.min < 1.0 and spec.max > 0.0:  # some p strictly inside (0, 1)
        out.append((full, full))
    if spec.min == 0.0:
        out.append((frozenset({0}), frozenset({0})))
    if spec.max == 1.0:
        out.append((frozenset({family.n}), frozenset({family.n})))
    return out


def _categorical_problem(
    model: GuessModel, support: Sequence[Hashable], chance: frozenset[Hashable], direction: str
) -> str | None:
    family = model.family
    assert isinstance(family, CategoricalFamily)
    free = [(value, model.param(str(value))) for value in family.support[:-1]]
    last = family.support[-1]
    lows = math.fsum(spec.min for _, spec in free)
    if direction == "forward":
        missing = [v for v in support if v in chance and v not in family.support]
        if missing:
            return f"q has no value {missing[0]}, which p gives a chance"
        for value, spec in free:
            if value in chance and spec.max <= 0.0:
                return f"Q({value}) cannot rise above 0, yet p gives {value} a chance"
        strict = last in chance or any(v in chance and s.min <= 0.0 for v, s in free)
        if (lows >= 1.0 - _TOLERANCE) if strict else (lows > 1.0 + _TOLERANCE):
            return (
                f"the lowest Q values already sum to {lows:.6g}, leaving nothing "
                f"for {last if last in chance else 'the values p gives a chance'}"
            )
        return None
    for value, spec in free:
        if value not in chance and spec.min > 0.0:
            return f"Q({value}) cannot fall to 0, yet p gives {value} no chance"
    alive = [spec for value, spec in free if value in chance]
    low = math.fsum(spec.min for spec in alive)
    if last in chance:
        return None if low <= 1.0 + _TOLERANCE else f"the lowest Q values sum to {low:.6g}"
    high = math.fsum(spec.max for spec in alive)
    if low <= 1.0 + _TOLERANCE and high >= 1.0 - _TOLERANCE:
        return None
    return f"q must leave mass on {last}, where p has none"


def model_problem(model: GuessModel, target: TargetSpec, direction: Direction) -> str | None:
    """Why ``model``'s divergence is ∞ for every target, or ``None`` if it can be finite."""
    if not target.is_discrete:
        return None
    chance = target_support(target)
    family = model.family
    if isinstance(family, UniformFamily):
        spread = frozenset(family.support)
        if direction == "forward" and not chance <= spread:
            missing = next(v for v in target.support if v in chance and v not in spread)
            return f"q has no value {missing}, which p gives a chance"
        if direction == "reverse" and not spread <= chance:
            extra = next(v for v in family.support if v not in chance)
            return f"q spreads over {extra}, where p has none"
        return None
    if isinstance(family, BinomialFamily):
        reach = _reach(model)
        if direction == "forward":
            if any(chance <= may for _, may in reach):
                return None
            return f"no Binomial({family.n}, p) allowed covers every value p gives a chance"
        if any(must <= chance for must, _ in reach):
            return None
        return f"every Binomial({family.n}, p) allowed puts mass where p has none"
    if isinstance(family, CategoricalFamily):
        return _categorical_problem(model, target.support, chance, direction)
    return None


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
