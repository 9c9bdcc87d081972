"""Real programs for the hosting tests: an OpenSSH server, tmux, /proc scans.

Nothing here is mocked: sshd, ssh and tmux are the system's binaries, run on
127.0.0.1 with private, temporary keys and configuration.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SSHD = "/usr/sbin/sshd"
PRIVSEP_DIR = Path("/run/sshd")

#: The klgame interpreter: the one running the tests (``.venv`` in CI).
PYTHON = sys.executable


def klgame_env(home: Path, levels: Path, player: str = "ada") -> dict[str, str]:
    """A bare environment for a ``klgame`` child: its data directory, one
    level directory, a player, and nothing of the test runner's own."""
    return {
        "KLGAME_HOME": str(home),
        "KLGAME_LEVELS": str(levels),
        "KLGAME_PLAYER": player,
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_binary(name: str) -> str:
    """The path of ``name``, or skip the test with the reason."""
    path = name if os.path.isabs(name) else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        pytest.skip(f"{name} is not installed (Debian: see README 'Test')")
    return path


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def processes_with_env(marker: str) -> list[int]:
    """PIDs of processes whose environment contains ``marker`` (needs root for others')."""
    found = []
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if needle in environ and ") Z " not in stat:
            found.append(int(entry))
    return found


class SshServer:
    """A private sshd on 127.0.0.1 that lets one temporary key in as the current user.

    ``match_block`` is appended last (a ``Match`` block applies to everything
    after it); ``extra_config`` comes first.
    """

    def __init__(
        self,
        root: Path,
        force_command: str | None,
        extra_config: str = "",
        key_options: str = "restrict,pty",
        match_block: str = "",
    ) -> None:
        require_binary(SSHD)
        self.ssh = require_binary("ssh")
        keygen = require_binary("ssh-keygen")
        self.root = root
        self.port = free_port()
        self.host_key = root / "host_ed25519"
        self.client_key = root / "client_ed25519"
        self.authorized_keys = root / "authorized_keys"
        self.log = root / "sshd.log"
        for key in (self.host_key, self.client_key):
            subprocess.run(
                [keygen, "-q", "-t", "ed25519", "-N", "", "-C", "klgame-test", "-f", str(key)],
                check=True,
            )
        public = self.client_key.with_suffix(".pub").read_text().strip()
        self.authorized_keys.write_text(f"{key_options} {public}\n")
        self.fingerprint = subprocess.run(
            [keygen, "-l", "-E", "sha256", "-f", str(self.client_key)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[1]
        user = os.environ.get("USER") or __import__("getpass").getuser()
        self.user = user
        self.config = root / "sshd_config"
        self.config.write_text(
            "\n".join(
                [
                    extra_config,  # first: for most keywords, sshd keeps the first value
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.host_key}",
                    f"PidFile {root / 'sshd.pid'}",
                    f"AuthorizedKeysFile {self.authorized_keys}",
                    "UsePAM no",
                    "StrictModes no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "PermitRootLogin prohibit-password",
                    f"AllowUsers {user}",
                    "PermitTTY yes",
                    "AllowTcpForwarding no",
                    "AllowAgentForwarding no",
                    "AllowStreamLocalForwarding no",
                    "X11Forwarding no",
                    "PermitTunnel no",
                    "PermitUserRC no",
                    "PermitUserEnvironment no",
                    "ExposeAuthInfo yes",
                    "ClientAliveInterval 5",
                    "ClientAliveCountMax 2",
                    "LogLevel VERBOSE",
                    f"ForceCommand {force_command}" if force_command else "",
                    match_block,
                    "",
                ]
            )
        )
        PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        check = subprocess.run([SSHD, "-t", "-f", str(self.config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )
        wait_for(self._listening, 10, "sshd to listen")

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"sshd exited: {self.log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def new_client_key(self, name: str) -> tuple[Path, str]:
        """Another client key pair in ``root``: its private key and public line."""
        key = self.root / name
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
            check=True,
        )
        return key, key.with_suffix(".pub").read_text().strip()

    def ssh_argv(self, *extra: str, key: Path | None = None) -> list[str]:
        return [
            self.ssh,
            "-i",
            str(key or self.client_key),
            "-p",
            str(self.port),
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            *extra,
            f"{self.user}@127.0.0.1",
        ]

    def close(self) -> None:
        stop(self.process)


def stop(process: subprocess.Popen[Any]) -> None:
    """Ask ``process`` to end, and make it if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def game_command(home: Path, *args: str) -> str:
    """A ForceCommand running klgame with this interpreter and ``KLGAME_HOME=home``."""
    words = ["env", f"KLGAME_HOME={home}", "TERM=xterm-256color", PYTHON, "-m", "klgame", *args]
    return shlex.join(words)


class Tmux:
    """A private tmux server (own socket) with one session running ``argv``."""

    def __init__(self, root: Path, argv: list[str], width: int = 100, height: int = 32) -> None:
        self.tmux = require_binary("tmux")
        self.socket = root / "tmux.sock"
        self.session = "klgame"
        self.run(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(width),
            "-y",
            str(height),
            # a COLUMNS/LINES that reaches the pane (80×24 under pytest) would
            # override the pane's real size for the program in it
            shlex.join(["env", "-u", "COLUMNS", "-u", "LINES", *argv]),
        )
        self.run("set-option", "-t", self.session, "remain-on-exit", "on")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-S", str(self.socket), "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            # the terminal is the player's side: it carries none of the game's
            # settings, so a process found with KLGAME_HOME is the server's
            env={k: v for k, v in os.environ.items() if not k.startswith("KLGAME_")},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def send(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def wait_text(self, text: str, timeout: float = 20) -> str:
        def found() -> str:
            screen = self.screen()
            return screen if text in screen else ""

        try:
            return str(wait_for(found, timeout, repr(text)))
        except AssertionError as error:
            raise AssertionError(f"{error}; screen:\n{self.screen()}") from None

    def pane_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def kill(self) -> None:
        subprocess.run(
            [self.tmux, "-S", str(self.socket), "kill-server"], capture_output=True, timeout=10
        )


def iter_lines(path: Path) -> Iterator[str]:
    if path.exists():
        yield from path.read_text(errors="replace").splitlines()


class Served:
    """A real ``klgame serve`` on a free loopback port, with its own data directory."""

    def __init__(self, root: Path, player: str | None = "web", *extra: str) -> None:
        self.home = root / "klgame-home"
        self.home.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = ""
        env = {**os.environ, "KLGAME_HOME": str(self.home)}
        env.pop("KLGAME_PLAYER", None)
        if player is not None:
            env["KLGAME_PLAYER"] = player
        self.process = subprocess.Popen(
            [sys.executable, "-m", "klgame", "serve", "--port", str(self.port), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        wait_for(self._up, 20, "klgame serve to answer")

    def _up(self) -> bool:
        if self.process.poll() is not None:
            out = self.process.stdout.read() if self.process.stdout else b""
            raise AssertionError(f"klgame serve exited: {out.decode(errors='replace')}")
        try:
            with urllib.request.urlopen(self.url, timeout=1) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def stop(self) -> str:
        if self.process.returncode is not None:
            return self.output
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            out, _ = self.process.communicate()
        self.output = out.decode(errors="replace")
        return self.output
