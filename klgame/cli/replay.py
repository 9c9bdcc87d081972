"""``klgame replay FILE``: replay a recorded attempt headlessly, or watch it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from klgame.core.replay import Replay, ReplayError, read_replay
from klgame.core.rules import GameState, apply_all, new_game, solve
from klgame.core.scoring import Score, score_attempt
from klgame.format import json_number, number, stars
from klgame.levels.model import Level


def level_for(replay: Replay, level_dirs: list[str], force: bool) -> tuple[Level, list[str]]:
    from klgame.levels.loader import load_catalog

    catalog = load_catalog(level_dirs)
    header = replay.header
    try:
        level = catalog.get(header.level)
    except Exception as error:  # the catalog's own message says what is known
        raise ReplayError(f"level not found: {error}") from None
    warnings: list[str] = []
    if level.content_hash != header.level_hash:
        message = (
            f"level {header.level!r} has changed since this replay was recorded "
            "(its content hash differs)"
        )
        if not force:
            raise ReplayError(message + "; use --force to replay it anyway")
        warnings.append("warning: " + message + "; replaying anyway (--force)")
    return level, warnings


def run_replay(replay: Replay, level: Level) -> tuple[GameState, Score, bool]:
    """Apply every action through the pure rules and score the result."""
    state = apply_all(new_game(level, replay.header.seed), replay.actions)
    if state.revealed and state.score is not None:
        return state, state.score, True
    solution = solve(level, state.target)
    score = score_attempt(
        level=level,
        divergence=state.scoring_divergence(),
        best=solution.divergence,
        moves=state.moves,
        hints=state.hints,
        seconds=state.clock,
    )
    return state, score, False


def result_json(state: GameState, score: Score, revealed: bool) -> dict[str, Any]:
    return {
        "level": state.level.id,
        "seed": state.seed,
        "model": state.model.id,
        "guess": state.current_values,
        "direction": state.level.direction,
        "units": score.units,
        "divergence": json_number(score.divergence),
        "best": json_number(score.best),
        "excess": json_number(score.excess),
        "stars": score.stars,
        "points": score.points,
        "moves": score.moves,
        "hints": score.hints,
        "revealed": revealed,
    }


def result_text(state: GameState, score: Score, revealed: bool) -> str:
    level = state.level
    arrow = "KL(p‖q)" if level.direction == "forward" else "KL(q‖p)"
    params = ", ".join(
        f"{spec.label} {state.current_values[spec.name]:.4g}" for spec in state.model.params
    )
    lines = [
        f"Level:  {level.title} ({level.id}), seed {state.seed}",
        f"Guess:  {state.model.title}" + (f" — {params}" if params else ""),
        f"D  = {number(score.divergence)} {score.units}   ({level.direction} {arrow})",
        f"D* = {number(score.best)} {score.units}   (best achievable)",
        f"Excess = {number(score.excess)} {score.units}",
        f"Stars {stars(score.stars)}   Points {score.points}   "
        f"Moves {score.moves}   Hints {score.hints}",
    ]
    if not revealed:
        lines.append("(never revealed: scored as if revealed at the end)")
    return "\n".join(lines)


def cmd_replay(args: argparse.Namespace) -> int:
    replay = read_replay(args.file)
    level, warnings = level_for(replay, list(args.level_dirs), args.force)
    for warning in warnings:
        print(warning, file=sys.stderr)
    if args.watch:
        from klgame.cli.game import run_watch

        return run_watch(args, replay, level)
    state, score, revealed = run_replay(replay, level)
    if args.json:
        print(json.dumps(result_json(state, score, revealed), ensure_ascii=False, indent=2))
    else:
        print(result_text(state, score, revealed))
    return 0
