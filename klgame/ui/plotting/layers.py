"""The machinery every plot widget shares: layer cache, composition, strips.

plotext (through :mod:`.plotext_adapter`) rasterises; this widget composes.
The axes frame and every series are separate layers, each cached until its
data, the view or the size changes; the layers are composed into a grid of
characters handed to Textual as ready-made :class:`~textual.strip.Strip`
objects, and only the rows that changed are refreshed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from klgame.ui.plotting.braille import braille_line
from klgame.ui.plotting.plotext_adapter import Canvas, Trace
from klgame.ui.plotting.series import (
    KIND_AXES,
    KIND_BLANK,
    KIND_ROLE0,
    KIND_TEXT,
    LOOKS,
    ROLES,
    role_kind,
)
from klgame.ui.plotting.ticks import nice_ticks, overlay_floor, right_axis, zero_on_a_row
from klgame.ui.ready import ready_lines

_MIN_WIDTH = 16
_MIN_HEIGHT = 5
_LEGEND_MIN_HEIGHT = 7
_TOO_SMALL = "enlarge the terminal to see the plot"
LAYER_CACHE_SIZE = 64
_NON_BLANK = re.compile(r"[^ ]+")


@dataclass
class Geometry:
    """Where the plotext canvas sits inside the widget."""

    width: int
    height: int  # rows of the plot area (without the legend row)
    top: int  # first widget row of the plot area
    col0: int = 0  # canvas columns in widget coordinates
    row0: int = 0  # canvas rows in widget coordinates (top row of the canvas)
    cols: int = 0
    rows: int = 0
    lims: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)
    overlay_factor: float = 1.0  # left-axis units per unit of the right-hand axis


# A layer is the list of non-blank cells of one series: (row, col, char), canvas coordinates
Cells = list[tuple[int, int, str]]
# (cache key, role, what makes the layer's cells for a geometry)
LayerSpec = tuple[tuple[Any, ...], str, Callable[["Geometry"], Cells]]


class LayeredPlot(Widget):
    """Shared machinery: layer cache, composition, strips, partial refresh."""

    can_focus = False

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._axes_canvas = Canvas()
        self._layer_canvas = Canvas()
        self._layers: dict[tuple[Any, ...], Cells] = {}
        self._axes_cache: (
            tuple[tuple[Any, ...], tuple[list[list[str]], list[list[int]]], Geometry] | None
        ) = None
        self._chars: list[list[str]] = []
        self._kinds: list[list[int]] = []
        self._strips: list[Strip] = []
        self._styles: list[Style] = []
        self._style_key: tuple[Any, ...] | None = None
        self._styles_for: tuple[Any, ...] | None = None
        self._merge_blanks = True
        self._scheduled = False
        self._dirty = True
        self.frames_built = 0
        """How many times the plot was composed (a burst of updates counts once)."""
        self.layers_rasterised = 0
        """How many plotext layers were built (cached layers are not counted)."""

    # ----------------------------------------------------------------- updates

    def _invalidate(self) -> None:
        """Note that the data changed; draw once, soon, with the latest state."""
        self._dirty = True
        if self._scheduled or not self.is_mounted:
            return
        self._scheduled = True
        self.call_later(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        if self._dirty:
            self._rebuild()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def _on_theme_changed(self, _theme: object) -> None:
        self._style_key = None
        self.refresh()

    def on_resize(self) -> None:
        self._dirty = True
        self._rebuild(full=True)

    # ------------------------------------------------------------- subclasses

    def _y_limits(self) -> tuple[float, float]:
        raise NotImplementedError

    def _x_limits(self, cols: int) -> tuple[float, float]:
        """The x range for a canvas ``cols`` cells wide."""
        raise NotImplementedError

    def _x_ticks(self, cols: int) -> tuple[list[float], list[str]]:
        raise NotImplementedError

    def _layer_specs(self) -> list[LayerSpec]:
        """(cache key, role, cell maker) for each layer, bottom first."""
        raise NotImplementedError

    def _legend_items(self) -> list[tuple[str, str, str]]:
        """(role, sample glyphs, name) in legend order."""
        raise NotImplementedError

    # ------------------------------------------------------------ composition

    def _rebuild(self, full: bool = False) -> None:
        self._dirty = False
        width, height = self.size
        if width <= 0 or height <= 0:
            return
        self.frames_built += 1
        chars, kinds = self._compose_grid(width, height)
        old_chars, old_kinds = self._chars, self._kinds
        self._chars, self._kinds = chars, kinds
        if full or len(old_chars) != height or (old_chars and len(old_chars[0]) != width):
            self._strips = []
            self.refresh()
            return
        regions: list[Region] = []
        strips = self._strips
        for y in range(height):
            new_c, new_k, old_c, old_k = chars[y], kinds[y], old_chars[y], old_kinds[y]
            if new_c == old_c and new_k == old_k:
                continue
            first = 0
            while new_c[first] == old_c[first] and new_k[first] == old_k[first]:
                first += 1
            last = width - 1
            while new_c[last] == old_c[last] and new_k[last] == old_k[last]:
                last -= 1
            regions.append(Region(first, y, last - first + 1, 1))
            if strips:
                strips[y] = self._make_strip(y)
        if regions:
            self.refresh(*regions)

    def _compose_grid(self, width: int, height: int) -> tuple[list[list[str]], list[list[int]]]:
        if width < _MIN_WIDTH or height < _MIN_HEIGHT:
            chars = [[" "] * width for _ in range(height)]
            kinds = [[KIND_BLANK] * width for _ in range(height)]
            message = (_TOO_SMALL if len(_TOO_SMALL) <= width else "too small")[:width]
            chars[0][: len(message)] = list(message)
            kinds[0][: len(message)] = [KIND_TEXT] * len(message)
            return chars, kinds

        legend = height >= _LEGEND_MIN_HEIGHT
        top = 1 if legend else 0
        (axes_chars, axes_kinds), geometry = self._axes(width, height - top, top)
        chars = [[" "] * width for _ in range(top)]
        kinds = [[KIND_BLANK] * width for _ in range(top)]
        chars += [row[:] for row in axes_chars]
        kinds += [row[:] for row in axes_kinds]

        layers = self._layers
        for key, role, make in self._layer_specs():
            full_key = (key, geometry.cols, geometry.rows, geometry.lims, geometry.overlay_factor)
            cells = layers.pop(full_key, None)
            if cells is None:
                cells = make(geometry)
            layers[full_key] = cells  # most recently used last
            kind = role_kind(role)
            row0, col0 = geometry.row0, geometry.col0
            for row, col, char in cells:
                chars[row0 + row][col0 + col] = char
                kinds[row0 + row][col0 + col] = kind
        # keep recent layers: a player going back and forth finds them again
        while len(layers) > LAYER_CACHE_SIZE:
            del layers[next(iter(layers))]

        if legend:
            self._draw_legend(chars[0], kinds[0], geometry.col0)
        return chars, kinds

    def _axes(
        self, width: int, height: int, top: int
    ) -> tuple[tuple[list[list[str]], list[list[int]]], Geometry]:
        """The axes frame (characters and kinds of every row) and where the canvas is."""
        y_lo, y_hi = self._y_limits()
        overlay = self._overlay_range()
        if overlay is not None:
            y_lo = overlay_floor(*overlay, y_lo, y_hi)
        # at least three y ticks where there are rows for them; 0 is one of them
        y_ticks, y_labels = nice_ticks(
            y_lo, y_hi, max(3, height // 4 + 1), min_ticks=3 if height >= 6 else 2
        )
        right = right_axis(*overlay, y_ticks, y_hi) if overlay is not None else None
        right_labels = right[1] if right is not None else []
        right_width = max((len(label) for label in right_labels), default=-1) + 1
        label_width = max((len(label) for label in y_labels), default=0)
        y_labels = [label.rjust(label_width) for label in y_labels]
        frame_width = width - right_width
        cols = max(1, frame_width - label_width - 1)  # what plotext leaves for the canvas
        x_lo, x_hi = self._x_limits(cols)
        lims = (x_lo, x_hi, y_lo, y_hi)
        key = (width, height, top, lims, overlay, self._axes_key())
        if self._axes_cache is not None and self._axes_cache[0] == key:
            return self._axes_cache[1], self._axes_cache[2]
        x_ticks, x_labels = self._x_ticks(cols)

        ticks = ((x_ticks, x_labels), (y_ticks, y_labels))
        frame = self._axes_canvas.frame(frame_width, height, lims, *ticks)
        if overlay is not None:  # the overlay's zero line on the 0 tick, not a row off
            bottom = zero_on_a_row(y_lo, y_hi, len(frame.rows_canvas))
            if bottom != y_lo:
                lims = (x_lo, x_hi, bottom, y_hi)
                frame = self._axes_canvas.frame(frame_width, height, lims, *ticks)
        chars = [list(row) + [" "] * right_width for row in frame.rows]
        kinds = [[KIND_BLANK if c == " " else KIND_AXES for c in row] for row in chars]
        cols_canvas, rows_canvas = frame.cols_canvas, frame.rows_canvas
        geometry = Geometry(
            width=width,
            height=height,
            top=top,
            col0=cols_canvas.start,
            row0=top + height - rows_canvas.stop,
            cols=len(cols_canvas),
            rows=len(rows_canvas),
            lims=lims,
            overlay_factor=right[0] if right is not None else 1.0,
        )
        if right is not None:
            self._draw_right_axis(chars, kinds, geometry, y_ticks, right_labels)
        self._axes_cache = (key, (chars, kinds), geometry)
        return (chars, kinds), geometry

    def _axes_key(self) -> tuple[Any, ...]:
        return ()

    def _overlay_range(self) -> tuple[float, float] | None:
        """(low, high) of the series drawn on the right-hand axis, if any."""
        return None

    @staticmethod
    def _draw_right_axis(
        chars: list[list[str]],
        kinds: list[list[int]],
        geometry: Geometry,
        ticks: Sequence[float],
        labels: Sequence[str],
    ) -> None:
        """The overlay's axis right of the canvas, in the overlay's colour, each
        label on the row of the left tick it shares."""
        col = geometry.col0 + geometry.cols
        kind = role_kind("integrand")
        _, _, bottom, top = geometry.lims
        rows = geometry.rows
        for row in range(geometry.row0 - geometry.top, geometry.row0 - geometry.top + rows):
            chars[row][col], kinds[row][col] = "│", kind
        for tick, label in zip(ticks, labels, strict=True):
            if not bottom <= tick <= top:
                continue
            lifted = math.floor(round(0.5 + (rows - 1) * (tick - bottom) / (top - bottom), 8))
            row = geometry.row0 - geometry.top + rows - 1 - lifted
            chars[row][col] = "├"
            for i, ch in enumerate(label, start=col + 1):
                if i < len(chars[row]):
                    chars[row][i], kinds[row][i] = ch, kind

    def _rasterise(self, traces: Sequence[Trace], geometry: Geometry) -> Cells:
        self.layers_rasterised += 1
        if geometry.cols <= 0 or geometry.rows <= 0:
            return []
        if len(traces) == 1 and traces[0].joined and traces[0].marker == "braille":
            # the guess, on every nudge: numpy draws plotext's cells (braille.py)
            xs, ys = traces[0].xs, traces[0].ys
            return braille_line(xs, ys, geometry.lims, geometry.cols, geometry.rows)
        rows = self._layer_canvas.layer(geometry.cols, geometry.rows, geometry.lims, traces)
        cells: Cells = []
        for y, row in enumerate(rows):
            for match in _NON_BLANK.finditer(row):
                cells.extend((y, c, row[c]) for c in range(match.start(), match.end()))
        return cells

    def _draw_legend(self, chars: list[str], kinds: list[int], start: int) -> None:
        width = len(chars)
        x = max(0, start)
        items = self._legend_items()
        gap = 3
        # a narrow plot: one glyph of each sample and closer items, so p, the
        # best fit and q all fit before any is dropped
        full = sum(len(sample) + 1 + len(name) for _, sample, name in items)
        if x + full + gap * (len(items) - 1) > width:
            items, gap = [(role, sample[:1], name) for role, sample, name in items], 2
        for role, sample, name in items:
            piece_width = len(sample) + 1 + len(name)
            if x + piece_width > width:
                break
            kind = role_kind(role)
            for ch in sample:
                chars[x], kinds[x] = ch, kind
                x += 1
            x += 1
            for ch in name:
                chars[x], kinds[x] = ch, KIND_TEXT
                x += 1
            x += gap

    # ---------------------------------------------------------------- styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_key = None

    def _resolve_styles(self) -> None:
        """Turn the theme into one Rich style per cell kind (only when styles changed)."""
        if self._style_key is not None:
            return
        base = self.rich_style
        _, background = self.background_colors
        variables = self.app.theme_variables
        key = (self.app.theme, str(base), background)
        self._style_key = key
        if key == self._styles_for:
            return
        self._styles_for = key
        self._strips = []

        def theme_color(names: Sequence[str]) -> Style:
            for var in names:
                raw = variables.get(var)
                if not raw:
                    continue
                try:
                    color = Color.parse(raw)
                except Exception:
                    continue
                if color.ansi is None and background.ansi is None:
                    color = legible(background + color, background)
                return Style(color=color.rich_color)
            return Style()

        styles = [Style()] * (KIND_ROLE0 + len(ROLES))
        styles[KIND_BLANK] = base
        styles[KIND_AXES] = base + theme_color(("foreground-muted", "foreground"))
        styles[KIND_TEXT] = base + theme_color(("foreground",))
        for role in ROLES:
            styles[role_kind(role)] = base + theme_color(LOOKS[role].colors)
        self._styles = styles
        # blanks may borrow a neighbour's colour unless spaces would show a decoration
        self._merge_blanks = not (base.underline or base.reverse or base.strike or base.overline)

    def _make_strip(self, y: int) -> Strip:
        """One row as segments. Blank cells join the neighbouring run: a space
        looks the same in any foreground colour, and fewer segments mean fewer
        escape sequences on the wire."""
        chars, kinds, styles = self._chars[y], self._kinds[y], self._styles
        if not self._merge_blanks:
            return self._make_strip_exact(chars, kinds, styles)
        line = "".join(chars)
        segments: list[Segment] = []
        start = 0
        run_kind = KIND_BLANK
        for match in _NON_BLANK.finditer(line):
            for x in range(match.start(), match.end()):
                kind = kinds[x]
                if kind == run_kind:
                    continue
                if run_kind != KIND_BLANK:
                    segments.append(Segment(line[start:x], styles[run_kind]))
                    start = x
                run_kind = kind  # leading blanks take the colour of the first text
        segments.append(Segment(line[start:], styles[run_kind]))
        return Strip(segments, len(chars))

    @staticmethod
    def _make_strip_exact(chars: list[str], kinds: list[int], styles: list[Style]) -> Strip:
        segments: list[Segment] = []
        start = 0
        width = len(chars)
        while start < width:
            kind = kinds[start]
            end = start + 1
            while end < width and kinds[end] == kind:
                end += 1
            segments.append(Segment("".join(chars[start:end]), styles[kind]))
            start = end
        return Strip(segments, width)

    # -------------------------------------------------------------- rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        self._resolve_styles()
        width, height = self.size
        if self._dirty and not self._scheduled:
            self._rebuild(full=True)
        if len(self._chars) != height or (self._chars and len(self._chars[0]) != width):
            self._chars, self._kinds = (
                self._compose_grid(width, height) if width and height else ([], [])
            )
            self._strips = []
        if not self._strips and self._chars:
            self._strips = [self._make_strip(y) for y in range(len(self._chars))]
        # the rows are finished strips: no copy through the styles cache
        return ready_lines(self, crop) or super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)


def legible(color: Color, background: Color) -> Color:
    """Nudge ``color`` away from ``background`` until the two are easy to tell apart."""
    for _ in range(6):
        if abs(color.brightness - background.brightness) >= 0.3:
            break
        color = color.lighten(0.08) if background.brightness < 0.5 else color.darken(0.08)
    return color
