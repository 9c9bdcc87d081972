"""Directories and small files the game keeps for itself: private to its account."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["private_dir", "write_private"]


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


def write_private(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Replace the file ``path`` with ``text`` at once, mode 0600.

    Written to a temporary file beside it (never through a link), then
    renamed over it, so a reader sees the old text or the new, never half;
    on any failure the temporary file is removed and the error raised.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with open(descriptor, "w", encoding=encoding) as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:  # an OSError, or text the encoding cannot hold
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
