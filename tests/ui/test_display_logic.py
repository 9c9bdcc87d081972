"""What the screens show, without a screen: numbers, readouts, curves, keys."""

from __future__ import annotations

import math

import numpy as np
import pytest
from textual.binding import Binding

from klgame.core import actions as A
from klgame.core.rules import apply, new_game
from klgame.levels.loader import Catalog
from klgame.ui import figures
from klgame.ui.format import (
    bar,
    big_number,
    direction_label,
    log_meter_fill,
    meter_fill,
    meter_floor,
    number,
    param_value,
    reflow,
    stars,
)
from klgame.ui.keys import APP_KEYS, PLAY_KEYS, REVEAL_KEYS, keys_label
from klgame.ui.readout import read


def test_numbers_never_show_nan() -> None:
    assert number(math.inf) == "∞"
    assert number(math.nan) == "—"
    assert number(-1e-12) == "0.0000"
    assert big_number(math.inf) == "∞"
    assert big_number(0.0627) == "0.0627"
    assert big_number(12.3456) == "12.346"
    assert len(big_number(123456.0)) <= 6


def test_parameter_values_show_the_fine_step() -> None:
    assert param_value(0.3, 0.1) == "0.30"
    assert param_value(0.544, 0.01) == "0.544"
    assert param_value(-0.0, 0.1) == "0.00"


def test_meters_fill_as_the_divergence_drops() -> None:
    assert meter_fill(0.0, 25) == 1.0
    assert meter_fill(25.0, 25) == 0.0
    assert meter_fill(math.inf, 1) == 0.0
    assert meter_fill(0.5, 1) == pytest.approx(0.5)
    filled, empty = bar(0.5, 10)
    assert len(filled) + len(empty) == 10 and filled == "█████"


def test_labels() -> None:
    assert direction_label("forward") == "forward KL(p‖q)"
    assert direction_label("reverse") == "reverse KL(q‖p)"
    assert stars(2) == "★★☆"
    assert reflow("one\ntwo\n\nthree\n") == "one two\n\nthree"


def test_readout_puts_the_scored_direction_first(catalog: Catalog) -> None:
    level = catalog.get("two-peaks-forward")
    out = read(new_game(level, 1))
    assert out.scoring.direction == "forward" and out.scoring.symbol == "KL(p‖q)"
    assert [r.direction for r in out.readings] == ["forward", "reverse"]
    assert [m.label for m in out.meters] == ["Divergence", "Fine tuning"]
    assert out.identity is None  # continuous: no cross-entropy line


def test_readout_identity_and_units_on_a_discrete_level(catalog: Catalog) -> None:
    state = new_game(catalog.get("three-states"), 1)
    out = read(state)
    assert out.identity is not None
    h_pq, h_p, kl = out.identity.cross_entropy, out.identity.entropy, out.identity.kl
    assert h_pq == pytest.approx(h_p + kl)
    assert kl == pytest.approx(0.0853, abs=1e-4)  # the lecture's binomial vs uniform
    bits = read(apply(state, A.ToggleUnits()))
    assert bits.units == "bits"
    assert bits.scoring.value == pytest.approx(out.scoring.value / math.log(2))
    # the meters' labels follow the units; how full they are does not change
    assert [m.units for m in bits.meters] == ["bits", "bits"]
    assert [m.limit for m in bits.meters] == pytest.approx([1 / math.log(2), 0.1 / math.log(2)])
    assert [m.fill for m in bits.meters] == pytest.approx([m.fill for m in out.meters])


def test_the_fine_meter_is_logarithmic_down_past_the_three_star_threshold() -> None:
    assert log_meter_fill(0.1, 1.0, 0.01) == pytest.approx(0.5)  # halfway in log terms
    assert log_meter_fill(1.0, 1.0, 0.01) == 0.0
    assert log_meter_fill(5.0, 1.0, 0.01) == 0.0
    assert log_meter_fill(0.001, 1.0, 0.01) == 1.0
    assert log_meter_fill(math.inf, 1.0, 0.01) == 0.0
    assert log_meter_fill(math.nan, 1.0, 0.01) == 0.0
    assert meter_floor(1.0, 0.01) == pytest.approx(0.002)


def test_the_fine_meter_marks_the_star_thresholds_on_the_excess_after_the_reveal(
    catalog: Catalog,
) -> None:
    level = catalog.get("two-peaks-reverse")  # D* > 0: the excess is not KL
    state = new_game(level, 1)
    before = read(state).meters[-1]
    # before the reveal: KL itself, and no marks (they would give D* away)
    assert before.measures == "KL" and before.marks == ()
    three, two, one = level.stars
    limit = level.meters[-1].limit
    floor = min(three / 5, limit / 10)  # a fifth of the three-star threshold
    assert before.floor == pytest.approx(floor)
    kl = state.divergences()[level.direction]  # nats, the level's units
    assert before.fill == pytest.approx(
        min(1.0, max(0.0, math.log(limit / kl) / math.log(limit / floor)))
    )
    revealed = apply(state, A.Reveal())
    assert revealed.score is not None and revealed.score.best > 0.1
    assert revealed.solution is not None
    # free play near the best fit: the best values, the mean a little off
    near = revealed
    for name, value in revealed.solution.values.items():
        near = apply(near, A.Set(param=name, value=value + (0.3 if name == "mean" else 0.0)))
    after = read(near).meters[-1]
    kl = near.divergences()[level.direction]
    excess = kl - revealed.score.best  # D − D*, by hand
    assert floor < excess < limit and excess < kl - 0.1
    assert after.measures == "D−D*"
    expected = math.log(limit / excess) / math.log(limit / floor)
    assert after.fill == pytest.approx(expected) and 0 < after.fill < 1
    assert after.fill > log_meter_fill(kl, limit, floor) + 0.1  # fuller than KL alone
    # the marks: log(limit/t) / log(limit/floor) for each threshold t under the limit
    marks = [math.log(limit / t) / math.log(limit / floor) for t in (one, two, three) if t < limit]
    assert after.marks == pytest.approx(marks)
    coarse = read(revealed).meters[0]
    assert coarse.floor is None and coarse.marks == ()


