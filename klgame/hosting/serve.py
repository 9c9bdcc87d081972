"""``klgame serve``: the game in web browsers, through textual-serve.

Each browser tab gets its own ``klgame --hosted`` process, run with the same
Python interpreter as the server. The server listens on loopback unless told
otherwise; anything beyond one machine belongs behind a reverse proxy with
TLS and authentication (see ``docs/hosting.md``).

textual-serve stays the server; :class:`GameServer` extends it where a
server open to every web page the host's browser visits needs more:

* **Origin**: a websocket to ``/ws`` starts a game only if its ``Origin``
  header is the server's own address (or one given with ``--allow-origin``,
  for a reverse proxy's public name). Any page a browser on this machine
  has open could otherwise start and drive games.
* **Capacity**: at most ``--max-sessions`` games at once
  (:data:`DEFAULT_MAX_SESSIONS`); a visitor who finds the server full gets a
  page (or, if it filled up meanwhile, a message in the terminal) saying so.
* **Screen size**: the width and height a browser asks for are clamped to
  :data:`MAX_COLUMNS` by :data:`MAX_ROWS`.
* **Ending**: a game whose tab is gone is asked to quit, and ended if it has
  not within a few seconds; the game also ends by itself when the server's
  heartbeat stops (:mod:`klgame.hosting.web_driver`).

The server itself is :mod:`klgame.hosting.server`, the command's handler
:mod:`klgame.cli.serve`; this module holds the rules, which need neither
aiohttp nor Textual.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from collections.abc import Sequence

from klgame.errors import KlgameError

#: Title of the browser tab.
TITLE = "klgame"

#: Games at once unless ``--max-sessions`` says otherwise. A game takes about
#: 100 MiB and a little CPU (docs/performance.md, "Hosting"): ten fit a small host.
DEFAULT_MAX_SESSIONS = 10

#: Largest terminal a browser may ask for, in columns and rows: an 8K screen
#: at a 10-pixel font. Bigger requests are cut to this.
MAX_COLUMNS = 400
MAX_ROWS = 150

#: Smallest terminal, so a zero or negative request still gives a screen.
MIN_COLUMNS = 20
MIN_ROWS = 6


def game_command() -> str:
    """The command each browser session runs: this interpreter, hosted mode."""
    return shlex.join([sys.executable, "-m", "klgame", "--hosted"])


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_url(host: str, port: int) -> str:
    """The URL a browser opens for ``host``/``port``."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def normalize_origin(text: str) -> str:
    """``scheme://host[:port]`` of ``text``, as browsers send it in ``Origin``.

    Raises :class:`KlgameError` unless ``text`` is an ``http``/``https`` URL
    with a host and no path beyond ``/``.
    """
    from yarl import URL

    try:
        url = URL(text.strip())
    except (TypeError, ValueError):
        raise KlgameError(f"--allow-origin {text!r} is not a URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise KlgameError(
            f"--allow-origin {text!r} must be http:// or https:// and a host name, "
            "e.g. https://klgame.example.org"
        )
    if url.path not in ("", "/") or url.query_string or url.fragment:
        raise KlgameError(f"--allow-origin {text!r} must be an origin only, without a path")
    return str(url.origin())


def is_wildcard(host: str) -> bool:
    """Whether ``host`` means every address of this machine (``0.0.0.0``, ``::``)."""
    try:
        return host == "" or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def own_origins(host: str, port: int, allowed: Sequence[str] = ()) -> frozenset[str]:
    """The ``Origin`` values a websocket may come from.

    The server's own address; on loopback (and on every address, which
    includes loopback) also ``localhost``, ``127.0.0.1`` and ``[::1]`` with
    the same port (the same server, as only this machine can reach it); and
    every ``allowed`` origin.
    """
    names = {server_url(host, port)}
    if is_loopback(host) or is_wildcard(host):
        names |= {server_url(name, port) for name in ("localhost", "127.0.0.1", "::1")}
    return frozenset({normalize_origin(name) for name in names} | set(allowed))


def address_origin(host_header: str) -> str | None:
    """``http://HOST`` for a ``Host`` header that names an IP address (with
    its port), else ``None``: a host *name* could be anyone's (DNS rebinding),
    an address literal is the one the browser connected to."""
    from yarl import URL

    try:
        url = URL(f"http://{host_header}")
        address = ipaddress.ip_address(url.host or "")
    except ValueError:
        return None
    if address.is_unspecified or url.path not in ("", "/") or url.user or url.query_string:
        return None
    return str(url.origin())


def origin_allowed(
    origin: str, host_header: str, origins: frozenset[str], wildcard: bool = False
) -> bool:
    """Whether a websocket with this ``Origin``, sent to this ``Host``, may start a game.

    ``origins`` are :func:`own_origins`. A server listening on every address
    (``wildcard``) also takes a page of whichever of its addresses the
    browser opened: an ``Origin`` equal to the ``Host`` it was sent to, when
    that names an IP address (so ``http://192.0.2.7:8000`` opened as such).
    """
    if origin in origins:
        return True
    return wildcard and origin != "" and origin == address_origin(host_header)


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A browser's terminal size made sane: whole numbers within the limits."""

    def clamp(value: object, low: int, high: int, default: int) -> int:
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError, OverflowError):
            return default
        return max(low, min(high, number))

    return clamp(width, MIN_COLUMNS, MAX_COLUMNS, 80), clamp(height, MIN_ROWS, MAX_ROWS, 24)


def full_text(limit: int) -> str:
    """What a visitor who finds the server full reads."""
    games = "game is" if limit == 1 else "games are"
    return (
        f"klgame is full: {limit} {games} running, as many as this server allows. "
        "Please try again in a few minutes."
    )


def full_page(limit: int) -> str:
    from html import escape

    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='refresh' content='30'><title>klgame is full</title></head>"
        "<body style='background:#0c181f;color:#eee;font-family:monospace;padding:3em'>"
        f"<h1>klgame is full</h1><p>{escape(full_text(limit))}</p>"
        "<p>This page tries again every 30 seconds.</p></body></html>"
    )
