"""Everything the plots ask of plotext, in one place.

plotext 5 has no public call that returns its character matrix (``build()``
gives an ANSI string), so this module drives its private figure and matrix
classes. Nothing else in klgame imports plotext (an import-linter contract in
``pyproject.toml`` says so): a change of plotext touches only this file.

Rows come back top first, as plain strings of one character per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotext
import plotext._utility as _pt_utility
from plotext._figure import _figure_class as _PlotextFigure
from plotext._matrix import matrix_class as _PlotextMatrix

Lims = tuple[float, float, float, float]


@dataclass(frozen=True)
class Trace:
    """Points for plotext to draw: joined by lines, or alone (``joined=False``)."""

    xs: np.ndarray
    ys: np.ndarray
    marker: str
    joined: bool = True


@dataclass(frozen=True)
class Frame:
    """The axes drawn by plotext, and where its canvas lies inside them."""

    rows: list[str]  # top first, ``width`` characters each
    cols_canvas: range  # canvas columns
    rows_canvas: range  # canvas rows, counted from the bottom


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


class Canvas:
    """A reusable plotext figure: axes frames and layers of points."""

    def __init__(self) -> None:
        self._figure = _new_figure()

    def frame(
        self,
        width: int,
        height: int,
        lims: Lims,
        x_ticks: tuple[Sequence[float], Sequence[str]],
        y_ticks: tuple[Sequence[float], Sequence[str]],
    ) -> Frame:
        """Axes ``width`` × ``height`` with these limits and ticks, no data."""
        x_lo, x_hi, y_lo, y_hi = lims
        figure = self._figure
        figure.clear_data()
        figure.plotsize(width, height)
        figure.xlim(x_lo, x_hi)
        figure.ylim(y_lo, y_hi)
        figure.xticks(*x_ticks)
        figure.yticks(*y_ticks)
        figure.xaxes(True, False)
        figure.yaxes(True, False)
        figure.grid(False, False)
        # a blank point so that plotext knows the axes are in use and draws the ticks
        figure.scatter([x_lo], [y_lo], marker=" ")
        figure._build_matrix()
        matrix = figure.monitor.matrix
        rows = ["".join(row) for row in reversed(matrix.marker)]
        return Frame(rows, matrix.Cols_canvas, matrix.Rows_canvas)

    def layer(self, cols: int, rows: int, lims: Lims, traces: Sequence[Trace]) -> list[str]:
        """The characters of ``traces`` on a bare canvas ``cols`` × ``rows``, top row first.

        A row plotext did not make ``cols`` wide comes back empty.
        """
        figure = self._figure
        figure.clear_data()
        figure.plotsize(cols, rows)
        figure.xaxes(False, False)
        figure.yaxes(False, False)
        figure.xticks([])
        figure.yticks([])
        x_lo, x_hi, y_lo, y_hi = lims
        figure.xlim(x_lo, x_hi)
        figure.ylim(y_lo, y_hi)
        for trace in traces:
            if not trace.xs.size:
                continue
            draw = figure.plot if trace.joined else figure.scatter
            draw(trace.xs.tolist(), trace.ys.tolist(), marker=trace.marker)
        figure._build_matrix()
        marker = figure.monitor.matrix.marker
        return ["".join(row) if len(row) == cols else "" for row in reversed(marker)]


def dots_per_cell(marker: str) -> tuple[int, int]:
    """How many dots a cell holds across and down for ``marker``, as plotext has them."""
    return _pt_utility.marker_factor(marker, 2, 2, 2), _pt_utility.marker_factor(marker, 2, 3, 4)


def dot_index(values: np.ndarray, lo: float, hi: float, dots: int) -> list[int]:
    """The dot (0 … ``dots`` − 1) where plotext puts each value of an axis from lo to hi."""
    return list(_pt_utility.get_matrix_data(values.tolist(), [lo, hi], dots))


def text_chart(
    width: int,
    height: int,
    traces: Sequence[Trace],
    *,
    x_ticks: Sequence[float] | None = None,
    y_ticks: Sequence[float] | None = None,
    y_labels: Sequence[str] | None = None,
    y_limits: tuple[float, float] | None = None,
    x_label: str | None = None,
) -> str:
    """A small self-contained chart as an ANSI string (plotext's own ``build()``).

    For panels that redraw rarely; the plot widgets compose layers instead.
    """
    plotext.clear_figure()
    plotext.plot_size(width, height)
    plotext.theme("clear")
    for trace in traces:
        draw = plotext.plot if trace.joined else plotext.scatter
        draw(trace.xs.tolist(), trace.ys.tolist(), marker=trace.marker)
    if x_ticks is not None:
        plotext.xticks(list(x_ticks))
    if y_limits is not None:
        plotext.ylim(*y_limits)
    if y_ticks is not None:
        plotext.yticks(list(y_ticks), list(y_labels) if y_labels is not None else None)
    if x_label is not None:
        plotext.xlabel(x_label)
    return str(plotext.build())
