"""Hosted mode asks a player the host did not name for a name, once.

The app is built as ``klgame --hosted`` builds it (``klgame.cli.game``), with
the environment of an SSH login that carries no name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_helpers import screen_text

from klgame.cli.game import Collaborators, collaborators
from klgame.cli.main import build_parser
from klgame.hosting.hosted import remember_key, remembered_name
from klgame.ui.app import KLGame
from klgame.ui.screens.name import QUESTION, NameScreen
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.reveal import RevealScreen
from klgame.ui.screens.title import TitleScreen

SIZE = (100, 32)
LOGIN = "klgame-class"


@pytest.fixture
def login(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An SSH login with no name from the host (and no key exposed)."""
    for name in ("KLGAME_PLAYER", "SSH_USER_AUTH", "TEXTUAL_DRIVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER", LOGIN)
    return home


@pytest.fixture
def parts() -> Iterator[Any]:
    opened: list[Collaborators] = []

    def make(*argv: str) -> Collaborators:
        made = collaborators(build_parser().parse_args(["--hosted", *argv]))
        opened.append(made)
        return made

    yield make
    for made in opened:
        close = getattr(made.store, "close", None)
        if close is not None:
            close()


def _rows(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "scores.sqlite3") as conn:
        return list(conn.execute("SELECT player, level_id FROM attempts"))


async def test_asked_once_then_remembered(login: Path, parts: Any) -> None:
    first = parts()
    assert first.remember_player is not None
    app = KLGame(first.world(seed=1), hosted=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        assert QUESTION in screen_text(app)
        await pilot.press("enter")  # nothing typed: still asked
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        assert "Type a name first" in screen_text(app)
        await pilot.press("ctrl+p")  # no way around the question
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"Quinn [b]q", "enter")  # q types, it does not quit
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert "Player: Quinn [b]q" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        await pilot.press("right", "r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
    assert _rows(login) == [("Quinn [b]q", "gaussian")]
    assert remembered_name(login, remember_key({"USER": LOGIN})) == "Quinn [b]q"

    second = parts()
    assert second.remember_player is None and second.player == "Quinn [b]q"
    app = KLGame(second.world(seed=1), hosted=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert "Player: Quinn [b]q" in screen_text(app)


async def test_asked_before_the_level_a_host_starts(login: Path, parts: Any) -> None:
    made = parts("play", "gaussian")
    app = KLGame(made.world(seed=1), start_level="gaussian", hosted=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"ada", "enter")
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen) and play.level.id == "gaussian"
        assert app.world.player == "ada"


async def test_esc_on_the_question_quits(login: Path, parts: Any) -> None:
    app = KLGame(parts().world(), hosted=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0
    assert remembered_name(login, remember_key({"USER": LOGIN})) is None


async def test_a_host_named_player_is_not_asked(
    login: Path, parts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLGAME_PLAYER", "bob")
    made = parts()
    assert made.remember_player is None and made.player == "bob"
    app = KLGame(made.world(), hosted=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)


async def test_not_hosted_is_never_asked(login: Path) -> None:
    made = collaborators(build_parser().parse_args([]))
    try:
        assert made.remember_player is None
    finally:
        close = getattr(made.store, "close", None)
        if close is not None:
            close()


async def test_hosted_palette_has_no_screenshot(make_app: Any) -> None:
    app: KLGame = make_app(hosted=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quit" in titles
    plain: KLGame = make_app()
    async with plain.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Screenshot" in [c.title for c in plain.get_system_commands(plain.screen)]
