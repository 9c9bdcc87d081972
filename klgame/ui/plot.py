"""Plot widgets for curves and bars: plotext rasterises, the widget composes.

plotext does the plotting (axes, ticks, line rasterisation into braille or
block characters), but the widgets never ask it for an ANSI string. Instead:

* the axes frame and every series are built as separate plotext layers, each
  cached until its data, the view or the size changes, so a key press that
  moves the guess re-rasterises only the guess;
* the layers are composed into a grid of characters and the widget hands
  Textual ready-made :class:`~textual.strip.Strip` objects (no ANSI parsing);
* only the rows that changed are refreshed (Textual rewrites such a row from
  the widget's left edge up to the last changed cell), and blank cells join the
  neighbouring run of text so a row needs few escape sequences: a nudge costs
  a few kilobytes on the wire instead of the whole plot;
* updates are coalesced: a burst of ``set_series`` calls draws only the
  latest state, once.

Colours come from the running Textual theme and follow theme changes. Every
role also has its own marker, so the curves stay distinguishable when colour
is off (``NO_COLOR``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, get_args

import numpy as np
import plotext._utility as _pt_utility
from plotext._figure import _figure_class as _PlotextFigure
from plotext._matrix import matrix_class as _PlotextMatrix
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["ROLES", "BarPlot", "CurvePlot", "Role", "Series", "nice_ticks"]

Role = Literal["guess", "target", "best", "integrand", "marker", "other"]
ROLES: tuple[Role, ...] = get_args(Role)

_MIN_WIDTH = 16
_MIN_HEIGHT = 5
_LEGEND_MIN_HEIGHT = 7
_TOO_SMALL = "enlarge the terminal to see the plot"
_LAYER_CACHE_SIZE = 64
_NON_BLANK = re.compile(r"[^ ]+")


@dataclass(frozen=True)
class _RoleLook:
    """How one role is drawn."""

    colors: tuple[str, ...]  # theme variables, first one that resolves wins
    curve_marker: str  # plotext marker for curves
    bar_marker: str  # plotext marker for bars
    legend: str  # what the legend shows for the curve marker
    z: int  # drawing order: higher is drawn on top


_LOOKS: dict[str, _RoleLook] = {
    "integrand": _RoleLook(("warning",), "•", "░", "•••", 0),
    "best": _RoleLook(("foreground-muted", "foreground"), "·", "▚", "···", 1),
    # another answer at the reveal: a second low point, the other direction's best
    "other": _RoleLook(("secondary", "accent"), "+", "▚", "+++", 1),
    "target": _RoleLook(("error",), "hd", "█", "▞▞▞", 2),
    "guess": _RoleLook(("primary", "accent"), "braille", "▒", "⢕⢕⢕", 3),
    "marker": _RoleLook(("success", "accent"), "x", "x", "x", 4),
}

# Cell kinds in the composed grid; roles follow from _KIND_ROLE0 in ROLES order.
_KIND_BLANK = 0
_KIND_AXES = 1
_KIND_TEXT = 2
_KIND_ROLE0 = 3


_ROLE_KIND: dict[str, int] = {role: _KIND_ROLE0 + i for i, role in enumerate(ROLES)}


def _role_kind(role: str) -> int:
    return _ROLE_KIND[role]


def _as_array(values: Any) -> np.ndarray:
    array = np.array(values, dtype=float).ravel()
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Series:
    """One curve to draw.

    Attributes:
        name: Label shown in the legend.
        xs: x coordinates (numpy array or any sequence of numbers).
        ys: y values, same length as ``xs``.
        role: What the curve is; decides colour, marker and drawing order.
    """

    name: str
    xs: Any
    ys: Any
    role: Role = "guess"
    _key: tuple[Any, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {ROLES}")
        xs, ys = _as_array(self.xs), _as_array(self.ys)
        if xs.shape != ys.shape:
            raise ValueError(f"xs and ys differ in length: {xs.size} != {ys.size}")
        object.__setattr__(self, "xs", xs)
        object.__setattr__(self, "ys", ys)
        # what the rasterised layer depends on (the name only shows in the legend)
        object.__setattr__(self, "_key", (self.role, xs.tobytes(), ys.tobytes()))


def nice_ticks(lo: float, hi: float, max_ticks: int) -> tuple[list[float], list[str]]:
    """Round tick positions covering ``[lo, hi]`` with at most ``max_ticks`` ticks.

    Returns the positions and their labels (same number of decimals for all).
    Any finite range works: labels switch to exponent notation (``2.5e-7``,
    ``1.5e6``) where fixed decimals would be long, and a range too wide for
    a float step or too narrow to label apart gets its two ends.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [], []
    max_ticks = max(2, max_ticks)
    span = hi - lo
    size = max(abs(lo), abs(hi))
    if not math.isfinite(span) or span / (max_ticks - 1) <= max(size * 1e-12, 1e-300):
        return [lo, hi], [_compact(lo), _compact(hi)]
    exponent = math.floor(math.log10(span / (max_ticks - 1)))
    magnitude = 10.0**exponent
    mult = 10.0
    for candidate in (1.0, 2.0, 2.5, 5.0):
        if span / (candidate * magnitude) <= max_ticks - 1 + 1e-9:
            mult = candidate
            break
    step = mult * magnitude
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    if last <= first:  # fewer than two round numbers inside: the two ends
        return [lo, hi], [_compact(lo), _compact(hi)]
    # the last decimal place a tick needs: 2.5 × 10^e needs one below 10^e
    place = exponent + (1 if mult == 10.0 else 0) - (1 if mult == 2.5 else 0)
    ticks = [round(k * step, 1 - place) for k in range(first, last + 1)]
    if size >= 1e6 or place < -4:
        top = max(abs(t) for t in ticks) if ticks else size
        digits = max(0, math.floor(math.log10(top)) - place) if top > 0 else 0
        return ticks, _exponent_labels(ticks, digits, zero_below=step * 1e-9)
    decimals = max(0, -place)
    labels = [f"{0.0 if abs(t) < step * 1e-9 else t:.{decimals}f}" for t in ticks]
    return ticks, labels


