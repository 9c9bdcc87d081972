"""The error a broken level file raises: every problem found, one per line."""

from __future__ import annotations

from collections.abc import Sequence

from klgame.errors import KlgameError
from klgame.text import escape_unsafe, is_unsafe_char

__all__ = ["LevelError", "escape_unsafe", "is_unsafe_char"]


class LevelError(KlgameError):
    """A level file that cannot be used; ``messages`` lists every problem.

    Each message reads ``file:line:col: field.path: what is wrong``.
    """

    def __init__(self, messages: Sequence[str], source: str | None = None) -> None:
        self.messages = [escape_unsafe(m, limit=2000) for m in messages] or ["invalid level"]
        self.source = source
        #: The SHA-256 of the file's bytes, when they were read (set by the loader).
        self.content_hash: str | None = None
        super().__init__("\n".join(self.messages))
