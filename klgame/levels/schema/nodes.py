"""Checks of PyYAML nodes that report ``file:line:col: path: message`` and go on.

A *kind* checks one node: ``kind(check, node, path, got)`` returns its value, or
:data:`MISSING` after reporting why; ``got`` holds the values of the fields checked
before it in the same mapping. Kinds compose (a :func:`listing` of :func:`number`, a
:func:`then` adding a rule), and :func:`section` walks a mapping with a table of
:class:`Field` specs; every mapping, whatever its keys, is read by :func:`mapping`.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klgame.levels import limits
from klgame.levels.errors import escape_unsafe
from klgame.levels.limits import Limit
from klgame.levels.model import RandomRange
from klgame.text import problems as text_problems
from klgame.text import sanitize

#: YAML's own tags: ``!!int`` is ``tag:yaml.org,2002:int``.
YAML_TAG_PREFIX = _Y = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_Y + t for t in ("str", "int", "float", "bool", "null"))
#: The only tags a level file may write out.
EXPLICIT_TAGS = {"!", STR, INT, FLOAT, BOOL, NULL, _Y + "map", _Y + "seq"}
_CONSTRUCT = yaml.constructor.SafeConstructor()
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}\Z")
TEXT_MAX = 4000
#: Most problems reported for one file; the rest are counted in one last line.
MAX_PROBLEMS = 50


class _Missing:
    """Marks a field that is absent or failed its check (already reported)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

#: Other names authors reach for, and the word this format uses.
_ALIASES = """normal=gaussian gauss=gaussian discrete=categorical multinomial=categorical
    std=variance sigma=variance variances=variance gmm=mixture bernoulli=binomial flat=uniform
    mu=mean means=mean kl_pq=forward kl_qp=reverse nat=nats bit=bits probabilities=probs
    labels=support js=jensen-shannon jsd=jensen-shannon jensen_shannon=jensen-shannon
    kullback-leibler=kl kld=kl tv=total-variation total_variation=total-variation
    hellinger-distance=hellinger"""
_SYNONYMS = dict(pair.split("=") for pair in _ALIASES.split())


def did_you_mean(word: str, options: Sequence[str]) -> str:
    """A hint for a misspelt ``word``: a synonym, the closest option, or the options.

    Cheap at any length: only the first 40 characters are compared."""
    word = word[:40]
    synonym = _SYNONYMS.get(word.lower())
    if synonym in options:
        note = (
            " Note: the variance, not the standard deviation." if word in ("std", "sigma") else ""
        )
        return f" (did you mean '{synonym}'?{note})"
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (expected one of: {', '.join(options)})" if len(options) <= 8 else ""


_KINDS = {STR: "text", INT: "a whole number", FLOAT: "a number", BOOL: "true/false"}
_KINDS |= {NULL: "nothing", _Y + "timestamp": "a date"}


def describe(node: Node) -> str:
    """What a node is, in an author's words."""
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a list" if isinstance(node, SequenceNode) else _KINDS.get(node.tag, "a value")


def fmt(value: float) -> str:
    """A number as a message shows it."""
    return f"{value:g}"


def join(path: str, name: str) -> str:
    """The path of field ``name`` of the mapping at ``path``."""
    return f"{path}.{name}" if path else name


def is_null(node: Node | None) -> bool:
    """Absent or written as null: the field takes its default."""
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL)


_EXPONENT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+\Z")


def is_number(node: Node) -> bool:
    """A number node, or an unquoted exponent (1e-3) that YAML 1.1 reads as text."""
    return isinstance(node, ScalarNode) and (
        node.tag in (INT, FLOAT)
        or (node.tag == STR and not node.style and _EXPONENT.match(node.value) is not None)
    )


