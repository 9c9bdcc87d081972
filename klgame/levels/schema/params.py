"""A guess's knobs: each parameter's defaults and limits come from the family registry."""

from __future__ import annotations

import math
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from klgame.engine import CategoricalFamily, Family, registry
from klgame.engine.registry import ParamDefault
from klgame.levels import limits
from klgame.levels.model import ParamSpec
from klgame.levels.schema.nodes import MISSING, Checker, describe, did_you_mean, fmt, optional

_PARAM_FIELDS = ("label", "start", "min", "max", "step", "big_step", "fixed")
_NUMBERS = ("start", "min", "max", "step", "big_step")
_LABEL_MAX = 40


def check_params(
    check: Checker, node: Node, params: Node | None, path: str, family: Family
) -> tuple[ParamSpec, ...] | None:
    """Each parameter of ``family``, shaped by the ``params`` mapping (None: all defaults)."""
    defaults = registry.param_defaults(family)
    given: dict[str, Node] = {}
    ok = True
    if params is not None and not isinstance(params, MappingNode):
        check.error(params, path, f"must be a mapping of parameters, got {describe(params)}")
        return None
    for key_node, value_node in params.value if params is not None else ():
        key = check.key(key_node, path, numeric=True)
        where = f"{path}.{key}"
        if key is not None and key not in given and key in defaults:
            given[key] = value_node
            continue
        ok = False
        if key in given:
            check.error(key_node, where, "duplicate parameter")
        elif isinstance(family, CategoricalFamily) and key == str(family.support[-1]):
            message = "is not a parameter: the last value takes what the others leave"
            check.error(key_node, where, f"Q({key}) {message} (1 minus their sum)")
        elif key is not None and not defaults:
            check.error(key_node, where, f"{family.title} has no parameters")
        elif key is not None:
            check.error(key_node, where, "unknown parameter" + did_you_mean(key, tuple(defaults)))
    specs = [_param(check, given.get(n), f"{path}.{n}", n, d) for n, d in defaults.items()]
    if not ok or None in specs:
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


def _param(
    check: Checker, node: Node | None, path: str, name: str, default: ParamDefault
) -> ParamSpec | None:
    """One parameter; every problem of it is reported, not only the first."""
    shown = getattr(limits, default.shown) if default.shown else None

    def allowed(value: float, at: Node, where: str) -> bool:
        low, high, low_open = default.low, default.high, default.low_open
        return check.within(at, f"{path}{where}", value, low, high, low_open, shown)

    def fixed(value: Any, label: Any, at: Node, where: str) -> ParamSpec | None:
        if value is MISSING or not allowed(value, at, where) or label is MISSING:
            return None
        return ParamSpec(name, label, value, value, value, default.step, 10 * default.step, True)

    if node is None:
        d = default
        return ParamSpec(name, d.label, d.start, d.min, d.max, d.step, 10 * d.step)
    if isinstance(node, ScalarNode):  # a bare number: fixed at that value
        return fixed(check.number(node, path), default.label, node, "")
    fields = check.mapping(node, path, _PARAM_FIELDS)
    if fields is None:
        return None
    label: Any = default.label
    if (item := optional(fields, "label")) is not None:
        label = check.text(item, f"{path}.label", one_line=True, max_len=_LABEL_MAX)
    if "fixed" in fields:
        extra = [key for key in fields if key not in ("fixed", "label")]
        for key in extra:
            message = "a fixed parameter takes only 'fixed' and 'label'"
            check.error(fields[key], f"{path}.{key}", message)
        spec = fixed(
            check.number(fields["fixed"], f"{path}.fixed"), label, fields["fixed"], ".fixed"
        )
        return None if extra else spec
    items = {key: item for key in _NUMBERS if (item := optional(fields, key)) is not None}
    got = {key: check.number(item, f"{path}.{key}") for key, item in items.items()}
    ok = label is not MISSING and MISSING not in got.values()
    got = {key: value for key, value in got.items() if value is not MISSING}
    low, high = got.get("min", default.min), got.get("max", default.max)
    bounds_ok = all([allowed(got[k], fields[k], f".{k}") for k in ("min", "max") if k in got])
    if bounds_ok and low > high:
        which = "min" if "min" in got else "max"
        note = ""
        if "min" not in got or "max" not in got:
            other = "max" if "min" in got else "min"
            note = f" ({other} defaults to {fmt(default.max if other == 'max' else default.min)})"
        message = f"min ({fmt(low)}) is greater than max ({fmt(high)}){note}"
        check.error(fields[which], f"{path}.{which}", message)
        bounds_ok = False
    start = got.get("start", min(max(default.start, low), high))
    if "start" in got and bounds_ok and not low <= start <= high:
        message = f"{fmt(start)} is outside [min, max] = [{fmt(low)}, {fmt(high)}]"
        check.error(fields["start"], f"{path}.start", message)
        ok = False
    elif "start" in got and not bounds_ok and not allowed(start, fields["start"], ".start"):
        ok = False
    step = got.get("step", default.step)
    smallest = limits.MIN_RELATIVE_STEP * max(1.0, abs(low), abs(high))
    if step <= 0:
        check.error(fields["step"], f"{path}.step", "must be > 0")
        ok = False
    elif "step" in got and bounds_ok and step < smallest:
        check.error(
            fields["step"],
            f"{path}.step",
            f"must be >= {fmt(smallest)} (a billionth of the bounds' size; a smaller step "
            f"moves nothing that shows), got {fmt(step)}",
        )
        ok = False
    big_step = got.get("big_step", 10 * step)
    if "big_step" in got and step > 0 and big_step < step:
        check.error(fields["big_step"], f"{path}.big_step", f"must be >= step ({fmt(step)})")
        ok = False
    if not (ok and bounds_ok):
        return None
    return ParamSpec(name, label, start, low, high, step, big_step)
