"""Measure what a player feels: run a TUI in a real pseudo-terminal and hold a key.

The command runs in a pty of 120×40 (``TERM=xterm-256color COLORTERM=truecolor``).
The output stream is read as it arrives; a *frame* is a piece of output whose
text (escape sequences removed) matches ``--frame-regex``, whose first group
is the number the key moves (the demo prints ``mean 0.10``).

Measured:

* first frame: spawn → first frame on screen, and → output settled;
* key held (right arrow at ``--rate`` presses/s for ``--seconds``): for every
  press, key → the first frame showing that press (or a later one);
* bytes written to the terminal per press;
* after release: how long output keeps coming after the last press;
* CPU of the child per frame and per press during the hold (the run time of
  its threads from /proc/PID/task/*/schedstat, in nanoseconds; utime+stime
  where that is missing).

    python benchmarks/bench_tui.py                      # the optimised demo
    python benchmarks/bench_tui.py --cmd "python benchmarks/plot_demo.py --naive --mean -7.5"
    python benchmarks/bench_tui.py --cmd "klgame play gaussian --seed 1" \\
        --frame-regex "mu\\s*=?\\s*(-?\\d+\\.\\d+)"
"""

from __future__ import annotations

import argparse
import codecs
import fcntl
import itertools
import json
import os
import pty
import re
import shlex
import signal
import struct
import sys
import termios
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
DEFAULT_CMD = f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'plot_demo.py'))} --mean -7.5"
DEFAULT_REGEX = r"mean (-?\d+\.\d+)"
RIGHT = b"\x1b[C"
# CSI, OSC and two-character escapes
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_=><])")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Frame:
    t: float  # seconds since spawn
    value: float
    offset: int  # bytes received before the end of this frame's chunk


class Terminal:
    """A child process in a pty, with its output recorded as it arrives."""

    def __init__(self, argv: list[str], cols: int, rows: int, regex: str, env: dict[str, str]):
        self.regex = re.compile(regex)
        self.frames: list[Frame] = []
        self.bytes_in = 0
        self.last_output = 0.0
        self._lock = threading.Lock()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._raw = ""  # undecoded escape sequence carried over between chunks
        self._text = ""  # visible text not yet matched
        self.t0 = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            t = self.now()
            with self._lock:
                self.bytes_in += len(chunk)
                self.last_output = t
                self._scan(chunk, t)

    def _scan(self, chunk: bytes, t: float) -> None:
        raw = self._raw + self._decoder.decode(chunk)
        cut = raw.rfind("\x1b")
        if cut != -1 and ANSI.match(raw, cut) is None and len(raw) - cut < 256:
            raw, self._raw = raw[:cut], raw[cut:]  # an escape sequence split across reads
        else:
            self._raw = ""
        text = self._text + ANSI.sub("", raw)
        end = 0
        for match in self.regex.finditer(text):
            if match.end() >= len(text):  # might continue in the next chunk ("0.1" of "0.15")
                break
            self.frames.append(Frame(t, float(match.group(1)), self.bytes_in))
            end = match.end()
        self._text = text[end:][-512:]

    def write(self, data: bytes) -> float:
        t = self.now()
        os.write(self.fd, data)
        return t

    def snapshot(self) -> tuple[int, int, float]:
        with self._lock:
            return len(self.frames), self.bytes_in, self.last_output

    def wait_quiet(self, quiet: float, timeout: float) -> float:
        """Wait until no output arrived for ``quiet`` seconds; return the last output time."""
        start = self.now()
        deadline = start + timeout
        while self.now() < deadline:
            _, _, last = self.snapshot()
            if self.now() - max(last, start) >= quiet:
                return last
            time.sleep(0.005)
        return self.snapshot()[2]

    def wait_frames(self, count: int, timeout: float) -> bool:
        deadline = self.now() + timeout
        while self.now() < deadline:
            if self.snapshot()[0] >= count:
                return True
            time.sleep(0.002)
        return False

    def cpu_seconds(self) -> float | None:
        """CPU time of the child so far: the nanoseconds each of its threads
        has run (``schedstat``), else utime+stime in clock ticks (10 ms,
        coarse against a 3 ms key press)."""
        try:
            tasks = list(Path(f"/proc/{self.pid}/task").iterdir())
            return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime, stime

    def finish(self, quit_keys: bytes, timeout: float = 5.0) -> int:
        self.write(quit_keys)
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(self.pid, signal.SIGTERM)
            _, status = os.waitpid(self.pid, 0)
        self._reader.join(timeout=1)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status) if status is not None else -1


