"""The level schema: checks a composed YAML node tree and builds a :class:`Level`.

Works on PyYAML nodes, not on constructed Python objects, so that every
message can name the line and column to fix. Each check reports its problem
and carries on (a failed value becomes :data:`MISSING`), so one pass finds
every problem of a file. The field reference is ``docs/levels.md``.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klgame.engine import (
    BinomialFamily,
    CategoricalFamily,
    Family,
    GaussianFamily,
    MixtureFamily,
    UniformFamily,
)
from klgame.levels import limits
from klgame.levels.errors import LevelError, escape_unsafe
from klgame.levels.limits import Limit
from klgame.levels.model import (
    DEFAULT_METERS,
    DEFAULT_STARS,
    Direction,
    GuessModel,
    Level,
    Meter,
    Number,
    ParamSpec,
    Question,
    RandomRange,
    TargetKind,
    TargetSpec,
    Units,
    View,
)
from klgame.levels.scorable import never_scored
from klgame.levels.texts import CONDITIONS, RevealPart
from klgame.levels.texts import problems as placeholder_problems
from klgame.text import problems as text_problems
from klgame.text import sanitize

#: YAML's own tags: ``!!int`` is ``tag:yaml.org,2002:int``.
YAML_TAG_PREFIX = _Y = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_Y + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _TIMESTAMP = _Y + "map", _Y + "seq", _Y + "timestamp"
#: The only tags a level file may write out.
EXPLICIT_TAGS = {"!", _STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ}
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}\Z")
_TITLE_MAX, _LESSON_MAX, _TEXT_MAX, _LABEL_MAX = 60, 100, 4000, 40
_MAX_COMPONENTS, _MAX_SUPPORT, _MAX_N, _MAX_MODELS = 8, 50, 200, 8
_SUM_TOLERANCE = 1e-6
_MIN_RELATIVE_STEP = limits.MIN_RELATIVE_STEP

DIRECTIONS: tuple[Direction, ...] = ("forward", "reverse")
UNITS: tuple[Units, ...] = ("nats", "bits")
TARGET_FAMILIES: tuple[TargetKind, ...] = ("gaussian", "mixture", "categorical", "binomial")
GUESS_FAMILIES = ("gaussian", "mixture", "categorical", "binomial", "uniform")
_CONTINUOUS = ("gaussian", "mixture")

_LEVEL_FIELDS = (
    "id",
    "title",
    "lesson",
    "order",
    "intro",
    "reveal",
    "target",
    "guess",
    "direction",
    "show",
    "units",
    "view",
    "meters",
    "stars",
    "hidden",
    "question",
)
_TARGET_FIELDS = {
    "gaussian": ("family", "mean", "variance"),
    "mixture": ("family", "weights", "means", "variances"),
    "categorical": ("family", "support", "probs", "counts"),
    "binomial": ("family", "n", "p"),
}
_MODEL_FIELDS = {
    "gaussian": ("family", "id", "title", "params"),
    "mixture": ("family", "id", "title", "components", "weights", "params"),
    "categorical": ("family", "id", "title", "support", "params"),
    "binomial": ("family", "id", "title", "n", "params"),
    "uniform": ("family", "id", "title", "support"),
}
_PARAM_FIELDS = ("label", "start", "min", "max", "step", "big_step", "fixed")
_VIEW_FIELDS = ("x_min", "x_max", "y_max", "labels")
_METER_FIELDS = ("label", "limit")

#: ``order`` of a level that does not give one: after the built-ins.
DEFAULT_ORDER = 100


# --- messages ------------------------------------------------------------------


class _Missing:
    """Marks a field that is absent or failed its check (already reported)."""


MISSING = _Missing()


#: Other names authors reach for, and the word this format uses.
_SYNONYMS = {
    "normal": "gaussian",
    "gauss": "gaussian",
    "gmm": "mixture",
    "discrete": "categorical",
    "multinomial": "categorical",
    "bernoulli": "binomial",
    "flat": "uniform",
    "kl_pq": "forward",
    "kl_qp": "reverse",
    "nat": "nats",
    "bit": "bits",
    "variances": "variance",
    "means": "mean",
    "std": "variance",
    "sigma": "variance",
    "mu": "mean",
    "probabilities": "probs",
    "labels": "support",
}


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    synonym = _SYNONYMS.get(word.lower())
    if synonym in options:
        note = (
            " Note: the variance, not the standard deviation." if word in ("std", "sigma") else ""
        )
        return f" (did you mean '{synonym}'?{note})"
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    if len(options) <= 8:
        return f" (expected one of: {', '.join(options)})"
    return ""


def _describe(node: Node) -> str:
    """What a node is, in an author's words."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        _STR: "text",
        _INT: "a whole number",
        _FLOAT: "a number",
        _BOOL: "true/false",
        _NULL: "nothing",
        _TIMESTAMP: "a date",
    }.get(node.tag, "a value")


def _fmt(value: float) -> str:
    return f"{value:g}"


