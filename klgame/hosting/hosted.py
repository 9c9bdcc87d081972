"""The policy of ``--hosted`` mode, as pure functions the CLI and the UI call.

Hosted mode is for a shared server: a class plays over SSH on one host (or in
a browser via ``klgame serve``). The player controls only the keyboard of the
game, never its command line, so in hosted mode:

* the player's name comes from the host's configuration -- ``--player NAME``
  in the per-key ``command="..."`` of ``authorized_keys`` or ``KLGAME_PLAYER``
  set by the host (``SetEnv`` in ``sshd_config``) -- or, when the host did not
  name the player, the game asks once and remembers the answer, keyed by the
  SSH key's fingerprint (``ExposeAuthInfo yes``) or else by the login name;
* no path is taken from the player: ``--levels``, ``--record``, ``replay
  FILE``, ``validate`` and ``solve`` are refused; extra level directories come
  only from the host's ``KLGAME_LEVELS``.

See ``docs/hosting.md`` for the OpenSSH recipe.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import getpass
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from klgame.errors import KlgameError
from klgame.files import private_dir, write_private
from klgame.text import sanitize_name

if TYPE_CHECKING:
    from klgame.levels.loader import Catalog

#: Environment variable a host may set (``SetEnv``) to name the player.
PLAYER_ENV = "KLGAME_PLAYER"

#: Environment variable through which the host adds level directories.
LEVELS_ENV = "KLGAME_LEVELS"

#: Set by sshd with ``ExposeAuthInfo yes``: a file listing the methods used to log in.
AUTH_INFO_ENV = "SSH_USER_AUTH"

#: Sub-directory of the data directory holding remembered names, one small file per key.
NAMES_DIR = "hosted-names"

#: Largest ``SSH_USER_AUTH`` file read, in bytes (it holds a line or two).
_MAX_AUTH_INFO = 64 * 1024

#: Largest remembered-name file read, in bytes.
_MAX_NAME_FILE = 1024

#: File in the data directory where hosted games report level files they could not load.
LEVEL_PROBLEMS_FILE = "level-problems.log"

#: Most lines :data:`LEVEL_PROBLEMS_FILE` holds (each file reports at most 51,
#: each line at most 2000 characters), then one saying how many were left out.
MAX_LOGGED_PROBLEMS = 2000

#: All a hosted player is told about level files that could not be loaded.
LEVELS_UNAVAILABLE = "Some levels are unavailable; the host can see why."

#: Commands a hosted player may run (``args.command`` as ``klgame.cli`` sets it).
HOSTED_COMMANDS = frozenset({"title", "play", "levels", "scores"})


class HostedRefusal(KlgameError):
    """A command-line option or command that hosted mode does not allow."""

    exit_code = 2


def hosted_player_name(env: Mapping[str, str], explicit: str | None) -> str | None:
    """The player's name as set by the host, or ``None`` to ask once and remember.

    ``explicit`` is ``--player`` (in hosted mode it comes from the host's
    ``command="..."``, never from the player); then ``KLGAME_PLAYER`` from
    ``env``. Names are sanitised (no control characters, at most 32
    characters); one with nothing printable counts as unset.
    """
    for candidate in (explicit, env.get(PLAYER_ENV)):
        if candidate is not None:
            name = sanitize_name(candidate)
            if name:
                return name
    return None


def is_browser_session(env: Mapping[str, str]) -> bool:
    """Whether the game runs under ``klgame serve`` (textual-serve's web driver)."""
    return "web_driver" in env.get("TEXTUAL_DRIVER", "")


def key_fingerprint(auth_info: str) -> str | None:
    """``SHA256:...`` of the first public key in an ``SSH_USER_AUTH`` file's text.

    The file has lines such as ``publickey ssh-ed25519 AAAA...``; the
    fingerprint is computed as ``ssh-keygen -l`` prints it.
    """
    for line in auth_info.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == "publickey":
            try:
                blob = base64.b64decode(fields[2], validate=True)
            except (binascii.Error, ValueError):
                continue
            digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii")
            return "SHA256:" + digest.rstrip("=")
    return None


def remember_key(env: Mapping[str, str]) -> str | None:
    """What a remembered name is keyed by, or ``None`` if it must not be remembered.

    The SSH key's fingerprint (``key:SHA256:...``) when sshd exposes it
    (``ExposeAuthInfo yes``), else the login name (``login:NAME``). In a
    browser session (``klgame serve``) every visitor shares the server's
    login, so nothing is remembered: ``None``.
    """
    if is_browser_session(env):
        return None
    auth_path = env.get(AUTH_INFO_ENV, "")
    if auth_path:
        try:
            with open(auth_path, encoding="utf-8", errors="replace") as handle:
                fingerprint = key_fingerprint(handle.read(_MAX_AUTH_INFO))
        except OSError:
            fingerprint = None
        if fingerprint:
            return "key:" + fingerprint
    login = env.get("USER") or env.get("LOGNAME") or ""
    if not login:
        try:
            login = getpass.getuser()
        except Exception:  # no login name: OSError (3.13+), KeyError from pwd (older)
            login = ""
    return "login:" + login if login else None


def _name_file(data_dir: Path, key: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return data_dir / NAMES_DIR / digest


def remembered_name(data_dir: Path, key: str | None) -> str | None:
    """The name remembered for ``key`` in ``data_dir``, or ``None``."""
    if key is None:
        return None
    try:
        with open(_name_file(data_dir, key), encoding="utf-8", errors="replace") as handle:
            text = handle.read(_MAX_NAME_FILE)
    except OSError:
        return None
    return sanitize_name(text) or None


def remember_name(data_dir: Path, key: str | None, name: str) -> str | None:
    """Remember ``name`` (sanitised) for ``key``; return the name kept.

    Returns ``None`` (and remembers nothing) if ``key`` is ``None`` or the
    name has nothing printable. The file is replaced atomically, so
    concurrent games never read half a name. A failure to write is not an
    error: the player is asked again next time.
    """
    clean = sanitize_name(name)
    if key is None or not clean:
        return None
    path = _name_file(data_dir, key)
    try:
        private_dir(path.parent)
        write_private(path, clean + "\n")
    except OSError:
        return None
    return clean


def command_name(args: argparse.Namespace) -> str:
    """The sub-command ``args`` runs: ``title``, ``play``, ``replay``, ..."""
    return str(getattr(args, "command", ""))


def check_hosted_args(args: argparse.Namespace) -> None:
    """Refuse, in hosted mode, everything that takes a path or runs a non-game command.

    Does nothing unless ``args.hosted``. Raises :class:`HostedRefusal`
    (exit code 2) with a message for the player otherwise.
    """
    if not getattr(args, "hosted", False):
        return
    if getattr(args, "level_dirs", None):
        raise HostedRefusal(
            "--levels is not available in hosted mode; the host sets the level "
            f"directories ({LEVELS_ENV})"
        )
    if getattr(args, "record", None):
        raise HostedRefusal("--record is not available in hosted mode")
    command = command_name(args)
    if command not in HOSTED_COMMANDS:
        allowed = ", ".join(sorted(HOSTED_COMMANDS - {"title"}))
        raise HostedRefusal(
            f"'{command or '?'}' is not available in hosted mode (available: {allowed})"
        )


def report_level_problems(data_dir: Path | None, problems: list[str]) -> None:
    """Write ``problems`` to :data:`LEVEL_PROBLEMS_FILE` for the host to read.

    The file holds the problems the latest game found, one per line, and is
    rewritten (atomically) only when they change, so a busy host does not
    write it on every connection, and holds at most
    :data:`MAX_LOGGED_PROBLEMS` lines (about 4 MB at most). Nothing is
    written to standard error: over SSH that is the player's screen. A
    failure to write is not the player's problem, and is ignored.
    """
    if data_dir is None:
        return
    path = data_dir / LEVEL_PROBLEMS_FILE
    if len(problems) > MAX_LOGGED_PROBLEMS:
        more = len(problems) - MAX_LOGGED_PROBLEMS
        problems = [*problems[:MAX_LOGGED_PROBLEMS], f"… and {more} more problems"]
    text = "".join(f"{line}\n" for line in problems)
    with contextlib.suppress(OSError), open(path, encoding="utf-8", errors="replace") as handle:
        if handle.read(len(text) + 1) == text:
            return
    if not problems and not path.exists():
        return
    # the host's own file, as everything else in the data directory: 0600
    with contextlib.suppress(OSError, UnicodeError):
        write_private(path, text)


def players_catalog(catalog: Catalog, data_dir: Path | None) -> Catalog:
    """``catalog`` as a hosted player sees it: its levels, and no file's problems.

    Level files are the host's (and its contributors'); their errors and
    warnings name paths and quote keys, so they go to the host
    (:func:`report_level_problems`) and the player reads only
    :data:`LEVELS_UNAVAILABLE`.
    """
    from klgame.levels.loader import Catalog

    report_level_problems(data_dir, [*catalog.errors, *catalog.warnings])
    return Catalog(catalog.entries, (), (LEVELS_UNAVAILABLE,) if catalog.errors else ())
