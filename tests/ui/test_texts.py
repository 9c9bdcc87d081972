"""The level's texts can always be read: page keys scroll them, ``t`` opens them whole."""

from __future__ import annotations

from textual.containers import VerticalScroll
from ui_helpers import MakeApp, screen_text

from klgame.ui.format import reflow
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.reveal import RevealScreen
from klgame.ui.screens.text import ReadScreen


def words(text: str) -> list[str]:
    return text.split()


async def test_the_intro_starts_on_screen_at_80x24_and_scrolls_by_page_keys(
    make_app: MakeApp,
) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        intro = reflow(app.screen.level.intro)
        first_line = intro.splitlines()[0]
        assert " ".join(words(first_line)[:6]) in screen_text(app)
        last_words = " ".join(words(intro)[-3:])
        assert last_words not in screen_text(app)  # too long for three rows
        box = app.screen.query_one("#intro", VerticalScroll)
        values = dict(app.screen.player.state.current_values)
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert last_words in screen_text(app)
        await pilot.press("home")
        await pilot.pause()
        assert box.scroll_y == 0
        # the page keys scroll the text and nothing else
        state = app.screen.player.state
        assert state.moves == 0 and state.current_values == values
        assert "PgDn" in screen_text(app)  # the footer says how


async def test_t_opens_the_whole_text_at_any_time(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right", "t")
        await pilot.pause()
        assert isinstance(app.screen, ReadScreen)
        level = app.screen.level
        assert "After the reveal" not in screen_text(app)  # the lesson waits for the reveal
        await pilot.press("end")
        await pilot.pause()
        assert words(level.intro)[-1] in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        assert app.screen.player.state.moves == 1  # nothing lost
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        box = app.screen.query_one("#lesson", VerticalScroll)
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 0 or box.max_scroll_y == 0
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ReadScreen)
        await pilot.press("end")
        await pilot.pause()
        assert words(level.reveal)[-1] in screen_text(app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)


async def test_help_lists_the_text_keys(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "PgDn" in text and "Scroll the level's text down a page" in text
        assert "Read the level's whole text" in text
