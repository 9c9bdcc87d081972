"""The title screen's daily challenge (d) and joining a class by code (c)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from klgame.core.boards import daily_board
from klgame.levels.loader import load_catalog
from klgame.store import open_store
from klgame.ui.app import KLGame
from klgame.ui.screens.join import JoinClassScreen
from klgame.ui.screens.play import PlayScreen
from klgame.ui.world import World


async def test_joining_a_class_from_the_title_gives_its_targets(tmp_path: Path) -> None:
    with open_store(tmp_path / "scores.sqlite3") as store:
        store.open_class("K7QMX", "Stats", 77, "teacher")
        world = World(load_catalog([]), "ann", store=store)
        app = KLGame(world)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("c")
            assert isinstance(app.screen, JoinClassScreen)
            await pilot.press(*"QQQQQ", "enter")  # no such class: asked again, saying why
            assert isinstance(app.screen, JoinClassScreen)
            assert "no class QQQQQ" in str(app.screen.query_one("#join-note").render())
            await pilot.press("escape")
            assert world.board is None
            await pilot.press("c", *"k7qmx", "enter")
            assert world.board is not None and world.board.key == "class:K7QMX"
            assert store.members("K7QMX") == ["ann"]
            assert "class K7QMX" in str(app.screen.query_one("#title-player").render())
            await pilot.press("enter")  # play the first level
            assert isinstance(app.screen, PlayScreen)
            level = app.screen.level
            assert world.sessions[level.id].state.seed == world.board.seed_for(level.id)


async def test_the_daily_challenge_from_the_title(tmp_path: Path) -> None:
    world = World(load_catalog([]), "ann")
    app = KLGame(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        today = world.board
        assert today is not None and today.kind == "daily"
    # The same world, with the clock injected: the board follows the date.
    assert world.play_daily(lambda: date(2026, 12, 3)) == daily_board(date(2026, 12, 3))
    assert world.play_daily(lambda: date(2026, 12, 4)).seed_for("gaussian") != daily_board(
        date(2026, 12, 3)
    ).seed_for("gaussian")


async def test_r_asks_the_question_first_then_reveals_with_the_verdict(tmp_path: Path) -> None:
    from klgame.ui.screens.question import QuestionScreen
    from klgame.ui.screens.reveal import RevealScreen

    with open_store(tmp_path / "scores.sqlite3") as store:
        world = World(load_catalog([]), "ann", store=store, seed=5)
        app = KLGame(world, start_level="two-peaks-forward")
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            assert isinstance(app.screen, QuestionScreen)
            await pilot.press("escape")  # not yet: back to the guess, nothing revealed
            assert isinstance(app.screen, PlayScreen)
            assert not world.sessions["two-peaks-forward"].state.revealed
            await pilot.press("r", "b")
            await pilot.pause()
            assert isinstance(app.screen, RevealScreen)
            text = str(app.screen.query_one("#score-text").render())
            assert "Prediction b: ✗ not quite" in text and "answer: c" in text
        saved = store.best("ann", "two-peaks-forward")
    assert saved is not None and (saved.answer, saved.answer_correct) == ("b", False)
