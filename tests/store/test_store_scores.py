"""Store semantics, on a real SQLite file and on a real PostgreSQL database."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_backends import Backend

from klgame.store import Attempt, ScoreStore, open_store, sql, try_open_store
from klgame.store.postgres import PostgresStore


def test_opens_with_a_schema_version(home: Path, backend: Backend) -> None:
    store, reason = try_open_store()
    assert reason is None
    assert store is not None
    with store:
        if backend.name == "sqlite":
            assert isinstance(store, ScoreStore)
            assert store.path == home / "scores.sqlite3"
        else:
            assert isinstance(store, PostgresStore)
            assert not (home / "scores.sqlite3").exists()
        assert store.count() == 0
    assert backend.version() == len(sql.MIGRATIONS) == 2


@pytest.mark.sqlite_only
def test_sqlite_opens_in_the_data_directory_with_wal(home: Path) -> None:
    with open_store():
        pass
    with sqlite3.connect(home / "scores.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_record_returns_row_ids_and_survives_reopening(home: Path, make_attempt) -> None:
    with open_store() as store:
        ids = [store.record(make_attempt(points=n)) for n in range(3)]
    assert ids == [1, 2, 3]
    with open_store() as store:
        assert store.count() == 3
        best = store.best("ada", "gauss-1")
    assert best == make_attempt(points=2)


def test_best_prefers_points_then_least_excess_then_earliest(home: Path, make_attempt) -> None:
    with open_store() as store:
        assert store.best("ada", "gauss-1") is None
        store.record(make_attempt(points=400, excess=0.0))
        store.record(make_attempt(points=700, excess=0.3, finished_at="2024-05-03T00:00:00Z"))
        store.record(make_attempt(points=700, excess=0.1, finished_at="2024-05-02T00:00:00Z"))
        store.record(make_attempt(points=700, excess=0.1, finished_at="2024-05-01T00:00:00Z"))
        store.record(make_attempt(points=700, excess=0.1, finished_at="2024-05-01T00:00:00Z"))
        store.record(make_attempt(points=900, player="bob"))
        store.record(make_attempt(points=950, level_id="gauss-2"))
        best = store.best("ada", "gauss-1")
    assert best is not None
    assert (best.points, best.excess, best.finished_at) == (
        700,
        0.1,
        "2024-05-01T00:00:00.000+00:00",
    )


def test_bests_gives_one_attempt_per_level_for_one_player(home: Path, make_attempt) -> None:
    with open_store() as store:
        store.record(make_attempt(level_id="b", points=10))
        store.record(make_attempt(level_id="b", points=30))
        store.record(make_attempt(level_id="a", points=20))
        store.record(make_attempt(level_id="c", points=99, player="bob"))
        bests = store.bests("ada")
        assert store.bests("nobody") == {}
    assert list(bests) == ["a", "b"]
    assert bests["a"].points == 20
    assert bests["b"].points == 30


def test_table_is_best_per_player_and_level(home: Path, make_attempt) -> None:
    with open_store() as store:
        for player, level, points in [
            ("ada", "l2", 5),
            ("ada", "l2", 50),
            ("bob", "l2", 70),
            ("bob", "l1", 1),
            ("cy", "l1", 9),
            ("cy", "l1", 3),
        ]:
            store.record(make_attempt(player=player, level_id=level, points=points))
        everything = store.table()
        level_two = store.table("l2")
        bob = store.table(player="bob")
        assert store.table("nowhere") == []
    assert [(a.level_id, a.player, a.points) for a in everything] == [
        ("l1", "cy", 9),
        ("l1", "bob", 1),
        ("l2", "bob", 70),
        ("l2", "ada", 50),
    ]
    assert [(a.player, a.points) for a in level_two] == [("bob", 70), ("ada", 50)]
    assert [(a.level_id, a.points) for a in bob] == [("l1", 1), ("l2", 70)]


def test_infinite_divergence_round_trips(home: Path, backend: Backend, make_attempt) -> None:
    with open_store() as store:
        store.record(make_attempt(divergence=math.inf, excess=math.inf, points=0))
        best = store.best("ada", "gauss-1")
    assert best is not None
    assert best.divergence == math.inf
    assert best.excess == math.inf
    # Stored as a floating-point infinity, not as text.
    assert backend.raw("SELECT divergence FROM attempts WHERE divergence > ?", (1e308,)) == [
        (math.inf,)
    ]


def test_an_infinite_excess_ranks_below_any_finite_one(home: Path, make_attempt) -> None:
    with open_store() as store:
        store.record(make_attempt(points=0, divergence=math.inf, excess=math.inf))
        store.record(make_attempt(points=0, excess=12.0))
        best = store.best("ada", "gauss-1")
    assert best is not None
    assert best.excess == 12.0


def test_nan_is_refused_and_nothing_is_written(home: Path, make_attempt) -> None:
    with open_store() as store:
        with pytest.raises(ValueError, match="excess is NaN"):
            store.record(make_attempt(excess=math.nan))
        assert store.count() == 0


def test_every_field_round_trips(home: Path, make_attempt) -> None:
    attempt = make_attempt(
        seed=2**80 + 1,
        replay_path="/replays/one.jsonl",
        divergence=1e-300,
        player="Zoë 🦊",
    )
    negative = make_attempt(seed=-(2**70), level_id="z")
    with open_store() as store:
        store.record(attempt)
        store.record(negative)
        assert store.best("Zoë 🦊", "gauss-1") == attempt
        assert store.best("ada", "z") == negative


def test_finished_at_defaults_to_now_in_utc_and_is_normalised(home: Path, make_attempt) -> None:
    before = datetime.now(UTC)
    fresh = Attempt(
        player="ada",
        level_id="now",
        level_hash="h",
        seed=1,
        divergence=0.1,
        best=0.0,
        excess=0.1,
        stars=1,
        points=1,
        moves=1,
        hints=0,
        seconds=0.5,
    )
    moment = datetime.fromisoformat(fresh.finished_at)
    offset = moment.utcoffset()
    assert offset is not None and offset.total_seconds() == 0
    assert before.replace(microsecond=0) <= moment <= datetime.now(UTC)
    assert fresh.replay_path is None
    with open_store() as store:
        store.record(make_attempt(level_id="naive", finished_at="2024-05-01T12:00:00"))
        store.record(make_attempt(level_id="offset", finished_at="2024-05-01T14:00:00+02:00"))
        with pytest.raises(ValueError, match="ISO-8601"):
            store.record(make_attempt(finished_at="yesterday"))
        times = {a.level_id: a.finished_at for a in store.table()}
    assert times == {
        "naive": "2024-05-01T12:00:00.000+00:00",
        "offset": "2024-05-01T12:00:00.000+00:00",
    }


def test_a_store_can_be_shared_between_threads(home: Path, make_attempt) -> None:
    errors: list[BaseException] = []
    with open_store() as store:

        def work(player: str) -> None:
            try:
                for points in range(50):
                    store.record(make_attempt(player=player, points=points))
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert store.count() == 200


def test_class_fields_round_trip(home: Path, make_attempt) -> None:
    attempt = make_attempt(board="class:K7QM", answer="b", answer_correct=False, optimum=1)
    with open_store() as store:
        store.record(attempt)
        store.record(make_attempt(player="bob", board="daily:2026-12-03", answer_correct=True))
        assert store.best("ada", "gauss-1") == attempt
        assert [a.player for a in store.table(board="class:K7QM")] == ["ada"]
        assert [a.player for a in store.attempts(board="daily:2026-12-03")] == ["bob"]
        assert store.best("bob", "gauss-1").answer_correct is True  # type: ignore[union-attr]


def test_classes_and_members(home: Path) -> None:
    with open_store() as store:
        opened = store.open_class("K7QM", "Year 12 stats", 123456789012345678901, "teacher")
        assert opened is not None and opened.is_open
        assert store.open_class("K7QM", "again", 1, "someone") is None  # code taken
        store.join_class("K7QM", "ada")
        store.join_class("K7QM", "bob")
        store.join_class("K7QM", "ada")  # twice is harmless
        assert store.members("K7QM") == ["ada", "bob"]
        assert store.members("NONE") == []
        got = store.get_class("K7QM")
        assert got is not None
        assert (got.title, got.seed, got.opened_by) == (
            "Year 12 stats",
            123456789012345678901,
            "teacher",
        )
        assert store.close_class("K7QM") is True
        assert store.close_class("K7QM") is False
        assert store.get_class("K7QM").closed_at is not None  # type: ignore[union-attr]
        assert store.get_class("NONE") is None
        assert [c.code for c in store.classes()] == ["K7QM"]


def test_the_change_token_moves_when_another_connection_writes(home: Path, make_attempt) -> None:
    with open_store() as watcher, open_store() as writer:
        before = watcher.change_token()
        assert watcher.change_token() == before  # nothing happened
        writer.record(make_attempt())
        deadline = time.monotonic() + 5
        while watcher.change_token() == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watcher.change_token() != before


@pytest.mark.sqlite_only
def test_explicit_path_and_parent_directories_are_created(tmp_path: Path, make_attempt) -> None:
    path = tmp_path / "a" / "b" / "mine.sqlite3"
    with ScoreStore(path) as store:
        store.record(make_attempt())
        assert repr(store) == f"ScoreStore({str(path)!r})"
    assert path.is_file()


# The schema exactly as version 1 shipped, written out by hand rather than taken
# from MIGRATIONS, so that editing migration 1 by mistake breaks this test.
V1_SCHEMA = """
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
);
CREATE INDEX attempts_rank ON attempts (player, level_id, points DESC, excess, finished_at);
CREATE INDEX attempts_level ON attempts (level_id);
INSERT INTO attempts VALUES (1, 'old', 'gauss-1', 'h1', '42', 0.5, 0.1, 0.4, 1, 300, 9, 2, 61.0,
    '2023-01-02T03:04:05.000+00:00', NULL);
