"""Shared seeds: classes and the daily challenge (klgame.core.boards)."""

from __future__ import annotations

import argparse
import hashlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from klgame.cli.game import resolve_board
from klgame.core.boards import (
    CODE_ALPHABET,
    class_board,
    daily_board,
    new_class_code,
    normalize_code,
    today_utc,
)
from klgame.errors import KlgameError


def _sha_seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % 2**31


def test_a_boards_level_seeds_follow_the_documented_formula() -> None:
    board = class_board("K7QMX", 12345)
    assert board.key == "class:K7QMX"
    assert board.seed_for("gaussian") == _sha_seed("klgame board 12345 level gaussian")
    assert board.seed_for("gaussian") != board.seed_for("finale")
    assert class_board("K7QMX", 12346).seed_for("gaussian") != board.seed_for("gaussian")


def test_the_daily_board_depends_on_the_date_only() -> None:
    day = date(2026, 12, 3)
    board = daily_board(day)
    assert board.key == "daily:2026-12-03"
    assert board.base_seed == _sha_seed("klgame daily 2026-12-03")
    assert daily_board(date(2026, 12, 3)) == board
    assert daily_board(date(2026, 12, 4)).seed_for("gaussian") != board.seed_for("gaussian")


def test_today_is_the_utc_date() -> None:
    late_in_new_york = datetime(2026, 12, 3, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert today_utc(late_in_new_york) == date(2026, 12, 4)
    assert today_utc(datetime(2026, 12, 3, 0, 5, tzinfo=UTC)) == date(2026, 12, 3)


def test_daily_from_the_command_line_uses_the_injected_clock() -> None:
    args = argparse.Namespace(class_code=None, daily="today")
    one = resolve_board(args, None, None, "ada", today=lambda: date(2026, 12, 3))
    two = resolve_board(args, None, None, "bob", today=lambda: date(2026, 12, 3))
    three = resolve_board(args, None, None, "ada", today=lambda: date(2026, 12, 4))
    assert one == two == daily_board(date(2026, 12, 3))
    assert three == daily_board(date(2026, 12, 4))
    explicit = argparse.Namespace(class_code=None, daily="2026-01-31")
    assert resolve_board(explicit, None, None, "ada") == daily_board(date(2026, 1, 31))
    with pytest.raises(KlgameError, match="YYYY-MM-DD"):
        resolve_board(argparse.Namespace(class_code=None, daily="31/01"), None, None, "ada")
    both = argparse.Namespace(class_code="K7QMX", daily="today")
    with pytest.raises(KlgameError, match="cannot be combined"):
        resolve_board(both, None, None, "ada")


def test_a_class_without_a_store_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLGAME_CLASS", raising=False)
    args = argparse.Namespace(class_code="k7qmx", daily=None)
    with pytest.raises(KlgameError, match="cannot join class K7QMX: disk full"):
        resolve_board(args, None, "disk full", "ada")
    with pytest.raises(KlgameError, match="not a class code"):
        resolve_board(argparse.Namespace(class_code="nope!", daily=None), None, None, "ada")


def test_class_codes_are_short_and_unambiguous() -> None:
    codes = {new_class_code() for _ in range(200)}
    assert len(codes) > 190
    for code in codes:
        assert len(code) == 5 and set(code) <= set(CODE_ALPHABET)
        assert normalize_code(code.lower()) == code
    assert not set("0O1IL2Z5S8B") & set(CODE_ALPHABET)
    assert normalize_code(" k7q-mx ") == "K7QMX"
    assert normalize_code("K7QM") == ""
    assert normalize_code("K7QM0") == ""
