"""Fixtures for the score store tests: a private data directory, attempts, and
both backends.

Every test that takes ``home`` (or ``backend``) runs twice: once on the SQLite
file in ``KLGAME_HOME``, once on a fresh database of a real PostgreSQL server
started for the test run (``KLGAME_DATABASE_URL`` set). Tests about SQLite
files only are marked ``sqlite_only``. Without PostgreSQL's programs the
PostgreSQL runs are skipped, saying why.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pg_server
import pytest

import klgame
from klgame.store import Attempt
from klgame.store.paths import scores_db_path

#: The directory holding the ``klgame`` package, for child processes.
SOURCE_ROOT = str(Path(klgame.__file__).resolve().parent.parent)

MakeAttempt = Callable[..., Attempt]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file; one backend only")
    config.addinivalue_line("markers", "postgres_only: about the PostgreSQL server only")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        names = ["sqlite", "postgres"]
        if metafunc.definition.get_closest_marker("sqlite_only") is not None:
            names = ["sqlite"]
        if metafunc.definition.get_closest_marker("postgres_only") is not None:
            names = ["postgres"]
        metafunc.parametrize("backend", names, indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg_server.Server]:
    """One PostgreSQL server for the whole run (of this worker)."""
    reason = pg_server.unavailable()
    if reason is not None:
        pytest.skip(f"no PostgreSQL server for the tests: {reason}")
    server = pg_server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Backend:
    """Which store a test runs on, and a way around the store to its database."""

    name: str
    url: str | None = None

    @property
    def location(self) -> str:
        """What the store's messages call the database."""
        if self.url is None:
            return str(scores_db_path())
        from klgame.store.postgres import describe

        return describe(self.url)

    def raw(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (``?`` placeholders) directly, not through the store."""
        if self.url is None:
            conn = sqlite3.connect(scores_db_path(), isolation_level=None)
            try:
                return conn.execute(statement, params).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as pg:
            cursor = pg.execute(statement.replace("?", "%s"), tuple(params) or None)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description is not None else []

    def script(self, statements: Sequence[str]) -> None:
        """Run several statements in one transaction, directly."""
        if self.url is None:
            path = scores_db_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path)
            try:
                conn.executescript(";\n".join(statements))
            finally:
                conn.close()
            return
        import psycopg

        with psycopg.connect(self.url) as pg:
            for statement in statements:
                pg.execute(statement)  # type: ignore[arg-type]

    def version(self) -> int:
        if self.url is None:
            return int(self.raw("PRAGMA user_version")[0][0])
        return int(self.raw("SELECT version FROM klgame_schema")[0][0])

    def set_version(self, version: int) -> list[str]:
        """The statements that record schema ``version`` the way this backend does."""
        if self.url is None:
            return [f"PRAGMA user_version = {version}"]
        return [
            "CREATE TABLE IF NOT EXISTS klgame_schema (version INTEGER NOT NULL)",
            "DELETE FROM klgame_schema",
            f"INSERT INTO klgame_schema VALUES ({version})",
        ]

    def columns(self, table: str = "attempts") -> list[str]:
        if self.url is None:
            return [row[1] for row in self.raw(f"PRAGMA table_info({table})")]
        rows = self.raw(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [row[0] for row in rows]


@pytest.fixture
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Backend:
    monkeypatch.delenv("KLGAME_DATABASE_URL", raising=False)
    if request.param == "sqlite":
        return Backend("sqlite")
    server: pg_server.Server = request.getfixturevalue("postgres")
    url = server.create_database()
    monkeypatch.setenv("KLGAME_DATABASE_URL", url)
    return Backend("postgres", url)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: Backend) -> Path:
    """A fresh ``KLGAME_HOME`` (not yet created), on the test's backend."""
    path = tmp_path / "klgame-home"
    monkeypatch.setenv("KLGAME_HOME", str(path))
    return path


@pytest.fixture
def child_env(home: Path) -> dict[str, str]:
    """Environment for child processes: the same ``KLGAME_HOME``, database and sources."""
    env = dict(os.environ)
    env["KLGAME_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [SOURCE_ROOT, env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def make_attempt() -> MakeAttempt:
    def make(**overrides: Any) -> Attempt:
        values: dict[str, Any] = {
            "player": "ada",
            "level_id": "gauss-1",
            "level_hash": "sha256:0123",
            "seed": 7,
            "divergence": 0.25,
            "best": 0.05,
            "excess": 0.2,
            "stars": 2,
            "points": 500,
            "moves": 12,
            "hints": 1,
            "seconds": 42.5,
            "finished_at": "2024-05-01T12:00:00.000+00:00",
        }
        values.update(overrides)
        return Attempt(**values)

    return make
