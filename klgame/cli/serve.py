"""``klgame serve``: the game in web browsers (the rules and the server are in
:mod:`klgame.hosting.serve` and :mod:`klgame.hosting.server`)."""

from __future__ import annotations

import argparse
import sys

from klgame.errors import KlgameError
from klgame.hosting.serve import (
    DEFAULT_MAX_SESSIONS,
    game_command,
    is_loopback,
    normalize_origin,
    server_url,
)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the game on ``args.host``:``args.port`` until interrupted."""
    host: str = args.host
    port: int = args.port
    asked = getattr(args, "max_sessions", None)
    max_sessions: int = DEFAULT_MAX_SESSIONS if asked is None else asked
    if not 0 < port < 65536:
        raise KlgameError(f"--port must be between 1 and 65535, not {port}")
    if max_sessions < 1:
        raise KlgameError(f"--max-sessions must be at least 1, not {max_sessions}")
    allowed = [normalize_origin(text) for text in getattr(args, "allow_origin", None) or []]
    try:
        from klgame.hosting.server import GameServer
    except ImportError:  # pragma: no cover - a declared dependency
        raise KlgameError("klgame serve needs the textual-serve package") from None
    server = GameServer(
        game_command(), host, port, max_sessions=max_sessions, allowed_origins=allowed
    )

    url = server_url(host, port)
    print(f"klgame: serving on {url} (at most {max_sessions} games at once)", flush=True)
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
