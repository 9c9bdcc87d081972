"""Every size: 60×20 reaches every knob without losing the big number, 80×24
shows the whole reveal, the footer keeps the game's keys, resizing keeps state."""

from __future__ import annotations

from ui_helpers import MakeApp, screen_text

from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.reveal import RevealScreen
from klgame.ui.widgets import DivergencePanel


async def test_60x20_reaches_every_knob_and_keeps_the_big_number(make_app: MakeApp) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        panel = play.query_one(DivergencePanel)
        labels = [spec.label for spec in play.player.state.free_params]
        assert len(labels) == 6
        for index, label in enumerate(labels):
            if index:
                await pilot.press("down")
                await pilot.pause()
            lines = screen_text(app).splitlines()
            assert any(f"▶ {label}" in line for line in lines), label
            # the big number: all of its rows on screen, under its label
            assert panel.region.y >= 1 and panel.region.height == panel.virtual_region.height
            assert any("reverse KL(q‖p) · nats" in line for line in lines[:3])
        footer = screen_text(app).splitlines()[-1]
        assert "Nudge" in footer and "Reveal" in footer and "Quit" in footer


async def test_80x24_shows_the_whole_reveal(make_app: MakeApp) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right", "r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        text = screen_text(app)
        for words in ("points", "D* ", "excess", "moves 1", "yours", "best", "Variance 3"):
            assert words in text, words
        lesson = app.screen.level.reveal.split()
        assert " ".join(lesson[:5]) in text  # the lesson starts on screen


async def test_resizing_at_any_moment_keeps_the_game(make_app: MakeApp) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        await pilot.press("right", "down", "down", "left", "b")
        before = play.player.state
        for size in [(60, 20), (80, 24), (200, 60), (40, 12), (120, 40)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
        assert app.screen is play and play.player.state is before
        assert before.units == "bits" and "· bits ·" in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        reveal = app.screen
        assert isinstance(reveal, RevealScreen)
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.resize_terminal(100, 32)
        await pilot.pause()
        assert app.screen is reveal and "points" in screen_text(app)
