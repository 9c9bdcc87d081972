"""Hosted mode's policy: who is playing, and what a hosted player may not do."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from klgame.cli.main import build_parser
from klgame.errors import KlgameError
from klgame.hosting.hosted import (
    HostedRefusal,
    check_hosted_args,
    hosted_player_name,
    key_fingerprint,
    remember_key,
    remember_name,
    remembered_name,
)


def test_explicit_name_wins_then_env_then_ask() -> None:
    env = {"KLGAME_PLAYER": "bob"}
    assert hosted_player_name(env, "alice") == "alice"
    assert hosted_player_name(env, None) == "bob"
    assert hosted_player_name({}, None) is None
    assert hosted_player_name({"KLGAME_PLAYER": "\x1b \x07"}, "  ") is None


def test_names_lose_control_characters_and_are_short() -> None:
    name = hosted_player_name({}, "\x1b]8;;http://x\x1b\\eve\x9b" + "z" * 100)
    assert name is not None
    assert "\x1b" not in name and "\x9b" not in name and len(name) <= 32


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_fingerprint_matches_ssh_keygen(tmp_path: Path, kind: str) -> None:
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.skip("ssh-keygen (openssh-client) is not installed; .ci/run installs it")
    key = tmp_path / "key"
    subprocess.run([keygen, "-q", "-t", kind, "-N", "", "-C", "player", "-f", str(key)], check=True)
    kind_name, blob, _comment = (tmp_path / "key.pub").read_text().split()
    listed = subprocess.run(
        [keygen, "-l", "-E", "sha256", "-f", str(key) + ".pub"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]
    assert listed.startswith("SHA256:")
    auth = f"password\npublickey {kind_name} {blob}\n"  # as sshd writes SSH_USER_AUTH
    assert key_fingerprint(auth) == listed
    assert key_fingerprint("publickey ssh-ed25519 !!!notbase64") is None
    assert key_fingerprint("") is None


def test_remember_key_prefers_the_ssh_key(tmp_path: Path) -> None:
    auth = tmp_path / "auth"
    blob = b"key-bytes"
    auth.write_text(f"publickey ssh-ed25519 {base64.b64encode(blob).decode()}\n")
    key = remember_key({"SSH_USER_AUTH": str(auth), "USER": "klgame"})
    assert key is not None and key.startswith("key:SHA256:")
    assert remember_key({"SSH_USER_AUTH": str(tmp_path / "gone"), "USER": "klgame"}) == (
        "login:klgame"
    )
    assert remember_key({"USER": "klgame"}) == "login:klgame"


def test_browser_sessions_remember_nothing() -> None:
    env = {"TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver", "USER": "www"}
    assert remember_key(env) is None


def test_remember_round_trip(tmp_path: Path) -> None:
    assert remembered_name(tmp_path, "key:SHA256:abc") is None
    assert remember_name(tmp_path, "key:SHA256:abc", " \x1b[1malice ") == "[1malice"
    assert remembered_name(tmp_path, "key:SHA256:abc") == "[1malice"
    assert remembered_name(tmp_path, "key:SHA256:other") is None
    assert remember_name(tmp_path, None, "alice") is None
    assert remember_name(tmp_path, "k", "\x1b\x07") is None
    assert remembered_name(tmp_path, None) is None
    assert [p.name for p in (tmp_path / "hosted-names").iterdir() if p.name.startswith(".")] == []


def test_remember_survives_an_unwritable_home(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert remember_name(blocker, "k", "alice") is None
    assert remembered_name(blocker, "k") is None


def _args(*argv: str):  # type: ignore[no-untyped-def]
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["--hosted"],
        ["--hosted", "--player", "alice"],
        ["--hosted", "play", "gaussian", "--seed", "3"],
        ["--hosted", "levels"],
        ["--hosted", "scores"],
        ["--levels", "/tmp", "validate", "x"],  # not hosted: anything goes
    ],
)
def test_allowed(argv: list[str]) -> None:
    check_hosted_args(_args(*argv))


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["--hosted", "--levels", "/etc"], "--levels"),
        (["--hosted", "play", "gaussian", "--record", "/tmp/x.jsonl"], "--record"),
        (["--hosted", "replay", "/etc/passwd"], "replay"),
        (["--hosted", "validate", "/etc"], "validate"),
        (["--hosted", "solve", "gaussian"], "solve"),
        (["--hosted", "serve"], "serve"),
    ],
)
def test_refused(argv: list[str], word: str) -> None:
    with pytest.raises(HostedRefusal) as caught:
        check_hosted_args(_args(*argv))
    assert isinstance(caught.value, KlgameError)
    assert word in str(caught.value)
    assert caught.value.exit_code == 2


def test_cli_refuses_player_paths_without_a_traceback(tmp_path: Path) -> None:
    """End to end through ``klgame``."""
    done = subprocess.run(
        [sys.executable, "-m", "klgame", "--hosted", "replay", "/etc/passwd"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"KLGAME_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2, done.stderr
    assert "not available in hosted mode" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_game_refuses_to_run_without_a_terminal(tmp_path: Path) -> None:
    """``ssh -T`` gives the game pipes, not a terminal: it must stop at once,
    not linger (Textual's input thread would spin on a closed stdin)."""
    done = subprocess.run(
        [sys.executable, "-m", "klgame", "--hosted"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={"KLGAME_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "KLGAME_PLAYER": "x"},
    )
    assert done.returncode == 1, done.stderr
    assert "needs a terminal" in done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stdout + done.stderr