@dataclass
class _Checker:
    """Collects the problems of one file; each check reports and carries on."""

    source: str
    errors: list[str] = field(default_factory=list)
    _places: list[tuple[int, int]] = field(default_factory=list)

    def error(self, node: Node | None, path: str, message: str) -> None:
        where = self.source
        place = (0, 0)
        if node is not None:
            mark = node.start_mark
            place = (mark.line + 1, mark.column + 1)
            where = f"{where}:{place[0]}:{place[1]}"
        self.errors.append(f"{where}: {path}: {message}" if path else f"{where}: {message}")
        self._places.append(place)

    def in_file_order(self) -> list[str]:
        """The messages sorted by line and column (stable for equal places)."""
        order = sorted(range(len(self.errors)), key=lambda i: self._places[i])
        return [self.errors[i] for i in order]

    # --- containers ---

    def mapping(
        self,
        node: Node,
        path: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
        numeric_keys: bool = False,
    ) -> dict[str, Node] | None:
        """The fields of a mapping, checked against ``allowed`` and ``required``."""
        if not isinstance(node, MappingNode):
            self.error(node, path, f"must be a mapping of fields, got {_describe(node)}")
            return None
        out: dict[str, Node] = {}
        keys: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path, numeric_keys)
            if key is None:
                continue
            where = f"{path}.{key}" if path else key
            if key in out:
                first = keys[key].start_mark.line + 1
                self.error(key_node, where, f"duplicate field (first given on line {first})")
                continue
            if key not in allowed:
                self.error(key_node, where, "unknown field" + _did_you_mean(key, allowed))
                continue
            out[key] = value_node
            keys[key] = key_node
        for name in required:
            if name not in out:
                where = f"{path}.{name}" if path else name
                self.error(node, where, "required field is missing")
        return out

    def key(self, node: Node, path: str, numeric: bool) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _STR:
            return node.value
        if numeric and isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
            value = self.number(node, path or "key")
            return None if isinstance(value, _Missing) else str(_support_value(value))
        self.error(node, path, f"field names must be text, got {_describe(node)}")
        return None

    def sequence(
        self, node: Node, path: str, min_len: int = 0, max_len: int | None = None
    ) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.error(node, path, f"must be a list, got {_describe(node)}")
            return None
        if len(node.value) < min_len:
            self.error(node, path, f"must have at least {min_len} entries, got {len(node.value)}")
            return None
        if max_len is not None and len(node.value) > max_len:
            self.error(node, path, f"must have at most {max_len} entries, got {len(node.value)}")
            return None
        return list(node.value)

    # --- scalars ---

    def text(
        self, node: Node, path: str, one_line: bool = False, max_len: int = _TEXT_MAX
    ) -> str | _Missing:
        if not isinstance(node, ScalarNode) or node.tag not in (_STR, _TIMESTAMP):
            hint = " (put it in quotes)" if isinstance(node, ScalarNode) else ""
            self.error(node, path, f"must be text, got {_describe(node)}{hint}")
            return MISSING
        value = node.value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.strip() if one_line else value.rstrip()
        if not value:
            self.error(node, path, "must not be empty")
            return MISSING
        if one_line and "\n" in value:
            self.error(node, path, "must be a single line")
            return MISSING
        refused = text_problems(value, multiline=not one_line)
        if refused:
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            self.error(node, path, f"{refused[0]}{more} (texts are shown as plain text)")
            return MISSING
        value = sanitize(value, multiline=not one_line)
        if len(value) > max_len:
            self.error(node, path, f"is too long ({len(value)} characters, at most {max_len})")
            return MISSING
        return value

    def number(self, node: Node, path: str) -> float | _Missing:
        if _is_plain_exponent(node):  # 1e-3: text to YAML 1.1, a number to everyone else
            value = float(node.value)
            if not math.isfinite(value):
                self.error(node, path, "must be a finite number")
                return MISSING
            return value
        if not isinstance(node, ScalarNode) or node.tag not in (_INT, _FLOAT):
            got = _describe(node)
            if isinstance(node, ScalarNode) and node.tag == _STR:
                got = f"text '{escape_unsafe(node.value, 40)}'"
            self.error(node, path, f"must be a number, got {got}")
            return MISSING
        try:
            if node.tag == _INT:
                raw: Any = _CONSTRUCTOR.construct_yaml_int(node)
            else:
                raw = _CONSTRUCTOR.construct_yaml_float(node)
            value = float(raw)
        except (ValueError, OverflowError):
            self.error(node, path, "is not a number this game can use")
            return MISSING
        if not math.isfinite(value):
            self.error(node, path, "must be a finite number")
            return MISSING
        return value

    def integer(self, node: Node, path: str) -> int | _Missing:
        value = self.number(node, path)
        if isinstance(value, _Missing):
            return value
        if not value.is_integer():
            self.error(node, path, f"must be a whole number, got {_fmt(value)}")
            return MISSING
        return int(value)

    def choice(self, node: Node, path: str, options: Sequence[str]) -> str | _Missing:
        if not isinstance(node, ScalarNode) or node.tag != _STR:
            self.error(node, path, f"must be one of {', '.join(options)}; got {_describe(node)}")
            return MISSING
        if node.value not in options:
            shown = escape_unsafe(node.value, 40)
            self.error(node, path, f"unknown value '{shown}'" + _did_you_mean(node.value, options))
            return MISSING
        return node.value

    def number_or_random(self, node: Node, path: str) -> Number | _Missing:
        """A number, or ``{random: [low, high]}`` with low < high."""
        if not isinstance(node, MappingNode):
            return self.number(node, path)
        fields = self.mapping(node, path, ("random",), ("random",))
        if not fields or "random" not in fields:
            return MISSING
        items = self.sequence(fields["random"], f"{path}.random")
        if items is None:
            return MISSING
        if len(items) != 2:
            self.error(fields["random"], f"{path}.random", "must be [low, high]")
            return MISSING
        low = self.number(items[0], f"{path}.random[0]")
        high = self.number(items[1], f"{path}.random[1]")
        if isinstance(low, _Missing) or isinstance(high, _Missing):
            return MISSING
        if not low < high:
            self.error(
                fields["random"],
                f"{path}.random",
                f"empty random range: low ({_fmt(low)}) must be < high ({_fmt(high)})",
            )
            return MISSING
        return RandomRange(low, high)

    def check_range(
        self,
        node: Node,
        path: str,
        value: Number,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
    ) -> bool:
        """Every value ``value`` can take lies in [low, high] (or (low, high])."""
        is_range = isinstance(value, RandomRange)
        lo, hi = (value.low, value.high) if isinstance(value, RandomRange) else (value, value)
        if low is not None and (lo <= low if low_open else lo < low):
            sign = ">" if low_open else ">="
            got = f"the random range starts at {_fmt(lo)}" if is_range else f"got {_fmt(lo)}"
            self.error(node, path, f"must be {sign} {_fmt(low)}, {got}")
            return False
        if high is not None and hi > high:
            got = f"the random range ends at {_fmt(hi)}" if is_range else f"got {_fmt(hi)}"
            self.error(node, path, f"must be <= {_fmt(high)}, {got}")
            return False
        return True

    def drawable(self, node: Node, path: str, value: Number, limit: Limit) -> bool:
        """Every value ``value`` can take lies in what the game can show (``limits``)."""
        lo, hi = (value.low, value.high) if isinstance(value, RandomRange) else (value, value)
        if limit.admits(lo) and limit.admits(hi):
            return True
        if isinstance(value, RandomRange):
            got = f"the random range is [{limits.short(lo)}, {limits.short(hi)}]"
        else:
            got = f"got {limits.short(lo)}"
        self.error(node, path, f"must lie in {limit.describe()}, {got}")
        return False


_EXPONENT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+\Z")


def _is_plain_exponent(node: Node) -> bool:
    """An unquoted number in exponent notation that YAML 1.1 reads as text."""
    return (
        isinstance(node, ScalarNode)
        and node.tag == _STR
        and not node.style  # plain: None from PyYAML, "" from libyaml
        and _EXPONENT.match(node.value) is not None
    )


def _support_value(value: float) -> Hashable:
    """Whole numbers as ``int`` so that 3 and 3.0 name the same support value."""
    return int(value) if float(value).is_integer() else value


# --- the level -------------------------------------------------------------------


def _optional(fields: dict[str, Node], name: str) -> Node | None:
    """A field's node, or ``None`` if absent or written as null (meaning: the default)."""
    node = fields.get(name)
    if node is None or (isinstance(node, ScalarNode) and node.tag == _NULL):
        return None
    return node


