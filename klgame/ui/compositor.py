"""A compositor that renders, for a partial update, only what the update sends.

Textual's compositor answers a partial update (a few changed regions) by
rendering every widget whose *clip* overlaps the box around all the changes,
each in full. The clip of a screen's own children is the whole screen, so a
nudge (the plot on the left, the numbers on the right) rendered the heading,
the message line, the intro and the footer again, and every row of each
panel, though none of their cells is sent. This one renders a widget only
if it lies under a changed region, and only the rows of the changes it lies
under; what reaches the terminal is the same, byte for byte
(``tests/ui/test_compositor.py`` compares the two on the play screens at
three sizes). ``docs/performance.md`` has the figures.

It overrides one private method of Textual's :class:`Compositor` and wraps
another; the screens that use it (:class:`~klgame.ui.screens.play.PlayScreen`)
set it in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip


class CroppedCompositor(Compositor):
    """:class:`Compositor` that skips what a partial update does not show."""

    #: The regions the partial update being rendered changes.
    _changed: Sequence[Region] = ()

    def render_partial_update(self) -> ChopsUpdate | None:
        self._changed = _stacked(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changed = ()

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if crop is None or not changed:  # a full update: everything
            yield from super()._get_renders(crop)
            return
        for widget, (region, clip) in self.visible_widgets.items():
            sx, sy, sw, sh = region.intersection(clip)
            right, bottom = sx + sw, sy + sh
            top, end = bottom, sy
            for x, y, w, h in changed:  # the rows of the changes it is under
                if x < right and sx < x + w and y < bottom and sy < y + h:
                    top, end = min(top, y), max(end, y + h)
            if top >= end:
                continue  # none of its cells is sent
            # those rows only, but every column: the compositor cuts each
            # line at the widgets' edges
            top, end = max(top, sy), min(end, bottom)
            lines = widget.render_lines(Region(sx - region.x, top - region.y, sw, end - top))
            yield region, Region(sx, top, sw, end - top), lines


def _stacked(regions: Iterable[Region]) -> list[Region]:
    """``regions`` with each run of rows over the same columns as one region
    (a widget's changed lines come one region a row)."""
    out: list[Region] = []
    for region in sorted(regions, key=lambda r: (r.x, r.width, r.y)):
        if out and (last := out[-1])[::2] == region[::2] and last.bottom >= region.y:
            out[-1] = Region(last.x, last.y, last.width, max(last.bottom, region.bottom) - last.y)
        else:
            out.append(region)
    return out
