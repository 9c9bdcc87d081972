"""Every key of the game, declared once.

These tables are the screens' ``BINDINGS``; the footer, the help screen and
the command palette all read them, so a key is never described twice. Each
binding calls a parametrised action (``nudge(1, 'step')``) and has an ``id``
(for keymaps) and a tooltip (the help screen's and the palette's text).

Only quit has ``priority``: it must work on every screen, modal ones too.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType
from textual.keys import format_key

NUDGE = Binding.Group("Nudge", compact=True)
SELECT = Binding.Group("Param", compact=True)
LEVEL = Binding.Group("Level", compact=True)
SCORE = Binding.Group("Score", compact=True)

#: On every screen.
APP_KEYS: list[BindingType] = [
    Binding(
        "q",
        "quit",
        "Quit",
        tooltip="Quit klgame (asks first if an attempt is under way)",
        priority=True,
        id="quit",
    ),
    Binding(
        "question_mark",
        "help",
        "Help",
        key_display="?",
        tooltip="Keys, what KL divergence is, and this level's direction",
        id="help",
    ),
]

#: The level's text (the intro while playing, the lesson after the reveal):
#: page keys, which no play key uses, scroll it; ``t`` opens all of it.
TEXT_KEYS: list[BindingType] = [
    Binding(
        "pagedown",
        "scroll_text(1)",
        "Text",
        key_display="PgDn",
        tooltip="Scroll the level's text down a page",
        id="text-down",
    ),
    Binding(
        "pageup",
        "scroll_text(-1)",
        "Text back",
        key_display="PgUp",
        tooltip="Scroll the level's text up a page",
        show=False,
        id="text-up",
    ),
    Binding(
        "end",
        "scroll_text(99)",
        "Text end",
        tooltip="Scroll to the end of the level's text",
        show=False,
        id="text-end",
    ),
    Binding(
        "home",
        "scroll_text(-99)",
        "Text start",
        tooltip="Scroll back to the start of the level's text",
        show=False,
        id="text-start",
    ),
    Binding(
        "t",
        "open_text",
        "Level text",
        tooltip="Read the level's whole text in a window of its own",
        show=False,
        id="level-text",
    ),
]

#: The play screen.
PLAY_KEYS: list[BindingType] = [
    Binding(
        "left,h",
        "nudge(-1, 'step')",
        "Nudge down",
        key_display="←",
        tooltip="Move the selected parameter down by one step",
        group=NUDGE,
        id="nudge-down",
    ),
    Binding(
        "right,l",
        "nudge(1, 'step')",
        "Nudge up",
        key_display="→",
        tooltip="Move the selected parameter up by one step",
        group=NUDGE,
        id="nudge-up",
    ),
    Binding(
        "shift+left",
        "nudge(-1, 'big')",
        "Big step down",
        key_display="⇧←",
        tooltip="Move the selected parameter down by a big step",
        show=False,
        id="nudge-down-big",
    ),
    Binding(
        "shift+right",
        "nudge(1, 'big')",
        "Big step up",
        key_display="⇧→",
        tooltip="Move the selected parameter up by a big step",
        show=False,
        id="nudge-up-big",
    ),
    Binding(
        "left_square_bracket",
        "nudge(-1, 'fine')",
        "Fine step down",
        key_display="[",
        tooltip="Move the selected parameter down by a tenth of a step",
        show=False,
        id="nudge-down-fine",
    ),
    Binding(
        "right_square_bracket",
        "nudge(1, 'fine')",
        "Fine step up",
        key_display="]",
        tooltip="Move the selected parameter up by a tenth of a step",
        show=False,
        id="nudge-up-fine",
    ),
    Binding(
        "up,k",
        "select(-1)",
        "Previous parameter",
        key_display="↑",
        tooltip="Select the previous parameter",
        group=SELECT,
        id="select-previous",
    ),
    Binding(
        "down,j",
        "select(1)",
        "Next parameter",
        key_display="↓",
        tooltip="Select the next parameter",
        group=SELECT,
        id="select-next",
    ),
    Binding(
        "tab",
        "select(1)",
        "Next parameter",
        tooltip="Select the next parameter",
        show=False,
        id="select-next-tab",
    ),
    Binding(
        "shift+tab",
        "select(-1)",
        "Previous parameter",
        tooltip="Select the previous parameter",
        show=False,
        id="select-previous-tab",
    ),
    Binding(
        "m",
        "switch_model",
        "Model",
        tooltip="Switch the guess to the next model family",
        id="switch-model",
    ),
    Binding("r", "reveal", "Reveal", tooltip="Reveal the target and see your score", id="reveal"),
    Binding(
        "n",
        "restart",
        "New target",
        tooltip="Start again with a new hidden target",
        show=False,
        id="restart",
    ),
    Binding("u,ctrl+z", "undo", "Undo", tooltip="Undo the last change", id="undo"),
    Binding("ctrl+y", "redo", "Redo", tooltip="Redo what was undone", show=False, id="redo"),
    Binding(
        "b",
        "toggle_units",
        "Bits/nats",
        tooltip="Show divergences in bits or in nats",
        show=False,
        id="toggle-units",
    ),
    Binding(
        "g",
        "hint",
        "Hint",
        tooltip="Which knob to move, and which way (costs points before the reveal)",
        show=False,
        id="hint",
    ),
    Binding(
        "a",
        "autopilot",
        "Autopilot",
        tooltip="One optimiser step downhill from your guess",
        id="autopilot",
    ),
    Binding(
        "i",
        "integrand",
        "Integrand",
        tooltip="Show where the divergence comes from (a hint before the reveal)",
        show=False,
        id="integrand",
    ),
    Binding(
        "c",
        "cousins",
        "Cousins",
        tooltip="KL beside Jensen–Shannon, Hellinger and total variation, for your guess",
        show=False,
        id="cousins",
    ),
    Binding(
        "e",
        "estimate",
        "Estimate",
        tooltip=(
            "Estimate the scoring divergence (KL, or the cousin a level is scored by) "
            "from 10, 100, 1,000, 10,000 samples (again: more)"
        ),
        show=False,
        id="estimate",
    ),
    Binding(
        "v",
        "landscape",
        "Landscape",
        tooltip="The divergence over two knobs, with your path and every low point "
        "(a hint before the reveal)",
        show=False,
        id="landscape",
    ),
    Binding(
        "escape",
        "back",
        "Levels",
        tooltip="Back to the level list (an open estimate or cousins panel closes first)",
        show=False,
        id="back",
    ),
    *TEXT_KEYS,
]

#: The landscape view.
LANDSCAPE_KEYS: list[BindingType] = [
    Binding(
        "x", "axis('x')", "Next x knob", tooltip="Put the next knob on the x axis", id="landscape-x"
    ),
    Binding(
        "y", "axis('y')", "Next y knob", tooltip="Put the next knob on the y axis", id="landscape-y"
    ),
    Binding("escape,v", "close", "Close", key_display="esc", id="landscape-close"),
]

#: The reveal / score screen.
REVEAL_KEYS: list[BindingType] = [
    Binding("enter", "next_level", "Next", tooltip="Play the next level", id="next-level"),
    Binding("n", "try_again", "Again", tooltip="Same level, a new hidden target", id="try-again"),
    Binding(
        "escape",
        "keep_playing",
        "Free play",
        tooltip="Back to this target in free play: the autopilot (a) is unlocked",
        id="keep-playing",
    ),
    Binding(
        "up,k",
        "scroll_score(-1)",
        "Score up",
        key_display="↑",
        tooltip="Scroll the score and its tables up",
        group=SCORE,
        id="score-up",
    ),
    Binding(
        "down,j",
        "scroll_score(1)",
        "Score down",
        key_display="↓",
        tooltip="Scroll the score and its tables down",
        group=SCORE,
        id="score-down",
    ),
    # the views of free play open from here too (the reveal closes first);
    # the same ids as on the play screen, so a keymap moves both
    Binding("v", "open_view('landscape')", "Landscape", show=False, id="landscape"),
    Binding("c", "open_view('cousins')", "Cousins", show=False, id="cousins"),
    Binding("e", "open_view('estimate')", "Estimate", show=False, id="estimate"),
    *TEXT_KEYS,
]

#: The level list.
TITLE_KEYS: list[BindingType] = [
    Binding("enter", "play", "Play", tooltip="Play the highlighted level", id="play"),
    Binding(
        "up,k",
        "move(-1)",
        "Previous level",
        key_display="↑",
        tooltip="Highlight the previous level",
        group=LEVEL,
        id="level-previous",
    ),
    Binding(
        "down,j",
        "move(1)",
        "Next level",
        key_display="↓",
        tooltip="Highlight the next level",
        group=LEVEL,
        id="level-next",
    ),
]

#: Help and other pop-ups.
CLOSE_KEYS: list[BindingType] = [
    Binding("escape,question_mark", "close", "Close", key_display="esc", id="close"),
]

#: A yes/no question.
CONFIRM_KEYS: list[BindingType] = [
    Binding("y", "answer(True)", "Yes", id="yes"),
    Binding("n,escape", "answer(False)", "No", id="no"),
]

#: The level's whole text, in a window of its own.
READ_KEYS: list[BindingType] = [
    Binding("escape,t", "close", "Close", key_display="esc", id="close-text"),
]


def keys_label(binding: Binding, keymap: Mapping[str, str] | None = None) -> str:
    """Every key of a binding, for the help screen: ``← / h``; the player's
    own keys where the keymap has the binding's id."""
    chosen = (keymap or {}).get(binding.id or "")
    if chosen is not None:
        return " / ".join(_key_display(key.strip()) for key in chosen.split(","))
    keys = [key.strip() for key in binding.key.split(",")]
    shown = [binding.key_display or _key_display(keys[0])]
    shown += [_key_display(key) for key in keys[1:]]
    return " / ".join(shown)


def _key_display(key: str) -> str:
    *modifiers, name = key.split("+")
    text = format_key(name)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        text = "^" + text
    return "+".join([*modifiers, text])
