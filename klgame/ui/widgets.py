"""The play screen's widgets. They only display: data comes down through
reactives (bound with ``data_bind``), clicks go up as messages.

Text from level files and player names is always built as :class:`Content`
from plain strings, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult, RenderResult
from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.renderables.digits import Digits as DigitsRenderable
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Digits, Static

from klgame.core.rules import GameState
from klgame.engine.families import CategoricalFamily
from klgame.levels.model import ParamSpec
from klgame.ui.format import bar as bar_text
from klgame.ui.format import big_number, direction_label, number, param_value
from klgame.ui.lines import LinesWidget
from klgame.ui.messages import ParamPicked, ParamSet, ParamWheel
from klgame.ui.readout import Readout
from klgame.ui.ready import ready_lines
from klgame.ui.steering import slider_cell, slider_value, snap

#: ∞ in the 3-row style of :class:`~textual.widgets.Digits`.
_BIG_INFINITY = "╭─╮ ╭─╮\n│  ╳  │\n╰─╯ ╰─╯"

_DIRECTION_STYLE = {
    "forward": "$text-error",
    "reverse": "$text-primary",
    "jensen-shannon": "$text-accent",
    "hellinger": "$text-accent",
    "total-variation": "$text-accent",
}


def fitting(widget: Widget, *variants: str) -> str:
    """The first (longest) wording as wide as ``widget`` at most; the last if
    none is (before layout, the first)."""
    width = widget.content_region.width or 10**6
    return next((text for text in variants if len(text) <= width), variants[-1])


class BigNumber(Digits):
    """Digits that can also show ∞ (a divergence is infinite when the guess
    gives no probability where the target has some).

    Its three rows are made straight from the digits' glyphs: the same strips
    as Digits renders through Rich (``tests/ui/test_big_number.py``), at a
    fraction of the cost, since the number changes on every nudge.
    """

    _rows: tuple[tuple[str, int, Style], list[Strip]] | None = None
    _style: Style | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None

    def render(self) -> RenderResult:
        if self.value == "∞":
            return Content(_BIG_INFINITY)
        return super().render()

    def render_lines(self, crop: Region) -> list[Strip]:
        # its rows are finished strips: no copy through the styles cache
        return ready_lines(self, crop) or super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        if self.value == "∞" or self.text_selection is not None or not 0 <= y < 3:
            return super().render_line(y)
        self._dirty_regions.clear()  # what Widget.render_line would have rendered
        if self._style is None:  # rich_style walks the ancestors: once, not per row
            self._style = self.rich_style
        style = self._style
        key = (self.value, self.size.width, style)
        if self._rows is None or self._rows[0] != key:
            self._rows = (key, self._make_rows(style, self.size.width))
        return self._rows[1][y]

    def _make_rows(self, style: Style, width: int) -> list[Strip]:
        # Digits.render: the glyphs in the style plus the offset meta, padded
        # by Align in the plain style, the widget's style applied over both
        base = self.visual_style.rich_style
        digits = DigitsRenderable(self.value, style)
        glyph_style = base + (style + Style(meta={"offset": (0, 0)}))
        pieces = [piece for piece in digits.render(style) if isinstance(piece, Segment)]
        rows = [piece.text for piece in pieces if piece.text != "\n"]
        align = self.styles.text_align
        strips = []
        for row in rows:
            excess = max(0, width - cell_len(row))
            left = excess // 2 if align == "center" else excess if align == "right" else 0
            segments = [Segment(" " * left, base + style)] if left else []
            segments.append(Segment(row, glyph_style))
            if excess - left:
                segments.append(Segment(" " * (excess - left), base + style))
            strips.append(Strip(segments).crop(0, width))
        return strips

    def get_content_width(self, container: Size, viewport: Size) -> int:
        # Digits sizes itself for one 3-cell digit here; the glyph is wider
        if self.value == "∞":
            return len(_BIG_INFINITY.splitlines()[0])
        return super().get_content_width(container, viewport)


class DivergencePanel(Widget):
    """The live divergence: the scored direction large, the others below,
    each in its own colour (forward red, reverse blue) and always labelled."""

    readout: reactive[Readout | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )

    def compose(self) -> ComposeResult:
        yield Static(id="scoring-label", markup=False)
        yield BigNumber(id="scoring-value")
        yield LinesWidget(id="other-values")

    # what is on screen: a nudge repaints only the parts that changed
    _shape: tuple[str, int] | None = None
    _label: Content | None = None

    def watch_readout(self, readout: Readout | None) -> None:
        if readout is None:
            return
        # a new layout only when the panel changes shape, not on every nudge
        shape = (readout.units, len(readout.readings))
        layout, self._shape = shape != self._shape, shape
        scoring = readout.scoring
        label = Content.assemble(
            (direction_label(scoring.direction), f"bold {_DIRECTION_STYLE[scoring.direction]}"),
            f" · {scoring.units or 'no units'}",
        )
        if layout or label != self._label:
            self._label = label
            self.query_one("#scoring-label", Static).update(label, layout=layout)
        value = self.query_one("#scoring-value", BigNumber)
        value.set_class(scoring.direction == "forward", "-forward")
        value.set_class(scoring.direction == "reverse", "-reverse")
        value.update(big_number(scoring.value))
        lines = [
            Content.assemble(
                (direction_label(r.direction), _DIRECTION_STYLE[r.direction]),
                " ",
                (number(r.value), f"bold {_DIRECTION_STYLE[r.direction]}"),
                f" {r.units}" if r.units else "",
            )
            for r in readout.readings[1:]
        ]
        others = self.query_one("#other-values", LinesWidget)
        if layout:
            others.display = bool(lines)
        others.show(lines)  # repaints only a line that changed


class Meters(LinesWidget):
    """The meters of the original post, empty at their limit: the coarse one
    linear, the fine one on a log scale; after the reveal the fine one
    measures the excess over D*, with the level's star thresholds (★).

    A bar moves in eighths of a cell, so most nudges leave it as it is: only
    the rows that change are repainted.
    """

    readout: reactive[Readout | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )

    def watch_readout(self) -> None:
        self.show(self._make(self.readout, max(4, self.content_region.width)))

    def on_resize(self) -> None:
        self.watch_readout()

    @staticmethod
    def _make(readout: Readout | None, width: int) -> list[Content]:
        if readout is None:
            return []
        lines: list[Content] = []
        for meter in readout.meters:
            units = meter.units[:-1] if meter.limit == 1 and meter.units else meter.units
            limit = f"{meter.measures} < {meter.limit:.3g}" + (f" {units}" if units else "")
            if meter.floor is not None and len(meter.label) + len(limit) + 7 <= width:
                limit += " (log)"
            gap = max(1, width - len(meter.label) - len(limit))
            lines.append(Content.assemble((meter.label, "bold"), " " * gap, (limit, "dim")))
            filled, empty = bar_text(meter.fill, width)
            style = "$text-success" if meter.fill > 0 else "$foreground-muted"
            chars = list(filled + empty)
            styles = [style] * len(filled) + ["$foreground-muted"] * len(empty)
            for mark in meter.marks:  # the star thresholds: ★ where KL earns one more
                col = min(width - 1, int(mark * width))
                chars[col], styles[col] = "★", "bold $text-warning"
            # one span per run of a style, not one per cell: far less to render
            runs: list[tuple[str, str]] = []
            start = 0
            for end in range(1, len(chars) + 1):
                if end == len(chars) or styles[end] != styles[start]:
                    runs.append(("".join(chars[start:end]), styles[start]))
                    start = end
            lines.append(Content.assemble(*runs))
        return lines


@dataclass
class _Drag:
    """A press on a slider, until the button is let go."""

    row: int
    fine: bool  # pressed on the thumb: one step per cell, from where it was
    x: int
    value: float
    sent: bool = False


class ParamPanel(LinesWidget):
    """The guess's knobs: name, value, where it sits in its range; the
    selected one marked. A click on a name selects its knob; on a slider the
    mouse sets the value: press anywhere on the track and drag to follow the
    pointer, press on the thumb (●) and drag for one step per cell; the wheel
    over a slider nudges it one step."""

    # a nudge repaints only the rows that change (the knob's value and slider)
    state: reactive[GameState | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    _drag: _Drag | None = None

    def on_resize(self) -> None:
        self.show(self._make())

    def watch_state(self, state: GameState | None) -> None:
        # the height follows the number of lines (the model's knobs): show()
        # lays out again only when that changes, not on every nudge
        self.show(self._make())
        if state is None:
            return
        if self._drag is None:
            self.keep_selected_in_view()

    def keep_selected_in_view(self) -> None:
        """Scroll the side panel, when it has to scroll, so the selected knob
        shows with a row either side (after a nudge, a new selection or a resize)."""
        state = self.state
        parent = self.parent
        if state is None or not isinstance(parent, Widget) or parent.max_scroll_y <= 0:
            return
        row = self.virtual_region.y + 1 + state.selected
        parent.scroll_to_region(Region(0, row - 1, 1, 3), animate=False, immediate=True)

    def _track(self, spec: ParamSpec, value: float) -> tuple[int, int, str]:
        """(first cell of the slider's track, its width, the value's text) for a row."""
        width = max(10, self.content_region.width)
        free = self.state.free_params if self.state is not None else ()
        label_width = max((len(p.label) for p in free), default=0)
        text = param_value(value, spec.step).rjust(7)
        track = max(3, width - 2 - label_width - len(text) - 4)
        return 2 + label_width + 1 + len(text) + 2, track, text

    def _make(self) -> list[Content]:
        state = self.state
        if state is None:
            return []
        lines: list[Content] = [Content.styled(state.model.title, "bold")]
        values = state.current_values
        free = state.free_params
        selected = state.selected_param
        label_width = max((len(spec.label) for spec in free), default=0)
        for spec in free:
            mark = "▶ " if spec is selected else "  "
            _, track, text = self._track(spec, values[spec.name])
            position = slider_cell(spec, values[spec.name], track)
            slider = "─" * position + "●" + "─" * (track - 1 - position)
            style = "bold $text-accent" if spec is selected else ""
            lines.append(
                Content.assemble(
                    (mark, style),
                    (spec.label.ljust(label_width), style),
                    " ",
                    (text, style),
                    " ",
                    (
                        "├" + slider + "┤",
                        "$text-accent" if spec is selected else "$foreground-muted",
                    ),
                )
            )
        family = state.model.family

        # the notes below the sliders take a shorter wording where the column
        # is narrow, so a number is never the part cut off
        def fit(*variants: str) -> Content:
            return Content.styled(fitting(self, *variants), "dim")

        if isinstance(family, CategoricalFamily):
            rest = f"{max(1.0 - sum(values[name] for name in family.param_names), 0.0):.3f}"
            name = family.rest_name
            lines.append(fit(f"  Q({name}) takes the rest: {rest}", f"  Q({name}) = {rest}"))
        if not free:
            lines.append(Content.styled("  nothing to tune", "dim"))
        elif selected is not None:
            low, high, step = f"{selected.min:g}", f"{selected.max:g}", f"{selected.step:g}"
            lines.append(
                fit(
                    f"  {selected.label}: {low} … {high}, step {step}",
                    f"  {low} … {high}, step {step}",
                    f"  {low}…{high} by {step}",
                )
            )
        return lines

    def _knob_at(self, y: int) -> tuple[int, ParamSpec, float] | None:
        state = self.state
        row = y - 1  # the first row is the model's title
        if state is None or not 0 <= row < len(state.free_params):
            return None
        spec = state.free_params[row]
        return row, spec, state.current_values[spec.name]

    def on_click(self, event: events.Click) -> None:
        knob = self._knob_at(event.y)
        if knob is not None:
            self.post_message(ParamPicked(knob[0]))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        knob = self._knob_at(event.y)
        if knob is None:
            return
        row, spec, value = knob
        first, track, _ = self._track(spec, value)
        cell = event.x - first
        if not -1 <= cell <= track:  # on the name or the number: a click selects
            return
        fine = cell == slider_cell(spec, value, track)
        self._drag = _Drag(row, fine, event.x, value)
        self.capture_mouse()
        if not fine:
            self._send(slider_value(spec, cell, track))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        drag = self._drag
        state = self.state
        if drag is None or state is None:
            return
        spec = state.free_params[drag.row]
        if drag.fine:
            value = snap(spec, drag.value + (event.x - drag.x) * spec.step)
        else:
            first, track, _ = self._track(spec, state.current_values[spec.name])
            value = slider_value(spec, event.x - first, track)
        if value != state.current_values[spec.name]:
            self._send(value)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag is not None:
            self._drag = None
            self.release_mouse()

    def _send(self, value: float) -> None:
        drag = self._drag
        assert drag is not None
        self.post_message(ParamSet(drag.row, value, continues=drag.sent))
        drag.sent = True

    def _wheel(self, event: events.MouseEvent, sign: int) -> None:
        knob = self._knob_at(event.y)
        if knob is not None:
            event.stop()
            event.prevent_default()  # the wheel turns the knob, not the panel
            self.post_message(ParamWheel(knob[0], sign))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, 1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, -1)


class IdentityPanel(LinesWidget):
    """H(p, q) = H(p) + KL(p‖q), with its three numbers (discrete levels);
    a nudge repaints only the row of numbers."""

    readout: reactive[Readout | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )

    def watch_readout(self, readout: Readout | None) -> None:
        identity = readout.identity if readout is not None else None
        if readout is None or identity is None:
            self.show([Content("")])
            return
        self.show(
            [
                Content.assemble(
                    ("H(p,q)", "bold"),
                    " = ",
                    ("H(p)", "bold"),
                    " + ",
                    ("KL(p‖q)", f"bold {_DIRECTION_STYLE['forward']}"),
                ),
                Content.assemble(
                    number(identity.cross_entropy, 3),
                    " = ",
                    number(identity.entropy, 3),
                    " + ",
                    (number(identity.kl, 3), _DIRECTION_STYLE["forward"]),
                    f" {readout.units}",
                ),
            ]
        )


class MessageLine(Widget):
    """The state's line of feedback, or a reminder of what to do (repainted
    only when the line changes, not on every nudge)."""

    state: reactive[GameState | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    _shown: str | None = None
    watching = False  # a replay plays itself: no play keys to remind of

    def watch_state(self) -> None:
        if self._text() != self._shown:
            self.refresh()

    def _text(self) -> str:
        state = self.state
        if state is None:
            return ""
        if state.message:
            return state.message
        if self.watching:
            return self._fit(
                "Watching a replay: it plays itself · PgDn text · ? help · q quit",
                "Watching a replay · PgDn text · ? help · q quit",
            )
        if state.revealed:
            return self._fit(
                "Free play: a = autopilot step, n = new target, r = your score.",
                "Free play: a autopilot · n new target · r score",
            )
        model = " · m model" if len(state.level.models) > 1 else ""
        return self._fit(
            f"←/→ nudge · ↑/↓ choose a knob{model} · r reveal · ? help",
            f"←/→ nudge · ↑/↓ knob{model} · r reveal · ? help",
        )

    def _fit(self, *variants: str) -> str:
        return fitting(self, *variants)

    def on_resize(self) -> None:
        if self._text() != self._shown:
            self.refresh()

    def render(self) -> RenderResult:
        self._shown = self._text()
        return Content(self._shown)


def plain(text: Any) -> Content:
    """Text from a level file or a player, shown exactly as written."""
    return Content(str(text))
