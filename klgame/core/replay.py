"""Replay files: JSON Lines, human-readable, versioned.

Line 1 is a header::

    {"format": "klgame-replay", "version": 2, "klgame": "0.1.0",
     "level": "gaussian", "level_hash": "<sha256 of the level file>", "seed": 7}

then one action per line, with its time offset in seconds::

    {"t": 0.41, "action": "nudge", "sign": 1, "size": "step"}

See docs/replays.md. Reading never executes anything: it is ``json.loads``
per line, and every problem names its line.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from klgame import __version__
from klgame.core.actions import Action, ActionError, action_from_json
from klgame.errors import KlgameError

FORMAT = "klgame-replay"
VERSION = 2  # 2 added the mouse's ``set`` and ``times`` on ``nudge``
READABLE = (1, 2)
MAX_LINE = 10_000  # characters; a real action line is under 100


class ReplayError(KlgameError):
    """A replay that cannot be used; the message names the file and line."""

    exit_code = 2


@dataclass(frozen=True)
class Header:
    level: str
    level_hash: str
    seed: int
    klgame: str = __version__
    player: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "klgame": self.klgame,
            "level": self.level,
            "level_hash": self.level_hash,
            "seed": self.seed,
        }
        if self.player is not None:
            out["player"] = self.player
        return out


@dataclass(frozen=True)
class Replay:
    header: Header
    actions: tuple[Action, ...]


def dumps_line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def write_replay(path: Path, header: Header, actions: Iterable[Action]) -> None:
    """Write a whole replay atomically (a temporary file, then a rename)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(dumps_line(header.to_json()))
            for action in actions:
                handle.write(dumps_line(action.to_json()))
        tmp.replace(path)
    except BaseException:  # disk full, interrupted: no temporary file is left
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class Recorder:
    """Streams a replay as it is played, one flushed line per action, so an
    interrupted game keeps every move made before the interruption."""

    def __init__(self, path: Path, header: Header) -> None:
        self.path = path
        self._handle: IO[str] = path.open("w", encoding="utf-8")
        self.write(header.to_json())

    def write(self, data: dict[str, Any]) -> None:
        self._handle.write(dumps_line(data))
        self._handle.flush()

    def record(self, action: Action) -> None:
        self.write(action.to_json())

    def close(self) -> None:
        self._handle.close()


def _parse_header(data: Any, where: str) -> Header:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReplayError(f"{where}: not a klgame replay (the first line must be its header)")
    version = data.get("version")
    if version not in READABLE or isinstance(version, bool):
        raise ReplayError(
            f"{where}: unknown replay format version {version!r} "
            f"(this klgame {__version__} reads versions {', '.join(map(str, READABLE))})"
        )
    level, level_hash, seed = data.get("level"), data.get("level_hash"), data.get("seed")
    if not isinstance(level, str) or not level:
        raise ReplayError(f"{where}: header field 'level' must be a level id")
    if not isinstance(level_hash, str):
        raise ReplayError(f"{where}: header field 'level_hash' must be a string")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ReplayError(
            f"{where}: header field 'seed' must be a whole number >= 0, got {_shown(seed)}"
        )
    player = data.get("player")
    return Header(
        level=level,
        level_hash=level_hash,
        seed=seed,
        klgame=str(data.get("klgame", "?")),
        player=player if isinstance(player, str) else None,
    )


def parse_lines(lines: Iterable[str], name: str) -> Replay:
    """Parse a whole replay: its header, then its actions."""
    header, actions = iter_replay(lines, name)
    return Replay(header, tuple(actions))


def iter_replay(lines: Iterable[str], name: str) -> tuple[Header, Iterator[Action]]:
    """The header, read at once, and the actions, read one line at a time as
    they are taken: a replay of any length is played in constant memory. A
    problem on a later line is raised when that line is reached."""
    numbered = enumerate(lines, 1)
    for number, line in numbered:
        data = _json_line(line, f"{name}:{number}")
        if data is not _BLANK:
            header = _parse_header(data, f"{name}:{number}")
            return header, _actions(numbered, name, data["version"])
    raise ReplayError(f"{name}: empty file: a replay starts with a header line")


_BLANK = object()


def _json_line(line: str, where: str) -> Any:
    if len(line) > MAX_LINE:
        raise ReplayError(f"{where}: line too long ({len(line)} characters)")
    if not line.strip():
        return _BLANK
    try:
        return json.loads(line, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise ReplayError(f"{where}: not valid JSON ({error})") from None


def _actions(numbered: Iterator[tuple[int, str]], name: str, version: int) -> Iterator[Action]:
    for number, line in numbered:
        where = f"{name}:{number}"
        data = _json_line(line, where)
        if data is _BLANK:
            continue
        try:
            action = action_from_json(data)
        except ActionError as error:
            raise ReplayError(f"{where}: {error}") from None
        if version < 2 and isinstance(data, dict) and ("times" in data or action.name == "set"):
            raise ReplayError(f"{where}: {action.name} with these fields needs replay version 2")
        yield action


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not allowed")


def read_replay(path: str | Path) -> Replay:
    """A whole replay file, read into memory (``klgame replay --watch`` plays
    it back at its own pace); :func:`open_replay` streams one."""
    with open_replay(path) as (header, actions):
        return Replay(header, tuple(actions))


@contextmanager
def open_replay(path: str | Path) -> Iterator[tuple[Header, Iterator[Action]]]:
    """The header of the replay file at ``path`` and its actions, read lazily
    while the file stays open."""
    file = Path(path)
    try:
        handle = file.open(encoding="utf-8")
    except FileNotFoundError:
        raise ReplayError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise ReplayError(f"{file}: is a directory, not a replay file") from None
    except PermissionError:
        raise ReplayError(f"{file}: permission denied") from None
    with handle:
        yield iter_replay(_lines(handle, file), str(file))


def _lines(handle: IO[str], file: Path) -> Iterator[str]:
    while True:
        try:
            line = handle.readline(MAX_LINE + 1)
        except UnicodeDecodeError as error:
            raise ReplayError(f"{file}: not UTF-8 text ({error.reason})") from None
        except IsADirectoryError:
            raise ReplayError(f"{file}: is a directory, not a replay file") from None
        if not line:
            return
        yield line
