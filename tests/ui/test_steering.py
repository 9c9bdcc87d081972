"""Faster steering, through the pure rules with the actions the UI records.

A player who knows the answer reaches three stars on the finale in at most
40 key presses (a held key is one press: the terminal repeats it, and the
accelerator turns the repeats into ever larger nudges), or in at most 12
drags on the sliders.
"""

from __future__ import annotations

import pytest

from klgame.core import actions as A
from klgame.core.rules import GameState, apply, new_game
from klgame.levels.loader import load_catalog
from klgame.ui.steering import Accelerator, slider_cell, slider_value, snap, speed

FINALE = load_catalog([]).get("finale")
SEEDS = [1, 7, 2024]
KEY_DELAY, KEY_RATE = 0.5, 1 / 30  # a terminal's usual repeat: after 0.5 s, 30 a second


def answer(state: GameState) -> dict[str, float]:
    """The target's own parameters, each on the knob's grid."""
    values = FINALE.target.values(state.seed)
    specs = {spec.name: spec for spec in state.free_params}
    return {name: snap(specs[name], values[name]) for name in specs}


def test_speed_grows_while_a_key_repeats_and_resets_on_release() -> None:
    assert [speed(n) for n in range(12)] == [1] * 5 + [2] * 5 + [5] * 2
    held = Accelerator()
    times = [held.times("right", 0.0)]  # the press
    times += [held.times("right", KEY_DELAY + i * KEY_RATE) for i in range(12)]
    assert times == [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 5, 5]  # the first repeat comes late
    assert held.times("right", 10.0) == 1  # let go and pressed again
    assert held.times("left", 10.01) == 1  # another key starts afresh


def hold(state: GameState, sign: int, steps: int, clock: list[float]) -> tuple[GameState, int]:
    """Hold a nudge key until the next repeat would pass ``steps``: one press."""
    accel, done, t = Accelerator(), 0, clock[0]
    gap = 0.0
    while True:
        times = accel.times("nudge", t + gap)
        if done + times > steps:
            break
        state = apply(state, A.Nudge(sign=sign, size="step", times=times, t=t + gap))
        done += times
        t += gap
        gap = KEY_DELAY if gap == 0.0 else KEY_RATE
    clock[0] = t + 1.0  # the key is let go
    return state, steps - done


@pytest.mark.parametrize("seed", SEEDS)
def test_three_stars_on_the_finale_in_40_key_presses(seed: int) -> None:
    state = new_game(FINALE, seed)
    goal = answer(state)
    presses, clock = 0, [0.0]
    for index, spec in enumerate(state.free_params):
        if index:
            state = apply(state, A.Select(delta=1))
            presses += 1
        steps = round((goal[spec.name] - state.current_values[spec.name]) / spec.step)
        sign = 1 if steps > 0 else -1
        left = abs(steps)
        if left >= 3:
            state, left = hold(state, sign, left, clock)
            presses += 1
        for _ in range(left):  # the last few: taps
            state = apply(state, A.Nudge(sign=sign))
            presses += 1
        assert state.current_values[spec.name] == pytest.approx(goal[spec.name])
    state = apply(state, A.Reveal())
    presses += 1
    assert state.score is not None and state.score.stars == 3
    assert presses <= 40, presses


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cells", [12, 20])
def test_three_stars_on_the_finale_in_12_drags(seed: int, cells: int) -> None:
    """A drag from anywhere on the track follows the pointer (coarse); a drag
    that starts on the thumb moves it one step per cell (fine)."""
    state = new_game(FINALE, seed)
    goal = answer(state)
    drags = 0
    for spec in state.free_params:
        target = goal[spec.name]
        here = state.current_values[spec.name]
        if abs(target - here) > (spec.max - spec.min) / (cells - 1):
            # coarse: press on the track near the answer, move a cell, let go
            cell = round((target - spec.min) / (spec.max - spec.min) * (cells - 1))
            for k, c in enumerate((cell - 1, cell)):
                value = slider_value(spec, c, cells)
                state = apply(state, A.Set(param=spec.name, value=value, continues=k > 0))
            drags += 1
            here = state.current_values[spec.name]
        if here != target:
            # fine: press on the thumb, move the pointer, one step a cell
            start = slider_cell(spec, here, cells)
            steps = round((target - here) / spec.step)
            for k in range(1, abs(steps) + 1):
                value = here + (k if steps > 0 else -k) * spec.step
                state = apply(state, A.Set(param=spec.name, value=value, continues=k > 1))
            drags += 1
            assert start >= 0
        assert state.current_values[spec.name] == pytest.approx(target)
    assert state.moves == drags  # a drag is one move, however far it goes
    state = apply(state, A.Reveal())
    assert state.score is not None and state.score.stars == 3
    assert drags <= 12, drags


def test_set_selects_clamps_and_a_drag_is_one_undo_step() -> None:
    state = new_game(FINALE, 1)
    start = state.current_values
    state = apply(state, A.Set(param="variance2", value=2.3))
    assert state.selected_param is not None and state.selected_param.name == "variance2"
    assert state.current_values["variance2"] == 2.3 and state.moves == 1
    for value in (2.1, 1.9, 99.0):
        state = apply(state, A.Set(param="variance2", value=value, continues=True))
    assert state.current_values["variance2"] == 20.0  # clamped to the knob's maximum
    assert state.moves == 1
    undone = apply(state, A.Undo())
    assert undone.current_values == start  # the whole drag undone at once
    missing = apply(state, A.Set(param="nope", value=1.0))
    assert missing.values == state.values and "no knob 'nope'" in missing.message


def test_a_nudge_of_several_steps_is_one_move() -> None:
    state = new_game(FINALE, 1)
    moved = apply(state, A.Nudge(sign=1, times=5))
    assert moved.current_values["mean1"] == pytest.approx(state.current_values["mean1"] + 0.5)
    assert moved.moves == 1
