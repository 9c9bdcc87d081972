"""Scoring at reveal: how close the guess came to the best achievable fit.

D is the level's scoring divergence (KL in its direction, or the cousin it
names), D* the best any guess
in the level's family and bounds can reach, and excess = D − D* (≥ 0).
Both are shown in the level's units, and the star thresholds are in them too.

Points reward closeness first, then economy::

    closeness = 1000 · exp(−excess / s₂)          s₂ = the 2-star threshold
    economy   = max(0, 200 − 2 · moves)
    points    = max(0, round(closeness) + economy − 100 · hints)

so a perfect fit is worth about 1000–1200 points, a 2-star fit about 370 +
economy, and each hint costs 100. An infinite excess scores 0 points: the
economy of a few moves does not pay for a guess that rules out what the
target allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from klgame.engine.measures import has_units
from klgame.levels.model import Level

CLOSENESS_POINTS = 1000
ECONOMY_POINTS = 200
POINTS_PER_MOVE = 2
HINT_COST = 100


@dataclass(frozen=True)
class Score:
    divergence: float  # D, level units
    best: float  # D*, level units
    excess: float  # D − D*, level units
    stars: int
    points: int
    moves: int
    hints: int
    seconds: float
    units: str


def excess_of(divergence: float, best: float) -> float:
    """D − D*, never negative, never NaN (∞ − ∞ counts as no excess)."""
    if math.isinf(divergence):
        return 0.0 if math.isinf(best) else math.inf
    return max(0.0, divergence - best)


def stars_for(excess: float, thresholds: tuple[float, float, float]) -> int:
    return sum(1 for limit in thresholds if excess <= limit)


def points_for(excess: float, two_star: float, moves: int, hints: int) -> int:
    if math.isinf(excess):  # the guess rules out what the target allows: no points at all
        return 0
    if two_star > 0:
        closeness = CLOSENESS_POINTS * math.exp(-excess / two_star)
    else:  # a two-star threshold of 0: the formula's limit, all for a perfect fit
        closeness = CLOSENESS_POINTS if excess == 0 else 0.0
    economy = max(0, ECONOMY_POINTS - POINTS_PER_MOVE * moves)
    return max(0, round(closeness) + economy - HINT_COST * hints)


def score_attempt(
    level: Level, divergence: float, best: float, moves: int, hints: int, seconds: float
) -> Score:
    """Score an attempt; ``divergence`` and ``best`` are in nats (or, for
    Hellinger and total variation, unitless, and the score's ``units`` is "")."""
    d, d_star = level.in_units(divergence), level.in_units(best)
    excess = excess_of(d, d_star)
    return Score(
        divergence=d,
        best=d_star,
        excess=excess,
        stars=stars_for(excess, level.stars),
        points=points_for(excess, level.stars[1], moves, hints),
        moves=moves,
        hints=hints,
        seconds=seconds,
        units=level.units if has_units(level.divergence) else "",
    )
