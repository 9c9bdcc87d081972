"""What one nudge costs: the grid is made once per target and the guess once per key."""

from __future__ import annotations

from typing import Any

import pytest
from ui_helpers import MakeApp

from klgame.engine.families import GaussianFamily
from klgame.ui import figures
from klgame.ui.screens.play import PlayScreen


async def test_a_nudge_builds_the_guess_once_and_reuses_the_grid(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"grid": 0, "build": 0}
    grid, build = figures.grid, GaussianFamily.build

    def counted_grid(*args: Any) -> Any:
        calls["grid"] += 1
        return grid(*args)

    def counted_build(self: GaussianFamily, values: Any) -> Any:
        calls["build"] += 1
        return build(self, values)

    monkeypatch.setattr(figures, "grid", counted_grid)
    monkeypatch.setattr(GaussianFamily, "build", counted_build)
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        before = dict(calls)
        for _ in range(5):
            await pilot.press("right")
        await pilot.pause()
        assert app.screen.player.state.moves == 5
        assert calls["grid"] == before["grid"]  # the same target: the same x grid
        assert calls["build"] - before["build"] == 5  # the guess, once per key


async def test_the_first_move_turns_undo_on_in_the_footer_without_building_it_again(
    make_app: MakeApp,
) -> None:
    from textual.widgets._footer import FooterKey

    app = make_app(start_level="gaussian")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one("KeyFooter")
        keys = list(footer.query(FooterKey))
        undo = next(key for key in keys if key.action == "undo")
        assert undo.has_class("-disabled")  # nothing to undo yet: shown greyed
        start = app.screen.player.state.current_values
        await pilot.press("right")
        await pilot.pause()
        assert list(footer.query(FooterKey)) == keys  # the same widgets, restyled
        assert not undo.has_class("-disabled")
        await pilot.click(undo)  # and it works as a fresh footer's key would
        await pilot.pause()
        assert app.screen.player.state.current_values == start
        assert not app.screen.player.state.can_undo
        assert undo.has_class("-disabled")
        await pilot.press("b")  # units: the keys stay the same
        await pilot.press("question_mark")  # a key that changes what the footer shows
        await pilot.pause()
