"""Reveal texts that react to what happened: conditions and named placeholders.

A level's ``reveal`` is plain text, or a list of parts; a part may carry a
``when`` (every condition must hold) and its text may name the level's own
numbers as ``{D}``, ``{D*}``, ``{found.mean}`` ... Nothing here is code:
the names come from the fixed vocabularies below, an unknown name is an
error when the level is loaded, and ``{{`` / ``}}`` write a brace.

This module only parses and fills; what the numbers and facts are for an
attempt is worked out by :mod:`klgame.core.lesson`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "CONDITIONS",
    "PLACEHOLDERS",
    "RevealPart",
    "fill",
    "placeholders_in",
    "problems",
    "reveal_text",
]

#: What a ``when`` may ask, and the answers it may expect.
CONDITIONS: dict[str, tuple[str, ...]] = {
    # where the player's guess ended: near the global optimum, or another one
    "optimum": ("global", "local"),
    # the shape of the best fit, and of the low point the player found
    # (two-peak targets and a single Gaussian guess)
    "fit": ("spread", "one-peak", "heavier-peak", "lighter-peak"),
    "found": ("spread", "one-peak", "heavier-peak", "lighter-peak"),
    # the best fit of the level this one shares its target with
    "other_fit": ("spread", "one-peak", "heavier-peak", "lighter-peak"),
    # whether the attempt reached D* (three stars)
    "d_star": ("reached", "missed"),
}

#: Numbers and words a text may name; ``best.NAME`` and ``found.NAME`` take
#: any parameter of the level's guess models (``best.mean``).
PLACEHOLDERS: dict[str, str] = {
    "D": "your divergence",
    "D*": "the best divergence possible",
    "excess": "D − D*",
    "units": 'nats or bits ("(no units)" for Hellinger and total variation)',
    "found": "the divergence at the low point your guess ended near",
    "lowest": "the divergence at the global optimum (D*)",
    "optima": "how many distinct low points the best fit found",
}
_PREFIXES = ("best.", "found.")

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")


@dataclass(frozen=True)
class RevealPart:
    """One paragraph group of a reveal text, shown when every condition holds."""

    text: str
    when: tuple[tuple[str, str], ...] = ()


def placeholders_in(text: str) -> list[tuple[int, str | None]]:
    """(offset, name) of each placeholder; name ``None`` for a lone brace."""
    out: list[tuple[int, str | None]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        out.append((match.start(), match.group(1)))
    return out


def problems(text: str, params: Sequence[str] | None) -> list[tuple[int, str]]:
    """(offset, message) for every placeholder of ``text`` that is not known.

    ``params`` are the guess's parameter names (``None``: not known, any passes).
    """
    out: list[tuple[int, str]] = []
    for offset, name in placeholders_in(text):
        if name is None:
            out.append((offset, "a lone brace: write {{ or }} for a brace"))
        elif not _known(name.strip(), params):
            shown = name if len(name) <= 30 else name[:30] + "…"
            out.append((offset, f"unknown placeholder {{{shown}}}" + _choices(params)))
    return out


def _known(name: str, params: Sequence[str] | None) -> bool:
    if name in PLACEHOLDERS:
        return True
    return any(
        name.startswith(prefix) and (params is None or name[len(prefix) :] in params)
        for prefix in _PREFIXES
    )


def _choices(params: Sequence[str] | None) -> str:
    names = [f"{{{n}}}" for n in PLACEHOLDERS]
    if params:
        names.append(f"{{best.{params[0]}}}")
        names.append(f"{{found.{params[0]}}}")
    return " (known: " + ", ".join(names) + ")"


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder replaced by its value (``?`` if none)."""

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        return values.get(name.strip(), "?") if name is not None else token

    return _TOKEN.sub(one, text)


def reveal_text(
    parts: Sequence[RevealPart], facts: Mapping[str, str], values: Mapping[str, str]
) -> str:
    """The parts whose conditions all hold in ``facts``, filled, one paragraph group each."""
    shown = [
        fill(part.text, values)
        for part in parts
        if all(_holds(facts.get(key), wanted) for key, wanted in part.when)
    ]
    return "\n\n".join(text.strip("\n") for text in shown if text.strip())


def _holds(fact: str | None, wanted: str) -> bool:
    if fact is None:
        return False
    if wanted == "one-peak":
        return fact in ("one-peak", "heavier-peak", "lighter-peak")
    return fact == wanted
