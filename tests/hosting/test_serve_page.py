"""``klgame serve``'s page: nothing loaded from another site, no directory
listed, a flood of resizes gathered into a few. A real ``klgame serve``, a
real headless Chromium and the game processes read from /proc."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from hosting_browser import Browser
from hosting_harness import Served, processes_with_env, wait_for

from klgame.hosting.server import RESIZE_INTERVAL

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def one_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("serve-page"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page_server(one_server: Served) -> Served:
    """One server for the tests that only fetch files (no game, nothing kept);
    they are one xdist group, so under ``--dist loadgroup`` it starts once."""
    assert one_server.process.poll() is None, "the shared klgame serve has exited"
    return one_server


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


async def _open_page(browser: Browser, url: str) -> tuple[list[str], list[str]]:
    """Open ``url`` until the title screen shows (the websocket works): the
    URLs of every file the page loaded, and its content-policy violations."""
    await browser.connect()
    await browser.goto(url)
    await browser.wait_text("One Gaussian", timeout=40)
    loaded = await browser.evaluate(
        "JSON.stringify(performance.getEntriesByType('resource').map(e => e.name))"
    )
    violations = await browser.evaluate("JSON.stringify(window.__klgameViolations)")
    return json.loads(loaded), json.loads(violations)


@pytest.mark.xdist_group("serve-page-one-server")
def test_the_page_names_nothing_of_another_site(page_server: Served) -> None:
    served = page_server
    status, headers, page = _get(served.url)
    assert status == 200
    # Every src= and href= is a path on the server, whatever address it was opened at.
    links = re.findall(r"""\s(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    links += re.findall(r"""url\(\s*["']?([^"')]+)""", page)
    assert len(links) >= 4, links
    assert all(link.startswith("/static/") for link in links), links
    assert "googleapis" not in page and "@font-face" in page
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "font-src 'self'" in policy and "http" not in policy


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost"])
def test_a_browser_loads_only_the_server_s_own_files(
    served: Served, tmp_path: Path, address: str
) -> None:
    url = f"http://{address}:{served.port}"

    async def visit() -> tuple[list[str], list[str], bool]:
        browser = Browser(tmp_path / "chromium-profile")
        try:
            loaded, violations = await _open_page(browser, url)
            font = await browser.call(
                "Runtime.evaluate",
                expression="document.fonts.load('16px \"Roboto Mono\"').then(f => f.length)",
                returnByValue=True,
                awaitPromise=True,
            )
            faces = font.get("result", {}).get("value")
            return loaded, violations, bool(faces)
        finally:
            await browser.close()

    loaded, violations, font = asyncio.run(asyncio.wait_for(visit(), 90))
    assert loaded and all(name.startswith(url + "/") for name in loaded), loaded
    assert violations == []
    assert font  # the web font comes from /static
    wait_for(lambda: not _games(served), 30, "the game to end once its tab closed")


@pytest.mark.xdist_group("serve-page-one-server")
@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static",
        "/static/js/",
        "/static/js",
        "/static/fonts/",
        "/static//",
        "/static/.",
    ],
)
def test_static_lists_no_directory(page_server: Served, path: str) -> None:
    served = page_server
    status, _, body = _get(served.url + path)
    assert status == 404
    assert "textual.js" not in body and "Index of" not in body


@pytest.mark.parametrize("name", ["js/textual.js%00", "%00", "js/%00/x", "css/xterm.css%00.map"])
def test_a_name_with_a_nul_is_not_found_and_not_an_error(served: Served, name: str) -> None:
    status, _, body = _get(f"{served.url}/static/{name}")
    assert status == 404, body
    assert _get(served.url)[0] == 200  # the server goes on
    output = served.stop()
    assert "Traceback" not in output and "Error handling request" not in output, output


@pytest.mark.xdist_group("serve-page-one-server")
def test_static_still_serves_its_files(page_server: Served) -> None:
    served = page_server
    for name in ("js/textual.js", "css/xterm.css", "fonts/RobotoMono-VariableFont_wght.ttf"):
        status, _, body = _get(f"{served.url}/static/{name}")
        assert status == 200 and body


def _games(served: Served) -> list[int]:
    marker = f"KLGAME_HOME={served.home}"
    return [pid for pid in processes_with_env(marker) if pid != served.process.pid]


def _bytes_read(pid: int) -> int:
    """What the game has read so far (its standard input, mostly), from /proc."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/PID/io")


def test_a_flood_of_resizes_reaches_the_game_as_a_few(served: Served) -> None:
    """5,000 resize messages in a burst: each would be a packet of about 60
    bytes on the game's input (300 kB); gathered, the game reads a few."""
    flood = 5000

    async def resize() -> tuple[int, float]:
        async with aiohttp.ClientSession() as session:
            url = f"{served.url}/ws?width=100&height=30"
            async with session.ws_connect(url, headers={"Origin": served.url}) as socket:
                deadline = time.monotonic() + 40
                seen = b""
                while b"One Gaussian" not in seen and time.monotonic() < deadline:
                    message = await socket.receive(timeout=40)
                    if message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data
                (pid,) = _games(served)
                await asyncio.sleep(1)
                before = _bytes_read(pid)
                started = time.monotonic()
                for index in range(flood):
                    await socket.send_json(["resize", {"width": 80 + index % 40, "height": 30}])
                took = time.monotonic() - started
                await asyncio.sleep(2)  # every packet due has reached the game
                return _bytes_read(pid) - before, took

    read, took = asyncio.run(asyncio.wait_for(resize(), 120))
    packets_due = (took + 2) / RESIZE_INTERVAL + 2  # one per interval, at most
    heartbeats = 10  # a few 40-byte heartbeats meanwhile
    assert read <= (packets_due + heartbeats) * 80, (read, took)
    assert read < flood * 60 / 4  # not one packet per message
    wait_for(lambda: not _games(served), 30, "the game to end once its tab closed")


def _own_address() -> str | None:
    """A non-loopback IPv4 address of this machine (no packet is sent)."""
    import ipaddress
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # a documentation address
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


async def _handshake(url: str, origin: str, host: str) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            socket = await session.ws_connect(url, headers={"Origin": origin, "Host": host})
        except aiohttp.WSServerHandshakeError as error:
            return error.status
        await socket.close()
        return 101


def test_on_every_address_the_page_works_at_the_machine_s_own(tmp_path: Path) -> None:
    """``--host 0.0.0.0``, opened at the machine's address: the page loads its
    files from there and its game starts; a host name that points here (DNS
    rebinding) or another site's page still starts none."""
    address = _own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    served = Served(tmp_path, "web", "--host", "0.0.0.0")
    url = f"http://{address}:{served.port}"

    async def visit() -> tuple[list[str], list[str]]:
        browser = Browser(tmp_path / "chromium-profile")
        try:
            return await _open_page(browser, url)
        finally:
            await browser.close()

    try:
        loaded, violations = asyncio.run(asyncio.wait_for(visit(), 90))
        assert loaded and all(name.startswith(url + "/") for name in loaded), loaded
        assert violations == []
        ws = f"ws://127.0.0.1:{served.port}/ws"
        host = f"{address}:{served.port}"
        rebound = f"klgame-rebound.example:{served.port}"
        assert asyncio.run(_handshake(ws, f"http://{rebound}", rebound)) == 403
        assert asyncio.run(_handshake(ws, "http://evil.example", host)) == 403
        assert asyncio.run(_handshake(ws, f"http://{address}:1", host)) == 403
        wait_for(lambda: not _games(served), 30, "the game to end once its tab closed")
    finally:
        served.stop()
