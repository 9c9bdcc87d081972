"""The levels a game offers: each known by its heading, decoded when played.

A host may offer thousands of level files. The level list needs only each
level's id, title, lesson, order, direction and units; in hosted mode these
come from the level cache's index (:mod:`klgame.levels.cache`) as a
:class:`Heading`, and the level itself is decoded -- from the cache entry of
the very file checked, or else read and checked again -- only when it is
played (:meth:`Catalog.get`). So a connection's start does not grow with
the size of the levels, only (a little) with their number.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from klgame.engine.measures import Measure, criterion
from klgame.errors import KlgameError
from klgame.levels.errors import escape_unsafe
from klgame.levels.model import Direction, Level, Units


class Listed(Protocol):
    """What a list of levels shows of each: a :class:`Level` or a :class:`Heading`."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def lesson(self) -> str: ...
    @property
    def order(self) -> int: ...
    @property
    def direction(self) -> Direction: ...
    @property
    def units(self) -> Units: ...
    @property
    def scoring(self) -> str: ...
    @property
    def source(self) -> str | None: ...


class Heading(NamedTuple):
    """A level known by what its list shows; :meth:`load` gives the whole
    level (or raises :class:`KlgameError` if it can no longer be had). A
    tuple, as thousands are made at a start, all sharing one ``loader``."""

    id: str
    title: str
    lesson: str
    order: int
    direction: Direction
    units: Units
    source: str | None
    content_hash: str
    #: Gives the whole level of a heading (the same for a directory's headings).
    loader: Callable[[Heading], Level]
    #: The divergence the level is scored by (as :attr:`Level.divergence`).
    divergence: Measure = "kl"

    def load(self) -> Level:
        """The whole level."""
        return self.loader(self)

    @property
    def scoring(self) -> str:
        """What the level is scored by, as :attr:`Level.scoring`."""
        return criterion(self.divergence, self.direction)


Entry = Level | Heading


@dataclass(frozen=True)
class Catalog:
    """Every level the game can offer, sorted by (order, id).

    ``entries`` are levels or their headings (iterating gives them as they
    are: enough for a list); :meth:`get`, :meth:`next_after` and
    :attr:`levels` give whole levels, each decoded once. ``warnings`` tell of
    user levels that replace others; ``errors`` of files that could not be
    loaded (the rest load anyway).
    """

    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    _loaded: dict[str, Level] = field(default_factory=dict, compare=False, repr=False)

    @property
    def levels(self) -> tuple[Level, ...]:
        """Every level, whole (each heading decoded: slow for thousands)."""
        return tuple(self._whole(entry) for entry in self.entries)

    def _whole(self, entry: Entry) -> Level:
        if isinstance(entry, Level):
            return entry
        level = self._loaded.get(entry.id)
        if level is None:
            level = self._loaded[entry.id] = entry.load()
        return level

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, level_id: object) -> bool:
        return any(entry.id == level_id for entry in self.entries)

    def ids(self) -> tuple[str, ...]:
        return tuple(entry.id for entry in self.entries)

    def get(self, level_id: str) -> Level:
        """The level called ``level_id``; a :class:`KlgameError` naming the choices if none."""
        for entry in self.entries:
            if entry.id == level_id:
                return self._whole(entry)
        ids = self.ids()
        close = difflib.get_close_matches(level_id, ids, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise KlgameError(
            f"unknown level '{escape_unsafe(level_id, 60)}'{hint}; 'klgame levels' lists them"
        )

    def next_after(self, level_id: str) -> Level | None:
        """The level after ``level_id`` in play order, if any."""
        ids = self.ids()
        if level_id in ids and ids.index(level_id) + 1 < len(ids):
            return self._whole(self.entries[ids.index(level_id) + 1])
        return None
