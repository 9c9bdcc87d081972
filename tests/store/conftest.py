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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pg_server
import pytest
from store_backends import SOURCE_ROOT, Backend, MakeAttempt

from klgame.store import Attempt


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