def check_level(
    root: Node,
    source: str,
    content_hash: str,
    path: str | None,
    lookup: TargetLookup | None = None,
) -> Level:
    """The level in ``root``, or a :class:`LevelError` listing every problem.

    ``source`` names the file in messages; ``path`` is stored as ``Level.source``.
    ``lookup`` finds the target of another level for ``target: {same_as: ID}``.
    """
    check = _Checker(source)
    fields = check.mapping(
        root, "", _LEVEL_FIELDS, ("id", "title", "lesson", "intro", "reveal", "target", "guess")
    )
    if fields is None:
        raise LevelError(check.errors, path)
    level_id: str | _Missing = MISSING
    if "id" in fields:
        level_id = check.text(fields["id"], "id", one_line=True, max_len=48)
        if isinstance(level_id, str) and not _ID.match(level_id):
            check.error(
                fields["id"],
                "id",
                f"'{level_id}' is not a valid id: use lowercase letters, digits, '-' and '_', "
                "starting with a letter or digit",
            )
            level_id = MISSING
    texts: dict[str, str | _Missing] = {}
    for name, one_line, limit in (
        ("title", True, _TITLE_MAX),
        ("lesson", True, _LESSON_MAX),
        ("intro", False, _TEXT_MAX),
        ("reveal", False, _TEXT_MAX),
    ):
        if name == "reveal" and isinstance(fields.get(name), SequenceNode):
            continue  # parts: checked once the guesses are known
        texts[name] = check.text(fields[name], name, one_line, limit) if name in fields else MISSING
    order: int | _Missing = DEFAULT_ORDER
    if (node := _optional(fields, "order")) is not None:
        order = check.integer(node, "order")
        if isinstance(order, int) and not -1_000_000 <= order <= 1_000_000:
            check.error(node, "order", "must be between -1000000 and 1000000")
            order = MISSING

    target: TargetSpec | _Missing = MISSING
    target_from: str | None = None
    if "target" in fields and _is_shared_target(fields["target"]):
        target, target_from, content_hash = _check_shared_target(
            check, fields["target"], "target", level_id, lookup, content_hash
        )
    elif "target" in fields:
        target = _check_target(check, fields["target"], "target")

    models: tuple[GuessModel, ...] | _Missing = MISSING
    if "guess" in fields:
        models = _check_guesses(check, fields["guess"], "guess", target)

    direction: str | _Missing = MISSING
    if "direction" in fields:
        direction = check.choice(fields["direction"], "direction", DIRECTIONS)
    else:
        check.error(
            root, "direction", "required field is missing (forward: KL(p‖q), reverse: KL(q‖p))"
        )

    show: tuple[str, ...] | _Missing = (direction,) if isinstance(direction, str) else MISSING
    if (node := _optional(fields, "show")) is not None:
        show = _check_show(check, node, direction)

    units: str | _Missing = "nats"
    if (node := _optional(fields, "units")) is not None:
        units = check.choice(node, "units", UNITS)

    view: View | _Missing = View()
    if (node := _optional(fields, "view")) is not None:
        view = _check_view(check, node, "view", target)

    meters: tuple[Meter, ...] | _Missing = DEFAULT_METERS
    if (node := _optional(fields, "meters")) is not None:
        meters = _check_meters(check, node, "meters")

    stars: tuple[float, float, float] | _Missing = DEFAULT_STARS
    if (node := _optional(fields, "stars")) is not None:
        stars = _check_stars(check, node, "stars")

    hidden = _check_hidden(check, _optional(fields, "hidden"), target)
    question = _check_question(check, _optional(fields, "question"), "question")

    if isinstance(target, TargetSpec) and isinstance(models, tuple) and direction in DIRECTIONS:
        problem = never_scored(target, models, cast(Direction, direction))
        if problem is not None:
            check.error(fields["guess"], "guess", problem)
    parts: tuple[RevealPart, ...] | _Missing = ()
    if "reveal" in fields:
        shared = "target" in fields and _is_shared_target(fields["target"])
        parts = _check_reveal(check, fields["reveal"], texts, models, shared)

    if check.errors:
        raise LevelError(check.in_file_order(), path)
    assert isinstance(level_id, str) and isinstance(order, int)
    assert isinstance(hidden, bool)
    assert not isinstance(target, _Missing) and not isinstance(models, _Missing)
    assert isinstance(direction, str) and isinstance(units, str)
    assert not isinstance(show, _Missing) and not isinstance(view, _Missing)
    assert not isinstance(meters, _Missing) and not isinstance(stars, _Missing)
    assert not isinstance(parts, _Missing)
    return Level(
        id=level_id,
        title=cast(str, texts["title"]),
        lesson=cast(str, texts["lesson"]),
        intro=cast(str, texts["intro"]),
        reveal=cast(str, texts["reveal"]),
        order=order,
        target=target,
        models=models,
        direction=cast(Direction, direction),
        show=cast(tuple[Direction, ...], show),
        units=cast(Units, units),
        view=view,
        meters=meters,
        stars=stars,
        source=path,
        content_hash=content_hash,
        hidden=hidden,
        reveal_parts=parts,
        target_from=target_from,
        question=cast("Question | None", question),
    )


#: Keys a question's choices may use: one lower-case letter each, typed to answer.
QUESTION_KEYS = "abcdef"


def _check_question(check: _Checker, node: Node | None, path: str) -> Question | _Missing | None:
    """``question: {ask, choices: {a: text, b: text, ...}, answer: a, explain}``."""
    if node is None:
        return None
    fields = check.mapping(
        node, path, ("ask", "choices", "answer", "explain"), ("ask", "choices", "answer")
    )
    if fields is None:
        return MISSING
    ask = (
        check.text(fields["ask"], f"{path}.ask", one_line=True, max_len=_LESSON_MAX)
        if "ask" in fields
        else MISSING
    )
    explain: str | _Missing = ""
    if (explain_node := _optional(fields, "explain")) is not None:
        explain = check.text(explain_node, f"{path}.explain", one_line=False, max_len=_TEXT_MAX)
    choices: list[tuple[str, str]] = []
    ok = True
    choices_node = fields.get("choices")
    if choices_node is not None:
        if not isinstance(choices_node, MappingNode):
            check.error(
                choices_node,
                f"{path}.choices",
                "must be a mapping of keys to texts, like {a: 'One peak', b: 'Both'}, "
                f"got {_describe(choices_node)}",
            )
            ok = False
        else:
            for key_node, text_node in choices_node.value:
                key = key_node.value if isinstance(key_node, ScalarNode) else ""
                where = f"{path}.choices.{key}"
                if not (isinstance(key, str) and len(key) == 1 and key in QUESTION_KEYS):
                    check.error(
                        key_node,
                        f"{path}.choices",
                        f"choice keys are the letters {', '.join(QUESTION_KEYS)} (one each, typed "
                        f"to answer), got '{sanitize(str(key), max_len=20)}'",
                    )
                    ok = False
                    continue
                if key in dict(choices):
                    check.error(key_node, where, "appears twice")
                    ok = False
                    continue
                text = check.text(text_node, where, one_line=True, max_len=_TITLE_MAX * 2)
                if isinstance(text, _Missing):
                    ok = False
                    continue
                choices.append((key, text))
            if ok and len(choices) < 2:
                check.error(
                    choices_node, f"{path}.choices", f"needs at least 2 choices, got {len(choices)}"
                )
                ok = False
    answer: str | _Missing = MISSING
    if "answer" in fields:
        answer_node = fields["answer"]
        if ok and choices:
            answer = check.choice(answer_node, f"{path}.answer", [key for key, _ in choices])
    if (
        not ok
        or isinstance(ask, _Missing)
        or isinstance(answer, _Missing)
        or isinstance(explain, _Missing)
    ):
        return MISSING
    return Question(ask=ask, choices=tuple(choices), answer=answer, explain=explain)


