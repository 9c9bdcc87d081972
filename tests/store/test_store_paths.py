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


def _directories_below(top: Path) -> dict[str, int]:
    found = {str(top): stat.S_IMODE(top.stat().st_mode)}
    for path in top.rglob("*"):
        if path.is_dir():
            found[str(path.relative_to(top))] = stat.S_IMODE(path.stat().st_mode)
    return found


def test_every_directory_the_hosted_game_creates_is_0700(tmp_path: Path) -> None:
    """A hosted start with a data directory whose parents do not exist yet,
    under the usual umask 022: the parents, the data directory, the level
    cache and its entries come out 0700, not 0755."""
    import os
    import subprocess
    import sys

    levels = tmp_path / "levels"
    levels.mkdir()
    source = Path(__file__).parents[2] / "levels" / "gaussian.yaml"
    (levels / "mine.yaml").write_text(source.read_text().replace("id: gaussian", "id: mine"))
    top = tmp_path / "new"
    home = top / "deeper" / "home"
    env = {
        "KLGAME_HOME": str(home),
        "KLGAME_LEVELS": str(levels),
        "KLGAME_PLAYER": "ada",
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    done = subprocess.run(
        [sys.executable, "-m", "klgame", "--hosted", "levels"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert done.returncode == 0, done.stderr
    modes = _directories_below(top)
    assert "deeper/home/level-cache" in modes and len(modes) >= 5, modes
    assert {name: mode for name, mode in modes.items() if mode != 0o700} == {}


def test_names_replays_and_scores_make_0700_directories(tmp_path: Path, monkeypatch) -> None:
    import os

    from klgame.hosting.hosted import remember_name
    from klgame.store.scores import ScoreStore

    top = tmp_path / "new"
    monkeypatch.setenv("KLGAME_HOME", str(top / "a" / "home"))
    old = os.umask(0o022)
    try:
        replays_dir()
        assert remember_name(top / "b" / "home", "key:SHA256:x", "ada") == "ada"
        store = ScoreStore(top / "c" / "d" / "scores.sqlite3")
        store.close()
    finally:
        os.umask(old)
    modes = _directories_below(top)
    for name in ("a/home/replays", "b/home/hosted-names", "c/d"):
        assert name in modes, modes
    assert {name: mode for name, mode in modes.items() if mode != 0o700} == {}
