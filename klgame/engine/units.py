"""Nats and bits: divergences are computed in nats and shown in either."""

from __future__ import annotations

import math
from typing import Literal

Units = Literal["nats", "bits"]

#: ln 2: one bit is ln 2 nats.
LN2 = math.log(2.0)


def in_units(nats: float, units: str) -> float:
    """A value in nats, converted to ``units`` (``"nats"`` or ``"bits"``)."""
    if units == "nats":
        return nats
    if units == "bits":
        return nats / LN2
    raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")


def to_nats(value: float, units: str) -> float:
    """A value in ``units``, converted back to nats (the inverse of :func:`in_units`)."""
    return value / in_units(1.0, units)
