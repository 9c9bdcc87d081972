"""How numbers and names read on screen: one place, so every screen agrees.

Pure functions (no Textual), so they are tested like the rules.
"""

from __future__ import annotations

import math

# Shared with the command line, so the game and the commands agree:
from klgame.format import number as number
from klgame.format import stars as stars

#: The divergence of each direction, written the way the lessons write it;
#: and of each cousin a level may be scored by (its ``scoring``).
DIRECTION_SYMBOL = {
    "forward": "KL(p‖q)",
    "reverse": "KL(q‖p)",
    "jensen-shannon": "JS(p, q)",
    "hellinger": "H(p, q)",
    "total-variation": "TV(p, q)",
}

#: What each direction does to a guess that cannot match exactly; what each
#: cousin is.
DIRECTION_NATURE = {
    "forward": "mass-covering",
    "reverse": "mode-seeking",
    "jensen-shannon": "symmetric, at most ln 2",
    "hellinger": "symmetric, at most 1",
    "total-variation": "symmetric, at most 1",
}

_COUSIN_LABEL = {
    "jensen-shannon": "Jensen–Shannon",
    "hellinger": "Hellinger H",
    "total-variation": "total var. TV",
}


def direction_label(direction: str) -> str:
    """``forward KL(p‖q)`` or ``reverse KL(q‖p)``; a cousin's short name
    (``Jensen–Shannon``, ``Hellinger H``, ``total var. TV``)."""
    if direction in _COUSIN_LABEL:
        return _COUSIN_LABEL[direction]
    return f"{direction} {DIRECTION_SYMBOL[direction]}"


def units_label(units: str, scoring: str) -> str:
    """The units the scoring divergence is shown in: ``nats``, ``bits``, or
    ``no units`` (Hellinger and total variation are plain numbers)."""
    return units if scoring not in ("hellinger", "total-variation") else "no units"


def big_number(value: float) -> str:
    """A divergence for the large display: at most six characters, ∞ as ``∞``."""
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "∞"
    value = max(value, 0.0)
    if value < 10:
        return f"{value:.4f}"
    if value < 100:
        return f"{value:.3f}"
    if value < 1000:
        return f"{value:.2f}"
    if value < 1e6:
        return f"{value:.0f}"
    return "999999"


def param_value(value: float, step: float) -> str:
    """A parameter value with as many decimals as its smallest (fine) step needs."""
    fine = step / 10.0
    decimals = 0
    while decimals < 6 and abs(round(fine, decimals) - fine) > fine * 1e-6:
        decimals += 1
    shown = max(2, decimals)
    text = f"{value:.{shown}f}"
    return "0." + "0" * shown if text.startswith("-") and float(text) == 0 else text


def reflow(text: str) -> str:
    """Level text as paragraphs: the line breaks of the file are joined, so
    the text wraps to the width of the screen; blank lines stay paragraph breaks."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def duration(seconds: float) -> str:
    """Minutes and seconds: ``0:07``, ``12:30``."""
    minutes, rest = divmod(round(max(0.0, seconds)), 60)
    return f"{minutes}:{rest:02d}"


def meter_fill(divergence: float, limit: float) -> float:
    """How full a meter is: 1 at KL = 0, 0 at KL ≥ limit (and at ∞)."""
    if not math.isfinite(divergence) or limit <= 0:
        return 0.0
    return min(1.0, max(0.0, 1.0 - divergence / limit))


def log_meter_fill(divergence: float, limit: float, floor: float) -> float:
    """A meter on a log scale: 0 at KL ≥ ``limit``, 1 at KL ≤ ``floor``.

    Each tenfold drop of KL fills the same length, so the meter keeps moving
    down to the smallest divergences that still earn stars.
    """
    if not math.isfinite(divergence) or not 0 < floor < limit:
        return 0.0
    if divergence <= floor:
        return 1.0
    return min(1.0, max(0.0, math.log(limit / divergence) / math.log(limit / floor)))


def meter_floor(limit: float, three_stars: float) -> float:
    """Where a fine meter is full: a fifth of the three-star threshold, and below ``limit``."""
    return min(three_stars / 5, limit / 10) if three_stars > 0 else limit / 1000


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fill: float, width: int) -> tuple[str, str]:
    """A horizontal bar ``width`` cells wide: (filled part, empty part).

    The filled part ends in an eighth-block, so small changes show.
    """
    width = max(0, width)
    eighths = round(min(1.0, max(0.0, fill)) * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (_EIGHTHS[part] if part else "")
    return filled, "░" * (width - len(filled))
