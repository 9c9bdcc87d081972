"""What the two score stores share: the schema, its migrations, and every query.

The same SQL runs on SQLite (:mod:`klgame.store.scores`, the default, one file
in the data directory) and on PostgreSQL (:mod:`klgame.store.postgres`, when
``KLGAME_DATABASE_URL`` names a server). It is written in SQLite's words with
``?`` placeholders; the PostgreSQL store translates the few that differ
(:func:`klgame.store.postgres.dialect`): ``INTEGER PRIMARY KEY`` becomes an
identity column, ``REAL`` a ``DOUBLE PRECISION``, ``INTEGER`` a ``BIGINT``.

A backend supplies two primitives -- :meth:`SqlStore._fetch` (a read) and
:meth:`SqlStore._write` (one statement in its own committed transaction) --
plus opening, migrating and closing; everything else is here, once.
"""

from __future__ import annotations

import math
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Self

from klgame.core.attempts import Attempt, utc_now
from klgame.store.paths import DEFAULT_PLAYER
from klgame.text import sanitize, sanitize_name

#: Schema steps. Entry ``n`` (0-based) takes the database from version ``n`` to
#: ``n + 1``; each entry is a tuple of SQL statements. Append, never edit.
MIGRATIONS: list[tuple[str, ...]] = [
    (
        """
        CREATE TABLE attempts (
            id          INTEGER PRIMARY KEY,
            player      TEXT    NOT NULL,
            level_id    TEXT    NOT NULL,
            level_hash  TEXT    NOT NULL,
            seed        TEXT    NOT NULL,
            divergence  REAL    NOT NULL,
            best        REAL    NOT NULL,
            excess      REAL    NOT NULL,
            stars       INTEGER NOT NULL,
            points      INTEGER NOT NULL,
            moves       INTEGER NOT NULL,
            hints       INTEGER NOT NULL,
            seconds     REAL    NOT NULL,
            finished_at TEXT    NOT NULL,
            replay_path TEXT
        )
        """,
        "CREATE INDEX attempts_rank"
        " ON attempts (player, level_id, points DESC, excess, finished_at)",
        "CREATE INDEX attempts_level ON attempts (level_id)",
    ),
    (
        # Classes: a short code, a base seed every member's targets derive from.
        """
        CREATE TABLE classes (
            code      TEXT PRIMARY KEY,
            title     TEXT NOT NULL,
            seed      TEXT NOT NULL,
            opened_by TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            closed_at TEXT
        )
        """,
        """
        CREATE TABLE members (
            class_code TEXT NOT NULL,
            player     TEXT NOT NULL,
            joined_at  TEXT NOT NULL,
            PRIMARY KEY (class_code, player)
        )
        """,
        # Where an attempt counts (a class or a day), the answer to the level's
        # question, and which local optimum the final guess sat at.
        "ALTER TABLE attempts ADD COLUMN board TEXT",
        "ALTER TABLE attempts ADD COLUMN answer TEXT",
        "ALTER TABLE attempts ADD COLUMN answer_correct INTEGER",
        "ALTER TABLE attempts ADD COLUMN optimum INTEGER",
        "CREATE INDEX attempts_board ON attempts (board, level_id)",
    ),
]

COLUMNS = tuple(f.name for f in fields(Attempt))
#: The attempts columns of schema version 1; a database at version 1 or later
#: without them is not klgame's, and no migration is tried on it.
BASE_COLUMNS = COLUMNS[: COLUMNS.index("replay_path") + 1]
SELECT = f"SELECT {', '.join(COLUMNS)} FROM attempts"
INSERT = (
    f"INSERT INTO attempts ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(COLUMNS))}) RETURNING id"
)
#: Best first: most points, then least excess, then earliest.
RANKING = "points DESC, excess ASC, finished_at ASC, id ASC"
_FLOATS = ("divergence", "best", "excess", "seconds")
_INTS = ("stars", "points", "moves", "hints")
_OPTIONAL_TEXT = ("replay_path", "board", "answer")


