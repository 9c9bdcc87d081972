"""Validated levels kept between runs, so a start does not re-read every level file.

A shared host may offer thousands of level files; checking them all takes
seconds, and decoding them all from a cache still takes one or two, and
every hosted connection would pay that before its title screen.
:class:`LevelCache` keeps, in the data directory, for each level directory:

* an index, ``level-cache/KEY.json``, small and read at every start:
  ``files``, for each file name its size, modification time and inode and
  the SHA-256 of its bytes when last seen with them, so an unchanged file is
  not even read, and what the level list shows of it (id, title, lesson,
  order, direction, units: a :class:`~klgame.levels.catalog.Heading`), kept
  as columns (:data:`COLUMNS`: one list a field, which JSON reads and the
  checks check faster than a list a file);
  and ``broken``, for each file found broken its size, time, inode, SHA-256
  and problems, so an unchanged broken file is not checked again either
  (unless its problems came from another file: a ``same_as`` target);
* the levels themselves, ``level-cache/KEY/HASH.json``, one file each, each
  level that passed every check, keyed by the SHA-256 of its file's bytes --
  the same bytes always give the same level, so an entry is never stale; a
  changed file has a new hash and is checked again. An entry is read only
  when its level is played (:meth:`LevelCache.level`).

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
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable
from itertools import repeat
from pathlib import Path
from typing import Any, get_args

from klgame import __version__
from klgame.engine import registry
from klgame.engine.measures import MEASURES
from klgame.engine.units import Units
from klgame.files import private_dir
from klgame.levels import model, texts
from klgame.levels.catalog import Heading
from klgame.levels.model import Direction, Level

#: Bump when the encoding changes; files of another format are ignored.
FORMAT = 5

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
        *(d.family_type for d in registry.descriptors() if d.family_type is not None),
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


#: What an index keeps of each level, after the file's size, time, inode and hash.
HEADING_FIELDS = ("id", "title", "lesson", "order", "direction", "units", "divergence")
_DIRECTIONS = frozenset(get_args(Direction))
_UNITS = frozenset(get_args(Units))
_MEASURES = frozenset(MEASURES)
_DIGEST = re.compile(r"[0-9a-f]{64}")
_ROW = 4 + len(HEADING_FIELDS)
#: The index keeps its rows as columns, one list each, in this order after the names.
COLUMNS = ("size", "mtime", "inode", "hash", *HEADING_FIELDS)
#: Most messages, and longest message, a broken file's row may hold (the
#: checker reports at most 50 problems and a line more; a message is cut to 2000).
_MAX_MESSAGES, _MAX_MESSAGE = 100, 4000


def heading_of(level: Level) -> tuple[Any, ...]:
    """What the index keeps of ``level``."""
    return tuple(getattr(level, name) for name in HEADING_FIELDS)


class LevelCache:
    """The cache of one level directory, in ``data_dir/level-cache/``."""

    def __init__(self, data_dir: Path, directory: Path) -> None:
        key = hashlib.sha256(os.fsencode(os.path.realpath(directory))).hexdigest()[:32]
        self.path = data_dir / CACHE_DIR / f"{key}.json"
        self.entries = data_dir / CACHE_DIR / key
        # The index's rows as read (file names, then the columns of
        # :data:`COLUMNS`), until something asks for :attr:`files`.
        self._read_rows: tuple[list[str], list[list[Any]]] = ([], [[] for _ in COLUMNS])
        self._files: dict[str, list[Any]] | None = None
        #: For each broken file name: size, modification time, inode, hash and
        #: the problems its check found (a list of messages).
        self.broken: dict[str, list[Any]] = {}
        self._new: dict[str, Level] = {}  # put since the last save
        self._known: list[str] = []  # the hashes the index held when read
        self.changed = False
        self._read()

    @property
    def files(self) -> dict[str, list[Any]]:
        """For each file name: size, modification time, inode, hash, then its
        heading (:data:`HEADING_FIELDS`). Built from the columns when first
        asked for (a start that changes nothing never needs it)."""
        if self._files is None:
            names, columns = self._read_rows
            self._files = {
                name: list(row) for name, row in zip(names, zip(*columns, strict=True), strict=True)
            }
        return self._files

    def _columns_now(self) -> tuple[list[str], list[list[Any]]]:
        """The file names and the columns of the rows as they are now."""
        if self._files is None:
            return self._read_rows
        columns = [list(column) for column in zip(*self._files.values(), strict=True)]
        return list(self._files), columns or [[] for _ in COLUMNS]

    def _read(self) -> None:
        # An index that is not what this klgame writes is ignored whole, and
        # every level is checked again; a row that is not sound, only its file.
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("klgame") != __version__
        ):
            return  # another version's, or not ours: start afresh
        rows = _rows(data.get("files"))
        if rows is not None:
            self._read_rows = rows
            self._known = rows[1][3]
        broken = data.get("broken")
        if isinstance(broken, dict):
            self.broken = broken

    def _row(self, file: str | os.PathLike[str]) -> list[Any] | None:
        """The index's row of ``file`` if the file is unchanged since it was
        checked (same size, time and inode) and the row is sound."""
        directory, name = os.path.split(os.fspath(file))
        return self.unchanged(directory, (name,)).get(name)

    def problems(self, file: str | os.PathLike[str]) -> list[str] | None:
        """The problems ``file`` was found to have, if it is unchanged since
        (same size, time and inode, and so the same SHA-256), else ``None``."""
        row = self.broken.get(os.path.basename(file))
        if type(row) is not list or len(row) != 5:
            return None
        try:
            info = os.lstat(file)
        except OSError:
            return None
        messages = row[4]
        if (
            not stat.S_ISREG(info.st_mode)
            or row[:3] != _signature(info)
            or type(row[3]) is not str
            or _DIGEST.fullmatch(row[3]) is None
            or type(messages) is not list
            or not messages
            or len(messages) > _MAX_MESSAGES
            or not all(type(m) is str and len(m) <= _MAX_MESSAGE for m in messages)
        ):
            return None
        return list(messages)

    def put_problems(self, file: Path, digest: str | None, messages: list[str]) -> None:
        """Remember the problems just found in ``file``, whose bytes hash to
        ``digest``, so that an unchanged file is not checked again."""
        self.files.pop(file.name, None)
        if digest is None or not _DIGEST.fullmatch(digest) or not messages:
            return
        if len(messages) > _MAX_MESSAGES or any(len(m) > _MAX_MESSAGE for m in messages):
            return
        try:
            info = os.lstat(file)
        except OSError:
            return
        if not stat.S_ISREG(info.st_mode):
            return
        self.broken[file.name] = [*_signature(info), digest, list(messages)]
        self.changed = True

    def unchanged(self, directory: str, names: Iterable[str]) -> dict[str, list[Any]]:
        """For each of ``names`` (files of ``directory``) unchanged since it was
        checked, as :meth:`heading` finds it, its row: size, time, inode, hash,
        then the heading."""
        index_names, columns = self._columns_now()
        return {
            index_names[i]: [column[i] for column in columns]
            for i in self._unchanged(directory, list(names), index_names, columns)
        }

    @staticmethod
    def _unchanged(
        directory: str, names: list[str], index_names: list[str], columns: list[list[Any]]
    ) -> list[int]:
        """The files of ``names`` unchanged since they were checked (same size,
        time and inode; a regular file), as places in the index's names and
        columns. One pass for the whole directory, a ``stat`` a file relative
        to the directory: a host may have thousands of files, and this runs
        at every start."""
        if index_names == names:  # the usual start: the files the index lists
            at: Iterable[int | None] = range(len(names))
        else:
            where = dict(zip(index_names, range(len(index_names)), strict=True))
            at = map(where.get, names)
        size, mtime, inode = columns[:3]
        regular, lstat = stat.S_ISREG, os.stat
        found: list[int] = []
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return found
        try:
            for i, name in zip(at, names, strict=True):
                if i is None:
                    continue
                try:
                    info = lstat(name, dir_fd=fd, follow_symlinks=False)
                except (OSError, ValueError):
                    continue
                if (  # the file as it was (links and the rest go through the loader's checks)
                    regular(info.st_mode)
                    and size[i] == info.st_size
                    and mtime[i] == info.st_mtime_ns
                    and inode[i] == info.st_ino
                ):
                    found.append(i)
        finally:
            os.close(fd)
        return found

    def headings(
        self, directory: str, names: list[str], load: Callable[[Heading], Level]
    ) -> dict[str, Heading]:
        """For each of ``names`` unchanged since it was checked, its heading
        (whose level ``load`` gives), built a column at a time."""
        index_names, columns = self._columns_now()
        rows = self._unchanged(directory, names, index_names, columns)
        if len(rows) == len(index_names):  # every row: the columns as they are
            found, picked = index_names, columns[3:]
        elif rows:
            pick = operator.itemgetter(*rows) if len(rows) > 1 else lambda c: (c[rows[0]],)
            found, *picked = map(pick, [index_names, *columns[3:]])
        else:
            return {}
        digest, level_id, title, lesson, order, direction, units, measure = picked
        prefix = os.path.join(directory, "")
        sources = [prefix + name for name in found]
        headings = zip(
            level_id, title, lesson, order, direction, units, sources, digest, repeat(load), measure
        )
        return dict(zip(found, map(Heading._make, headings), strict=True))

    def content_hash(self, file: str | os.PathLike[str]) -> str | None:
        """The SHA-256 the file had when last seen with its size, time and
        inode now, or ``None`` if it changed (or was never seen)."""
        row = self._row(file)
        return None if row is None else str(row[3])

    def heading(self, file: str | os.PathLike[str]) -> tuple[str, tuple[Any, ...]] | None:
        """The hash and the heading (:data:`HEADING_FIELDS`) of ``file``, if it
        is unchanged since it was checked (nothing of the level is decoded)."""
        row = self._row(file)
        return None if row is None else (row[3], tuple(row[4:]))

    def level(self, digest: str) -> Level | None:
        """The checked level of the file whose bytes hash to ``digest``, or
        ``None`` if its entry is missing or not sound."""
        if digest in self._new:
            return self._new[digest]
        if not _DIGEST.fullmatch(digest):
            return None
        try:
            with open(self.entries / f"{digest}.json", encoding="utf-8") as handle:
                data = json.load(handle, object_hook=_hook)
        except (OSError, ValueError, RecursionError):
            return None
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("klgame") != __version__
        ):
            return None
        level = data.get("level")
        if not isinstance(level, Level) or level.content_hash != digest:
            return None  # not a level, or one filed under another file's hash
        return level

    def get(self, file: Path) -> Level | None:
        """The cached level of ``file``, if the file is unchanged and its entry sound."""
        found = self.heading(file)
        level = self.level(found[0]) if found is not None else None
        if level is None or found is None or heading_of(level) != found[1]:
            return None
        return dataclasses.replace(level, source=os.fspath(file))

    def put(self, file: Path, level: Level) -> None:
        """Remember ``level``, just loaded and checked from ``file``."""
        if level.target_from is not None:
            return  # depends on another file too
        try:
            info = os.lstat(file)
        except OSError:
            return
        if not stat.S_ISREG(info.st_mode) or not _DIGEST.fullmatch(level.content_hash):
            return
        try:
            encode_level(level)  # only what can be written back
        except ValueError:
            return
        self.files[file.name] = [*_signature(info), level.content_hash, *heading_of(level)]
        self.broken.pop(file.name, None)
        self._new[level.content_hash] = level
        self.changed = True

    def save(self, keep: set[str] | None = None) -> None:
        """Write what changed (each file atomically; nothing is left on failure).

        ``keep`` (the file names now in the directory) drops entries of files
        that are gone.
        """
        if keep is not None:
            gone = set(self._read_rows[0] if self._files is None else self._files) - keep
            for name in gone:
                del self.files[name]
            broken_gone = set(self.broken) - keep
            for name in broken_gone:
                del self.broken[name]
            self.changed = self.changed or bool(gone) or bool(broken_gone)
        if not self.changed:
            return
        live = {row[3] for row in self.files.values()}
        dropped = (set(self._known) | set(self._new)) - live
        try:
            private_dir(self.entries)
            for digest, level in self._new.items():
                if digest in live:
                    entry = {"format": FORMAT, "klgame": __version__, "level": encode_level(level)}
                    _write_json(self.entries / f"{digest}.json", entry)
            index = {
                "format": FORMAT,
                "klgame": __version__,
                "files": _columns(self.files),
                "broken": self.broken,
            }
            _write_json(self.path, index)
        except OSError:
            return
        self._new.clear()
        self._known = list(live)
        self.changed = False
        if dropped:
            self._prune(live)

    def _prune(self, live: set[str]) -> None:
        """Delete the entries of levels no file has any more."""
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.entries):
                digest = entry.name.removesuffix(".json")
                if entry.name.endswith(".json") and digest not in live:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600; no temporary file is
    left if it fails (the error is raised)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        private_dir(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _columns(rows: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The index's rows as columns (quicker to read and check: one list a field)."""
    names = sorted(rows)  # as a directory's names come: the next start matches them whole
    columns = list(zip(*map(rows.__getitem__, names), strict=True)) or [()] * _ROW
    by_name = zip(COLUMNS, columns, strict=True)
    return {"names": names, **{name: list(column) for name, column in by_name}}


