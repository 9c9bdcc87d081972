"""Where klgame keeps its files, and who is playing.

Everything lives in one data directory: ``$KLGAME_HOME`` if set, else the
platform's per-user data directory (``~/.local/share/klgame`` on Linux).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import platformdirs

from klgame.files import private_dir
from klgame.store.errors import StoreUnavailable
from klgame.text import MAX_NAME_LENGTH, sanitize_name

__all__ = ["MAX_NAME_LENGTH", "data_dir", "player_name", "replays_dir", "sanitize_name"]

#: Environment variable naming the data directory.
HOME_ENV = "KLGAME_HOME"

#: Name used when neither an explicit name nor a login name is available.
DEFAULT_PLAYER = "player"


def data_dir() -> Path:
    """The data directory, created (mode 0o700) if it does not exist yet.

    Raises :class:`StoreUnavailable` if it cannot be created.
    """
    configured = os.environ.get(HOME_ENV, "")
    if configured:
        path = Path(configured).expanduser()
    else:
        path = Path(platformdirs.user_data_dir("klgame", appauthor=False))
    try:
        private_dir(path)
    except OSError as error:
        reason = error.strerror or str(error)
        raise StoreUnavailable(
            f"cannot create the klgame data directory {path} ({reason})"
        ) from None
    if not path.is_dir():
        raise StoreUnavailable(f"the klgame data directory {path} is not a directory")
    return path


def replays_dir() -> Path:
    """``data_dir()/replays``, created (mode 0o700) if it does not exist yet."""
    path = data_dir() / "replays"
    try:
        private_dir(path)
    except OSError as error:
        reason = error.strerror or str(error)
        raise StoreUnavailable(f"cannot create the replay directory {path} ({reason})") from None
    return path


def scores_db_path() -> Path:
    """``data_dir()/scores.sqlite3``."""
    return data_dir() / "scores.sqlite3"


def player_name(explicit: str | None = None) -> str:
    """The name scores are saved under.

    The explicit name if it has anything printable in it, else the login name,
    else ``"player"``; always sanitised by :func:`sanitize_name`.
    """
    if explicit is not None:
        name = sanitize_name(explicit)
        if name:
            return name
    try:
        login = getpass.getuser()
    except Exception:  # no login name: OSError (3.13+), KeyError from pwd (older)
        login = ""
    return sanitize_name(login) or DEFAULT_PLAYER
