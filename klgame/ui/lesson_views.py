"""The reveal's lesson, drawn: its text, its tables and its extra curves.

* :func:`reveal_text`: the level's reveal parts whose conditions hold, with
  their placeholders filled (:mod:`klgame.levels.texts`, :mod:`klgame.core.lesson`);
* :func:`tables`: both best answers scored both ways (a level that shares
  its target with a level of the other direction), and the sum behind a
  discrete divergence, one row per outcome;
* :func:`ghosts`: the other low points and the other direction's answer.

Texts stay plain: nothing in them is read as markup.
"""

from __future__ import annotations

import math
from typing import Any

from textual.content import Content

from klgame.core.lesson import DiscreteTerm, Outcome, discrete_terms
from klgame.core.rules import GameState
from klgame.engine import divergence
from klgame.engine.fitting import both_directions
from klgame.engine.measures import has_units
from klgame.engine.units import in_units
from klgame.format import number
from klgame.levels.model import Level
from klgame.levels.solve import best_fit
from klgame.levels.texts import reveal_text as fill_parts
from klgame.ui import figures
from klgame.ui.format import DIRECTION_SYMBOL
from klgame.ui.plotting import Role

#: Most outcome rows the discrete table shows before it sums up the rest
#: (the score panel scrolls, so a dozen outcomes are all shown).
MAX_ROWS = 12


def placeholder_values(outcome: Outcome) -> dict[str, str]:
    """The placeholders' text: divergences with 4 decimals, values with 2."""
    out: dict[str, str] = {}
    for name, value in outcome.numbers.items():
        if name in outcome.divergences:
            out[name] = number(value)
        elif name == "optima":
            out[name] = str(int(value))
        else:
            out[name] = number(value, 2)
    return out


def reveal_text(state: GameState, outcome: Outcome) -> str:
    """The reveal text for this attempt, placeholders filled."""
    level = state.level
    # Hellinger and total variation are plain numbers: {units} says so.
    units = level.units if has_units(level.scoring) else "(no units)"
    values = placeholder_values(outcome) | {"units": units}
    return fill_parts(state.level.texts, outcome.facts, values)


# --- extra curves --------------------------------------------------------------------


def ghosts(state: GameState, outcome: Outcome, other: Level | None) -> list[tuple[str, Any, Role]]:
    """Curves for the reveal beyond target, guess and best fit."""
    level = state.level
    if level.is_discrete:
        return []
    out: list[tuple[str, Any, Role]] = []
    solution = state.solution
    if solution is not None and solution.model_id == state.model.id:
        lows: list[Any] = []
        for point in outcome.optima[1:]:
            try:
                lows.append(state.model.build(point.values))
            except ValueError:
                continue
        # one marker for them all, so one legend entry names them all
        # (the others are drawn unnamed: a name is what makes a legend entry)
        if len(lows) == 1:
            out.append(("low point", lows[0], "other"))
        elif lows:
            numbers = ", ".join(str(n) for n in range(2, len(lows) + 2))
            out.append((f"low points {numbers}", lows[0], "other"))
            out.extend(("", low, "other") for low in lows[1:])
    if other is not None and other.direction != level.direction:
        theirs = best_fit(other, state.target)
        out.append((DIRECTION_SYMBOL[other.direction], theirs.guess, "other"))
    return out


# --- tables ----------------------------------------------------------------------------


def tables(state: GameState, other: Level | None) -> list[Content]:
    out: list[Content] = []
    if other is not None and other.direction != state.level.direction:
        out.append(answers_table(state, other))
    if state.level.is_discrete:
        out.append(discrete_table(state))
    return out


def answers_table(state: GameState, other: Level) -> Content:
    """This level's best answer and the other level's, each scored both ways."""
    level, units = state.level, state.level.units
    answers = [
        (level.direction, best_fit(level, state.target).guess),
        (other.direction, best_fit(other, state.target).guess),
    ]
    answers.sort(key=lambda pair: pair[0] != "forward")
    lines = [
        Content.styled(f"Both answers, both ways ({units})", "bold"),
        Content(f"{'':<10}{'scored by':>11}"),
        Content(f"{'best by':<10}{'KL(p‖q)':>11}{'KL(q‖p)':>11}"),
    ]
    for direction, guess in answers:
        forward, reverse = both_directions(state.target, guess)
        cells = [in_units(forward, units), in_units(reverse, units)]
        mine = direction == level.direction
        row = f"{DIRECTION_SYMBOL[direction]:<10}" + "".join(f"{number(v):>11}" for v in cells)
        lines.append(Content.styled(row, "bold") if mine else Content(row))
    lines.append(Content.styled("each is lowest in its own column", "dim"))
    return Content("\n").join([Content(""), *lines])


def _cell(value: float, width: int) -> str:
    return f"{number(value):>{width}}"


def discrete_table(state: GameState) -> Content:
    """One row per outcome: p, q and its terms; the totals are the shown divergences."""
    level, units = state.level, state.level.units
    target = state.target
    labels = figures.labels(level, target)  # type: ignore[arg-type]
    rows = discrete_terms(target, state.guess, labels)
    columns = [d for d in ("forward", "reverse") if d in level.show]
    heads = {"forward": ("p·log", "p/q"), "reverse": ("q·log", "q/p")}
    scale = in_units(1.0, units)
    title = f"The sum behind the numbers ({units})"
    lines = [
        Content.styled(title, "bold"),
        Content(f"{'x':<6}{'p':>6}{'q':>6}" + "".join(f"{heads[c][0]:>8}" for c in columns)),
        Content(" " * 18 + "".join(f"{heads[c][1]:>8}" for c in columns)),
    ]

    def line(label: str, p: str, q: str, terms: list[float]) -> Content:
        text = f"{label[:6]:<6}{p:>6}{q:>6}" + "".join(_cell(t * scale, 8) for t in terms)
        return Content(text)

    shown, rest = _abbreviate(rows, level.direction)
    for row in shown:
        terms = [row.forward if c == "forward" else row.reverse for c in columns]
        lines.append(line(row.label, f"{row.p:.3f}", f"{row.q:.3f}", terms))
    if rest:
        sums = [
            math.fsum(r.forward if c == "forward" else r.reverse for r in rest) for c in columns
        ]
        lines.append(line(f"+{len(rest)}", "", "", sums))
        lines.append(Content.styled(f"(+{len(rest)}: the other outcomes together)", "dim"))
    totals = [
        divergence(target, state.guess, c) for c in columns
    ]  # the numbers on screen, worked out by the engine
    lines.append(Content.styled(line("total", "", "", totals).plain, "bold"))
    names = ", ".join(DIRECTION_SYMBOL[c] for c in columns)
    lines.append(Content.styled(f"the totals are {names}", "dim"))
    return Content("\n").join([Content(""), *lines])


def _abbreviate(
    rows: list[DiscreteTerm], direction: str
) -> tuple[list[DiscreteTerm], list[DiscreteTerm]]:
    """At most :data:`MAX_ROWS` rows: the largest terms, in support order, and the rest."""
    if len(rows) <= MAX_ROWS:
        return rows, []

    def size(row: DiscreteTerm) -> float:
        return abs(row.forward if direction == "forward" else row.reverse)

    keep = set(sorted(range(len(rows)), key=lambda i: -size(rows[i]))[: MAX_ROWS - 1])
    return [r for i, r in enumerate(rows) if i in keep], [
        r for i, r in enumerate(rows) if i not in keep
    ]
