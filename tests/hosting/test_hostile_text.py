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
        importlib.util.find_spec("klgame.cli.game") is None,
        reason="the terminal game (klgame.cli.game) is not in this checkout",
    ),
]

LEVELS_DIR = Path(__file__).parents[2] / "levels"
MARKUP_TITLE = "[bold red]Sneaky[/] [link=http://x]y[/]"
HOSTILE_NAME = "[bold red]x[/]\x1b]2;PWNED\x07"


MARKUP_LESSON = "[reverse]lesson[/] [@click=app.quit]click[/]"
MARKUP_INTRO = "[blink]intro[/] $text-error"
MARKUP_LABEL = "[b]Mu[/]"
#: A title with escape sequences written as YAML escapes: the level is refused.
ESCAPE_TITLE = '"\\e]2;PWNED\\a\\e[2Jescaped"'


def _hostile_level(directory: Path, text: str) -> None:
    source = (LEVELS_DIR / "gaussian.yaml").read_text()
    lines = []
    for line in source.splitlines():
        if line.startswith("id:"):
            line = "id: hostile"
        elif line.startswith("title:"):
            line = f"title: '{text}'"
        elif line.startswith("lesson:"):
            line = f"lesson: '{MARKUP_LESSON}'"
        elif line.startswith("intro:"):
            line = f"intro: '{MARKUP_INTRO}'"
        elif line.startswith("  Somewhere") or (lines and lines[-1].startswith("intro:")):
            if line.startswith("  ") or not line:
                continue
        elif line.startswith("    mean: {start"):
            line = line.replace("{start", f"{{label: '{MARKUP_LABEL}', start")
        elif line.startswith("order:"):
            line = "order: 99"
        lines.append(line)
    directory.mkdir()
    (directory / "hostile.yaml").write_text("\n".join(lines) + "\n")
    escaped = [
        f"title: {ESCAPE_TITLE}" if line.startswith("title:") else line
        for line in (
            "id: escaped" if line.startswith("id:") else line for line in source.splitlines()
        )
    ]
    escaped = [line for line in escaped if not line.startswith("order:")]
    (directory / "escaped.yaml").write_text("\n".join(escaped) + "\n")


def _klgame(tmp_path: Path, *args: str, height: int) -> Iterator[Tmux]:
    """``klgame`` in tmux, with a hostile player name and the hostile levels."""
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
        *args,
    ]
    session = Tmux(tmp_path, argv, width=160, height=height)
    try:
        yield session
    finally:
        session.kill()


@pytest.fixture
def game(tmp_path: Path) -> Iterator[Tmux]:
    yield from _klgame(tmp_path, "play", "hostile", "--seed", "1", height=40)


def _pane_title(tmux: Tmux) -> str:
    return tmux.run("display-message", "-p", "-t", tmux.session, "#{pane_title}")


def test_markup_in_a_level_title_is_shown_literally(game: Tmux) -> None:
    screen = game.wait_text("Sneaky", timeout=30)
    assert "[bold red]Sneaky[/]" in screen, screen
    assert MARKUP_LABEL in screen, screen  # the parameter's label
    assert "PWNED" not in _pane_title(game)
    game.send("?")  # help: the level's title, lesson and intro
    screen = game.wait_text("This level", timeout=10)
    assert "[bold red]Sneaky[/]" in screen and MARKUP_LESSON in screen, screen
    assert MARKUP_INTRO in screen, screen


@pytest.fixture
def title(tmp_path: Path) -> Iterator[Tmux]:
    yield from _klgame(tmp_path, height=45)


def test_the_title_shows_names_and_lessons_literally_and_refuses_escapes(title: Tmux) -> None:
    screen = title.wait_text("Sneaky", timeout=30)
    assert "Player: [bold red]x[/]]2;PWNED" in screen, screen  # ESC and BEL removed
    assert MARKUP_LESSON in screen, screen
    assert "escaped" in screen and "control character" in screen, screen  # the refusal
    assert "PWNED" not in _pane_title(title)
