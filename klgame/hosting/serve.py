"""``klgame serve``: the game in web browsers, through textual-serve.

Each browser tab gets its own ``klgame --hosted`` process, run with the same
Python interpreter as the server. The server listens on loopback unless told
otherwise; anything beyond one machine belongs behind a reverse proxy with
TLS and authentication (see ``docs/hosting.md``).
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

from klgame.errors import KlgameError

#: Title of the browser tab.
TITLE = "klgame"


def game_command() -> str:
    """The shell command each browser session runs: this interpreter, hosted mode."""
    return f"{shlex.quote(sys.executable)} -m klgame --hosted"


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


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the game on ``args.host``:``args.port`` until interrupted."""
    host: str = args.host
    port: int = args.port
    if not 0 < port < 65536:
        raise KlgameError(f"--port must be between 1 and 65535, not {port}")
    try:
        from textual_serve.server import Server
    except ImportError:  # pragma: no cover - a declared dependency
        raise KlgameError("klgame serve needs the textual-serve package") from None

    url = server_url(host, port)
    server = Server(game_command(), host=host, port=port, title=TITLE, public_url=url)
    print(f"klgame: serving on {url}", flush=True)
    if not is_loopback(host):
        print(
            "klgame: warning: listening beyond this machine; put a reverse proxy with "
            "TLS and authentication in front (see docs/hosting.md)",
            file=sys.stderr,
            flush=True,
        )
    try:
        server.serve()
    except OSError as error:
        reason = error.strerror or str(error)
        raise KlgameError(f"cannot serve on {host}:{port} ({reason})") from None
    return 0
