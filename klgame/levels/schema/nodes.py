"""Checks of PyYAML nodes that report ``file:line:col: path: message`` and go on.

A *kind* checks one node: ``kind(check, node, path, got)`` returns the value
or :data:`MISSING` (after reporting why). ``got`` holds the values of the
fields checked before it in the same section, for the checks that depend on
them. A section is a table of :class:`Field` specs that :func:`section` walks.
"""

from __future__ import annotations

import difflib
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
_TIMESTAMP = _Y + "timestamp"
#: The only tags a level file may write out.
EXPLICIT_TAGS = {"!", STR, INT, FLOAT, BOOL, NULL, _Y + "map", _Y + "seq"}
CONSTRUCTOR = yaml.constructor.SafeConstructor()
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}\Z")
TEXT_MAX = 4000


class _Missing:
    """Marks a field that is absent or failed its check (already reported)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

#: Other names authors reach for, and the word this format uses.
_SYNONYMS = {
    **dict.fromkeys(("normal", "gauss"), "gaussian"),
    **dict.fromkeys(("discrete", "multinomial"), "categorical"),
    **dict.fromkeys(("std", "sigma", "variances"), "variance"),
    **{"gmm": "mixture", "bernoulli": "binomial", "flat": "uniform", "kl_pq": "forward"},
    **{"kl_qp": "reverse", "nat": "nats", "bit": "bits", "means": "mean", "mu": "mean"},
    **{"probabilities": "probs", "labels": "support"},
    **dict.fromkeys(("js", "jsd", "jensen_shannon"), "jensen-shannon"),
    **dict.fromkeys(("kullback-leibler", "kld"), "kl"),
    **dict.fromkeys(("tv", "total_variation"), "total-variation"),
    "hellinger-distance": "hellinger",
}


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
_KINDS |= {NULL: "nothing", _TIMESTAMP: "a date"}


def describe(node: Node) -> str:
    """What a node is, in an author's words."""
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a list" if isinstance(node, SequenceNode) else _KINDS.get(node.tag, "a value")


def fmt(value: float) -> str:
    return f"{value:g}"


def optional(fields: dict[str, Node], name: str) -> Node | None:
    """A field's node, or ``None`` if absent or written as null (meaning: the default)."""
    node = fields.get(name)
    return None if node is None or (isinstance(node, ScalarNode) and node.tag == NULL) else node


_EXPONENT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+\Z")


def is_plain_exponent(node: Node) -> bool:
    """An unquoted number in exponent notation (1e-3) that YAML 1.1 reads as text."""
    return (
        isinstance(node, ScalarNode)
        and node.tag == STR
        and not node.style  # plain: None from PyYAML, "" from libyaml
        and _EXPONENT.match(node.value) is not None
    )


def support_value(value: float) -> Hashable:
    """Whole numbers as ``int`` so that 3 and 3.0 name the same support value."""
    return int(value) if float(value).is_integer() else value


#: Most problems reported for one file; the rest are counted in one last line.
MAX_PROBLEMS = 50

#: Stands for each problem found beyond :data:`MAX_PROBLEMS` (never shown).
_BEYOND = "…"


