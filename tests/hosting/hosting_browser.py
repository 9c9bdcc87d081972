"""Headless Chromium driven over the DevTools protocol (aiohttp's websocket client).

The page's websocket is wrapped before the page's own scripts run, so the
bytes the game sends to the browser terminal can be read back as text.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
from hosting_harness import free_port, require_binary, stop

#: Collects the terminal output a textual-serve page receives.
CAPTURE = """
(() => {
  window.__klgameOut = [];
  window.__klgameViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__klgameViolations.push(event.violatedDirective + " " + event.blockedURI);
  });
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    window.__klgameSocket = socket;
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        event.data.arrayBuffer
          ? event.data.arrayBuffer().then((b) => window.__klgameOut.push(new Uint8Array(b)))
          : window.__klgameOut.push(new Uint8Array(event.data));
      }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  window.__klgameText = () => {
    const decoder = new TextDecoder();
    return window.__klgameOut.map((b) => decoder.decode(b)).join("");
  };
})();
"""

_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")

#: DevTools key descriptions for the keys the tests press.
KEYS: dict[str, dict[str, Any]] = {
    "enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "right": {"key": "ArrowRight", "code": "ArrowRight", "windowsVirtualKeyCode": 39},
    "left": {"key": "ArrowLeft", "code": "ArrowLeft", "windowsVirtualKeyCode": 37},
    "down": {"key": "ArrowDown", "code": "ArrowDown", "windowsVirtualKeyCode": 40},
    "up": {"key": "ArrowUp", "code": "ArrowUp", "windowsVirtualKeyCode": 38},
}


def plain(text: str) -> str:
    """Terminal output without escape sequences."""
    return _ANSI.sub("", text)


class Browser:
    """One headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, profile: Path) -> None:
        self.binary = require_binary("chromium")
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                self.binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={self.port}",
                "--remote-allow-origins=*",
                "--window-size=1280,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._next_id = 0
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    async def connect(self, timeout: float = 20) -> None:
        self._session = aiohttp.ClientSession()
        deadline = time.monotonic() + timeout
        while True:
            try:
                async with self._session.get(f"http://127.0.0.1:{self.port}/json/list") as reply:
                    targets = await reply.json(content_type=None)
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    break
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError("chromium did not open its DevTools port")
            await asyncio.sleep(0.2)
        self._socket = await self._session.ws_connect(
            pages[0]["webSocketDebuggerUrl"], max_msg_size=0
        )
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        assert self._socket is not None
        self._next_id += 1
        ident = self._next_id
        await self._socket.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = await asyncio.wait_for(self._socket.receive(), 30)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"DevTools connection closed: {message!r}")
            data = json.loads(message.data)
            if data.get("id") == ident:
                if "error" in data:
                    raise AssertionError(f"{method}: {data['error']}")
                return dict(data.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def goto(self, url: str) -> None:
        await self.call("Page.navigate", url=url)

    async def screen_text(self) -> str:
        text = await self.evaluate("window.__klgameText ? window.__klgameText() : ''")
        return plain(text or "")

    async def wait_text(self, wanted: str, timeout: float = 30, since: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = await self.screen_text()
            if wanted in text[since:]:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted!r} never appeared; page text: {text[-2000:]!r}")
            await asyncio.sleep(0.25)

    async def press(self, name: str) -> None:
        """Press a key on the focused page element, as a person would."""
        await self.evaluate(
            "document.querySelector('.xterm-helper-textarea') && "
            "document.querySelector('.xterm-helper-textarea').focus()"
        )
        if name in KEYS:
            described = KEYS[name]
        else:
            described = {"key": name, "text": name, "code": f"Key{name.upper()}"}
        await self.call("Input.dispatchKeyEvent", type="keyDown", **described)
        up = {k: v for k, v in described.items() if k != "text"}
        await self.call("Input.dispatchKeyEvent", type="keyUp", **up)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
        stop(self.process)
