"""Golden replays: every built-in level, replayed headlessly, gives the
recorded result (see tests/replays/make_golden.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from klgame.cli.replay import play_through, result_json
from klgame.core.replay import read_replay
from klgame.levels.loader import load_catalog

REPLAYS = Path(__file__).resolve().parent.parent / "replays"
GOLDEN = sorted(REPLAYS.glob("*.jsonl"))


def test_every_built_in_level_has_a_golden_replay():
    ids = {level.id for level in load_catalog([]).levels}
    assert ids and ids <= {path.stem for path in GOLDEN}


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_replay_gives_the_recorded_result(path):
    replay = read_replay(path)
    level = load_catalog([]).get(replay.header.level)
    assert level.content_hash == replay.header.level_hash, "level changed: regenerate goldens"
    outcome = play_through(replay.header, replay.actions, level)
    score, revealed = outcome.score, outcome.revealed is not None
    expected = json.loads(path.with_suffix("").with_suffix(".expected.json").read_text())
    got = result_json(outcome)
    for key in ("divergence", "best", "excess"):
        if expected[key] is None:
            assert got[key] is None
        else:
            assert got[key] == pytest.approx(expected[key], rel=1e-9, abs=1e-12)
    for key in ("level", "seed", "model", "stars", "points", "moves", "hints", "revealed"):
        assert got[key] == expected[key], key
    assert got["guess"] == pytest.approx(expected["guess"], rel=1e-9, abs=1e-12)
    # the recordings end at the reveal: the final guess is the scored one
    assert got["final"]["guess"] == got["guess"] and got["final"]["model"] == got["model"]
    # Whatever was recorded, these must hold.
    assert revealed
    assert score.divergence >= score.best - 1e-9 or math.isinf(score.divergence)
    assert score.stars == level.stars_for(score.excess)
