"""Targets and guesses: their fields come from the family registry.

Each family's descriptor (:mod:`klgame.engine.registry`) lists the fields a
level file gives it, with their types and ranges (:class:`FieldSpec`); the
checks here are driven by that list and know no family by name. What fields
of a type mean together is one rule per type:

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

from klgame.engine import registry
from klgame.engine.families import MAX_COMPONENTS, MAX_SUPPORT
from klgame.engine.registry import FieldSpec
from klgame.levels import limits
from klgame.levels.model import GuessModel, RandomRange, TargetSpec
from klgame.levels.schema.nodes import (
    FLOAT,
    INT,
    MISSING,
    Checker,
    Field,
    Kind,
    describe,
    ident,
    is_plain_exponent,
    listing,
    number,
    section,
    support_value,
    text,
)
from klgame.levels.schema.params import check_params

TARGET_FAMILIES = registry.target_names()
GUESS_FAMILIES = registry.guess_names()
_MAX_MODELS, _TITLE_MAX, _LABEL_MAX, _SUM_TOLERANCE = 8, 60, 40, 1e-6
__all__ = ["GUESS_FAMILIES", "MAX_SUPPORT", "TARGET_FAMILIES", "guesses", "target"]


def _support(high: int) -> Kind:
    def kind(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        items = check.sequence(node, path, min_len=2, max_len=high)
        if items is None:
            return MISSING
        values: list[Any] = []
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            if isinstance(item, ScalarNode) and (
                item.tag in (INT, FLOAT) or is_plain_exponent(item)
            ):
                value = check.number(item, where)
                value = value if value is MISSING else support_value(value)
            else:
                value = check.text(item, where, one_line=True, max_len=_LABEL_MAX)
            if value is not MISSING and str(value) in {str(v) for v in values}:
                value = check.fail(item, where, f"'{value}' is listed twice")
            values.append(value)
        return MISSING if MISSING in values else tuple(values)

    return kind


def _nonzero(kind: Kind) -> Kind:
    def checked(check: Checker, node: Node, path: str, got: dict[str, Any]) -> Any:
        values = kind(check, node, path, got)
        if values is not MISSING and all(v == 0.0 for v in values):
            return check.fail(node, path, "must not all be zero")
        return values

    return checked


@functools.cache
def _field(spec: FieldSpec) -> Field:
    """The check of a registry field."""
    shown = getattr(limits, spec.shown) if spec.shown else None
    if spec.type == "support":
        kind = _support(int(spec.high or MAX_SUPPORT))
    elif spec.type == "whole":
        kind = number(spec.low if spec.low is not None else 1, spec.high, whole=True)
    else:
        kind = number(spec.low, spec.high, spec.low_open, shown, random=spec.random)
        if spec.type != "number":  # a list; relative weights and counts
            kind = listing(kind, 1, MAX_SUPPORT)
            kind = _nonzero(kind) if spec.low == 0.0 and spec.high is None else kind
    return Field(spec.name, kind, required=spec.required)


def _family_of(check: Checker, node: Node, path: str, options: tuple[str, ...]) -> Any:
    """(name, node) of the entry's family, or None (reported)."""
    if not isinstance(node, MappingNode):
        check.error(node, path, f"must be a mapping of fields, got {describe(node)}")
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "family":
            name = check.choice(value, f"{path}.family", options)
            return None if name is MISSING else (name, value)
    check.error(node, f"{path}.family", f"required field is missing ({', '.join(options)})")
    return None


def _given(name: str) -> Kind:
    return lambda check, node, path, got: name  # checked by _family_of


# --- the target --------------------------------------------------------------------


def target(check: Checker, node: Node, path: str) -> TargetSpec | Any:
    found = _family_of(check, node, path, TARGET_FAMILIES)
    if found is None:
        return MISSING
    name = found[0]
    specs = registry.descriptor(name).target_fields or ()
    errors_before = len(check.errors)
    got = section(check, node, path, (Field("family", _given(name)), *map(_field, specs)))
    if got is None or len(check.errors) > errors_before:
        return MISSING
    spec = _target_spec(check, node, path, name, specs, got)
    if spec is MISSING:
        return MISSING
    try:  # the engine's own checks, on a value each parameter can take
        spec.build({key: _middle(value) for key, value in spec.params})
    except ValueError as error:
        return check.fail(node, path, str(error))
    return spec


def _middle(value: Any) -> float:
    return 0.5 * (value.low + value.high) if isinstance(value, RandomRange) else value


