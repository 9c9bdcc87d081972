"""The level's own fields, as tables of :class:`~.nodes.Field` specs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klgame.engine.measures import MEASURES, UNITLESS
from klgame.levels import limits
from klgame.levels.errors import LevelError
from klgame.levels.model import DEFAULT_METERS, DEFAULT_STARS, Level, Meter, Question, View
from klgame.levels.schema import families
from klgame.levels.schema.nodes import (
    MISSING,
    Checker,
    Field,
    Kind,
    boolean,
    choice,
    entry,
    fmt,
    ident,
    listing,
    mapping,
    number,
    per,
    section,
    text,
    then,
)
from klgame.levels.scorable import never_scored
from klgame.levels.texts import CONDITIONS, RevealPart
from klgame.levels.texts import problems as placeholder_problems
from klgame.text import sanitize

DIRECTIONS = ("forward", "reverse")
UNITS = ("nats", "bits")
#: ``order`` of a level that does not give one: after the built-ins.
DEFAULT_ORDER = 100
#: Keys a question's choices may use: one lower-case letter each, typed to answer.
QUESTION_KEYS = "abcdef"
_TITLE_MAX, _LESSON_MAX, _LABEL_MAX, _MAX_PARTS = 60, 100, 40, 16
#: Finds another level by id (for its target), or says why it cannot.
TargetLookup = Callable[[str], "Level | str"]


def record(fields: Sequence[Field], make: Callable[..., Any]) -> Kind:
    """A mapping checked with ``fields``, made into ``make(**values)`` if none failed."""

    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        values = section(check, node, path, fields)
        if values is None or any(values[spec.name] is MISSING for spec in fields):
            return MISSING
        return make(**{spec.name: values[spec.name] for spec in fields})

    return kind


def _target(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    """A target entry, or ``{same_as: ID}``: the target of another level."""
    if entry(node, "same_as") is None:
        return families.target(check, node, path)
    shared = section(check, node, path, _SHARED)
    if shared is None or shared["same_as"] is MISSING or shared["family"] is MISSING:
        return MISSING
    other, nodes, lookup = shared["same_as"], shared["@nodes"], got["@lookup"]
    if other == got["id"]:
        found: Any = "a level cannot share its own target (a cycle)"
    elif lookup is None:
        found = f"cannot look up level '{other}' here: load this file from its directory"
    else:
        found = lookup(other)
    if isinstance(found, str):
        return check.error(nodes["same_as"], f"{path}.same_as", found)
    kind, family = found.target.kind, shared["family"]
    if family is not None and family != kind:
        message = f"the target of '{other}' is a {kind}, not a {family}"
        return check.error(nodes["family"], f"{path}.family", message)
    got["@target_from"] = other
    got["@hash"] = hashlib.sha256(f"{got['@hash']}+{found.content_hash}".encode()).hexdigest()
    return found.target


_SHARED = (
    Field("same_as", ident("level id"), required=True),
    Field("family", choice(families.TARGET_FAMILIES)),
)


def _shows_direction(shown: tuple[str, ...], got: dict[str, Any]) -> str | None:
    direction = got["direction"]
    if isinstance(direction, str) and direction not in shown:
        return f"must include the scoring direction '{direction}'"
    return None


def _has_units(units: str, got: dict[str, Any]) -> str | None:
    measure = got["divergence"]
    if measure in UNITLESS:
        return f"{measure} has no units (a number in [0, 1]): leave 'units' out"
    return None


def _guess(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    return families.guesses(check, node, path, got["target"])


def _view(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    view = section(check, node, path, _VIEW)
    if view is None:
        return MISSING
    errors, (x_min, x_max, y_max, labels) = len(check.errors), (view[f.name] for f in _VIEW)
    if isinstance(x_min, float) and isinstance(x_max, float):
        narrowest = limits.MIN_RELATIVE_VIEW * max(1.0, abs(x_min), abs(x_max))
        if not x_min < x_max:
            check.error(node, f"{path}.x_min", f"must be < x_max ({fmt(x_min)} >= {fmt(x_max)})")
        elif x_max - x_min < narrowest:
            why = "a millionth of the largest of 1 and its ends' sizes"
            width, got_width = limits.short(narrowest), limits.short(x_max - x_min)
            message = f"the view must be at least {width} wide ({why}), got {got_width}"
            check.error(node, f"{path}.x_max", message)
    target, at, where = got["target"], view["@nodes"].get("labels"), f"{path}.labels"
    if labels is None or target is MISSING:
        pass
    elif not target.is_discrete:
        check.error(at, where, "only discrete targets have labels")
    elif labels is not MISSING and len(labels) != len(target.support):
        check.error(at, where, per("support value", len(target.support), labels, "label"))
    if len(check.errors) > errors or MISSING in (x_min, x_max, y_max, labels):
        return MISSING
    return View(x_min, x_max, y_max, labels)


_VIEW = (
    Field("x_min", number(shown=limits.VIEW_X)),
    Field("x_max", number(shown=limits.VIEW_X)),
    Field("y_max", number(0.0, low_open=True, shown=limits.VIEW_Y)),
    Field("labels", listing(text(True, _LABEL_MAX), 1, families.MAX_SUPPORT)),
)
_METER = (
    Field("label", text(True, _LABEL_MAX), required=True),
    Field("limit", number(0.0, low_open=True), required=True),
)


def _stars_rise(stars: tuple[float, ...], got: dict[str, Any]) -> str | None:
    if len(stars) != 3:
        return f"must list 3 thresholds (3, 2, 1 stars), got {len(stars)}"
    if not stars[0] <= stars[1] <= stars[2]:
        return "thresholds must not decrease: 3 stars needs the smallest excess"
    return None


def _hidden(got: dict[str, Any]) -> bool:
    """Unless the file says, a continuous target is hidden, and so is a random
    discrete one; a fixed discrete target is data to look at (the worms' counts)."""
    target = got["target"]
    return target is MISSING or not target.is_discrete or target.is_random


def _letter(check: Checker, node: Node, path: str) -> str:
    return node.value if isinstance(node, ScalarNode) else ""


def _not_a_letter(check: Checker, node: Node, path: str, key: str, allowed: Any) -> None:
    letters = f"the letters {', '.join(QUESTION_KEYS)} (one each, typed to answer)"
    check.error(node, path, f"choice keys are {letters}, got '{sanitize(key, max_len=20)}'")


def _choices(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    errors, what = len(check.errors), "keys to texts, like {a: 'One peak', b: 'Both'}"
    keys, again = tuple(QUESTION_KEYS), "appears twice"
    given = mapping(check, node, path, keys, what, _letter, _not_a_letter, again)
    if given is None:
        return MISSING
    as_text = text(True, _TITLE_MAX * 2)
    choices = {key: as_text(check, item, f"{path}.{key}", got) for key, item in given.items()}
    if len(check.errors) > errors or MISSING in choices.values():
        return MISSING
    if len(choices) < 2:
        return check.error(node, path, f"needs at least 2 choices, got {len(choices)}")
    return tuple(choices.items())


def _answer(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    if got["choices"] is MISSING:
        return MISSING
    return choice(tuple(key for key, _ in got["choices"]))(check, node, path, got)


_QUESTION = (
    Field("ask", text(True, _LESSON_MAX), required=True),
    Field("choices", _choices, required=True),
    Field("answer", _answer, required=True, late=True),
    Field("explain", text(), default=""),
)


# --- the reveal ------------------------------------------------------------------


def _reveal(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    """(the text shown always, the parts); a plain text is one part shown always."""
    models, params = got["guess"], None  # unknown while the guesses have errors
    if models is not MISSING:
        params = list(dict.fromkeys(spec.name for model in models for spec in model.params))
    shared = entry(got["@nodes"].get("target"), "same_as") is not None
    if not isinstance(node, SequenceNode):
        value = text()(check, node, path, got)
        if value is MISSING or not _placeholders_ok(check, node, path, value, params, 0):
            return MISSING
        return value, ()
    context = {"@params": params, "@shared": shared}
    parts = listing(_part, 1, _MAX_PARTS)(check, node, path, context)
    if parts is MISSING:
        return MISSING
    always = [part.text for part in parts if not part.when]
    return "\n\n".join(always or [part.text for part in parts]), parts


def _part(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    """One part: a text, or ``{text: ..., when: {...}}``."""
    text_node, when, where, column = node, (), path, max(0, node.start_mark.column - 2)
    if isinstance(node, MappingNode):
        part = section(check, node, path, _PART, got)
        if part is None or "text" not in part["@nodes"]:
            return MISSING
        value, when, where = part["text"], part["when"], f"{path}.text"
        text_node = part["@nodes"]["text"]
        column = next(k.start_mark.column for k, _ in node.value if k.value == "text")
    else:
        value = text()(check, node, path, got)
    if value is MISSING or when is MISSING:
        return MISSING
    if not _placeholders_ok(check, text_node, where, value, got["@params"], column):
        return MISSING
    return RevealPart(value, when)


def _when(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    if "text" not in got["@nodes"]:  # the part has failed already
        return MISSING
    given = mapping(check, node, path, tuple(CONDITIONS))
    if given is None:
        return MISSING
    if not given:
        return check.error(node, path, "must name at least one condition")
    out = []
    for key, item in given.items():
        value = choice(CONDITIONS[key])(check, item, f"{path}.{key}", got)
        if value is not MISSING and key == "other_fit" and not got["@shared"]:
            message = "only a level with target: {same_as: ID} has another fit"
            value = check.error(item, f"{path}.{key}", message)
        out.append((key, value))
    return MISSING if any(value is MISSING for _, value in out) else tuple(out)


_PART = (Field("text", text(), required=True), Field("when", _when, default=()))


def _placeholders_ok(
    check: Checker, node: Node, path: str, text: str, params: Sequence[str] | None, key_column: int
) -> bool:
    """Report each unknown placeholder at its own line where the file's layout allows."""
    found = placeholder_problems(text, params)
    for offset, message in found:
        mark = node.start_mark
        line, column = mark.line + 1, mark.column + 1
        if getattr(node, "style", None) == "|":  # a literal block: its lines are the file's
            before = text[:offset]
            line = mark.line + 2 + before.count("\n")
            column = key_column + 3 + len(before) - (before.rfind("\n") + 1)
        check.error((line, column), path, message)
    return not found


# --- the level -------------------------------------------------------------------

_ID = "id: use lowercase letters, digits, '-' and '_', starting with a letter or digit"
_KL = "forward: KL(p‖q), reverse: KL(q‖p)"
_LEVEL: tuple[Field, ...] = (
    Field("id", ident(_ID), required=True),
    Field("title", text(True, _TITLE_MAX), required=True),
    Field("lesson", text(True, _LESSON_MAX), required=True),
    Field("order", number(-1_000_000, 1_000_000, whole=True), default=DEFAULT_ORDER),
    Field("intro", text(), required=True),
    Field("reveal", _reveal, required=True, late=True),
    Field("target", _target, required=True),
    Field("guess", _guess, required=True),
    Field("direction", choice(DIRECTIONS), required=True, note=_KL),
    Field("divergence", choice(MEASURES), default="kl"),
    Field(
        "show",
        then(listing(choice(DIRECTIONS), 1, 2, distinct=True), _shows_direction),
        default=lambda got: got["direction"] and (got["direction"],),
    ),
    Field("units", then(choice(UNITS), _has_units), default="nats"),
    Field("view", _view, default=View()),
    Field("meters", listing(record(_METER, Meter), 0, 4), default=DEFAULT_METERS),
    Field("stars", then(listing(number(0.0)), _stars_rise), default=DEFAULT_STARS),
    Field("hidden", boolean, default=_hidden),
    Field("question", record(_QUESTION, Question)),
)


def check_level(
    root: Node,
    source: str,
    content_hash: str,
    path: str | None,
    lookup: TargetLookup | None = None,
) -> Level:
    """The level in ``root``, or a :class:`LevelError` listing every problem.

    ``source`` names the file in messages; ``path`` is stored as ``Level.source``.
    ``lookup`` finds the target of another level for ``target: {same_as: ID}``;
    the content hash of such a level is its file's and that level's together,
    so that a change of the shared target shows as a change of this level too.
    """
    check = Checker(source)
    context = {"@lookup": lookup, "@hash": content_hash, "@target_from": None}
    got = section(check, root, "", _LEVEL, context)
    if got is None:
        raise LevelError(check.in_file_order(), path)
    target, models, direction = got["target"], got["guess"], got["direction"]
    if MISSING not in (target, models, direction):
        problem = never_scored(target, models, direction)
        if problem is not None:
            check.error(got["@nodes"]["guess"], "guess", problem)
    if check.errors:
        raise LevelError(check.in_file_order(), path)
    reveal, parts = got["reveal"]
    fields = {spec.name: got[spec.name] for spec in _LEVEL}
    del fields["guess"]
    fields.update(reveal=reveal, reveal_parts=parts, models=models, source=path)
    return Level(**fields, content_hash=got["@hash"], target_from=got["@target_from"])
