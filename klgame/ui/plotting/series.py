"""What a plot draws: series, their roles, and how each role looks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np

Role = Literal["guess", "target", "best", "integrand", "marker", "other"]
ROLES: tuple[Role, ...] = get_args(Role)


@dataclass(frozen=True)
class RoleLook:
    """How one role is drawn."""

    colors: tuple[str, ...]  # theme variables, first one that resolves wins
    curve_marker: str  # plotext marker for curves
    bar_marker: str  # plotext marker for bars
    legend: str  # what the legend shows for the curve marker
    z: int  # drawing order: higher is drawn on top


LOOKS: dict[str, RoleLook] = {
    "integrand": RoleLook(("warning",), "•", "░", "•••", 0),
    "best": RoleLook(("foreground-muted", "foreground"), "·", "▚", "···", 1),
    # another answer at the reveal: a second low point, the other direction's best
    "other": RoleLook(("secondary", "accent"), "+", "▚", "+++", 1),
    "target": RoleLook(("error",), "hd", "█", "▞▞▞", 2),
    "guess": RoleLook(("primary", "accent"), "braille", "▒", "⢕⢕⢕", 3),
    "marker": RoleLook(("success", "accent"), "x", "x", "x", 4),
}


# Cell kinds in the composed grid; roles follow from KIND_ROLE0 in ROLES order.
KIND_BLANK = 0
KIND_AXES = 1
KIND_TEXT = 2
KIND_ROLE0 = 3


ROLE_KIND: dict[str, int] = {role: KIND_ROLE0 + i for i, role in enumerate(ROLES)}


def role_kind(role: str) -> int:
    return ROLE_KIND[role]


def as_array(values: Any) -> np.ndarray:
    array = np.array(values, dtype=float).ravel()
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Series:
    """One curve to draw.

    Attributes:
        name: Label shown in the legend.
        xs: x coordinates (numpy array or any sequence of numbers).
        ys: y values, same length as ``xs``.
        role: What the curve is; decides colour, marker and drawing order.
    """

    name: str
    xs: Any
    ys: Any
    role: Role = "guess"
    _key: tuple[Any, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {ROLES}")
        xs, ys = as_array(self.xs), as_array(self.ys)
        if xs.shape != ys.shape:
            raise ValueError(f"xs and ys differ in length: {xs.size} != {ys.size}")
        object.__setattr__(self, "xs", xs)
        object.__setattr__(self, "ys", ys)
        # what the rasterised layer depends on (the name only shows in the legend)
        object.__setattr__(self, "_key", (self.role, xs.tobytes(), ys.tobytes()))
