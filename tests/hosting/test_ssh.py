"""The game through a real OpenSSH server on 127.0.0.1, as a class would reach it."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosting_harness import PYTHON, SSHD, SshServer, game_command, require_binary

pytestmark = pytest.mark.slow


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "klgame-home"
    path.mkdir()
    return path


def _server(tmp_path: Path, command: str) -> Iterator[SshServer]:
    server = SshServer(tmp_path, command)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def version_server(tmp_path: Path, home: Path) -> Iterator[SshServer]:
    yield from _server(tmp_path, game_command(home, "--hosted", "--version"))


def test_force_command_runs_the_game_whatever_the_client_asks(version_server: SshServer) -> None:
    asked_for = ([], ["id"], ["rm", "-rf", "/nonexistent-klgame-test"], ["klgame", "--levels", "/"])
    for asked in asked_for:
        done = subprocess.run(
            version_server.ssh_argv("-T") + asked, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("klgame "), done.stdout


def test_port_forwarding_is_refused(version_server: SshServer) -> None:
    done = subprocess.run(
        version_server.ssh_argv("-T", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:22"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 255
    assert "forwarding failed" in done.stderr


PROBE = (
    "import os, pathlib; "
    "from klgame.hosting.hosted import hosted_player_name, remember_key, remembered_name, "
    "remember_name; "
    "home = pathlib.Path(os.environ['KLGAME_HOME']); key = remember_key(os.environ); "
    "print('name', hosted_player_name(os.environ, None)); print('key', key); "
    "print('before', remembered_name(home, key)); remember_name(home, key, 'alice'); "
    "print('after', remembered_name(home, key))"
)


def test_remembered_name_is_keyed_by_the_ssh_key(tmp_path: Path, home: Path) -> None:
    command = shlex.join(["env", f"KLGAME_HOME={home}", PYTHON, "-c", PROBE])
    for server in _server(tmp_path, command):
        first = subprocess.run(server.ssh_argv("-T"), capture_output=True, text=True, timeout=30)
        assert first.returncode == 0, first.stderr
        lines = dict(line.split(" ", 1) for line in first.stdout.splitlines())
        assert lines == {
            "name": "None",
            "key": f"key:{server.fingerprint}",
            "before": "None",
            "after": "alice",
        }
        second = subprocess.run(server.ssh_argv("-T"), capture_output=True, text=True, timeout=30)
        assert "before alice" in second.stdout


def test_host_sets_the_player_name_with_setenv(tmp_path: Path, home: Path) -> None:
    command = shlex.join(["env", f"KLGAME_HOME={home}", PYTHON, "-c", PROBE])
    server = SshServer(tmp_path, command, extra_config="SetEnv KLGAME_PLAYER=bob")
    try:
        done = subprocess.run(server.ssh_argv("-T"), capture_output=True, text=True, timeout=30)
    finally:
        server.close()
    assert "name bob" in done.stdout, done.stdout + done.stderr


def test_the_documented_sshd_config_is_valid(tmp_path: Path) -> None:
    """The sshd_config block in docs/hosting.md parses with this sshd (``sshd -t``)."""
    require_binary(SSHD)
    keygen = require_binary("ssh-keygen")
    doc = (Path(__file__).parents[2] / "docs" / "hosting.md").read_text()
    start = doc.index("   # Global section")
    block = doc[start : doc.index("```", start)]
    server_key = tmp_path / "host_key"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(server_key)], check=True)
    config = tmp_path / "sshd_config"
    lines = [line.removeprefix("   ") for line in block.splitlines()]
    config.write_text(f"HostKey {server_key}\n" + "\n".join(lines) + "\n")
    done = subprocess.run(
        [SSHD, "-t", "-f", str(config)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert "ForceCommand" in block and "PermitTTY yes" in block