def test_the_gaussian_fine_meter_marks_by_hand(catalog: Catalog) -> None:
    level = catalog.get("gaussian")  # stars 0.01 / 0.05 / 0.25 nats, fine meter to 1 nat
    assert level.stars == (0.01, 0.05, 0.25) and level.meters[-1].limit == 1.0
    fine = read(apply(new_game(level, 1), A.Reveal())).meters[-1]
    assert fine.floor == pytest.approx(0.002)  # a fifth of the three-star threshold
    # log(1/t) / log(1/0.002) for t = 0.25, 0.05, 0.01, worked out by hand
    assert fine.marks == pytest.approx(
        [1.3863 / 6.2146, 2.9957 / 6.2146, 4.6052 / 6.2146], abs=1e-4
    )


def test_infinite_divergence_reads_as_infinity(catalog: Catalog) -> None:
    out = read(new_game(catalog.get("dog-or-panda"), 1))
    reverse = next(r for r in out.readings if r.direction == "reverse")
    assert math.isinf(reverse.value)
    assert out.scoring.value == pytest.approx(1.737, abs=1e-3)


def test_curves_are_about_as_wide_as_the_plot(catalog: Catalog) -> None:
    level = catalog.get("gaussian")
    state = new_game(level, 1)
    xs = figures.grid(level, state.target, figures.points_for_width(80))
    assert xs.size == 81 and xs[0] == level.view.x_min and xs[-1] == level.view.x_max
    ys = figures.density(state.guess, xs)
    assert np.all(ys >= 0) and ys.max() == pytest.approx(1 / math.sqrt(2 * math.pi * 5), rel=0.05)
    assert figures.points_for_width(5) == figures.MIN_POINTS
    assert figures.points_for_width(10_000) == figures.MAX_POINTS


def test_integrand_integrates_to_the_divergence(catalog: Catalog) -> None:
    level = catalog.get("two-peaks-reverse")
    state = new_game(level, 1)
    xs = np.linspace(-30, 30, 20001)
    for direction in ("forward", "reverse"):
        terms = figures.integrand(state.target, state.guess, direction, xs)
        area = float(np.trapezoid(terms, xs))
        assert area == pytest.approx(state.divergences()[direction], rel=1e-3)


def test_discrete_contributions_sum_to_kl(catalog: Catalog) -> None:
    state = new_game(catalog.get("space-worms"), 1)
    support = state.target.support  # type: ignore[attr-defined]
    p = figures.masses(state.target, support)
    q = figures.masses(state.guess, support)
    assert float(figures.contributions(p, q).sum()) == pytest.approx(state.divergences()["forward"])
    assert math.isinf(figures.contributions(np.array([1.0, 0.0]), np.array([0.0, 1.0]))[0])
    assert figures.labels(state.level, state.target) == [str(v) for v in range(11)]  # type: ignore[arg-type]


def test_space_worms_sweep(catalog: Catalog) -> None:
    level = catalog.get("space-worms")
    state = new_game(level, 1)
    sweep = figures.sweep(level, state.target)
    assert sweep is not None and sweep.param == "p" and sweep.model.id == "binomial"
    best = float(sweep.xs[np.nanargmin(sweep.ys)])
    assert best == pytest.approx(0.544, abs=0.01)
    assert float(np.nanmin(sweep.ys)) == pytest.approx(0.4273, abs=2e-3)
    assert [title for title, _ in sweep.flat] == ["Uniform"]
    assert sweep.flat[0][1] == pytest.approx(0.1367, abs=1e-4)
    assert math.isinf(sweep.ys[0]) and math.isinf(sweep.ys[-1])  # p = 0 or 1 misses data
    assert (
        figures.sweep(catalog.get("gaussian"), new_game(catalog.get("gaussian"), 1).target) is None
    )


def test_every_key_is_declared_once() -> None:
    keys: list[str] = []
    for table in (APP_KEYS, PLAY_KEYS):
        for binding in table:
            assert isinstance(binding, Binding)
            assert binding.id and (binding.tooltip or binding.description)
            keys += [key.strip() for key in binding.key.split(",")]
    assert len(keys) == len(set(keys))
    quit_bindings = [b for b in (*APP_KEYS, *PLAY_KEYS, *REVEAL_KEYS) if isinstance(b, Binding)]
    assert [b.action for b in quit_bindings if b.priority] == ["quit"]


def test_key_labels_for_help() -> None:
    nudge = next(b for b in PLAY_KEYS if isinstance(b, Binding) and b.id == "nudge-down")
    assert keys_label(nudge) == "← / h"
    undo = next(b for b in PLAY_KEYS if isinstance(b, Binding) and b.id == "undo")
    assert keys_label(undo) == "u / ^z"


def test_every_game_action_has_a_key_action_of_the_same_name() -> None:
    from klgame.ui.screens.play import GAME_ACTIONS, PlayScreen

    assert all(callable(getattr(PlayScreen, f"action_{name}", None)) for name in GAME_ACTIONS)
