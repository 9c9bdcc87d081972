import math

import pytest

from klgame.core.scoring import excess_of, points_for, stars_for


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
