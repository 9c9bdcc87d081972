"""Level files: YAML in, :class:`~klgame.levels.model.Level` out, or every problem found.

A level file is plain data, read with PyYAML's *safe* loader only. It is read
in two passes:

1. the event stream, to refuse what a level never needs before anything is
   built: tags other than YAML's plain ones (``!!python/object`` ...),
   aliases, nesting deeper than :data:`MAX_DEPTH`, more than one document,
   control characters, syntax errors. Events come one at a time, with no
   recursion, so a file nested 500,000 deep or a billion laughs costs no
   more than its length. The parser is libyaml's (``CSafeLoader``) where
   PyYAML has it, else PyYAML's own; the node tree below is built by the
   same parser, so what this pass lets through is what is built. A file
   the parser finds broken is read once more by PyYAML's pure-Python
   parser, whose messages say what was found where libyaml's say only what
   was expected ("expected ',' or ']', but got ':'"); a control character
   is worded by PyYAML's rule for characters (``Reader.check_printable``);
2. the node tree (``compose``, by that same parser), whose line and column
   marks let every message point at the place to fix::

       levels/foo.yaml:12:5: guess.params.variance.min: must be > 0

The node tree is checked by :mod:`klgame.levels.schema`, which goes on after
the first problem, so an author sees them all at once. The field reference is
``docs/levels.md``.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from klgame.levels.errors import LevelError, escape_unsafe
from klgame.levels.model import Level
from klgame.levels.schema import EXPLICIT_TAGS, YAML_TAG_PREFIX, TargetLookup, check_level

if TYPE_CHECKING:
    from klgame.levels.catalog import Catalog
    from klgame.levels.directory import index_directory, load_catalog, load_directory

__all__ = [
    "LEVELS_ENV",
    "MAX_BYTES",
    "MAX_DEPTH",
    "Catalog",
    "LevelError",
    "builtin_levels_dir",
    "index_directory",
    "level_dirs",
    "load_catalog",
    "load_directory",
    "load_level",
    "load_level_text",
    "read_level_file",
]

#: Largest level file read, in bytes.
MAX_BYTES = 1_000_000
#: Deepest nesting of lists and mappings accepted (a level needs about 5).
MAX_DEPTH = 20
#: Most entries of one mapping or list. A level's largest lists have 50 (a
#: support and its masses), its mappings about 20 fields: a file with more
#: is refused before its node tree is built, as checking 60,000 unknown keys
#: would take seconds for nothing.
MAX_ENTRIES = 500
#: Most values (texts, numbers, lists, mappings) in one file: the built-in
#: levels have at most 167.
MAX_VALUES = 5000
#: Environment variable with more level directories, ``os.pathsep``-separated.
LEVELS_ENV = "KLGAME_LEVELS"
#: File name endings of level files.
LEVEL_SUFFIXES = (".yaml", ".yml")

# --- reading files -----------------------------------------------------------------


def _mark_of(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    line = before.count("\n") + 1
    return line, position - (before.rfind("\n") + 1) + 1


def _yaml_message(error: yaml.YAMLError, source: str) -> str:
    """A PyYAML error as ``file:line:col: YAML syntax error: problem (context)``."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = error.problem or "cannot be read"
        context = f" ({error.context})" if error.context else ""
        return f"{where}: YAML syntax error: {problem}{context}"
    return f"{source}: YAML error: {error}"


