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
    ID,
    MISSING,
    TEXT_MAX,
    Checker,
    Field,
    boolean,
    choice,
    describe,
    fmt,
    listing,
    number,
    optional,
    section,
    text,
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


def _level_id(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    value = check.text(node, path, one_line=True, max_len=48)
    if value is MISSING or ID.match(value):
        return value
    message = "use lowercase letters, digits, '-' and '_', starting with a letter or digit"
    return check.fail(node, path, f"'{value}' is not a valid id: {message}")


def _is_shared(node: Node | None) -> bool:
    """``target: {same_as: ID}``: the target of another level."""
    return isinstance(node, MappingNode) and any(
        isinstance(key, ScalarNode) and key.value == "same_as" for key, _ in node.value
    )


def _target(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    if not _is_shared(node):
        return families.target(check, node, path)
    shared = section(check, node, path, _SHARED)
    if shared is None or shared["same_as"] is MISSING or shared["family"] is MISSING:
        return MISSING
    other, at, lookup = shared["same_as"], shared["@nodes"]["same_as"], got["@lookup"]
    if other == got["id"]:
        found: Any = "a level cannot share its own target (a cycle)"
    elif lookup is None:
        found = f"cannot look up level '{other}' here: load this file from its directory"
    else:
        found = lookup(other)
    if isinstance(found, str):
        return check.fail(at, f"{path}.same_as", found)
    kind, family = found.target.kind, shared["family"]
    if family is not None and family != kind:
        message = f"the target of '{other}' is a {kind}, not a {family}"
        return check.fail(shared["@nodes"]["family"], f"{path}.family", message)
    got["@target_from"] = other
    got["@hash"] = hashlib.sha256(f"{got['@hash']}+{found.content_hash}".encode()).hexdigest()
    return found.target


def _same_as(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    other = check.text(node, path, one_line=True, max_len=48)
    if other is MISSING or ID.match(other):
        return other
    return check.fail(node, path, f"'{other}' is not a valid level id")


_SHARED = (
    Field("same_as", _same_as, required=True),
    Field("family", choice(families.TARGET_FAMILIES)),
)


def _show(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    shown = listing(choice(DIRECTIONS), 1, 2)(check, node, path, got)
    if shown is MISSING:
        return MISSING
    twice = [i for i, value in enumerate(shown) if value in shown[:i]]
    for index in twice:
        check.error(node.value[index], f"show[{index}]", f"'{shown[index]}' is listed twice")
    direction = got["direction"]
    if not twice and isinstance(direction, str) and direction not in shown:
        return check.fail(node, path, f"must include the scoring direction '{direction}'")
    return MISSING if twice else tuple(shown)


def _units(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    units, measure = check.choice(node, path, UNITS), got["divergence"]
    if units is not MISSING and measure in UNITLESS:
        message = f"{measure} has no units (a number in [0, 1]): leave 'units' out"
        return check.fail(node, path, message)
    return units


def _guess(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    return families.guesses(check, node, path, got["target"])


def _view(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    view = section(check, node, path, _VIEW_FIELDS)
    if view is None:
        return MISSING
    errors, (x_min, x_max, y_max, labels) = len(check.errors), map(view.get, _VIEW_NAMES)
    if isinstance(x_min, float) and isinstance(x_max, float):
        narrowest = limits.MIN_RELATIVE_VIEW * max(1.0, abs(x_min), abs(x_max))
        if not x_min < x_max:
            message = f"must be < x_max ({fmt(x_min)} >= {fmt(x_max)})"
            check.error(node, f"{path}.x_min", message)
        elif x_max - x_min < narrowest:
            check.error(
                node,
                f"{path}.x_max",
                f"the view must be at least {limits.short(narrowest)} wide (a millionth of "
                f"the largest of 1 and its ends' sizes), got {limits.short(x_max - x_min)}",
            )
    target, at, where = got["target"], view["@nodes"].get("labels"), f"{path}.labels"
    if labels is None or target is MISSING:
        pass
    elif not target.is_discrete:
        check.error(at, where, "only discrete targets have labels")
    elif labels is not MISSING and len(labels) != len(target.support):
        count = len(target.support)
        message = f"must have one label per support value ({count}), got {len(labels)}"
        check.error(at, where, message)
    if len(check.errors) > errors or MISSING in view.values():
        return MISSING
    return View(x_min, x_max, y_max, labels)


_VIEW_NAMES = ("x_min", "x_max", "y_max", "labels")
_VIEW_FIELDS = (
    Field("x_min", number(shown=limits.VIEW_X)),
    Field("x_max", number(shown=limits.VIEW_X)),
    Field("y_max", number(0.0, low_open=True, shown=limits.VIEW_Y)),
    Field("labels", listing(text(True, _LABEL_MAX), 1, families.MAX_SUPPORT)),
)


def _meter(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    meter = section(check, node, path, _METER_FIELDS)
    if meter is None or MISSING in meter.values():
        return MISSING
    return Meter(meter["label"], meter["limit"])


_METER_FIELDS = (
    Field("label", text(True, _LABEL_MAX), required=True),
    Field("limit", number(0.0, low_open=True), required=True),
)


def _stars(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    stars = listing(number(0.0))(check, node, path, got)
    if stars is MISSING:
        return MISSING
    if len(stars) != 3:
        return check.fail(node, path, f"must list 3 thresholds (3, 2, 1 stars), got {len(stars)}")
    if not stars[0] <= stars[1] <= stars[2]:
        return check.fail(
            node, path, "thresholds must not decrease: 3 stars needs the smallest excess"
        )
    return tuple(stars)


def _hidden(got: dict[str, Any]) -> bool:
    """Unless the file says, a continuous target is hidden, and so is a random
    discrete one; a fixed discrete target is data to look at (the worms' counts)."""
    target = got["target"]
    return target is MISSING or not target.is_discrete or target.is_random


def _choices(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    if not isinstance(node, MappingNode):
        return check.fail(
            node,
            path,
            "must be a mapping of keys to texts, like {a: 'One peak', b: 'Both'}, "
            f"got {describe(node)}",
        )
    choices: dict[str, Any] = {}
    for key_node, text_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else ""
        if not (isinstance(key, str) and len(key) == 1 and key in QUESTION_KEYS):
            shown = sanitize(str(key), max_len=20)
            message = f"choice keys are the letters {', '.join(QUESTION_KEYS)} (one each, typed "
            choices[f"@{len(choices)}"] = check.fail(
                key_node, path, f"{message}to answer), got '{shown}'"
            )
        elif key in choices:
            choices[f"@{len(choices)}"] = check.fail(key_node, f"{path}.{key}", "appears twice")
        else:
            choices[key] = check.text(text_node, f"{path}.{key}", True, _TITLE_MAX * 2)
    if MISSING in choices.values():
        return MISSING
    if len(choices) < 2:
        return check.fail(node, path, f"needs at least 2 choices, got {len(choices)}")
    return tuple(choices.items())


def _answer(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    if got["choices"] is MISSING:
        return MISSING
    return check.choice(node, path, [key for key, _ in got["choices"]])


_QUESTION_FIELDS = (
    Field("ask", text(True, _LESSON_MAX), required=True),
    Field("choices", _choices, required=True),
    Field("answer", _answer, required=True, late=True),
    Field("explain", text(), default=""),
)


def _question(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    question = section(check, node, path, _QUESTION_FIELDS)
    if question is None or MISSING in question.values():
        return MISSING
    return Question(question["ask"], question["choices"], question["answer"], question["explain"])


# --- the reveal ------------------------------------------------------------------

#: The fields of the level, in the order the reference lists them.
_PART_FIELDS = ("text", "when")


def _reveal(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    """(the text shown always, the parts); a plain text is one part shown always."""
    models, params = got["guess"], None  # unknown while the guesses have errors
    if models is not MISSING:
        params = list(dict.fromkeys(spec.name for model in models for spec in model.params))
    if not isinstance(node, SequenceNode):
        value = check.text(node, path)
        if value is MISSING or not _placeholders_ok(check, node, path, value, params, 0):
            return MISSING
        return value, ()
    items = check.sequence(node, path, min_len=1, max_len=_MAX_PARTS)
    if items is None:
        return MISSING
    parts: list[RevealPart | Any] = []
    for index, item in enumerate(items):
        where, text_node, when_node = f"{path}[{index}]", item, None
        key_column = max(0, item.start_mark.column - 2)
        if isinstance(item, MappingNode):
            fields = check.mapping(item, where, _PART_FIELDS, ("text",))
            if fields is None or "text" not in fields:
                parts.append(MISSING)
                continue
            text_node, when_node = fields["text"], optional(fields, "when")
            key_column = next(k.start_mark.column for k, _ in item.value if k.value == "text")
            where += ".text"
        value = check.text(text_node, where)
        when = _when(
            check, when_node, f"{path}[{index}].when", _is_shared(got["@nodes"].get("target"))
        )
        ok = value is not MISSING and when is not MISSING
        if ok and _placeholders_ok(check, text_node, where, value, params, key_column):
            parts.append(RevealPart(value, when))
        else:
            parts.append(MISSING)
    if MISSING in parts:
        return MISSING
    always = [part.text for part in parts if not part.when]
    return "\n\n".join(always or [part.text for part in parts]), tuple(parts)


def _when(check: Checker, node: Node | None, path: str, shared: bool) -> Any:
    if node is None:
        return ()
    fields = check.mapping(node, path, tuple(CONDITIONS))
    if fields is None:
        return MISSING
    if not fields:
        return check.fail(node, path, "must name at least one condition")
    out: list[Any] = []
    for key, item in fields.items():
        value = check.choice(item, f"{path}.{key}", CONDITIONS[key])
        if value is not MISSING and key == "other_fit" and not shared:
            message = "only a level with target: {same_as: ID} has another fit"
            value = check.fail(item, f"{path}.{key}", message)
        out.append(MISSING if value is MISSING else (key, value))
    return MISSING if MISSING in out else tuple(out)


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
        check.at((line, column), path, message)
    return not found


# --- the level -------------------------------------------------------------------

_KL = "forward: KL(p‖q), reverse: KL(q‖p)"
_LEVEL_FIELDS: tuple[Field, ...] = (
    Field("id", _level_id, required=True),
    Field("title", text(True, _TITLE_MAX), required=True),
    Field("lesson", text(True, _LESSON_MAX), required=True),
    Field("order", number(-1_000_000, 1_000_000, whole=True), default=DEFAULT_ORDER),
    Field("intro", text(False, TEXT_MAX), required=True),
    Field("reveal", _reveal, required=True, late=True),
    Field("target", _target, required=True),
    Field("guess", _guess, required=True),
    Field("direction", choice(DIRECTIONS), required=True, note=_KL),
    Field("divergence", choice(MEASURES), default="kl"),
    Field("show", _show, default=lambda got: got["direction"] and (got["direction"],)),
    Field("units", _units, default="nats"),
    Field("view", _view, default=View()),
    Field("meters", listing(_meter, 0, 4), default=DEFAULT_METERS),
    Field("stars", _stars, default=DEFAULT_STARS),
    Field("hidden", boolean, default=_hidden),
    Field("question", _question),
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
    got = section(check, root, "", _LEVEL_FIELDS, context)
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
    fields = {spec.name: got[spec.name] for spec in _LEVEL_FIELDS}
    del fields["guess"]
    fields.update(reveal=reveal, reveal_parts=parts, models=models, source=path)
    return Level(**fields, content_hash=got["@hash"], target_from=got["@target_from"])