def normalize_time(text: str) -> str:
    """``text`` (ISO-8601; naive means UTC) in the canonical form of :func:`utc_now`."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"finished_at must be an ISO-8601 time, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def to_row(attempt: Attempt) -> tuple[Any, ...]:
    """The column values of ``attempt``; :class:`ValueError` if a number is NaN."""
    values: dict[str, Any] = {name: getattr(attempt, name) for name in COLUMNS}
    for name in _FLOATS:
        number = float(values[name])
        if math.isnan(number):
            raise ValueError(f"attempt {name} is NaN; only numbers and infinity can be saved")
        values[name] = number
    for name in _INTS:
        values[name] = int(values[name])
    # Seeds are arbitrary Python ints; SQL integers stop at 64 bits.
    values["seed"] = str(int(values["seed"]))
    # One rule for names wherever they come from, so one visible name is one row.
    values["player"] = sanitize_name(str(values["player"])) or DEFAULT_PLAYER
    values["level_id"] = str(values["level_id"])
    values["level_hash"] = str(values["level_hash"])
    values["finished_at"] = normalize_time(values["finished_at"])
    for name in _OPTIONAL_TEXT:
        if values[name] is not None:
            values[name] = str(values[name])
    if values["answer_correct"] is not None:
        values["answer_correct"] = int(bool(values["answer_correct"]))
    if values["optimum"] is not None:
        values["optimum"] = int(values["optimum"])
    return tuple(values[name] for name in COLUMNS)


def from_row(row: Sequence[Any]) -> Attempt:
    values = dict(zip(COLUMNS, row, strict=True))
    values["seed"] = int(values["seed"])
    for name in _FLOATS:
        values[name] = float(values[name])
    for name in _INTS:
        values[name] = int(values[name])
    if values["answer_correct"] is not None:
        values["answer_correct"] = bool(values["answer_correct"])
    if values["optimum"] is not None:
        values["optimum"] = int(values["optimum"])
    return Attempt(**values)


@dataclass(frozen=True)
class ClassInfo:
    """An open (or closed) class: its code, title, and the seed its targets derive from."""

    code: str
    title: str
    seed: int
    opened_by: str
    opened_at: str
    closed_at: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


#: Longest class title kept, in characters.
MAX_TITLE_LENGTH = 80

_CLASS_COLUMNS = "code, title, seed, opened_by, opened_at, closed_at"


def _class_from_row(row: Sequence[Any]) -> ClassInfo:
    code, title, seed, opened_by, opened_at, closed_at = row
    return ClassInfo(str(code), str(title), int(seed), str(opened_by), str(opened_at), closed_at)


class SqlStore(ABC):
    """The saved attempts and classes, in some SQL database.

    Every method may raise :class:`klgame.store.errors.StoreUnavailable`. A store
    may be shared between threads (one lock guards its connection).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    # -- what a backend provides -------------------------------------------------

    @abstractmethod
    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows ``sql`` reads (``?`` placeholders), retrying what can be retried."""

    @abstractmethod
    def _write(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` in its own committed transaction; the rows it returns."""

    @abstractmethod
    def change_token(self) -> object:
        """A value that changes whenever anyone (any process, any host) saves
        an attempt; cheap enough to check a few times a second."""

    @abstractmethod
    def close(self) -> None: ...

    # -- attempts ------------------------------------------------------------------

    def record(self, attempt: Attempt) -> int:
        """Save ``attempt`` in its own committed transaction; return its row id.

        Raises :class:`ValueError` if a number in it is NaN.
        """
        rows = self._write(INSERT, to_row(attempt))
        return int(rows[0][0])

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Attempt]:
        return [from_row(row) for row in self._fetch(sql, params)]

    def best(self, player: str, level_id: str) -> Attempt | None:
        """``player``'s best attempt at ``level_id``: most points, then least excess,
        then earliest; ``None`` if they have none."""
        rows = self._query(
            f"{SELECT} WHERE player = ? AND level_id = ? ORDER BY {RANKING} LIMIT 1",
            (sanitize_name(player), level_id),
        )
        return rows[0] if rows else None

    def last_seed(self, player: str, level_id: str) -> int | None:
        """The seed of ``player``'s latest free-play attempt at ``level_id``."""
        rows = self._fetch(
            "SELECT seed FROM attempts WHERE player = ? AND level_id = ? AND board IS NULL"
            " ORDER BY finished_at DESC, id DESC LIMIT 1",
            (sanitize_name(player), level_id),
        )
        return int(rows[0][0]) if rows else None

    def bests(self, player: str) -> dict[str, Attempt]:
        """``player``'s best attempt at each level they have finished, by level id."""
        return {attempt.level_id: attempt for attempt in self.table(player=player)}

    def table(
        self, level_id: str | None = None, player: str | None = None, board: str | None = None
    ) -> list[Attempt]:
        """The best attempt of each (player, level), optionally only for one level,
        one player and/or one board; ordered by level id, then best first."""
        conditions, params = [], []
        if player is not None:
            player = sanitize_name(player)
        for column, value in (("level_id", level_id), ("player", player), ("board", board)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return self._query(
            f"""
            SELECT {", ".join(COLUMNS)} FROM (
                SELECT *, ROW_NUMBER() OVER (
                    PARTITION BY player, level_id ORDER BY {RANKING}
                ) AS place
                FROM attempts {where}
            ) AS ranked
            WHERE place = 1
            ORDER BY level_id, {RANKING}
            """,
            params,
        )

    def attempts(self, board: str | None = None) -> list[Attempt]:
        """Every saved attempt (of one board if given), oldest first."""
        if board is None:
            return self._query(f"{SELECT} ORDER BY id")
        return self._query(f"{SELECT} WHERE board = ? ORDER BY id", (board,))

    def count_since(self, player: str, since: str) -> int:
        """How many attempts ``player`` has saved at or after ``since`` (ISO-8601)."""
        rows = self._fetch(
            "SELECT COUNT(*) FROM attempts WHERE player = ? AND finished_at >= ?",
            (sanitize_name(player), normalize_time(since)),
        )
        return int(rows[0][0])

    def prune_replays(self, player: str, keep: int, directory: str | os.PathLike[str]) -> int:
        """Delete all but ``player``'s newest ``keep`` replay files; return how many went.

        Only files directly inside ``directory`` (the replay directory) are
        deleted: a row's path is never trusted to point anywhere else. Their
        rows stay, without a replay.
        """
        root = os.path.realpath(directory)
        rows = self._fetch(
            "SELECT id, replay_path FROM attempts WHERE player = ? AND replay_path IS NOT NULL"
            " ORDER BY finished_at DESC, id DESC",
            (sanitize_name(player),),
        )
        removed = 0
        for rowid, name in rows[max(0, keep) :]:
            real = os.path.realpath(str(name))
            if os.path.dirname(real) != root:
                continue
            try:
                os.unlink(real)
                removed += 1
            except FileNotFoundError:
                pass
            except OSError:
                continue
            self._write("UPDATE attempts SET replay_path = NULL WHERE id = ?", (int(rowid),))
        return removed

    def count(self) -> int:
        """How many attempts are saved."""
        return int(self._fetch("SELECT COUNT(*) FROM attempts")[0][0])

    def has_attempts_table(self) -> bool:
        """Whether the attempts table exists (a store opened to write makes it)."""
        return True

    # -- classes -----------------------------------------------------------------------

    def open_class(self, code: str, title: str, seed: int, opened_by: str) -> ClassInfo | None:
        """Open a class under ``code``; ``None`` if that code is taken."""
        opened_at = utc_now()
        title = sanitize(title, max_len=MAX_TITLE_LENGTH)
        opened_by = sanitize_name(opened_by) or DEFAULT_PLAYER
        rows = self._write(
            f"INSERT INTO classes ({_CLASS_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)"
            " ON CONFLICT (code) DO NOTHING RETURNING code",
            (code, title, str(int(seed)), opened_by, opened_at),
        )
        if not rows:
            return None
        return ClassInfo(code, title, int(seed), opened_by, opened_at)

    def get_class(self, code: str) -> ClassInfo | None:
        rows = self._fetch(f"SELECT {_CLASS_COLUMNS} FROM classes WHERE code = ?", (code,))
        return _class_from_row(rows[0]) if rows else None

    def classes(self) -> list[ClassInfo]:
        """Every class, newest first."""
        rows = self._fetch(f"SELECT {_CLASS_COLUMNS} FROM classes ORDER BY opened_at DESC, code")
        return [_class_from_row(row) for row in rows]

    def close_class(self, code: str) -> bool:
        """Close the class (no one joins any more); ``False`` if there is no such open class."""
        rows = self._write(
            "UPDATE classes SET closed_at = ? WHERE code = ? AND closed_at IS NULL RETURNING code",
            (utc_now(), code),
        )
        return bool(rows)

    def join_class(self, code: str, player: str) -> None:
        """Note ``player`` as a member of class ``code`` (again is harmless)."""
        self._write(
            "INSERT INTO members (class_code, player, joined_at) VALUES (?, ?, ?)"
            " ON CONFLICT (class_code, player) DO NOTHING RETURNING player",
            (code, sanitize_name(player) or DEFAULT_PLAYER, utc_now()),
        )

    def members(self, code: str) -> list[str]:
        """The players who joined class ``code``, in the order they joined."""
        rows = self._fetch(
            "SELECT player FROM members WHERE class_code = ? ORDER BY joined_at, player", (code,)
        )
        return [str(row[0]) for row in rows]

    # -- context manager ------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
