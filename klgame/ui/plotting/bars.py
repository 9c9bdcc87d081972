"""Side-by-side bars per label, each label's bars centred on its tick."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from klgame.ui.plotting.layers import Cells, Geometry, LayeredPlot, LayerSpec
from klgame.ui.plotting.series import LOOKS, ROLES, Role, as_array
from klgame.ui.plotting.ticks import round_up

BarGroup = tuple[str, Role, "Sequence[float] | np.ndarray"]


class BarPlot(LayeredPlot):
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
            array = as_array(values)
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
        new_lo = 0.0 if lo >= 0 else -round_up(-lo * 1.05)
        new_hi = 0.0 if hi <= 0 else round_up(hi * 1.05)
        if self._auto_y is not None:  # only ever grow
            new_lo, new_hi = min(new_lo, self._auto_y[0]), max(new_hi, self._auto_y[1])
        if new_hi > new_lo:
            self._auto_y = (new_lo, new_hi)

    def _y_limits(self) -> tuple[float, float]:
        if self._y_max is not None:
            return 0.0, self._y_max
        return self._auto_y or (0.0, 1.0)

    def _x_limits(self, cols: int) -> tuple[float, float]:
        layout = BarLayout.for_canvas(cols, len(self._labels), len(self._groups))
        return layout.x_lo, layout.x_hi

    def _axes_key(self) -> tuple[Any, ...]:
        return (tuple(self._labels), len(self._groups))

    def _x_ticks(self, cols: int) -> tuple[list[float], list[str]]:
        n = len(self._labels)
        layout = BarLayout.for_canvas(cols, n, len(self._groups))
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
        self, values: np.ndarray, role: str, index: int, count: int, geometry: Geometry
    ) -> Cells:
        """The cells of one group's bars, placed by :class:`BarLayout` itself.

        plotext's own bars are placed by their own rule, a few cells away from
        the ticks when there are few labels; filling whole cells here keeps every
        bar exactly where the layout (and so the tick under it) says.
        """
        self.layers_rasterised += 1
        rows = geometry.rows
        if values.size == 0 or geometry.cols <= 0 or rows <= 0:
            return []
        layout = BarLayout.for_canvas(geometry.cols, values.size, count)
        _, _, bottom, top = geometry.lims
        marker = LOOKS[role].bar_marker
        heights = np.clip(np.nan_to_num(values, nan=0.0), bottom, top)
        zero = row_of(0.0, bottom, top, rows)
        cells: Cells = []
        for label, height in enumerate(heights.tolist()):
            if height == 0:
                continue
            end = row_of(height, bottom, top, rows)
            first = layout.first_col(label, index)
            columns = [c for c in range(first, first + layout.bar) if 0 <= c < geometry.cols]
            for row in range(min(zero, end), max(zero, end) + 1):
                cells.extend((rows - 1 - row, col, marker) for col in columns)  # row 0 on top
        return cells

    def _legend_items(self) -> list[tuple[str, str, str]]:
        return [
            (role, LOOKS[role].bar_marker * 2, group_name)
            for group_name, role, _ in self._groups
            if group_name
        ]


@dataclass(frozen=True)
class BarLayout:
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
    def for_canvas(cls, cols: int, labels: int, groups: int) -> BarLayout:
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


def row_of(y: float, bottom: float, top: float, rows: int) -> int:
    """The canvas row (0 at the bottom) where plotext puts ``y``: its ticks agree."""
    if top <= bottom:
        return 0
    return min(rows - 1, max(0, math.floor(0.5 + (rows - 1) * (y - bottom) / (top - bottom))))