def _rows(files: Any) -> tuple[list[str], list[list[Any]]] | None:
    """The sound rows of an index's ``files`` (:func:`_columns`): the file
    names, and the columns of :data:`COLUMNS`.

    Each column is checked whole (exact types: a bool is no order); if one
    fails, each row is checked alone, and only the rows that fail are dropped
    (their files are checked again). Columns of unequal lengths, or anything
    else, give ``None``."""
    if not isinstance(files, dict) or files.keys() != {"names", *COLUMNS}:
        return None
    names, *columns = (files[name] for name in ("names", *COLUMNS))
    if type(names) is not list or any(type(c) is not list for c in columns):
        return None
    if any(len(column) != len(names) for column in columns):
        return None
    size, mtime, inode, digest, level_id, title, lesson, order, *kinds = columns
    whole = (
        all(_types(c) <= {int} for c in (size, mtime, inode, order))
        and all(_types(c) <= {str} for c in (names, digest, level_id, title, lesson))
        and set(map(len, digest)) <= {64}
        and _lowercase_hex("".join(digest))
        and all(
            _types(c) <= {str} and set(c) <= allowed
            for c, allowed in zip(kinds, _KINDS, strict=True)
        )
        and len(set(names)) == len(names)
    )
    if whole:
        return names, columns
    sound = {
        name: row
        for name, row in zip(names, zip(*columns, strict=True), strict=True)
        if type(name) is str and _sound(row)
    }
    return list(sound), [list(column) for column in zip(*sound.values(), strict=True)] or [
        [] for _ in COLUMNS
    ]


def _lowercase_hex(text: str) -> bool:
    """Whether ``text`` is all ``[0-9a-f]`` (ten times quicker than a regular
    expression for 10,000 joined hashes): :meth:`bytes.fromhex` takes hex
    digits of either case and skips whitespace, so the bytes must be half the
    characters and lowering must change nothing."""
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return False
    return 2 * len(raw) == len(text) and text.lower() == text


def _types(column: list[Any]) -> set[type]:
    return set(map(type, column))


#: What each of the last heading fields may be: direction, units, divergence.
_KINDS = (_DIRECTIONS, _UNITS, _MEASURES)


def _sound(row: tuple[Any, ...]) -> bool:
    """One row's fields, as :func:`_rows` checks a column's."""
    *numbers, digest, level_id, title, lesson, order, direction, units, measure = row
    return (
        all(type(n) is int for n in (*numbers, order))
        and all(type(t) is str for t in (digest, level_id, title, lesson))
        and _DIGEST.fullmatch(digest) is not None
        and all(
            type(v) is str and v in allowed
            for v, allowed in zip((direction, units, measure), _KINDS, strict=True)
        )
    )
