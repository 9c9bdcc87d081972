"""``klgame replay FILE``: replay a recorded attempt headlessly, or watch it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from klgame.core.actions import Action
from klgame.core.replay import Header, Replay, ReplayError, open_replay
from klgame.core.rules import GameState, apply, new_game, solve
from klgame.core.scoring import Score, score_attempt
from klgame.engine.measures import FORMULA, unit_suffix
from klgame.format import json_number, number, stars
from klgame.levels.model import Level


def level_for(
    replay: Replay | Header, level_dirs: list[str], force: bool
) -> tuple[Level, list[str]]:
    from klgame.levels.loader import load_catalog

    catalog = load_catalog(level_dirs)
    header = replay.header if isinstance(replay, Replay) else replay
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


@dataclass(frozen=True)
class Outcome:
    """A replay played through: the state at its (last) reveal, the final state.

    ``revealed`` is the state just after the reveal of the final attempt (its
    guess is the one scored), or ``None`` if that attempt was never revealed;
    ``final`` is the state after the last action, free play included.
    """

    revealed: GameState | None
    final: GameState
    score: Score

    @property
    def scored(self) -> GameState:
        """The state whose guess the score is for."""
        return self.revealed or self.final


def play_through(header: Header, actions: Iterable[Action], level: Level) -> Outcome:
    """Apply the actions one by one through the pure rules (a stream: nothing
    is kept but the state) and score the result."""
    state = new_game(level, header.seed)
    revealed: GameState | None = None
    for action in actions:
        before = state
        state = apply(state, action)
        if state.attempt != before.attempt:
            revealed = None
        if state.revealed and not before.revealed:
            revealed = state
    if state.revealed and state.score is not None:
        return Outcome(revealed, state, state.score)
    solution = solve(level, state.target)
    score = score_attempt(
        level=level,
        divergence=state.scoring_divergence(),
        best=solution.divergence,
        moves=state.moves,
        hints=state.hints,
        seconds=state.clock,
    )
    return Outcome(None, state, score)


def run_replay(replay: Replay, level: Level) -> tuple[GameState, Score, bool]:
    """Apply every action through the pure rules and score the result:
    the state whose guess is scored, the score, and whether it was revealed."""
    outcome = play_through(replay.header, replay.actions, level)
    return outcome.scored, outcome.score, outcome.revealed is not None


def _guess_json(state: GameState) -> dict[str, Any]:
    return {
        "model": state.model.id,
        "guess": state.current_values,
        "divergence": json_number(state.in_units(state.scoring_divergence())),
    }


def result_json(outcome: Outcome) -> dict[str, Any]:
    """The result: the guess and D of the same moment (the reveal, or the end
    if never revealed), and the final free-play guess separately."""
    state, score = outcome.scored, outcome.score
    out: dict[str, Any] = {
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
        "revealed": outcome.revealed is not None,
    }
    out["final"] = {**_guess_json(outcome.final), "units": outcome.final.units}
    return out


def result_text(outcome: Outcome) -> str:
    state, score = outcome.scored, outcome.score
    level = state.level
    arrow = FORMULA[level.scoring]
    scored = f"{level.direction} {arrow}" if level.divergence == "kl" else arrow
    suffix = f" {score.units}" if score.units else ""
    lines = [
        f"Level:  {level.title} ({level.id}), seed {state.seed}",
        f"Guess:  {_guess_text(state)}",
        f"D  = {number(score.divergence)}{suffix}   ({scored})",
        f"D* = {number(score.best)}{suffix}   (best achievable)",
        f"Excess = {number(score.excess)}{suffix}",
        f"Stars {stars(score.stars)}   Points {score.points}   "
        f"Moves {score.moves}   Hints {score.hints}",
    ]
    if outcome.revealed is None:
        lines.append("(never revealed: scored as if revealed at the end)")
    else:
        final = outcome.final
        if (final.model_index, final.values, final.attempt) != (
            state.model_index,
            state.values,
            state.attempt,
        ):
            d = final.in_units(final.scoring_divergence())
            lines.append(
                f"After the reveal (free play, not scored): {_guess_text(final)}, "
                f"D = {number(d)}{unit_suffix(final.units, level.scoring)}"
            )
    return "\n".join(lines)


def _guess_text(state: GameState) -> str:
    params = ", ".join(
        f"{spec.label} {state.current_values[spec.name]:.4g}" for spec in state.model.params
    )
    return state.model.title + (f" — {params}" if params else "")


def cmd_replay(args: argparse.Namespace) -> int:
    if args.watch:
        from klgame.cli.game import run_watch
        from klgame.core.replay import read_replay

        replay = read_replay(args.file)
        level, warnings = level_for(replay, list(args.level_dirs), args.force)
        for warning in warnings:
            print(warning, file=sys.stderr)
        return run_watch(args, replay, level)
    with open_replay(args.file) as (header, actions):
        level, warnings = level_for(header, list(args.level_dirs), args.force)
        for warning in warnings:
            print(warning, file=sys.stderr)
        outcome = play_through(header, actions, level)
    if args.json:
        print(json.dumps(result_json(outcome), ensure_ascii=False, indent=2))
    else:
        print(result_text(outcome))
    return 0
