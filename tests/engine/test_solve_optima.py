"""A level's solution keeps every model's local optima, the global one first."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from klgame.engine import Optimum, divergence
from klgame.levels import best_fit, load_catalog

LEVELS = Path(__file__).resolve().parents[2] / "levels"


@pytest.fixture(scope="module")
def levels():
    return {level.id: level for level in load_catalog([LEVELS]).levels}


@pytest.mark.parametrize("level_id", ["two-peaks-reverse", "finale", "dog-or-panda", "space-worms"])
def test_every_model_keeps_its_optima(levels, level_id):
    level = levels[level_id]
    target = level.target.draw(5)
    solution = best_fit(level, target)
    for model in level.models:
        result = solution.for_model(model.id)
        assert result.optima, model.id
        assert all(isinstance(o, Optimum) for o in result.optima)
        assert result.optima[0].values == result.values
        assert result.optima[0].divergence == result.divergence
        found = [o.divergence for o in result.optima]
        assert found == sorted(found)
        for optimum in result.optima:
            # Each divergence is the one its values give, worked out afresh.
            again = divergence(target, model.build(optimum.values), level.direction)
            assert optimum.divergence == pytest.approx(again, rel=1e-12, abs=1e-15)
            assert not math.isnan(optimum.divergence)


def test_far_peaks_of_two_peaks_reverse_give_one_optimum_per_peak(levels):
    # Some also have a third, spread optimum between the peaks (a real local
    # minimum: scipy's Nelder-Mead started on it stays there). The layout
    # varies with the seed: the first three seeds with peaks 8 widths apart.
    level = levels["two-peaks-reverse"]
    far = []
    for seed in range(1, 40):
        pieces = level.target.draw(seed).as_mixture()
        gap = abs(pieces.means[1] - pieces.means[0])
        if gap >= 8 * max(pieces.variances) ** 0.5:
            far.append(seed)
    assert len(far) >= 3
    for seed in far[:3]:
        target = level.target.draw(seed)
        pieces = target.as_mixture()
        optima = best_fit(level, target).fit.optima
        heavier = pieces.means[int(pieces.weights[1] > pieces.weights[0])]
        assert optima[0].values["mean"] == pytest.approx(heavier, abs=0.05)
        peaks = sorted(o.values["mean"] for o in optima[:2])
        assert peaks == pytest.approx(sorted(pieces.means), abs=0.05)
        for spread in optima[2:]:
            assert spread.values["variance"] > 4 * max(pieces.variances)
            assert spread.divergence > optima[1].divergence


def test_solutions_hand_out_copies(levels):
    level = levels["two-peaks-reverse"]
    target = level.target.draw(7)
    first = best_fit(level, target)
    first.fit.optima[0].values["mean"] = 1e9
    assert best_fit(level, target).fit.optima[0].values["mean"] != 1e9


def test_snapped_optimum_is_the_first(levels):
    # Q(dog) is fitted to just below 1 and snapped onto the bound.
    level = levels["dog-or-panda"]
    solution = best_fit(level, level.target.draw(0))
    assert solution.fit.optima[0] == Optimum({"dog": 1.0}, 0.0)
