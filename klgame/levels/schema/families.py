"""Targets, guesses and a guess's knobs: their fields come from the family registry.

Each family's descriptor (:mod:`klgame.engine.registry`) lists the fields a
level file gives it, with their types and ranges (:class:`FieldSpec`), and the
defaults and limits of its parameters (:class:`ParamDefault`); the checks here
are driven by those lists and know no family by name. What fields of a type
mean together is one rule per type:

* ``number``: a parameter of the target (a number, or a random range);
* ``numbers``: one entry per component; the first required list counts
  them, the others must match it, and a missing one (the weights) is 1 each;
* ``masses``: a mass per support value, given exactly one way (the one
  bounded by 1 are probabilities summing to 1, the other relative counts);
* ``whole``: a count (components, trials: a target's support is 0..n);
* ``support``: the outcomes; a guess's defaults to the target's.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klgame.engine import CategoricalFamily, Family, registry
from klgame.engine.families import MAX_COMPONENTS, MAX_SUPPORT
from klgame.engine.registry import FieldSpec, ParamDefault
from klgame.levels import limits
from klgame.levels.model import GuessModel, ParamSpec, RandomRange, TargetSpec
from klgame.levels.schema.nodes import (
    FLOAT,
    INT,
    MISSING,
    Checker,
    Field,
    choice,
    did_you_mean,
    entry,
    field_name,
    fmt,
    ident,
    is_null,
    is_number,
    listing,
    mapping,
    number,
    per,
    raw,
    section,
    support_value,
    text,
    then,
)

TARGET_FAMILIES = registry.target_names()
GUESS_FAMILIES = registry.guess_names()
_MAX_MODELS, _TITLE_MAX, _LABEL_MAX, _SUM_TOLERANCE = 8, 60, 40, 1e-6
__all__ = ["GUESS_FAMILIES", "MAX_SUPPORT", "TARGET_FAMILIES", "guesses", "target"]


def _outcome(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
    """A support value: a number (3 and 3.0 are one value) or a one-line text."""
    if not is_number(node):
        return text(True, _LABEL_MAX)(check, node, path, got)
    value = number()(check, node, path, got)
    return value if value is MISSING else support_value(value)


def _not_all_zero(values: tuple[Any, ...], got: dict[str, Any]) -> str | None:
    return "must not all be zero" if all(value == 0.0 for value in values) else None


def _bounded(spec: FieldSpec | ParamDefault, random: bool = False) -> Any:
    """A number within the hard limits of a registry field or parameter."""
    shown = getattr(limits, spec.shown) if spec.shown else None
    return number(spec.low, spec.high, spec.low_open, shown, random=random)


@functools.cache
def _field(spec: FieldSpec) -> Field:
    """The check of a registry field."""
    if spec.type == "support":
        kind = listing(_outcome, 2, int(spec.high or MAX_SUPPORT), distinct=True)
    elif spec.type == "whole":
        kind = number(spec.low if spec.low is not None else 1, spec.high, whole=True)
    else:
        kind = _bounded(spec, spec.random)
        if spec.type != "number":  # a list; relative weights and counts
            kind = listing(kind, 1, MAX_SUPPORT)
            kind = then(kind, _not_all_zero) if spec.low == 0.0 and spec.high is None else kind
    return Field(spec.name, kind, required=spec.required)


def _family_of(check: Checker, node: Node, path: str, options: tuple[str, ...]) -> Any:
    """(name, node) of the entry's family, or None (reported)."""
    if not isinstance(node, MappingNode):
        return mapping(check, node, path, ())  # reports "must be a mapping"
    found = entry(node, "family")
    if found is None:
        check.error(node, f"{path}.family", f"required field is missing ({', '.join(options)})")
        return None
    name = choice(options)(check, found[1], f"{path}.family", {})
    return None if name is MISSING else (name, found[1])


_FAMILY = Field("family", raw)  # read by _family_of


# --- the target --------------------------------------------------------------------


def target(check: Checker, node: Node, path: str) -> TargetSpec | Any:
    """The target recipe of a ``target`` entry."""
    found = _family_of(check, node, path, TARGET_FAMILIES)
    if found is None:
        return MISSING
    name, errors = found[0], len(check.errors)
    specs = registry.descriptor(name).target_fields or ()
    got = section(check, node, path, (_FAMILY, *map(_field, specs)))
    if got is None or len(check.errors) > errors:
        return MISSING
    spec = _target_spec(check, node, path, name, specs, got)
    if spec is MISSING:
        return MISSING
    middle = {k: (v.low + v.high) / 2 if isinstance(v, RandomRange) else v for k, v in spec.params}
    try:  # the engine's own checks, on a value each parameter can take
        spec.build(middle)
    except ValueError as error:
        return check.error(node, path, str(error))
    return spec