@dataclass
class Result:
    command: str
    size: str
    first_frame_ms: float | None = None
    settled_ms: float | None = None
    step: float | None = None
    presses: int = 0
    frames: int = 0
    missed: int = 0
    latency_median_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_max_ms: float | None = None
    bytes_per_press: float | None = None
    bytes_per_frame_max: int | None = None
    drain_ms: float | None = None
    frames_after_release: int = 0
    cpu_per_frame_ms: float | None = None
    cpu_per_press_ms: float | None = None
    cpu_total_s: float | None = None
    exit_code: int | None = None
    load_average: float | None = None  # 1-minute system load when the run ended
    notes: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run(args: argparse.Namespace) -> Result:
    env = dict(os.environ)
    env.update(
        TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(args.cols), LINES=str(args.rows)
    )
    env.pop("NO_COLOR", None)
    env.pop("TEXTUAL", None)
    result = Result(command=args.cmd, size=f"{args.cols}x{args.rows}")
    term = Terminal(shlex.split(args.cmd), args.cols, args.rows, args.frame_regex, env)
    try:
        # (a) first frame
        if not term.wait_frames(1, args.startup_timeout):
            result.notes.append("no frame matched --frame-regex during start-up")
            return result
        result.first_frame_ms = term.frames[0].t * 1e3
        result.settled_ms = term.wait_quiet(args.quiet, args.startup_timeout) * 1e3

        # one press on its own tells the step (how much the value moves per press)
        value0 = term.frames[-1].value
        count = len(term.frames)
        term.write(args.key)
        if not term.wait_frames(count + 1, 2.0):
            result.notes.append("the first press produced no new frame")
            return result
        term.wait_quiet(args.quiet, 5.0)
        value1 = term.frames[-1].value
        step = value1 - value0
        if step == 0:
            result.notes.append("the value did not change after a press")
            return result
        result.step = step
        # a few presses to warm up caches and the interpreter
        for _ in range(args.warmup):
            term.write(args.key)
            time.sleep(1 / args.rate)
        term.wait_quiet(args.quiet, 5.0)

        # (b)-(e) hold the key
        start_value = term.frames[-1].value
        first_frame = len(term.frames)
        _, bytes_before, _ = term.snapshot()
        cpu_before = term.cpu_seconds()
        presses = max(1, round(args.seconds * args.rate))
        times = []
        t_start = time.perf_counter()
        for i in range(presses):
            target = t_start + i / args.rate
            while (delay := target - time.perf_counter()) > 0:
                time.sleep(min(delay, 0.002) if delay < 0.004 else delay - 0.002)
            times.append(term.write(args.key))
        last_key = times[-1]
        last_output = term.wait_quiet(args.quiet, 30.0)
        cpu_after = term.cpu_seconds()
        _, bytes_after, _ = term.snapshot()
        frames = term.frames[first_frame:]

        latencies = []
        direction = 1 if step > 0 else -1
        for i, t_key in enumerate(times):
            expected = start_value + (i + 1) * step
            shown = next(
                (
                    f
                    for f in frames
                    if f.t >= t_key and direction * (f.value - expected) >= -abs(step) / 2
                ),
                None,
            )
            if shown is None:
                result.missed += 1
            else:
                latencies.append(shown.t - t_key)
        result.presses = presses
        result.frames = len(frames)
        if latencies:
            result.latency_median_ms = median(latencies) * 1e3
            result.latency_p95_ms = percentile(latencies, 0.95) * 1e3
            result.latency_max_ms = max(latencies) * 1e3
        result.bytes_per_press = (bytes_after - bytes_before) / presses
        offsets = [bytes_before] + [f.offset for f in frames]
        sizes = [b - a for a, b in itertools.pairwise(offsets) if b > a]
        result.bytes_per_frame_max = max(sizes, default=None)
        result.drain_ms = max(0.0, last_output - last_key) * 1e3
        last_expected = start_value + presses * step
        done = next(
            (f.t for f in frames if direction * (f.value - last_expected) >= -abs(step) / 2), None
        )
        result.frames_after_release = sum(1 for f in frames if f.t > last_key) - (done is not None)
        if cpu_before is not None and cpu_after is not None:
            cpu = cpu_after - cpu_before
            result.cpu_per_press_ms = cpu / presses * 1e3
            if frames:
                result.cpu_per_frame_ms = cpu / len(frames) * 1e3
        if result.missed:
            result.notes.append(f"{result.missed} presses never showed on screen")
        return result
    finally:
        cpu_total = term.cpu_seconds()
        result.load_average = os.getloadavg()[0]
        result.exit_code = term.finish(args.quit)
        if cpu_total is not None:
            result.cpu_total_s = cpu_total


