import math

import pytest
from levelkit import make_level

from klgame.core.scoring import excess_of, points_for, score_attempt, stars_for
from klgame.engine import Gaussian


def test_excess_is_never_negative_or_nan():
    assert excess_of(0.5, 0.5 + 1e-15) == 0.0
    assert excess_of(math.inf, 0.1) == math.inf
    assert excess_of(math.inf, math.inf) == 0.0
    assert excess_of(0.3, 0.1) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("excess", "stars"), [(0.0, 3), (0.01, 3), (0.05, 2), (0.3, 1), (2.0, 0), (math.inf, 0)]
)
def test_stars_follow_the_thresholds(excess, stars):
    assert stars_for(excess, (0.01, 0.1, 0.5)) == stars


def test_points_reward_closeness_first_then_economy():
    perfect_slow = points_for(0.0, 0.1, moves=150, hints=0)
    close_fast = points_for(0.05, 0.1, moves=0, hints=0)
    assert perfect_slow > close_fast  # closeness first
    assert points_for(0.0, 0.1, moves=10, hints=0) > points_for(0.0, 0.1, moves=50, hints=0)
    assert points_for(0.0, 0.1, moves=10, hints=1) == points_for(0.0, 0.1, 10, 0) - 100
    assert points_for(math.inf, 0.1, moves=0, hints=5) == 0


# The documented formula (docs/scoring.md), worked by hand:
#   closeness = 1000 · exp(−excess / s₂),  economy = max(0, 200 − 2 · moves),
#   points = max(0, round(closeness) + economy − 100 · hints), and 0 for an ∞ excess.
# e⁻¹ = 0.367879…, e⁻² = 0.135335…, e⁻⁰·⁸ = 0.449329…, e⁻¹⁰ = 0.0000454…
@pytest.mark.parametrize(
    ("excess", "two_star", "moves", "hints", "points"),
    [
        (0.0, 0.1, 0, 0, 1200),  # 1000 + 200
        (0.1, 0.1, 10, 0, 548),  # round(367.88) = 368, + (200 − 20)
        (0.1 * math.log(2), 0.1, 100, 0, 500),  # half the closeness, economy spent
        (0.1 * math.log(2), 0.1, 150, 0, 500),  # economy never negative
        (0.2, 0.1, 0, 1, 235),  # round(135.34) = 135, + 200 − 100
        (0.5, 0.05, 99, 0, 2),  # round(0.045) = 0, + (200 − 198)
        (0.0, 0.1, 0, 5, 700),  # 1200 − 500
        (0.0, 0.1, 0, 13, 0),  # 1200 − 1300, floored at 0
        (math.inf, 0.1, 0, 0, 0),  # an infinite excess: 0, economy or not
        (math.inf, 0.1, 40, 0, 0),
        (1e6, 0.1, 0, 0, 200),  # a huge finite excess: round(0) + economy 200
        (0.04, 0.05, 3, 0, 643),  # round(449.33) = 449, + (200 − 6)
    ],
)
def test_points_follow_the_documented_formula(excess, two_star, moves, hints, points):
    assert points_for(excess, two_star, moves=moves, hints=hints) == points


def test_an_attempt_in_bits_is_scored_in_bits():
    """D and D* come in nats; a level in bits scores excess/s₂ in bits."""
    level = make_level(Gaussian(0, 1), units="bits", stars=(0.001, 0.05, 0.2))
    score = score_attempt(
        level, divergence=0.04 * math.log(2), best=0.0, moves=3, hints=0, seconds=1.0
    )
    assert score.units == "bits"
    assert score.divergence == pytest.approx(0.04) and score.best == 0.0
    assert score.excess == pytest.approx(0.04)
    assert score.stars == 2  # 0.001 < 0.04 ≤ 0.05
    assert score.points == 643  # as in the table above: 449 + 194


def test_a_two_star_threshold_of_zero_scores_the_formulas_limit():
    # exp(-excess / s2) as s2 -> 0: 1 for no excess, 0 for any excess (docs/scoring.md)
    assert points_for(0.0, 0.0, moves=0, hints=0) == 1000 + 200
    assert points_for(1e-12, 0.0, moves=0, hints=0) == 200
    assert points_for(math.inf, 0.0, moves=0, hints=0) == 0  # ∞: no points at all


def test_an_infinite_divergence_scores_no_points_however_quick():
    # D = ∞ against a finite D*: excess ∞, so 0 stars and 0 points, not the
    # economy's 200 − 2·1 = 198 (docs/scoring.md)
    level = make_level(Gaussian(0, 1), stars=(0.01, 0.05, 0.25))
    score = score_attempt(level, divergence=math.inf, best=0.3, moves=1, hints=0, seconds=1.0)
    assert math.isinf(score.excess) and score.stars == 0 and score.points == 0
