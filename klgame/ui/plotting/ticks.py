"""Round numbers for axes: tick positions, their labels, and a round top."""

from __future__ import annotations

import math
from collections.abc import Sequence

_MULTS = (1.0, 2.0, 2.5, 5.0, 10.0)


def nice_ticks(
    lo: float, hi: float, max_ticks: int, min_ticks: int = 2
) -> tuple[list[float], list[str]]:
    """Round tick positions covering ``[lo, hi]`` with at most ``max_ticks`` ticks.

    With ``min_ticks`` (at most 6) the step shrinks until at least that many
    round numbers fall inside, even past ``max_ticks``: an axis of 0 … 0.45
    asked for 3 ticks reads 0, 0.2, 0.4 rather than 0 and 0.25. A range
    holding 0 always has a tick at 0 (ticks are multiples of the step).

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
    for _ in range(3 * max(0, min(min_ticks, 6) - 2)):  # a notch smaller: 5 → 2.5 → 2 → 1
        if last - first + 1 >= min_ticks:
            break
        notch = _MULTS.index(mult)
        if notch == 0:
            exponent, mult = exponent - 1, 5.0
        else:
            mult = _MULTS[notch - 1]
        magnitude = 10.0**exponent
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


def round_up(value: float) -> float:
    """A round number a little above ``value`` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k)."""
    if value <= 0:
        return 0.0
    scale = 10.0 ** math.floor(math.log10(value))
    for mult in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if mult * scale >= value * (1 - 1e-12):
            return float(f"{mult * scale:.12g}")
    return float(f"{10.0 * scale:.12g}")


# --- a second scale, on the right, for an overlay sharing the left axis's zero --------

#: How high the overlay's largest |value| reaches, at most, as a share of the top.
OVERLAY_REACH = 0.8


def overlay_floor(low: float, high: float, bottom: float, top: float) -> float:
    """The bottom of the left axis once an overlay from ``low`` to ``high`` shares it.

    Whatever step the ticks then take, :func:`right_axis` draws the overlay at
    most :data:`OVERLAY_REACH` × ``top`` / peak times its value, so this floor
    keeps its negative part on the plot.
    """
    peak = max(abs(low), abs(high))
    if not (math.isfinite(peak) and peak > 0 and top > 0):
        return bottom
    return min(bottom, 1.1 * OVERLAY_REACH * top * (min(low, 0.0) / peak))


def right_axis(
    low: float, high: float, ticks: Sequence[float], top: float
) -> tuple[float, list[str]] | None:
    """The overlay's scale: (left units per overlay unit, a label for each left tick).

    The factor makes every left tick a round overlay value (a left step of
    0.1 reads 0.02, 0.05, 0.1, 0.2 … on the right), with the overlay's peak
    between about a third of the top and :data:`OVERLAY_REACH` of it.
    ``None`` when there is nothing to scale.
    """
    peak = max(abs(low), abs(high))
    if len(ticks) < 2 or not (math.isfinite(peak) and peak > 0 and top > 0):
        return None
    step = ticks[1] - ticks[0]
    wanted = peak * (step / (OVERLAY_REACH * top))  # overlay units per left step, at least
    if not (math.isfinite(wanted) and 1e-300 < wanted < 1e300):
        return None
    exponent = math.floor(math.log10(wanted))
    for mult in _MULTS:
        right_step = mult * 10.0**exponent
        if right_step >= wanted * (1 - 1e-12):
            break
    factor = step / right_step
    if not (math.isfinite(factor) and factor > 0):
        return None
    values = [round(t / step) * right_step for t in ticks]
    place = exponent + (1 if mult == 10.0 else 0) - (1 if mult == 2.5 else 0)
    size = max(abs(v) for v in values)
    if size >= 1e6 or place < -4:
        digits = max(0, math.floor(math.log10(size)) - place) if size > 0 else 0
        return factor, _exponent_labels(values, digits, zero_below=right_step * 1e-9)
    decimals = max(0, -place)
    return factor, [f"{0.0 if abs(v) < right_step * 1e-9 else v:.{decimals}f}" for v in values]


def zero_on_a_row(bottom: float, top: float, rows: int) -> float:
    """A bottom at or below ``bottom`` that puts 0 exactly on a row of the canvas.

    plotext places a tick at row round((rows − 1)·f) but a braille dot at
    round((4·rows − 1)·f), f = (y − bottom) / (top − bottom); where f·(rows − 1)
    is a whole number both land in the same row, so the overlay's zero line
    is drawn on the 0 tick instead of a row below it. Always possible for a
    bottom no lower than −top (what :func:`overlay_floor` gives) and 3 rows or more.
    """
    if not (bottom < 0.0 < top) or rows < 3:
        return bottom
    row = math.ceil((rows - 1) * -bottom / (top - bottom) - 1e-9)
    if row >= rows - 1:
        return bottom
    return min(bottom, -top * row / (rows - 1 - row))
