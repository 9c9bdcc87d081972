"""The web server of ``klgame serve``: textual-serve's, extended (not forked).

:class:`GameServer` subclasses textual-serve's ``Server``: an aiohttp
middleware checks the websocket's ``Origin`` and refuses directory listings
under ``/static``; the websocket handler counts games and clamps sizes; the
index page says when the server is full, loads nothing from another site
(textual-serve's page, with its web font served from ``/static``) and says
so to the browser in a ``Content-Security-Policy``.
:class:`GameService` subclasses its ``AppService``: the game is started
without a shell, with the driver that watches the session
(:mod:`klgame.hosting.web_driver`), kept alive by a heartbeat, told of at
most one new size per :data:`RESIZE_INTERVAL`, and ended if it has not quit
within :data:`QUIT_GRACE` seconds of its tab closing. The rules and limits
are in :mod:`klgame.hosting.serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from klgame.errors import KlgameError
from klgame.hosting.serve import (
    DEFAULT_MAX_SESSIONS,
    TITLE,
    clamp_size,
    full_page,
    full_text,
    is_wildcard,
    normalize_origin,
    origin_allowed,
    own_origins,
    server_url,
)
from klgame.hosting.web_driver import DRIVER, HEARTBEAT_ENV, HEARTBEAT_INTERVAL, HEARTBEAT_TYPE

#: Seconds a game has to quit once its tab is gone, before it is ended.
QUIT_GRACE = 5.0

#: Seconds a websocket that found the server full stays open to show why.
FULL_MESSAGE_SECONDS = 30.0

#: Most websockets held open at once only to say the server is full; beyond
#: that they are closed at once, so a flood of them costs nothing.
MAX_WAITING = 50

#: Seconds over which a browser's resizes are gathered into one: a flood of
#: them costs the game one layout per interval, not one per message.
RESIZE_INTERVAL = 0.1

#: What the index page may load: only this server's own files and websocket.
#: (textual-serve's page has inline styles and scripts of its own.)
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

#: textual-serve's page takes its font from Google's servers; ours from /static.
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.I)
_LOCAL_FONTS = """<style>
      @font-face { font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf"); }
      @font-face { font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf"); }
    </style>"""

log = logging.getLogger("klgame.serve")


def index_template(upstream: str) -> str:
    """textual-serve's page template with every link to another site removed
    and the web font it linked to taken from the server's own ``/static``."""
    text = _EXTERNAL_LINK.sub("", upstream)
    return text.replace("</head>", _LOCAL_FONTS + "\n  </head>", 1)


class GameService(AppService):
    """One browser game: started without a shell, sized sanely, always ended."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_DRIVER"] = DRIVER
        environment[HEARTBEAT_ENV] = "1"
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    _size: tuple[int, int] | None = None  # the latest size asked for, not yet sent
    _resizing: asyncio.Task[None] | None = None

    async def set_terminal_size(self, width: int, height: int) -> None:
        """Note the size; the game hears the latest one :data:`RESIZE_INTERVAL`
        later, whatever number of resizes came meanwhile."""
        self._size = clamp_size(width, height)
        if self._resizing is None or self._resizing.done():
            self._resizing = asyncio.create_task(self._send_size())

    async def _send_size(self) -> None:
        await asyncio.sleep(RESIZE_INTERVAL)
        size, self._size = self._size, None
        if size is not None:
            with contextlib.suppress(OSError, RuntimeError):  # the game may be gone
                await super().set_terminal_size(*size)

    async def heartbeat(self) -> None:
        """Tell the game, while its tab is open, that its session lasts."""
        with contextlib.suppress(TimeoutError):
            while True:
                await asyncio.wait_for(self.send_meta({"type": HEARTBEAT_TYPE}), QUIT_GRACE)
                await asyncio.sleep(HEARTBEAT_INTERVAL)

    async def stop(self) -> None:
        """Ask the game to quit; end it if it has not within :data:`QUIT_GRACE` s."""
        task = self._task
        if task is None:
            return
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(super().stop(), QUIT_GRACE)
        self._task = None
        await self._end_process()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _end_process(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), QUIT_GRACE)
            return
        except TimeoutError:
            pass
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


class GameServer(Server):
    """textual-serve's server with an Origin check, a cap on games and sane sizes."""

    def __init__(
        self,
        command: str,
        host: str,
        port: int,
        *,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        allowed_origins: Sequence[str] = (),
    ) -> None:
        # The first allowed origin is the public address: the page's links
        # and websocket point there (a reverse proxy's name).
        public = allowed_origins[0] if allowed_origins else server_url(host, port)
        super().__init__(command, host=host, port=port, title=TITLE, public_url=public)
        self.origins = own_origins(host, port, allowed_origins)
        self.wildcard = is_wildcard(host)
        self.max_sessions = max_sessions
        self.games: set[GameService] = set()
        self.waiting = 0  # websockets told the server is full, still open

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        return None  # klgame prints its own one line

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.check_origin)
        app.middlewares.append(self.no_listing)
        import aiohttp_jinja2

        upstream = (Path(self.templates_path) / "app_index.html").read_text(encoding="utf-8")
        loader = jinja2.DictLoader({"app_index.html": index_template(upstream)})
        aiohttp_jinja2.setup(app, loader=loader, autoescape=True)
        return app

    @web.middleware
    async def no_listing(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
    ) -> Any:
        """``/static`` serves files, never a directory's listing (404), and a
        name no file can have (``%00``) is not found either, never an error."""
        resource = request.match_info.route.resource
        if resource is not None and resource.name == "static":
            name = request.match_info.get("filename", "")
            if not name or name.endswith("/") or "\0" in name:
                raise web.HTTPNotFound()
            try:
                found = (Path(self.statics_path) / name).resolve().is_file()
            except (OSError, ValueError):  # a name no file can have
                found = False
            if not found:
                raise web.HTTPNotFound()
        return await handler(request)

    @web.middleware
    async def check_origin(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
    ) -> Any:
        """Refuse a websocket whose ``Origin`` is not the server's own (403).

        Checked for the route that starts games however its path was spelt,
        and for any request asking to upgrade to a websocket.
        """
        route = request.match_info.route.name
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if route == "websocket" or upgrade:
            origin = request.headers.get("Origin", "")
            if not self.allows(origin, request.headers.get("Host", "")):
                log.warning("refused a websocket from origin %r", origin[:200])
                raise web.HTTPForbidden(
                    text="klgame: this page may not start games on this server "
                    "(its Origin is not the server's own; see --allow-origin)\n"
                )
        return await handler(request)

    def allows(self, origin: str, host_header: str) -> bool:
        """Whether a page of ``origin``, asking this ``Host``, may start games."""
        return origin_allowed(origin, host_header, self.origins, self.wildcard)

    def is_full(self) -> bool:
        return len(self.games) >= self.max_sessions

    def websocket_url(self, request: web.Request) -> str:
        """Where the page's websocket goes: the address the browser asked for
        (the ``Host`` header) if a page there may start games, else the
        public address (the first ``--allow-origin``, or the server's own)."""
        host = request.headers.get("Host", "")
        base = f"http://{host}"
        with contextlib.suppress(KlgameError):
            base = normalize_origin(base)
        if not host or not self.allows(base, host):
            base = self.public_url
        path = request.app.router["websocket"].url_for()
        scheme, rest = base.split(":", 1)
        return ("wss:" if scheme == "https" else "ws:") + rest + str(path)

    def page_context(self, request: web.Request) -> dict[str, Any]:
        """What textual-serve's page template is filled with. Its files are
        named by path alone (``/static/...``), so the page works at whatever
        address it was opened; its websocket by :meth:`websocket_url`."""
        static = str(request.app.router["static"].url_for(filename="/")).rstrip("/") + "/"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": self.websocket_url(request),
            "config": {"static": {"url": static}},
            "application": {"name": self.title},
        }

    async def handle_index(self, request: web.Request) -> Any:
        if self.is_full():
            return web.Response(
                status=503,
                text=full_page(self.max_sessions),
                content_type="text/html",
                headers={"Retry-After": "30"},
            )
        import aiohttp_jinja2

        response = aiohttp_jinja2.render_template(
            "app_index.html", request, self.page_context(request)
        )
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def _refuse_full(self, websocket: web.WebSocketResponse) -> None:
        """Say so in the tab's terminal, and close after a while."""
        message = "\r\n  " + full_text(self.max_sessions) + "\r\n"
        self.waiting += 1
        try:
            with contextlib.suppress(Exception):
                await websocket.send_bytes(message.encode("utf-8"))
                if self.waiting <= MAX_WAITING:
                    await asyncio.wait_for(self._drain(websocket), FULL_MESSAGE_SECONDS)
        finally:
            self.waiting -= 1
        await websocket.close()

    @staticmethod
    async def _drain(websocket: web.WebSocketResponse) -> None:
        """Read (and ignore) what the page sends until it closes."""
        async for _message in websocket:
            pass

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width, height = clamp_size(
            request.query.get("width", "80"), request.query.get("height", "24")
        )
        await websocket.prepare(request)
        if self.is_full():
            log.warning("full: refused a game (%d running)", len(self.games))
            await self._refuse_full(websocket)
            return websocket

        async def close() -> None:
            await websocket.close()

        service = GameService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        self.games.add(service)  # counted until its process is gone
        beating: asyncio.Task[None] | None = None
        try:
            await service.start(width, height)
            beating = asyncio.create_task(service.heartbeat())
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            pass
        except Exception as error:
            log.warning("a browser session failed: %s", error)
        finally:
            if beating is not None:
                beating.cancel()
            await service.stop()
            self.games.discard(service)
            with contextlib.suppress(Exception):
                await websocket.close()
        return websocket
