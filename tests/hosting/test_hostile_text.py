"""Markup and escape sequences in level texts and player names, on a real terminal.

The game runs in tmux; what tmux shows is what a player would see. Rich markup
must appear literally (or not at all), never as styling or links, and escape
sequences must never reach the terminal (the pane title is the canary).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosting_harness import Tmux

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("klgame.ui.run") is None,
        reason="the terminal game (klgame.ui.run) is not in this checkout",
    ),
]

LEVELS_DIR = Path(__file__).parents[2] / "levels"
MARKUP_TITLE = "[bold red]Sneaky[/] [link=http://x]y[/]"
HOSTILE_NAME = "[bold red]x[/]\x1b]2;PWNED\x07"


def _hostile_level(directory: Path, text: str) -> None:
    source = (LEVELS_DIR / "gaussian.yaml").read_text()
    lines = []
    for line in source.splitlines():
        if line.startswith("id:"):
            line = "id: hostile"
        elif line.startswith("title:"):
            line = f"title: '{text}'"
        elif line.startswith("order:"):
            line = "order: 99"
        lines.append(line)
    directory.mkdir()
    (directory / "hostile.yaml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def game(tmp_path: Path) -> Iterator[Tmux]:
    _hostile_level(tmp_path / "levels", MARKUP_TITLE)
    argv = [
        "env",
        f"KLGAME_HOME={tmp_path / 'home'}",
        f"KLGAME_LEVELS={tmp_path / 'levels'}",
        "TERM=xterm-256color",
        sys.executable,
        "-m",
        "klgame",
        "--player",
        HOSTILE_NAME,
        "play",
        "hostile",
        "--seed",
        "1",
    ]
    session = Tmux(tmp_path, argv, width=160, height=40)
    try:
        yield session
    finally:
        session.kill()


def test_markup_in_a_level_title_is_shown_literally(game: Tmux) -> None:
    screen = game.wait_text("Sneaky", timeout=30)
    assert "[bold red]Sneaky[/]" in screen, screen
    title = game.run("display-message", "-p", "-t", game.session, "#{pane_title}")
    assert "PWNED" not in title
