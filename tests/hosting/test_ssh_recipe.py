"""The OpenSSH recipe of docs/hosting.md, as written, on a real sshd.

The ``sshd_config`` lines and the ``authorized_keys`` lines are read from the
document; only the paths and the account change (a temporary directory, the
current user, this interpreter's ``klgame``). Two players connect in tmux:
one named by the host, one asked once and remembered.
"""

from __future__ import annotations

import re
import shlex
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosting_harness import SshServer, Tmux, processes_with_env, wait_for

pytestmark = pytest.mark.slow

DOC = Path(__file__).parents[2] / "docs" / "hosting.md"
LEVELS_DIR = Path(__file__).parents[2] / "levels"
QUESTION = "What should we call you?"


def documented_config() -> tuple[str, str]:
    """The recipe's global lines and its ``Match`` block, unindented."""
    doc = DOC.read_text()
    start = doc.index("   # Global section")
    block = [line.removeprefix("   ") for line in doc[start : doc.index("```", start)].splitlines()]
    match = next(i for i, line in enumerate(block) if line.startswith("Match "))
    return "\n".join(block[:match]), "\n".join(block[match:])


def documented_keys() -> list[str]:
    """The recipe's ``authorized_keys`` lines (one named player, one not)."""
    return re.findall(r"^   (restrict,pty\S* ssh-ed25519 AAAA\.\.\. \S+)$", DOC.read_text(), re.M)


def klgame_command() -> str:
    script = Path(sys.executable).with_name("klgame")
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m klgame"


class Recipe:
    def __init__(self, root: Path) -> None:
        self.home = root / "var-lib-klgame"
        self.home.mkdir()
        self.levels = root / "srv-klgame-levels"
        self.levels.mkdir()
        source = (LEVELS_DIR / "gaussian.yaml").read_text()
        extra = re.sub(r"(?m)^id:.*$", "id: class-extra", source)
        extra = re.sub(r"(?m)^title:.*$", "title: The class's own level", extra)
        extra = re.sub(r"(?m)^order:.*$", "order: 99", extra)
        (self.levels / "class-extra.yaml").write_text(extra)
        self.keys_file = root / "etc-klgame-authorized_keys"
        global_lines, match = documented_config()
        self.server = SshServer(
            root,
            None,
            extra_config=global_lines,
            match_block=self._adapted(match, root),
        )
        lines = documented_keys()
        assert len(lines) == 2, lines
        self.keys: dict[str, Path] = {}
        written = []
        for line in lines:
            who = line.rsplit(" ", 1)[1].split("@")[0]  # alice@laptop -> alice
            key, public = self.server.new_client_key(f"{who}_ed25519")
            self.keys[who] = key
            written.append(line.replace(f"ssh-ed25519 AAAA... {who}@laptop", public))
        self.keys_file.write_text("\n".join(written) + "\n")

    def _adapted(self, match: str, root: Path) -> str:
        user = self.server_user()
        return (
            match.replace("Match User klgame", f"Match User {user}")
            .replace("/etc/klgame/authorized_keys", str(self.keys_file))
            .replace("/opt/klgame/bin/klgame", klgame_command())
            .replace("/var/lib/klgame", str(self.home))
            .replace("/srv/klgame-levels", str(self.levels))
        )

    @staticmethod
    def server_user() -> str:
        import getpass
        import os

        return os.environ.get("USER") or getpass.getuser()

    def connect(self, who: str, root: Path) -> Tmux:
        root.mkdir()
        return Tmux(root, self.server.ssh_argv("-tt", key=self.keys[who]))

    def rows(self) -> list[tuple[str, str]]:
        db = self.home / "scores.sqlite3"
        if not db.exists():
            return []
        with sqlite3.connect(db, timeout=5) as conn:
            try:
                return list(conn.execute("SELECT player, level_id FROM attempts ORDER BY id"))
            except sqlite3.OperationalError:
                return []


@pytest.fixture
def recipe(tmp_path: Path) -> Iterator[Recipe]:
    made = Recipe(tmp_path)
    try:
        yield made
    finally:
        made.server.close()


def _play_first_level(tmux: Tmux) -> None:
    tmux.send("Enter")  # the first level on the title
    tmux.wait_text("KL", timeout=20)
    for key in ("Right", "Right", "Down", "Left"):
        tmux.send(key)
        time.sleep(0.1)
    tmux.send("r")


def test_the_documented_recipe_names_asks_once_and_saves(recipe: Recipe, tmp_path: Path) -> None:
    alice = recipe.connect("alice", tmp_path / "alice")
    try:
        screen = alice.wait_text("Player: alice", timeout=30)
        assert QUESTION not in screen
        # KLGAME_LEVELS from SetEnv: its level is listed (the list may still
        # be filling when the player's name shows)
        alice.wait_text("The class's own level", timeout=30)
        _play_first_level(alice)
        wait_for(lambda: recipe.rows(), 20, "alice's attempt to be saved")
        alice.send("q")
    finally:
        alice.kill()

    bob = recipe.connect("bob", tmp_path / "bob")
    try:
        bob.wait_text(QUESTION, timeout=30)
        bob.send("-l", "Bob")
        bob.send("Enter")
        bob.wait_text("Player: Bob", timeout=20)
        _play_first_level(bob)
        wait_for(lambda: len(recipe.rows()) == 2, 20, "bob's attempt to be saved")
        bob.send("q")
    finally:
        bob.kill()

    again = recipe.connect("bob", tmp_path / "bob-again")
    try:
        screen = again.wait_text("Player: Bob", timeout=30)
        assert QUESTION not in screen
        again.send("q")
    finally:
        again.kill()

    assert recipe.rows() == [("alice", "gaussian"), ("Bob", "gaussian")]
    assert [p.name for p in (recipe.home / "hosted-names").iterdir()] != []


def test_the_documented_recipe_gives_no_shell_and_no_terminalless_game(recipe: Recipe) -> None:
    """Whatever the client asks to run, it gets the game; without a terminal
    (``ssh -T``) the game refuses at once instead of lingering."""
    asked_for = ([], ["id"], ["sh", "-c", "echo SHELL-REACHED"], ["klgame", "--levels", "/"])
    for asked in asked_for:
        done = subprocess.run(
            recipe.server.ssh_argv("-T", key=recipe.keys["bob"]) + asked,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert "SHELL-REACHED" not in done.stdout and "uid=" not in done.stdout
        assert done.returncode == 1, done.stdout + done.stderr
        assert "needs a terminal" in done.stderr
    wait_for(
        lambda: not processes_with_env(f"KLGAME_HOME={recipe.home}"), 10, "no game left behind"
    )