def _target_spec(
    check: Checker, node: Node, path: str, name: str, specs: tuple[FieldSpec, ...], got: dict
) -> TargetSpec | Any:
    """The recipe from the checked fields (the module's docstring says how)."""
    nodes, extra = got["@nodes"], dict[str, Any]()
    params: list[tuple[str, Any]] = [(s.name, got[s.name]) for s in specs if s.type == "number"]
    if lists := [s for s in specs if s.type == "numbers"]:
        first = next(s for s in lists if s.required)
        k, errors = len(got[first.name]), len(check.errors)
        if k > MAX_COMPONENTS:
            message = f"at most {MAX_COMPONENTS} components"
            return check.error(nodes[first.name], f"{path}.{first.name}", message)
        for s in lists:
            values = got[s.name] if got[s.name] is not None else (1.0,) * k
            if len(values) != k:
                check.error(nodes[s.name], f"{path}.{s.name}", per(first.name[:-1], k, values))
            params += [(f"{s.name[:-1]}{i}", v) for i, v in enumerate(values, 1)]
        if len(check.errors) > errors:
            return MISSING
    if masses := [s for s in specs if s.type == "masses"]:
        given = [s for s in masses if got[s.name] is not None]
        if len(given) != 1:
            words = " or ".join(
                f"{s.name} (summing to 1)" * (s.high == 1.0) or s.name for s in masses
            )
            problem = f"give either {' or '.join(s.name for s in masses)}, not both"
            problem = problem if given else f"required field is missing: give {words}"
            return check.error(node, f"{path}.{masses[0].name}", problem)
        spec, values = given[0], got[given[0].name]
        at, where = nodes[spec.name], f"{path}.{spec.name}"
        support = got.get("support") or tuple(range(len(values)))
        if len(support) < 2:
            return check.error(at, where, "needs at least 2 entries")
        if len(support) != len(values):
            return check.error(at, where, per("support value", len(support), values))
        if spec.high == 1.0:  # probabilities
            total = math.fsum(values)
            if abs(total - 1.0) > _SUM_TOLERANCE:
                return check.error(at, where, f"must sum to 1, got {total:.6g}")
            values = tuple(v / total for v in values)  # exact for the engine
        params += [(f"p{i}", v) for i, v in enumerate(values, 1)]
        extra = {"support": support, "counts": spec.high is None}
    for s in specs:
        if s.type == "whole":
            extra = {"support": tuple(range(got[s.name] + 1)), "n": got[s.name]}
    return TargetSpec(name, tuple(params), **extra)


# --- the guesses -------------------------------------------------------------------


def guesses(check: Checker, node: Node, path: str, target: TargetSpec | Any) -> Any:
    """The guess models: one entry, or a list of them with distinct ids."""
    entries = [(node, path)]
    if isinstance(node, SequenceNode):
        items = listing(raw, 1, _MAX_MODELS)(check, node, path, {})
        if items is MISSING:
            return MISSING
        entries = [(item, f"{path}[{index}]") for index, item in enumerate(items)]
    models: list[Any] = []
    for item, where in entries:
        model = _model(check, item, where, target)
        if model is not MISSING and any(m is not MISSING and m.id == model.id for m in models):
            message = f"two guess models have the id '{model.id}': give each its own id"
            model = check.error(item, f"{where}.id", message)
        models.append(model)
    return MISSING if MISSING in models else tuple(models)


def _model(check: Checker, node: Node, path: str, target: TargetSpec | Any) -> GuessModel | Any:
    found = _family_of(check, node, path, GUESS_FAMILIES)
    if found is None:
        return MISSING
    (name, family_node), errors = found, len(check.errors)
    described = registry.descriptor(name)
    if target is not MISSING and target.is_discrete == described.continuous:
        kind = "discrete" if target.is_discrete else "continuous"
        message = f"a {name} guess cannot be compared with a {kind} ({target.kind}) target"
        return check.error(family_node, f"{path}.family", message)
    specs = described.guess_fields
    own = (Field("id", ident(), default=name), Field("title", text(True, _TITLE_MAX)))
    params = (Field("params", raw),) if described.has_params else ()
    got = section(check, node, path, (_FAMILY, *own, *map(_field, specs), *params))
    if got is None or MISSING in got.values():
        return MISSING
    values = {s.name: got[s.name] for s in specs if got[s.name] is not None}
    counts = [s.name for s in specs if s.type == "whole"]  # the first counts the entries
    k = values[counts[0]] if counts else 0
    for s in specs:
        if s.type == "support" and s.name not in values:
            if target is MISSING:
                return MISSING  # the target's own error is reported already
            values[s.name] = target.support
        elif s.type == "numbers" and s.name in values and counts and len(values[s.name]) != k:
            message = f"must have one entry per {counts[0][:-1]} ({k})"
            return check.error(got["@nodes"][s.name], f"{path}.{s.name}", message)
    assert described.make is not None  # a guess family is made from its fields
    family = described.make(values)
    knobs = _params(check, node, got.get("params"), f"{path}.params", family)
    if knobs is None or len(check.errors) > errors:
        return MISSING
    model = GuessModel(got["id"], got["title"] or family.title, family, knobs)
    try:
        model.build(model.start_values())
    except ValueError as error:
        at = got["@nodes"].get("params", node)
        return check.error(at, f"{path}.params", f"the start is invalid: {error}")
    return model


# --- the knobs ---------------------------------------------------------------------


