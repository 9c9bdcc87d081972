"""Saved scores: one SQLite file that many games may write to at once.

Every finished attempt becomes one row of the ``attempts`` table, written in
its own committed transaction. The database runs in WAL mode with
``synchronous=NORMAL``: a row whose :meth:`ScoreStore.record` has returned
survives the game being killed. Concurrent writers wait for each other
(``busy_timeout``, then short random back-off), so "database is locked" never
reaches the player.

The schema is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` lists
the steps from version 0, applied in order in one transaction when a store is
opened. To change the schema, append one entry to :data:`MIGRATIONS`.

Anything wrong with the file -- not a database, damaged, unreadable, from a
newer klgame -- raises :class:`StoreUnavailable` with a one-line message that
names the path; :func:`try_open_store` turns that into a reason the game can
show while it keeps playing without saving.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from klgame.core.attempts import Attempt, utc_now
from klgame.store.errors import StoreUnavailable
from klgame.store.paths import DEFAULT_PLAYER, scores_db_path
from klgame.text import sanitize_name

__all__ = [
    "MIGRATIONS",
    "Attempt",
    "ScoreStore",
    "StoreUnavailable",
    "open_store",
    "try_open_store",
    "utc_now",
]

#: How long SQLite itself waits for another writer, in milliseconds.
BUSY_TIMEOUT_MS = 10_000

#: How long, in seconds, to keep retrying a locked database before giving up.
LOCK_PATIENCE = 60.0

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
]

_T = TypeVar("_T")


def _normalize_time(text: str) -> str:
    """``text`` (ISO-8601; naive means UTC) in the canonical form of :func:`utc_now`."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"finished_at must be an ISO-8601 time, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


_COLUMNS = tuple(f.name for f in fields(Attempt))
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM attempts"
_INSERT = f"INSERT INTO attempts ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
#: Best first: most points, then least excess, then earliest.
_RANKING = "points DESC, excess ASC, finished_at ASC, id ASC"
_FLOATS = ("divergence", "best", "excess", "seconds")
_INTS = ("stars", "points", "moves", "hints")


def _to_row(attempt: Attempt) -> tuple[Any, ...]:
    values: dict[str, Any] = {name: getattr(attempt, name) for name in _COLUMNS}
    for name in _FLOATS:
        number = float(values[name])
        if math.isnan(number):
            raise ValueError(f"attempt {name} is NaN; only numbers and infinity can be saved")
        values[name] = number
    for name in _INTS:
        values[name] = int(values[name])
    # Seeds are arbitrary Python ints; SQLite integers stop at 64 bits.
    values["seed"] = str(int(values["seed"]))
    # One rule for names wherever they come from, so one visible name is one row.
    values["player"] = sanitize_name(str(values["player"])) or DEFAULT_PLAYER
    values["level_id"] = str(values["level_id"])
    values["level_hash"] = str(values["level_hash"])
    values["finished_at"] = _normalize_time(values["finished_at"])
    if values["replay_path"] is not None:
        values["replay_path"] = str(values["replay_path"])
    return tuple(values[name] for name in _COLUMNS)


def _from_row(row: Sequence[Any]) -> Attempt:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["seed"] = int(values["seed"])
    for name in _FLOATS:
        values[name] = float(values[name])
    return Attempt(**values)


# What the primary SQLite result code says about the file.
_PROBLEMS = {
    sqlite3.SQLITE_NOTADB: "is not a klgame score database",
    sqlite3.SQLITE_CORRUPT: "is damaged",
    sqlite3.SQLITE_CANTOPEN: "cannot be opened",
    sqlite3.SQLITE_READONLY: "cannot be written",
    sqlite3.SQLITE_PERM: "cannot be accessed",
    sqlite3.SQLITE_IOERR: "could not be read or written",
    sqlite3.SQLITE_FULL: "cannot be written",
}