def _check_hidden(
    check: _Checker, node: Node | None, target: TargetSpec | _Missing
) -> bool | _Missing:
    """Whether the target stays hidden until the reveal.

    Unless the file says, a continuous target is hidden, and so is a random
    discrete one; a fixed discrete target is data to look at (the worms' counts).
    """
    if node is None:
        if isinstance(target, _Missing):
            return True
        return not target.is_discrete or target.is_random
    if not isinstance(node, ScalarNode) or node.tag != _BOOL:
        check.error(node, "hidden", f"must be true or false, got {_describe(node)}")
        return MISSING
    return bool(_CONSTRUCTOR.construct_yaml_bool(node))


def _check_show(
    check: _Checker, node: Node, direction: str | _Missing
) -> tuple[str, ...] | _Missing:
    items = check.sequence(node, "show", min_len=1, max_len=2)
    if items is None:
        return MISSING
    shown: list[str] = []
    ok = True
    for index, item in enumerate(items):
        value = check.choice(item, f"show[{index}]", DIRECTIONS)
        if isinstance(value, _Missing):
            ok = False
        elif value in shown:
            check.error(item, f"show[{index}]", f"'{value}' is listed twice")
            ok = False
        else:
            shown.append(value)
    if ok and isinstance(direction, str) and direction not in shown:
        check.error(node, "show", f"must include the scoring direction '{direction}'")
        ok = False
    return tuple(shown) if ok else MISSING


def _check_view(
    check: _Checker, node: Node, path: str, target: TargetSpec | _Missing
) -> View | _Missing:
    fields = check.mapping(node, path, _VIEW_FIELDS)
    if fields is None:
        return MISSING
    ok = True
    numbers: dict[str, float | None] = {"x_min": None, "x_max": None, "y_max": None}
    for name in numbers:
        if (item := _optional(fields, name)) is not None:
            value = check.number(item, f"{path}.{name}")
            if isinstance(value, _Missing):
                ok = False
            elif name == "y_max" and value <= 0:
                check.error(item, f"{path}.y_max", "must be > 0")
                ok = False
            elif not check.drawable(
                item, f"{path}.{name}", value, limits.VIEW_Y if name == "y_max" else limits.VIEW_X
            ):
                ok = False
            else:
                numbers[name] = value
    x_min, x_max, y_max = numbers["x_min"], numbers["x_max"], numbers["y_max"]
    if x_min is not None and x_max is not None and not x_min < x_max:
        check.error(node, f"{path}.x_min", f"must be < x_max ({_fmt(x_min)} >= {_fmt(x_max)})")
        ok = False
    elif x_min is not None and x_max is not None:
        narrowest = limits.MIN_RELATIVE_VIEW * max(1.0, abs(x_min), abs(x_max))
        if x_max - x_min < narrowest:
            check.error(
                node,
                f"{path}.x_max",
                f"the view must be at least {limits.short(narrowest)} wide (a millionth of "
                f"the largest of 1 and its ends' sizes), got {limits.short(x_max - x_min)}",
            )
            ok = False
    labels: tuple[str, ...] | None = None
    if (item := _optional(fields, "labels")) is not None:
        entries = check.sequence(item, f"{path}.labels", min_len=1, max_len=_MAX_SUPPORT)
        if entries is None:
            ok = False
        else:
            texts = [
                check.text(entry, f"{path}.labels[{i}]", True, _LABEL_MAX)
                for i, entry in enumerate(entries)
            ]
            if any(isinstance(t, _Missing) for t in texts):
                ok = False
            else:
                labels = tuple(cast(list[str], texts))
            if isinstance(target, TargetSpec):
                if not target.is_discrete:
                    check.error(item, f"{path}.labels", "only discrete targets have labels")
                    ok = False
                elif labels is not None and len(labels) != len(target.support):
                    check.error(
                        item,
                        f"{path}.labels",
                        f"must have one label per support value ({len(target.support)}), "
                        f"got {len(labels)}",
                    )
                    ok = False
    if not ok:
        return MISSING
    return View(x_min=x_min, x_max=x_max, y_max=y_max, labels=labels)


def _check_meters(check: _Checker, node: Node, path: str) -> tuple[Meter, ...] | _Missing:
    items = check.sequence(node, path, max_len=4)
    if items is None:
        return MISSING
    meters: list[Meter] = []
    ok = True
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        fields = check.mapping(item, where, _METER_FIELDS, _METER_FIELDS)
        if fields is None or len(fields) < 2:
            ok = False
            continue
        label = check.text(fields["label"], f"{where}.label", True, _LABEL_MAX)
        limit = check.number(fields["limit"], f"{where}.limit")
        if isinstance(limit, float) and limit <= 0:
            check.error(fields["limit"], f"{where}.limit", "must be > 0")
            limit = MISSING
        if isinstance(label, str) and isinstance(limit, float):
            meters.append(Meter(label, limit))
        else:
            ok = False
    return tuple(meters) if ok else MISSING


def _check_stars(check: _Checker, node: Node, path: str) -> tuple[float, float, float] | _Missing:
    items = check.sequence(node, path)
    if items is None:
        return MISSING
    if len(items) != 3:
        check.error(node, path, f"must list 3 thresholds (3, 2, 1 stars), got {len(items)}")
        return MISSING
    values = [check.number(item, f"{path}[{i}]") for i, item in enumerate(items)]
    if any(isinstance(v, _Missing) for v in values):
        return MISSING
    numbers = cast(list[float], values)
    negative = [index for index, value in enumerate(numbers) if value < 0]
    for index in negative:
        check.error(items[index], f"{path}[{index}]", "must be >= 0")
    if negative:
        return MISSING
    if not numbers[0] <= numbers[1] <= numbers[2]:
        check.error(node, path, "thresholds must not decrease: 3 stars needs the smallest excess")
        return MISSING
    return (numbers[0], numbers[1], numbers[2])


# --- the target ------------------------------------------------------------------


