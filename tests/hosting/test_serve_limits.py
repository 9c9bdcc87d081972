"""``klgame serve`` against hostile visitors: Origin, capacity, sizes, games that end.

A real ``klgame serve``, real websockets (aiohttp's client, speaking exactly
what a browser tab speaks) and the game processes read from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from hosting_harness import PYTHON, Served, processes_with_env, wait_for

from klgame.hosting.serve import DEFAULT_MAX_SESSIONS, MAX_COLUMNS, MAX_ROWS
from klgame.hosting.web_driver import DRIVER, EXIT_GRACE, HEARTBEAT_ENV, HEARTBEAT_TIMEOUT

pytestmark = pytest.mark.slow


def games(served: Served) -> list[int]:
    """The game processes of ``served`` (its children carry its KLGAME_HOME)."""
    marker = f"KLGAME_HOME={served.home}"
    return [pid for pid in processes_with_env(marker) if pid != served.process.pid]


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = (entry.decode(errors="replace").partition("=") for entry in raw if entry)
    return {key: value for key, _, value in pairs}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path, "web", "--max-sessions", "3")
    try:
        yield server
    finally:
        server.stop()
        for pid in games(server):  # nothing may be left; if it is, the test says so below
            os.kill(pid, 9)


@pytest.fixture(scope="module")
def one_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("serve-limits"), "web", "--max-sessions", "3")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def idle_served(one_server: Served) -> Iterator[Served]:
    """One server for the tests that start no game: each finds none running
    when it starts (a game a test started anyway ends with it). They are one
    xdist group, so under ``--dist loadgroup`` one worker starts it once."""
    assert one_server.process.poll() is None, "the shared klgame serve has exited"
    assert games(one_server) == []
    try:
        yield one_server
    finally:
        for pid in games(one_server):
            os.kill(pid, 9)


class Tab:
    """One browser tab's websocket to the game, as textual-serve's page opens it."""

    def __init__(self, served: Served, origin: str | None, width: int = 100, height: int = 30):
        self.url = f"{served.url}/ws?width={width}&height={height}"
        self.headers = {} if origin is None else {"Origin": origin}
        self.output = b""
        self.session: aiohttp.ClientSession | None = None
        self.socket: aiohttp.ClientWebSocketResponse | None = None

    async def open(self) -> None:
        self.session = aiohttp.ClientSession()
        self.socket = await self.session.ws_connect(self.url, headers=self.headers)

    async def read(self, seconds: float) -> bytes:
        assert self.socket is not None
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not self.socket.closed:
            try:
                message = await asyncio.wait_for(self.socket.receive(), left)
            except (TimeoutError, aiohttp.ClientError):
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                self.output += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:
                break
        return self.output

    async def read_until(self, done: Callable[[bytes], bool], seconds: float) -> bytes:
        """Read until ``done(output)`` holds, the socket closes, or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while not done(self.output) and (left := deadline - time.monotonic()) > 0:
            if self.socket is None or self.socket.closed:
                break
            await self.read(min(left, 0.5))
        return self.output

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(aiohttp.ClientError):  # the server may have closed it
                await self.socket.close()
        if self.session is not None:
            await self.session.close()


@pytest.mark.xdist_group("serve-limits-one-server")
@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", None, "http://127.0.0.1:1", "https://127.0.0.1"]
)
def test_a_foreign_origin_starts_no_game(idle_served: Served, origin: str | None) -> None:
    served = idle_served

    async def attempt() -> int:
        tab = Tab(served, origin)
        try:
            await tab.open()
        except aiohttp.WSServerHandshakeError as error:
            return error.status
        finally:
            await tab.close()
        return 101

    assert asyncio.run(attempt()) == 403
    time.sleep(2)  # a game, had one started, would be running by now
    assert games(served) == []


def test_six_tabs_run_at_most_three_games_and_none_is_left(served: Served) -> None:
    def answered(output: bytes) -> bool:
        return (
            b"klgame is full" in output or b"Match a hidden" in output or b"One Gaussian" in output
        )

    async def six_tabs() -> tuple[list[bytes], int, int]:
        tabs = [Tab(served, served.url) for _ in range(6)]
        most = 0
        try:
            for tab in tabs:
                await tab.open()
            # Every tab reads at once until it shows a game or the full
            # message; meanwhile the games are counted every 0.1 s.
            reading = asyncio.gather(*(tab.read_until(answered, 30) for tab in tabs))
            while not reading.done():
                most = max(most, len(games(served)))
                await asyncio.wait([reading], timeout=0.1)
            outputs = reading.result()
            most = max(most, len(games(served)))
            with urllib.request.urlopen(served.url, timeout=5) as reply:
                index_status = reply.status
        except urllib.error.HTTPError as error:
            index_status = error.code
            page = error.read().decode()
            assert "klgame is full" in page and "3 games are running" in page
        finally:
            for tab in tabs:
                await tab.close()
        return outputs, most, index_status

    outputs, most, index_status = asyncio.run(asyncio.wait_for(six_tabs(), 120))
    full = [out for out in outputs if b"klgame is full" in out]
    playing = [out for out in outputs if b"Match a hidden" in out or b"One Gaussian" in out]
    assert len(full) == 3 and len(playing) == 3, [out[-300:] for out in outputs]
    assert most == 3
    assert index_status == 503  # while full, the page itself says so
    wait_for(lambda: not games(served), 20, "every game to end once its tab closed")
    # The server counts a game until it has reaped its process, a moment
    # after the process left /proc: room again, once it has.
    wait_for(lambda: index_page_status(served) == 200, 20, "the page to have room again")