def _on_read_only_mount(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def _is_busy(error: sqlite3.Error) -> bool:
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = _primary_code(error)
    if code is not None:
        return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


class ScoreStore:
    """The saved attempts in one SQLite file.

    Opening creates the file and brings its schema up to date. Every method may
    raise :class:`StoreUnavailable`. A store may be shared between threads.
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = threading.Lock()
        self._conn = self._open_readonly() if readonly else self._open()

    # -- opening ---------------------------------------------------------------

    def _unavailable(self, problem: str, detail: str = "", verb: str = "saved") -> StoreUnavailable:
        suffix = f" ({detail})" if detail else ""
        return StoreUnavailable(f"scores not {verb}: {self.path} {problem}{suffix}")

    def _precheck(self) -> None:
        """Clear messages for the common cases SQLite reports only vaguely."""
        path = self.path
        try:
            if path.is_dir():
                raise self._unavailable("is a directory, not a score database")
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                reason = error.strerror or str(error)
                raise self._unavailable(
                    "cannot be created", f"cannot create the directory {path.parent}: {reason}"
                ) from None
            read_only = _on_read_only_mount(path.parent)
            if path.exists():
                if not os.access(path, os.R_OK):
                    raise self._unavailable("cannot be read", "permission denied")
                if not os.access(path, os.W_OK):
                    why = "read-only file system" if read_only else "permission denied"
                    raise self._unavailable("cannot be written", why)
            if not os.access(path.parent, os.W_OK | os.X_OK):
                where = "is on a read-only file system" if read_only else "is not writable"
                raise self._unavailable("cannot be written", f"the directory {path.parent} {where}")
        except OSError as error:
            raise self._unavailable("cannot be opened", error.strerror or str(error)) from None

    def _open(self) -> sqlite3.Connection:
        self._precheck()
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # autocommit; transactions are explicit
                check_same_thread=False,  # guarded by self._lock instead
            )
        except sqlite3.Error as error:
            raise self._translate(error, "saved") from None
        try:
            self._retry(lambda: self._setup(conn), "saved", conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_readonly(self) -> sqlite3.Connection:
        """A connection that only reads: for a file, directory or mount this
        process cannot write (read-only mount, ``chattr +i``, another owner).

        SQLite's read-only mode first; where that cannot open the write-ahead
        log (it needs to create ``-shm`` beside the file), the file is read as
        immutable: nothing may be writing to it, which is the case here.
        """
        if self.path.is_dir():
            raise self._unavailable("is a directory, not a score database", verb="read")
        if not self.path.exists():
            raise self._unavailable("does not exist yet", verb="read")
        last: sqlite3.Error | None = None
        for mode in ("mode=ro", "immutable=1"):
            uri = f"{self.path.resolve().as_uri()}?{mode}"
            try:
                conn = sqlite3.connect(
                    uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
                )
            except sqlite3.Error as error:
                last = error
                continue
            try:
                self._version(conn)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as error:
                conn.close()
                last = error
                continue
            except BaseException:
                conn.close()
                raise
            return conn
        assert last is not None
        raise self._translate(last, "read") from None

    def _setup(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = NORMAL")
        self._migrate(conn)

    def _version(self, conn: sqlite3.Connection) -> int:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise self._unavailable(
                "was written by a newer klgame",
                f"score database version {version}, this klgame knows up to "
                f"{len(MIGRATIONS)}; upgrade klgame or set KLGAME_HOME to another directory",
            )
        return version

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if self._version(conn) < len(MIGRATIONS):
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._version(conn)  # another process may have migrated meanwhile
                if version == 0:
                    self._refuse_foreign(conn)
                for steps in MIGRATIONS[version:]:
                    for statement in steps:
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        columns = {row[1] for row in conn.execute("PRAGMA table_info(attempts)")}
        missing = [name for name in _COLUMNS if name not in columns]
        if missing:
            raise self._unavailable(
                "is not a klgame score database", f"no attempts columns {', '.join(missing)}"
            )

    def _refuse_foreign(self, conn: sqlite3.Connection) -> None:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        if tables:
            raise self._unavailable(
                "is not a klgame score database", f"it holds other tables: {', '.join(tables)}"
            )

    # -- errors and retries ----------------------------------------------------

    def _translate(self, error: sqlite3.Error, verb: str) -> StoreUnavailable:
        code = _primary_code(error)
        problem = _PROBLEMS.get(code, "cannot be used") if code is not None else "cannot be used"
        return self._unavailable(problem, str(error), verb)

    def _retry(
        self, operation: Callable[[], _T], verb: str, conn: sqlite3.Connection | None = None
    ) -> _T:
        """Run ``operation``, retrying while the database is busy or locked."""
        deadline = time.monotonic() + LOCK_PATIENCE
        tries = 0
        while True:
            try:
                return operation()
            except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # misuse of the API: a bug, not a property of the file
            except sqlite3.Error as error:
                _rollback(conn if conn is not None else self._conn)
                if not _is_busy(error):
                    raise self._translate(error, verb) from None
                if time.monotonic() >= deadline:
                    raise self._unavailable(
                        "stayed locked by other games", f"gave up after {LOCK_PATIENCE:.0f} s", verb
                    ) from None
            tries += 1
            time.sleep(random.uniform(0.001, min(0.1, 0.004 * 2 ** min(tries, 5))))

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Attempt]:
        def run() -> list[Attempt]:
            return [_from_row(row) for row in self._conn.execute(sql, params).fetchall()]

        with self._lock:
            return self._retry(run, "read")

    # -- the API ----------------------------------------------------------------

    def record(self, attempt: Attempt) -> int:
        """Save ``attempt`` in its own committed transaction; return its row id.

        Raises :class:`ValueError` if a number in it is NaN.
        """
        row = _to_row(attempt)
        conn = self._conn

        def insert() -> int:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = conn.execute(_INSERT, row)
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
            rowid = cursor.lastrowid
            assert rowid is not None
            return rowid

        with self._lock:
            return self._retry(insert, "saved")

    def best(self, player: str, level_id: str) -> Attempt | None:
        """``player``'s best attempt at ``level_id``: most points, then least excess,
        then earliest; ``None`` if they have none."""
        rows = self._query(
            f"{_SELECT} WHERE player = ? AND level_id = ? ORDER BY {_RANKING} LIMIT 1",
            (sanitize_name(player), level_id),
        )
        return rows[0] if rows else None

    def bests(self, player: str) -> dict[str, Attempt]:
        """``player``'s best attempt at each level they have finished, by level id."""
        return {attempt.level_id: attempt for attempt in self.table(player=player)}

    def table(self, level_id: str | None = None, player: str | None = None) -> list[Attempt]:
        """The best attempt of each (player, level), optionally only for one level
        and/or one player; ordered by level id, then best first."""
        conditions, params = [], []
        if level_id is not None:
            conditions.append("level_id = ?")
            params.append(level_id)
        if player is not None:
            conditions.append("player = ?")
            params.append(sanitize_name(player))
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return self._query(
            f"""
            SELECT {", ".join(_COLUMNS)} FROM (
                SELECT *, ROW_NUMBER() OVER (
                    PARTITION BY player, level_id ORDER BY {_RANKING}
                ) AS place
                FROM attempts {where}
            )
            WHERE place = 1
            ORDER BY level_id, {_RANKING}
            """,
            params,
        )

    def has_attempts_table(self) -> bool:
        """Whether the file has the attempts table (a read-only store of an
        empty or never-used file may not)."""

        def run() -> bool:
            found = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attempts'"
            ).fetchone()
            return found is not None

        with self._lock:
            return self._retry(run, "read")

    def count_since(self, player: str, since: str) -> int:
        """How many attempts ``player`` has saved at or after ``since`` (ISO-8601)."""

        def run() -> int:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM attempts WHERE player = ? AND finished_at >= ?",
                (sanitize_name(player), _normalize_time(since)),
            ).fetchone()
            return int(row[0])

        with self._lock:
            return self._retry(run, "read")

    def prune_replays(self, player: str, keep: int, directory: str | os.PathLike[str]) -> int:
        """Delete all but ``player``'s newest ``keep`` replay files; return how many went.

        Only files inside ``directory`` (the replay directory) are deleted: a
        row's path is never trusted to point anywhere else. Their rows stay,
        without a replay.
        """
        root = os.path.realpath(directory)
        conn = self._conn

        def old_rows() -> list[tuple[int, str]]:
            rows = conn.execute(
                "SELECT id, replay_path FROM attempts WHERE player = ? AND replay_path IS NOT NULL"
                " ORDER BY finished_at DESC, id DESC LIMIT -1 OFFSET ?",
                (sanitize_name(player), max(0, keep)),
            ).fetchall()
            return [(int(row[0]), str(row[1])) for row in rows]

        with self._lock:
            rows = self._retry(old_rows, "read")
        removed = 0
        forgotten = []
        for rowid, name in rows:
            real = os.path.realpath(name)
            if os.path.dirname(real) != root:
                continue
            try:
                os.unlink(real)
                removed += 1
            except FileNotFoundError:
                pass
            except OSError:
                continue
            forgotten.append(rowid)
        if forgotten:

            def forget() -> None:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.executemany(
                        "UPDATE attempts SET replay_path = NULL WHERE id = ?",
                        [(rowid,) for rowid in forgotten],
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise

            with self._lock:
                self._retry(forget, "saved")
        return removed

    def count(self) -> int:
        """How many attempts are saved."""

        def run() -> int:
            return int(self._conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])

        with self._lock:
            return self._retry(run, "read")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ScoreStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ScoreStore({str(self.path)!r})"


def open_store(path: str | os.PathLike[str] | None = None, *, readonly: bool = False) -> ScoreStore:
    """The score store at ``path`` (default: ``scores.sqlite3`` in the data directory).

    ``readonly`` opens it only to read, which works where it cannot be
    written. Raises :class:`StoreUnavailable` saying why it cannot be used.
    """
    if path is None:
        try:
            path = scores_db_path()
        except StoreUnavailable as error:
            verb = "read" if readonly else "saved"
            raise StoreUnavailable(f"scores not {verb}: {error}") from None
    return ScoreStore(path, readonly=readonly)


def try_open_store(
    path: str | os.PathLike[str] | None = None, *, readonly: bool = False
) -> tuple[ScoreStore | None, str | None]:
    """``(store, None)``, or ``(None, reason)`` so the game can play on without saving."""
    try:
        return open_store(path, readonly=readonly), None
    except StoreUnavailable as error:
        return None, str(error)
