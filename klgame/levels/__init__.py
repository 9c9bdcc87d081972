"""Levels: the data model, the YAML loader, the best-fit solver and the level commands.

::

    from klgame.levels import load_catalog, best_fit

    catalog = load_catalog()
    level = catalog.get("gaussian")
    target = level.target.draw(seed=1)
    d_star = level.in_units(best_fit(level, target).divergence)

The file format is described in ``docs/levels.md``.
"""

from klgame.levels.errors import LevelError
from klgame.levels.loader import (
    Catalog,
    builtin_levels_dir,
    level_dirs,
    load_catalog,
    load_directory,
    load_level,
    load_level_text,
)
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
