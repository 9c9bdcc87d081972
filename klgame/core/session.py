"""A played session: the pure rules plus the world around them.

The UI owns one :class:`Session`. It stamps each action with the time since
the attempt began, applies it through :func:`klgame.core.rules.apply`,
streams it to a ``--record`` file if asked, and at reveal saves the scored
attempt (its replay file and its row in the score database). Saving never
stops the game: if the store is unavailable the player is told why.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from klgame.core import actions as A
from klgame.core.attempts import Attempt, AttemptLimits, AttemptStore, not_saved_reason
from klgame.core.replay import Header, Recorder, write_replay
from klgame.core.rules import GameState, answer_correct, apply, new_game
from klgame.errors import KlgameError
from klgame.levels.model import Level


def ended_at_optimum(state: GameState) -> int | None:
    """Which local optimum a revealed attempt ended at: 0 the global one (the
    order of ``Fit.optima``), else the index of the nearest local one (at
    least 1); ``None`` if that cannot be worked out."""
    from klgame.core.lesson import outcome

    try:
        found = outcome(state)
    except Exception:  # the report goes without it; the score is saved anyway
        return None
    if found.facts.get("optimum") == "global":
        return 0
    return max(found.found, 1)


class Session:
    def __init__(
        self,
        level: Level,
        seed: int,
        player: str,
        store: AttemptStore | None = None,
        store_problem: str | None = None,
        record_path: Path | None = None,
        replays_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        board: str | None = None,
        limits: AttemptLimits | None = None,
    ) -> None:
        self.level = level
        self.board = board  # the shared board attempts count on (klgame.core.boards)
        self.limits = limits
        self.player = player
        self.store = store
        self.store_problem = store_problem
        self.replays_dir = replays_dir
        self.clock = clock
        self.state: GameState = new_game(level, seed)
        self.started = clock()
        self.attempt_actions: list[A.Action] = []
        self.saved: str = ""  # what happened to the last scored attempt
        self.personal_best = False
        self.recorder = (
            Recorder(record_path, self._header(seed)) if record_path is not None else None
        )

    def _header(self, seed: int) -> Header:
        return Header(
            level=self.level.id, level_hash=self.level.content_hash, seed=seed, player=self.player
        )

    def act(self, action: A.Action) -> GameState:
        stamped = action.at(self.clock() - self.started)
        before = self.state
        self.state = apply(before, stamped)
        if self.recorder is not None:
            self.recorder.record(stamped)
        if isinstance(stamped, A.Restart):
            self.started = self.clock()
            self.attempt_actions = []
            self.saved, self.personal_best = "", False
        else:
            self.attempt_actions.append(stamped)
        if self.state.revealed and not before.revealed:
            self._save_attempt(before.seed)
        return self.state

    def _save_attempt(self, seed: int) -> None:
        """Save the scored attempt and its replay; ``saved`` says, in one
        sentence, what was kept. Nothing half-written is left behind."""
        score = self.state.score
        assert score is not None
        if self.store is None:
            self.saved = f"Score not saved: {not_saved_reason(self.store_problem)}"
            return
        refusal = self.limits.refusal(self.player) if self.limits is not None else None
        if refusal:
            self.saved = refusal
            return
        replay: Path | None = None
        replay_problem = ""
        if self.replays_dir is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            path = self.replays_dir / f"{self.level.id}-{stamp}-seed{seed}.jsonl"
            try:
                write_replay(path, self._header(seed), self.attempt_actions)
                replay = path
            except OSError as error:
                replay_problem = error.strerror or str(error)
        try:
            previous = self.store.best(self.player, self.level.id)
            self.store.record(
                Attempt(
                    player=self.player,
                    level_id=self.level.id,
                    level_hash=self.level.content_hash,
                    seed=seed,
                    divergence=score.divergence,
                    best=score.best,
                    excess=score.excess,
                    stars=score.stars,
                    points=score.points,
                    moves=score.moves,
                    hints=score.hints,
                    seconds=score.seconds,
                    replay_path=str(replay) if replay is not None else None,
                    board=self.board,
                    optimum=ended_at_optimum(self.state),
                    answer=self.state.answer,
                    answer_correct=answer_correct(self.state),
                )
            )
        except (KlgameError, OSError, ValueError) as error:
            if replay is not None:  # a replay of an attempt that is not saved
                with contextlib.suppress(OSError):
                    replay.unlink()
            self.saved = f"Score not saved: {not_saved_reason(str(error))}"
            return
        if self.limits is not None:
            self.limits.saved(self.player)
        self.personal_best = previous is None or score.points > previous.points
        self.saved = (
            f"Score saved, but not its replay: {replay_problem}."
            if replay_problem
            else "Score saved."
        )

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
