"""Hostile level and replay files: a clear error and exit code, never a traceback.

Run through the real ``klgame`` command (subprocesses), as a host would when
checking files handed in by a class.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEPTH = 20_000

LEVELS = {
    "python-tag.yaml": b'id: x\ntitle: !!python/object/apply:os.system ["echo PWNED"]\n',
    "python-name.yaml": b"!!python/name:os.system\n",
    "deep.yaml": b"id: " + b"[" * DEPTH + b"]" * DEPTH + b"\n",
    "deep-map.yaml": b"".join(b"  " * i + b"k:\n" for i in range(3000)),
    "huge.yaml": b"id: huge\nintro: |\n" + b"  " + b"x" * (40 * 1024 * 1024) + b"\n",
    "escape.yaml": b"id: esc\ntitle: \x1b]0;PWNED\x07\x1b[2J[bold red]x[/]\n",
    "binary.yaml": bytes(range(256)) * 64,
    "crowded.yaml": "".join(f"k{i}: {i}\n" for i in range(60_000)).encode(),  # 818 KB
    "unknown.yaml": "".join(f"k{i}: {{x{i}: {i}}}\n" for i in range(450)).encode(),
    "aliases.yaml": b'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode()
        for i in range(15)
    ),
}

REPLAYS = {
    "deep.jsonl": b'{"a": ' + b"[" * DEPTH + b"]" * DEPTH + b"}\n",
    "huge.jsonl": b'{"a": "' + b"x" * (40 * 1024 * 1024) + b'"}\n',
    "escape.jsonl": b"\x1b]0;PWNED\x07\x1b[2J" + b'{"format": "klgame-replay"}\n',
    "binary.jsonl": bytes(range(256)) * 64,
    "python-tag.jsonl": b'!!python/object/apply:os.system ["echo PWNED"]\n',
    "empty.jsonl": b"",
}


def _klgame(*args: str, home: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "klgame", *args],
        capture_output=True,
        timeout=120,
        env={"KLGAME_HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def _check(done: subprocess.CompletedProcess[bytes]) -> None:
    output = done.stdout + done.stderr
    assert done.returncode in (1, 2), output[-2000:]
    assert b"Traceback" not in output
    assert b"PWNED\n" not in done.stdout  # nothing was executed
    assert b"\x1b" not in output and b"\x07" not in output, "escape bytes reached the terminal"
    assert len(output) < 64 * 1024, "the error message is unbounded"
    assert done.stderr.strip(), "no message for the person"


@pytest.mark.parametrize("name", sorted(LEVELS))
def test_validate_refuses_hostile_level_files(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(LEVELS[name])
    done = _klgame("validate", str(path), home=tmp_path / "home")
    _check(done)


@pytest.mark.parametrize("name", sorted(REPLAYS))
def test_replay_refuses_hostile_replay_files(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(REPLAYS[name])
    _check(_klgame("replay", str(path), home=tmp_path / "home"))
    _check(_klgame("replay", "--json", str(path), home=tmp_path / "home"))


def test_hostile_file_names_are_not_echoed_raw(tmp_path: Path) -> None:
    path = tmp_path / "\x1b[2Jevil\x07.yaml"
    path.write_bytes(b"id: [\n")
    _check(_klgame("validate", str(path), home=tmp_path / "home"))
