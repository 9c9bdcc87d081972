"""Validated levels kept between runs, so a start does not re-read every level file.

A shared host may offer thousands of level files; checking them all takes
seconds, and every hosted connection would pay that before its title screen.
:class:`LevelCache` keeps, in the data directory, one JSON file per level
directory:

* ``levels``: each level that passed every check, keyed by the SHA-256 of its
  file's bytes -- the same bytes always give the same level, so an entry is
  never stale; a changed file has a new hash and is checked again;
* ``files``: for each file name, its size, modification time and inode, and
  the hash they were last seen with, so an unchanged file is not even read.

The cache holds data only, written and read with :mod:`json` (never
pickle): an entry can name only the level model's own classes
(:data:`_CLASSES`), nothing else is ever constructed, and a file written by
another klgame version (or format) is ignored. Levels that share another
level's target (``same_as``) depend on a second file and are never cached.
Whoever can write the data directory can change these entries, as they
can the scores: the data directory must belong to the host alone (mode
0700, as klgame creates it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from klgame import __version__
from klgame.engine import families
from klgame.levels import model, texts
from klgame.levels.model import Level

#: Bump when the encoding changes; files of another format are ignored.
FORMAT = 1

#: Sub-directory of the data directory holding the cache files.
CACHE_DIR = "level-cache"

#: The only classes an entry may name.
_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        model.ParamSpec,
        model.GuessModel,
        model.RandomRange,
        model.TargetSpec,
        model.View,
        model.Meter,
        model.Level,
        model.Question,
        texts.RevealPart,
        families.GaussianFamily,
        families.MixtureFamily,
        families.BinomialFamily,
        families.UniformFamily,
        families.CategoricalFamily,
    )
}


#: Field names of each class, looked up once (``dataclasses.fields`` is slow).
_FIELDS: dict[str, frozenset[str]] = {
    name: frozenset(f.name for f in dataclasses.fields(cls)) for name, cls in _CLASSES.items()
}


class _Unusable(ValueError):
    """An entry that is not what this klgame writes."""


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise _Unusable(f"cannot cache a {name}")
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"@": name, **fields}
    if isinstance(value, tuple):
        return {"@": "tuple", "items": [_encode(item) for item in value]}
    if isinstance(value, list):
        raise _Unusable("levels hold tuples, not lists")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise _Unusable(f"cannot cache a {type(value).__name__}")


def _hook(data: dict[str, Any]) -> Any:
    """Build one object of an entry as :func:`json.load` meets it (innermost first)."""
    name = data.get("@")
    if name is None:
        return data  # the file's own mappings: files, levels
    if name == "tuple":
        items = data.get("items")
        if not isinstance(items, list) or len(data) != 2:
            raise _Unusable("a tuple without items")
        return tuple(items)
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise _Unusable(f"unknown class {str(name)[:40]!r}")
    values = {key: value for key, value in data.items() if key != "@"}
    if not values.keys() <= _FIELDS[cls.__name__]:
        raise _Unusable(f"unknown fields of {name}")
    if any(isinstance(value, list | dict) for value in values.values()):
        raise _Unusable(f"a list or mapping in a {name}")
    try:
        return cls(**values)
    except TypeError as error:
        raise _Unusable(str(error)) from None


def _decode(data: Any) -> Any:
    """What :func:`json.load` with :func:`_hook` would give for ``data``."""
    return json.loads(json.dumps(data), object_hook=_hook)


def encode_level(level: Level) -> dict[str, Any]:
    """``level`` as JSON data; raises ``ValueError`` if it holds anything else."""
    data = _encode(level)
    assert isinstance(data, dict)
    return data


def decode_level(data: Any) -> Level:
    """The level encoded in ``data``; raises ``ValueError`` if it is not one."""
    level = _decode(data)
    if not isinstance(level, Level):
        raise _Unusable("not a level")
    return level


def _signature(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ino]


class LevelCache:
    """The cache of one level directory, in ``data_dir/level-cache/``."""

    def __init__(self, data_dir: Path, directory: Path) -> None:
        key = hashlib.sha256(os.fsencode(os.path.realpath(directory))).hexdigest()[:32]
        self.path = data_dir / CACHE_DIR / f"{key}.json"
        self.files: dict[str, list[Any]] = {}
        self.levels: dict[str, Level] = {}
        self.changed = False
        self._read()

    def _read(self) -> None:
        # Entries are built while the file is parsed (one pass, in C but for
        # the hook); anything in it that is not what this klgame writes
        # discards the whole file, and every level is checked again.
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle, object_hook=_hook)
        except (OSError, ValueError, RecursionError):
            return
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("klgame") != __version__
        ):
            return  # another version's, or not ours: start afresh
        files, levels = data.get("files"), data.get("levels")
        if (
            isinstance(files, dict)
            and isinstance(levels, dict)
            and all(isinstance(level, Level) for level in levels.values())
        ):
            self.files, self.levels = files, levels

    def content_hash(self, file: Path) -> str | None:
        """The SHA-256 the file had when last seen with its size, time and
        inode now, or ``None`` if it changed (or was never seen)."""
        seen = self.files.get(file.name)
        try:
            info = os.lstat(file)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None  # links and the rest go through the loader's own checks
        if isinstance(seen, list) and len(seen) == 4 and seen[:3] == _signature(info):
            return str(seen[3])
        return None

    def get(self, file: Path) -> Level | None:
        """The cached level of ``file``, if the file is unchanged and its entry sound."""
        digest = self.content_hash(file)
        level = self.levels.get(digest) if digest is not None else None
        if not isinstance(level, Level):
            return None
        if level.content_hash != digest:
            return None  # an entry filed under another file's hash
        return dataclasses.replace(level, source=os.fspath(file))

    def put(self, file: Path, level: Level) -> None:
        """Remember ``level``, just loaded and checked from ``file``."""
        if level.target_from is not None:
            return  # depends on another file too
        try:
            info = os.lstat(file)
        except OSError:
            return
        if not stat.S_ISREG(info.st_mode):
            return
        try:
            encode_level(level)  # only what can be written back
        except ValueError:
            return
        self.files[file.name] = [*_signature(info), level.content_hash]
        self.levels[level.content_hash] = level
        self.changed = True

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache if it changed (atomically; nothing is left on failure).

        ``keep`` (the file names now in the directory) drops entries of files
        that are gone.
        """
        if keep is not None:
            gone = set(self.files) - keep
            for name in gone:
                del self.files[name]
            live = {str(entry[3]) for entry in self.files.values() if isinstance(entry, list)}
            for digest in set(self.levels) - live:
                del self.levels[digest]
            self.changed = self.changed or bool(gone)
        if not self.changed:
            return
        levels = {digest: encode_level(level) for digest, level in self.levels.items()}
        data = {"format": FORMAT, "klgame": __version__, "files": self.files, "levels": levels}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
            self.changed = False
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
