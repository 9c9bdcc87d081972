"""How a number reads, for people and for JSON: one convention everywhere.

Every screen and every command formats divergences with :func:`number`,
stars with :func:`stars` and writes numbers to JSON with :func:`json_number`,
so ∞ reads the same on the title screen, in ``klgame scores`` and in
``klgame solve``. Plain functions of the standard library only: every layer
may use them.
"""

from __future__ import annotations

import math

#: The most stars a level awards.
MAX_STARS = 3


def number(value: float, digits: int = 4) -> str:
    """A number for reading: fixed decimals, ``∞``/``-∞`` for infinities,
    ``—`` for NaN (never ``inf``, ``nan`` or ``-0.0000``)."""
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) < 0.5 * 10.0**-digits:
        value = 0.0  # no "-0.0000"
    return f"{value:.{digits}f}"


def stars(count: int, out_of: int = MAX_STARS) -> str:
    """``★★☆`` for two stars of three; a count outside 0…``out_of`` is clamped."""
    earned = max(0, min(count, out_of))
    return "★" * earned + "☆" * (out_of - earned)


def json_number(value: float) -> float | None:
    """A number for JSON, which has no infinity: ``null`` for ∞ (and NaN).

    Divergences are never negative and never NaN, so in klgame's JSON
    (``solve --json``, ``replay --json``, ``scores --json``) a ``null``
    divergence means +∞; see docs/replays.md.
    """
    return value if math.isfinite(value) else None
