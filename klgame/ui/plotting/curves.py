"""Curves over a fixed x range: guess, target, best guess, integrand, markers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from klgame.ui.plotting.layers import LAYER_CACHE_SIZE, Cells, Geometry, LayeredPlot, LayerSpec
from klgame.ui.plotting.plotext_adapter import Trace
from klgame.ui.plotting.sampling import flat_tails, prepare
from klgame.ui.plotting.series import LOOKS, Series
from klgame.ui.plotting.ticks import nice_ticks, round_up


class CurvePlot(LayeredPlot):
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
        self._overlay: tuple[float, float] | None = None

    @property
    def series(self) -> list[Series]:
        """The series currently shown (latest state)."""
        return list(self._series)

    def set_view(
        self,
        x_min: float,
        x_max: float,
        y_max: float | None = None,
        *,
        y_min: float = 0.0,
        overlay: tuple[float, float] | None = None,
    ) -> None:
        """Fix the visible x range and, optionally, the top of the y axis.

        With ``y_max=None`` the y axis fits the data but only ever grows (until
        the next ``set_view``), so the axes do not jump while playing.

        ``overlay``: the (low, high) values of the ``integrand`` series, which
        are then drawn on their own scale, read on a right-hand axis whose
        zero is the left axis's zero, so the other curves keep their height.
        """
        if overlay is not None and not all(math.isfinite(v) for v in overlay):
            raise ValueError(f"bad overlay range: {overlay}")
        self._overlay = None if overlay is None else (float(overlay[0]), float(overlay[1]))
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
            if self._overlay is not None and s.role == "integrand":
                continue  # on its own axis
            inside = (s.xs >= x_lo) & (s.xs <= x_hi) & np.isfinite(s.ys)
            if inside.any():
                ys = s.ys[inside]
                lo, hi = min(lo, float(ys.min())), max(hi, float(ys.max()))
        if hi <= lo:
            return
        new_lo = 0.0 if lo >= 0 else -round_up(-lo * 1.05)
        new_hi = 0.0 if hi <= 0 else round_up(hi * 1.05)
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

    def _overlay_range(self) -> tuple[float, float] | None:
        return self._overlay

    def _x_ticks(self, cols: int) -> tuple[list[float], list[str]]:
        x_lo, x_hi = self._x_range
        return nice_ticks(x_lo, x_hi, max(2, cols // 8))

    def _layer_specs(self) -> list[LayerSpec]:
        ordered = sorted(self._series, key=lambda s: LOOKS[s.role].z)
        return [(s._key, s.role, partial(self._curve_cells, s)) for s in ordered]

    def _curve_cells(self, series: Series, geometry: Geometry) -> Cells:
        """The cells of one curve: plotext rasterises the part that moves; the
        flat tails on either side come from a cached straight line.

        A density is flat (one braille row) over much of the view, and plotext
        spends most of a curve's time on those long runs. Rasterising is a
        union over the segments between points, so the curve splits exactly at
        a point of a flat tail, as long as the split falls on a cell boundary
        (no cell mixes dots of two pieces). ``tests/ui/test_plot.py`` checks
        the result against rasterising the whole curve at once.
        """
        if self._overlay is not None and series.role == "integrand":
            series = Series(
                series.name, series.xs, series.ys * geometry.overlay_factor, "integrand"
            )
        xs, ys = prepare(series, geometry)
        marker = LOOKS[series.role].curve_marker
        if series.role == "marker":
            return self._rasterise(scatter(xs, ys, marker), geometry)
        split = flat_tails(xs, ys, geometry, marker)
        if split is None:
            return self._rasterise(line(xs, ys, marker), geometry)
        first, last, (left_row, left_end), (right_row, right_start) = split
        if first > last:  # all of it is one flat line
            return list(self._flat_line(xs, left_row, ys[0], marker, geometry))
        cells = self._rasterise(line(xs[first : last + 1], ys[first : last + 1], marker), geometry)
        if left_end is not None:
            flat = self._flat_line(xs, left_row, ys[0], marker, geometry)
            cells += [cell for cell in flat if cell[1] < left_end]
        if right_start is not None:
            flat = self._flat_line(xs, right_row, ys[-1], marker, geometry)
            cells += [cell for cell in flat if cell[1] > right_start]
        return cells

    def _flat_line(
        self, xs: np.ndarray, row: int, y: float, marker: str, geometry: Geometry
    ) -> Cells:
        """A straight line across the whole x range of ``xs`` at dot row
        ``row`` (``y`` lies on it), rasterised once per view."""
        key: tuple[Any, ...] = (marker, row, float(xs[0]), float(xs[-1]))
        key += (geometry.cols, geometry.rows, *geometry.lims)
        cells = self._flat_lines.get(key)
        if cells is None:
            ends = np.array([xs[0], xs[-1]])
            cells = self._rasterise(line(ends, np.array([y, y]), marker), geometry)
            if len(self._flat_lines) >= LAYER_CACHE_SIZE:
                del self._flat_lines[next(iter(self._flat_lines))]
            self._flat_lines[key] = cells
        return cells

    def _legend_items(self) -> list[tuple[str, str, str]]:
        return [(s.role, LOOKS[s.role].legend, s.name) for s in self._series if s.name]


def line(xs: np.ndarray, ys: np.ndarray, marker: str) -> list[Trace]:
    return [Trace(xs, ys, marker)]


def scatter(xs: np.ndarray, ys: np.ndarray, marker: str) -> list[Trace]:
    return [Trace(xs, ys, marker, joined=False)]
