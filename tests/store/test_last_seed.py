"""A level that shares another's target is played against the seed of the
player's latest attempt at that other level -- across separate runs of
``klgame`` too: the seed comes from the saved attempts.

The store's answer on both backends; then two real runs of ``klgame`` in a
terminal (tmux): level 2 played and revealed, the game quit; a new run,
level 3 chosen on the title screen and revealed: its saved seed is level 2's.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from klgame.store import open_store


def test_last_seed_is_the_latest_free_play_attempt(home: Path, make_attempt) -> None:
    with open_store() as store:
        assert store.last_seed("ada", "two-peaks-reverse") is None
        level = {"level_id": "two-peaks-reverse"}
        store.record(make_attempt(**level, seed=11, finished_at="2024-05-01T12:00:00.000+00:00"))
        store.record(make_attempt(**level, seed=22, finished_at="2024-05-03T12:00:00.000+00:00"))
        store.record(make_attempt(**level, seed=33, finished_at="2024-05-02T12:00:00.000+00:00"))
        # neither a class's attempt, nor another player's, nor another level's
        store.record(
            make_attempt(**level, seed=44, board="class:K7QMX", finished_at="2024-06-01T00:00Z")
        )
        store.record(make_attempt(**level, seed=55, player="bob", finished_at="2024-06-01T00:00Z"))
        store.record(make_attempt(seed=66, finished_at="2024-06-01T00:00:00.000+00:00"))
    with open_store() as store:
        assert store.last_seed("ada", "two-peaks-reverse") == 22
        assert store.last_seed("ada\u200b", "two-peaks-reverse") == 22  # one rule for names
        assert store.last_seed("bob", "two-peaks-reverse") == 55
        assert store.last_seed("cy", "two-peaks-reverse") is None


def _klgame() -> list[str]:
    script = Path(sys.executable).with_name("klgame")
    return [str(script)] if script.exists() else [sys.executable, "-m", "klgame"]


class _Terminal:
    """One run of ``klgame`` in a private tmux server."""

    def __init__(self, root: Path, home: Path, *args: str) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            pytest.fail("tmux is required for the real-terminal test (apt-get install tmux)")
        self.argv = [tmux, "-S", str(root / "tmux.sock"), "-f", "/dev/null"]
        words = ["env", "-u", "COLUMNS", "-u", "LINES", f"KLGAME_HOME={home}"]
        words += ["TERM=xterm-256color", "LANG=C.UTF-8", *_klgame(), *args]
        command = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
        self.run("new-session", "-d", "-s", "game", "-x", "100", "-y", "32", command)

    def run(self, *args: str) -> str:
        done = subprocess.run([*self.argv, *args], capture_output=True, text=True, timeout=10)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "game")

    def send(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "game", key)
            time.sleep(0.1)

    def wait_for(self, text: str, timeout: float = 40) -> str:
        return _wait(lambda: text in self.screen(), timeout, repr(text), self.screen)

    def alive(self) -> bool:
        return self.run("list-sessions").strip() != ""

    def kill(self) -> None:
        subprocess.run([*self.argv, "kill-server"], capture_output=True, timeout=10)


def _wait(check: Callable[[], bool], timeout: float, what: str, show: Callable[[], str]) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return show()
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{show()}")


def _seeds(home: Path, level_id: str) -> list[tuple[str, int]]:
    with sqlite3.connect(home / "scores.sqlite3") as conn:
        rows = conn.execute(
            "SELECT player, seed FROM attempts WHERE level_id = ? ORDER BY id", (level_id,)
        )
        return [(player, int(seed)) for player, seed in rows]


def _quit(terminal: _Terminal) -> None:
    terminal.send("q")
    for _ in range(3):  # a question (leave?) may come first: yes
        if not terminal.alive():
            return
        time.sleep(1)
        terminal.send("y")
    _wait(lambda: not terminal.alive(), 15, "klgame to exit", terminal.screen)


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_level_3_in_a_later_run_has_level_2_s_target(tmp_path: Path, home: Path) -> None:
    first = _Terminal(tmp_path, home, "--player", "ann", "play", "two-peaks-reverse")
    try:
        first.wait_for("reverse KL(q‖p)")
        first.send("Right", "r")
        first.wait_for("points")
        _quit(first)
    finally:
        first.kill()
    ((_, seed),) = _seeds(home, "two-peaks-reverse")

    for player in ("ann", "bob"):  # bob never played level 2: a seed of his own
        later = _Terminal(tmp_path, home, "--player", player)
        try:
            later.wait_for("Player:")
            screen = later.screen()
            assert "3. " in screen
            later.send("Down", "Down", "Enter")  # the title screen: level 3
            later.wait_for("forward KL(p‖q)")
            later.send("r")
            later.wait_for("Press a, b, c to answer")  # its question first
            later.send("c")
            later.wait_for("points")
            _quit(later)
        finally:
            later.kill()
    saved = _seeds(home, "two-peaks-forward")
    assert [player for player, _ in saved] == ["ann", "bob"]
    assert saved[0][1] == seed
    assert saved[1][1] != seed
