"""Level directories read into a :class:`~klgame.levels.catalog.Catalog`:
every file checked (:mod:`klgame.levels.loader`), or, in hosted mode, taken
from the level cache (:mod:`klgame.levels.cache`) as a heading when unchanged."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from operator import attrgetter
from pathlib import Path

from klgame.errors import KlgameError
from klgame.levels.cache import LevelCache
from klgame.levels.catalog import Catalog, Entry, Heading
from klgame.levels.errors import LevelError, escape_unsafe
from klgame.levels.loader import _Levels, builtin_levels_dir, level_dirs, level_names
from klgame.levels.model import Level

__all__ = ["Catalog", "index_directory", "load_catalog", "load_directory"]


def load_directory(
    directory: str | os.PathLike[str],
    within: Sequence[str | os.PathLike[str]] | None = None,
    cache_dir: Path | None = None,
) -> tuple[list[Level], list[str]]:
    """Every valid level of a directory, and the errors of the others.

    A second file with an id already seen in the directory is an error. A
    file that links outside ``within`` (default: this directory) is refused.
    With ``cache_dir`` (hosted mode: the data directory), levels already
    checked are taken from :mod:`klgame.levels.cache`.
    """
    entries, errors = index_directory(directory, within, cache_dir)
    return [entry if isinstance(entry, Level) else entry.load() for entry in entries], errors


def index_directory(
    directory: str | os.PathLike[str],
    within: Sequence[str | os.PathLike[str]] | None = None,
    cache_dir: Path | None = None,
) -> tuple[list[Entry], list[str]]:
    """As :func:`load_directory`, but a level found unchanged in the cache
    comes as its :class:`~klgame.levels.catalog.Heading`, decoded when played."""
    root = Path(directory)
    shown = escape_unsafe(os.fspath(directory), 500)
    try:
        if not root.is_dir():
            problem = "not a directory" if root.exists() else "no such directory"
            return [], [f"{shown}: {problem}"]
        names = level_names(root)
    except OSError as error:
        return [], [f"{shown}: cannot read: {error.strerror or error}"]
    entries: list[Entry] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    roots = [root, builtin_levels_dir()] if within is None else list(within)
    loader = _Levels([root, builtin_levels_dir()], roots)
    cache = _open_cache(cache_dir, root)
    base = os.fspath(root)
    prefix = os.path.join(base, "")
    found: dict[str, Heading] = {}
    if cache is not None:
        found = cache.headings(base, names, partial(_load, cache, loader))
        if len(found) == len(names) and len({h.id for h in found.values()}) == len(names):
            cache.save(set(names))  # every file as it was, no id twice: the usual start
            return list(found.values()), errors
    for name in names:
        path = prefix + name
        entry: Entry | None = found.get(name)
        if entry is None and cache is not None and (known := cache.problems(path)) is not None:
            errors.extend(known)  # broken, and unchanged since it was checked
            continue
        if entry is None:
            file = Path(path)
            lookups = loader.lookups
            try:
                entry = loader.load(file)
            except LevelError as error:
                errors.extend(error.messages)
                if cache is not None and loader.lookups == lookups:  # this file's alone
                    cache.put_problems(file, error.content_hash, error.messages)
                continue
            if cache is not None:
                cache.put(file, entry)
        if entry.id in seen:
            errors.append(
                f"{escape_unsafe(path, 500)}: id: '{entry.id}' is already used by "
                f"{escape_unsafe(seen[entry.id], 500)}"
            )
            continue
        seen[entry.id] = path
        entries.append(entry)
    if cache is not None:
        cache.save(set(names))
    return entries, errors


def _load(cache: LevelCache, loader: _Levels, heading: Heading) -> Level:
    """The level a heading lists: the cache entry of the very bytes checked,
    or, if the entry is gone or not sound, the file read and checked again."""
    path, level_id = heading.source or "", heading.id
    level = cache.level(heading.content_hash)
    if level is not None and level.id == level_id:
        return replace(level, source=path)
    try:
        level = loader.load(Path(path))
    except LevelError:
        level = None
    if level is None or level.id != level_id:
        raise KlgameError(
            f"level '{escape_unsafe(level_id, 60)}' changed or broke since the "
            "list was read; start again to see the levels as they are"
        )
    return level


def _open_cache(cache_dir: Path | None, directory: Path) -> LevelCache | None:
    """The level cache of ``directory`` in ``cache_dir``, or ``None`` for none."""
    if cache_dir is None:
        return None
    return LevelCache(cache_dir, directory)


def load_catalog(extra_dirs: Sequence[str] = (), cache_dir: Path | None = None) -> Catalog:
    """The built-in levels, then those of :func:`level_dirs` (``extra_dirs`` first).

    A user level with a built-in's id replaces it; between user directories
    the first one listed wins. Each replacement is a warning. ``cache_dir``:
    see :func:`load_directory`.
    """
    builtin_dir = builtin_levels_dir()
    user_dirs = level_dirs(extra_dirs)
    within = [builtin_dir, *user_dirs]  # a link may lead from one to another
    levels, errors = index_directory(builtin_dir, within, cache_dir)
    by_id: dict[str, Entry] = {level.id: level for level in levels}
    builtin_ids = set(by_id)
    from_user: dict[str, Entry] = {}
    warnings: list[str] = []
    for directory in user_dirs:
        found, problems = index_directory(directory, within, cache_dir)
        errors.extend(problems)
        ids = [level.id for level in found]  # each once (index_directory sees to it)
        if from_user.keys().isdisjoint(ids) and builtin_ids.isdisjoint(ids):
            new = dict(zip(ids, found, strict=True))  # the usual: nothing replaced, at once
            from_user.update(new)
            by_id.update(new)
            continue
        for level in found:
            if level.id in from_user:
                where = escape_unsafe(level.source or "?", 500)
                winner = escape_unsafe(from_user[level.id].source or "?", 500)
                warnings.append(f"{where}: level '{level.id}' is ignored: {winner} has the same id")
                continue
            if level.id in builtin_ids:
                where = escape_unsafe(level.source or "?", 500)
                warnings.append(f"{where}: level '{level.id}' replaces the built-in level")
            from_user[level.id] = level
            by_id[level.id] = level
    ordered = sorted(by_id.values(), key=attrgetter("order", "id"))
    return Catalog(tuple(ordered), tuple(warnings), tuple(errors))
