"""Saving on a shared host: per-player limits, a full disk, a database that cannot be written.

Real processes throughout: the game in tmux (hosted mode), ``klgame scores``
as a subprocess, a small tmpfs mounted for the test (root only, as in CI),
``chattr +i`` where the file system has it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosting_harness import Tmux, wait_for

from klgame.hosting import limits
from klgame.store import Attempt, open_store

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("klgame.cli.game") is None,
        reason="the terminal game (klgame.cli.game) is not in this checkout",
    ),
]

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
DOCS = Path(__file__).parents[2] / "docs"


def _rows(home: Path) -> list[tuple[str, str | None]]:
    db = home / "scores.sqlite3"
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            return list(conn.execute("SELECT player, replay_path FROM attempts ORDER BY id"))
        except sqlite3.OperationalError:
            return []


def _hosted_game(root: Path, home: Path, **env: str) -> Tmux:
    argv = [
        "env",
        f"KLGAME_HOME={home}",
        "KLGAME_PLAYER=ada",
        "TERM=xterm-256color",
        *(f"{key}={value}" for key, value in env.items()),
        sys.executable,
        "-m",
        "klgame",
        "--hosted",
        "play",
        "gaussian",
        "--seed",
        "3",
    ]
    return Tmux(root, argv, width=140, height=45)


def _reveal(tmux: Tmux) -> str:
    """Nudge once, reveal, and return the reveal screen."""
    tmux.wait_text("KL", timeout=30)
    tmux.send("Right")
    time.sleep(0.2)
    tmux.send("r")
    return tmux.wait_text("revealed", timeout=30)


def _column_text(screen: str, start: str, lines: int = 4) -> str:
    """The words of a wrapped column that begins with *start*, as one line."""
    rows = screen.splitlines()
    for index, row in enumerate(rows):
        column = row.find(start)
        if column >= 0:
            return " ".join(" ".join(r[column:] for r in rows[index : index + lines]).split())
    raise AssertionError(f"{start!r} is not on the screen:\n{screen}")


def test_the_documented_defaults_are_the_code_s() -> None:
    text = (DOCS / "security.md").read_text()
    assert f"{limits.MAX_ATTEMPTS} scored attempts per player in any 10 minutes" in text
    assert limits.WINDOW_SECONDS == 600
    assert f"{limits.MAX_REPLAYS} replay files per player" in text


def test_attempts_beyond_the_rate_are_played_not_saved_and_old_replays_go(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    tmux = _hosted_game(tmp_path, home, KLGAME_MAX_ATTEMPTS="3", KLGAME_MAX_REPLAYS="2")
    try:
        screens = []
        for _ in range(5):
            screens.append(_reveal(tmux))
            tmux.send("n")  # try again: a new target
            wait_for(lambda: "revealed" not in tmux.screen(), 20, "the new target")
    finally:
        tmux.kill()
    for screen in screens[:3]:
        assert "Score saved." in screen, screen
    for screen in screens[3:]:
        # the score column wraps the sentence wherever its width says
        message = _column_text(screen, "Not saved:")
        assert "Not saved: this host saves 3 attempts per player in 10 minutes." in message
        assert "saving resumes within 10 minutes." in message, screen
        assert "Score saved" not in screen
    rows = _rows(home)
    assert [player for player, _ in rows] == ["ada"] * 3  # the fourth and fifth were not saved
    replays = sorted((home / "replays").iterdir())
    assert len(replays) == 2 and all(path.suffix == ".jsonl" for path in replays)
    assert rows[0][1] is None  # the oldest replay was pruned; its score stays
    assert sorted(Path(path) for _, path in rows[1:] if path) == replays


@contextlib.contextmanager
def _tmpfs(path: Path, size: str) -> Iterator[Path]:
    if not AS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(directory: Path) -> None:
    """Take every free byte of the file system ``directory`` is on."""
    with open(directory / "filler", "wb", buffering=0) as handle:
        chunk = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                handle.write(chunk)
                handle.flush()
        with contextlib.suppress(OSError):
            while True:
                handle.write(b"\0")
                handle.flush()


def _attempt(player: str, points: int) -> Attempt:
    return Attempt(
        player=player,
        level_id="gaussian",
        level_hash="sha256:0",
        seed=1,
        divergence=0.5,
        best=0.0,
        excess=0.5,
        stars=1,
        points=points,
        moves=3,
        hints=0,
        seconds=10.0,
    )


def test_a_full_disk_leaves_no_temporary_file_and_one_message(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "small", "1m") as mount:
        home = mount / "home"
        home.mkdir()
        with open_store(home / "scores.sqlite3"):
            pass
        (home / "replays").mkdir()
        _fill(mount)
        tmux = _hosted_game(tmp_path, home)
        try:
            screen = _reveal(tmux)
        finally:
            tmux.kill()
        left = sorted(path.name for path in (home / "replays").iterdir())
        assert not [name for name in left if name.endswith(".tmp")], left
        assert screen.count("not saved") + screen.count("Not saved") == 1, screen
        assert "scores not saved" not in screen  # no second "not saved" inside the first
        if "Score not saved:" in screen:
            assert "full" in screen, screen
            assert left == [] and _rows(home) == []  # no replay of an unsaved score
        else:
            assert "Score saved, but not its replay: No space left on device." in screen
            assert left == []


def _scores(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klgame", "scores"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KLGAME_HOME": str(home)},
    )


def _two_players(home: Path) -> None:
    home.mkdir(exist_ok=True)
    with open_store(home / "scores.sqlite3") as store:
        store.record(_attempt("ada", 700))
        store.record(_attempt("bob", 400))


def _shows_both(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert any(line.split()[:2] == ["gaussian", "ada"] and "700" in line for line in lines)
    assert any(line.split()[:2] == ["gaussian", "bob"] and "400" in line for line in lines)


def test_scores_reads_a_database_on_a_read_only_mount(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "4m") as mount:
        home = mount / "home"
        _two_players(home)
        remount = subprocess.run(
            ["mount", "-o", "remount,ro", str(mount)], capture_output=True, text=True
        )
        assert remount.returncode == 0, remount.stderr
        with pytest.raises(OSError):
            (home / "probe").write_text("x")  # really read-only
        _shows_both(_scores(home))


def test_scores_reads_an_immutable_database(tmp_path: Path) -> None:
    chattr = shutil.which("chattr")
    if chattr is None or not AS_ROOT:
        pytest.skip("chattr +i needs root and e2fsprogs")
    home = tmp_path / "home"
    _two_players(home)
    db = home / "scores.sqlite3"
    done = subprocess.run([chattr, "+i", str(db)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {done.stderr.strip()}")
    try:
        with pytest.raises(OSError):
            db.open("ab").close()  # really immutable, even to root
        _shows_both(_scores(home))
    finally:
        subprocess.run([chattr, "-i", str(db)], capture_output=True)


def test_the_game_on_a_read_only_database_says_so_once(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "4m") as mount:
        home = mount / "home"
        _two_players(home)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        tmux = _hosted_game(tmp_path, home)
        try:
            screen = _reveal(tmux)
        finally:
            tmux.kill()
        assert screen.count("not saved") + screen.count("Not saved") == 1, screen
        assert "Score not saved:" in screen, screen
        message = _column_text(screen, "Score not saved:", lines=6)
        assert "cannot be written (read-only file system)" in message, screen
