"""Rows handed over as made (klgame/ui/ready.py) are the rows Textual's
styles cache makes of them, for every widget that hands them over."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widget import Widget
from ui_helpers import MakeApp

from klgame.ui.lines import LinesWidget
from klgame.ui.plotting.layers import LayeredPlot
from klgame.ui.ready import ready_lines
from klgame.ui.widgets import BigNumber


def textuals(widget: Widget, crop: Region) -> list[object]:
    """What Textual's own ``Widget.render_lines`` gives, rendered afresh."""
    widget._styles_cache.clear()
    return list(Widget.render_lines(widget, crop))


@pytest.mark.parametrize("level", ["gaussian", "finale", "dog-or-panda"])
@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_rows_are_textual_s(make_app: MakeApp, level: str, size: tuple[int, int]) -> None:
    app = make_app(start_level=level)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in ("right", "right", "down", "left", "u"):
            await pilot.press(key)
        await pilot.pause()
        kinds = (LayeredPlot, LinesWidget, BigNumber)
        widgets = [w for w in app.screen.walk_children(Widget) if isinstance(w, kinds)]
        assert {type(w).__name__ for w in widgets} >= {"LinesWidget", "BigNumber", "Meters"}
        compared = 0
        for widget in widgets:
            width, height = widget.size
            if not (width and height):
                continue
            crops = [
                Region(0, 0, width, height),
                Region(0, height // 2, width, height - height // 2),
                Region(width // 3, 0, width - width // 3, 1),
            ]
            for crop in crops:
                widget.render_lines(crop)  # what the widget makes first (the plot's strips)
                ours = ready_lines(widget, crop)
                assert ours is not None, widget
                assert ours == textuals(widget, crop), (widget, crop)
                compared += 1
        assert compared >= 3 * 4


class Padded(LinesWidget):
    DEFAULT_CSS = "Padded { height: auto; padding: 0 1; }"


class Faded(LinesWidget):
    DEFAULT_CSS = "Faded { height: auto; opacity: 0.5; }"


class Tinted(LinesWidget):
    DEFAULT_CSS = "Tinted { height: auto; tint: red 20%; }"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Padded()
        yield Faded()
        yield Tinted()


async def test_styles_that_change_the_rows_take_textual_s_way() -> None:
    from textual.content import Content

    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        for widget in app.query(LinesWidget):
            widget.show([Content("one"), Content.styled("two", "bold")])
        await pilot.pause()
        for widget in app.query(LinesWidget):
            crop = Region(0, 0, *widget.size)
            assert ready_lines(widget, crop) is None
            assert widget.render_lines(crop) == textuals(widget, crop)