def entry(node: Node | None, key: str) -> tuple[Node, Node] | None:
    """The (key, value) nodes of ``key`` in a mapping node, unchecked; else None."""
    if isinstance(node, MappingNode):
        return next(
            ((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None
        )
    return None


def per(what: str, count: int, values: Sequence[Any], entry: str = "entry") -> str:
    """The message for a list of ``values`` that needs one ``entry`` per ``what``."""
    return f"must have one {entry} per {what} ({count}), got {len(values)}"


def support_value(value: float) -> Hashable:
    """Whole numbers as ``int`` so that 3 and 3.0 name the same support value."""
    return int(value) if float(value).is_integer() else value


@dataclass
class Checker:
    """Collects the problems of one file; each check reports and carries on.

    Past :data:`MAX_PROBLEMS` a problem is only counted (``errors`` still grows, so
    checks that compare its length still see it) and :attr:`full` is true."""

    source: str
    errors: list[str] = field(default_factory=list)
    places: list[tuple[int, int]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_PROBLEMS

    def error(self, at: Node | tuple[int, int], path: str, message: str) -> Any:
        """Report ``message`` at a node or a (line, column); return :data:`MISSING`."""
        place = at if isinstance(at, tuple) else (at.start_mark.line + 1, at.start_mark.column + 1)
        if self.full:
            self.errors.append("…")  # counted, never shown
            return MISSING
        where = f"{self.source}:{place[0]}:{place[1]}"
        self.errors.append(f"{where}: {path}: {message}" if path else f"{where}: {message}")
        self.places.append(place)
        return MISSING

    def in_file_order(self) -> list[str]:
        """The shown messages by line and column, then ``… and N more problems``."""
        order = sorted(range(len(self.places)), key=lambda i: self.places[i])
        more = len(self.errors) - len(self.places)
        tail = [f"{self.source}: … and {more} more problem{'s' * (more != 1)}"] if more else []
        return [self.errors[i] for i in order] + tail


def field_name(check: Checker, node: Node, path: str) -> str | None:
    """A mapping key that names a field (text)."""
    if isinstance(node, ScalarNode) and node.tag == STR:
        return node.value
    check.error(node, path, f"field names must be text, got {describe(node)}")
    return None


def unknown_field(check: Checker, node: Node, path: str, key: str, allowed: Sequence[str]) -> None:
    """Report a key that is not one of ``allowed``, with a hint."""
    check.error(
        node, join(path, key), "unknown field" + ("" if check.full else did_you_mean(key, allowed))
    )


def mapping(
    check: Checker,
    node: Node,
    path: str,
    allowed: Sequence[str],
    what: str = "fields",
    key: Callable[[Checker, Node, str], str | None] = field_name,
    unknown: Callable[[Checker, Node, str, str, Sequence[str]], None] = unknown_field,
    duplicate: str = "",
) -> dict[str, Node] | None:
    """The value nodes of a mapping by key (in the file's order), or None if not one.

    ``key`` reads each key (None: reported); a repeated or unknown one is reported
    and left out."""
    if not isinstance(node, MappingNode):
        check.error(node, path, f"must be a mapping of {what}, got {describe(node)}")
        return None
    out: dict[str, Node] = {}
    first: dict[str, Node] = {}
    for key_node, value_node in node.value:
        name = key(check, key_node, path)
        if name is None:
            continue
        if name in out:
            line = first[name].start_mark.line + 1
            check.error(
                key_node,
                join(path, name),
                duplicate or f"duplicate field (first given on line {line})",
            )
        elif name not in allowed:
            unknown(check, key_node, path, name, allowed)
        else:
            out[name], first[name] = value_node, key_node
    return out


# --- kinds -------------------------------------------------------------------------

Kind = Callable[[Checker, Node, str, dict[str, Any]], Any]


def raw(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Node:
    """The node itself, for a reader that checks it later."""
    return node


def then(kind: Kind, problem: Callable[[Any, dict[str, Any]], str | None]) -> Kind:
    """``kind``, then ``problem(value, got)``: a message reported at the node, or None."""

    def checked(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        value = kind(check, node, path, got)
        message = None if value is MISSING else problem(value, got)
        return value if message is None else check.error(node, path, message)

    return checked


@functools.cache  # one kind per distinct arguments: cheap to name where it is used
def text(one_line: bool = False, max_len: int = TEXT_MAX) -> Kind:
    """Plain text (nothing a terminal acts on), stripped; ``one_line``: a single line."""

    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in (STR, _Y + "timestamp"):
            hint = " (put it in quotes)" if isinstance(node, ScalarNode) else ""
            return check.error(node, path, f"must be text, got {describe(node)}{hint}")
        value = node.value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.strip() if one_line else value.rstrip()
        if not value:
            return check.error(node, path, "must not be empty")
        if one_line and "\n" in value:
            return check.error(node, path, "must be a single line")
        if refused := text_problems(value, multiline=not one_line):
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            return check.error(node, path, f"{refused[0]}{more} (texts are shown as plain text)")
        value = sanitize(value, multiline=not one_line)
        if len(value) > max_len:
            message = f"is too long ({len(value)} characters, at most {max_len})"
            return check.error(node, path, message)
        return value

    return kind


@functools.cache
def ident(what: str = "id") -> Kind:
    """An id (:data:`ID`); else "'x' is not a valid ``what``"."""
    return then(
        text(True, 48), lambda v, got: None if ID.match(v) else f"'{v}' is not a valid {what}"
    )


@functools.cache
def choice(options: Sequence[str]) -> Kind:
    """One of the words ``options``."""

    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        if not isinstance(node, ScalarNode) or node.tag != STR:
            message = f"must be one of {', '.join(options)}; got {describe(node)}"
            return check.error(node, path, message)
        if node.value not in options:
            hint = did_you_mean(node.value, options)
            return check.error(node, path, f"unknown value '{escape_unsafe(node.value, 40)}'{hint}")
        return node.value

    return kind


def boolean(check: Checker, node: Node, path: str, got: dict[str, Any]) -> bool | Any:
    """true or false."""
    if not isinstance(node, ScalarNode) or node.tag != BOOL:
        return check.error(node, path, f"must be true or false, got {describe(node)}")
    return bool(_CONSTRUCT.construct_yaml_bool(node))


def _number(check: Checker, node: Any, path: str) -> float | Any:
    if not is_number(node):
        got = describe(node)
        if isinstance(node, ScalarNode) and node.tag == STR:
            got = f"text '{escape_unsafe(node.value, 40)}'"
        return check.error(node, path, f"must be a number, got {got}")
    try:
        if node.tag == STR:  # 1e-3: text to YAML 1.1, a number to everyone else
            value = float(node.value)
        elif node.tag == FLOAT:
            value = float(_CONSTRUCT.construct_yaml_float(node))
        else:
            value = float(_CONSTRUCT.construct_yaml_int(node))
    except (ValueError, OverflowError):
        return check.error(node, path, "is not a number this game can use")
    return value if math.isfinite(value) else check.error(node, path, "must be a finite number")


@functools.cache
def number(
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    shown: Limit | None = None,
    random: bool = False,
    whole: bool = False,
) -> Kind:
    """A finite number in [low, high] (``low_open``: above low) and in ``shown``;
    ``whole``: an ``int``; ``random``: or a random range ``{random: [low, high]}``
    whose every value is in the bounds."""

    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        is_range = random and isinstance(node, MappingNode)
        value: Any = _random_range(check, node, path) if is_range else _number(check, node, path)
        lo, hi = (value.low, value.high) if is_range and value is not MISSING else (value, value)
        if value is MISSING:
            return value
        if whole and not value.is_integer():
            return check.error(node, path, f"must be a whole number, got {fmt(value)}")
        if whole:
            if low is None or high is None or low <= value <= high:
                return int(value)
            message = f"must be between {int(low)} and {int(high)}, got {int(value)}"
        elif low is not None and (lo <= low if low_open else lo < low):
            at = f"the random range starts at {fmt(lo)}" if is_range else f"got {fmt(lo)}"
            message = f"must be {'>' if low_open else '>='} {fmt(low)}, {at}"
        elif high is not None and hi > high:
            at = f"the random range ends at {fmt(hi)}" if is_range else f"got {fmt(hi)}"
            message = f"must be <= {fmt(high)}, {at}"
        elif shown is not None and not (shown.admits(lo) and shown.admits(hi)):
            span, short = f"[{limits.short(lo)}, {limits.short(hi)}]", limits.short(lo)
            at = f"the random range is {span}" if is_range else f"got {short}"
            message = f"must lie in {shown.describe()}, {at}"
        else:
            return value
        return check.error(node, path, message)

    return kind


def _random_range(check: Checker, node: Node, path: str) -> RandomRange | Any:
    fields = section(check, node, path, _RANDOM)
    if fields is None or fields["random"] is MISSING:
        return MISSING
    low, high = fields["random"]
    if not low < high:
        message = f"empty random range: low ({fmt(low)}) must be < high ({fmt(high)})"
        return check.error(fields["@nodes"]["random"], f"{path}.random", message)
    return RandomRange(low, high)


def listing(
    item: Kind,
    min_len: int = 0,
    max_len: int | None = None,
    count: str = "",
    distinct: bool = False,
) -> Kind:
    """A tuple of ``item`` values, every entry checked (MISSING if one fails); ``count``
    replaces the message for a wrong number of entries; ``distinct``: each value once."""

    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        if not isinstance(node, SequenceNode):
            return check.error(node, path, f"must be a list, got {describe(node)}")
        n = len(node.value)
        if n < min_len or (max_len is not None and n > max_len):
            bound = f"at least {min_len}" if n < min_len else f"at most {max_len}"
            return check.error(node, path, count or f"must have {bound} entries, got {n}")
        values: list[Any] = []
        seen: set[str] = set()
        for index, entry in enumerate(node.value):
            value = item(check, entry, f"{path}[{index}]", got)
            if distinct and value is not MISSING:
                if str(value) in seen:
                    value = check.error(entry, f"{path}[{index}]", f"'{value}' is listed twice")
                else:
                    seen.add(str(value))
            values.append(value)
        return MISSING if any(value is MISSING for value in values) else tuple(values)

    return kind


@dataclass(frozen=True)
class Field:
    """One field of a section: its kind, and what it is when the file says nothing.

    ``default`` may be a function of the values checked before it; ``late`` fields
    are checked after all the others (they need their values); ``note`` is added
    to "required field is missing"."""

    name: str
    kind: Kind
    required: bool = False
    default: Any = None
    note: str = ""
    late: bool = False


def section(
    check: Checker,
    node: Node,
    path: str,
    fields: Sequence[Field],
    got: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The value of each field of a mapping (MISSING where it failed), or None if not a
    mapping; ``got["@nodes"]`` holds the fields' nodes, for checks across fields."""
    given = mapping(check, node, path, [spec.name for spec in fields])
    if given is None:
        return None
    got = {**(got or {}), "@nodes": given}
    for spec in fields:
        if spec.required and spec.name not in given:
            note = f" ({spec.note})" if spec.note else ""
            check.error(node, join(path, spec.name), "required field is missing" + note)
    for spec in sorted(fields, key=lambda spec: spec.late):
        item = given.get(spec.name)
        if spec.required or not is_null(item):
            got[spec.name] = (
                MISSING if item is None else spec.kind(check, item, join(path, spec.name), got)
            )
        else:
            got[spec.name] = spec.default(got) if callable(spec.default) else spec.default
    return got


_RANDOM = (Field("random", listing(number(), 2, 2, "must be [low, high]"), required=True),)
