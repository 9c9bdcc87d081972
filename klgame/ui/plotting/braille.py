"""A braille line, rasterised the way plotext 5 rasterises it, in numpy.

The guess is redrawn on every nudge, and plotext spends about 2 ms of pure
Python on one braille curve (a list per segment, a transpose per point list).
This is the same arithmetic, step for step, on arrays:

1. each point to a dot: ``floor(round_half_up(0.5 + (dots - 1) * (v - lo) /
   (hi - lo), 8))``, per axis (plotext's ``get_matrix_data``);
2. the dots between consecutive points: ``max(|dx|, |dy|) + 1`` evenly spaced
   values from one to the next, truncated toward zero, the last one left to
   the next segment (``get_line`` / ``get_lines``);
3. dots to cells of 2 × 4, each cell's dots OR-ed into one braille character
   (``hd_group``), cells outside the canvas dropped (``remove_outsiders``).

``tests/ui/test_braille.py`` checks the cells against plotext's own drawing
over random curves. Only finite points are accepted: ``_prepare`` in the plot
keeps only those.
"""

from __future__ import annotations

import numpy as np

# (row of dots within a cell counted from the bottom, column) -> braille bit
_BIT = np.array(
    [
        [0x40, 0x80],  # the bottom row: dots 7 and 8
        [0x04, 0x20],  # dots 3 and 6
        [0x02, 0x10],  # dots 2 and 5
        [0x01, 0x08],  # the top row: dots 1 and 4
    ],
    dtype=np.int64,
)


def _dots(values: np.ndarray, lo: float, hi: float, dots: int) -> np.ndarray:
    """plotext's get_matrix_data: values -> dot indices (0 at ``lo``)."""
    scaled = 0.5 + (dots - 1) * (values - lo) / (hi - lo)
    # its round(n, 8): half up at the 8th decimal, then times 10**-8
    n = scaled * 10**8
    low = np.floor(n)
    rounded = np.where(n - low < 0.5, low, np.ceil(n)) * 10 ** (-8)
    return np.floor(rounded).astype(np.int64)


def braille_line(
    xs: np.ndarray,
    ys: np.ndarray,
    lims: tuple[float, float, float, float],
    cols: int,
    rows: int,
) -> list[tuple[int, int, str]]:
    """The non-blank cells ``(row from the top, column, character)`` of a
    braille line through the points, on a canvas ``cols`` × ``rows``."""
    if xs.size == 0 or cols <= 0 or rows <= 0:
        return []
    x_lo, x_hi, y_lo, y_hi = lims
    px = _dots(np.asarray(xs, dtype=np.float64), x_lo, x_hi, cols * 2)
    py = _dots(np.asarray(ys, dtype=np.float64), y_lo, y_hi, rows * 4)
    if px.size > 1:
        x0, y0 = px[:-1], py[:-1]
        dx, dy = px[1:] - x0, py[1:] - y0
        steps = np.maximum(np.abs(dx), np.abs(dy))  # points per segment, the last dropped
        total = int(steps.sum())
        segment = np.repeat(np.arange(steps.size), steps)
        first = np.cumsum(steps) - steps
        i = (np.arange(total) - first[segment]).astype(np.float64)
        # linspace(x0, x1, steps + 1): x0 + i * (x1 - x0) / steps, then int()
        with np.errstate(divide="ignore", invalid="ignore"):
            slope_x = dx / steps
            slope_y = dy / steps
        line_x = np.trunc(x0[segment] + i * slope_x[segment]).astype(np.int64)
        line_y = np.trunc(y0[segment] + i * slope_y[segment]).astype(np.int64)
        px = np.concatenate((line_x, px[-1:]))
        py = np.concatenate((line_y, py[-1:]))
    col, row = px // 2, py // 4
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    col, row = col[inside], row[inside]
    bits = _BIT[py[inside] % 4, px[inside] % 2]
    cell = row * cols + col
    codes = np.zeros(cols * rows, dtype=np.int64)
    np.bitwise_or.at(codes, cell, bits)
    lit = np.flatnonzero(codes)
    top = rows - 1 - lit // cols
    return [
        (int(r), int(c), chr(0x2800 + int(code)))
        for r, c, code in zip(top, lit % cols, codes[lit], strict=True)
    ]
