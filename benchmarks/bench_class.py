"""A whole class on one host: N games at once, each in its own pseudo-terminal.

Every game is ``klgame --player pK play LEVEL --seed K`` (this interpreter),
all sharing one temporary ``KLGAME_HOME``. Measured:

* start-up: the time until every game has drawn its first screen and gone
  quiet, and the CPU each game used to get there -- including the best
  achievable fit (D*) that the play screen works out in the background;
* memory: VmRSS of each game once its start-up work is over (max, median),
  its peak (VmHWM), the private part of it (RssAnon) and its proportional
  share of pages shared with the other games (Pss, from smaps_rollup); and
  VmRSS again once every game has played its attempt to the reveal;
* idle CPU: utime+stime of every game over ``--idle`` seconds with no input,
  measured once the games' start-up work is over (their output and their
  CPU both quiet);
* key -> frame latency under load: a key is written to every game at once,
  and the time to the first output bytes that follow is recorded, for
  ``--rounds`` rounds; with the CPU each game spent per key;
* that every game's attempt is saved: each plays a fixed key sequence ending
  in ``r`` (reveal), then quits; the attempts table must then hold N rows.

With ``--class`` the games play in one class (``klgame --class CODE``, the
class's shared seeds) and the idle CPU is measured with every game's live
leaderboard open (``s``), which checks the store's change token four times a
second. With ``--store postgres`` the games keep their scores in a PostgreSQL
server started for the run (tests/store/pg_server.py) instead of SQLite.
``--writes`` measures the write throughput of both stores instead: P
processes each recording M attempts at once, into SQLite and into PostgreSQL,
in the same run.

    python benchmarks/bench_class.py                 # 30 games
    python benchmarks/bench_class.py --games 5 --idle 3 --json
    python benchmarks/bench_class.py --class --store postgres
    python benchmarks/bench_class.py --writes
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import selectors
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

RIGHT = b"\x1b[C"
LEFT = b"\x1b[D"
DOWN = b"\x1b[B"
#: The recorded attempt every game plays: nudge, switch parameter, nudge, reveal.
ATTEMPT = [RIGHT, RIGHT, RIGHT, DOWN, LEFT, b"r"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Game:
    number: int
    process: subprocess.Popen[bytes]
    fd: int
    output: int = 0
    last_output: float = 0.0
    sent_at: float | None = None
    latencies: list[float] = field(default_factory=list)


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "store"))  # pg_server, store_worker


def spawn(
    number: int,
    level: str,
    home: Path,
    cols: int,
    rows: int,
    extra_env: dict[str, str] | None = None,
    class_code: str | None = None,
) -> Game:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {
        **os.environ,
        "KLGAME_HOME": str(home),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        **(extra_env or {}),
    }
    env.pop("TEXTUAL_DRIVER", None)
    argv = [sys.executable, "-m", "klgame", "--player", f"p{number}"]
    if class_code is not None:
        argv += ["--class", class_code, "play", level]
    else:
        argv += ["play", level, "--seed", str(number)]
    process = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    os.set_blocking(master, False)
    return Game(number, process, master)


class Class:
    def __init__(self, games: list[Game]) -> None:
        self.games = games
        self.selector = selectors.DefaultSelector()
        for game in games:
            self.selector.register(game.fd, selectors.EVENT_READ, game)

    def pump(self, seconds: float) -> None:
        """Read every game's output for ``seconds``, timing answers to sent keys."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            for key, _ in self.selector.select(min(left, 0.05)):
                game: Game = key.data
                try:
                    data = os.read(game.fd, 65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:  # EIO: the game closed its terminal
                    self.selector.unregister(game.fd)
                    continue
                now = time.monotonic()
                if not data:
                    self.selector.unregister(game.fd)
                    continue
                game.output += len(data)
                game.last_output = now
                if game.sent_at is not None:
                    game.latencies.append(now - game.sent_at)
                    game.sent_at = None

    def settle(self, quiet: float, timeout: float) -> None:
        """Pump until every game has drawn something and been quiet for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.2)
            now = time.monotonic()
            if all(g.output and now - g.last_output >= quiet for g in self.games):
                return
        raise SystemExit("the games did not settle; is the terminal UI installed?")

    def total_ticks(self) -> int:
        return sum(cpu_ticks(g.process.pid) for g in self.games)

    def settle_cpu(self, percent_per_game: float, window: float, timeout: float) -> None:
        """Pump until the games together use under ``percent_per_game`` % of a CPU
        each over ``window`` s: background start-up work is over."""
        limit = percent_per_game / 100 * len(self.games) * window * CLK_TCK
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.total_ticks()
            self.pump(window)
            if self.total_ticks() - before <= limit:
                return
        raise SystemExit("the games kept using CPU without input")

    def send(self, key: bytes, timed: bool = False) -> None:
        for game in self.games:
            if timed:
                game.sent_at = time.monotonic()
            os.write(game.fd, key)


def status_kib(pid: int, field: str = "VmRSS") -> int:
    """A ``kB`` field of ``/proc/PID/status`` (``VmRSS``, ``VmHWM``, ``RssAnon``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def mib(values: list[int]) -> list[float]:
    return [value / 1024 for value in values]


def cpu_ticks(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def count_attempts(home: Path, env: dict[str, str]) -> int:
    if "KLGAME_DATABASE_URL" not in env:
        with sqlite3.connect(home / "scores.sqlite3", timeout=10) as conn:
            return int(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])
    import psycopg

    with psycopg.connect(env["KLGAME_DATABASE_URL"]) as conn:
        row = conn.execute("SELECT count(*) FROM attempts").fetchone()
        return int(row[0]) if row else 0


def store_env(kind: str, stack: contextlib.ExitStack) -> dict[str, str]:
    """The environment that points games at the store ``kind`` (a fresh server for
    PostgreSQL, stopped when ``stack`` closes)."""
    if kind == "sqlite":
        return {}
    import pg_server

    reason = pg_server.unavailable()
    if reason is not None:
        raise SystemExit(f"no PostgreSQL server: {reason}")
    server = pg_server.start()
    stack.callback(server.stop)
    return {"KLGAME_DATABASE_URL": server.create_database()}


def write_throughput(kind: str, processes: int, per_process: int) -> dict[str, float]:
    """``processes`` writers recording ``per_process`` attempts each, all at once."""
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KLGAME_HOME": str(Path(tmp) / "home"), **store_env(kind, stack)}
        env["PYTHONPATH"] = str(ROOT)
        gate = Path(tmp) / "gate"
        worker = ROOT / "tests" / "store" / "store_worker.py"
        children = [
            subprocess.Popen(
                [sys.executable, str(worker), "burst", str(gate), str(per_process), f"w{n}"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for n in range(processes)
        ]
        for child in children:
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        started = time.monotonic()
        gate.touch()
        for child in children:
            child.communicate(timeout=600)
        seconds = time.monotonic() - started
        failed = sum(1 for child in children if child.returncode != 0)
        saved = count_attempts(Path(tmp) / "home", env)
    return {
        "seconds": round(seconds, 2),
        "attempts_per_s": round(saved / seconds, 1),
        "saved": saved,
        "writers_failed": failed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--games", type=int, default=30)
    parser.add_argument("--level", default="gaussian")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU sampling")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of timed key presses")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--class",
        dest="in_class",
        action="store_true",
        help="play in one class, with the live leaderboard open while idle",
    )
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--writes", action="store_true", help="measure both stores' write throughput instead"
    )
    parser.add_argument("--writers", type=int, default=30)
    parser.add_argument("--per-writer", type=int, default=100)
    options = parser.parse_args()

    if options.writes:
        result = {
            kind: write_throughput(kind, options.writers, options.per_writer)
            for kind in ("sqlite", "postgres")
        }
        result["postgres_over_sqlite"] = {  # type: ignore[assignment]
            "attempts_per_s": round(
                result["postgres"]["attempts_per_s"] / result["sqlite"]["attempts_per_s"], 2
            )
        }
        print(json.dumps(result, indent=2))
        return 0

    with (
        contextlib.ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="klgame-class-") as tmp,
    ):
        home = Path(tmp)
        extra_env = store_env(options.store, stack)
        class_code = None
        if options.in_class:
            class_code = "KQMXW"
            opened = subprocess.run(
                [sys.executable, "-m", "klgame", "class", "open", "--code", class_code],
                env={**os.environ, "KLGAME_HOME": str(home), **extra_env},
                capture_output=True, text=True,
            )  # fmt: skip
            if opened.returncode != 0:
                raise SystemExit(opened.stderr)
        started = time.monotonic()
        games = [
            spawn(n, options.level, home, 100, 32, extra_env, class_code)
            for n in range(1, options.games + 1)
        ]
        room = Class(games)
        try:
            room.settle(quiet=1.0, timeout=120)
            drawn = time.monotonic() - started
            room.settle_cpu(percent_per_game=0.5, window=2.0, timeout=120)
            startup = time.monotonic() - started
            pids = [g.process.pid for g in games]
            rss = mib([status_kib(pid) for pid in pids])
            peak = mib([status_kib(pid, "VmHWM") for pid in pids])
            anon = mib([status_kib(pid, "RssAnon") for pid in pids])
            pss = mib([pss_kib(pid) for pid in pids])
            startup_cpu = [cpu_ticks(g.process.pid) / CLK_TCK for g in games]

            if options.in_class:
                room.send(b"s")  # every game's live leaderboard open while idle
                room.settle(quiet=1.0, timeout=60)
            before = [cpu_ticks(g.process.pid) for g in games]
            room.pump(options.idle)
            after = [cpu_ticks(g.process.pid) for g in games]
            if options.in_class:
                room.send(b"\x1b")  # back to the game
                room.settle(quiet=1.0, timeout=60)
            idle_cpu = [
                (b - a) / CLK_TCK / options.idle * 100 for a, b in zip(before, after, strict=True)
            ]

            before_keys = room.total_ticks()
            for round_number in range(options.rounds):
                room.send(RIGHT if round_number % 2 == 0 else LEFT, timed=True)
                room.pump(0.5)
            room.settle(quiet=0.5, timeout=60)
            keys_sent = options.games * options.rounds
            key_cpu = (room.total_ticks() - before_keys) / CLK_TCK / keys_sent
            latencies = [x * 1000 for g in games for x in g.latencies]
            unanswered = options.games * options.rounds - len(latencies)

            for key in ATTEMPT:
                room.send(key)
                room.pump(0.3)
            room.settle(quiet=1.0, timeout=60)
            saved = count_attempts(home, extra_env)
            played = mib([status_kib(g.process.pid) for g in games if g.process.poll() is None])
        finally:
            for game in games:
                if game.process.poll() is None:
                    os.write(game.fd, b"q")
            room.pump(2.0)
            for game in games:
                if game.process.poll() is None:
                    os.killpg(game.process.pid, signal.SIGTERM)
            for game in games:
                try:
                    game.process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(game.process.pid, signal.SIGKILL)
                os.close(game.fd)

        result = {
            "games": options.games,
            "level": options.level,
            "class": options.in_class,
            "store": options.store,
            "startup_all_drawn_s": round(drawn, 2),
            "startup_all_quiet_s": round(startup, 2),
            "startup_cpu_s_median": round(statistics.median(startup_cpu), 2),
            "rss_mib_max": round(max(rss), 1),
            "rss_mib_median": round(statistics.median(rss), 1),
            "rss_peak_mib_max": round(max(peak), 1),
            "rss_anon_mib_median": round(statistics.median(anon), 1),
            "rss_after_reveal_mib_max": round(max(played, default=0.0), 1),
            "rss_after_reveal_mib_median": round(statistics.median(played or [0.0]), 1),
            "pss_mib_median": round(statistics.median(pss), 1),
            "idle_cpu_percent_max": round(max(idle_cpu), 2),
            "idle_cpu_percent_median": round(statistics.median(idle_cpu), 2),
            "idle_seconds": options.idle,
            "key_to_frame_ms_median": round(statistics.median(latencies), 1),
            "key_to_frame_ms_p95": round(percentile(latencies, 0.95), 1),
            "key_to_frame_ms_max": round(max(latencies), 1),
            "cpu_ms_per_key_per_game": round(key_cpu * 1000, 1),
            "keys_unanswered": unanswered,
            "attempts_saved": saved,
        }
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        for name, value in result.items():
            print(f"{name:28} {value}")
    return 0 if saved == options.games else 1


if __name__ == "__main__":
    sys.exit(main())
