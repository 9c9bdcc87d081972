"""The one error the storage layer lets reach a person."""

from __future__ import annotations

from klgame.errors import KlgameError


class StoreUnavailable(KlgameError):
    """Saved data cannot be read or written; the message says which path and why.

    The game catches this, keeps playing without saving, and shows the message.
    """
