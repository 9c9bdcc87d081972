"""Write the golden replays: one scripted attempt per built-in level.

    python tests/replays/make_golden.py

Each attempt follows the game's own hints for a while (a player who listens),
tries the other model where there is one, then reveals. The replay file and
the result it gave are written side by side; tests/core/test_golden.py
replays each file and checks the same result comes out. Re-run this only
when a change of rules or levels is meant to change the results, and read
the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

from klgame.cli.replay import play_through, result_json
from klgame.core import actions as A
from klgame.core.replay import Header, read_replay, write_replay
from klgame.core.rules import apply, hint_for, new_game
from klgame.levels.loader import load_catalog

HERE = Path(__file__).resolve().parent
SEED = 2024


def scripted_actions(level) -> list[A.Action]:
    state = new_game(level, SEED)
    actions: list[A.Action] = []
    t = 0.0

    def do(action: A.Action) -> None:
        nonlocal state, t
        t += 0.25
        stamped = action.at(t)
        actions.append(stamped)
        state = apply(state, stamped)

    if len(level.models) > 1:
        do(A.SwitchModel())
    do(A.Hint())
    for _ in range(40):
        name, sign, _ = hint_for(state)
        if name is None:
            break
        index = [spec.name for spec in state.free_params].index(name)
        while state.selected != index:
            do(A.Select())
        do(A.Nudge(sign=sign, size="step"))
    do(A.Undo())
    do(A.Redo())
    do(A.ToggleUnits())
    do(A.ToggleUnits())
    do(A.Reveal())
    return actions


def main() -> None:
    catalog = load_catalog([])
    for level in catalog.levels:
        path = HERE / f"{level.id}.jsonl"
        write_replay(path, Header(level.id, level.content_hash, SEED), scripted_actions(level))
        replay = read_replay(path)
        outcome = play_through(replay.header, replay.actions, level)
        score = outcome.score
        expected = result_json(outcome)
        (HERE / f"{level.id}.expected.json").write_text(
            json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"{level.id}: D={score.divergence:.6g} D*={score.best:.6g} stars={score.stars}")


if __name__ == "__main__":
    main()
