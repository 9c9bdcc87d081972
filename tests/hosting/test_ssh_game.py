"""Playing the real game over a real SSH connection, and hanging up on it."""

from __future__ import annotations

import importlib.util
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosting_harness import SshServer, Tmux, game_command, processes_with_env, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("klgame.ui.run") is None,
        reason="the terminal game (klgame.ui.run) is not in this checkout",
    ),
]

#: The per-key recipe of docs/hosting.md: the host names each key's player.
KEY_OPTIONS = 'restrict,pty,environment="KLGAME_PLAYER=alice"'
SERVER_OPTIONS = "PermitUserEnvironment KLGAME_PLAYER"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "klgame-home"
    path.mkdir()
    return path


@pytest.fixture
def server(tmp_path: Path, home: Path) -> Iterator[SshServer]:
    command = game_command(home, "--hosted", "play", "gaussian", "--seed", "1")
    ssh = SshServer(tmp_path, command, extra_config=SERVER_OPTIONS, key_options=KEY_OPTIONS)
    try:
        yield ssh
    finally:
        ssh.close()


@pytest.fixture
def tmux(tmp_path: Path, server: SshServer) -> Iterator[Tmux]:
    session = Tmux(tmp_path, server.ssh_argv("-tt"))
    try:
        yield session
    finally:
        session.kill()


def _rows(home: Path) -> list[tuple[str, str]]:
    db = home / "scores.sqlite3"
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            return list(conn.execute("SELECT player, level_id FROM attempts"))
        except sqlite3.OperationalError:
            return []


def _integrity(home: Path) -> str:
    with sqlite3.connect(home / "scores.sqlite3", timeout=5) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_play_a_level_to_the_reveal_over_ssh(tmux: Tmux, home: Path) -> None:
    tmux.wait_text("KL", timeout=30)
    for key in ("Right", "Right", "Right", "Down", "Left"):
        tmux.send(key)
        time.sleep(0.1)
    tmux.send("r")
    wait_for(lambda: _rows(home), 20, "the attempt to be saved")
    assert _rows(home) == [("alice", "gaussian")]
    assert _integrity(home) == "ok"
    tmux.send("q")


def test_dropped_connection_ends_the_game(tmux: Tmux, home: Path) -> None:
    marker = f"KLGAME_HOME={home}"
    tmux.wait_text("KL", timeout=30)
    tmux.send("Right")
    games = processes_with_env(marker)
    assert games, "the game is not running on the server side"
    os.kill(tmux.pane_pid(), signal.SIGKILL)  # the ssh client, without a goodbye
    wait_for(lambda: not processes_with_env(marker), 10, "the game to exit after the hangup")
    if (home / "scores.sqlite3").exists():
        assert _integrity(home) == "ok"


def test_hangup_after_a_saved_attempt_keeps_the_database_intact(tmux: Tmux, home: Path) -> None:
    marker = f"KLGAME_HOME={home}"
    tmux.wait_text("KL", timeout=30)
    tmux.send("Right")
    tmux.send("r")
    wait_for(lambda: _rows(home), 20, "the attempt to be saved")
    tmux.send("n")  # a new target: the game goes on
    tmux.kill()  # the terminal goes away: tmux closes the pty, ssh dies
    wait_for(lambda: not processes_with_env(marker), 10, "the game to exit after the hangup")
    assert _integrity(home) == "ok"
    assert _rows(home) == [("alice", "gaussian")]
