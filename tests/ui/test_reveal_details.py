"""Details of the reveal and the screens around it: ghost curves told apart
in the legend, a clean hand-over after n and ⏎, a replay's footer."""

from __future__ import annotations

from ui_helpers import MakeApp, screen_text

from klgame.core import actions as A
from klgame.core.lesson import outcome
from klgame.core.rules import apply, new_game
from klgame.levels.loader import Catalog
from klgame.ui.lesson_views import ghosts
from klgame.ui.screens.reveal import RevealScreen


def test_several_low_points_share_one_legend_entry(catalog: Catalog) -> None:
    level = catalog.get("two-peaks-reverse")
    state = apply(new_game(level, 0), A.Reveal())  # seed 0: three low points
    found = outcome(state, None)
    assert len(found.optima) == 3
    extra = ghosts(state, found, None)
    assert [name for name, _, _ in extra] == ["low points 2, 3", ""]
    assert {role for _, _, role in extra} == {"other"}


async def test_the_reveal_legend_names_each_marker_once(make_app: MakeApp) -> None:
    app = make_app(start_level="two-peaks-reverse", seed=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        legend = screen_text(app).splitlines()[1]
        assert legend.count("+++") == 1 and "+++ low points 2, 3" in legend


async def test_n_on_the_reveal_comes_back_with_the_new_attempts_footer(make_app: MakeApp) -> None:
    from textual import events
    from textual.widgets._footer import FooterKey

    app = make_app(start_level="gaussian")
    on_return: list[list[str]] = []  # the play screen's footer as it shows again

    def hook(message: object) -> None:
        play = app.playing()
        if isinstance(message, events.ScreenResume) and play is not None and app.screen is play:
            on_return.append(
                [key.description + " (off)" * key._disabled for key in play.query(FooterKey)]
            )

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await pilot.pause()
        await pilot.press("right", "right", "r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        on_return.clear()
        await pilot.press("n")
        await pilot.pause(0.2)
        play = app.playing()
        assert app.screen is play and play is not None and play.player.state.attempt == 2
        assert on_return, "the play screen never showed again"
        keys = on_return[0]
        # the new attempt's keys: nothing to undo yet (greyed), no autopilot
        assert "Reveal" in keys and "Undo (off)" in keys and "Autopilot" not in keys, keys


async def test_enter_on_the_reveal_goes_straight_to_the_next_level(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right", "r")
        await pilot.pause()
        old = app.playing()
        assert isinstance(app.screen, RevealScreen) and old is not None
        shown: list[object] = []
        # what is on top every 2 ms, read from the stack (it can be empty for a moment)
        watch = app.set_interval(0.002, lambda: shown.extend(app.screen_stack[-1:]))
        await pilot.press("enter")
        for _ in range(30):  # a loaded machine takes longer to open the next level
            await pilot.pause(0.1)
            new = app.playing()
            if new is not None and new is not old:
                break
        watch.stop()
        assert new is not None and new is not old and new.level.id == "two-peaks-reverse"
        assert old not in shown  # the old level never showed again


async def test_a_replay_reminds_of_no_key_it_does_not_take(
    make_app: MakeApp, catalog: Catalog
) -> None:
    from pathlib import Path

    from klgame.core.replay import read_replay
    from klgame.ui.screens.watch import WatchScreen

    path = Path(__file__).parents[1] / "replays" / "finale.jsonl"
    replay = read_replay(path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        watch = WatchScreen(replay, catalog.get("finale"), speed=0.01)
        app.push_screen(watch)
        await pilot.pause()
        message = watch.query_one("#message").render()
        assert "Watching a replay" in str(message)
        assert "nudge" not in str(message) and "reveal" not in str(message)
        bottom = screen_text(app).splitlines()[-1]
        assert "Nudge" not in bottom and "Reveal" not in bottom and "q Quit" in bottom
