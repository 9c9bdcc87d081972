"""Watching a replay: its actions played on the play screen at their own pace."""

from __future__ import annotations

from klgame.core import actions as A
from klgame.core.replay import Replay
from klgame.core.rules import GameState, apply, new_game
from klgame.levels.model import Level
from klgame.ui.screens.play import PlayScreen

#: Longest wait between two actions, in seconds of the replay (a player who
#: stopped to think for a minute is not worth watching think).
MAX_GAP = 3.0


class ReplayPlayer:
    """Applies recorded actions as they are, keeping their recorded times, so
    the final state is exactly the one ``klgame replay`` computes headlessly."""

    def __init__(self, level: Level, seed: int) -> None:
        self.level = level
        self.state: GameState = new_game(level, seed)
        self.saved = "Watching a replay: nothing is saved."
        self.personal_best = False

    def act(self, action: A.Action) -> GameState:
        self.state = apply(self.state, action)
        return self.state

    def close(self) -> None:
        pass


class WatchScreen(PlayScreen):
    def __init__(self, replay: Replay, level: Level, speed: float = 1.0) -> None:
        super().__init__(ReplayPlayer(level, replay.header.seed), watching=True)
        self.actions = list(replay.actions)
        self.speed = speed if speed > 0 else 1.0
        self.played = 0

    def on_mount(self) -> None:
        super().on_mount()
        self._schedule(0.0)

    def _schedule(self, previous_t: float) -> None:
        if self.played >= len(self.actions):
            self._finish()
            return
        gap = min(MAX_GAP, max(0.0, self.actions[self.played].t - previous_t))
        self.set_timer(max(gap / self.speed, 0.01), self._play_next)

    def _play_next(self) -> None:
        action = self.actions[self.played]
        self.played += 1
        self.act(action)
        self._schedule(action.t)

    @property
    def finished(self) -> bool:
        return self.played >= len(self.actions)

    def _finish(self) -> None:
        self.notify("Replay finished. q quits.", timeout=10)
        if self.player.state.revealed:
            self.show_score()
