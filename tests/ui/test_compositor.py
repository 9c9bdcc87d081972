"""The play screen's compositor sends what Textual's own would, for any update.

:class:`~klgame.ui.compositor.CroppedCompositor` skips the widgets a partial
update does not reach; what it writes to the terminal must be exactly what
Textual's :class:`Compositor` writes for the same changed regions: the same
characters, styles and cursor moves, byte for byte.
"""

from __future__ import annotations

import random

import pytest
from textual._compositor import Compositor
from textual.geometry import Region
from ui_helpers import MakeApp

from klgame.ui.compositor import CroppedCompositor
from klgame.ui.screens.play import PlayScreen


def _written(compositor: Compositor, regions: list[Region], console: object) -> str:
    """What a partial update of ``regions`` writes to the terminal."""
    compositor._dirty_regions.update(regions)
    update = compositor.render_partial_update()
    assert update is not None
    return update.render_segments(console)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["gaussian", "finale", "space-worms"])
@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)])
async def test_a_partial_update_writes_what_textual_s_compositor_writes(
    make_app: MakeApp, level: str, size: tuple[int, int]
) -> None:
    app = make_app(start_level=level)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in ("right", "right", "down", "left"):
            await pilot.press(key)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        ours = screen._compositor
        assert type(ours) is CroppedCompositor
        width, height = size
        # the regions a nudge changes (the plot, the big number, the knobs),
        # then random ones, one to four at a time
        widgets = [w for w in ours.visible_widgets if w.id in ("plot", "scoring-value", "params")]
        cases = [[ours.visible_widgets[w][0] for w in widgets]]
        rng = random.Random(f"{level}{size}")
        for _ in range(40):
            regions = []
            for _ in range(rng.randint(1, 4)):
                x, y = rng.randrange(width), rng.randrange(height)
                w, h = rng.randint(1, width - x), rng.randint(1, min(6, height - y))
                regions.append(Region(x, y, w, h))
            cases.append(regions)
        differ = 0
        for regions in cases:
            mine = _written(ours, regions, app.console)
            ours.__class__ = Compositor  # Textual's own, on the very same layout
            try:
                theirs = _written(ours, regions, app.console)
            finally:
                ours.__class__ = CroppedCompositor
            assert mine == theirs, regions
            differ += mine != ""
        assert differ == len(cases)  # every case wrote something to compare


async def test_a_nudge_renders_only_the_widgets_it_changes(make_app: MakeApp) -> None:
    rendered: list[str] = []
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("right")
        await pilot.pause()
        screen = app.screen
        ours = screen._compositor
        original = type(ours)._get_renders

        def counted(self: Compositor, crop: Region | None = None):  # type: ignore[no-untyped-def]
            for item in original(self, crop):
                rendered.extend(
                    w.id or type(w).__name__
                    for w, (region, _) in self.visible_widgets.items()
                    if region == item[0]
                )
                yield item

        type(ours)._get_renders = counted  # type: ignore[method-assign]
        try:
            await pilot.press("right")
            await pilot.pause()
        finally:
            type(ours)._get_renders = original  # type: ignore[method-assign]
    assert "plot" in rendered and "scoring-value" in rendered
    # nothing of the rows above and below the changes: Textual renders them all
    for outside in ("heading", "message", "intro", "intro-text", "KeyFooter"):
        assert outside not in rendered
    # nor the containers under the changes, whose children cover every changed
    # cell (the plot's own region is its view's: "figure" is counted with it)
    for under in ("PlayScreen", "body", "side", "divergence", "knobs"):
        assert under not in rendered
