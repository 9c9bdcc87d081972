"""The Poisson guess on space worms, end to end: a written-out replay played
through the rules and through ``klgame replay``, checked against scipy and
the documented points formula (docs/scoring.md), not against the code."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from klgame.cli.main import main
from klgame.cli.replay import play_through
from klgame.core.replay import read_replay
from klgame.levels.loader import load_catalog

REPLAY = Path(__file__).resolve().parent.parent / "replays" / "space-worms-poisson.jsonl"
COUNTS = np.array([2, 3, 5, 14, 16, 15, 12, 8, 10, 8, 7], dtype=float)
TEETH = np.arange(11)


def forward_kl(rate: float) -> float:
    p = COUNTS / COUNTS.sum()
    return float(np.sum(p * (np.log(p) - stats.poisson.logpmf(TEETH, rate))))


def test_the_replay_switches_twice_to_the_poisson_and_nudges_lambda() -> None:
    actions = [json.loads(line) for line in REPLAY.read_text().splitlines()[1:]]
    assert [a["action"] for a in actions] == ["switch_model"] * 2 + ["nudge"] * 8 + ["reveal"]
    assert [a["size"] for a in actions if a["action"] == "nudge"] == ["big"] * 4 + ["step"] * 4


def test_poisson_replay_against_scipy() -> None:
    replay = read_replay(REPLAY)
    level = load_catalog([]).get("space-worms")
    assert level.content_hash == replay.header.level_hash
    outcome = play_through(replay.header, replay.actions, level)
    score = outcome.score
    assert outcome.revealed is not None and outcome.revealed.model.id == "poisson"
    # λ: start 1, four big steps of 1, four steps of 0.1
    rate = outcome.revealed.current_values["lambda"]
    assert rate == pytest.approx(5.4, rel=1e-12)
    assert score.divergence == pytest.approx(forward_kl(5.4), rel=1e-9)
    # D*: the best Poisson, at the mean count Σ k·count / 100 = 5.44
    mean = float(np.dot(COUNTS, TEETH) / COUNTS.sum())
    assert mean == pytest.approx(5.44)
    assert score.best == pytest.approx(forward_kl(mean), rel=1e-9)
    excess = forward_kl(5.4) - forward_kl(mean)
    assert score.excess == pytest.approx(excess, rel=1e-6)
    assert score.stars == 3  # excess 1.5e-4 ≤ stars[0] = 0.005
    moves = 10  # two model switches and eight nudges
    points = round(1000 * math.exp(-excess / 0.3)) + (200 - 2 * moves)
    assert (score.moves, score.hints, score.points) == (moves, 0, points) == (10, 0, 1180)


def test_klgame_replay_prints_the_poisson_result(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(REPLAY)]) == 0
    out = capsys.readouterr().out
    assert "Poisson(λ) — λ 5.4" in out
    assert "D  = 0.0903 nats" in out and "D* = 0.0902 nats" in out
    assert "Points 1180" in out and "★★★" in out
    assert main(["replay", "--json", str(REPLAY)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "poisson" and data["guess"] == {"lambda": pytest.approx(5.4)}
    assert data["best"] == pytest.approx(forward_kl(5.44), rel=1e-9)
