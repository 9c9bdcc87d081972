"""Which divergence scores a level: KL (in a direction) or one of its cousins.

A level is scored by KL(p‖q) or KL(q‖p) (its ``direction``) unless it names
a cousin (its ``divergence``): Jensen–Shannon, Hellinger or total variation,
all symmetric, so their direction only says which way a text talks. The
engine's scoring functions (:func:`klgame.engine.fitting.divergence`,
``fit``, ``gradient``, the batch) take one *criterion*: ``"forward"``,
``"reverse"``, or a cousin's name; :func:`criterion` makes it.

Jensen–Shannon is in nats like KL (bits on request); Hellinger and total
variation are plain numbers in [0, 1] with no units, so :func:`in_units`
leaves them alone.
"""

from __future__ import annotations

from typing import Literal

from klgame.engine.units import in_units as _in_units

Measure = Literal["kl", "jensen-shannon", "hellinger", "total-variation"]
#: Every divergence a level may be scored by; ``kl`` is the default.
MEASURES: tuple[Measure, ...] = ("kl", "jensen-shannon", "hellinger", "total-variation")
#: The symmetric cousins, each its own criterion.
COUSINS: tuple[Measure, ...] = ("jensen-shannon", "hellinger", "total-variation")
#: The cousins that are plain numbers, with no units.
UNITLESS: frozenset[str] = frozenset({"hellinger", "total-variation"})
#: Each measure's short name on screen.
SYMBOL = {
    "kl": "KL",
    "jensen-shannon": "JS",
    "hellinger": "H",
    "total-variation": "TV",
}
#: Each measure's name in a sentence.
NAME = {
    "kl": "Kullback–Leibler",
    "jensen-shannon": "Jensen–Shannon",
    "hellinger": "the Hellinger distance",
    "total-variation": "total variation",
}


def criterion(measure: str, direction: str) -> str:
    """What the engine minimises: ``direction`` for KL, else the cousin's name."""
    if measure == "kl":
        return direction
    if measure in COUSINS:
        return measure
    raise ValueError(f"divergence must be one of {', '.join(MEASURES)}, got {measure!r}")


def has_units(criterion_or_measure: str) -> bool:
    """Whether values of this divergence are in nats (or bits)."""
    return criterion_or_measure not in UNITLESS


def in_units(value: float, units: str, criterion_or_measure: str) -> float:
    """A value of this divergence, from nats to ``units`` (unitless ones unchanged)."""
    if not has_units(criterion_or_measure):
        return value
    return _in_units(value, units)


#: Each criterion in a phrase: ``scored by <this>``.
PHRASE = {
    "forward": "forward KL(p‖q)",
    "reverse": "reverse KL(q‖p)",
    "jensen-shannon": "Jensen–Shannon JS(p, q)",
    "hellinger": "the Hellinger distance H(p, q)",
    "total-variation": "total variation TV(p, q)",
}
#: Each criterion's formula symbol, as the big number's label shows it.
FORMULA = {
    "forward": "KL(p‖q)",
    "reverse": "KL(q‖p)",
    "jensen-shannon": "JS(p, q)",
    "hellinger": "H(p, q)",
    "total-variation": "TV(p, q)",
}


def unit_suffix(units: str, criterion_or_measure: str) -> str:
    """What follows a value: `` nats``, `` bits``, or nothing for a unitless one."""
    return f" {units}" if has_units(criterion_or_measure) else ""


def units_phrase(units: str, criterion_or_measure: str) -> str:
    """``in nats``, ``in bits``, or ``no units`` for Hellinger and total variation."""
    return f"in {units}" if has_units(criterion_or_measure) else "no units"