def _compact(value: float) -> str:
    """A number in three significant digits: ``0.31``, ``1.5e6``, ``-2e-300``."""
    mantissa, _, power = f"{value:.3g}".partition("e")
    return f"{mantissa}e{int(power)}" if power else mantissa


def _exponent_labels(values: Sequence[float], digits: int, zero_below: float = 0.0) -> list[str]:
    """``1.50e6``-style labels with ``digits`` decimals in the mantissa (0 as ``0``)."""
    labels = []
    for value in values:
        if abs(value) <= zero_below:
            labels.append("0")
            continue
        mantissa, _, power = f"{value:.{digits}e}".partition("e")
        labels.append(f"{mantissa}e{int(power)}")
    return labels


class _Matrix(_PlotextMatrix):
    """plotext's character matrix with a faster ``set_matrices``.

    plotext fills the background matrix with a Python call per cell; the result
    is the same when built row by row, which is what this does.
    """

    def set_matrices(self) -> None:
        cols, rows = self.cols, self.rows
        space, no_color = _pt_utility.space, _pt_utility.no_color
        self.marker = [[space] * cols for _ in range(rows)]
        self.fullground = [[no_color] * cols for _ in range(rows)]
        self.style = [[no_color] * cols for _ in range(rows)]
        canvas_cols, canvas_rows = self.Cols_canvas, self.Rows_canvas
        axes, canvas = self.axes_color, self.canvas_color
        inside = [canvas if col in canvas_cols else axes for col in range(cols)]
        outside = [axes] * cols
        self.background = [inside[:] if row in canvas_rows else outside[:] for row in range(rows)]


def _new_figure() -> Any:
    figure = _PlotextFigure()
    figure._limit_size(False, False)
    figure.theme("clear")
    figure.monitor.matrix = _Matrix()
    return figure


@dataclass
class _Geometry:
    """Where the plotext canvas sits inside the widget."""

    width: int
    height: int  # rows of the plot area (without the legend row)
    top: int  # first widget row of the plot area
    col0: int = 0  # canvas columns in widget coordinates
    row0: int = 0  # canvas rows in widget coordinates (top row of the canvas)
    cols: int = 0
    rows: int = 0
    lims: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)


