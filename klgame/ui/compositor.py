"""A compositor that renders, for a partial update, only what the update sends.

Textual's compositor answers a partial update (a few changed regions) by
rendering every widget whose *clip* overlaps the box around all the changes,
each in full. The clip of a screen's own children is the whole screen, so a
nudge (the plot on the left, the numbers on the right) rendered the heading,
the message line, the intro and the footer again, and every row of each
panel, though none of their cells is sent; and every container under the
changes (the screen, the body, the side column) rendered rows its children
cover.

The terminal gets, for each changed row, the pieces of it between the cuts
(where a widget starts or ends), each piece from the front-most widget there
(Textual paints front to back, the first piece wins). This compositor works
out that owner for each piece once per layout, and for a partial update
renders each widget only on the changed rows where it owns a changed piece;
a widget that owns none (a container under its children) is not rendered at
all. What reaches the terminal is the same, byte for byte
(``tests/ui/test_compositor.py`` compares the two on the play screens at
three sizes). ``docs/performance.md`` has the figures.

It overrides one private method of Textual's :class:`Compositor` and wraps
another; the screens that use it (:class:`~klgame.ui.screens.play.PlayScreen`)
set it in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

#: One row's pieces: (first column, end column, the widget that paints it).
_Pieces = list[tuple[int, int, Widget]]


class CroppedCompositor(Compositor):
    """:class:`Compositor` that skips what a partial update does not show."""

    #: The regions the partial update being rendered changes.
    _changed: Sequence[Region] = ()
    #: The layout the owners below were worked out for (Textual makes a new
    #: ``visible_widgets`` mapping on every reflow).
    _owners_of: object = None
    _owners: dict[int, _Pieces]
    _shown: list[tuple[Widget, Region]]  # each widget and what of it shows, front first

    def render_partial_update(self) -> ChopsUpdate | None:
        self._changed = _stacked(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changed = ()

    def _row_owners(self, y: int) -> _Pieces:
        """The pieces of row ``y`` and the front-most widget over each."""
        visible = self.visible_widgets
        if self._owners_of is not visible:
            self._owners_of, self._owners = visible, {}
            self._shown = [(w, region.intersection(clip)) for w, (region, clip) in visible.items()]
        pieces = self._owners.get(y)
        if pieces is None:
            pieces = []
            for start, end in pairwise(self.cuts[y]):
                for widget, (x, top, width, height) in self._shown:  # front first
                    if top <= y < top + height and x <= start < x + width:
                        pieces.append((start, end, widget))
                        break
            self._owners[y] = pieces
        return pieces

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if crop is None or not changed:  # a full update: everything
            yield from super()._get_renders(crop)
            return
        rows: dict[Widget, set[int]] = {}
        edges: set[tuple[int, int, int]] = set()  # pieces that start where a change ends
        for x, y, width, height in changed:
            right = x + width
            for row in range(y, y + height):
                for start, end, widget in self._row_owners(row):
                    if start < right and x < end:
                        rows.setdefault(widget, set()).add(row)
                    elif start == right:
                        edges.add((start, end, row))
        for widget, (region, clip) in self.visible_widgets.items():  # front first
            owned = rows.get(widget)
            if not owned:
                continue  # none of the pieces sent is its
            sx, _, sw, _ = region.intersection(clip)
            # each run of its rows, every column: the compositor cuts each
            # line at the widgets' edges
            for top, end in _runs(sorted(owned)):
                lines = widget.render_lines(Region(sx - region.x, top - region.y, sw, end - top))
                yield region, Region(sx, top, sw, end - top), lines
        # Textual sends the piece that starts where a changed span ends as a
        # cursor move and none of its cells (cropped to no width): a blank
        # piece there gives the same bytes without rendering its widget
        for start, end, row in edges:
            piece = Region(start, row, end - start, 1)
            yield piece, piece, [Strip.blank(end - start)]


def _runs(rows: list[int]) -> Iterable[tuple[int, int]]:
    """(first, end) of each run of consecutive numbers in sorted ``rows``."""
    first = last = rows[0]
    for row in rows[1:]:
        if row != last + 1:
            yield first, last + 1
            first = row
        last = row
    yield first, last + 1


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
