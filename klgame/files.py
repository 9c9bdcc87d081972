"""Directories the game creates for itself: private to its account."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["private_dir"]


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create the directory ``path`` and each missing parent with mode 0700.

    ``Path.mkdir(mode, parents=True)`` gives the parents it creates the
    default mode (0755 under the usual umask); here every directory made is
    0700, whatever the umask. Directories that exist already are left as they
    are. Raises :class:`OSError` (``FileExistsError`` if ``path`` is a file).
    """
    target = Path(path)
    missing: list[Path] = []
    at = target
    while not at.is_dir():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        os.chmod(directory, 0o700)  # the umask may have taken bits off
    return target