def _target_spec(
    check: Checker, node: Node, path: str, name: str, specs: tuple[FieldSpec, ...], got: dict
) -> TargetSpec | Any:
    """The recipe from the checked fields (the module's docstring says how)."""
    nodes = got["@nodes"]
    by_type = {t: [s for s in specs if s.type == t] for t in ("number", "numbers", "masses")}
    params: list[tuple[str, Any]] = [(s.name, got[s.name]) for s in by_type["number"]]
    extra: dict[str, Any] = {}
    if lists := by_type["numbers"]:
        first = next(s for s in lists if s.required)
        k, errors_before = len(got[first.name]), len(check.errors)
        if k > MAX_COMPONENTS:
            message = f"at most {MAX_COMPONENTS} components"
            return check.fail(nodes[first.name], f"{path}.{first.name}", message)
        for s in lists:
            values = got[s.name] if got[s.name] is not None else (1.0,) * k
            if len(values) != k:
                message = f"must have one entry per {first.name[:-1]} ({k}), got {len(values)}"
                check.error(nodes[s.name], f"{path}.{s.name}", message)
            params += [(f"{s.name[:-1]}{i}", v) for i, v in enumerate(values, 1)]
        if len(check.errors) > errors_before:
            return MISSING
    if masses := by_type["masses"]:
        given = [s for s in masses if got[s.name] is not None]
        words = " or ".join(s.name for s in masses)
        if len(given) != 1:
            probs = " or ".join(
                f"{s.name} (summing to 1)" if s.high == 1.0 else s.name for s in masses
            )
            problem = (
                f"give either {words}, not both"
                if given
                else f"required field is missing: give {probs}"
            )
            return check.fail(node, f"{path}.{masses[0].name}", problem)
        spec, values = given[0], got[given[0].name]
        at, where = nodes[spec.name], f"{path}.{spec.name}"
        support = got.get("support") or tuple(range(len(values)))
        if len(support) < 2:
            return check.fail(at, where, "needs at least 2 entries")
        if len(support) != len(values):
            message = f"must have one entry per support value ({len(support)}), got {len(values)}"
            return check.fail(at, where, message)
        if spec.high == 1.0:  # probabilities
            total = math.fsum(values)
            if abs(total - 1.0) > _SUM_TOLERANCE:
                return check.fail(at, where, f"must sum to 1, got {total:.6g}")
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
        items = check.sequence(node, path, min_len=1, max_len=_MAX_MODELS)
        if items is None:
            return MISSING
        entries = [(item, f"{path}[{index}]") for index, item in enumerate(items)]
    models: list[Any] = []
    for item, where in entries:
        model = _model(check, item, where, target)
        if model is not MISSING and any(m is not MISSING and m.id == model.id for m in models):
            message = f"two guess models have the id '{model.id}': give each its own id"
            model = check.fail(item, f"{where}.id", message)
        models.append(model)
    return MISSING if MISSING in models else tuple(models)


def _model(check: Checker, node: Node, path: str, target: TargetSpec | Any) -> GuessModel | Any:
    found = _family_of(check, node, path, GUESS_FAMILIES)
    if found is None:
        return MISSING
    name, family_node = found
    described = registry.descriptor(name)
    assert described.make is not None
    if target is not MISSING and target.is_discrete == described.continuous:
        kind = "discrete" if target.is_discrete else "continuous"
        message = f"a {name} guess cannot be compared with a {kind} ({target.kind}) target"
        return check.fail(family_node, f"{path}.family", message)
    own = (Field("params", lambda check, node, path, got: node),) if described.has_params else ()
    errors_before = len(check.errors)
    got = section(
        check,
        node,
        path,
        (
            Field("family", _given(name)),
            Field("id", ident, default=name),
            Field("title", text(True, _TITLE_MAX)),
            *map(_field, described.guess_fields),
            *own,
        ),
    )
    if got is None or MISSING in got.values():
        return MISSING
    values = {s.name: got[s.name] for s in described.guess_fields if got[s.name] is not None}
    whole = [s.name for s in described.guess_fields if s.type == "whole"]
    for s in described.guess_fields:
        if s.type == "support" and s.name not in values:
            if target is MISSING:
                return MISSING  # the target's own error is reported already
            values[s.name] = target.support
        if (
            s.type == "numbers"
            and s.name in values
            and whole
            and len(values[s.name]) != values[whole[0]]
        ):
            k = values[whole[0]]
            return check.fail(
                got["@nodes"][s.name],
                f"{path}.{s.name}",
                f"must have one entry per {whole[0][:-1]} ({k})",
            )
    family = described.make(values)
    params = check_params(check, node, got.get("params"), f"{path}.params", family)
    if params is None or len(check.errors) > errors_before:
        return MISSING
    model = GuessModel(got["id"], got["title"] or family.title, family, params)
    try:
        model.build(model.start_values())
    except ValueError as error:
        at = got["@nodes"].get("params", node)
        return check.fail(at, f"{path}.params", f"the start is invalid: {error}")
    return model
