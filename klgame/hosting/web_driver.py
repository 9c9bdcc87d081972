"""The driver of a browser game (``klgame serve``): Textual's web driver, plus a lifeline.

A browser game talks to ``klgame serve`` through two pipes. Whatever the
server does with them after the tab closes -- kills the game, forgets it,
keeps the pipes open and unread, or dies itself -- the game must end within
seconds, and not wait for a hangup that never comes. So the game watches
for its session's end itself. A thread checks, every second:

* the heartbeat: the server sends a ``klgame-heartbeat`` meta packet every
  :data:`HEARTBEAT_INTERVAL` seconds while the tab's websocket is open, and
  says so in ``KLGAME_HEARTBEAT``; none for :data:`HEARTBEAT_TIMEOUT`
  seconds means the session is over (even if the game's main thread is
  stuck writing a frame nobody reads);
* its input: end of file on standard input (the server closed it or died);
* its output: an error or hangup on the pipe to the server;
* its parent: a game whose server has gone is re-parented.

Then the app is asked to exit; if it has not within :data:`EXIT_GRACE`
seconds (its main thread blocked in a write), the process ends at once with
``os._exit``. Saved scores are committed transactions, so nothing is lost.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from typing import Any

from textual.drivers.web_driver import WebDriver

#: Seconds between two heartbeats from the server.
HEARTBEAT_INTERVAL = 2.0

#: Seconds without a heartbeat after which the game ends.
HEARTBEAT_TIMEOUT = 10.0

#: Seconds the app has to exit by itself before the process is ended.
EXIT_GRACE = 3.0

#: Environment variable by which the server says it sends heartbeats.
HEARTBEAT_ENV = "KLGAME_HEARTBEAT"

#: Type of the heartbeat meta packet.
HEARTBEAT_TYPE = "klgame-heartbeat"

#: ``TEXTUAL_DRIVER`` value for this driver.
DRIVER = "klgame.hosting.web_driver:SessionDriver"


class SessionDriver(WebDriver):
    """Textual's web driver that ends the game when its browser session ends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_heartbeat = time.monotonic()
        self._expects_heartbeat = os.environ.get(HEARTBEAT_ENV) == "1"
        self._parent = os.getppid()
        self._ended = threading.Event()

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type == HEARTBEAT_TYPE:
            self._last_heartbeat = time.monotonic()
            return
        super().on_meta(packet_type, payload)

    def start_application_mode(self) -> None:
        super().start_application_mode()
        threading.Thread(target=self._watch, name="klgame-session-watch", daemon=True).start()

    def stop_application_mode(self) -> None:
        super().stop_application_mode()
        self._ended.set()  # after the last write: a write that blocks is still watched

    def session_over(self) -> str | None:
        """Why the session is over, or ``None`` while it lasts."""
        if self._expects_heartbeat:
            silent = time.monotonic() - self._last_heartbeat
            if silent > HEARTBEAT_TIMEOUT:
                return f"no heartbeat from the server for {silent:.0f} s"
        if not self._key_thread.is_alive() and not self.exit_event.is_set():
            return "its input was closed"
        if os.getppid() != self._parent:
            return "its server has gone"
        try:
            poller = select.poll()
            poller.register(self.fileno, 0)  # no events asked for: errors and hangups only
            gone = select.POLLERR | select.POLLHUP | select.POLLNVAL
            if any(mask & gone for _, mask in poller.poll(0)):
                return "nobody reads its output"
        except (OSError, ValueError):
            return "its output is gone"
        return None

    def _watch(self) -> None:
        while not self._ended.wait(1.0):
            if self.session_over() is None:
                continue
            # Nothing is printed: with the server gone or not reading, a
            # write to standard error could block this thread too.
            with contextlib.suppress(Exception):  # the loop may be closed already
                self._loop.call_soon_threadsafe(self._app.exit)
            if not self._ended.wait(EXIT_GRACE):
                os._exit(0)
            return
