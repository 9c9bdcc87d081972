"""One rule for leaving an attempt: every way out with moves asks the same
question; after the reveal nothing asks."""

from __future__ import annotations

import pytest
from ui_helpers import MakeApp, screen_text

from klgame.ui.app import KLGame
from klgame.ui.screens.dialogs import ConfirmScreen
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.reveal import RevealScreen

SIZE = (100, 32)


async def palette_jump(pilot: object, words: str) -> None:
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press(*words)  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.mark.parametrize("way", ["q", "escape", "n", "palette"])
async def test_every_way_out_of_an_attempt_with_moves_asks_the_same(
    make_app: MakeApp, way: str
) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "right")
        play = app.screen
        assert isinstance(play, PlayScreen)
        seed = play.player.state.seed

        async def go_out() -> None:
            if way == "palette":
                await palette_jump(pilot, "play three states")
            else:
                await pilot.press(way)
                await pilot.pause()

        await go_out()
        assert isinstance(app.screen, ConfirmScreen)
        # one question, which says so when the way out quits the game
        expected = KLGame.QUIT_QUESTION if way == "q" else KLGame.LEAVE_QUESTION
        assert app.screen.question == expected
        assert "abandon this attempt?" in screen_text(app).lower()
        assert ("Quit klgame" in screen_text(app)) == (way == "q")
        await pilot.press("n")  # no: the attempt is still there, as it was
        await pilot.pause()
        assert app.screen is play and play.player.state.moves == 2
        assert play.player.state.seed == seed
        await go_out()
        await pilot.press("y")
        await pilot.pause()
        if way == "q":
            assert not app.is_running
        elif way == "escape":
            assert not isinstance(app.screen, PlayScreen)
        elif way == "n":
            assert app.screen is play and play.player.state.moves == 0
            assert play.player.state.attempt == 2
        else:
            assert isinstance(app.screen, PlayScreen) and app.screen.level.id == "three-states"


async def test_after_the_reveal_nothing_asks(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        await pilot.press("escape")  # keep playing: free play
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen) and play.player.state.revealed
        await pilot.press("right", "n")  # a new target, no question
        await pilot.pause()
        assert app.screen is play and play.player.state.attempt == 2
        await pilot.press("r")  # reveal the new attempt at once (no moves)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("left")
        await palette_jump(pilot, "play three states")
        assert isinstance(app.screen, PlayScreen) and app.screen.level.id == "three-states"
