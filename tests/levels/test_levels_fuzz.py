"""Fuzzing the loader: whatever the file, the answer is a Level or a LevelError.

Anything else -- a KeyError, a TypeError, a RecursionError -- would reach a
level author as a traceback.
"""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from level_helpers import BUILTIN_DIR, BUILTIN_IDS, YAML_TOKENS

from klgame.levels import Level, LevelError, load_catalog, load_level_text

SOURCE = "fuzz.yaml"
BUILTIN_TEXTS = [
    (BUILTIN_DIR / f"{level_id}.yaml").read_text(encoding="utf-8") for level_id in BUILTIN_IDS
]
BUILTIN_DATA = [yaml.safe_load(text) for text in BUILTIN_TEXTS]
_CATALOG = load_catalog()

FIELD_NAMES = [
    "id",
    "title",
    "lesson",
    "intro",
    "reveal",
    "order",
    "target",
    "guess",
    "family",
    "params",
    "mean",
    "variance",
    "means",
    "variances",
    "weights",
    "probs",
    "counts",
    "support",
    "n",
    "p",
    "random",
    "start",
    "min",
    "max",
    "step",
    "big_step",
    "fixed",
    "label",
    "components",
    "direction",
    "show",
    "units",
    "view",
    "meters",
    "limit",
    "stars",
    "labels",
    "x_min",
    "y_max",
    "dog",
    "0",
    "mean1",
    "variance3",
]
WORDS = [
    "gaussian",
    "mixture",
    "categorical",
    "binomial",
    "uniform",
    "forward",
    "reverse",
    "nats",
    "bits",
    "dog",
    "panda",
]

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS + FIELD_NAMES),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=6),
    ),
    max_leaves=30,
)


def _builtin(level_id: str) -> Level | str:
    """The built-in levels, for a ``target: {same_as: ID}``."""
    return _CATALOG.get(level_id) if level_id in _CATALOG else f"no level '{level_id}'"


def check_outcome(text: str) -> Level | None:
    """Load ``text``; only a Level or a LevelError may come out."""
    try:
        level = load_level_text(text, source=SOURCE, lookup=_builtin)
    except LevelError as error:
        assert error.messages
        for message in error.messages:
            assert message.startswith(SOURCE), message
            assert not any(unicodedata.category(c) == "Cc" for c in message), repr(message)
        return None
    # a level that loads is playable: its target and every starting guess build
    level.target.draw(0)
    level.target.draw(12345)
    for model in level.models:
        model.build(model.start_values())
    return level


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@SETTINGS
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=14))
def test_random_documents(document: dict[str, Any]):
    check_outcome(dump(document))


@SETTINGS
@given(
    st.lists(
        st.sampled_from([*FIELD_NAMES, *WORDS, *YAML_TOKENS]),
        max_size=60,
    ).map("".join)
)
def test_random_yamlish_text(text: str):
    check_outcome(text)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text: str):
    check_outcome(text)


def paths_of(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) into nested dicts and lists."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths_of(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths_of(value, (*prefix, index))
    return found


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@SETTINGS
@given(st.data())
def test_mutated_builtins(data: st.DataObject):
    level_index = data.draw(st.integers(0, len(BUILTIN_DATA) - 1), label="level")
    document = copy.deepcopy(BUILTIN_DATA[level_index])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = paths_of(document)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = parent_of(document, path)
        action = data.draw(st.sampled_from(["delete", "replace", "insert", "wrap"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = data.draw(values, label="value")
        elif action == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        elif isinstance(parent, dict):
            key = data.draw(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), label="key")
            parent[key] = data.draw(values, label="junk")
        else:
            parent.insert(path[-1], data.draw(values, label="junk"))
    check_outcome(dump(document))


@SETTINGS
@given(st.data())
def test_text_edits_of_builtins(data: st.DataObject):
    text = data.draw(st.sampled_from(BUILTIN_TEXTS), label="level")
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(text)), label="at")
        cut = data.draw(st.integers(0, 12), label="cut")
        junk = data.draw(st.text(max_size=6) | st.sampled_from([":", "-", "\n", " ", "[", "'"]))
        text = text[:at] + junk + text[at + cut :]
    check_outcome(text)


def test_unmutated_builtins_load():
    for text in BUILTIN_TEXTS:
        assert check_outcome(text) is not None
    for document in BUILTIN_DATA:  # and survive a round trip through a YAML dumper
        assert check_outcome(dump(document)) is not None
