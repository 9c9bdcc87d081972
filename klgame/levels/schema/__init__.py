"""The level schema: checks a composed YAML node tree and builds a :class:`Level`.

Works on PyYAML nodes, not on constructed Python objects, so that every
message can name the line and column to fix. The checks are tables of field
specs (:class:`~klgame.levels.schema.nodes.Field`) walked by one function;
what each distribution family's entry holds comes from the family registry
(:mod:`klgame.engine.registry`). Each check reports its problem and carries
on (a failed value becomes :data:`MISSING`), so one pass finds every problem
of a file. The field reference is ``docs/levels.md``.
"""

from __future__ import annotations

from klgame.levels.schema.families import GUESS_FAMILIES, TARGET_FAMILIES
from klgame.levels.schema.level import (
    DEFAULT_ORDER,
    DIRECTIONS,
    QUESTION_KEYS,
    UNITS,
    TargetLookup,
    check_level,
)
from klgame.levels.schema.nodes import EXPLICIT_TAGS, MISSING, YAML_TAG_PREFIX

__all__ = [
    "DEFAULT_ORDER",
    "DIRECTIONS",
    "EXPLICIT_TAGS",
    "GUESS_FAMILIES",
    "MISSING",
    "QUESTION_KEYS",
    "TARGET_FAMILIES",
    "UNITS",
    "YAML_TAG_PREFIX",
    "TargetLookup",
    "check_level",
]
