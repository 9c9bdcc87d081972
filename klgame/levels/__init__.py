"""Levels: the data model, the YAML loader and the best-fit solver.

::

    from klgame.levels import load_catalog, best_fit

    catalog = load_catalog()
    level = catalog.get("gaussian")
    target = level.target.draw(seed=1)
    d_star = level.in_units(best_fit(level, target).divergence)

The file format is described in ``docs/levels.md``. The loader (and PyYAML
with it) is imported only when one of its names is first asked for, so the
rules, which need the model alone, never load YAML.
"""

from typing import TYPE_CHECKING, Any

from klgame.levels.errors import LevelError
from klgame.levels.model import (
    DEFAULT_METERS,
    DEFAULT_STARS,
    Direction,
    GuessModel,
    Level,
    Meter,
    ParamSpec,
    RandomRange,
    TargetSpec,
    Units,
    View,
)
from klgame.levels.solve import Solution, best_fit, fit_model

if TYPE_CHECKING:
    from klgame.levels.loader import (
        Catalog,
        builtin_levels_dir,
        level_dirs,
        load_catalog,
        load_directory,
        load_level,
        load_level_text,
    )

_FROM_LOADER = frozenset(
    {
        "Catalog",
        "builtin_levels_dir",
        "level_dirs",
        "load_catalog",
        "load_directory",
        "load_level",
        "load_level_text",
    }
)


def __getattr__(name: str) -> Any:
    if name in _FROM_LOADER:
        from klgame.levels import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_METERS",
    "DEFAULT_STARS",
    "Catalog",
    "Direction",
    "GuessModel",
    "Level",
    "LevelError",
    "Meter",
    "ParamSpec",
    "RandomRange",
    "Solution",
    "TargetSpec",
    "Units",
    "View",
    "best_fit",
    "builtin_levels_dir",
    "fit_model",
    "level_dirs",
    "load_catalog",
    "load_directory",
    "load_level",
    "load_level_text",
]
