"""The error a broken level file raises: every problem found, one per line."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from klgame.errors import KlgameError

# Characters that would let a file drive the terminal its errors are shown on,
# or reorder the text around them: C0/C1 controls (ESC, CSI), DEL, bidi controls.
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def is_unsafe_char(char: str, allow_layout: bool = False) -> bool:
    """True for control and bidi characters; tab and newline pass if ``allow_layout``."""
    if allow_layout and char in "\t\n":
        return False
    return unicodedata.category(char) == "Cc" or ord(char) in _BIDI


def escape_unsafe(text: str, limit: int = 200) -> str:
    """``text`` fit to echo in a message: unsafe characters as ``\\xNN``, long text cut."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if is_unsafe_char(c) else c
        for c in text
    )


class LevelError(KlgameError):
    """A level file that cannot be used; ``messages`` lists every problem.

    Each message reads ``file:line:col: field.path: what is wrong``.
    """

    def __init__(self, messages: Sequence[str], source: str | None = None) -> None:
        self.messages = [escape_unsafe(m, limit=2000) for m in messages] or ["invalid level"]
        self.source = source
        super().__init__("\n".join(self.messages))
