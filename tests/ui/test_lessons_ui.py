"""Lessons in the game itself: level 3 is played against the target the
player just had on level 2, and the reveal says what the attempt found."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import MakeApp, screen_text

from klgame.levels.loader import load_catalog
from klgame.ui.app import KLGame
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.reveal import RevealScreen
from klgame.ui.screens.title import TitleScreen
from klgame.ui.world import World

SIZE = (120, 40)


def play_screen(app: KLGame) -> PlayScreen:
    screen = app.screen
    assert isinstance(screen, PlayScreen), f"expected the play screen, got {screen!r}"
    return screen


def test_a_level_that_shares_a_target_takes_the_seed_of_the_last_attempt():
    catalog = load_catalog()
    world = World(catalog, "tester")
    reverse, forward = catalog.get("two-peaks-reverse"), catalog.get("two-peaks-forward")
    first = world.new_session(reverse)
    assert world.new_session(forward).state.seed == first.state.seed
    assert world.new_session(forward).state.target == first.state.target
    again = world.new_session(reverse)  # a new attempt at level 2: a new seed, followed
    assert world.seed_for(forward) == again.state.seed
    fixed = World(catalog, "tester", seed=5)  # a seed asked for is the seed of every level
    fixed.new_session(reverse)
    assert fixed.seed_for(forward) == 5


async def test_from_level_2_to_level_3_on_the_same_target(make_app: MakeApp, home: Path) -> None:
    app = make_app(seed=None, start_level="two-peaks-reverse")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        await pilot.press("n")  # a new target: the seed of the last attempt moves on
        await pilot.pause()
        seed = play.player.state.seed
        target = play.player.state.target
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        await pilot.press("enter")
        await pilot.pause()
        third = play_screen(app)
        assert third.level.id == "two-peaks-forward"
        assert third.player.state.seed == seed and third.player.state.target == target
        assert f"seed {seed}" in screen_text(app)
        await pilot.press("r", "c")  # this level asks a question first: c answers it
        await pilot.pause()
        reveal = app.screen
        assert isinstance(reveal, RevealScreen)
        text = screen_text(app)
        assert "Both answers, both ways (nats)" in text
        assert "+++ KL(q‖p)" in text  # the other direction's answer, drawn
        lesson = str(reveal.query_one("#lesson-text").render())
        assert "The plot shows both best answers for this one target" in lesson


async def test_from_the_title_after_playing_level_2(make_app: MakeApp, home: Path) -> None:
    app = make_app(seed=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        play = play_screen(app)
        assert play.level.id == "two-peaks-reverse"
        seed = play.player.state.seed
        await pilot.press("escape")  # no moves: straight back to the list
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        third = play_screen(app)
        assert third.level.id == "two-peaks-forward" and third.player.state.seed == seed


async def test_the_reveal_on_the_lighter_peak_says_so(make_app: MakeApp, home: Path) -> None:
    app = make_app(seed=3, start_level="two-peaks-reverse")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # mean 0 → -2.4, variance 1 → 0.6: the lighter, left peak of seed 3
        await pilot.press(*["shift+left"] * 2, *["left"] * 4, "down")
        await pilot.press(*["left"] * 4, "r")
        await pilot.pause()
        reveal = app.screen
        assert isinstance(reveal, RevealScreen)
        lesson = " ".join(str(reveal.query_one("#lesson-text").render()).split())
        assert "You found a low point (0.8143 nats) on the lighter peak" in lesson
        assert "the lowest is 0.5847 nats, on the other one" in lesson
        assert "low point" in screen_text(app)  # the legend of the other low point's curve
