"""The level list at every size: no entry wraps in the middle of a field."""

from __future__ import annotations

import re

import pytest
from ui_helpers import MakeApp, screen_text

from klgame.ui.screens.title import TitleScreen

SIZES = [(60, 20), (80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_no_level_entry_wraps_mid_field(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("right", "r")  # a saved result: the widest entry
        await pilot.pause()
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        listed = app.screen.levels
        title = app.screen
        for level in listed:  # each entry in view in turn: every one is drawn
            title.highlight(level.id)
            await pilot.pause()
            text = screen_text(app)
            lines = [line.rstrip() for line in text.splitlines()]
            # a result is whole on its line: stars, points and "pts" together
            for line in lines:
                assert not re.fullmatch(r"\s*pts\s*", line), text
                if "pts" in line:
                    assert re.search(r"[★☆]{3}\s+\d+ pts", line), line
        text = screen_text(app)
        for level in listed[-1:]:  # the last entry (in view now): its title on one line
            assert any(level.title in line for line in text.splitlines()), text
        if size[0] >= 80:  # the details on the title's line
            first = next(line for line in text.splitlines() if listed[-1].title in line)
            assert "not played" in first or "pts" in first


async def test_the_list_is_laid_out_again_on_resize(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "reverse KL(q‖p)" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        assert "reverse KL(q‖p)" not in text and "KL(q‖p)" in text
