"""The installed ``klgame`` in a real terminal (tmux): keys in, screen text out,
the score row in the database at the end.

tmux is required (CI installs it): this test fails rather than skips without it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 100, 32


def klgame_command() -> list[str]:
    """The ``klgame`` script installed next to this interpreter, else ``-m klgame``."""
    script = Path(sys.executable).with_name("klgame")
    return [str(script)] if script.exists() else [sys.executable, "-m", "klgame"]


class Terminal:
    def __init__(self, tmp_path: Path, argv: list[str], env: dict[str, str]) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            pytest.fail("tmux is required for the real-terminal test (apt-get install tmux)")
        self.tmux = tmux
        self.socket = str(tmp_path / "tmux.sock")
        words = ["env", *(f"{k}={v}" for k, v in env.items()), *argv]
        self.run(
            "new-session",
            "-d",
            "-s",
            "game",
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            " ".join(_quote(w) for w in words),
        )

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-S", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def send(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "game", key)
            time.sleep(0.05)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "game")

    def alive(self) -> bool:
        return (
            subprocess.run(
                [self.tmux, "-S", self.socket, "has-session", "-t", "game"], capture_output=True
            ).returncode
            == 0
        )

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        return wait(lambda: text in self.screen(), timeout, f"{text!r} on screen", self.screen)

    def kill(self) -> None:
        subprocess.run([self.tmux, "-S", self.socket, "kill-server"], capture_output=True)


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def wait(check: Callable[[], bool], timeout: float, what: str, show: Callable[[], str]) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return show()
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{show()}")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "klgame-home"


@pytest.fixture
def terminal(tmp_path: Path, home: Path) -> Iterator[Terminal]:
    env = {"KLGAME_HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    argv = [*klgame_command(), "--player", "e2e", "play", "gaussian", "--seed", "1"]
    term = Terminal(tmp_path, argv, env)
    try:
        yield term
    finally:
        term.kill()


def test_play_to_the_score_in_a_real_terminal(terminal: Terminal, home: Path) -> None:
    screen = terminal.wait_for("reverse KL(q‖p)")
    assert "One Gaussian" in screen and "Mean" in screen and "Variance" in screen
    terminal.send("Right", "Right", "Right", "Down", "Left")
    screen = terminal.wait_for("4.90")
    assert "0.30" in screen  # the mean moved three steps
    terminal.send("r")
    screen = terminal.wait_for("points")
    assert "Score saved." in screen and "D*" in screen
    with sqlite3.connect(home / "scores.sqlite3") as conn:
        saved = list(conn.execute("SELECT player, level_id, seed, moves FROM attempts"))
    assert [(who, level, int(seed), moves) for who, level, seed, moves in saved] == [
        ("e2e", "gaussian", 1, 4)
    ]
    terminal.send("q")
    wait(lambda: not terminal.alive(), 10, "klgame to exit", terminal.screen)
    assert os.path.isdir(home / "replays") and os.listdir(home / "replays")
