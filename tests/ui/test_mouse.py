"""The mouse on the sliders, through Textual's Pilot: click, drag, wheel, and
a held key that speeds up; every value recorded as an action and replayed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from ui_helpers import MakeApp

from klgame.core import actions as A
from klgame.core.replay import read_replay
from klgame.core.rules import apply_all, new_game
from klgame.ui.screens.play import PlayScreen
from klgame.ui.widgets import ParamPanel

SIZE = (120, 40)


def thumb_column(panel: ParamPanel, row: int) -> int:
    """Where ● is drawn on the panel's ``row`` (read off the screen)."""
    text = panel.render_lines(panel.region.reset_offset)[row].text
    return text.index("●")


async def test_click_drag_and_wheel_on_a_slider(make_app: MakeApp, tmp_path: Path) -> None:
    record = tmp_path / "mouse.jsonl"
    app = make_app(start_level="finale", record_path=record)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        panel = play.query_one(ParamPanel)
        spec = play.player.state.free_params[2]  # Mean 2: -10 … 10
        row = 1 + 2
        first, track, _ = panel._track(spec, 0.0)
        # a click on the track's last cell: the maximum, and Mean 2 is selected
        await pilot.click(panel, offset=(first + track - 1, row))
        await pilot.pause()
        state = play.player.state
        assert state.current_values["mean2"] == spec.max and state.selected == 2
        assert state.moves == 1
        assert thumb_column(panel, row) == first + track - 1
        # a drag along the track follows the pointer, and is one move
        await pilot.mouse_down(panel, offset=(first + 2, row))
        await pilot.hover(panel, offset=(first + 4, row))
        await pilot.hover(panel, offset=(first + track // 2, row))
        await pilot.mouse_up(panel, offset=(first + track // 2, row))
        await pilot.pause()
        state = play.player.state
        middle = spec.min + (track // 2) / (track - 1) * (spec.max - spec.min)
        assert state.current_values["mean2"] == pytest.approx(middle, abs=spec.step / 2)
        assert state.moves == 2
        # a drag that starts on the thumb moves one step per cell
        here = state.current_values["mean2"]
        thumb = thumb_column(panel, row)
        await pilot.mouse_down(panel, offset=(thumb, row))
        await pilot.hover(panel, offset=(thumb + 3, row))
        await pilot.mouse_up(panel, offset=(thumb + 3, row))
        await pilot.pause()
        state = play.player.state
        assert state.current_values["mean2"] == pytest.approx(here + 3 * spec.step)
        assert state.moves == 3
        # the wheel over another slider nudges that one, one step
        before = state.current_values["variance3"]
        await pilot._post_mouse_events([events.MouseScrollUp], panel, offset=(first, 1 + 5))
        await pilot.pause()
        state = play.player.state
        assert state.current_values["variance3"] == pytest.approx(before + 0.1)
        assert state.selected == 5 and state.moves == 4
        final = state
    # every mouse value was recorded: the pure rules replay it exactly
    replay = read_replay(record)
    assert any(isinstance(a, A.Set) and a.continues for a in replay.actions)
    replayed = apply_all(new_game(final.level, replay.header.seed), replay.actions)
    assert replayed.values == final.values and replayed.moves == final.moves


async def test_a_held_key_speeds_up_and_a_new_press_starts_slow(make_app: MakeApp) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        clock = [0.0]
        play.now = lambda: clock[0]
        start = play.player.state.current_values["mean1"]
        for _ in range(12):  # the terminal repeating a held key, 30 times a second
            await pilot.press("right")
            clock[0] += 1 / 30
        moved = play.player.state.current_values["mean1"] - start
        assert moved == pytest.approx(0.1 * (5 * 1 + 5 * 2 + 2 * 5))  # 1, then 2, then 5 steps
        assert play.player.state.moves == 12
        clock[0] += 1.0  # let go
        here = play.player.state.current_values["mean1"]
        await pilot.press("left")
        assert play.player.state.current_values["mean1"] == pytest.approx(here - 0.1)
