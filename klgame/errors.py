"""Errors a player or a level author can act on.

Every error that may reach a person derives from :class:`KlgameError`; the CLI
prints its message and exits with its ``exit_code`` -- never a traceback.
"""

from __future__ import annotations


class KlgameError(Exception):
    """An error whose message is meant for a person, not a developer."""

    exit_code = 1