#: The parser of level files: libyaml's where PyYAML has it (several times faster).
_PARSER: Callable[[str], Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The characters PyYAML's reader refuses, by its own rule (``Reader.check_printable``).
_NON_PRINTABLE: re.Pattern[str] = yaml.reader.Reader.NON_PRINTABLE


class _Entries:
    """Counts the entries of each open mapping and list of an event stream,
    and says where one has more than :data:`MAX_ENTRIES`, or the file more
    than :data:`MAX_VALUES` values."""

    def __init__(self) -> None:
        # per open collection: is it a mapping, events seen inside, latest key
        self.open: list[list[Any]] = []
        self.values = 0

    def see(self, event: Any) -> str | None:
        """Note ``event``; return ``field: message`` once a collection overflows."""
        if isinstance(event, yaml.CollectionEndEvent):
            if self.open:
                self.open.pop()
            return None
        if not isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            return None
        self.values += 1
        if self.values > MAX_VALUES:
            return f"more than {MAX_VALUES} values in one file: a level needs a few hundred"
        if self.open:
            parent = self.open[-1]
            if parent[0] and parent[1] % 2 == 0:  # a key
                parent[2] = event.value if isinstance(event, yaml.ScalarEvent) else "?"
            parent[1] += 1
            entries = (parent[1] + 1) // 2 if parent[0] else parent[1]
            if entries > MAX_ENTRIES:
                path = ".".join(str(entry[2])[:40] for entry in self.open[:-1])
                kind = "mapping" if parent[0] else "list"
                message = f"a {kind} of more than {MAX_ENTRIES} entries: a level needs far fewer"
                return f"{escape_unsafe(path, 200)}: {message}" if path else message
        if isinstance(event, yaml.CollectionStartEvent):
            self.open.append([isinstance(event, yaml.MappingStartEvent), 0, "?"])
        return None


def _prescan(text: str, source: str) -> list[str]:
    """Refuse what a level never needs, from the event stream (no objects built).

    A file the parser finds broken, or one with a character PyYAML's reader
    refuses, is worded by PyYAML's pure-Python parser (see the module's text).
    """
    if _NON_PRINTABLE.search(text):
        return _scan(text, source, yaml.SafeLoader)[0]
    errors, broken = _scan(text, source, _PARSER)
    if broken and _PARSER is not yaml.SafeLoader:
        worded, _ = _scan(text, source, yaml.SafeLoader)
        if worded:
            return worded
    return errors


def _scan(text: str, source: str, parser: Callable[[str], Any]) -> tuple[list[str], bool]:
    """(the problems ``parser``'s event stream shows, whether the YAML is broken)."""
    errors: list[str] = []
    broken = False

    def at(mark: Any) -> str:
        return f"{source}:{mark.line + 1}:{mark.column + 1}"

    depth = documents = 0
    entries = _Entries()
    loader: Any = None
    try:
        loader = parser(text)  # PyYAML's reader checks every character here
        while loader.check_event():
            event = loader.get_event()
            crowded = entries.see(event)
            if crowded is not None:
                errors.append(f"{at(event.start_mark)}: {crowded}")
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    errors.append(
                        f"{at(event.start_mark)}: only one level per file (found a second "
                        "document after '---')"
                    )
                    break
            elif isinstance(event, yaml.AliasEvent):
                errors.append(
                    f"{at(event.start_mark)}: aliases (*{event.anchor}) are not supported: "
                    "write the value out"
                )
            if isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent):
                tag = event.tag
                if tag is not None and tag not in EXPLICIT_TAGS:
                    shown = tag.replace(YAML_TAG_PREFIX, "!!")
                    errors.append(
                        f"{at(event.start_mark)}: tag '{shown}' is not allowed: "
                        "a level file holds plain text, numbers, lists and mappings"
                    )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    errors.append(
                        f"{at(event.start_mark)}: nested more than {MAX_DEPTH} levels deep"
                    )
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if len(errors) >= 20:
                break
    except yaml.reader.ReaderError as error:
        line, column = _mark_of(text, error.position)
        char = error.character
        what = f"control character U+{char:04X}" if isinstance(char, int) else "a character"
        errors.append(f"{source}:{line}:{column}: {what} is not allowed in a level file")
    except yaml.YAMLError as error:
        errors.append(_yaml_message(error, source))
        broken = True
    finally:
        if loader is not None:
            loader.dispose()
    return errors, broken