PRAGMA user_version = 1;
"""


# The same, as PostgreSQL got it, also by hand.
V1_SCHEMA_POSTGRES = """
CREATE TABLE attempts (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    player      TEXT    NOT NULL,
    level_id    TEXT    NOT NULL,
    level_hash  TEXT    NOT NULL,
    seed        TEXT    NOT NULL,
    divergence  DOUBLE PRECISION NOT NULL,
    best        DOUBLE PRECISION NOT NULL,
    excess      DOUBLE PRECISION NOT NULL,
    stars       BIGINT NOT NULL,
    points      BIGINT NOT NULL,
    moves       BIGINT NOT NULL,
    hints       BIGINT NOT NULL,
    seconds     DOUBLE PRECISION NOT NULL,
    finished_at TEXT    NOT NULL,
    replay_path TEXT
);
CREATE INDEX attempts_rank ON attempts (player, level_id, points DESC, excess, finished_at);
CREATE INDEX attempts_level ON attempts (level_id);
INSERT INTO attempts OVERRIDING SYSTEM VALUE VALUES (1, 'old', 'gauss-1', 'h1', '42', 0.5, 0.1,
    0.4, 1, 300, 9, 2, 61.0, '2023-01-02T03:04:05.000+00:00', NULL);
SELECT setval(pg_get_serial_sequence('attempts', 'id'), 1);
CREATE TABLE klgame_schema (version INTEGER NOT NULL);
INSERT INTO klgame_schema VALUES (1)
"""


def _make_v1(backend: Backend) -> None:
    if backend.name == "sqlite":
        backend.script([V1_SCHEMA])
    else:
        backend.script([part for part in V1_SCHEMA_POSTGRES.split(";") if part.strip()])


def test_a_version_1_database_opens_and_works(home: Path, backend: Backend, make_attempt) -> None:
    _make_v1(backend)
    with open_store() as store:
        old = store.best("old", "gauss-1")
        assert old is not None
        assert (old.seed, old.points, old.replay_path) == (42, 300, None)
        store.record(make_attempt())
        assert store.count() == 2


def test_appending_a_migration_upgrades_an_old_database(
    home: Path, backend: Backend, make_attempt, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_v1(backend)
    monkeypatch.setattr(
        sql,
        "MIGRATIONS",
        [*sql.MIGRATIONS, ("ALTER TABLE attempts ADD COLUMN mood TEXT",)],
    )
    with open_store() as store:
        store.record(make_attempt())
        assert store.count() == 2
    assert backend.version() == 3
    columns = backend.columns()
    assert columns[-1] == "mood"
    assert columns[-5:-1] == ["board", "answer", "answer_correct", "optimum"]
    assert backend.columns("members") == ["class_code", "player", "joined_at"]
    # Opening again does not apply anything twice.
    with open_store() as store:
        assert store.count() == 2


def test_a_failing_migration_leaves_the_database_as_it_was(
    home: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_v1(backend)
    monkeypatch.setattr(
        sql,
        "MIGRATIONS",
        [
            *sql.MIGRATIONS,
            ("ALTER TABLE attempts ADD COLUMN mood TEXT", "THIS IS NOT SQL"),
        ],
    )
    store, reason = try_open_store()
    assert store is None
    assert reason is not None and backend.location in reason
    assert backend.version() == 1
    columns = backend.columns()
    assert "mood" not in columns
    assert "board" not in columns  # all the steps, or none
    assert backend.columns("classes") == []
