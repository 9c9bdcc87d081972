"""Shared targets: a class, or the day's challenge, gives everyone the same seeds.

A :class:`Board` is where attempts are compared. Its base seed and a level's
id give that level's seed (:meth:`Board.seed_for`) by SHA-256, so every
player of a class -- on any host, in any order -- gets the same target at
each level, and every player anywhere gets the same daily targets on the same
UTC date. Pure: no clock is read here; callers pass the date.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

#: The letters class codes are made of: no 0/O, 1/I/L, 2/Z, 5/S, 8/B to confuse.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"

#: Characters in a class code.
CODE_LENGTH = 5

#: Seeds are drawn below this, as random ones are (short enough to read on screen).
SEED_LIMIT = 2**31


def _hash_seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % SEED_LIMIT


@dataclass(frozen=True)
class Board:
    """A set of shared targets: ``key`` is what attempts are saved under
    (``class:CODE`` or ``daily:YYYY-MM-DD``), ``title`` what players see."""

    key: str
    title: str
    base_seed: int

    def seed_for(self, level_id: str) -> int:
        """The seed of ``level_id``'s target on this board."""
        return _hash_seed(f"klgame board {self.base_seed} level {level_id}")

    @property
    def label(self) -> str:
        """Short, for headings: ``class K7QMX``, ``daily 2026-12-03``."""
        return f"{self.kind} {self.name}"

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0]

    @property
    def name(self) -> str:
        """The class code or the date."""
        return self.key.partition(":")[2]


def today_utc(now: datetime | None = None) -> date:
    """The UTC date of ``now`` (default: the current time)."""
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def daily_board(day: date) -> Board:
    """The daily challenge of ``day``: the same seeds for everyone, everywhere."""
    return Board(
        key=f"daily:{day.isoformat()}",
        title=f"daily challenge {day.isoformat()}",
        base_seed=_hash_seed(f"klgame daily {day.isoformat()}"),
    )


def class_board(code: str, base_seed: int, title: str = "") -> Board:
    """The board of class ``code`` whose seeds derive from ``base_seed``."""
    label = f"class {code}" + (f" · {title}" if title else "")
    return Board(key=f"class:{code}", title=label, base_seed=base_seed)


def new_class_code() -> str:
    """A random class code, e.g. ``K7QMX``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_class_seed() -> int:
    """A random base seed for a new class."""
    return secrets.randbelow(SEED_LIMIT)


def normalize_code(text: str) -> str:
    """``text`` as a class code would be written: upper case, no blanks or dashes;
    ``""`` if it cannot be one (wrong length or letters)."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return ""
    return code
