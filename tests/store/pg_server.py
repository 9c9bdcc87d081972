"""A real, throw-away PostgreSQL server for tests and benchmarks.

:func:`start` runs Debian's ``initdb`` in a fresh temporary directory and
``pg_ctl start`` on a free loopback port, with its unix socket in that
directory. As root it runs the server as the unprivileged ``postgres`` user
(PostgreSQL refuses to run as root). :meth:`Server.stop` stops it and removes
the directory. :func:`unavailable` says why no server can be started here, or
``None`` if one can.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

#: Where Debian's ``postgresql`` package puts the server programs.
BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13)]

#: The superuser the test cluster is created with (trust authentication, loopback only).
SUPERUSER = "klgame"


def _bin_dir() -> Path | None:
    for folder in BIN_DIRS:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and (Path(found).parent / "initdb").is_file() else None


def unavailable() -> str | None:
    """Why a PostgreSQL server cannot be started here; ``None`` if it can."""
    if _bin_dir() is None:
        return "PostgreSQL server programs (initdb, pg_ctl) are not installed"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no unprivileged 'postgres' user to run the server"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    directory: Path
    port: int
    bin_dir: Path
    user: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            user=self.user,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "stop", "-w")
        shutil.rmtree(self.directory, ignore_errors=True)


def start() -> Server:
    """Start a server (raise :class:`RuntimeError` with its log if it does not start)."""
    bin_dir = _bin_dir()
    assert bin_dir is not None, unavailable()
    user = "postgres" if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="klgame-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    server = Server(directory, _free_port(), bin_dir, user)
    data = directory / "data"
    try:
        server._run(
            "initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust",
            "--no-locale", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {server.port} -k {directory} -c listen_addresses=127.0.0.1"
            " -c max_connections=200 -c fsync=off"
        )
        started = server._run(
            "pg_ctl", "-D", str(data), "-l", str(directory / "log"), "-o", options,
            "-w", "-t", "60", "start", check=False,
        )  # fmt: skip
        if started.returncode != 0:
            log = (directory / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
    except BaseException:
        server.stop()
        raise
    return server