def _check_target(check: _Checker, node: Node, path: str) -> TargetSpec | _Missing:
    family = _family_of(check, node, path, TARGET_FAMILIES)
    if family is None:
        return MISSING
    fields = check.mapping(node, path, _TARGET_FIELDS[family])
    if fields is None:
        return MISSING
    errors_before = len(check.errors)
    spec: TargetSpec | _Missing = MISSING
    if family == "gaussian":
        spec = _gaussian_target(check, node, fields, path)
    elif family == "mixture":
        spec = _mixture_target(check, node, fields, path)
    elif family == "categorical":
        spec = _categorical_target(check, node, fields, path)
    elif family == "binomial":
        spec = _binomial_target(check, node, fields, path)
    if isinstance(spec, _Missing) or len(check.errors) > errors_before:
        return MISSING
    try:  # the engine's own checks, on a value each parameter can take
        spec.build({name: _middle(value) for name, value in spec.params})
    except ValueError as error:
        check.error(node, path, str(error))
        return MISSING
    return spec


def _middle(value: Number) -> float:
    return 0.5 * (value.low + value.high) if isinstance(value, RandomRange) else value


def _family_of(check: _Checker, node: Node, path: str, options: Sequence[str]) -> str | None:
    if not isinstance(node, MappingNode):
        check.error(node, path, f"must be a mapping of fields, got {_describe(node)}")
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "family":
            family = check.choice(value, f"{path}.family", options)
            return family if isinstance(family, str) else None
    check.error(node, f"{path}.family", f"required field is missing ({', '.join(options)})")
    return None


def _need(
    check: _Checker, node: Node, fields: dict[str, Node], path: str, name: str
) -> Node | None:
    if name in fields:
        return fields[name]
    check.error(node, f"{path}.{name}", "required field is missing")
    return None


def _whole_number(
    check: _Checker, node: Node | None, path: str, high: int, show_value: bool = True
) -> int | _Missing:
    """A required whole number in [1, high] (``node`` is None when it is missing)."""
    if node is None:
        return MISSING
    value = check.integer(node, path)
    if isinstance(value, int) and not 1 <= value <= high:
        got = f", got {value}" if show_value else ""
        check.error(node, path, f"must be between 1 and {high}{got}")
        return MISSING
    return value


def _gaussian_target(
    check: _Checker, node: Node, fields: dict[str, Node], path: str
) -> TargetSpec | _Missing:
    params: list[tuple[str, Number]] = []
    for name in ("mean", "variance"):
        item = _need(check, node, fields, path, name)
        if item is None:
            continue
        value = check.number_or_random(item, f"{path}.{name}")
        if isinstance(value, _Missing):
            continue
        if name == "variance" and not check.check_range(
            item, f"{path}.{name}", value, low=0.0, low_open=True
        ):
            continue
        shown = limits.VARIANCE if name == "variance" else limits.MEAN
        if not check.drawable(item, f"{path}.{name}", value, shown):
            continue
        params.append((name, value))
    if len(params) < 2:
        return MISSING
    return TargetSpec("gaussian", tuple(params))


def _number_list(
    check: _Checker,
    node: Node,
    path: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    random: bool = True,
    shown: Limit | None = None,
) -> list[Number] | None:
    items = check.sequence(node, path, min_len=1, max_len=_MAX_SUPPORT)
    if items is None:
        return None
    out: list[Number] = []
    ok = True
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        value = check.number_or_random(item, where) if random else check.number(item, where)
        if isinstance(value, _Missing):
            ok = False
        elif check.check_range(item, where, value, low, high, low_open) and (
            shown is None or check.drawable(item, where, value, shown)
        ):
            out.append(value)
        else:
            ok = False
    return out if ok else None


def _mixture_target(
    check: _Checker, node: Node, fields: dict[str, Node], path: str
) -> TargetSpec | _Missing:
    means_node = _need(check, node, fields, path, "means")
    variances_node = _need(check, node, fields, path, "variances")
    means = variances = weights = None
    if means_node is not None:
        means = _number_list(check, means_node, f"{path}.means", shown=limits.MEAN)
    if variances_node is not None:
        variances = _number_list(
            check, variances_node, f"{path}.variances", 0.0, low_open=True, shown=limits.VARIANCE
        )
    if (weights_node := _optional(fields, "weights")) is not None:
        weights = _number_list(check, weights_node, f"{path}.weights", 0.0, shown=limits.MASS)
        if weights is not None and all(w == 0.0 for w in weights):
            check.error(weights_node, f"{path}.weights", "must not all be zero")
            return MISSING
    if means is None or variances is None or (weights_node is not None and weights is None):
        return MISSING
    k = len(means)
    if k > _MAX_COMPONENTS:
        check.error(means_node, f"{path}.means", f"at most {_MAX_COMPONENTS} components")
        return MISSING
    lengths_ok = True
    for name, values, item in (
        ("variances", variances, variances_node),
        ("weights", weights, _optional(fields, "weights")),
    ):
        if values is not None and len(values) != k:
            check.error(
                item, f"{path}.{name}", f"must have one entry per mean ({k}), got {len(values)}"
            )
            lengths_ok = False
    if not lengths_ok:
        return MISSING
    weights = weights if weights is not None else [1.0] * k
    params: list[tuple[str, Number]] = []
    params += [(f"weight{i}", w) for i, w in enumerate(weights, 1)]
    params += [(f"mean{i}", m) for i, m in enumerate(means, 1)]
    params += [(f"variance{i}", v) for i, v in enumerate(variances, 1)]
    return TargetSpec("mixture", tuple(params))


def _support(check: _Checker, node: Node, path: str) -> tuple[Hashable, ...] | None:
    items = check.sequence(node, path, min_len=2, max_len=_MAX_SUPPORT)
    if items is None:
        return None
    values: list[Hashable] = []
    ok = True
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if isinstance(item, ScalarNode) and (
            item.tag in (_INT, _FLOAT) or _is_plain_exponent(item)
        ):
            number = check.number(item, where)
            if isinstance(number, _Missing):
                ok = False
                continue
            value: Hashable = _support_value(number)
        else:
            text = check.text(item, where, one_line=True, max_len=_LABEL_MAX)
            if isinstance(text, _Missing):
                ok = False
                continue
            value = text
        if value in values or str(value) in {str(v) for v in values}:
            check.error(item, where, f"'{value}' is listed twice")
            ok = False
            continue
        values.append(value)
    return tuple(values) if ok else None


