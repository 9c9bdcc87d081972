"""Hosted start with many level files: time to the title screen, with and without them.

Each run starts ``klgame --hosted`` in a pseudo-terminal (as sshd would) and
times it from the start of the process to the title screen's first frame
(the text of the first level's title on the screen); it also reports the CPU
time the game had used by then (user + system), which a loaded machine
disturbs far less than the wall-clock time. Three setups, run in
turns in this one process so that they share the machine's load:

* ``builtin``: the built-in levels only (the baseline);
* ``warm``: plus ``--files`` generated level files in ``KLGAME_LEVELS``, with
  the level cache already filled (every connection after the first);
* ``cold``: the same files and an empty cache (the first connection; timed
  once, it is slow by design).

Run: ``python benchmarks/bench_levels.py [--files 10000] [--repeats 5] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
TITLE = b"One Gaussian"


def make_levels(directory: Path, count: int) -> None:
    source = (ROOT / "levels" / "gaussian.yaml").read_text().splitlines()
    for index in range(count):
        lines = []
        for line in source:
            if line.startswith("id:"):
                line = f"id: gen-{index:05d}"
            elif line.startswith("title:"):
                line = f"title: Generated level {index}"
            elif line.startswith("order:"):
                line = f"order: {1000 + index}"
            lines.append(line)
        (directory / f"gen-{index:05d}.yaml").write_text("\n".join(lines) + "\n")


def time_to_title(env: dict[str, str], timeout: float = 900) -> tuple[float, float]:
    """Seconds from spawning ``klgame --hosted`` on a pty to the title on screen,
    and the CPU seconds (user + system) the game had used by then."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "klgame", "--hosted"], env)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen = (seen + ANSI.sub(b"", chunk))[-4096:]
            if TITLE in seen:
                took = time.perf_counter() - start
                os.kill(pid, signal.SIGSTOP)  # the CPU used so far, and no more
                os.kill(pid, signal.SIGKILL)
                _, _, usage = os.wait4(pid, 0)
                pid = 0
                return took, usage.ru_utime + usage.ru_stime
        raise RuntimeError(f"no title screen; last output: {seen[-300:]!r}")
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-cache run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="klgame-bench-levels-"))
    try:
        levels = work / "levels"
        levels.mkdir()
        make_levels(levels, args.files)
        base = {
            **os.environ,
            "KLGAME_PLAYER": "bench",
            "TERM": "xterm-256color",
            "COLUMNS": "120",
            "LINES": "40",
        }
        base.pop("KLGAME_LEVELS", None)
        builtin = {**base, "KLGAME_HOME": str(work / "home-builtin")}
        many = {**base, "KLGAME_HOME": str(work / "home-many"), "KLGAME_LEVELS": str(levels)}
        times: dict[str, list[float]] = {"builtin": [], "warm": [], "cold": []}
        cpu: dict[str, list[float]] = {"builtin": [], "warm": [], "cold": []}

        def run(name: str, env: dict[str, str]) -> None:
            took, used = time_to_title(env)
            times[name].append(took)
            cpu[name].append(used)

        if not args.no_cold:
            run("cold", many)  # fills the cache
        else:
            time_to_title(many)
        time_to_title(builtin)  # warm the file system cache for both
        for _ in range(args.repeats):
            run("builtin", builtin)
            run("warm", many)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in times.items() if values}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items() if values}
    result = {
        "files": args.files,
        "repeats": args.repeats,
        "seconds": times,
        "median": medians,
        "cpu_seconds": cpu,
        "cpu_median": cpu_medians,
        "ratio_warm_to_builtin": medians["warm"] / medians["builtin"],
        "cpu_ratio_warm_to_builtin": cpu_medians["warm"] / cpu_medians["builtin"],
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"hosted start to the title screen, {args.files} extra level files, ", end="")
    print(f"{args.repeats} runs each (median, s):")
    for name in ("builtin", "warm", "cold"):
        if name in medians:
            spread = ", ".join(f"{value:.2f}" for value in times[name])
            print(f"  {name:8s} {medians[name]:7.2f}   ({spread})")
    print(f"  warm / builtin = {result['ratio_warm_to_builtin']:.2f}")
    print("CPU seconds to the title screen (user + system, median):")
    for name in ("builtin", "warm", "cold"):
        if name in cpu_medians:
            spread = ", ".join(f"{value:.2f}" for value in cpu[name])
            print(f"  {name:8s} {cpu_medians[name]:7.2f}   ({spread})")
    print(f"  warm / builtin = {result['cpu_ratio_warm_to_builtin']:.2f}")
    print(f"  load average {result['loadavg'][0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
