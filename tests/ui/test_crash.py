"""An unexpected error in the game: one line naming a crash log, never a traceback, never 0.

The game runs as a real process in a pseudo-terminal, with one of its
functions replaced by one that fails (the test plants the fault; the game
has no hook for it).
"""

from __future__ import annotations

import os
import pty
import re
import select
import sys
import time
from pathlib import Path

import pytest

ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_=><])")

PLANTED = """
import sys
from klgame.ui import figures

def fail(*args, **kwargs):
    raise RuntimeError("planted failure")

figures.{name} = fail
from klgame.cli.main import main
sys.exit(main({argv!r}))
"""


def run_in_terminal(code: str, home: Path, timeout: float = 60.0) -> tuple[int, str]:
    """Run ``python -c code`` in a pty of 100×30; its exit status and what it wrote."""
    env = {**os.environ, "KLGAME_HOME": str(home), "TERM": "xterm-256color"}
    env.pop("KLGAME_DEBUG", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child
        try:
            os.execvpe(sys.executable, [sys.executable, "-c", code], env)
        finally:
            os._exit(127)
    out = bytearray()
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child has gone and the pty is closed
                chunk = b""
            out += chunk
            if not chunk:
                break
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = ANSI.sub("", out.decode("utf-8", "replace")).replace("\r", "").replace("\a", "")
    return os.waitstatus_to_exitcode(status), text


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("curve_xs", ["play", "gaussian", "--seed", "1"]),  # while drawing the play screen
        ("masses", ["play", "space-worms", "--seed", "1"]),  # the bars of a discrete level
    ],
)
def test_a_crash_ends_with_one_line_a_log_and_a_failing_status(
    tmp_path: Path, name: str, argv: list[str]
) -> None:
    home = tmp_path / "home"
    code, output = run_in_terminal(PLANTED.format(name=name, argv=argv), home)
    assert code == 70
    lines = [line for line in output.splitlines() if "unexpected error" in line]
    assert len(lines) == 1, output[-2000:]
    match = re.search(
        r"^klgame: the game stopped on an unexpected error; the details are in (\S+)$",
        lines[0].strip(),
    )
    assert match, repr(lines[0])
    log = Path(match.group(1))
    assert log.parent == home and log.name.startswith("crash-")
    report = log.read_text(encoding="utf-8")
    assert "Traceback" in report and "RuntimeError: planted failure" in report
    assert "Traceback" not in output and "planted failure" not in output


def test_no_crash_log_when_the_data_directory_cannot_be_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file, not a directory", encoding="utf-8")
    argv = ["play", "gaussian", "--seed", "1"]
    code, output = run_in_terminal(PLANTED.format(name="curve_xs", argv=argv), home)
    assert code != 0
    assert "Traceback" not in output and "planted failure" not in output
    assert "klgame:" in output