def _categorical_target(
    check: _Checker, node: Node, fields: dict[str, Node], path: str
) -> TargetSpec | _Missing:
    has_probs, has_counts = "probs" in fields, "counts" in fields
    if has_probs == has_counts:
        problem = (
            "give either probs or counts, not both"
            if has_probs
            else ("required field is missing: give probs (summing to 1) or counts")
        )
        check.error(node, f"{path}.probs", problem)
        return MISSING
    name = "probs" if has_probs else "counts"
    masses_node = fields[name]
    if has_probs:
        masses = _number_list(check, masses_node, f"{path}.probs", 0.0, 1.0, random=False)
    else:
        masses = _number_list(check, masses_node, f"{path}.counts", 0.0, shown=limits.MASS)
    support: tuple[Hashable, ...] | None = None
    if (support_node := _optional(fields, "support")) is not None:
        support = _support(check, support_node, f"{path}.support")
        if support is None:
            return MISSING
    if masses is None:
        return MISSING
    if support is None:
        if len(masses) < 2:
            check.error(masses_node, f"{path}.{name}", "needs at least 2 entries")
            return MISSING
        support = tuple(range(len(masses)))
    if len(support) != len(masses):
        check.error(
            masses_node,
            f"{path}.{name}",
            f"must have one entry per support value ({len(support)}), got {len(masses)}",
        )
        return MISSING
    if has_probs:
        total = math.fsum(cast(list[float], masses))
        if abs(total - 1.0) > _SUM_TOLERANCE:
            check.error(masses_node, f"{path}.probs", f"must sum to 1, got {total:.6g}")
            return MISSING
        masses = [m / total for m in cast(list[float], masses)]  # exact for the engine
    elif all(m == 0.0 for m in masses):
        check.error(masses_node, f"{path}.counts", "must not all be zero")
        return MISSING
    params = tuple((f"p{i}", m) for i, m in enumerate(masses, 1))
    return TargetSpec("categorical", params, support=support, counts=has_counts)


def _binomial_target(
    check: _Checker, node: Node, fields: dict[str, Node], path: str
) -> TargetSpec | _Missing:
    n_node = _need(check, node, fields, path, "n")
    p_node = _need(check, node, fields, path, "p")
    n = _whole_number(check, n_node, f"{path}.n", _MAX_N)
    p: Number | _Missing = MISSING
    if p_node is not None:
        p = check.number_or_random(p_node, f"{path}.p")
        if not isinstance(p, _Missing) and not check.check_range(p_node, f"{path}.p", p, 0.0, 1.0):
            p = MISSING
    if isinstance(n, _Missing) or isinstance(p, _Missing):
        return MISSING
    return TargetSpec("binomial", (("p", p),), support=tuple(range(n + 1)), n=n)


# --- the guesses ---------------------------------------------------------------


@dataclass(frozen=True)
class _Default:
    """What a parameter is when the file says nothing."""

    label: str
    start: float
    min: float
    max: float
    step: float
    low: float | None = None  # hard limits the author's bounds must respect
    high: float | None = None
    low_open: bool = False
    shown: Limit | None = None  # what the game can show (``limits``)


def _defaults(family: Family) -> dict[str, _Default]:
    """The documented defaults of each family's parameters."""
    if isinstance(family, GaussianFamily):
        return {
            "mean": _Default("Mean", 0.0, -10.0, 10.0, 0.1, shown=limits.MEAN),
            "variance": _Default(
                "Variance", 5.0, 0.1, 20.0, 0.1, low=0.0, low_open=True, shown=limits.VARIANCE
            ),
        }
    if isinstance(family, MixtureFamily):
        k = family.components
        out: dict[str, _Default] = {}
        for i in range(1, k + 1):
            start = 0.0 if k == 1 else -5.0 + 10.0 * (i - 1) / (k - 1)
            out[f"mean{i}"] = _Default(f"Mean {i}", start, -10.0, 10.0, 0.1, shown=limits.MEAN)
            out[f"variance{i}"] = _Default(
                f"Variance {i}", 5.0, 0.1, 20.0, 0.1, low=0.0, low_open=True, shown=limits.VARIANCE
            )
        return out
    if isinstance(family, BinomialFamily):
        return {"p": _Default("p", 0.5, 0.0, 1.0, 0.01, low=0.0, high=1.0)}
    if isinstance(family, CategoricalFamily):
        share = 1.0 / len(family.support)
        return {
            name: _Default(f"Q({name})", share, 0.0, 1.0, 0.01, low=0.0, high=1.0)
            for name in family.param_names
        }
    return {}


def _check_guesses(
    check: _Checker, node: Node, path: str, target: TargetSpec | _Missing
) -> tuple[GuessModel, ...] | _Missing:
    if isinstance(node, SequenceNode):
        items = check.sequence(node, path, min_len=1, max_len=_MAX_MODELS)
        if items is None:
            return MISSING
        entries = [(item, f"{path}[{index}]") for index, item in enumerate(items)]
    else:
        entries = [(node, path)]
    models: list[GuessModel] = []
    ok = True
    for item, where in entries:
        model = _check_model(check, item, where, target)
        if isinstance(model, _Missing):
            ok = False
            continue
        if any(m.id == model.id for m in models):
            check.error(
                item,
                f"{where}.id",
                f"two guess models have the id '{model.id}': give each its own id",
            )
            ok = False
            continue
        models.append(model)
    return tuple(models) if ok else MISSING


def _check_model(
    check: _Checker, node: Node, path: str, target: TargetSpec | _Missing
) -> GuessModel | _Missing:
    family_name = _family_of(check, node, path, GUESS_FAMILIES)
    if family_name is None:
        return MISSING
    fields = check.mapping(node, path, _MODEL_FIELDS[family_name])
    if fields is None:
        return MISSING
    errors_before = len(check.errors)
    if isinstance(target, TargetSpec) and target.is_discrete == (family_name in _CONTINUOUS):
        kind = "discrete" if target.is_discrete else "continuous"
        check.error(
            fields["family"],
            f"{path}.family",
            f"a {family_name} guess cannot be compared with a {kind} ({target.kind}) target",
        )
        return MISSING
    model_id: str | _Missing = family_name
    if (item := _optional(fields, "id")) is not None:
        model_id = check.text(item, f"{path}.id", one_line=True, max_len=48)
        if isinstance(model_id, str) and not _ID.match(model_id):
            check.error(item, f"{path}.id", f"'{model_id}' is not a valid id")
            model_id = MISSING
    title: str | _Missing | None = None
    if (item := _optional(fields, "title")) is not None:
        title = check.text(item, f"{path}.title", one_line=True, max_len=_TITLE_MAX)
    family = _build_family(check, node, fields, path, family_name, target)
    if family is None or isinstance(model_id, _Missing) or isinstance(title, _Missing):
        return MISSING
    params = _check_params(check, node, fields, path, family)
    if params is None or len(check.errors) > errors_before:
        return MISSING
    model = GuessModel(model_id, title or family.title, family, params)
    try:
        model.build(model.start_values())
    except ValueError as error:
        check.error(fields.get("params", node), f"{path}.params", f"the start is invalid: {error}")
        return MISSING
    return model


