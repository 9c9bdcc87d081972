"""The leaderboard screen updates within a second of another process scoring,
on both stores, without reading the table while nothing changes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from klgame.core.boards import class_board
from klgame.levels.loader import load_catalog
from klgame.store import open_store
from klgame.ui.app import KLGame
from klgame.ui.screens.leaderboard import LeaderboardScreen
from klgame.ui.world import World

SCORE = """
import sys, time
from klgame.store import Attempt, open_store
with open_store() as store:
    store.record(Attempt(player=sys.argv[1], level_id="gaussian", level_hash="h", seed=1,
        divergence=0.01, best=0.0, excess=0.01, stars=3, points=int(sys.argv[2]), moves=3,
        hints=0, seconds=9.0, board="class:K7QMX"))
    print(time.time(), flush=True)
"""


def _score(env: dict[str, str], player: str, points: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", SCORE, player, str(points)],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return float(done.stdout)


async def test_the_leaderboard_follows_another_process(
    home: Path, child_env: dict[str, str], make_attempt
) -> None:
    board = class_board("K7QMX", 5)
    with open_store() as store:
        store.record(make_attempt(player="me", level_id="gaussian", points=500, board=board.key))
        store.record(make_attempt(player="free", level_id="gaussian", points=999))  # other board
        world = World(load_catalog([]), "me", store=store, board=board)
        app = KLGame(world)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("s")  # the first level, gaussian, is highlighted
            screen = app.screen
            assert isinstance(screen, LeaderboardScreen)
            assert [a.player for a in screen.rows] == ["me"]
            text = str(screen.query_one("#leaderboard-table").render())
            assert "▶" in text and "me" in text and "free" not in text

            # Idle: the table is not read again while nobody scores.
            reads = screen.updates
            await asyncio.sleep(1.2)
            assert screen.updates == reads

            for player, points in (("rival", 900), ("third", 100)):
                loop = asyncio.get_running_loop()
                committed = await loop.run_in_executor(None, _score, child_env, player, points)
                while player not in [a.player for a in screen.rows]:
                    assert time.time() - committed < 1.0, f"{player} not shown within 1 s"
                    await asyncio.sleep(0.02)
            assert [a.player for a in screen.rows] == ["rival", "me", "third"]
            text = str(screen.query_one("#leaderboard-table").render())
            lines = [line for line in text.splitlines() if "rival" in line or "me " in line]
            assert lines[0].lstrip().startswith("1") and lines[1].startswith("▶")
