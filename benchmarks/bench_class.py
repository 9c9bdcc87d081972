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

    python benchmarks/bench_class.py                 # 30 games
    python benchmarks/bench_class.py --games 5 --idle 3 --json
"""

from __future__ import annotations

import argparse
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


def spawn(number: int, level: str, home: Path, cols: int, rows: int) -> Game:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {
        **os.environ,
        "KLGAME_HOME": str(home),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
    }
    env.pop("TEXTUAL_DRIVER", None)
    argv = [sys.executable, "-m", "klgame", "--player", f"p{number}"]
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


def count_attempts(home: Path) -> int:
    with sqlite3.connect(home / "scores.sqlite3", timeout=10) as conn:
        return int(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--games", type=int, default=30)
    parser.add_argument("--level", default="gaussian")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU sampling")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of timed key presses")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="klgame-class-") as tmp:
        home = Path(tmp)
        started = time.monotonic()
        games = [spawn(n, options.level, home, 100, 32) for n in range(1, options.games + 1)]
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

            before = [cpu_ticks(g.process.pid) for g in games]
            room.pump(options.idle)
            after = [cpu_ticks(g.process.pid) for g in games]
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
            saved = count_attempts(home)
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
