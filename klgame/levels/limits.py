"""What the game can show: the ranges a level's numbers must keep to.

The engine computes divergences for any finite parameter, but a plot cannot
frame a mean of 1e308 or draw a bell curve of variance 1e300 next to one of
variance 1e-300. The schema refuses numbers outside these ranges, naming the
range; ``docs/levels.md`` ("What the game can show") lists them. Inside them
every screen draws and every number is finite or ∞.

Why these numbers: a plot frames the target's mean ± 4 standard deviations
(or the level's ``view``), so with means within ±1e6 and standard deviations
from 0.001 to about 3e4 the frame stays within ±1e7; the narrowest curve is
still about ten million float steps wide at that distance from 0, its peak
(about 400) and the widest curve's (about 1e-5) are ordinary floats, and the
ratio of two variances (at most 1e15) keeps its digits in the divergence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """A closed range [low, high] and what it is for, in an author's words."""

    low: float
    high: float
    why: str

    def admits(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        return f"[{short(self.low)}, {short(self.high)}] ({self.why})"


def short(value: float) -> str:
    """A number as an author writes it: ``1e6``, ``1e-6``, ``0.5``, ``1e308``."""
    text = f"{value:g}"
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else text


#: Means of targets and guesses (and their bounds and random ranges).
MEAN = Limit(-1e6, 1e6, "the x range the game can draw")
#: Variances of targets and guesses: standard deviations from 0.001 to about 3e4
#: (a ratio of variances the engine resolves to the last digit: 1e15).
VARIANCE = Limit(1e-6, 1e9, "the widths the game can draw")
#: Rates of Poisson guesses (and their bounds): every bar the game draws over
#: a support of at most 50 values is then an ordinary float or 0.
RATE = Limit(1e-6, 1e6, "the rates the game can draw")
#: Counts and mixture weights (relative: only their ratios matter).
MASS = Limit(0.0, 1e15, "the counts and weights the game can add up")
#: A level's fixed plot frame, ``view.x_min`` and ``view.x_max``.
VIEW_X = Limit(-1e7, 1e7, "the x range the game can draw")
#: A level's fixed top of the y axis, ``view.y_max``.
VIEW_Y = Limit(0.0, 1e6, "the heights the game can draw")
#: A knob's step, relative to the largest of 1 and its bounds' sizes: a smaller
#: step would move nothing a player could see.
MIN_RELATIVE_STEP = 1e-9
#: A level's fixed plot frame is at least this wide, relative to the largest
#: of 1 and the sizes of its ends: a narrower frame has no room for ticks.
MIN_RELATIVE_VIEW = 1e-6
