"""Where the files live and what the player is called."""

from __future__ import annotations

import getpass
import stat
from pathlib import Path

import platformdirs
import pytest

from klgame.store.paths import (
    MAX_NAME_LENGTH,
    data_dir,
    player_name,
    replays_dir,
    sanitize_name,
    scores_db_path,
)


def test_klgame_home_is_the_data_directory_and_is_created_private(home: Path) -> None:
    assert not home.exists()
    assert data_dir() == home
    assert home.is_dir()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert scores_db_path() == home / "scores.sqlite3"
    assert replays_dir() == home / "replays"
    assert (home / "replays").is_dir()


def test_an_existing_directory_keeps_its_mode(tmp_path: Path, monkeypatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("KLGAME_HOME", str(shared))
    assert data_dir() == shared
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755


def test_without_klgame_home_the_platform_directory_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLGAME_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = Path(platformdirs.user_data_dir("klgame", appauthor=False))
    assert data_dir() == expected
    assert expected.is_dir()
    assert tmp_path in expected.parents


def test_an_empty_klgame_home_counts_as_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLGAME_HOME", "")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == Path(platformdirs.user_data_dir("klgame", appauthor=False))


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("ada", "ada"),
        ("  ada  ", "ada"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),
        ("bell\x07tab\tnew\nline", "belltab new line"),  # a blank stays a blank
        ("del\x7fete", "delete"),
        ("c1\x9b2J", "c12J"),
        ("Zoë 🦊", "Zoë 🦊"),
        ("x" * 100, "x" * MAX_NAME_LENGTH),
    ],
)
def test_names_are_sanitised(given: str, kept: str) -> None:
    assert sanitize_name(given) == kept
    assert player_name(given) == kept


def test_names_are_capped_at_32_characters() -> None:
    assert len(player_name("y" * 33)) == 32 == MAX_NAME_LENGTH


def test_the_login_name_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "\x1b]0;pwned\x07grace")
    assert player_name(None) == "]0;pwnedgrace"
    assert player_name("") == "]0;pwnedgrace"
    assert player_name("\x1b\x1b") == "]0;pwnedgrace"


def test_player_when_there_is_no_login_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_login() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_login)
    assert player_name(None) == "player"
    assert player_name("ada") == "ada"
    monkeypatch.setattr(getpass, "getuser", lambda: "\x07")
    assert player_name(None) == "player"