def _param_name(check: Checker, node: Node, path: str) -> str | None:
    """A parameter's key: a name, or a support value (``0: ...``)."""
    if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
        value = number()(check, node, path, {})
        return None if value is MISSING else str(support_value(value))
    return field_name(check, node, path)


def _params(
    check: Checker, node: Node, params: Node | None, path: str, family: Family
) -> tuple[ParamSpec, ...] | None:
    """Each parameter of ``family``, shaped by the ``params`` mapping (None: all defaults)."""
    defaults = registry.param_defaults(family)

    def unknown(check: Checker, key_node: Node, path: str, key: str, allowed: Any) -> None:
        where = f"{path}.{key}"
        if isinstance(family, CategoricalFamily) and key == str(family.support[-1]):
            message = "is not a parameter: the last value takes what the others leave"
            check.error(key_node, where, f"Q({key}) {message} (1 minus their sum)")
        elif not defaults:
            check.error(key_node, where, f"{family.title} has no parameters")
        else:
            check.error(key_node, where, "unknown parameter" + did_you_mean(key, allowed))

    errors, names, given = len(check.errors), tuple(defaults), {}
    if params is not None:
        again = "duplicate parameter"
        found = mapping(check, params, path, names, "parameters", _param_name, unknown, again)
        if found is None:
            return None
        given = found
    specs = [_param(check, given.get(n), f"{path}.{n}", n, d) for n, d in defaults.items()]
    if len(check.errors) > errors:  # every problem is reported
        return None
    checked = tuple(spec for spec in specs if spec is not None)
    limit = family.sum_limit()
    if limit is not None:
        total = math.fsum(s.start for s in checked if s.name in limit[0])
        if total > limit[1] + 1e-9:
            message = f"the starting probabilities sum to {total:.6g}, more than {fmt(limit[1])}"
            check.error(params if params is not None else node, path, message)
            return None
    return checked


_KNOB = ("label", "start", "min", "max", "step", "big_step", "fixed")


def _param(
    check: Checker, node: Node | None, path: str, name: str, d: ParamDefault
) -> ParamSpec | None:
    """One parameter; every problem of it is reported, not only the first."""
    errors, bounded = len(check.errors), _bounded(d)
    if node is None:
        return ParamSpec(name, d.label, d.start, d.min, d.max, d.step, 10 * d.step)
    if isinstance(node, ScalarNode):  # a bare number: fixed at that value
        value = bounded(check, node, path, {})
        return None if value is MISSING else _fixed(name, d.label, value, d)
    fields = mapping(check, node, path, _KNOB)
    if fields is None:
        return None

    def check_key(key: str, kind: Any = bounded) -> Any:
        return kind(check, fields[key], f"{path}.{key}", {})

    def report(key: str, message: str) -> None:
        check.error(fields[key], f"{path}.{key}", message)

    label = d.label if is_null(fields.get("label")) else check_key("label", text(True, _LABEL_MAX))
    if "fixed" in fields:
        for key in [key for key in fields if key not in ("fixed", "label")]:
            report(key, "a fixed parameter takes only 'fixed' and 'label'")
        value = check_key("fixed")
        return None if len(check.errors) > errors else _fixed(name, label, value, d)
    given = [key for key in _KNOB[1:6] if not is_null(fields.get(key))]
    got = {key: check_key(key, number()) for key in given}
    got = {key: value for key, value in got.items() if value is not MISSING}
    low, high = got.get("min", d.min), got.get("max", d.max)
    bounds_ok = MISSING not in [check_key(key) for key in ("min", "max") if key in got]
    if bounds_ok and low > high:
        missing = [key for key in ("min", "max") if key not in got]
        note = f" ({missing[0]} defaults to {fmt(getattr(d, missing[0]))})" if missing else ""
        message = f"min ({fmt(low)}) is greater than max ({fmt(high)}){note}"
        report("min" if "min" in got else "max", message)
        bounds_ok = False
    start = got.get("start", min(max(d.start, low), high))
    if "start" in got and bounds_ok and not low <= start <= high:
        report("start", f"{fmt(start)} is outside [min, max] = [{fmt(low)}, {fmt(high)}]")
    elif "start" in got and not bounds_ok:
        check_key("start")  # within the hard limits at least
    step = got.get("step", d.step)
    smallest = limits.MIN_RELATIVE_STEP * max(1.0, abs(low), abs(high))
    if step <= 0:
        report("step", "must be > 0")
    elif "step" in got and bounds_ok and step < smallest:
        why = "a billionth of the bounds' size; a smaller step moves nothing that shows"
        report("step", f"must be >= {fmt(smallest)} ({why}), got {fmt(step)}")
    big_step = got.get("big_step", 10 * step)
    if "big_step" in got and step > 0 and big_step < step:
        report("big_step", f"must be >= step ({fmt(step)})")
    if len(check.errors) > errors:
        return None
    return ParamSpec(name, label, start, low, high, step, big_step)


def _fixed(name: str, label: str, value: float, d: ParamDefault) -> ParamSpec:
    return ParamSpec(name, label, value, value, value, d.step, 10 * d.step, True)