def index_page_status(served: Served) -> int:
    try:
        with urllib.request.urlopen(served.url, timeout=5) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_huge_screen_is_clamped(served: Served) -> None:
    async def huge() -> tuple[dict[str, str], bytes]:
        tab = Tab(served, served.url, width=10000, height=10000)
        try:
            await tab.open()
            await tab.read_until(lambda output: b"klgame" in output, 40)
            (pid,) = wait_for(lambda: games(served), 20, "the game to start")  # type: ignore[misc]
            env = environ(pid)
            assert tab.socket is not None
            await tab.socket.send_json(["resize", {"width": 10**9, "height": -5}])
            deadline = time.monotonic() + 40  # a frame of 400×150 is slow on a loaded machine
            output = await tab.read(2)
            while b"klgame" not in output and time.monotonic() < deadline:
                output = await tab.read(1)
            return env, output
        finally:
            await tab.close()

    env, output = asyncio.run(asyncio.wait_for(huge(), 90))
    assert (env["COLUMNS"], env["ROWS"]) == (str(MAX_COLUMNS), str(MAX_ROWS))
    assert MAX_COLUMNS <= 1000 and MAX_ROWS <= 400  # what a screen can be
    assert b"klgame" in output
    wait_for(lambda: not games(served), 20, "the game to end once its tab closed")


def test_the_default_cap_is_documented() -> None:
    help_text = subprocess.run(
        [PYTHON, "-m", "klgame", "serve", "--help"], capture_output=True, text=True, timeout=30
    ).stdout
    assert f"(default: {DEFAULT_MAX_SESSIONS})" in help_text
    docs = (Path(__file__).parents[2] / "docs" / "hosting.md").read_text()
    assert f"--max-sessions` (default {DEFAULT_MAX_SESSIONS})" in docs


@pytest.mark.parametrize("columns", ["100", "400"])
def test_a_browser_game_nobody_talks_to_ends_by_itself(tmp_path: Path, columns: str) -> None:
    """The game's own lifeline: its pipes stay open but nobody reads or writes
    them (a server that forgot it), so no heartbeat comes; it ends anyway."""
    env = {
        **os.environ,
        "KLGAME_HOME": str(tmp_path / "home"),
        "KLGAME_PLAYER": "web",
        "TEXTUAL_DRIVER": DRIVER,
        HEARTBEAT_ENV: "1",
        "COLUMNS": columns,
        "ROWS": "150",
    }
    started = time.monotonic()
    game = subprocess.Popen(
        [sys.executable, "-m", "klgame", "--hosted"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert game.stdout is not None
        assert game.stdout.readline() == b"__GANGLION__\n"  # then never read again
        game.wait(HEARTBEAT_TIMEOUT + EXIT_GRACE + 30)
    finally:
        if game.poll() is None:
            game.kill()
            game.wait()
    took = time.monotonic() - started
    assert took >= HEARTBEAT_TIMEOUT  # it did wait for the heartbeat


def test_a_full_server_keeps_saying_so_while_the_page_talks(tmp_path: Path) -> None:
    """The browser's page sends a resize and pings at once; the message stays
    on screen (the socket stays open) instead of turning into "Session ended"."""
    server = Served(tmp_path, "web", "--max-sessions", "1")

    async def two_tabs() -> tuple[bytes, bool]:
        first, second = Tab(server, server.url), Tab(server, server.url)
        try:
            await first.open()
            await first.read_until(lambda output: b"One Gaussian" in output, 40)  # its game runs
            await second.open()
            assert second.socket is not None
            await second.socket.send_json(["resize", {"width": 90, "height": 30}])
            await second.socket.send_json(["ping", "1"])
            output = await second.read(4)
            return output, not second.socket.closed
        finally:
            await first.close()
            await second.close()

    try:
        output, still_open = asyncio.run(asyncio.wait_for(two_tabs(), 60))
        assert b"klgame is full: 1 game is running" in output
        assert still_open
        wait_for(lambda: not games(server), 20, "the one game to end")
    finally:
        server.stop()


@pytest.mark.xdist_group("serve-limits-one-server")
@pytest.mark.parametrize("path", ["/w%73", "/ws/", "//ws", "/WS"])
def test_no_other_spelling_of_the_websocket_path_starts_a_game(
    idle_served: Served, path: str
) -> None:
    served = idle_served

    async def attempt() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(
                    f"{served.url}{path}", headers={"Origin": "http://evil.example"}
                ):
                    return 101
            except aiohttp.WSServerHandshakeError as error:
                return error.status

    assert asyncio.run(attempt()) in (403, 404)
    time.sleep(1)
    assert games(served) == []
