"""The play screen's widgets. They only display: data comes down through
reactives (bound with ``data_bind``), clicks go up as messages.

Text from level files and player names is always built as :class:`Content`
from plain strings, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import ComposeResult, RenderResult
from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Digits, Footer, Static

from klgame.core.rules import GameState
from klgame.engine.families import CategoricalFamily
from klgame.levels.model import ParamSpec
from klgame.ui.format import bar as bar_text
from klgame.ui.format import big_number, direction_label, number, param_value
from klgame.ui.messages import ParamPicked, ParamSet, ParamWheel
from klgame.ui.readout import Readout
from klgame.ui.steering import slider_cell, slider_value, snap

#: ∞ in the 3-row style of :class:`~textual.widgets.Digits`.
_BIG_INFINITY = "╭─╮ ╭─╮\n│  ╳  │\n╰─╯ ╰─╯"

_DIRECTION_STYLE = {"forward": "$text-error", "reverse": "$text-primary"}


class BigNumber(Digits):
    """Digits that can also show ∞ (a divergence is infinite when the guess
    gives no probability where the target has some)."""

    def render(self) -> RenderResult:
        if self.value == "∞":
            return Content(_BIG_INFINITY)
        return super().render()

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
        yield Static(id="other-values", markup=False)

    # what is on screen: a nudge repaints only the parts that changed
    _shape: tuple[str, int] | None = None
    _label: Content | None = None
    _others: Content | None = None

    def watch_readout(self, readout: Readout | None) -> None:
        if readout is None:
            return
        # a new layout only when the panel changes shape, not on every nudge
        shape = (readout.units, len(readout.readings))
        layout, self._shape = shape != self._shape, shape
        scoring = readout.scoring
        label = Content.assemble(
            (direction_label(scoring.direction), f"bold {_DIRECTION_STYLE[scoring.direction]}"),
            f" · {readout.units}",
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
                f" {readout.units}",
            )
            for r in readout.readings[1:]
        ]
        text = Content("\n").join(lines)
        if layout or text != self._others:
            self._others = text
            others = self.query_one("#other-values", Static)
            if layout:
                others.display = bool(lines)
            others.update(text, layout=layout)


class Meters(Widget):
    """The meters of the original post, empty at their limit: the coarse one
    linear, the fine one on a log scale with the level's star thresholds (★).

    A bar moves in eighths of a cell, so most nudges leave it as it is: the
    meters repaint only when what they show changes.
    """

    readout: reactive[Readout | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    _shown: Content | None = None

    def watch_readout(self) -> None:
        if self._content() != self._shown:
            self.refresh()

    def on_resize(self) -> None:
        self._shown = None

    def _content(self) -> Content:
        readout = self.readout
        if readout is None:
            return Content("")
        width = max(4, self.content_region.width)
        lines: list[Content] = []
        for meter in readout.meters:
            limit = f"KL < {meter.limit:.3g} {meter.units}"
            if meter.floor is not None and len(meter.label) + len(limit) + 7 <= width:
                limit += " (log)"
            gap = max(1, width - len(meter.label) - len(limit))
            lines.append(Content.assemble((meter.label, "bold"), " " * gap, (limit, "dim")))
            filled, empty = bar_text(meter.fill, width)
            style = "$text-success" if meter.fill > 0 else "$foreground-muted"
            cells: list[tuple[str, str]] = [(c, style) for c in filled]
            cells += [(c, "$foreground-muted") for c in empty]
            for mark in meter.marks:  # the star thresholds: ★ where KL earns one more
                col = min(width - 1, int(mark * width))
                cells[col] = ("★", "bold $text-warning")
            lines.append(Content.assemble(*cells))
        return Content("\n").join(lines)

    def render(self) -> RenderResult:
        self._shown = self._content()
        return self._shown


@dataclass
class _Drag:
    """A press on a slider, until the button is let go."""

    row: int
    fine: bool  # pressed on the thumb: one step per cell, from where it was
    x: int
    value: float
    sent: bool = False


class ParamPanel(Widget):
    """The guess's knobs: name, value, where it sits in its range; the
    selected one marked. A click on a name selects its knob; on a slider the
    mouse sets the value: press anywhere on the track and drag to follow the
    pointer, press on the thumb (●) and drag for one step per cell; the wheel
    over a slider nudges it one step."""

    state: reactive[GameState | None] = reactive(None, always_update=True, init=False)
    _model: int | None = None
    _drag: _Drag | None = None

    def watch_state(self, state: GameState | None) -> None:
        # the height follows the model (its number of knobs), so only a change
        # of model needs a new layout, not every nudge
        if state is None:
            return
        if state.model_index != self._model:
            self._model = state.model_index
            self.refresh(layout=True)
        # keep the selected knob in view when the side panel has to scroll
        parent = self.parent
        if isinstance(parent, Widget) and parent.max_scroll_y > 0 and self._drag is None:
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

    def render(self) -> RenderResult:
        state = self.state
        if state is None:
            return ""
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
        if isinstance(family, CategoricalFamily):
            rest = 1.0 - sum(values[name] for name in family.param_names)
            lines.append(
                Content.styled(
                    f"  Q({family.rest_name}) takes the rest: {max(rest, 0.0):.3f}", "dim"
                )
            )
        if not free:
            lines.append(Content.styled("  nothing to tune", "dim"))
        elif selected is not None:
            lines.append(
                Content.styled(
                    f"  {selected.label}: {selected.min:g} … {selected.max:g}, "
                    f"step {selected.step:g}",
                    "dim",
                )
            )
        return Content("\n").join(lines)

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


class IdentityPanel(Widget):
    """H(p, q) = H(p) + KL(p‖q), with its three numbers (discrete levels)."""

    readout: reactive[Readout | None] = reactive(None, always_update=True, init=False)

    def render(self) -> RenderResult:
        identity = self.readout.identity if self.readout is not None else None
        if identity is None:
            return ""
        units = self.readout.units if self.readout is not None else ""
        return Content.assemble(
            ("H(p,q)", "bold"),
            " = ",
            ("H(p)", "bold"),
            " + ",
            ("KL(p‖q)", f"bold {_DIRECTION_STYLE['forward']}"),
            "\n",
            number(identity.cross_entropy, 3),
            " = ",
            number(identity.entropy, 3),
            " + ",
            (number(identity.kl, 3), _DIRECTION_STYLE["forward"]),
            f" {units}",
        )


class MessageLine(Widget):
    """The state's line of feedback, or a reminder of what to do (repainted
    only when the line changes, not on every nudge)."""

    state: reactive[GameState | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    _shown: str | None = None

    def watch_state(self) -> None:
        if self._text() != self._shown:
            self.refresh()

    def _text(self) -> str:
        state = self.state
        if state is None:
            return ""
        if state.message:
            return state.message
        if state.revealed:
            return "Free play: a = autopilot step, n = new target, r = score again."
        model = " · m model" if len(state.level.models) > 1 else ""
        return f"←/→ nudge · ↑/↓ choose a knob{model} · r reveal · ? help"

    def render(self) -> RenderResult:
        self._shown = self._text()
        return Content(self._shown)


def plain(text: Any) -> Content:
    """Text from a level file or a player, shown exactly as written."""
    return Content(str(text))


class KeyFooter(Footer):
    """The footer; on narrow screens the command palette's key gives way first
    (the help lists it), so the game's keys stay on it."""

    def on_resize(self) -> None:
        self.show_command_palette = self.size.width >= 100
