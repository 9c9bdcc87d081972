"""Every label follows the units toggle, and after the reveal the fine meter
measures the excess over D* and marks the stars."""

from __future__ import annotations

from ui_helpers import MakeApp, screen_text

from klgame.ui.screens.play import PlayScreen
from klgame.ui.widgets import Meters


async def test_b_turns_every_label_to_bits(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        intro_rows = app.screen.query_one("#intro").region.height
        before = screen_text(app).splitlines()
        await pilot.press("b")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        game = "\n".join(lines[: -intro_rows - 1])  # all but the level's text and the footer
        assert "nats" in "\n".join(before[: -intro_rows - 1])
        assert "nats" not in game
        assert "· bits ·" in lines[0]  # the heading
        meters = "\n".join(
            strip.text
            for strip in app.screen.query_one(Meters).render_lines(
                app.screen.query_one(Meters).region.reset_offset
            )
        )
        assert "KL < 36.1 bits" in meters  # 25 nats
        assert "KL < 1.44 bits (log)" in meters  # 1 nat
        assert "★" not in meters  # no star marks before the reveal: they would give D* away
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("escape")  # back to free play
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        widget = app.screen.query_one(Meters)
        meters = "\n".join(strip.text for strip in widget.render_lines(widget.region.reset_offset))
        assert "D−D* < 1.44 bits" in meters  # the fine meter now measures the excess
        assert meters.count("★") == 3  # the level's three star thresholds
        assert "nats" not in meters
