"""LinesWidget: each row rendered on its own is the row the whole text gives,
and a change repaints only the rows that changed."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.visual import Visual

from klgame.ui.lines import LinesWidget

LINES = [
    Content.styled("Mean", "bold"),
    Content.assemble(
        ("▶ ", "bold $text-accent"), ("σ²", "$text-accent"), " 1.00 ", ("├──●┤", "dim")
    ),
    Content.assemble(("██████▍", "$text-success"), ("░░░", "$foreground-muted"), ("★", "bold")),
    Content(""),
    Content.styled("  step 0.1", "dim"),
]


class Panel(LinesWidget):
    DEFAULT_CSS = "Panel { height: auto; width: 24; padding: 0 1; }"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Panel()


def whole(panel: Panel) -> list[object]:
    """The rows as Textual renders the whole text at once."""
    width = panel.size.width
    text = Content("\n").join(panel.lines)
    return list(Visual.to_strips(panel, text, width, panel.size.height, panel.visual_style))


async def test_rows_rendered_alone_are_the_rows_of_the_whole_text() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        panel = app.query_one(Panel)
        panel.show(LINES)
        await pilot.pause()
        assert panel.size.height == len(LINES)
        rows = [panel.render_line(y) for y in range(len(LINES))]
        assert rows == whole(panel)
        assert [row.text for row in rows] == [line.plain for line in LINES]


async def test_a_change_repaints_only_its_row(monkeypatch) -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        panel = app.query_one(Panel)
        panel.show(LINES)
        await pilot.pause()
        refreshed: list[tuple[tuple[Region, ...], bool]] = []
        original = panel.refresh

        def spy(*regions: Region, **kwargs: bool) -> LinesWidget:
            refreshed.append((regions, kwargs.get("layout", False)))
            return original(*regions, **kwargs)

        monkeypatch.setattr(panel, "refresh", spy)
        changed = list(LINES)
        changed[2] = Content.assemble(("███████", "$text-success"), ("░░░", "$foreground-muted"))
        panel.show(changed)
        assert refreshed == [((Region(0, 2, panel.size.width, 1),), False)]
        panel.show(changed)  # the same lines again: nothing to repaint
        assert len(refreshed) == 1
        await pilot.pause()
        assert panel.render_line(2).text == changed[2].plain
        assert [panel.render_line(y) for y in range(len(LINES))] == whole(panel)
        panel.show([*changed, Content("one more")])  # a new row: a new height
        assert refreshed[-1] == ((), True)
        await pilot.pause()
        assert panel.size.height == len(LINES) + 1


async def test_a_line_too_wide_wraps_as_the_whole_text_would() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        panel = app.query_one(Panel)
        panel.show([Content("a line much wider than the twenty-two cells"), Content("next")])
        await pilot.pause()
        assert panel.size.height == 3  # the first line takes two rows
        rows = [panel.render_line(y) for y in range(panel.size.height)]
        assert rows == whole(panel)
        assert rows[2].text.rstrip() == "next"


async def test_lines_drawn_from_their_pieces_are_the_rows_of_the_whole_text(monkeypatch) -> None:
    from textual.style import Style

    lines = [
        *LINES,
        Content("overlapping spans").stylize("bold", 0, 11).stylize("$text-accent", 5, 17),
        Content.assemble(("dim ", "dim"), ("italic", "italic $warning"), " plain", (" ", "u")),
        Content.assemble(("a style object", Style(bold=True))),  # not a name: Textual's way
        Content("a\ttab"),  # a tab to expand: Textual's way
        Content.styled("", "bold"),
    ]
    app = Host()
    async with app.run_test(size=(40, 14)) as pilot:
        panel = app.query_one(Panel)
        panel.show(lines)
        await pilot.pause()
        drawn: list[int] = []
        original = Panel._line_strip

        def counted(self: Panel, line: Content, y: int, style: object) -> object:
            drawn.append(y)
            return original(self, line, y, style)  # type: ignore[arg-type]

        monkeypatch.setattr(Panel, "_line_strip", counted)
        panel._strips.clear()
        rows = [panel.render_line(y) for y in range(len(lines))]
        assert rows == whole(panel)
        assert drawn == [y for y in range(len(lines)) if y not in (len(LINES) + 2, len(LINES) + 3)]
