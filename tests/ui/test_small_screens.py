"""The reveal and the footer on small screens: the whole reveal reachable at
80×24 by keys the footer shows, tables that never wrap, a bar chart with room
at 60×20, and help and quit first in every footer."""

from __future__ import annotations

import pytest
from ui_helpers import MakeApp, screen_text

from klgame.ui.screens.reveal import RevealScreen
from klgame.ui.views import DistributionView


def footer(app: object) -> str:
    return screen_text(app).splitlines()[-1]  # type: ignore[arg-type]


def score_lines(app: object) -> list[str]:
    """The score panel's rows as on screen (its region, right of the figures)."""
    reveal = app.screen  # type: ignore[attr-defined]
    box = reveal.query_one("#score").region
    rows = screen_text(app).splitlines()  # type: ignore[arg-type]
    right = box.right - 1  # the last column is the scrollbar
    return [row[box.x : right].rstrip() for row in rows[box.y : box.bottom]]


async def scroll_score_to_the_end(pilot: object, app: object) -> list[str]:
    """Every row the score panel shows while ↓ scrolls it to its end."""
    seen: list[str] = score_lines(app)
    box = app.screen.query_one("#score")  # type: ignore[attr-defined]
    for _ in range(60):
        if box.scroll_y >= box.max_scroll_y:
            break
        await pilot.press("down")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        seen += score_lines(app)
    assert box.scroll_y == box.max_scroll_y
    return seen


async def test_80x24_reaches_both_answers_table_by_the_keys_in_the_footer(
    make_app: MakeApp,
) -> None:
    app = make_app(start_level="two-peaks-forward")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r", "c")  # reveal, answering the level's question
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        bottom = footer(app)
        for keys in ("↑↓ Score", "PgDn Text", "? Help", "q Quit", "⏎ Next", "n Again"):
            assert keys in bottom, keys
        seen = await scroll_score_to_the_end(pilot, app)
        # the 2×2 table, each row whole on one line: a name and two numbers
        rows = [line.split() for line in seen if line.split()[:1] in (["KL(p‖q)"], ["KL(q‖p)"])]
        assert {row[0] for row in rows} == {"KL(p‖q)", "KL(q‖p)"}
        assert all(len(row) == 3 for row in rows), rows
        assert "each is lowest in its own column" in "\n".join(seen)


async def test_80x24_shows_every_outcome_of_space_worms_on_one_line_each(
    make_app: MakeApp,
) -> None:
    app = make_app(start_level="space-worms")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r", "a")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        seen = await scroll_score_to_the_end(pilot, app)
        heads = [line.split() for line in seen if line.split()[:1] == ["x"]]
        assert heads and heads[0] == ["x", "p", "q", "p·log", "q·log"]  # not wrapped
        outcomes = {line.split()[0] for line in seen if line.split()}
        assert {str(teeth) for teeth in range(11)} <= outcomes  # all 11, none summed up
        assert not any(line.lstrip().startswith("+") for line in seen)


async def test_60x20_gives_the_space_worms_bars_the_larger_share(make_app: MakeApp) -> None:
    app = make_app(start_level="space-worms")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        await pilot.press("r", "a")
        await pilot.pause()
        view = app.screen.query_one("#reveal-figure", DistributionView)
        sweep = app.screen.query_one("#sweep")
        # legend and x axis take 3 rows: at least 5 rows of bars, more than the sweep
        assert view.region.height >= 8 and view.region.height > sweep.region.height


@pytest.mark.parametrize(
    ("level", "keys", "first"),
    [
        (None, [], "⏎ Play"),
        ("finale", [], "←→ Nudge"),
        ("space-worms", ["r", "a"], "⏎ Next"),
    ],
)
async def test_60_columns_keep_help_and_quit_first_in_the_footer(
    make_app: MakeApp, level: str | None, keys: list[str], first: str
) -> None:
    app = make_app(start_level=level) if level else make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        bottom = footer(app)
        assert bottom.startswith("? Help q Quit "), bottom
        assert first in bottom


async def test_the_title_footer_shows_scores_daily_and_class(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bottom = footer(app)
        for keys in ("s Scores", "d Daily", "c Class", "? Help", "q Quit"):
            assert keys in bottom, keys


async def test_a_resize_keeps_the_selected_knob_in_view(make_app: MakeApp) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*["down"] * 5)  # the sixth knob
        await pilot.pause()
        for size in [(60, 20), (120, 40), (60, 20)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            text = screen_text(app)
            assert "▶ Variance 3" in text, size
            assert "reverse KL(q‖p) · nats" in "\n".join(text.splitlines()[:3])  # the big number
        await pilot.press(*["up"] * 5)  # back to the first knob, then a taller screen and back
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.pause()
        assert "▶ Mean 1" in screen_text(app)
        assert "? Help" in footer(app) and "palette" not in footer(app)


@pytest.mark.parametrize("width", [60, 66, 72, 80])
async def test_no_footer_key_is_cut_in_half(make_app: MakeApp, width: int) -> None:
    """Keys that do not fit are left out whole (the help lists them): every
    shown key ends inside the footer, and its description is whole."""
    from textual.widgets._footer import FooterKey

    from klgame.ui.footer import KeyFooter

    app = make_app(start_level="gaussian")
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right", "r")
        for _ in range(20):
            await pilot.pause()
            if isinstance(app.screen, RevealScreen):
                break
        await pilot.pause(0.2)
        bar = app.screen.query_one(KeyFooter)
        shown = [key for key in bar.query(FooterKey) if key.display]
        assert len(shown) >= 4
        for key in shown:
            assert key.region.right <= bar.content_region.right, key.description
        bottom = footer(app)
        for key in shown:
            assert key.description in bottom, (key.description, bottom)
        hidden = [key for key in bar.query(FooterKey) if not key.display]
        assert hidden or width > 60  # 60 columns cannot hold every key


async def test_60_columns_show_the_reminders_and_the_tagline_whole(make_app: MakeApp) -> None:
    from klgame.ui.screens.title import TAGLINE
    from klgame.ui.widgets import MessageLine

    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        heading = " ".join(" ".join(screen_text(app).splitlines()[:2]).split())
        assert TAGLINE in heading
    app = make_app(start_level="space-worms")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(MessageLine)
        assert line._text() == "←/→ nudge · ↑/↓ knob · m model · r reveal · ? help"
        assert line._text() in screen_text(app)
        await pilot.press("r")
        for _ in range(30):
            await pilot.pause(0.1)
            if isinstance(app.screen, RevealScreen):
                break
        await pilot.press("escape")  # free play
        await pilot.pause()
        line = app.screen.query_one(MessageLine)
        assert line._text() == "Free play: a autopilot · n new target · r score"
        assert line._text() in screen_text(app)


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_the_heading_keeps_the_seed_at_every_width(make_app: MakeApp, width: int) -> None:
    from klgame.ui.world import World

    app = make_app(start_level="two-peaks-reverse", seed=1234567890)
    assert isinstance(app.world, World)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right", "r")
        await pilot.pause()
        await pilot.press("escape")  # free play: the heading's longest form
        await pilot.pause()
        heading = screen_text(app).splitlines()[0]
        assert "seed 1234567890 · free play" in heading, heading
        assert "…" not in heading or width < 80  # at 60 the title may be cut, not the seed
        if width >= 120:
            assert "reverse KL(q‖p) · nats" in heading
        else:
            assert "KL(q‖p)" in heading