def _build_family(
    check: _Checker,
    node: Node,
    fields: dict[str, Node],
    path: str,
    name: str,
    target: TargetSpec | _Missing,
) -> Family | None:
    if name == "gaussian":
        return GaussianFamily()
    if name == "mixture":
        count_node = _need(check, node, fields, path, "components")
        k = _whole_number(
            check, count_node, f"{path}.components", _MAX_COMPONENTS, show_value=False
        )
        if isinstance(k, _Missing):
            return None
        weights: tuple[float, ...] | None = None
        if (item := _optional(fields, "weights")) is not None:
            values = _number_list(
                check, item, f"{path}.weights", 0.0, random=False, shown=limits.MASS
            )
            if values is None:
                return None
            if len(values) != k:
                check.error(item, f"{path}.weights", f"must have one entry per component ({k})")
                return None
            if all(v == 0.0 for v in values):
                check.error(item, f"{path}.weights", "must not all be zero")
                return None
            weights = tuple(cast(list[float], values))
        return MixtureFamily(k, weights)
    if name == "binomial":
        n = _whole_number(check, _need(check, node, fields, path, "n"), f"{path}.n", _MAX_N)
        return None if isinstance(n, _Missing) else BinomialFamily(n)
    # categorical or uniform: over a support, by default the target's
    support: tuple[Hashable, ...] | None = None
    if (item := _optional(fields, "support")) is not None:
        support = _support(check, item, f"{path}.support")
        if support is None:
            return None
    elif isinstance(target, TargetSpec):
        support = target.support
    else:
        return None  # the target's own error is reported already
    if name == "uniform":
        return UniformFamily(support)
    return CategoricalFamily(support)


def _check_params(
    check: _Checker, node: Node, fields: dict[str, Node], path: str, family: Family
) -> tuple[ParamSpec, ...] | None:
    defaults = _defaults(family)
    names = tuple(defaults)
    given: dict[str, Node] = {}
    failed = False
    where = f"{path}.params"
    if (params_node := _optional(fields, "params")) is not None:
        if not isinstance(params_node, MappingNode):
            check.error(
                params_node, where, f"must be a mapping of parameters, got {_describe(params_node)}"
            )
            return None
        for key_node, value_node in params_node.value:
            key = check.key(key_node, where, numeric=True)
            if key is None:
                failed = True
                continue
            if key in given:
                check.error(key_node, f"{where}.{key}", "duplicate parameter")
                failed = True
                continue
            if key not in names:
                failed = True
                if isinstance(family, CategoricalFamily) and key == str(family.support[-1]):
                    check.error(
                        key_node,
                        f"{where}.{key}",
                        f"Q({key}) is not a parameter: the last value takes what the "
                        "others leave (1 minus their sum)",
                    )
                elif not names:
                    check.error(key_node, f"{where}.{key}", f"{family.title} has no parameters")
                else:
                    check.error(
                        key_node, f"{where}.{key}", "unknown parameter" + _did_you_mean(key, names)
                    )
                continue
            given[key] = value_node
    specs: list[ParamSpec] = []
    ok = not failed
    for name in names:
        spec = _check_param(check, given.get(name), f"{where}.{name}", name, defaults[name])
        if spec is None:
            ok = False
        else:
            specs.append(spec)
    if not ok:
        return None
    limit = family.sum_limit()
    if limit is not None:
        total = math.fsum(s.start for s in specs if s.name in limit[0])
        if total > limit[1] + 1e-9:
            check.error(
                params_node if params_node is not None else node,
                where,
                f"the starting probabilities sum to {total:.6g}, more than {_fmt(limit[1])}",
            )
            return None
    return tuple(specs)


def _check_param(
    check: _Checker, node: Node | None, path: str, name: str, default: _Default
) -> ParamSpec | None:
    """One parameter; every problem of it is reported, not only the first."""

    def limits(value: float, at: Node, what: str) -> bool:
        return check.check_range(
            at, f"{path}{what}", value, default.low, default.high, default.low_open
        ) and (default.shown is None or check.drawable(at, f"{path}{what}", value, default.shown))

    if node is None:
        return ParamSpec(
            name,
            default.label,
            default.start,
            default.min,
            default.max,
            default.step,
            10 * default.step,
        )
    if isinstance(node, ScalarNode):  # a bare number: fixed at that value
        value = check.number(node, path)
        if isinstance(value, _Missing) or not limits(value, node, ""):
            return None
        return ParamSpec(
            name, default.label, value, value, value, default.step, 10 * default.step, True
        )
    fields = check.mapping(node, path, _PARAM_FIELDS)
    if fields is None:
        return None
    label: str | _Missing = default.label
    if (item := _optional(fields, "label")) is not None:
        label = check.text(item, f"{path}.label", one_line=True, max_len=_LABEL_MAX)
    if "fixed" in fields:
        extra = [key for key in fields if key not in ("fixed", "label")]
        for key in extra:
            check.error(
                fields[key], f"{path}.{key}", "a fixed parameter takes only 'fixed' and 'label'"
            )
        value = check.number(fields["fixed"], f"{path}.fixed")
        if isinstance(value, _Missing) or not limits(value, fields["fixed"], ".fixed"):
            return None
        if extra or isinstance(label, _Missing):
            return None
        return ParamSpec(name, label, value, value, value, default.step, 10 * default.step, True)
    got: dict[str, float] = {}
    ok = not isinstance(label, _Missing)
    for key in ("start", "min", "max", "step", "big_step"):
        if (item := _optional(fields, key)) is not None:
            value = check.number(item, f"{path}.{key}")
            if isinstance(value, _Missing):
                ok = False
            else:
                got[key] = value
    low, high = got.get("min", default.min), got.get("max", default.max)
    bounds_ok = True
    for key in ("min", "max"):
        if key in got and not limits(got[key], fields[key], f".{key}"):
            bounds_ok = False
    if bounds_ok and low > high:
        which = "min" if "min" in got else "max"
        note = (
            ""
            if "min" in got and "max" in got
            else (
                f" (max defaults to {_fmt(default.max)})"
                if "min" in got
                else f" (min defaults to {_fmt(default.min)})"
            )
        )
        check.error(
            fields[which],
            f"{path}.{which}",
            f"min ({_fmt(low)}) is greater than max ({_fmt(high)}){note}",
        )
        bounds_ok = False
    start = min(max(default.start, low), high)
    if "start" in got:
        start = got["start"]
        if bounds_ok and not low <= start <= high:
            check.error(
                fields["start"],
                f"{path}.start",
                f"{_fmt(start)} is outside [min, max] = [{_fmt(low)}, {_fmt(high)}]",
            )
            ok = False
        elif not bounds_ok and not limits(start, fields["start"], ".start"):
            ok = False
    step = got.get("step", default.step)
    smallest = _MIN_RELATIVE_STEP * max(1.0, abs(low), abs(high))
    if step <= 0:
        check.error(fields["step"], f"{path}.step", "must be > 0")
        ok = False
    elif "step" in got and bounds_ok and step < smallest:
        check.error(
            fields["step"],
            f"{path}.step",
            f"must be >= {_fmt(smallest)} (a billionth of the bounds' size; a smaller step "
            f"moves nothing that shows), got {_fmt(step)}",
        )
        ok = False
    big_step = got.get("big_step", 10 * step)
    if "big_step" in got and step > 0 and big_step < step:
        at = fields.get("big_step", node)
        check.error(at, f"{path}.big_step", f"must be >= step ({_fmt(step)})")
        ok = False
    if not (ok and bounds_ok):
        return None
    assert isinstance(label, str)
    return ParamSpec(name, label, start, low, high, step, big_step)


