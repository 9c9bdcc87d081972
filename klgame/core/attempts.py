"""A finished attempt, and the one thing the rules ask of storage: keep it.

The core owns this interface; :class:`klgame.store.scores.ScoreStore` is one
implementation (SQLite). A :class:`~klgame.core.session.Session` is handed any
object with these methods, so the rules never import the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Attempt:
    """One finished attempt at a level.

    ``divergence`` is the player's D (may be ``math.inf``), ``best`` the level's
    best achievable D*, ``excess`` their difference.
    """

    player: str
    level_id: str
    level_hash: str
    seed: int
    divergence: float
    best: float
    excess: float
    stars: int
    points: int
    moves: int
    hints: int
    seconds: float
    finished_at: str = field(default_factory=utc_now)
    replay_path: str | None = None
    #: The shared board the attempt counts on: ``"class:CODE"``, ``"daily:YYYY-MM-DD"``
    #: or ``None`` for free play.
    board: str | None = None
    #: The key of the answer given to the level's question before the reveal, if any.
    answer: str | None = None
    #: Whether that answer was right (``None``: no question, or not answered).
    answer_correct: bool | None = None
    #: Which local optimum of the level's fit the final guess sits nearest to:
    #: 0 is the global one (``Fit.optima`` order); ``None`` if not known.
    optimum: int | None = None


class AttemptStore(Protocol):
    """Where scored attempts are kept. Its methods may raise
    :class:`klgame.errors.KlgameError`, :class:`OSError` or :class:`ValueError`;
    the session then tells the player the score was not saved."""

    def best(self, player: str, level_id: str) -> Attempt | None:
        """``player``'s best attempt at ``level_id`` so far, if any."""
        ...

    def bests(self, player: str) -> Mapping[str, Attempt]:
        """``player``'s best attempt at each level, by level id."""
        ...

    def record(self, attempt: Attempt) -> int:
        """Keep ``attempt``; return an id for it."""
        ...

    def last_seed(self, player: str, level_id: str) -> int | None:
        """The seed of ``player``'s latest saved free-play attempt (no class, no
        daily challenge) at ``level_id``, if any: a level that shares its
        target is played against it, in this run or a later one."""
        ...


class AttemptLimits(Protocol):
    """What a host allows: whether an attempt is saved at all, and what is kept.

    Hosted mode gives the session one (:mod:`klgame.hosting.limits`); a game
    on one's own machine has none.
    """

    def refusal(self, player: str) -> str | None:
        """Why ``player``'s attempt now is played but not saved (a limit
        reached), as a sentence for the player; ``None`` to save it."""
        ...

    def saved(self, player: str) -> None:
        """``player``'s attempt was saved (e.g. prune old replays). Never raises."""
        ...


def not_saved_reason(problem: str | None) -> str:
    """Why nothing was saved, without a second "not saved" in front.

    Store messages are whole sentences ("scores not saved: PATH cannot be
    written (...)"); the player reads one "Score not saved:" and the reason.
    """
    reason = (problem or "no score store").strip()
    for prefix in ("scores not saved:", "score not saved:", "scores are not saved:"):
        if reason.lower().startswith(prefix):
            reason = reason[len(prefix) :].strip()
    return reason
