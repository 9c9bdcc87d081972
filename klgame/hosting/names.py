"""Who holds which name on a shared host, so that no player passes for another.

A name is *held* by the identity that chose it or was given it: the SSH key
(``key:SHA256:...``) or login that :func:`~klgame.hosting.hosted.remember_key`
names. Names are compared by :func:`klgame.text.name_key`, so ``alice``,
``Alice``, ``ａｌｉｃｅ`` and ``aIice`` are one name; a name that mixes Latin,
Greek and Cyrillic letters (``аlice``) is refused outright.

Each held name is one small file, ``hosted-names/held/<digest of its key>``,
holding the digest of its holder's remembered-name file. It is created with
``O_EXCL``, so of two players choosing one name at the same instant one gets
it. A name remembered before these files existed counts as held by the key
it was remembered for.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from klgame.files import private_dir, write_private
from klgame.hosting.hosted import NAMES_DIR, _name_file, remember_name, remembered_name
from klgame.text import escape_unsafe, mixed_scripts, name_key, sanitize_name

__all__ = ["HELD_DIR", "choose_name", "give_name", "holder", "refusal", "still_held"]

#: Sub-directory of :data:`~klgame.hosting.hosted.NAMES_DIR` with one file per held name.
HELD_DIR = "held"

#: Most remembered-name files looked through for names held before ``held/`` existed.
_MAX_SCANNED = 100_000


def _identity(data_dir: Path, key: str) -> str:
    return _name_file(data_dir, key).name


def _held_file(data_dir: Path, name: str) -> Path:
    digest = hashlib.sha256(name_key(name).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return data_dir / NAMES_DIR / HELD_DIR / digest


def _remembered_holder(data_dir: Path, name: str) -> str | None:
    """The identity that a look-alike of ``name`` is remembered for, if any."""
    wanted = name_key(name)
    folder = data_dir / NAMES_DIR
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= _MAX_SCANNED:
                    break
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    with open(entry.path, encoding="utf-8", errors="replace") as handle:
                        text = handle.read(1024)
                except OSError:
                    continue
                if name_key(text) == wanted and sanitize_name(text):
                    return entry.name
    except OSError:
        return None
    return None


def holder(data_dir: Path, name: str) -> str | None:
    """The identity (a remembered-name file's digest) holding ``name``, or ``None``."""
    try:
        with open(_held_file(data_dir, name), encoding="ascii", errors="replace") as handle:
            held = handle.read(80).strip()
    except OSError:
        held = ""
    return held or _remembered_holder(data_dir, name)


def refusal(data_dir: Path | None, key: str | None, name: str) -> str | None:
    """Why ``name`` may not be this player's (``key``; ``None`` for a browser
    tab, which holds no name), as the name question says it; ``None`` if it may."""
    clean = sanitize_name(name)
    scripts = mixed_scripts(clean)
    if scripts:
        mixed = " and ".join(script.title() for script in scripts)
        return (
            f"That name mixes {mixed} letters, which can pass for one another. "
            "Please choose another."
        )
    if data_dir is None:
        return None
    mine = None if key is None else _identity(data_dir, key)
    held = holder(data_dir, clean)
    if held is not None and held != mine:
        return (
            f"The name '{escape_unsafe(clean, 40)}' (or one that looks like it) is "
            "already taken on this host. Please choose another."
        )
    return None


def _hold(data_dir: Path, key: str, name: str, *, replace: bool) -> bool:
    """Mark ``name`` as held by ``key``; with ``replace``, whoever held it before."""
    path = _held_file(data_dir, name)
    mine = _identity(data_dir, key)
    try:
        private_dir(path.parent)
        if replace:
            write_private(path, mine + "\n", encoding="ascii")
            return True
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return holder(data_dir, name) == mine
    except OSError:
        return True  # nothing can be written: nothing is remembered either
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(mine + "\n")
    return True


def choose_name(data_dir: Path | None, key: str | None, name: str) -> str | None:
    """The player answered the name question with ``name``: hold and remember
    it, and return ``None``; or return why it may not be theirs (:func:`refusal`)."""
    problem = refusal(data_dir, key, name)
    if problem is not None or data_dir is None or key is None:
        return problem
    if not _hold(data_dir, key, name, replace=False):  # taken a moment ago
        return refusal(data_dir, key, name) or "That name was just taken. Please choose another."
    remember_name(data_dir, key, name)
    return None


def give_name(data_dir: Path, key: str | None, name: str) -> None:
    """The host named this player ``name``: it is theirs, whoever chose it before."""
    if (
        key is not None
        and sanitize_name(name)
        and holder(data_dir, name) != _identity(data_dir, key)
    ):
        _hold(data_dir, key, name, replace=True)


def still_held(data_dir: Path, key: str | None) -> str | None:
    """The name remembered for ``key``, if it is still this player's (held
    now if it was remembered before names were held); else ``None``, and the
    player is asked again: the host has given that name to someone else."""
    name = remembered_name(data_dir, key)
    if name is None or key is None:
        return name
    held = holder(data_dir, name)
    if held is None or held == _identity(data_dir, key):
        _hold(data_dir, key, name, replace=False)
        return name
    return None