@dataclass
class Checker:
    """Collects the problems of one file; each check reports and carries on.

    Past :data:`MAX_PROBLEMS`, a problem is only counted (``errors`` still
    grows, so checks that compare its length still see it), and :attr:`full`
    tells callers to skip the work of a message nobody will read."""

    source: str
    errors: list[str] = field(default_factory=list)
    places: list[tuple[int, int]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_PROBLEMS

    def error(self, node: Node | None, path: str, message: str) -> None:
        if self.full:
            self.errors.append(_BEYOND)
            return
        mark = node.start_mark if node is not None else None
        self.at((mark.line + 1, mark.column + 1) if mark else None, path, message)

    def at(self, place: tuple[int, int] | None, path: str, message: str) -> None:
        if self.full:
            self.errors.append(_BEYOND)
            return
        where = f"{self.source}:{place[0]}:{place[1]}" if place else self.source
        self.errors.append(f"{where}: {path}: {message}" if path else f"{where}: {message}")
        self.places.append(place or (0, 0))

    def in_file_order(self) -> list[str]:
        """The first :data:`MAX_PROBLEMS` messages sorted by line and column
        (stable for equal places), then ``… and N more problems`` if more."""
        shown = len(self.places)
        order = sorted(range(shown), key=lambda i: self.places[i])
        more = len(self.errors) - shown
        tail = [f"{self.source}: … and {more} more problem{'s' * (more != 1)}"] if more else []
        return [self.errors[i] for i in order] + tail

    def mapping(
        self, node: Node, path: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> dict[str, Node] | None:
        """The fields of a mapping, checked against ``allowed`` and ``required``."""
        if not isinstance(node, MappingNode):
            self.error(node, path, f"must be a mapping of fields, got {describe(node)}")
            return None
        out: dict[str, Node] = {}
        keys: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            if key is None:
                continue
            where = f"{path}.{key}" if path else key
            if key in out:
                first = keys[key].start_mark.line + 1
                self.error(key_node, where, f"duplicate field (first given on line {first})")
            elif key not in allowed:
                hint = "" if self.full else did_you_mean(key, allowed)
                self.error(key_node, where, "unknown field" + hint)
            else:
                out[key], keys[key] = value_node, key_node
        for name in required:
            if name not in out:
                self.error(node, f"{path}.{name}" if path else name, "required field is missing")
        return out

    def key(self, node: Node, path: str, numeric: bool = False) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == STR:
            return node.value
        if numeric and isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
            value = self.number(node, path or "key")
            return None if value is MISSING else str(support_value(value))
        self.error(node, path, f"field names must be text, got {describe(node)}")
        return None

    def sequence(
        self, node: Node, path: str, min_len: int = 0, max_len: int | None = None
    ) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.error(node, path, f"must be a list, got {describe(node)}")
            return None
        count = len(node.value)
        if count < min_len or (max_len is not None and count > max_len):
            bound = f"at least {min_len}" if count < min_len else f"at most {max_len}"
            self.error(node, path, f"must have {bound} entries, got {count}")
            return None
        return list(node.value)

    def text(
        self, node: Node, path: str, one_line: bool = False, max_len: int = TEXT_MAX
    ) -> str | Any:
        if not isinstance(node, ScalarNode) or node.tag not in (STR, _TIMESTAMP):
            hint = " (put it in quotes)" if isinstance(node, ScalarNode) else ""
            return self.fail(node, path, f"must be text, got {describe(node)}{hint}")
        value = node.value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.strip() if one_line else value.rstrip()
        if not value:
            return self.fail(node, path, "must not be empty")
        if one_line and "\n" in value:
            return self.fail(node, path, "must be a single line")
        refused = text_problems(value, multiline=not one_line)
        if refused:
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            return self.fail(node, path, f"{refused[0]}{more} (texts are shown as plain text)")
        value = sanitize(value, multiline=not one_line)
        if len(value) > max_len:
            return self.fail(
                node, path, f"is too long ({len(value)} characters, at most {max_len})"
            )
        return value

    def fail(self, node: Node | None, path: str, message: str) -> Any:
        """Report ``message`` and return :data:`MISSING`."""
        self.error(node, path, message)
        return MISSING

    def number(self, node: Node, path: str) -> float | Any:
        if is_plain_exponent(node):  # 1e-3: text to YAML 1.1, a number to everyone else
            value = float(node.value)
        elif not isinstance(node, ScalarNode) or node.tag not in (INT, FLOAT):
            got = describe(node)
            if isinstance(node, ScalarNode) and node.tag == STR:
                got = f"text '{escape_unsafe(node.value, 40)}'"
            return self.fail(node, path, f"must be a number, got {got}")
        else:
            try:
                if node.tag == FLOAT:
                    value = float(CONSTRUCTOR.construct_yaml_float(node))
                else:
                    value = float(CONSTRUCTOR.construct_yaml_int(node))
            except (ValueError, OverflowError):
                return self.fail(node, path, "is not a number this game can use")
        return value if math.isfinite(value) else self.fail(node, path, "must be a finite number")

    def choice(self, node: Node, path: str, options: Sequence[str]) -> str | Any:
        if not isinstance(node, ScalarNode) or node.tag != STR:
            return self.fail(
                node, path, f"must be one of {', '.join(options)}; got {describe(node)}"
            )
        if node.value not in options:
            shown = escape_unsafe(node.value, 40)
            return self.fail(
                node, path, f"unknown value '{shown}'" + did_you_mean(node.value, options)
            )
        return node.value

    def random_range(self, node: Node, path: str) -> RandomRange | Any:
        """``{random: [low, high]}`` with low < high."""
        fields = self.mapping(node, path, ("random",), ("random",))
        if not fields or "random" not in fields:
            return MISSING
        where, at = f"{path}.random", fields["random"]
        items = self.sequence(at, where)
        if items is None:
            return MISSING
        if len(items) != 2:
            return self.fail(at, where, "must be [low, high]")
        low, high = (self.number(item, f"{where}[{i}]") for i, item in enumerate(items))
        if low is MISSING or high is MISSING:
            return MISSING
        if not low < high:
            message = f"empty random range: low ({fmt(low)}) must be < high ({fmt(high)})"
            return self.fail(at, where, message)
        return RandomRange(low, high)

    def within(
        self,
        node: Node,
        path: str,
        value: float | RandomRange,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        shown: Limit | None = None,
    ) -> bool:
        """Every value ``value`` can take lies in [low, high] (or (low, high]) and in ``shown``."""
        is_range = isinstance(value, RandomRange)
        lo, hi = (value.low, value.high) if isinstance(value, RandomRange) else (value, value)
        if low is not None and (lo <= low if low_open else lo < low):
            got = f"the random range starts at {fmt(lo)}" if is_range else f"got {fmt(lo)}"
            self.error(node, path, f"must be {'>' if low_open else '>='} {fmt(low)}, {got}")
            return False
        if high is not None and hi > high:
            got = f"the random range ends at {fmt(hi)}" if is_range else f"got {fmt(hi)}"
            self.error(node, path, f"must be <= {fmt(high)}, {got}")
            return False
        if shown is None or (shown.admits(lo) and shown.admits(hi)):
            return True
        short = limits.short
        got = f"the random range is [{short(lo)}, {short(hi)}]" if is_range else f"got {short(lo)}"
        self.error(node, path, f"must lie in {shown.describe()}, {got}")
        return False


# --- kinds -------------------------------------------------------------------------

Kind = Callable[[Checker, Node, str, dict[str, Any]], Any]


def text(one_line: bool = False, max_len: int = TEXT_MAX) -> Kind:
    return lambda check, node, path, got: check.text(node, path, one_line, max_len)


def ident(check: Checker, node: Node, path: str, got: dict[str, Any]) -> str | Any:
    value = check.text(node, path, one_line=True, max_len=48)
    if value is MISSING or ID.match(value):
        return value
    return check.fail(node, path, f"'{value}' is not a valid id")


def choice(options: Sequence[str]) -> Kind:
    return lambda check, node, path, got: check.choice(node, path, options)


def boolean(check: Checker, node: Node, path: str, got: dict[str, Any]) -> bool | Any:
    if not isinstance(node, ScalarNode) or node.tag != BOOL:
        return check.fail(node, path, f"must be true or false, got {describe(node)}")
    return bool(CONSTRUCTOR.construct_yaml_bool(node))


def number(
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    shown: Limit | None = None,
    random: bool = False,
    whole: bool = False,
) -> Kind:
    """A finite number in the given bounds; with ``random``, or a random range."""

    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        is_range = random and isinstance(node, MappingNode)
        value: Any = check.random_range(node, path) if is_range else check.number(node, path)
        if value is MISSING:
            return value
        if whole and not value.is_integer():
            return check.fail(node, path, f"must be a whole number, got {fmt(value)}")
        if whole and not (low is None or high is None or low <= value <= high):
            message = f"must be between {int(low)} and {int(high)}, got {int(value)}"
            return check.fail(node, path, message)
        if not whole and not check.within(node, path, value, low, high, low_open, shown):
            return MISSING
        return int(value) if whole else value

    return kind


def listing(item: Kind, min_len: int = 0, max_len: int | None = None) -> Kind:
    """A list of ``item`` values: every entry is checked, MISSING if one fails."""

    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        items = check.sequence(node, path, min_len, max_len)
        if items is None:
            return MISSING
        values = [item(check, entry, f"{path}[{i}]", got) for i, entry in enumerate(items)]
        return MISSING if any(v is MISSING for v in values) else tuple(values)

    return kind


@dataclass(frozen=True)
class Field:
    """One field of a section: its kind, and what it is when the file says nothing.

    ``default`` may be a function of the values checked before it; ``late``
    fields are checked after all the others (they need their values).
    """

    name: str
    kind: Kind
    required: bool = False
    default: Any = None
    note: str = ""  # added to "required field is missing"
    late: bool = False


def section(
    check: Checker,
    node: Node,
    path: str,
    fields: Sequence[Field],
    got: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Check a mapping against ``fields``: the value of each (MISSING where it
    failed), or None if ``node`` is not a mapping. ``got["@nodes"]`` holds the
    fields' nodes for the checks across fields."""
    given = check.mapping(node, path, [f.name for f in fields])
    if given is None:
        return None
    got = {} if got is None else got
    got["@nodes"] = given
    for spec in fields:
        if spec.required and spec.name not in given:
            note = f" ({spec.note})" if spec.note else ""
            check.error(
                node,
                f"{path}.{spec.name}" if path else spec.name,
                "required field is missing" + note,
            )
    for spec in sorted(fields, key=lambda f: f.late):
        where = f"{path}.{spec.name}" if path else spec.name
        item = given.get(spec.name) if spec.required else optional(given, spec.name)
        if item is not None:
            got[spec.name] = spec.kind(check, item, where, got)
        elif spec.required:
            got[spec.name] = MISSING
        else:
            got[spec.name] = spec.default(got) if callable(spec.default) else spec.default
    return got
