"""A PostgreSQL store that cannot be used says why in one line; the game plays on."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pg_server
import pytest
from store_backends import SOURCE_ROOT, Backend

from klgame.store import StoreUnavailable, open_store, sql, try_open_store
from klgame.store.postgres import describe

pytestmark = pytest.mark.postgres_only


def _refused(*fragments: str) -> str:
    with pytest.raises(StoreUnavailable) as caught:
        open_store()
    message = str(caught.value)
    store, reason = try_open_store()
    assert store is None
    assert reason == message
    assert message.startswith("scores not saved: PostgreSQL database ")
    assert "\n" not in message
    assert "Traceback" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once it is closed


def test_an_unreachable_server(
    home: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _closed_port()
    monkeypatch.setenv("KLGAME_DATABASE_URL", f"postgresql://klgame:s3cret@127.0.0.1:{port}/k")
    message = _refused(f"PostgreSQL database k on 127.0.0.1:{port}", "cannot be reached")
    assert "s3cret" not in message
    assert "refused" in message.lower()


def test_a_database_that_does_not_exist(
    home: Path, backend: Backend, postgres: pg_server.Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLGAME_DATABASE_URL", postgres.url("no_such_db"))
    _refused("no_such_db", "cannot be reached", 'database "no_such_db" does not exist')


def test_a_url_that_is_not_one(home: Path, backend: Backend, monkeypatch) -> None:
    monkeypatch.setenv("KLGAME_DATABASE_URL", "postgresql://[broken")
    with pytest.raises(StoreUnavailable) as caught:
        open_store()
    message = str(caught.value)
    assert message.startswith("scores not saved: PostgreSQL database")
    assert "\n" not in message


def test_a_newer_schema_is_refused(home: Path, backend: Backend) -> None:
    with open_store():
        pass
    backend.raw("UPDATE klgame_schema SET version = 99")
    _refused("newer klgame", "99", str(len(sql.MIGRATIONS)))


def test_another_programs_attempts_table(home: Path, backend: Backend) -> None:
    backend.raw("CREATE TABLE attempts (id INTEGER, mine TEXT)")
    _refused("is not a klgame score database", "attempts table")
    assert backend.columns() == ["id", "mine"]  # not touched


def test_without_psycopg_the_message_says_what_to_install(
    home: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    with pytest.raises(StoreUnavailable, match=r"psycopg is not installed.*klgame\[postgres\]"):
        open_store()


def test_scores_command_says_why_on_stderr(home: Path, backend: Backend, monkeypatch) -> None:
    port = _closed_port()
    env = {
        "KLGAME_HOME": str(home),
        "KLGAME_DATABASE_URL": f"postgresql://klgame@127.0.0.1:{port}/k",
        "PYTHONPATH": SOURCE_ROOT,
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "klgame", "scores"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    where = f"PostgreSQL database k on 127.0.0.1:{port}"
    assert done.stderr.startswith(f"klgame: scores not saved: {where} cannot be reached (")
    assert "Traceback" not in done.stderr


@pytest.fixture
def own_server() -> Iterator[pg_server.Server]:
    """A server of this test's own, to stop and start again."""
    server = pg_server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_server_going_away_mid_game_and_coming_back(
    home: Path, backend: Backend, own_server: pg_server.Server, make_attempt, monkeypatch
) -> None:
    url = own_server.create_database()
    monkeypatch.setenv("KLGAME_DATABASE_URL", url)
    data = str(own_server.directory / "data")
    with open_store() as store:
        assert store.record(make_attempt(points=1)) == 1
        own_server._run("pg_ctl", "-D", data, "-m", "immediate", "stop", "-w")
        with pytest.raises(StoreUnavailable) as caught:
            store.record(make_attempt(points=2))
        message = str(caught.value)
        assert message.startswith(f"scores not saved: {describe(url)} ")
        assert "\n" not in message
        with pytest.raises(StoreUnavailable, match="scores not read"):
            store.best("ada", "gauss-1")
        own_server._run(
            "pg_ctl", "-D", data, "-l", str(own_server.directory / "log"),
            "-o", f"-p {own_server.port} -k {own_server.directory}"
            " -c listen_addresses=127.0.0.1", "-w", "start",
        )  # fmt: skip
        # The same store carries on once the server is back: it connects again.
        store.record(make_attempt(points=3))
        assert [a.points for a in store.attempts()] == [1, 3]
