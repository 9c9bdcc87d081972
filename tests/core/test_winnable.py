"""Every built-in level can be won with the keyboard alone.

Each action here is what one key press sends (see klgame/ui/keys.py): a
player who switches model (m), picks a side to start from (shift+←/→),
then follows the hints (g) with ever finer steps (shift+arrows, arrows,
[ and ]) reaches three stars on every level. Run on the pure rules, which
the UI drives one action per key (tests/ui checks the two agree).
"""

from __future__ import annotations

import pytest

from klgame.core import actions as A
from klgame.core.rules import GameState, apply, hint_for, new_game
from klgame.levels.loader import load_catalog

LEVELS = load_catalog([]).levels


def follow_hints(state: GameState) -> GameState:
    for size in ("big", "step", "fine"):
        for _ in range(400):
            name, sign, _ = hint_for(state)
            if name is None:
                break
            index = [spec.name for spec in state.free_params].index(name)
            while state.selected != index:
                state = apply(state, A.Select())
            moved = apply(state, A.Nudge(sign=sign, size=size))
            if moved.scoring_divergence() >= state.scoring_divergence():
                break
            state = moved
    return state


def openings(state: GameState) -> list[GameState]:
    """Start where you are, or first push the first knob far one way or the other."""
    out = [state]
    for sign in (1, -1):
        pushed = state
        for _ in range(5):
            pushed = apply(pushed, A.Nudge(sign=sign, size="big"))
        out.append(pushed)
    return out


@pytest.mark.parametrize("level", LEVELS, ids=[level.id for level in LEVELS])
@pytest.mark.parametrize("seed", [7, 2024])
def test_three_stars_with_keys_alone(level, seed):
    best = 0
    start = new_game(level, seed)
    for switches in range(len(level.models)):
        state = start
        for _ in range(switches):
            state = apply(state, A.SwitchModel())
        for opening in openings(state):
            revealed = apply(follow_hints(opening), A.Reveal())
            best = max(best, revealed.score.stars)
            if best == 3:
                return
    pytest.fail(f"{level.id} (seed {seed}): best was {best} stars")
