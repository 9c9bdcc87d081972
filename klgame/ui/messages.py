"""Events that travel up: small dataclass messages, handled by the app.

Screens and widgets never reach for each other; they post one of these and
the app decides what happens next (which screen, which level).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class PlayLevel(Message):
    """Start (or restart) a level; ``None`` means the level list."""

    level_id: str | None


@dataclass
class ParamPicked(Message):
    """The player clicked a parameter in the panel."""

    index: int


@dataclass
class ParamSet(Message):
    """The mouse set a parameter on its slider; ``continues``: the same drag."""

    index: int
    value: float
    continues: bool = False


@dataclass
class ParamWheel(Message):
    """The mouse wheel turned over a parameter's slider: one step up (+1) or down."""

    index: int
    sign: int