def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def table(result: Result) -> str:
    rows = [
        ("command", result.command),
        ("terminal", result.size),
        ("first frame", fmt(result.first_frame_ms, " ms", 0)),
        ("output settled", fmt(result.settled_ms, " ms", 0)),
        (
            "presses / frames",
            f"{result.presses} / {result.frames} (step {fmt(result.step, '', 4)})",
        ),
        ("key→frame median", fmt(result.latency_median_ms, " ms")),
        ("key→frame p95", fmt(result.latency_p95_ms, " ms")),
        ("key→frame max", fmt(result.latency_max_ms, " ms")),
        ("bytes per press", fmt(result.bytes_per_press, " B", 0)),
        ("bytes, largest frame", fmt(result.bytes_per_frame_max, " B", 0)),
        (
            "after release",
            f"{fmt(result.drain_ms, ' ms', 0)} until quiet, "
            f"{result.frames_after_release} late frames",
        ),
        ("CPU per frame", fmt(result.cpu_per_frame_ms, " ms")),
        ("CPU per press", fmt(result.cpu_per_press_ms, " ms")),
        ("system load", f"{fmt(result.load_average, '', 2)} (1 min, {os.cpu_count()} CPUs)"),
    ]
    rows += [("note", note) for note in result.notes]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmd", default=DEFAULT_CMD, help="command to run (default: the demo)")
    parser.add_argument(
        "--frame-regex",
        default=DEFAULT_REGEX,
        help="regex for the status text; group 1 is the number a press moves",
    )
    parser.add_argument("--rate", type=float, default=30.0, help="presses per second")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long the key is held")
    parser.add_argument("--warmup", type=int, default=5, help="presses before the hold")
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument(
        "--quiet", type=float, default=0.3, help="seconds without output that count as 'settled'"
    )
    parser.add_argument("--startup-timeout", type=float, default=20.0)
    parser.add_argument("--key", default=RIGHT.decode(), help="what a press sends")
    parser.add_argument("--quit", default="q", help="what quits the program")
    parser.add_argument("--repeat", type=int, default=1, help="runs; report the medians")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--against",
        help="a baseline command (e.g. benchmarks/bare_app.py) run alternately with --cmd, "
        "in the same run; the figures are then also given as ratios to it",
    )
    parser.add_argument(
        "--against-regex", default=DEFAULT_REGEX, help="--frame-regex for the baseline"
    )
    args = parser.parse_args(argv)
    args.key = args.key.encode()
    args.quit = args.quit.encode()
    if args.against:
        return compare(args)
    runs = [run(args) for _ in range(max(1, args.repeat))]
    result = runs[0] if len(runs) == 1 else summarise(runs)
    if args.json:
        payload = asdict(result)
        if len(runs) > 1:
            payload["runs"] = [asdict(r) for r in runs]
        print(json.dumps(payload, indent=2))
    else:
        print(table(result))
    return 0 if result.latency_median_ms is not None else 1


#: What --against reports as ratios: (label, field).
RATIOS = [
    ("first frame", "first_frame_ms"),
    ("output settled", "settled_ms"),
    ("CPU per press", "cpu_per_press_ms"),
    ("CPU per frame", "cpu_per_frame_ms"),
    ("bytes per press", "bytes_per_press"),
]


def compare(args: argparse.Namespace) -> int:
    """Baseline and command, one after the other, ``--repeat`` times: both
    see the same machine at the same moment, so their ratio is the figure."""
    baseline = argparse.Namespace(**{**vars(args), "cmd": args.against})
    baseline.frame_regex = args.against_regex
    pairs = [(run(baseline), run(args)) for _ in range(max(1, args.repeat))]
    floors = [b for b, _ in pairs]
    games = [g for _, g in pairs]
    floor = floors[0] if len(floors) == 1 else summarise(floors)
    game = games[0] if len(games) == 1 else summarise(games)
    ratios: dict[str, float | None] = {}
    for label, name in RATIOS:
        per_run = [
            getattr(g, name) / getattr(b, name)
            for b, g in pairs
            if getattr(g, name) is not None and getattr(b, name)
        ]
        ratios[label] = median(per_run) if per_run else None
    loads = [r.load_average for pair in pairs for r in pair if r.load_average is not None]
    if args.json:
        print(json.dumps({"baseline": asdict(floor), "command": asdict(game), "ratios": ratios}))
    else:
        print("baseline\n" + table(floor) + "\n\ncommand\n" + table(game) + "\n")
        for label, value in ratios.items():
            print(f"{label + ' ×':<18}  {fmt(value, '×', 2)}  (median of per-run ratios)")
        if loads:
            print(f"{'load average':<18}  {min(loads):.2f}–{max(loads):.2f} over the runs")
    return 0 if game.latency_median_ms is not None else 1


def summarise(runs: list[Result]) -> Result:
    """The median of every number over several runs."""
    summary = Result(command=runs[0].command, size=runs[0].size)
    for name, value in asdict(runs[0]).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            values = [getattr(r, name) for r in runs if getattr(r, name) is not None]
            if values:
                middle = median(values)
                setattr(summary, name, type(value)(middle) if isinstance(value, int) else middle)
    spread = [
        f"{label} {fmt(min(values), '', digits)}–{fmt(max(values), unit, digits)}"
        for label, name, unit, digits in SPREAD
        if (values := [v for r in runs if (v := getattr(r, name)) is not None])
    ]
    summary.notes = [
        f"median of {len(runs)} runs",
        "runs ranged: " + "; ".join(spread),
        *sorted({n for r in runs for n in r.notes}),
    ]
    return summary


# what a repeated run also reports the range of: (label, field, unit, decimals)
SPREAD = [
    ("first frame", "first_frame_ms", " ms", 0),
    ("CPU per frame", "cpu_per_frame_ms", " ms", 1),
    ("key→frame median", "latency_median_ms", " ms", 1),
    ("p95", "latency_p95_ms", " ms", 1),
]


if __name__ == "__main__":
    sys.exit(main())
