"""What the game touches outside itself, handed to the app in one piece.

Levels, the score store (or why there is none), the player's name (or how to
remember the one the player will be asked for), seeds, a replay file to
record and the clock: ``klgame`` builds this from the command line, tests
build it with a temporary store and a stopped clock.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from klgame.core.attempts import AttemptLimits, AttemptStore, not_saved_reason
from klgame.core.boards import Board, class_board, daily_board, normalize_code, today_utc
from klgame.core.session import Session
from klgame.levels.catalog import Listed
from klgame.levels.loader import Catalog
from klgame.levels.model import Level
from klgame.text import sanitize_name

#: Most levels the title screen lists. A host may offer thousands; the
#: command palette (ctrl+p) finds any of them, and a start does not grow
#: with their number.
LISTED_LEVELS = 200


@dataclass
class World:
    catalog: Catalog
    player: str
    store: AttemptStore | None = None
    store_problem: str | None = None  # why there is no store
    seed: int | None = None  # None: a random seed for every level
    # A class or the daily challenge: every level's seed comes from it.
    board: Board | None = None
    record_path: Path | None = None  # records the first level played
    replays_dir: Path | None = None
    clock: Callable[[], float] = field(default=time.monotonic)
    # Set when the player must be asked their name first (a shared host that
    # named nobody, nothing remembered): called with the name to remember it;
    # it returns why that name may not be the player's (taken), or None.
    remember_player: Callable[[str], str | None] | None = None
    name_problem: str | None = None  # why the latest answer was refused
    limits: AttemptLimits | None = None  # a host's limits on what is saved
    # The latest session of each level played, for the seed of its last attempt.
    sessions: dict[str, Session] = field(default_factory=dict)

    @property
    def needs_name(self) -> bool:
        return self.remember_player is not None

    def name_player(self, name: str) -> str:
        """Play as ``name`` (sanitised) from now on, remembered once; returns
        the name kept, or ``""`` (nothing changed) if it has nothing printable
        or may not be this player's (:attr:`name_problem` says why)."""
        clean = sanitize_name(name)
        self.name_problem = None
        if not clean:
            return ""
        if self.remember_player is not None:
            problem = self.remember_player(clean)
            if problem:
                self.name_problem = problem
                return ""
        self.player = clean
        self.remember_player = None
        self.join_board()
        return clean

    def join_board(self) -> None:
        """Note the player as a member of the class being played, if any (the
        store's problems do not stop the game)."""
        join = getattr(self.store, "join_class", None)
        if self.board is None or self.board.kind != "class" or join is None:
            return
        # Membership is a courtesy for the report; the scores carry the board anyway.
        with contextlib.suppress(Exception):
            join(self.board.name, self.player)

    def play_daily(self, today: Callable[[], date] = today_utc) -> Board:
        """Play the daily challenge (today's, UTC) from now on."""
        self.board = daily_board(today())
        self.seed = None
        return self.board

    def play_class(self, code_text: str) -> str:
        """Join the class written ``code_text`` and play in it from now on;
        ``""`` if done, else what went wrong, for the player to read."""
        code = normalize_code(code_text)
        if not code:
            return "That is not a class code (5 letters and digits, e.g. K7QMX)."
        get_class = getattr(self.store, "get_class", None)
        if self.store is None or get_class is None:
            return f"Classes need saved scores: {self.store_problem or 'no score store'}"
        try:
            info = get_class(code)
        except Exception as error:
            return f"The class cannot be looked up now: {error}"
        if info is None:
            return f"There is no class {code}: check the code with your teacher."
        if not info.is_open:
            return f"Class {code} is closed."
        self.board = class_board(code, info.seed, info.title)
        self.seed = None
        self.join_board()
        return ""

    def seed_for(self, level: Level) -> int:
        """The seed to play ``level`` with: the one asked for; for a level that
        shares another's target, the seed of the last attempt at that level
        (begun in this run, else the latest saved, from an earlier run), so
        that both are played against the very same target; on a board (a
        class, the daily challenge) the board's seed for the level; else a new one."""
        if self.seed is not None:
            return self.seed
        shared = self.sessions.get(level.target_from) if level.target_from else None
        if shared is not None:
            return shared.state.seed
        if self.board is not None:
            return self.board.seed_for(level.target_from or level.id)
        saved = self._saved_seed(level.target_from) if level.target_from else None
        return saved if saved is not None else random.randrange(2**31)

    def _saved_seed(self, level_id: str) -> int | None:
        """The seed of the player's latest saved attempt at ``level_id`` (none
        if the store has none, or fails: the game goes on)."""
        last_seed = getattr(self.store, "last_seed", None)
        if last_seed is None:
            return None
        try:
            seed = last_seed(self.player, level_id)
        except Exception:
            return None
        return seed if isinstance(seed, int) else None

    def new_session(self, level: Level) -> Session:
        seed = self.seed_for(level)
        record, self.record_path = self.record_path, None
        session = Session(
            level,
            seed,
            self.player,
            store=self.store,
            store_problem=self.store_problem,
            record_path=record,
            replays_dir=self.replays_dir,
            clock=self.clock,
            board=self.board.key if self.board is not None else None,
            limits=self.limits,
        )
        self.sessions[level.id] = session
        return session

    def bests(self) -> dict[str, object]:
        """The player's best attempt per level id (none if the store fails)."""
        if self.store is None:
            return {}
        try:
            return dict(self.store.bests(self.player))
        except Exception:  # a store that fails now still lets the game go on
            return {}

    def listed(self) -> list[Listed]:
        """The levels the title screen lists: the first :data:`LISTED_LEVELS`."""
        return list(self.catalog.entries[:LISTED_LEVELS])

    def notes(self) -> list[str]:
        """What the level list should tell: scores not saved, level files not loaded."""
        problem = not_saved_reason(self.store_problem)
        notes = [f"Scores are not saved: {problem}"] if self.store is None else []
        if len(self.catalog) > LISTED_LEVELS:
            notes.append(
                f"The list shows the first {LISTED_LEVELS} of {len(self.catalog):,} levels; "
                "ctrl+p finds any level by its title."
            )
        return notes + list(self.catalog.warnings) + list(self.catalog.errors)
