"""The two score-store backends the store tests run on, and what they share
(imported by the tests by this module's own name: every test folder has a
``conftest``, so ``from conftest import`` would find another folder's)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import klgame
from klgame.store import Attempt
from klgame.store.paths import scores_db_path

#: The directory holding the ``klgame`` package, for child processes.
SOURCE_ROOT = str(Path(klgame.__file__).resolve().parent.parent)

MakeAttempt = Callable[..., Attempt]


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
