"""Everything a player can do, as small immutable values.

The terminal UI turns keys into these; replays store them one per line; the
rules apply them. Each action carries ``t``: seconds since the attempt began,
supplied by whoever creates it (the rules never read a clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Literal

NudgeSize = Literal["step", "big", "fine"]
NUDGE_SIZES: tuple[NudgeSize, ...] = ("step", "big", "fine")


class ActionError(ValueError):
    """An action that cannot be built from the given data."""


@dataclass(frozen=True)
class Action:
    """Base class; ``name`` is the word used in replay files."""

    name: ClassVar[str] = ""
    t: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round(self.t, 3), "action": self.name}
        for item in fields(self):
            if item.name != "t":
                out[item.name] = getattr(self, item.name)
        return out

    def at(self, t: float) -> Action:
        return replace(self, t=t)


@dataclass(frozen=True)
class Select(Action):
    """Select the next (+1) or previous (−1) free parameter."""

    name: ClassVar[str] = "select"
    delta: int = 1


#: The most steps one nudge may take (a held key speeds up to a few at once).
MAX_TIMES = 100


@dataclass(frozen=True)
class Nudge(Action):
    """Move the selected parameter by ± one step, big step or tenth of a step,
    ``times`` over (a held key nudges several steps at once: one move)."""

    name: ClassVar[str] = "nudge"
    sign: int = 1
    size: NudgeSize = "step"
    times: int = 1

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        if self.times == 1:
            del out["times"]  # as version 1 wrote it
        return out


@dataclass(frozen=True)
class Set(Action):
    """Set one parameter of the current model to ``value`` and select it (the
    mouse on a slider). ``continues`` marks the later values of one drag: the
    drag is one move and one undo step, however far it goes."""

    name: ClassVar[str] = "set"
    param: str = ""
    value: float = 0.0
    continues: bool = False

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        if not self.continues:
            del out["continues"]
        return out


@dataclass(frozen=True)
class SwitchModel(Action):
    """Switch to the next model family (discrete levels with several)."""

    name: ClassVar[str] = "switch_model"
    delta: int = 1


@dataclass(frozen=True)
class Reveal(Action):
    name: ClassVar[str] = "reveal"


@dataclass(frozen=True)
class Restart(Action):
    """A new attempt with a new target, drawn from the next seed."""

    name: ClassVar[str] = "restart"


@dataclass(frozen=True)
class Undo(Action):
    name: ClassVar[str] = "undo"


@dataclass(frozen=True)
class Redo(Action):
    name: ClassVar[str] = "redo"


@dataclass(frozen=True)
class ToggleUnits(Action):
    name: ClassVar[str] = "toggle_units"


@dataclass(frozen=True)
class Hint(Action):
    name: ClassVar[str] = "hint"


@dataclass(frozen=True)
class ToggleIntegrand(Action):
    """Show or hide where the divergence comes from (its pointwise integrand)."""

    name: ClassVar[str] = "integrand"


@dataclass(frozen=True)
class ToggleCousins(Action):
    """Show or hide KL beside its cousins (Jensen–Shannon, Hellinger, total variation)."""

    name: ClassVar[str] = "cousins"


@dataclass(frozen=True)
class Landscape(Action):
    """Look at the divergence landscape (before the reveal a hint: it shows the low ground)."""

    name: ClassVar[str] = "landscape"


#: How many samples a Monte Carlo estimate may draw.
ESTIMATE_SIZES: tuple[int, ...] = (10, 100, 1000, 10000)


@dataclass(frozen=True)
class Estimate(Action):
    """Estimate the scoring divergence from ``n`` seeded samples (0 hides it)."""

    name: ClassVar[str] = "estimate"
    n: int = 100


@dataclass(frozen=True)
class Autopilot(Action):
    """One optimiser step downhill from the current guess (after reveal)."""

    name: ClassVar[str] = "autopilot"


@dataclass(frozen=True)
class Answer(Action):
    """Answer the level's question (before the reveal) with the key of a choice."""

    name: ClassVar[str] = "answer"
    choice: str = "a"


ACTION_TYPES: dict[str, type[Action]] = {
    cls.name: cls
    for cls in (
        Select,
        Nudge,
        Set,
        SwitchModel,
        Reveal,
        Restart,
        Undo,
        Redo,
        ToggleUnits,
        Hint,
        ToggleIntegrand,
        Autopilot,
        Answer,
        ToggleCousins,
        Landscape,
        Estimate,
    )
}


def action_from_json(data: Any) -> Action:
    """Build an action from a replay line's object; ActionError says what is wrong."""
    if not isinstance(data, dict):
        raise ActionError(f'expected an object like {{"action": "nudge"}}, got {data!r}')
    kind = data.get("action")
    cls = ACTION_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(sorted(ACTION_TYPES))
        raise ActionError(f"unknown action {kind!r} (known: {known})")
    allowed = {item.name for item in fields(cls)}
    extra = set(data) - allowed - {"action"}
    if extra:
        raise ActionError(f"{kind}: unknown field(s) {', '.join(sorted(extra))}")
    t = data.get("t", 0.0)
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
        raise ActionError(f"{kind}: t must be a number of seconds >= 0, got {t!r}")
    kwargs: dict[str, Any] = {"t": float(t)}
    if cls in (Select, SwitchModel):
        delta = data.get("delta", 1)
        if delta not in (1, -1) or isinstance(delta, bool):
            raise ActionError(f"{kind}: delta must be 1 or -1, got {delta!r}")
        kwargs["delta"] = delta
    if cls is Nudge:
        sign, size = data.get("sign", 1), data.get("size", "step")
        if sign not in (1, -1) or isinstance(sign, bool):
            raise ActionError(f"nudge: sign must be 1 or -1, got {sign!r}")
        if size not in NUDGE_SIZES:
            raise ActionError(f"nudge: size must be one of {', '.join(NUDGE_SIZES)}, got {size!r}")
        kwargs["sign"], kwargs["size"] = sign, size
        times = data.get("times", 1)
        if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_TIMES:
            raise ActionError(f"nudge: times must be a whole number 1…{MAX_TIMES}, got {times!r}")
        kwargs["times"] = times
    if cls is Set:
        param, value = data.get("param"), data.get("value")
        if not isinstance(param, str) or not param:
            raise ActionError(f"set: param must be a parameter name, got {param!r}")
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise ActionError(f"set: value must be a finite number, got {value!r}")
        continues = data.get("continues", False)
        if not isinstance(continues, bool):
            raise ActionError(f"set: continues must be true or false, got {continues!r}")
        kwargs.update(param=param, value=float(value), continues=continues)
    if cls is Answer:
        choice = data.get("choice")
        if not isinstance(choice, str) or not (len(choice) == 1 and choice.isalpha()):
            raise ActionError(f"answer: choice must be one letter, got {choice!r}")
        kwargs["choice"] = choice
    if cls is Estimate:
        n = data.get("n", 100)
        if isinstance(n, bool) or n not in (0, *ESTIMATE_SIZES):
            sizes = ", ".join(str(size) for size in (0, *ESTIMATE_SIZES))
            raise ActionError(f"estimate: n must be one of {sizes}, got {n!r}")
        kwargs["n"] = n
    return cls(**kwargs)
