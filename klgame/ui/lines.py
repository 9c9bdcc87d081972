"""A widget of lines that repaints only the lines that changed.

Textual renders a widget's whole :class:`Content` again on every refresh, and
sends every row of it; for a side panel where a nudge changes one number that
is most of the cost of a key press. :class:`LinesWidget` keeps one rendered
strip per line and refreshes only the rows whose content changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual.app import RenderResult
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual
from textual.widget import Widget

from klgame.ui.ready import ready_lines


class LinesWidget(Widget):
    """Shows ``show(lines)``: one :class:`Content` per row, top-left aligned.

    Each line is rendered on its own (the same strip as the whole text would
    give, see ``tests/ui/test_lines.py``) and kept until it, the width or the
    style changes. A line too wide for the widget would wrap and move the rows
    below it, so then, as while text is selected, the whole text is rendered
    the ordinary way.
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._lines: tuple[Content, ...] = ()
        self._text: Content | None = None
        # row -> (its line, width, style, strip)
        self._strips: dict[int, tuple[Content, int, object, Strip]] = {}

    @property
    def lines(self) -> tuple[Content, ...]:
        return self._lines

    def show(self, lines: Sequence[Content]) -> None:
        """Show these lines; repaint only those that differ from the last ones."""
        new, old = tuple(lines), self._lines
        if new == old:
            return
        width = self.size.width
        if len(new) != len(old):
            self._lines, self._text = new, None
            self.refresh(layout=True)
        elif not (self._fits(width) and self._fits(width, new)):
            # a line wraps: the whole text is rendered, and laid out if it
            # now takes more or fewer rows
            rows = self._rows(width)
            self._lines, self._text = new, None
            self.refresh(layout=self._rows(width) != rows)
        else:
            self._lines, self._text = new, None
            self.refresh(
                *(
                    Region(0, y, width, 1)
                    for y, (was, now) in enumerate(zip(old, new, strict=True))
                    if was != now
                )
            )

    def _fits(self, width: int, lines: Sequence[Content] | None = None) -> bool:
        return all(line.cell_length <= width for line in (self._lines if lines is None else lines))

    def _rows(self, width: int) -> int:
        text = self.render()
        assert isinstance(text, Content)
        return text.get_height(self.styles, width)  # type: ignore[arg-type]  # as Widget does

    def render(self) -> RenderResult:
        # the whole text: what sizes the widget, and the fallback rendering
        if self._text is None:
            self._text = Content("\n").join(self._lines)
        return self._text

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # each row is a finished strip: no copy through the styles cache
        return ready_lines(self, crop) or super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.text_selection is not None or not self._fits(width):
            self._strips.clear()
            return super().render_line(y)
        self._dirty_regions.clear()  # what Widget.render_line would have rendered
        style = self.visual_style
        if y >= len(self._lines):
            return Strip.blank(width, style.rich_style)
        line = self._lines[y]
        kept = self._strips.get(y)
        if kept is not None and kept[1] == width and kept[2] == style and kept[0] == line:
            return kept[3]
        if self._plain_layout() and _simple(line):
            strip = self._line_strip(line, y, style)
        else:
            strips = Visual.to_strips(self, line, width, 1, style)
            strip = strips[0] if strips else Strip.blank(width, style.rich_style)
            if y:  # where each cell sits in the whole text (text selection reads it)
                strip = strip.apply_offsets(0, y)
        self._strips[y] = (line, width, style, strip)
        return strip

    def _plain_layout(self) -> bool:
        """Left-aligned at the top, no line padding: a line that fits is drawn as it is."""
        styles = self.styles
        return (
            styles.text_align in ("left", "start")
            and not styles.line_pad
            and styles.content_align == ("left", "top")
        )

    def _line_strip(self, line: Content, y: int, style: VisualStyle) -> Strip:
        """Row ``y``: what ``Visual.to_strips`` makes of a line that fits the
        width, has no tab and no link (no wrapping, truncating or aligning to
        do), built straight from its styled pieces; each piece carries its
        place in the whole text, as there (text selection reads it)."""
        segments = []
        x = 0
        for text, text_style in line.render(style, end="", parse_style=self._get_style):
            segments.append(Segment(text, (style + text_style).rich_style_with_offset(x, y)))
            x += len(text)
        return Strip(segments, line.cell_length)


def _simple(line: Content) -> bool:
    """No tab to expand and only style names and colours in its spans (an
    action or a link is styled differently on screen)."""
    return "\t" not in line.plain and all(
        isinstance(span.style, str) and "@" not in span.style and "link" not in span.style
        for span in line.spans
    )
