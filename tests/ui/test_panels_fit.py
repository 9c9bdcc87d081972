"""The cousins and estimate panels fit the side column at 80×24 on every
built-in level: shown, each lies wholly inside the column's visible area,
and no line is wider than the column (so none wraps)."""

from __future__ import annotations

import pytest
from ui_helpers import MakeApp

from klgame.levels.loader import load_catalog
from klgame.ui.cousins import cousins, cousins_text
from klgame.ui.estimate import estimate_text
from klgame.ui.screens.play import PlayScreen

LEVELS = [level.id for level in load_catalog().levels]


@pytest.mark.parametrize("level_id", LEVELS)
@pytest.mark.parametrize(("key", "panel_id"), [("c", "#cousins"), ("e", "#estimate")])
async def test_the_panel_fits_at_80x24(make_app: MakeApp, level_id, key, panel_id) -> None:
    app = make_app(start_level=level_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # c shows the cousins; e twice, an estimate from 100 samples
        await pilot.press(*([key] if key == "c" else [key, key]))
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        panel = screen.query_one(panel_id)
        column = panel.parent
        assert panel.display and column is not None
        state = screen.player.state
        text = cousins_text(cousins(state)) if key == "c" else estimate_text(state)
        width = panel.content_region.width
        assert max(len(line) for line in text.splitlines()) <= width
        visible = column.content_region  # type: ignore[attr-defined]
        assert panel.region.y >= visible.y and panel.region.bottom <= visible.bottom, (
            panel.region,
            visible,
        )


def test_snapshot_cousins_js_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="two-peaks-js")
    assert snap_compare(app, press=["right", "c", "_"], terminal_size=(80, 24))


def test_snapshot_estimate_js_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="two-peaks-js")
    assert snap_compare(app, press=["right", "e", "e", "_"], terminal_size=(80, 24))


async def test_the_cousins_close_up_at_60_columns(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        panel = screen.query_one("#cousins")
        width = panel.content_region.width
        assert width < 31  # the compact table, then
        text = cousins_text(cousins(screen.player.state), width)
        assert max(len(line) for line in text.splitlines()) <= width
        rows = [line.split() for line in text.splitlines()[2:7]]
        assert [row[0] for row in rows] == ["KL(p‖q)", "KL(q‖p)", "JS", "H", "TV"]
        assert rows[1][-1] == "no◀"  # one row each, the mark on the scoring one
