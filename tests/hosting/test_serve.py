"""``klgame serve``: the game in a real headless Chromium, over textual-serve."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosting_browser import Browser
from hosting_harness import Served, processes_with_env, wait_for

pytestmark = pytest.mark.slow

needs_ui = pytest.mark.skipif(
    importlib.util.find_spec("klgame.cli.game") is None,
    reason="the terminal game (klgame.cli.game) is not in this checkout",
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_serve_listens_on_loopback_and_prints_the_url(served: Served) -> None:
    with urllib.request.urlopen(served.url, timeout=5) as reply:
        page = reply.read().decode()
    assert "<title>klgame</title>" in page or "klgame" in page
    assert f"ws://127.0.0.1:{served.port}/ws" in page
    assert f"serving on {served.url}" in served.stop()


def test_serve_refuses_a_bad_port() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "klgame", "serve", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert "--port" in done.stderr and "Traceback" not in done.stderr


def _attempts(home: Path) -> int:
    db = home / "scores.sqlite3"
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


@needs_ui
def test_a_browser_sees_the_title_screen_then_plays_a_level(served: Served, tmp_path: Path) -> None:
    async def play() -> None:
        browser = Browser(tmp_path / "chromium-profile")
        try:
            await browser.connect()
            await browser.goto(served.url)
            await browser.wait_text("One Gaussian", timeout=30)
            seen = len(await browser.screen_text())
            await browser.press("enter")
            await browser.wait_text("KL", timeout=20, since=seen)
            for key in ("right", "right", "down", "left"):
                await browser.press(key)
            seen = len(await browser.screen_text())
            await browser.press("r")
            # the reveal waits for the best fit, which a loaded machine is slow to finish
            await browser.wait_text("revealed", timeout=45, since=seen)
            for _ in range(80):
                if _attempts(served.home):
                    break
                await asyncio.sleep(0.25)
        finally:
            await browser.close()

    asyncio.run(asyncio.wait_for(play(), 120))
    assert _attempts(served.home) == 1


@needs_ui
def test_a_browser_is_asked_its_name_and_nothing_is_remembered(tmp_path: Path) -> None:
    served = Served(tmp_path, player=None)

    async def name_then_play() -> None:
        browser = Browser(tmp_path / "chromium-profile")
        try:
            await browser.connect()
            await browser.goto(served.url)
            await browser.wait_text("What should we call you?", timeout=30)
            for key in "ada":
                await browser.press(key)
            await browser.press("enter")
            await browser.wait_text("Player: ada", timeout=20)
            await browser.wait_text("One Gaussian", timeout=20)
        finally:
            await browser.close()

    try:
        asyncio.run(asyncio.wait_for(name_then_play(), 60))
    finally:
        served.stop()
    assert not (served.home / "hosted-names").exists()  # browser visitors share one login


@needs_ui
def test_a_killed_server_leaves_no_game_behind(tmp_path: Path) -> None:
    """``klgame serve`` killed outright (no chance to end its games): each
    game sees its output pipe go unread and exits."""
    served = Served(tmp_path)
    marker = f"KLGAME_HOME={served.home}"

    def games() -> list[int]:
        return [pid for pid in processes_with_env(marker) if pid != served.process.pid]

    async def open_a_game() -> None:
        browser = Browser(tmp_path / "chromium-profile")
        try:
            await browser.connect()
            await browser.goto(served.url)
            await browser.wait_text("One Gaussian", timeout=30)
            assert games(), "no game process for the browser tab"
            os.kill(served.process.pid, signal.SIGKILL)  # the server only, not its group
            served.process.wait(10)
        finally:
            await browser.close()

    try:
        asyncio.run(asyncio.wait_for(open_a_game(), 60))
        wait_for(lambda: not games(), 10, "the game to exit once its server is gone")
    finally:
        leftover = games()
        for pid in leftover:
            os.kill(pid, signal.SIGKILL)
        served.stop()
