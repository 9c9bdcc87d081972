"""One descriptor per distribution family: everything the game knows of it.

A family (``gaussian``, ``mixture``, ``categorical``, ``binomial``,
``uniform``, ``poisson``) is registered once, the way KL rules are
(:func:`klgame.engine.divergence.register_kl`): ``register_family`` stores a
:class:`FamilyDescriptor` under the word a level file uses, and every other
module asks the registry instead of testing the family's name or type:

* its parameters, with their defaults, hard limits and the coordinates the
  fitter and the autopilot move them in (:class:`ParamDefault`);
* the fields a level file gives it, as a guess and as a target, with their
  types and ranges (:class:`FieldSpec`; the schema reads these, and
  ``shown`` names a range of :mod:`klgame.levels.limits`);
* how a guess's family is made from those fields, and a target built;
* how it is drawn (a curve, or bars over the target's support);
* how it is fitted: a closed form registered with :func:`register_fit`,
  else the bounded search of :mod:`klgame.engine.fitting`.

Adding a family is one module that defines its distribution, its KL rules,
its ``Family`` and registers its descriptor (see :mod:`klgame.engine.poisson`),
plus a level that offers it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from klgame.engine.distributions import Distribution
    from klgame.engine.families import Family

#: How the fitter and the autopilot move a parameter: by its value, by its
#: log (a positive scale: a variance, a rate), or as one of probabilities
#: that sum to at most 1 (projected back onto that simplex after each move).
Coordinate = Literal["linear", "log", "simplex"]
#: How the screen draws a family: a density curve, or bars over a support.
Drawing = Literal["curve", "bars"]
#: The kinds of field a level file may give a family.
FieldType = Literal["number", "numbers", "whole", "support", "masses"]
Bounds = Mapping[str, tuple[float, float]]
#: (min, max) of every parameter of a guess, fixed ones (min == max) included.
Ranges = Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class ParamDefault:
    """One parameter of a family, when the level file says nothing of it.

    ``low``/``high`` are hard limits an author's bounds must respect
    (``low_open``: the value must be strictly above ``low``); ``shown``
    names the range of :mod:`klgame.levels.limits` the game can draw.
    """

    label: str
    start: float
    min: float
    max: float
    step: float
    coordinate: Coordinate = "linear"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    shown: str | None = None


@dataclass(frozen=True)
class FieldSpec:
    """A field of a family's entry in a level file (besides ``family``)."""

    name: str
    type: FieldType
    required: bool = True
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    shown: str | None = None
    #: Whether it may be a random range ``{random: [low, high]}`` (targets).
    random: bool = False
    doc: str = ""


class TargetShape(Protocol):
    """What a target recipe carries besides its numbers (``levels.model.TargetSpec``)."""

    @property
    def support(self) -> tuple[Hashable, ...]: ...
    @property
    def n(self) -> int: ...
    @property
    def counts(self) -> bool: ...
    @property
    def params(self) -> tuple[tuple[str, Any], ...]: ...


#: A closed-form best fit: the values of every parameter, or None to search.
FitRule = Callable[["Distribution", "Family", str, Bounds, Mapping[str, float]], Any]


@dataclass(frozen=True)
class FamilyDescriptor:
    """All the game knows of one family (see the module's docstring)."""

    name: str
    title: str
    continuous: bool
    drawing: Drawing
    #: The ``Family`` class a guess of this kind is (None: a target only).
    family_type: type[Family] | None = None
    #: Fields of a guess entry besides family, id, title and params.
    guess_fields: tuple[FieldSpec, ...] = ()
    #: Whether a guess entry may shape its parameters (``params``).
    has_params: bool = True
    #: Fields of a target entry besides family (None: never a target).
    target_fields: tuple[FieldSpec, ...] | None = None
    #: The guess family from its checked guess fields (``support`` defaults
    #: to the target's).
    make: Callable[[Mapping[str, Any]], Family] | None = None
    #: Why a guess of this family within ``ranges`` ((min, max) of every
    #: parameter, fixed ones included) has an infinite divergence from every
    #: target giving a chance to exactly ``chance`` (of ``support``), or None.
    #: Absent: always finite (a density is positive everywhere).
    problem: Callable[[Family, Ranges, frozenset, tuple, str], str | None] | None = None
    #: The values a target gives a chance for almost every seed, from its
    #: parameters (numbers, or random ranges: anything not a number), or
    #: None for a density.
    chance: Callable[[Mapping[str, Any], TargetShape], frozenset] | None = None
    #: Each parameter's defaults for a made family, in the family's order.
    params: Callable[[Family], dict[str, ParamDefault]] = lambda family: {}
    #: The target distribution for explicit parameter values.
    target: Callable[[Mapping[str, float], TargetShape], Distribution] | None = None

    @property
    def is_guess(self) -> bool:
        return self.family_type is not None

    @property
    def is_target(self) -> bool:
        return self.target_fields is not None


_FAMILIES: dict[str, FamilyDescriptor] = {}
_FITS: dict[type, FitRule] = {}


def register_family(descriptor: FamilyDescriptor) -> FamilyDescriptor:
    """Register ``descriptor`` under its name (a second one replaces the first)."""
    _FAMILIES[descriptor.name] = descriptor
    return descriptor


def register_fit(family_type: type) -> Callable[[FitRule], FitRule]:
    """Register a closed-form best fit for guesses of ``family_type``.

    The rule gets (target, family, direction, bounds, fixed) and returns the
    values of every parameter, or None where it does not apply (the search
    then runs)."""

    def decorate(rule: FitRule) -> FitRule:
        _FITS[family_type] = rule
        return rule

    return decorate


def descriptors() -> tuple[FamilyDescriptor, ...]:
    """Every registered family, in registration order."""
    _load()
    return tuple(_FAMILIES.values())


def descriptor(name: str) -> FamilyDescriptor:
    """The family a level file calls ``name``; KeyError if none is registered."""
    _load()
    try:
        return _FAMILIES[name]
    except KeyError:
        known = ", ".join(_FAMILIES)
        raise KeyError(f"no family {name!r} is registered (known: {known})") from None


def descriptor_of(family: Family) -> FamilyDescriptor:
    """The descriptor of a guess family (by its ``kind``)."""
    return descriptor(family.kind)


def guess_names() -> tuple[str, ...]:
    return tuple(d.name for d in descriptors() if d.is_guess)


def target_names() -> tuple[str, ...]:
    return tuple(d.name for d in descriptors() if d.is_target)


def closed_form(family: Family) -> FitRule | None:
    """The registered closed-form fit of ``family``'s type (most specific wins)."""
    _load()
    for cls in type(family).__mro__:
        if cls in _FITS:
            return _FITS[cls]
    return None


def param_defaults(family: Family) -> dict[str, ParamDefault]:
    """Each parameter of ``family`` with its defaults, in the family's order."""
    return descriptor_of(family).params(family)


def coordinate(family: Family, name: str) -> Coordinate:
    """How the fitter moves parameter ``name`` of ``family`` (``linear`` if unknown)."""
    info = param_defaults(family).get(name)
    return info.coordinate if info is not None else "linear"


def log_scaled(family: Family, name: str, low: float) -> bool:
    """Whether ``name`` is searched and stepped on a log scale: a positive
    scale parameter whose lower bound ``low`` keeps it away from 0."""
    return coordinate(family, name) == "log" and low > 0.0


def is_continuous(family: Family) -> bool:
    return descriptor_of(family).continuous


_loaded = False


def _load() -> None:
    """Register the built-in families (their modules register on import)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import klgame.engine.families
    import klgame.engine.poisson  # noqa: F401
