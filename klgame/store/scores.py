"""Saved scores: one SQLite file that many games may write to at once.

Every finished attempt becomes one row of the ``attempts`` table, written in
its own committed transaction. The database runs in WAL mode with
``synchronous=NORMAL``: a row whose :meth:`ScoreStore.record` has returned
survives the game being killed. Concurrent writers wait for each other
(``busy_timeout``, then short random back-off), so "database is locked" never
reaches the player.

The schema is versioned with ``PRAGMA user_version``; :data:`klgame.store.sql.MIGRATIONS` lists
the steps from version 0, applied in order in one transaction when a store is
opened. To change the schema, append one entry to :data:`klgame.store.sql.MIGRATIONS`.

Anything wrong with the file -- not a database, damaged, unreadable, from a
newer klgame -- raises :class:`StoreUnavailable` with a one-line message that
names the path; :func:`try_open_store` turns that into a reason the game can
show while it keeps playing without saving.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from klgame.core.attempts import Attempt, utc_now
from klgame.files import private_dir
from klgame.store import sql
from klgame.store.errors import StoreUnavailable
from klgame.store.paths import scores_db_path
from klgame.store.sql import COLUMNS, SqlStore

#: The environment variable that, set to ``postgresql://...``, keeps the scores
#: in that PostgreSQL database instead of the SQLite file.
DATABASE_URL_ENV = "KLGAME_DATABASE_URL"

__all__ = [
    "DATABASE_URL_ENV",
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

_T = TypeVar("_T")


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


class ScoreStore(SqlStore):
    """The saved attempts in one SQLite file.

    Opening creates the file and brings its schema up to date. Every method may
    raise :class:`StoreUnavailable`. A store may be shared between threads.
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.readonly = readonly
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
                private_dir(path.parent)
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
        if version > len(sql.MIGRATIONS):
            raise self._unavailable(
                "was written by a newer klgame",
                f"score database version {version}, this klgame knows up to "
                f"{len(sql.MIGRATIONS)}; upgrade klgame or set KLGAME_HOME to another directory",
            )
        return version

    def _check_columns(self, conn: sqlite3.Connection, wanted: Sequence[str]) -> None:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(attempts)")}
        missing = [name for name in wanted if name not in columns]
        if missing:
            raise self._unavailable(
                "is not a klgame score database", f"no attempts columns {', '.join(missing)}"
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if self._version(conn) > 0:
            self._check_columns(conn, sql.BASE_COLUMNS)
        if self._version(conn) < len(sql.MIGRATIONS):
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._version(conn)  # another process may have migrated meanwhile
                if version == 0:
                    self._refuse_foreign(conn)
                for steps in sql.MIGRATIONS[version:]:
                    for statement in steps:
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {len(sql.MIGRATIONS)}")
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        self._check_columns(conn, COLUMNS)

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

    def _fetch(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        def run() -> list[tuple[Any, ...]]:
            return self._conn.execute(statement, params).fetchall()

        with self._lock:
            return self._retry(run, "read")

    def _write(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        conn = self._conn

        def run() -> list[tuple[Any, ...]]:
            conn.execute("BEGIN IMMEDIATE")
            try:
                rows = conn.execute(statement, params).fetchall()
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
            return rows

        with self._lock:
            return self._retry(run, "saved")

    def change_token(self) -> object:
        """``PRAGMA data_version``, which changes when another connection commits,
        with this connection's own count of changes."""

        def run() -> object:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            return (int(version), self._conn.total_changes)

        with self._lock:
            return self._retry(run, "read")

    def has_attempts_table(self) -> bool:
        """Whether the file has the attempts table (a read-only store of an
        empty or never-used file may not)."""
        rows = self._fetch("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attempts'")
        return bool(rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"ScoreStore({str(self.path)!r})"


def database_url() -> str | None:
    """``$KLGAME_DATABASE_URL`` if it is set (and not blank), else ``None``."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return url or None


def open_store(path: str | os.PathLike[str] | None = None, *, readonly: bool = False) -> SqlStore:
    """The score store: the SQLite file at ``path`` if given; else the PostgreSQL
    database named by ``KLGAME_DATABASE_URL`` if that is set; else
    ``scores.sqlite3`` in the data directory.

    ``readonly`` opens an SQLite file only to read, which works where it
    cannot be written. Raises :class:`StoreUnavailable` saying why it cannot be used.
    """
    if path is None:
        url = database_url()
        if url is not None:
            from klgame.store.postgres import PostgresStore

            return PostgresStore(url)
        try:
            path = scores_db_path()
        except StoreUnavailable as error:
            verb = "read" if readonly else "saved"
            raise StoreUnavailable(f"scores not {verb}: {error}") from None
    return ScoreStore(path, readonly=readonly)


def try_open_store(
    path: str | os.PathLike[str] | None = None, *, readonly: bool = False
) -> tuple[SqlStore | None, str | None]:
    """``(store, None)``, or ``(None, reason)`` so the game can play on without saving."""
    try:
        return open_store(path, readonly=readonly), None
    except StoreUnavailable as error:
        return None, str(error)
