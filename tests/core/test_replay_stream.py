"""Replays hold: bad seeds name line 1, files stream in bounded memory, and
``--json`` reports the reveal's guess and D together, the free play apart."""

from __future__ import annotations

import json
import math
import tracemalloc
from pathlib import Path

import pytest

from klgame.cli.main import main
from klgame.cli.replay import play_through
from klgame.core import actions as A
from klgame.core import rules
from klgame.core.replay import Header, open_replay, write_replay
from klgame.core.rules import UNDO_LIMIT, apply_all, new_game
from klgame.levels.loader import load_catalog


@pytest.fixture(scope="module")
def gaussian():
    return load_catalog([]).get("gaussian")


def header_line(seed: object, level_hash: str) -> str:
    return json.dumps(
        {
            "format": "klgame-replay",
            "version": 1,
            "level": "gaussian",
            "level_hash": level_hash,
            "seed": seed,
        }
    )


@pytest.mark.parametrize(
    ("seed", "shown"), [(-1, "-1"), (2.5, "2.5"), ("7", '"7"'), (True, "true")]
)
def test_a_bad_seed_is_an_input_error_on_line_1(
    tmp_path: Path, gaussian, capsys: pytest.CaptureFixture[str], seed: object, shown: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(header_line(seed, gaussian.content_hash) + "\n", encoding="utf-8")
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"klgame: {path}:1: header field 'seed' must be a whole number >= 0, got {shown}\n"
    )


def test_a_bad_line_far_down_a_stream_is_named(tmp_path: Path, gaussian, capsys) -> None:
    path = tmp_path / "late.jsonl"
    actions = [A.Nudge(sign=1, t=0.1 * i) for i in range(50)]
    write_replay(path, Header("gaussian", gaussian.content_hash, 3), actions)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"t": 9, "action": "fly"}\n')
    assert main(["replay", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"klgame: {path}:52: ")


def peak_while_replaying(path: Path, level) -> int:
    """Peak bytes allocated while streaming and playing the replay at ``path``."""
    tracemalloc.start()
    try:
        with open_replay(path) as (header, actions):
            outcome = play_through(header, actions, level)
        assert outcome.final.moves > 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def nudges(count: int) -> list[A.Action]:
    # up and down, so the mean stays inside its bounds and every press is a move
    return [A.Nudge(sign=1 if (i // 20) % 2 == 0 else -1, t=0.01 * i) for i in range(count)]


def test_memory_does_not_grow_with_the_replays_length(
    tmp_path: Path, gaussian, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a short undo history keeps the run quick (tracemalloc slows every allocation)
    monkeypatch.setattr(rules, "UNDO_LIMIT", 50)
    short, long = tmp_path / "short.jsonl", tmp_path / "long.jsonl"
    write_replay(short, Header("gaussian", gaussian.content_hash, 5), nudges(200))
    write_replay(long, Header("gaussian", gaussian.content_hash, 5), nudges(6000))
    assert long.stat().st_size > 29 * short.stat().st_size  # about 250 KB more
    peak_while_replaying(short, gaussian)  # caches and imports warmed up
    small = peak_while_replaying(short, gaussian)
    large = peak_while_replaying(long, gaussian)
    # 30 times the actions: kept in a list, or each with its undo entry, they
    # would take 1.5 MB more (about 250 bytes each); streamed, the same peak
    assert large < small + 150_000, (small, large)


def test_undo_reaches_back_at_least_the_limit(gaussian) -> None:
    state = apply_all(new_game(gaussian, 1), nudges(3 * UNDO_LIMIT))
    assert UNDO_LIMIT <= state.undo_depth <= 2 * UNDO_LIMIT
    depth, node = 0, state.undo_stack
    while node is not None:
        depth, node = depth + 1, node[1]
    assert depth == state.undo_depth
    undone = apply_all(state, [A.Undo() for _ in range(UNDO_LIMIT)])
    # back to where the game was UNDO_LIMIT presses before the end
    earlier = apply_all(new_game(gaussian, 1), nudges(2 * UNDO_LIMIT))
    assert undone.values == earlier.values
    assert undone.undo_depth == state.undo_depth - UNDO_LIMIT


def kl_gaussians(m1: float, v1: float, m2: float, v2: float) -> float:
    """KL(N(m1, v1) ‖ N(m2, v2)), the textbook formula."""
    return 0.5 * (v1 / v2 - 1.0 - math.log(v1 / v2) + (m1 - m2) ** 2 / v2)


def test_json_reports_the_reveal_and_the_free_play_apart(
    tmp_path: Path, gaussian, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = 4
    moves = [A.Nudge(sign=1, t=0.1 * i) for i in range(12)]
    after = [A.Nudge(sign=-1, t=5.0 + 0.1 * i) for i in range(30)] + [A.ToggleUnits(t=9.0)]
    path = tmp_path / "free.jsonl"
    write_replay(
        path, Header("gaussian", gaussian.content_hash, seed), [*moves, A.Reveal(t=2.0), *after]
    )
    assert main(["replay", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    target = gaussian.target.values(seed)
    # scored: the guess at the reveal, mean 0 + 12 × 0.1, variance 5 (reverse KL(q‖p), nats)
    assert result["guess"] == pytest.approx({"mean": 1.2, "variance": 5.0})
    assert result["divergence"] == pytest.approx(
        kl_gaussians(1.2, 5.0, target["mean"], target["variance"]), rel=1e-9
    )
    assert result["revealed"] is True and result["moves"] == 12
    # then 30 presses to the left, and bits: the final guess, apart
    final = result["final"]
    assert final["guess"] == pytest.approx({"mean": -1.8, "variance": 5.0})
    assert final["units"] == "bits"
    assert final["divergence"] == pytest.approx(
        kl_gaussians(-1.8, 5.0, target["mean"], target["variance"]) / math.log(2), rel=1e-9
    )
    assert main(["replay", str(path)]) == 0
    text = capsys.readouterr().out
    assert (
        "Mean 1.2" in text
        and "After the reveal (free play, not scored):" in text
        and "Mean -1.8" in text
    )