# --- shared targets -------------------------------------------------------------

#: Finds another level by id (for its target), or says why it cannot.
TargetLookup = Callable[[str], "Level | str"]
_SHARED_FIELDS = ("same_as", "family")


def _is_shared_target(node: Node) -> bool:
    """``target: {same_as: ID}``: the target of another level."""
    return isinstance(node, MappingNode) and any(
        isinstance(key, ScalarNode) and key.value == "same_as" for key, _ in node.value
    )


def _check_shared_target(
    check: _Checker,
    node: Node,
    path: str,
    level_id: str | _Missing,
    lookup: TargetLookup | None,
    content_hash: str,
) -> tuple[TargetSpec | _Missing, str | None, str]:
    """The recipe of the level named by ``same_as``, that level's id, and the
    content hash of this level: its file's and the other level's together, so
    that a change of the shared target shows as a change of this level too.

    ``family``, if given, must be the family of that target (a reader of the
    file sees what it is, and a change of the other level is caught).
    """
    fields = check.mapping(node, path, _SHARED_FIELDS, ("same_as",))
    if fields is None or "same_as" not in fields:
        return MISSING, None, content_hash
    where = f"{path}.same_as"
    other = check.text(fields["same_as"], where, one_line=True, max_len=48)
    family: str | _Missing | None = None
    if (item := _optional(fields, "family")) is not None:
        family = check.choice(item, f"{path}.family", TARGET_FAMILIES)
    if isinstance(other, _Missing):
        return MISSING, None, content_hash
    if not _ID.match(other):
        check.error(fields["same_as"], where, f"'{other}' is not a valid level id")
        return MISSING, None, content_hash
    if other == level_id:
        check.error(fields["same_as"], where, "a level cannot share its own target (a cycle)")
        return MISSING, None, content_hash
    if lookup is None:
        check.error(
            fields["same_as"],
            where,
            f"cannot look up level '{other}' here: load this file from its directory",
        )
        return MISSING, None, content_hash
    found = lookup(other)
    if isinstance(found, str):
        check.error(fields["same_as"], where, found)
        return MISSING, None, content_hash
    kind = found.target.kind
    if isinstance(family, str) and family != kind:
        check.error(
            fields["family"],
            f"{path}.family",
            f"the target of '{other}' is a {kind}, not a {family}",
        )
        return MISSING, None, content_hash
    if isinstance(family, _Missing):
        return MISSING, None, content_hash
    joined = hashlib.sha256(f"{content_hash}+{found.content_hash}".encode()).hexdigest()
    return found.target, other, joined


# --- reveal texts ----------------------------------------------------------------

_PART_FIELDS = ("text", "when")
_MAX_PARTS = 16
#: Conditions about the best fit's shape need two peaks and one Gaussian.
_SHAPE_CONDITIONS = ("fit", "found", "other_fit")


def _check_reveal(
    check: _Checker,
    node: Node,
    texts: dict[str, str | _Missing],
    models: tuple[GuessModel, ...] | _Missing,
    shared: bool,
) -> tuple[RevealPart, ...] | _Missing:
    """The reveal's parts; ``texts["reveal"]`` becomes the parts shown always.

    A plain ``reveal`` is one part; its placeholders are checked too.
    """
    params: list[str] | None = None  # unknown while the guesses have errors
    if not isinstance(models, _Missing):
        params = []
        for model in models:
            params += [spec.name for spec in model.params if spec.name not in params]
    if not isinstance(node, SequenceNode):
        text = texts.get("reveal")
        if isinstance(text, str) and not _placeholders_ok(check, node, "reveal", text, params, 0):
            texts["reveal"] = MISSING
            return MISSING
        return ()
    items = check.sequence(node, "reveal", min_len=1, max_len=_MAX_PARTS)
    if items is None:
        texts["reveal"] = MISSING
        return MISSING
    parts: list[RevealPart] = []
    ok = True
    for index, item in enumerate(items):
        where = f"reveal[{index}]"
        text_node, when_node, key_column = item, None, max(0, item.start_mark.column - 2)
        if isinstance(item, MappingNode):
            fields = check.mapping(item, where, _PART_FIELDS, ("text",))
            if fields is None or "text" not in fields:
                ok = False
                continue
            text_node, when_node = fields["text"], _optional(fields, "when")
            key_column = next(
                (k.start_mark.column for k, _ in item.value if getattr(k, "value", "") == "text"),
                key_column,
            )
            where_text = f"{where}.text"
        else:
            where_text = where
        text = check.text(text_node, where_text, max_len=_TEXT_MAX)
        when = _check_when(check, when_node, f"{where}.when", shared)
        if isinstance(text, _Missing) or isinstance(when, _Missing):
            ok = False
            continue
        if not _placeholders_ok(check, text_node, where_text, text, params, key_column):
            ok = False
            continue
        parts.append(RevealPart(text, when))
    if not ok:
        texts["reveal"] = MISSING
        return MISSING
    always = [part.text for part in parts if not part.when]
    texts["reveal"] = "\n\n".join(always or [part.text for part in parts])
    return tuple(parts)


def _check_when(
    check: _Checker, node: Node | None, path: str, shared: bool
) -> tuple[tuple[str, str], ...] | _Missing:
    if node is None:
        return ()
    fields = check.mapping(node, path, tuple(CONDITIONS))
    if fields is None:
        return MISSING
    if not fields:
        check.error(node, path, "must name at least one condition")
        return MISSING
    out: list[tuple[str, str]] = []
    ok = True
    for key, item in fields.items():
        value = check.choice(item, f"{path}.{key}", CONDITIONS[key])
        if isinstance(value, _Missing):
            ok = False
        elif key == "other_fit" and not shared:
            check.error(
                item, f"{path}.{key}", "only a level with target: {same_as: ID} has another fit"
            )
            ok = False
        else:
            out.append((key, value))
    return tuple(out) if ok else MISSING


def _placeholders_ok(
    check: _Checker,
    node: Node,
    path: str,
    text: str,
    params: Sequence[str] | None,
    key_column: int,
) -> bool:
    """Report each unknown placeholder at its own line where the file's layout allows."""
    found = placeholder_problems(text, params)
    for offset, message in found:
        mark = node.start_mark
        line, column = mark.line + 1, mark.column + 1
        style = getattr(node, "style", None)
        if style == "|":  # a literal block: its lines are the file's lines
            before = text[:offset]
            line = mark.line + 2 + before.count("\n")
            column = key_column + 3 + len(before) - (before.rfind("\n") + 1)
        check.errors.append(f"{check.source}:{line}:{column}: {path}: {message}")
        check._places.append((line, column))
    return not found
