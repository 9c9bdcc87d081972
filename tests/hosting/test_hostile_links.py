"""Level directories that point elsewhere: links out, FIFOs, directories named *.yaml.

A contributor who may write to a level directory links a file they cannot
read into it (``ln -s /etc/shadow levels/x.yaml``). The real ``klgame``
command (and, in tmux, the hosted title screen) must refuse it unread: its
contents appear nowhere, not in the CLI, not on a player's screen, not in
the host's log. A FIFO must not hang the game.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hosting_harness import Tmux, klgame_env

from klgame.hosting.hosted import LEVEL_PROBLEMS_FILE, LEVELS_UNAVAILABLE

LEVELS_DIR = Path(__file__).parents[2] / "levels"
SECRET = "s3cret-9f4e1d"

#: The outside file: shadow-like lines (each one a YAML key) and a valid level
#: whose title is the secret, so that a link followed would show it somewhere.
SHADOW = f"root:$y$j9T${SECRET}:19000:0:99999:7:::\ndaemon:*:{SECRET}:0:99999:7:::\n"


def _level_text(level_id: str, title: str) -> str:
    lines = []
    for line in (LEVELS_DIR / "gaussian.yaml").read_text().splitlines():
        if line.startswith("id:"):
            line = f"id: {level_id}"
        elif line.startswith("title:"):
            line = f"title: {title}"
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.fixture
def levels(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shadow").write_text(SHADOW)
    (outside / "valid.yaml").write_text(_level_text("leaked", f"Title {SECRET}"))
    (outside / "dir").mkdir()
    (outside / "dir" / "inner.yaml").write_text(_level_text("inner", f"Inner {SECRET}"))
    directory = tmp_path / "levels"
    directory.mkdir()
    (directory / "shadow.yaml").symlink_to(outside / "shadow")
    (directory / "valid.yaml").symlink_to(outside / "valid.yaml")
    (directory / "relative.yml").symlink_to(Path("..") / "outside" / "valid.yaml")
    (directory / "sub.yaml").symlink_to(outside / "dir")
    os.mkfifo(directory / "fifo.yaml")
    (directory / "folder.yaml").mkdir()
    # A link that stays inside the level directories is fine.
    (directory / "real.txt").write_text(_level_text("kept", "Kept level"))
    (directory / "kept.yaml").symlink_to(directory / "real.txt")
    return directory


REFUSED = ["shadow.yaml", "valid.yaml", "relative.yml", "sub.yaml", "fifo.yaml", "folder.yaml"]


def _klgame(home: Path, levels: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = klgame_env(home, levels)
    return subprocess.run(
        [sys.executable, "-m", "klgame", *args],
        capture_output=True,
        text=True,
        timeout=60,  # a FIFO opened for reading would hang until this
        env=env,
    )


def test_the_cli_refuses_links_out_and_special_files_unread(levels: Path, tmp_path: Path) -> None:
    done = _klgame(tmp_path / "home", levels, "levels")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert SECRET not in output
    assert "kept" in done.stdout and "leaked" not in done.stdout and "inner" not in done.stdout
    for name in REFUSED:
        assert f"{levels / name}: refused:" in done.stderr, done.stderr
    assert str(tmp_path / "outside") not in output  # a link's target is not named

    checked = _klgame(tmp_path / "home", levels, "validate", str(levels))
    assert checked.returncode == 1
    assert SECRET not in checked.stdout + checked.stderr
    assert checked.stderr.count("refused:") == len(REFUSED), checked.stderr


def test_a_hosted_player_sees_only_that_levels_are_unavailable(
    levels: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    done = _klgame(home, levels, "--hosted", "levels")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert SECRET not in output
    assert LEVELS_UNAVAILABLE in done.stderr
    assert str(levels) not in output and "refused" not in output  # no path, no detail
    log = (home / LEVEL_PROBLEMS_FILE).read_text()
    assert SECRET not in log
    assert sorted(line.split(": refused")[0] for line in log.splitlines()) == sorted(
        str(levels / name) for name in REFUSED
    )


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("klgame.cli.game") is None,
    reason="the terminal game (klgame.cli.game) is not in this checkout",
)
def test_the_hosted_title_screen_shows_no_trace_of_them(levels: Path, tmp_path: Path) -> None:
    argv = [
        "env",
        f"KLGAME_HOME={tmp_path / 'home'}",
        f"KLGAME_LEVELS={levels}",
        "KLGAME_PLAYER=ada",
        "TERM=xterm-256color",
        sys.executable,
        "-m",
        "klgame",
        "--hosted",
    ]
    session = Tmux(tmp_path, argv, width=160, height=50)
    try:
        # the note sits below the list, so it is written after it: wait for it,
        # not for a level's title, which may show while the frame is being written
        screen = session.wait_text("Some levels are unavailable", timeout=40)
        assert "Kept level" in screen, screen
        assert SECRET not in screen and "refused" not in screen and "shadow" not in screen
        session.send("?")
        screen = session.screen()
        assert SECRET not in screen
    finally:
        session.kill()


_SWAPPER = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b = (os.fsencode(p) for p in sys.argv[1:3])
print("ready", flush=True)
end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    if libc.renameat2(-100, a, -100, b, 2) != 0:  # AT_FDCWD, RENAME_EXCHANGE
        sys.exit(f"renameat2: {os.strerror(ctypes.get_errno())}")
"""


def _renameat2_works(tmp_path: Path) -> bool:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    done = libc.renameat2(-100, os.fsencode(tmp_path / "a"), -100, os.fsencode(tmp_path / "b"), 2)
    return bool(done == 0)


def test_a_directory_swapped_for_a_link_mid_read_leaks_nothing(tmp_path: Path) -> None:
    """A contributor swaps a directory on a link's way for a link outside, in a
    loop (``renameat2(RENAME_EXCHANGE)``), while the loader reads: every read
    gives the level inside or a refusal, never the outside file."""
    from klgame.levels.errors import LevelError
    from klgame.levels.loader import read_level_file

    if not sys.platform.startswith("linux") or not _renameat2_works(tmp_path):
        pytest.skip("needs Linux's renameat2(RENAME_EXCHANGE)")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(_level_text("leaked", f"Title {SECRET}"))
    directory = tmp_path / "R"
    (directory / "sub").mkdir(parents=True)
    (directory / "sub" / "secret.yaml").write_text(_level_text("decoy", "Decoy"))
    (directory / "x.yaml").symlink_to(Path("sub") / "secret.yaml")
    (directory / "swap").symlink_to(outside)
    swapper = subprocess.Popen(
        [sys.executable, "-c", _SWAPPER, str(directory / "sub"), str(directory / "swap"), "60"],
        stdout=subprocess.PIPE,
        text=True,
    )
    inside = refused = 0
    try:
        assert swapper.stdout is not None and swapper.stdout.readline() == "ready\n"
        name = str(directory / "x.yaml")
        for _ in range(5000):
            try:
                data = read_level_file(name, name, [directory])
            except LevelError as error:
                assert SECRET not in str(error)
                refused += 1
                continue
            assert SECRET.encode() not in data
            inside += 1
        assert swapper.poll() is None, "the swapping stopped early"
    finally:
        swapper.kill()
        swapper.wait()
    assert inside > 0 and refused > 0, (inside, refused)  # both sides of the race were met
