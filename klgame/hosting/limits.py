"""What a shared host saves per player: a rate of scored attempts, a number of replays.

On a shared host one player (or a script at the keyboard) could otherwise
fill the database and the disk: every reveal is a row and a replay file. In
hosted mode, per player name:

* at most :data:`MAX_ATTEMPTS` scored attempts are saved in any
  :data:`WINDOW_SECONDS` (a sliding window); the attempts beyond are played
  and scored on screen, but not saved, and the player is told so;
* at most :data:`MAX_REPLAYS` replay files are kept; after each save the
  oldest beyond that are deleted (their scores stay, without a replay).

The host may change both with ``KLGAME_MAX_ATTEMPTS`` and
``KLGAME_MAX_REPLAYS`` (whole numbers; ``SetEnv`` in ``sshd_config``, or the
environment of ``klgame serve``). Players cannot set them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from klgame.errors import KlgameError
from klgame.store.sql import SqlStore

#: Scored attempts saved per player in any :data:`WINDOW_SECONDS`.
MAX_ATTEMPTS = 20

#: The window of the attempt rate, in seconds (ten minutes).
WINDOW_SECONDS = 600

#: Replay files kept per player; older ones are deleted.
MAX_REPLAYS = 50

ATTEMPTS_ENV = "KLGAME_MAX_ATTEMPTS"
REPLAYS_ENV = "KLGAME_MAX_REPLAYS"


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise KlgameError(f"{name} must be a whole number, not {text[:40]!r}") from None
    if value < 0:
        raise KlgameError(f"{name} must be 0 or more, not {value}")
    return value


@dataclass
class HostedLimits:
    """The limits of one hosted game, over its score store and replay directory."""

    store: SqlStore
    replays_dir: Path | None
    max_attempts: int = MAX_ATTEMPTS
    max_replays: int = MAX_REPLAYS
    window: float = WINDOW_SECONDS
    now: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_env(
        cls, store: SqlStore, replays_dir: Path | None, env: Mapping[str, str]
    ) -> HostedLimits:
        return cls(
            store,
            replays_dir,
            max_attempts=_whole(env, ATTEMPTS_ENV, MAX_ATTEMPTS),
            max_replays=_whole(env, REPLAYS_ENV, MAX_REPLAYS),
        )

    def refusal(self, player: str) -> str | None:
        since = datetime.fromtimestamp(self.now() - self.window, UTC).isoformat()
        try:
            saved = self.store.count_since(player, since)
        except KlgameError:
            return None  # saving will fail too, and say why
        if saved < self.max_attempts:
            return None
        minutes = max(1, round(self.window / 60))
        return (
            f"Not saved: this host saves {self.max_attempts} attempts per player in "
            f"{minutes} minutes. Play on; saving resumes within {minutes} minutes."
        )

    def saved(self, player: str) -> None:
        if self.replays_dir is None:
            return
        with contextlib.suppress(KlgameError, OSError):
            self.store.prune_replays(player, self.max_replays, self.replays_dir)
