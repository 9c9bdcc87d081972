"""The divergence landscape of a level: the scoring divergence over two of a
guess model's parameters (or over one), the others held.

Shared by ``klgame solve --landscape`` and the game's landscape view. Variances
bounded away from 0 get a logarithmic axis (the fitter searches them on one
too); everything else a linear one, from the parameter's min to its max.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from klgame.engine import Distribution, Family
from klgame.engine.batch import landscape as batch_landscape
from klgame.engine.registry import log_scaled
from klgame.levels.model import GuessModel, Level, ParamSpec

__all__ = [
    "SHADES",
    "Landscape",
    "axis_values",
    "compute",
    "default_pair",
    "is_log_axis",
    "shade_rows",
]

#: The grid drawn for authors and players: 60 values across, 30 down.
COLUMNS, ROWS = 60, 30


@dataclass(frozen=True)
class Landscape:
    """The scoring divergence (nats) on a grid: ``divergence[i][j]`` is at
    ``y_values[i]``, ``x_values[j]``; with no ``y``, one row."""

    model_id: str
    x: str
    y: str | None
    x_values: tuple[float, ...]
    y_values: tuple[float, ...]
    held: dict[str, float]
    divergence: np.ndarray

    def lowest(self) -> tuple[float, float | None, float]:
        """(x, y, divergence) of the lowest cell (the first one, on ties)."""
        flat = np.where(np.isfinite(self.divergence), self.divergence, np.inf)
        row, column = np.unravel_index(int(np.argmin(flat)), flat.shape)
        y = self.y_values[row] if self.y is not None else None
        return self.x_values[column], y, float(self.divergence[row, column])


def is_log_axis(spec: ParamSpec, family: Family) -> bool:
    """Whether the axis of ``spec`` is geometric: a positive scale parameter of
    ``family`` (a variance, a rate) bounded away from 0."""
    return log_scaled(family, spec.name, spec.min)


def axis_values(spec: ParamSpec, count: int, family: Family) -> tuple[float, ...]:
    """``count`` values from the parameter's min to its max, geometric on a log axis."""
    if spec.max <= spec.min:
        return (spec.min,)
    if is_log_axis(spec, family):
        values = np.geomspace(spec.min, spec.max, count)
    else:
        values = np.linspace(spec.min, spec.max, count)
    return tuple(float(v) for v in values)


def default_pair(model: GuessModel) -> tuple[str, str | None]:
    """The first two free parameters (one for a one-parameter model)."""
    free = [spec.name for spec in model.free_params()]
    if not free:
        raise ValueError(f"model {model.id!r} has no free parameters: there is no landscape")
    return free[0], (free[1] if len(free) > 1 else None)


def check_pair(model: GuessModel, x: str, y: str | None) -> None:
    """A ValueError naming the problem if ``x``/``y`` cannot be the axes."""
    free = [spec.name for spec in model.free_params()]
    for name in (x, y):
        if name is not None and name not in free:
            raise ValueError(
                f"{name!r} is not a free parameter of model {model.id!r} "
                f"(free: {', '.join(free) or 'none'})"
            )
    if x == y:
        raise ValueError(f"the two parameters must differ, got {x!r} twice")


def compute(
    level: Level,
    model: GuessModel,
    target: Distribution,
    held: Mapping[str, float],
    x: str,
    y: str | None,
    columns: int = COLUMNS,
    rows: int = ROWS,
) -> Landscape:
    """The landscape of ``model`` for ``target``, the parameters other than
    ``x`` and ``y`` at ``held`` (fixed ones at their fixed values)."""
    check_pair(model, x, y)
    base = {name: float(value) for name, value in held.items()} | model.fixed_values()
    xs = axis_values(model.param(x), columns, model.family)
    ys = axis_values(model.param(y), rows, model.family) if y is not None else ()
    for name in model.family.param_names:
        base.setdefault(name, model.param(name).start)
    base.pop(x, None)
    if y is not None:
        base.pop(y, None)
        grid = batch_landscape(target, model.family, level.scoring, base, (x, xs), (y, ys))
    else:
        grid = batch_landscape(target, model.family, level.scoring, base, (x, xs))[None, :]
    grid = np.where(np.isnan(grid), math.inf, grid)
    return Landscape(model.id, x, y, xs, tuple(ys), base, grid)


SHADES = "@%#*+=-:. "  # low ground dark, high ground light: readable without colour


def shade_rows(values: np.ndarray, shades: str = SHADES) -> list[str]:
    """One character per cell: shades by rank (each about a ninth of the finite
    cells, lowest darkest), ``o`` on a cell lower than all its neighbours (a
    basin's floor), blank for ∞."""
    finite = np.isfinite(values)
    ranks = np.zeros(values.shape)
    if finite.any():
        order = np.argsort(np.where(finite, values, np.inf), axis=None, kind="stable")
        ranks.flat[order] = np.arange(values.size) / max(int(finite.sum()), 1)
    padded = np.pad(np.where(finite, values, np.inf), 1, constant_values=np.inf)
    rows, columns = values.shape
    neighbours = [
        padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + columns]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    ]
    floor = finite & np.all([values < n for n in neighbours], axis=0)
    out = []
    for r in range(rows):
        cells = []
        for c in range(columns):
            if not finite[r, c]:
                cells.append(" ")
            elif floor[r, c]:
                cells.append("o")
            else:
                cells.append(shades[min(int(ranks[r, c] * (len(shades) - 1)), len(shades) - 2)])
        out.append("".join(cells))
    return out
