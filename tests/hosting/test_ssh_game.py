"""Playing the real game over a real SSH connection, and hanging up on it."""

from __future__ import annotations

import importlib.util
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosting_harness import SshServer, Tmux, game_command, processes_with_env, wait_for

from klgame.hosting.hosted import remembered_name

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("klgame.cli.game") is None,
        reason="the terminal game (klgame.cli.game) is not in this checkout",
    ),
]

#: The per-key recipe of docs/hosting.md: the host names each key's player.
KEY_OPTIONS = 'restrict,pty,environment="KLGAME_PLAYER=alice"'
SERVER_OPTIONS = "PermitUserEnvironment KLGAME_PLAYER"
#: A key the host gives no name: the player is asked once.
UNNAMED_KEY_OPTIONS = "restrict,pty"
QUESTION = "What should we call you?"


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


def _answer_then_play(session: Tmux, name: str, home: Path) -> None:
    """Give ``name`` to the name question, play to the reveal, see it saved, quit."""
    session.send("-l", name)
    session.send("Enter")
    session.wait_text("KL", timeout=20)
    # a capture may catch the old frame half redrawn: wait for the whole new one
    wait_for(lambda: QUESTION not in session.screen(), 10, "the question to go")
    _play_to_the_reveal(session)
    wait_for(lambda: _rows(home), 20, "the attempt to be saved")
    session.send("q")


def _play_to_the_reveal(tmux: Tmux) -> None:
    for key in ("Right", "Right", "Right", "Down", "Left"):
        tmux.send(key)
        time.sleep(0.1)
    tmux.send("r")


def _is_running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return ") Z " not in stat


def test_play_a_level_to_the_reveal_over_ssh(tmux: Tmux, home: Path) -> None:
    tmux.wait_text("KL", timeout=30)
    assert QUESTION not in tmux.screen()  # the host named this key's player
    _play_to_the_reveal(tmux)
    wait_for(lambda: _rows(home), 20, "the attempt to be saved")
    assert _rows(home) == [("alice", "gaussian")]
    assert _integrity(home) == "ok"
    tmux.send("q")


def test_dropped_connection_ends_the_game(tmux: Tmux, home: Path) -> None:
    marker = f"KLGAME_HOME={home}"
    tmux.wait_text("KL", timeout=30)
    tmux.send("Right")
    games = [
        pid
        for pid in processes_with_env(marker)
        if b"klgame" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    ]
    assert len(games) == 1, "the game is not running on the server side"
    client = tmux.pane_pid()
    assert Path(f"/proc/{client}/comm").read_text().strip() == "ssh"
    os.kill(client, signal.SIGKILL)  # the ssh client, without a goodbye
    wait_for(lambda: not _is_running(games[0]), 10, "the game to exit after the hangup")
    assert not processes_with_env(marker), "something of the session was left behind"
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


@pytest.fixture
def unnamed_server(tmp_path: Path, home: Path) -> Iterator[SshServer]:
    command = game_command(home, "--hosted", "play", "gaussian", "--seed", "1")
    ssh = SshServer(tmp_path, command, key_options=UNNAMED_KEY_OPTIONS)
    try:
        yield ssh
    finally:
        ssh.close()


def test_an_unnamed_key_is_asked_once_and_remembered(
    unnamed_server: SshServer, home: Path, tmp_path: Path
) -> None:
    name = "Quinn [b]q"  # q types; markup is kept as written
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    first = Tmux(first_dir, unnamed_server.ssh_argv("-tt"))
    try:
        first.wait_text(QUESTION, timeout=30)
        _answer_then_play(first, name, home)
    finally:
        first.kill()
    assert _rows(home) == [(name, "gaussian")]
    assert remembered_name(home, f"key:{unnamed_server.fingerprint}") == name

    second = Tmux(second_dir, unnamed_server.ssh_argv("-tt"))
    try:
        screen = second.wait_text("KL", timeout=30)
        assert QUESTION not in screen, "asked again"
        _play_to_the_reveal(second)
        wait_for(lambda: len(_rows(home)) == 2, 20, "the second attempt to be saved")
        second.send("q")
    finally:
        second.kill()
    assert _rows(home) == [(name, "gaussian"), (name, "gaussian")]
    assert _integrity(home) == "ok"


def test_a_name_another_key_holds_or_one_like_it_is_refused(tmp_path: Path, home: Path) -> None:
    """Alice's key is named by the host; Bob's key is asked. Bob answers
    ``alice``, then ``аlice`` with a Cyrillic ``а``, then ``ALICE``: each is
    refused with a reason and the question is asked again; ``bob`` is taken,
    and his score is saved under it, not Alice's."""
    command = game_command(home, "--hosted", "play", "gaussian", "--seed", "1")
    ssh = SshServer(tmp_path, command, extra_config=SERVER_OPTIONS, key_options=KEY_OPTIONS)
    bob_key, bob_public = ssh.new_client_key("bob_ed25519")
    with ssh.authorized_keys.open("a") as keys:
        keys.write(f"{UNNAMED_KEY_OPTIONS} {bob_public}\n")
    alice_dir, bob_dir = tmp_path / "alice", tmp_path / "bob"
    alice_dir.mkdir()
    bob_dir.mkdir()
    try:
        alice = Tmux(alice_dir, ssh.ssh_argv("-tt"))
        try:
            alice.wait_text("KL", timeout=30)  # named by the host: the name is hers now
            alice.send("q")
        finally:
            alice.kill()
        bob = Tmux(bob_dir, ssh.ssh_argv("-tt", key=bob_key))
        try:
            bob.wait_text(QUESTION, timeout=30)
            for answer, reason in [
                ("alice", "already taken on this host"),
                ("\u0430lice", "mixes Cyrillic and Latin letters"),
                ("ALICE", "already taken on this host"),
            ]:
                bob.send("-l", answer)
                bob.send("Enter")
                screen = bob.wait_text(reason, timeout=20)
                assert QUESTION in screen and "KL" not in screen.replace(QUESTION, "")
                assert answer not in screen.split(reason)[-1]  # a fresh, empty field
            _answer_then_play(bob, "bob", home)
        finally:
            bob.kill()
    finally:
        ssh.close()
    assert _rows(home) == [("bob", "gaussian")]
    bob_fingerprint = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(bob_key)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[1]
    assert remembered_name(home, f"key:{bob_fingerprint}") == "bob"
