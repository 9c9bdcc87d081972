"""The player's own keys: ``keys.toml`` in the config directory.

Every binding has an id (``klgame/ui/keys.py``); the file maps ids to keys::

    [keys]
    nudge-up = "right,d"
    nudge-down = "left,a"

and the app hands it to Textual's keymap support (``App.set_keymap``), so the
footer shows the player's keys; the help and the palette read it too. A file
with an unknown id, a clash (one key for two things on one screen) or bad
TOML is not used at all, and every problem is named at once, with the file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from textual.app import App
from textual.binding import Binding, BindingType

from klgame.ui.keys import (
    APP_KEYS,
    CLOSE_KEYS,
    CONFIRM_KEYS,
    PLAY_KEYS,
    READ_KEYS,
    REVEAL_KEYS,
    TITLE_KEYS,
)

FILE_NAME = "keys.toml"

#: Each screen's keys. The app's keys work on all of them: a screen's own key
#: may stand in for an app key there (``?`` closes the help), except for keys
#: with priority (quit), which come first everywhere.
SCREENS: dict[str, Sequence[BindingType]] = {
    "every screen": APP_KEYS,
    "the play screen": PLAY_KEYS,
    "the reveal": REVEAL_KEYS,
    "the level list": TITLE_KEYS,
    "the help": CLOSE_KEYS,
    "the level's text": READ_KEYS,
    "a question": CONFIRM_KEYS,
}
_PRIORITY = [b for b in APP_KEYS if isinstance(b, Binding) and b.priority]


def config_dir() -> Path:
    """``$KLGAME_HOME`` if set (one directory for everything, as for saves),
    else the platform's config directory (``~/.config/klgame`` on Linux)."""
    configured = os.environ.get("KLGAME_HOME", "")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir("klgame", appauthor=False))


@dataclass(frozen=True)
class Keymap:
    """The player's keys (binding id → keys, normalised), or why there are none."""

    path: Path | None = None
    keys: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def _bindings() -> list[Binding]:
    return [b for table in SCREENS.values() for b in table if isinstance(b, Binding)]


def known_ids() -> set[str]:
    return {b.id for b in _bindings() if b.id}


def check(keys: Mapping[str, str], where: str) -> list[str]:
    """Every problem with a keymap: unknown ids and clashes, each naming ``where``."""
    problems: list[str] = []
    ids = sorted(known_ids())
    for binding_id in keys:
        if binding_id not in ids:
            close = difflib.get_close_matches(binding_id, ids, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}: unknown binding id {binding_id!r}{hint}")
    for screen, own in SCREENS.items():
        table = [*own, *(b for b in _PRIORITY if own is not APP_KEYS)]
        actions: dict[str, dict[str, list[str]]] = {}
        for binding in table:
            if not isinstance(binding, Binding):
                continue
            chosen = keys.get(binding.id or "", binding.key)
            for key in chosen.split(","):
                ids_for = actions.setdefault(key.strip(), {})
                ids_for.setdefault(binding.action, []).append(binding.id or binding.action)
        for key, by_action in actions.items():
            if len(by_action) > 1:
                names = " and ".join(sorted({ids[0] for ids in by_action.values()}))
                problems.append(f"{where}: {key!r} is bound to both {names} on {screen}")
    return problems


def read_keymap(path: Path | None = None) -> Keymap:
    """The keymap in ``path`` (default: ``keys.toml`` in :func:`config_dir`).

    No file is no keymap and no problem; a file with any problem is not used.
    """
    file = path if path is not None else config_dir() / FILE_NAME
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Keymap()
    except (OSError, UnicodeDecodeError) as error:
        return Keymap(file, problems=(f"{file}: cannot read it ({error})",))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return Keymap(file, problems=(f"{file}: not valid TOML ({error})",))
    table = data.get("keys")
    extra = sorted(set(data) - {"keys"})
    problems = [f"{file}: unknown section or setting {name!r} (expected [keys])" for name in extra]
    if not isinstance(table, dict):
        problems.append(f"{file}: no [keys] table")
        return Keymap(file, problems=tuple(problems))
    keys: dict[str, str] = {}
    for binding_id, value in table.items():
        if not isinstance(value, str) or not value.strip():
            problems.append(f'{file}: keys.{binding_id} must be keys in quotes, like "right,d"')
            continue
        keys[binding_id] = value
    normal = App._normalize_keymap(keys)
    problems += check(normal, str(file))
    if problems:
        return Keymap(file, problems=tuple(problems))
    return Keymap(file, dict(normal))