# A layer is the list of non-blank cells of one series: (row, col, char), canvas coordinates
Cells = list[tuple[int, int, str]]
# (cache key, role, what makes the layer's cells for a geometry)
LayerSpec = tuple[tuple[Any, ...], str, Callable[["_Geometry"], Cells]]


class _LayeredPlot(Widget):
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
        self._axes_figure = _new_figure()
        self._layer_figure = _new_figure()
        self._layers: dict[tuple[Any, ...], Cells] = {}
        self._axes_cache: (
            tuple[tuple[Any, ...], tuple[list[list[str]], list[list[int]]], _Geometry] | None
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
            kinds = [[_KIND_BLANK] * width for _ in range(height)]
            message = (_TOO_SMALL if len(_TOO_SMALL) <= width else "too small")[:width]
            chars[0][: len(message)] = list(message)
            kinds[0][: len(message)] = [_KIND_TEXT] * len(message)
            return chars, kinds

        legend = height >= _LEGEND_MIN_HEIGHT
        top = 1 if legend else 0
        (axes_chars, axes_kinds), geometry = self._axes(width, height - top, top)
        chars = [[" "] * width for _ in range(top)]
        kinds = [[_KIND_BLANK] * width for _ in range(top)]
        chars += [row[:] for row in axes_chars]
        kinds += [row[:] for row in axes_kinds]

        layers = self._layers
        for key, role, make in self._layer_specs():
            full_key = (key, geometry.cols, geometry.rows, geometry.lims)
            cells = layers.pop(full_key, None)
            if cells is None:
                cells = make(geometry)
            layers[full_key] = cells  # most recently used last
            kind = _role_kind(role)
            row0, col0 = geometry.row0, geometry.col0
            for row, col, char in cells:
                chars[row0 + row][col0 + col] = char
                kinds[row0 + row][col0 + col] = kind
        # keep recent layers: a player going back and forth finds them again
        while len(layers) > _LAYER_CACHE_SIZE:
            del layers[next(iter(layers))]

        if legend:
            self._draw_legend(chars[0], kinds[0], geometry.col0)
        return chars, kinds

    def _axes(
        self, width: int, height: int, top: int
    ) -> tuple[tuple[list[list[str]], list[list[int]]], _Geometry]:
        """The axes frame (characters and kinds of every row) and where the canvas is."""
        y_lo, y_hi = self._y_limits()
        y_ticks, y_labels = nice_ticks(y_lo, y_hi, max(2, height // 4 + 1))
        label_width = max((len(label) for label in y_labels), default=0)
        y_labels = [label.rjust(label_width) for label in y_labels]
        cols = max(1, width - label_width - 1)  # what plotext leaves for the canvas
        x_lo, x_hi = self._x_limits(cols)
        lims = (x_lo, x_hi, y_lo, y_hi)
        key = (width, height, top, lims, self._axes_key())
        if self._axes_cache is not None and self._axes_cache[0] == key:
            return self._axes_cache[1], self._axes_cache[2]
        x_ticks, x_labels = self._x_ticks(cols)

        figure = self._axes_figure
        figure.clear_data()
        figure.plotsize(width, height)
        figure.xlim(x_lo, x_hi)
        figure.ylim(y_lo, y_hi)
        figure.xticks(x_ticks, x_labels)
        figure.yticks(y_ticks, y_labels)
        figure.xaxes(True, False)
        figure.yaxes(True, False)
        figure.grid(False, False)
        # a blank point so that plotext knows the axes are in use and draws the ticks
        figure.scatter([x_lo], [y_lo], marker=" ")
        figure._build_matrix()
        matrix = figure.monitor.matrix
        chars = [list(row) for row in reversed(matrix.marker)]
        kinds = [[_KIND_BLANK if c == " " else _KIND_AXES for c in row] for row in chars]
        cols_canvas, rows_canvas = matrix.Cols_canvas, matrix.Rows_canvas
        geometry = _Geometry(
            width=width,
            height=height,
            top=top,
            col0=cols_canvas.start,
            row0=top + height - rows_canvas.stop,
            cols=len(cols_canvas),
            rows=len(rows_canvas),
            lims=lims,
        )
        self._axes_cache = (key, (chars, kinds), geometry)
        return (chars, kinds), geometry

    def _axes_key(self) -> tuple[Any, ...]:
        return ()

    def _rasterise(self, draw: Callable[[Any, _Geometry], None], geometry: _Geometry) -> Cells:
        self.layers_rasterised += 1
        if geometry.cols <= 0 or geometry.rows <= 0:
            return []
        figure = self._layer_figure
        figure.clear_data()
        figure.plotsize(geometry.cols, geometry.rows)
        figure.xaxes(False, False)
        figure.yaxes(False, False)
        figure.xticks([])
        figure.yticks([])
        x_lo, x_hi, y_lo, y_hi = geometry.lims
        figure.xlim(x_lo, x_hi)
        figure.ylim(y_lo, y_hi)
        draw(figure, geometry)
        figure._build_matrix()
        marker = figure.monitor.matrix.marker
        cells: Cells = []
        last = geometry.rows - 1
        for r, row in enumerate(marker):
            if len(row) != geometry.cols:
                continue
            y = last - r
            for match in _NON_BLANK.finditer("".join(row)):
                cells.extend((y, c, row[c]) for c in range(match.start(), match.end()))
        return cells

    def _draw_legend(self, chars: list[str], kinds: list[int], start: int) -> None:
        width = len(chars)
        x = max(0, start)
        for role, sample, name in self._legend_items():
            piece_width = len(sample) + 1 + len(name)
            if x + piece_width > width:
                break
            kind = _role_kind(role)
            for ch in sample:
                chars[x], kinds[x] = ch, kind
                x += 1
            x += 1
            for ch in name:
                chars[x], kinds[x] = ch, _KIND_TEXT
                x += 1
            x += 3

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
                    color = _legible(background + color, background)
                return Style(color=color.rich_color)
            return Style()

        styles = [Style()] * (_KIND_ROLE0 + len(ROLES))
        styles[_KIND_BLANK] = base
        styles[_KIND_AXES] = base + theme_color(("foreground-muted", "foreground"))
        styles[_KIND_TEXT] = base + theme_color(("foreground",))
        for role in ROLES:
            styles[_role_kind(role)] = base + theme_color(_LOOKS[role].colors)
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
        run_kind = _KIND_BLANK
        for match in _NON_BLANK.finditer(line):
            for x in range(match.start(), match.end()):
                kind = kinds[x]
                if kind == run_kind:
                    continue
                if run_kind != _KIND_BLANK:
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
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)


def _legible(color: Color, background: Color) -> Color:
    """Nudge ``color`` away from ``background`` until the two are easy to tell apart."""
    for _ in range(6):
        if abs(color.brightness - background.brightness) >= 0.3:
            break
        color = color.lighten(0.08) if background.brightness < 0.5 else color.darken(0.08)
    return color


class CurvePlot(_LayeredPlot):
    """Curves over a fixed x range: guess, target, best guess, integrand, markers."""

    DEFAULT_CSS = """
    CurvePlot {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._series: list[Series] = []
        self._flat_lines: dict[tuple[Any, ...], Cells] = {}
        self._x_range = (-1.0, 1.0)
        self._y_min = 0.0
        self._y_max: float | None = None
        self._auto_y: tuple[float, float] | None = None

    @property
    def series(self) -> list[Series]:
        """The series currently shown (latest state)."""
        return list(self._series)

    def set_view(
        self, x_min: float, x_max: float, y_max: float | None = None, *, y_min: float = 0.0
    ) -> None:
        """Fix the visible x range and, optionally, the top of the y axis.

        With ``y_max=None`` the y axis fits the data but only ever grows (until
        the next ``set_view``), so the axes do not jump while playing.
        """
        if not (math.isfinite(x_min) and math.isfinite(x_max)) or x_max <= x_min:
            raise ValueError(f"bad x range: [{x_min}, {x_max}]")
        if y_max is not None and not (math.isfinite(y_max) and y_max > y_min):
            raise ValueError(f"bad y range: [{y_min}, {y_max}]")
        self._x_range = (float(x_min), float(x_max))
        self._y_min = float(y_min)
        self._y_max = None if y_max is None else float(y_max)
        self._auto_y = None
        self._grow_auto_y()
        self._invalidate()

    def set_series(self, series: Sequence[Series]) -> None:
        """Replace the curves. Cheap: a burst of calls draws only the last one."""
        self._series = list(series)
        self._grow_auto_y()
        self._invalidate()

    def _grow_auto_y(self) -> None:
        if self._y_max is not None:
            return
        x_lo, x_hi = self._x_range
        lo = hi = 0.0
        for s in self._series:
            inside = (s.xs >= x_lo) & (s.xs <= x_hi) & np.isfinite(s.ys)
            if inside.any():
                ys = s.ys[inside]
                lo, hi = min(lo, float(ys.min())), max(hi, float(ys.max()))
        if hi <= lo:
            return
        new_lo = 0.0 if lo >= 0 else -_round_up(-lo * 1.05)
        new_hi = 0.0 if hi <= 0 else _round_up(hi * 1.05)
        if self._auto_y is not None:  # only ever grow
            new_lo = min(new_lo, self._auto_y[0])
            new_hi = max(new_hi, self._auto_y[1])
        self._auto_y = (new_lo, new_hi)

    def _y_limits(self) -> tuple[float, float]:
        if self._y_max is not None:
            return self._y_min, self._y_max
        return self._auto_y or (0.0, 1.0)

    def _x_limits(self, cols: int) -> tuple[float, float]:
        return self._x_range

    def _x_ticks(self, cols: int) -> tuple[list[float], list[str]]:
        x_lo, x_hi = self._x_range
        return nice_ticks(x_lo, x_hi, max(2, cols // 8))

    def _layer_specs(self) -> list[LayerSpec]:
        ordered = sorted(self._series, key=lambda s: _LOOKS[s.role].z)
        return [(s._key, s.role, partial(self._curve_cells, s)) for s in ordered]

    def _curve_cells(self, series: Series, geometry: _Geometry) -> Cells:
        """The cells of one curve: plotext rasterises the part that moves; the
        flat tails on either side come from a cached straight line.

        A density is flat (one braille row) over much of the view, and plotext
        spends most of a curve's time on those long runs. Rasterising is a
        union over the segments between points, so the curve splits exactly at
        a point of a flat tail, as long as the split falls on a cell boundary
        (no cell mixes dots of two pieces). ``tests/ui/test_plot.py`` checks
        the result against rasterising the whole curve at once.
        """
        xs, ys = _prepare(series, geometry)
        marker = _LOOKS[series.role].curve_marker
        if series.role == "marker":
            return self._rasterise(_scatter(xs, ys, marker), geometry)
        split = _flat_tails(xs, ys, geometry, marker)
        if split is None:
            return self._rasterise(_line(xs, ys, marker), geometry)
        first, last, (left_row, left_end), (right_row, right_start) = split
        if first > last:  # all of it is one flat line
            return list(self._flat_line(xs, left_row, ys[0], marker, geometry))
        cells = self._rasterise(_line(xs[first : last + 1], ys[first : last + 1], marker), geometry)
        if left_end is not None:
            line = self._flat_line(xs, left_row, ys[0], marker, geometry)
            cells += [cell for cell in line if cell[1] < left_end]
        if right_start is not None:
            line = self._flat_line(xs, right_row, ys[-1], marker, geometry)
            cells += [cell for cell in line if cell[1] > right_start]
        return cells

    def _flat_line(
        self, xs: np.ndarray, row: int, y: float, marker: str, geometry: _Geometry
    ) -> Cells:
        """A straight line across the whole x range of ``xs`` at dot row
        ``row`` (``y`` lies on it), rasterised once per view."""
        key: tuple[Any, ...] = (marker, row, float(xs[0]), float(xs[-1]))
        key += (geometry.cols, geometry.rows, *geometry.lims)
        cells = self._flat_lines.get(key)
        if cells is None:
            ends = np.array([xs[0], xs[-1]])
            cells = self._rasterise(_line(ends, np.array([y, y]), marker), geometry)
            if len(self._flat_lines) >= _LAYER_CACHE_SIZE:
                del self._flat_lines[next(iter(self._flat_lines))]
            self._flat_lines[key] = cells
        return cells

    def _legend_items(self) -> list[tuple[str, str, str]]:
        return [(s.role, _LOOKS[s.role].legend, s.name) for s in self._series if s.name]


def _round_up(value: float) -> float:
    """A round number a little above ``value`` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k)."""
    if value <= 0:
        return 0.0
    scale = 10.0 ** math.floor(math.log10(value))
    for mult in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if mult * scale >= value * (1 - 1e-12):
            return float(f"{mult * scale:.12g}")
    return float(f"{10.0 * scale:.12g}")


def _line(xs: np.ndarray, ys: np.ndarray, marker: str) -> Callable[[Any, _Geometry], None]:
    def draw(figure: Any, geometry: _Geometry) -> None:
        if xs.size:
            figure.plot(xs.tolist(), ys.tolist(), marker=marker)

    return draw


def _scatter(xs: np.ndarray, ys: np.ndarray, marker: str) -> Callable[[Any, _Geometry], None]:
    def draw(figure: Any, geometry: _Geometry) -> None:
        if xs.size:
            figure.scatter(xs.tolist(), ys.tolist(), marker=marker)

    return draw


# (first, last) points plotext draws; the left tail's (dot row, first column
# not taken from its flat line) and the right tail's (dot row, last column not
# taken from its flat line); a column of None means that side has no flat tail
_Split = tuple[int, int, tuple[int, int | None], tuple[int, int | None]]


def _flat_tails(xs: np.ndarray, ys: np.ndarray, geometry: _Geometry, marker: str) -> _Split | None:
    """Where a curve's flat tails end, in plotext's own dot coordinates.

    A tail is the run of points at the start (or end) that fall on one row of
    dots. The split points are chosen in a tail so that the cell holding the
    split point lies wholly on the moving side. ``None``: nothing to gain.
    """
    n = xs.size
    if n < 8:
        return None
    x_dots = _pt_utility.marker_factor(marker, 2, 2, 2)  # dots per cell, as plotext has them
    y_dots = _pt_utility.marker_factor(marker, 2, 3, 4)
    x_lo, x_hi, y_lo, y_hi = geometry.lims
    cols = _pt_utility.get_matrix_data(xs.tolist(), [x_lo, x_hi], geometry.cols * x_dots)
    rows = _pt_utility.get_matrix_data(ys.tolist(), [y_lo, y_hi], geometry.rows * y_dots)
    end = 0
    while end + 1 < n and rows[end + 1] == rows[0]:
        end += 1
    if end == n - 1:
        return 1, 0, (rows[0], None), (rows[0], None)
    start = n - 1
    while start > 0 and rows[start - 1] == rows[-1]:
        start -= 1
    # the left split starts a cell, the right one ends a cell
    first = end
    while first > 0 and cols[first] % x_dots != 0:
        first -= 1
    last = start
    while last < n - 1 and cols[last] % x_dots != x_dots - 1:
        last += 1
    if first == 0 and last == n - 1:
        return None
    left = cols[first] // x_dots if first > 0 else None
    right = cols[last] // x_dots if last < n - 1 else None
    return first, last, (rows[0], left), (rows[-1], right)


def _prepare(series: Series, geometry: _Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Finite points, clipped to near the view, and no more than the canvas can show."""
    x_lo, x_hi, y_lo, y_hi = geometry.lims
    xs, ys = series.xs, series.ys
    keep = np.isfinite(xs) & np.isfinite(ys)
    if not keep.all():
        xs, ys = xs[keep], ys[keep]
    if xs.size == 0:
        return xs, ys
    span = y_hi - y_lo
    ys = np.clip(ys, y_lo - span, y_hi + span)
    if series.role == "marker":
        inside = (xs >= x_lo) & (xs <= x_hi)
        return xs[inside], ys[inside]
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    lo, hi = max(x_lo, float(xs[0])), min(x_hi, float(xs[-1]))
    if hi < lo:
        return xs[:0], ys[:0]
    if xs[0] < x_lo or xs[-1] > x_hi:  # cut where the curve crosses the view's edges
        inside = (xs > lo) & (xs < hi)
        ends = np.interp([lo, hi], xs, ys)
        xs = np.concatenate(([lo], xs[inside], [hi]))
        ys = np.concatenate(([ends[0]], ys[inside], [ends[1]]))
    if xs.size <= geometry.cols + 1:
        return xs, ys
    return _envelope(xs, ys, lo, hi, geometry.cols)


def _envelope(
    xs: np.ndarray, ys: np.ndarray, lo: float, hi: float, cols: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most the lowest and the highest point of each column, in x order.

    plotext joins consecutive points with lines, so two points per column
    draw everything a column can show, and keeping each column's extremes
    (not a resampling between them) keeps a narrow peak at its true height.
    """
    if hi <= lo or cols <= 0:
        return xs[:1], ys[:1]
    column = np.minimum(((xs - lo) * (cols / (hi - lo))).astype(np.int64), cols - 1)
    order = np.lexsort((ys, column))  # by column, then by height
    ordered = column[order]
    firsts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    lasts = np.r_[firsts[1:] - 1, ordered.size - 1]
    chosen = np.unique(np.concatenate((order[firsts], order[lasts])))
    return xs[chosen], ys[chosen]


BarGroup = tuple[str, Role, "Sequence[float] | np.ndarray"]


class BarPlot(_LayeredPlot):
    """Side-by-side bars per label, e.g. target p vs guess q for each outcome."""

    DEFAULT_CSS = """
    BarPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._labels: list[str] = []
        self._groups: list[tuple[str, Role, np.ndarray]] = []
        self._y_max: float | None = None
        self._auto_y: tuple[float, float] | None = None

    def set_view(self, y_max: float | None = None) -> None:
        """Fix the top of the y axis at ``y_max`` (the bottom is 0).

        With ``None`` the axis fits the data, negative values included, and only
        ever grows (until the next ``set_view``).
        """
        if y_max is not None and not (math.isfinite(y_max) and y_max > 0):
            raise ValueError(f"bad y_max: {y_max}")
        self._y_max = None if y_max is None else float(y_max)
        self._auto_y = None
        self._grow()
        self._invalidate()

    def set_bars(self, labels: Sequence[str], groups: Sequence[BarGroup]) -> None:
        """Replace the bars: one value per label for every ``(name, role, values)`` group."""
        parsed: list[tuple[str, Role, np.ndarray]] = []
        for group_name, role, values in groups:
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
            array = _as_array(values)
            if array.size != len(labels):
                raise ValueError(
                    f"group {group_name!r} has {array.size} values for {len(labels)} labels"
                )
            parsed.append((group_name, role, array))
        self._labels = [str(label) for label in labels]
        self._groups = parsed
        self._grow()
        self._invalidate()

    def _grow(self) -> None:
        values = [v[np.isfinite(v)] for _, _, v in self._groups]
        lo = min((float(v.min()) for v in values if v.size), default=0.0)
        hi = max((float(v.max()) for v in values if v.size), default=0.0)
        new_lo = 0.0 if lo >= 0 else -_round_up(-lo * 1.05)
        new_hi = 0.0 if hi <= 0 else _round_up(hi * 1.05)
        if self._auto_y is not None:  # only ever grow
            new_lo, new_hi = min(new_lo, self._auto_y[0]), max(new_hi, self._auto_y[1])
        if new_hi > new_lo:
            self._auto_y = (new_lo, new_hi)

    def _y_limits(self) -> tuple[float, float]:
        if self._y_max is not None:
            return 0.0, self._y_max
        return self._auto_y or (0.0, 1.0)

    def _x_limits(self, cols: int) -> tuple[float, float]:
        layout = _BarLayout.for_canvas(cols, len(self._labels), len(self._groups))
        return layout.x_lo, layout.x_hi

    def _axes_key(self) -> tuple[Any, ...]:
        return (tuple(self._labels), len(self._groups))

    def _x_ticks(self, cols: int) -> tuple[list[float], list[str]]:
        n = len(self._labels)
        layout = _BarLayout.for_canvas(cols, n, len(self._groups))
        every = 1
        widest = max((len(label) for label in self._labels), default=1) + 1
        while n and (n // every) * widest > cols:
            every += 1
        chosen = range(0, n, every)
        return [layout.center(i) for i in chosen], [self._labels[i] for i in chosen]

    def _layer_specs(self) -> list[LayerSpec]:
        count = len(self._groups)
        return [
            (
                ("bar", index, count, role, values.tobytes()),
                role,
                partial(self._bar_cells, values, role, index, count),
            )
            for index, (_, role, values) in enumerate(self._groups)
        ]

    def _bar_cells(
        self, values: np.ndarray, role: str, index: int, count: int, geometry: _Geometry
    ) -> Cells:
        """The cells of one group's bars, placed by :class:`_BarLayout` itself.

        plotext's own bars are placed by their own rule, a few cells away from
        the ticks when there are few labels; filling whole cells here keeps every
        bar exactly where the layout (and so the tick under it) says.
        """
        self.layers_rasterised += 1
        rows = geometry.rows
        if values.size == 0 or geometry.cols <= 0 or rows <= 0:
            return []
        layout = _BarLayout.for_canvas(geometry.cols, values.size, count)
        _, _, bottom, top = geometry.lims
        marker = _LOOKS[role].bar_marker
        heights = np.clip(np.nan_to_num(values, nan=0.0), bottom, top)
        zero = _row_of(0.0, bottom, top, rows)
        cells: Cells = []
        for label, height in enumerate(heights.tolist()):
            if height == 0:
                continue
            end = _row_of(height, bottom, top, rows)
            first = layout.first_col(label, index)
            columns = [c for c in range(first, first + layout.bar) if 0 <= c < geometry.cols]
            for row in range(min(zero, end), max(zero, end) + 1):
                cells.extend((rows - 1 - row, col, marker) for col in columns)  # row 0 on top
        return cells

    def _legend_items(self) -> list[tuple[str, str, str]]:
        return [
            (role, _LOOKS[role].bar_marker * 2, group_name)
            for group_name, role, _ in self._groups
            if group_name
        ]


@dataclass(frozen=True)
class _BarLayout:
    """Bars placed on whole cells, so that every bar is equally wide.

    plotext maps x to column ``floor(0.5 + (cols - 1) * (x - x_lo) / (x_hi - x_lo))``;
    with ``x_hi - x_lo = (cols - 1) / k`` column ``c`` is exactly ``x_lo + c / k``.
    Label ``i`` (0-based) owns ``k`` columns; its bars are ``bar`` columns each,
    ``inner`` apart. The label's tick is one column, so the bars of a label
    span an odd number of columns whenever there is room: the tick then stands
    exactly under their middle, not half a cell to one side.
    """

    k: int
    pad: int
    bar: int
    inner: int
    shift: int
    groups: int
    x_lo: float
    x_hi: float

    @classmethod
    def for_canvas(cls, cols: int, labels: int, groups: int) -> _BarLayout:
        labels, groups, cols = max(1, labels), max(1, groups), max(2, cols)
        k = max(1, cols // labels)
        gap = max(1, k // 5) if k > groups else 0
        room = k - gap
        bar, inner = max(1, room // groups), 0
        for width in range(room // groups, 0, -1):
            odd = [i for i in (0, 1) if (groups * width + (groups - 1) * i) % 2 == 1]
            fits = [i for i in odd if groups * width + (groups - 1) * i <= room]
            if fits:
                bar, inner = width, fits[0]
                break
        span = groups * bar + (groups - 1) * inner
        pad = max(0, (k - span) // 2)
        shift = max(0, (cols - k * labels) // 2)  # centre the labels on the canvas
        x_lo = 0.5 - shift / k
        return cls(k, pad, bar, inner, shift, groups, x_lo, x_lo + (cols - 1) / k)

    @property
    def span(self) -> int:
        """Columns from a label's first bar to its last."""
        return self.groups * self.bar + (self.groups - 1) * self.inner

    def x(self, col: float) -> float:
        return self.x_lo + col / self.k

    def center(self, label: int) -> float:
        """The middle of the label's bars (where its tick goes)."""
        return self.x(self.shift + label * self.k + self.pad + (self.span - 1) / 2)

    def first_col(self, label: int, group: int) -> int:
        """The canvas column where ``group``'s bar for ``label`` starts."""
        return self.shift + label * self.k + self.pad + group * (self.bar + self.inner)


def _row_of(y: float, bottom: float, top: float, rows: int) -> int:
    """The canvas row (0 at the bottom) where plotext puts ``y``: its ticks agree."""
    if top <= bottom:
        return 0
    return min(rows - 1, max(0, math.floor(0.5 + (rows - 1) * (y - bottom) / (top - bottom))))
