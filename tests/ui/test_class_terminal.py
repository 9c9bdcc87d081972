"""Classes and the daily challenge in real terminals: separate klgame processes,
each in its own tmux server (private sockets), read off their screens."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_terminal import _quote, klgame_command, wait

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 160, 36


def expected_seed(base_seed: int, level_id: str) -> int:
    """docs/classroom.md's formula, worked out here with hashlib."""
    digest = hashlib.sha256(f"klgame board {base_seed} level {level_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 2**31


class Player:
    """One klgame in a terminal of its own."""

    def __init__(self, folder: Path, argv: list[str], env: dict[str, str]) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            pytest.fail("tmux is required for the real-terminal tests (apt-get install tmux)")
        folder.mkdir(parents=True, exist_ok=True)
        self.tmux, self.socket = tmux, str(folder / "tmux.sock")
        words = ["env", *(f"{k}={v}" for k, v in env.items()), *argv]
        self.run(
            "new-session", "-d", "-s", "game", "-x", str(WIDTH), "-y", str(HEIGHT),
            " ".join(_quote(w) for w in words),
        )  # fmt: skip

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-S", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "game")

    def send(self, key: str) -> None:
        self.run("send-keys", "-t", "game", key)

    def seed(self) -> int:
        screen = wait(
            lambda: re.search(r"seed (\d+)", self.screen()) is not None,
            30,
            "the heading with the seed",
            self.screen,
        )
        found = re.search(r"seed (\d+)", screen)
        assert found is not None
        return int(found.group(1))

    def kill(self) -> None:
        subprocess.run([self.tmux, "-S", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "KLGAME_HOME": str(tmp_path / "klgame-home"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }


@pytest.fixture
def players(tmp_path: Path, env: dict[str, str]) -> Iterator[list[Player]]:
    started: list[Player] = []
    yield started
    for player in started:
        player.kill()


def _klgame(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*klgame_command(), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_players_in_a_class_share_targets_a_third_outside_does_not(
    tmp_path: Path, env: dict[str, str], players: list[Player]
) -> None:
    import os

    full_env = {**os.environ, **env}
    opened = _klgame(full_env, "class", "open", "--code", "K7QMX", "--title", "Stats 1")
    assert "klgame --class K7QMX" in opened
    for name, extra in (("ann", ["--class", "K7QMX"]), ("bob", ["--class", "k7qmx"]), ("cy", [])):
        argv = [*klgame_command(), "--player", name, *extra, "play", "two-peaks-reverse"]
        players.append(Player(tmp_path / name, argv, env))
    ann, bob, cy = (player.seed() for player in players)
    assert ann == bob
    assert cy != ann
    assert "class K7QMX" in players[0].screen()

    import sqlite3

    with sqlite3.connect(Path(env["KLGAME_HOME"]) / "scores.sqlite3") as conn:
        (base,) = conn.execute("SELECT seed FROM classes WHERE code = 'K7QMX'").fetchone()
        members = [row[0] for row in conn.execute("SELECT player FROM members ORDER BY player")]
    assert ann == expected_seed(int(base), "two-peaks-reverse")
    assert members == ["ann", "bob"]

    # Both reveal; the attempts count on the class's board, and the report says so.
    for player in players[:2]:
        player.send("r")
    for player in players[:2]:
        wait(lambda p=player: "Score saved." in p.screen(), 30, "the score saved", player.screen)
    with sqlite3.connect(Path(env["KLGAME_HOME"]) / "scores.sqlite3") as conn:
        saved = sorted(conn.execute("SELECT player, seed, board, points FROM attempts"))
    assert [(who, int(seed), board) for who, seed, board, _ in saved] == [
        ("ann", ann, "class:K7QMX"),
        ("bob", ann, "class:K7QMX"),
    ]
    report = list(
        csv.DictReader(io.StringIO(_klgame(full_env, "class", "report", "K7QMX", "--csv")))
    )
    assert sorted((r["player"], int(r["points"])) for r in report) == sorted(
        (who, points) for who, _, _, points in saved
    )


def test_the_daily_challenge_is_the_same_in_two_processes_and_changes_with_the_date(
    tmp_path: Path, env: dict[str, str], players: list[Player]
) -> None:
    for name, day in (("a", "2026-12-03"), ("b", "2026-12-03"), ("c", "2026-12-04")):
        argv = [*klgame_command(), "--player", name, "--daily", day, "play", "gaussian"]
        players.append(Player(tmp_path / name, argv, env))
    first, second, next_day = (player.seed() for player in players)
    assert first == second != next_day
    base = int.from_bytes(hashlib.sha256(b"klgame daily 2026-12-03").digest()[:8], "big") % 2**31
    assert first == expected_seed(base, "gaussian")
    assert "daily 2026-12-03" in players[0].screen()
