"""Which points of a curve reach plotext: finite, clipped to the view, at most
two a column, and where a curve's flat tails can come from a cached line."""

from __future__ import annotations

import numpy as np

from klgame.ui.plotting.layers import Geometry
from klgame.ui.plotting.plotext_adapter import dot_index, dots_per_cell
from klgame.ui.plotting.series import Series

# (first, last) points plotext draws; the left tail's (dot row, first column
# not taken from its flat line) and the right tail's (dot row, last column not
# taken from its flat line); a column of None means that side has no flat tail
Split = tuple[int, int, tuple[int, int | None], tuple[int, int | None]]


def flat_tails(xs: np.ndarray, ys: np.ndarray, geometry: Geometry, marker: str) -> Split | None:
    """Where a curve's flat tails end, in plotext's own dot coordinates.

    A tail is the run of points at the start (or end) that fall on one row of
    dots. The split points are chosen in a tail so that the cell holding the
    split point lies wholly on the moving side. ``None``: nothing to gain.
    """
    n = xs.size
    if n < 8:
        return None
    x_dots, y_dots = dots_per_cell(marker)
    x_lo, x_hi, y_lo, y_hi = geometry.lims
    cols = dot_index(xs, x_lo, x_hi, geometry.cols * x_dots)
    rows = dot_index(ys, y_lo, y_hi, geometry.rows * y_dots)
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


def prepare(series: Series, geometry: Geometry) -> tuple[np.ndarray, np.ndarray]:
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
    return envelope(xs, ys, lo, hi, geometry.cols)


def envelope(
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