def _compose(text: str, source: str, path: str | None) -> Any:
    """The node tree of a level file, after the prescan (``None`` if empty)."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise LevelError([f"{source}: file is larger than {MAX_BYTES // 1_000_000} MB"], path)
    errors = _prescan(text, source)
    if errors:
        raise LevelError(errors, path)
    # the same parser has read every event already: this pass builds the nodes
    loader = _PARSER(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as error:
        raise LevelError([_yaml_message(error, source)], path) from None
    finally:
        loader.dispose()


def _parse(
    text: str,
    source: str,
    content_hash: str,
    path: str | None,
    lookup: TargetLookup | None = None,
) -> Level:
    root = _compose(text, source, path)
    if root is None:
        raise LevelError(
            [f"{source}: the file is empty: a level is a mapping with id, title, target, ..."],
            path,
        )
    return check_level(root, source, content_hash, path, lookup)


def _guarded(source: str, path: str | None, work: Callable[[], Level]) -> Level:
    """Run ``work``; anything unexpected becomes a :class:`LevelError` for this file."""
    try:
        return work()
    except LevelError:
        raise
    except RecursionError:
        raise LevelError([f"{source}: the file is nested too deeply"], path) from None
    except Exception as error:  # a bug must not show an author a traceback
        name = type(error).__name__
        raise LevelError(
            [f"{source}: cannot read this level ({name}: {escape_unsafe(str(error), 200)})"], path
        ) from None


def load_level_text(
    text: str, source: str = "<string>", lookup: TargetLookup | None = None
) -> Level:
    """The level in ``text``; ``source`` names it in messages. Raises :class:`LevelError`.

    ``lookup`` finds the levels a ``target: {same_as: ID}`` may name (none by default).
    """
    shown = escape_unsafe(source, 500)

    def work() -> Level:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return _parse(text.removeprefix("\ufeff"), shown, digest, None, lookup)

    return _guarded(shown, None, work)


def load_level(
    path: str | os.PathLike[str], within: Sequence[str | os.PathLike[str]] | None = None
) -> Level:
    """The level in the file at ``path``. Raises :class:`LevelError`.

    A ``target: {same_as: ID}`` names a level of the same directory or a built-in one.
    With ``within`` (the level directories), a symbolic link that leads
    outside them is refused without being read (:func:`read_level_file`).
    """
    file = Path(os.fspath(path))
    return _Levels([file.parent, builtin_levels_dir()], within).load(file)


def _read_level(
    path: str | os.PathLike[str],
    lookup: TargetLookup | None,
    within: Sequence[str | os.PathLike[str]] | None = None,
) -> Level:
    name = os.fspath(path)
    shown = escape_unsafe(name, 500)

    digest: list[str] = []

    def work() -> Level:
        data = read_level_file(name, shown, within)
        digest.append(hashlib.sha256(data).hexdigest())
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            before = data[: error.start].decode("utf-8", "replace")
            line, column = _mark_of(before, len(before))
            raise LevelError(
                [f"{shown}:{line}:{column}: not UTF-8 text (byte 0x{data[error.start]:02x})"],
                name,
            ) from None
        return _parse(text, shown, digest[0], name, lookup)

    try:
        return _guarded(shown, name, work)
    except LevelError as error:
        # the SHA-256 of the bytes found broken (none if they were not read)
        error.content_hash = digest[0] if digest else None
        raise


# --- which files may be read ---------------------------------------------------------


def _inside(path: str, directory: str) -> bool:
    return os.path.commonpath([path, directory]) == directory


def _opened_path(fd: int) -> str | None:
    """The kernel's path of the open descriptor ``fd``, or ``None`` where it has none.

    Linux names every descriptor under ``/proc/self/fd``; the name is the
    file's place now, with every link already resolved. A file deleted since
    it was opened is named ``PATH (deleted)``, which lies inside no directory.
    """
    try:
        path = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    return path if path.startswith("/") else None


def read_level_file(
    name: str, shown: str, within: Sequence[str | os.PathLike[str]] | None = None
) -> bytes:
    """The bytes of the level file ``name``, if it is one that may be read.

    A level directory is often writable by people the host trusts less than
    itself, and its errors are shown to others, so a file is refused, before
    anything of it is read, when it is:

    * not a regular file (a directory, a FIFO that would block, a device);
    * with ``within`` given, a symbolic link whose target is outside all
      of those directories (``ln -s /etc/shadow levels/x.yaml``).

    The file is opened without following a last symbolic link and checked
    again on the open descriptor before a byte is read: it must be a regular
    file and, with ``within``, the kernel's own path of the descriptor
    (``/proc/self/fd``) must lie inside a level directory. So a directory
    on the way swapped for a link between the check and the open
    (``rename`` in a loop) is caught: what is read is the file inside.
    Where the kernel cannot name the descriptor, links are refused.
    Messages never name a link's target. Raises :class:`LevelError`.
    """
    try:
        info = os.lstat(name)
    except FileNotFoundError:
        raise LevelError([f"{shown}: no such file"], name) from None
    except OSError as error:
        raise LevelError([f"{shown}: cannot read: {error.strerror or error}"], name) from None
    target = name
    roots = None if within is None else [os.path.realpath(root) for root in within]
    outside = f"{shown}: refused: a link to a file outside the level directories"
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.path.realpath(name)
        except OSError:  # a link on the way changed while it was followed
            raise LevelError([f"{shown}: cannot read: it changed while read"], name) from None
        if roots is not None and not any(_inside(target, root) for root in roots):
            raise LevelError([outside], name)
    elif not stat.S_ISREG(info.st_mode):
        raise LevelError([f"{shown}: refused: not a regular file"], name)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except FileNotFoundError:
        raise LevelError([f"{shown}: no such file (a broken link?)"], name) from None
    except OSError as error:
        raise LevelError([f"{shown}: cannot read: {error.strerror or error}"], name) from None
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LevelError([f"{shown}: refused: not a regular file"], name)
        if roots is not None:
            opened = _opened_path(fd)
            if opened is None:
                if target != name:  # a link, and no way to see where it led
                    raise LevelError([outside], name)
            elif opened.endswith(" (deleted)"):
                raise LevelError([f"{shown}: no such file (removed while read)"], name)
            elif not any(_inside(opened, root) for root in roots):
                raise LevelError([outside], name)
        data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LevelError([f"{shown}: file is larger than {MAX_BYTES // 1_000_000} MB"], name)
    return data


# --- levels that share a target ------------------------------------------------


def _peek(
    file: Path, within: Sequence[str | os.PathLike[str]] | None = None
) -> tuple[str | None, str | None]:
    """(id, same_as) of a level file, read from its node tree without checks
    (and only if :func:`read_level_file` lets it be read)."""
    try:
        data = read_level_file(os.fspath(file), os.fspath(file), within)
        text = data.decode("utf-8-sig")
        if _prescan(text, os.fspath(file)):  # nothing is built from what it refuses
            return None, None
        loader = _PARSER(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except Exception:  # a broken file names no level; its own load reports why
        return None, None

    def scalar(node: Any, key: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return None
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
        return None

    level_id = scalar(root, "id")
    other = scalar(scalar(root, "target"), "same_as")
    return (
        level_id.value if isinstance(level_id, yaml.ScalarNode) else None,
        other.value if isinstance(other, yaml.ScalarNode) else None,
    )


class _Levels:
    """Loads level files, each once, and finds the levels a ``target: {same_as:
    ID}`` names: in ``directories`` in order (the file's own, then the
    built-in levels), refusing unknown ids and cycles."""

    def __init__(
        self, directories: Sequence[Path], within: Sequence[str | os.PathLike[str]] | None = None
    ) -> None:
        self.within = within  # the directories a link may lead to (read_level_file)
        self.directories: list[Path] = []
        for directory in directories:
            if all(os.path.abspath(directory) != os.path.abspath(d) for d in self.directories):
                self.directories.append(directory)
        self._loaded: dict[str, Level | LevelError] = {}
        self.lookups = 0  # how many times a level's target named another level
        self._index: dict[str, tuple[Path, str | None]] | None = None
        self._stack: list[Path] = []  # files being loaded, the innermost last

    def load(self, file: Path) -> Level:
        key = os.path.abspath(file)
        done = self._loaded.get(key)
        if done is None:
            self._stack.append(file)
            try:
                done = _read_level(file, self.lookup, self.within)
            except LevelError as error:
                done = error
            finally:
                self._stack.pop()
            self._loaded[key] = done
        if isinstance(done, LevelError):
            raise done
        return done

    def _ids(self) -> dict[str, tuple[Path, str | None]]:
        """Every level id of the directories: its file and its ``same_as``."""
        if self._index is None:
            self._index = {}
            for directory in self.directories:
                try:
                    files = level_files(directory)
                except OSError:
                    continue
                for file in files:
                    level_id, other = _peek(file, self.within)
                    if level_id and level_id not in self._index:
                        self._index[level_id] = (file, other)
        return self._index

    def lookup(self, level_id: str) -> Level | str:
        self.lookups += 1
        index = self._ids()
        by_file = {os.path.abspath(f): i for i, (f, _) in index.items()}
        loading = [
            by_file.get(os.path.abspath(f)) or _peek(f, self.within)[0] or f.name
            for f in self._stack
        ]
        chain = [level_id]
        while True:
            if chain[-1] in loading:
                cycle = [*loading[loading.index(chain[-1]) :], *chain]
                return "the targets name each other in a cycle: " + " → ".join(cycle)
            entry = index.get(chain[-1])
            if entry is None or entry[1] is None or entry[1] in chain:
                break
            chain.append(entry[1])
        entry = index.get(level_id)
        if entry is None:
            close = difflib.get_close_matches(level_id, list(index), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return f"no level '{level_id}' in this directory or the built-in levels{hint}"
        try:
            return self.load(entry[0])
        except LevelError:
            shown = escape_unsafe(str(entry[0]), 500)
            return f"level '{level_id}' ({shown}) has errors: fix them first"


# --- directories and the catalog --------------------------------------------------


def builtin_levels_dir() -> Path:
    """The built-in levels: inside the installed package, else the checkout's ``levels/``."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_builtin_levels"
    if installed.is_dir():
        return installed
    return package.parent / "levels"


def level_dirs(extra: Sequence[str] = ()) -> list[Path]:
    """User level directories: ``extra`` (``--levels``) first, then ``$KLGAME_LEVELS``."""
    dirs = [Path(d).expanduser() for d in extra if d]
    dirs += [Path(d).expanduser() for d in os.environ.get(LEVELS_ENV, "").split(os.pathsep) if d]
    return dirs


def level_files(directory: Path) -> list[Path]:
    """The level files of a directory (not its subdirectories), by name; no hidden files."""
    return [directory / name for name in level_names(directory)]


def level_names(directory: str | os.PathLike[str]) -> list[str]:
    """The names of :func:`level_files`, sorted (quicker for thousands of files)."""
    with os.scandir(directory) as entries:
        names = [entry.name for entry in entries]
    return sorted(
        name for name in names if name.endswith(LEVEL_SUFFIXES) and not name.startswith(".")
    )


_MOVED = frozenset({"Catalog", "index_directory", "load_catalog", "load_directory"})


def __getattr__(name: str) -> Any:
    # The catalog's loading lives in klgame.levels.directory (it uses this
    # module); its names are found here too, as they always were.
    if name in _MOVED:
        from klgame.levels import directory

        return getattr(directory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
