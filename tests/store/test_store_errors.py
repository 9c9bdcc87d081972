"""Files the store cannot use give a clear StoreUnavailable, never a crash."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from klgame.errors import KlgameError
from klgame.store import StoreUnavailable, open_store, scores, sql, try_open_store
from klgame.store.paths import data_dir

# Files that SQLite cannot use; test_store_postgres_faults.py has PostgreSQL's faults.
pytestmark = pytest.mark.sqlite_only

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
#: File modes bind everyone but root; .ci/run runs these again as an
#: unprivileged user (``pytest -m unprivileged``), so they do not only skip.
unprivileged = pytest.mark.unprivileged


def _refused(path: Path | None, *fragments: str) -> str:
    """Open ``path``; check both helpers refuse it with a message naming it."""
    with pytest.raises(StoreUnavailable) as caught:
        open_store(path)
    message = str(caught.value)
    store, reason = try_open_store(path)
    assert store is None
    assert reason == message
    assert message.startswith("scores not saved: ")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_store_unavailable_is_a_klgame_error() -> None:
    assert issubclass(StoreUnavailable, KlgameError)


def test_random_bytes(home: Path) -> None:
    home.mkdir()
    path = home / "scores.sqlite3"
    path.write_bytes(b"not sqlite" + os.urandom(8192))
    message = _refused(None, str(path), "is not a klgame score database", "file is not a database")
    assert message == (
        f"scores not saved: {path} is not a klgame score database (file is not a database)"
    )
    assert path.read_bytes()[:10] == b"not sqlite"  # left alone


def test_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("dear diary,\n" * 500)
    _refused(path, str(path), "is not a klgame score database")


def test_a_directory_where_the_file_should_be(home: Path) -> None:
    (home / "scores.sqlite3").mkdir(parents=True)
    _refused(None, str(home / "scores.sqlite3"), "is a directory")


def test_a_data_directory_that_cannot_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("KLGAME_HOME", str(blocker / "klgame"))
    with pytest.raises(StoreUnavailable, match="cannot create the klgame data directory"):
        data_dir()
    _refused(None, str(blocker / "klgame"), "cannot create the klgame data directory")


def test_a_database_file_under_a_regular_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    _refused(blocker / "scores.sqlite3", str(blocker / "scores.sqlite3"), "cannot be created")


@unprivileged
@pytest.mark.skipif(AS_ROOT, reason="root reads files whatever their mode")
def test_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "scores.sqlite3"
    with open_store(path):
        pass
    path.chmod(0)
    try:
        _refused(path, str(path), "cannot be read", "permission denied")
    finally:
        path.chmod(0o600)


@unprivileged
@pytest.mark.skipif(AS_ROOT, reason="root writes anywhere")
def test_a_directory_that_cannot_be_written(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        _refused(folder / "scores.sqlite3", str(folder / "scores.sqlite3"), "cannot be written")
    finally:
        folder.chmod(0o700)


def test_another_programs_database(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    _refused(path, "is not a klgame score database", "recipes")
    with sqlite3.connect(path) as conn:  # not touched
        assert conn.execute("PRAGMA user_version").fetchone() == (0,)
        tables = conn.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("recipes",)]


def test_a_versioned_database_without_the_attempts_columns(tmp_path: Path) -> None:
    path = tmp_path / "odd.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript("CREATE TABLE attempts (id INTEGER); PRAGMA user_version = 1;")
    _refused(path, "is not a klgame score database", "player")


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with open_store(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    message = _refused(path, str(path), "newer klgame", "99", str(len(sql.MIGRATIONS)))
    assert "Traceback" not in message


def test_an_empty_file_becomes_a_store(tmp_path: Path, make_attempt) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    with open_store(path) as store:
        store.record(make_attempt())
        assert store.count() == 1


def test_damage_found_after_opening_is_unavailable_too(tmp_path: Path, make_attempt) -> None:
    path = tmp_path / "damaged.sqlite3"
    with open_store(path) as store:
        for points in range(400):
            store.record(make_attempt(points=points, level_hash="x" * 200))
    assert not Path(f"{path}-wal").exists()  # checkpointed into the main file on close
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    data[4096 * 2 :] = os.urandom(len(data) - 4096 * 2)  # keep the header and schema page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreUnavailable) as caught, open_store(path) as store:
        store.table()
        store.count()
    message = str(caught.value)
    assert str(path) in message
    assert "scores not" in message


def test_a_lock_held_too_long_is_unavailable_not_a_crash(
    tmp_path: Path, make_attempt, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "busy.sqlite3"
    with open_store(path):
        pass
    monkeypatch.setattr(scores, "BUSY_TIMEOUT_MS", 10)
    monkeypatch.setattr(scores, "LOCK_PATIENCE", 0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_store(path) as store:
            with pytest.raises(StoreUnavailable, match="stayed locked") as caught:
                store.record(make_attempt())
            assert "database is locked" not in str(caught.value).split("(")[0]
            holder.execute("ROLLBACK")
            assert store.record(make_attempt()) == 1  # usable once the lock is gone
    finally:
        holder.close()
