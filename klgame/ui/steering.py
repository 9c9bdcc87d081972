"""Steering faster: a held nudge key speeds up, and the mouse's slider values.

Both turn into ordinary actions (``Nudge`` with ``times``, ``Set``), so a
replay repeats exactly what was played; only the UI looks at the timing of key
events, here, and the rules never read a clock. No Textual in this module: the
schedule is tested on its own and by the finale's press-count test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from klgame.levels.model import ParamSpec

#: Key events closer than this (seconds) are the terminal repeating a held
#: key; a longer gap means the key was let go (typical repeat: 25–40 per second).
REPEAT_GAP = 0.1

#: Steps per nudge as a held key keeps repeating: the ``n``-th repeat moves
#: ``SPEEDS[n]`` steps (the last entry from then on).
SPEEDS = (1,) * 5 + (2,) * 5 + (5,)


def speed(repeats: int) -> int:
    """Steps for a key event that is the ``repeats``-th repeat in a row (0: a press)."""
    return SPEEDS[min(repeats, len(SPEEDS) - 1)]


@dataclass
class Accelerator:
    """Counts the repeats of one held key from the times of its events."""

    key: object = None
    last: float = -math.inf
    repeats: int = 0

    def times(self, key: object, now: float) -> int:
        """How many steps this event of ``key`` at ``now`` moves."""
        if key == self.key and 0 <= now - self.last <= REPEAT_GAP:
            self.repeats += 1
        else:
            self.key, self.repeats = key, 0
        self.last = now
        return speed(self.repeats)


def snap(spec: ParamSpec, value: float) -> float:
    """``value`` on the knob's step grid (counted from its minimum), in bounds."""
    steps = round((value - spec.min) / spec.step)
    snapped = round(spec.min + steps * spec.step, 10)
    return min(max(snapped, spec.min), spec.max)


def slider_value(spec: ParamSpec, cell: float, cells: int) -> float:
    """The value at ``cell`` (0 … cells − 1, may lie outside) of a slider ``cells`` wide."""
    fraction = 0.0 if cells <= 1 else min(1.0, max(0.0, cell / (cells - 1)))
    return snap(spec, spec.min + fraction * (spec.max - spec.min))


def slider_cell(spec: ParamSpec, value: float, cells: int) -> int:
    """Where ``value`` sits on a slider ``cells`` wide (the thumb's cell)."""
    span = spec.max - spec.min
    if span <= 0 or cells <= 1:
        return 0
    return round(min(1.0, max(0.0, (value - spec.min) / span)) * (cells - 1))
