"""The store under real concurrent processes and a real kill -9, on both backends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_backends import Backend

from klgame.store import open_store
from klgame.store.paths import scores_db_path

WORKER = Path(__file__).with_name("store_worker.py")

pytestmark = pytest.mark.slow


def _integrity(backend: Backend) -> None:
    if backend.name == "sqlite":
        assert backend.raw("PRAGMA integrity_check") == [("ok",)]


def test_thirty_processes_writing_at_once_lose_nothing(
    home: Path, backend: Backend, child_env: dict[str, str], tmp_path: Path
) -> None:
    processes, per_process = 30, 100
    # On PostgreSQL the writers come from two "hosts": two separate data
    # directories, one database. (Two SQLite homes would be two databases.)
    homes = [home, tmp_path / "second-host"] if backend.name == "postgres" else [home]
    gate = tmp_path / "gate"
    children = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "burst", str(gate), str(per_process), f"p{number}"],
            env={**child_env, "KLGAME_HOME": str(homes[number % len(homes)])},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(processes)
    ]
    try:
        for child in children:  # all started and imported before anyone writes
            assert child.stdout is not None
            assert child.stdout.readline() == "ready\n"
        gate.touch()
        results = [child.communicate(timeout=180) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    failures = [
        (number, child.returncode, err)
        for number, (child, (_, err)) in enumerate(zip(children, results, strict=True))
        if child.returncode != 0 or err
    ]
    assert failures == []
    with open_store() as store:
        assert store.count() == processes * per_process
        table = store.table()
    assert {attempt.player for attempt in table} == {f"p{n}" for n in range(processes)}
    # The best of each player at each level is the highest-numbered attempt there.
    assert all(attempt.points >= per_process - 7 for attempt in table)
    _integrity(backend)
    rows = backend.raw("SELECT player, COUNT(*) FROM attempts GROUP BY player")
    assert sorted(rows) == sorted((f"p{n}", per_process) for n in range(processes))
    seeds = backend.raw("SELECT COUNT(DISTINCT player || ':' || seed) FROM attempts")
    assert seeds == [(processes * per_process,)]  # every attempt once, none twice
    if backend.name == "postgres":
        assert not (home / "scores.sqlite3").exists()
        assert not (tmp_path / "second-host" / "scores.sqlite3").exists()


def test_killed_writer_leaves_every_committed_row(
    home: Path, backend: Backend, child_env: dict[str, str], tmp_path: Path
) -> None:
    errors = tmp_path / "writer.err"
    with errors.open("w") as stderr:
        writer = subprocess.Popen(
            [sys.executable, str(WORKER), "loop", "victim"],
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert writer.stdout is not None
    reported: list[int] = []
    try:
        while len(reported) < 200:
            line = writer.stdout.readline()
            assert line, f"writer stopped early: {errors.read_text()}"
            reported.append(int(line))
    finally:
        writer.send_signal(signal.SIGKILL)
        rest = writer.stdout.read()  # what was in the pipe when it died
        writer.stdout.close()
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    # Those lines were committed too; a torn last line is not counted.
    reported += [int(line) for line in rest.splitlines(keepends=True) if line.endswith("\n")]

    _integrity(backend)
    saved = {row[0] for row in backend.raw("SELECT id FROM attempts")}
    assert set(reported) <= saved
    assert len(saved) - len(reported) <= 1  # at most the one being reported when killed

    with open_store() as store:  # and the store is usable afterwards
        assert store.count() == len(saved)
        assert store.best("victim", "level-0") is not None


def test_a_writer_killed_mid_transaction_loses_only_the_uncommitted_row(
    home: Path, backend: Backend, child_env: dict[str, str], make_attempt
) -> None:
    writer = subprocess.Popen(
        [sys.executable, str(WORKER), "halfway", "victim"],
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    try:
        line = writer.stdout.readline()
        assert line == "halfway\n", writer.stderr.read() if writer.stderr else ""
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    # The dead writer held the write lock (SQLite) or an open transaction
    # (PostgreSQL); neither outlives it, and its half-done row is not there.
    with open_store() as store:
        store.record(make_attempt(player="next"))
        assert store.count() == 6
        victim = sorted(a.seed for a in store.attempts() if a.player == "victim")
    assert victim == [0, 1, 2, 3, 4]
    _integrity(backend)


@pytest.mark.sqlite_only
def test_a_writer_waits_out_another_process_holding_the_lock(
    home: Path, child_env: dict[str, str], make_attempt, monkeypatch: pytest.MonkeyPatch
) -> None:
    from klgame.store import scores

    with open_store():
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "conn.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(0.6)\n"
            "conn.execute('COMMIT')\n",
            str(scores_db_path()),
        ],
        env=child_env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    # SQLite's own wait gives up after 20 ms; the store's retries must carry on.
    monkeypatch.setattr(scores, "BUSY_TIMEOUT_MS", 20)
    started = time.monotonic()
    with open_store() as store:
        row_id = store.record(make_attempt())
        assert store.count() == 1
    assert holder.wait(timeout=30) == 0
    assert row_id == 1
    assert time.monotonic() - started > 0.2


@pytest.mark.postgres_only
def test_a_postgres_writer_waits_out_another_process_locking_the_table(
    home: Path, backend: Backend, child_env: dict[str, str], make_attempt
) -> None:
    with open_store():
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import psycopg, sys, time\n"
            "conn = psycopg.connect(sys.argv[1])\n"
            "conn.execute('LOCK TABLE attempts IN EXCLUSIVE MODE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(0.6)\n"
            "conn.commit()\n",
            str(backend.url),
        ],
        env=child_env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    started = time.monotonic()
    with open_store() as store:
        row_id = store.record(make_attempt())
        assert store.count() == 1
    assert holder.wait(timeout=30) == 0
    assert row_id == 1
    assert time.monotonic() - started > 0.2
