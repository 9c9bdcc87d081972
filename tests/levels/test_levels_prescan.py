"""The event scan: what it lets through is what is built, and nothing more.

A level file's events are read by the same parser that then builds its node
tree (libyaml's where PyYAML has it), so one property says it all: a text the
scan passes composes, without an error, into a plain tree -- no node reached
twice (no alias), no tag but YAML's plain ones, no deeper than ``MAX_DEPTH``.
Broken files are worded by PyYAML's pure-Python parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import test_levels_hostile as hostile
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from level_helpers import BROKEN_DIR, BUILTIN_DIR, BUILTIN_IDS, VALID_LEVEL, YAML_TOKENS

from klgame.levels import LevelError, load_level_text
from klgame.levels import loader as level_loader
from klgame.levels.loader import MAX_DEPTH, _prescan, _scan
from klgame.levels.schema import EXPLICIT_TAGS

SOURCE = "prescan.yaml"
HAS_LIBYAML = getattr(yaml, "CSafeLoader", None) is not None
BUILTIN_TEXTS = {
    level_id: (BUILTIN_DIR / f"{level_id}.yaml").read_text(encoding="utf-8")
    for level_id in BUILTIN_IDS
}
#: The tags PyYAML's safe resolver gives plain scalars, lists and mappings.
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "merge", "value", "seq", "map")
}


def refused(text: str) -> bool:
    """Whether the scan refuses ``text`` (an exception counts as refusing)."""
    try:
        return bool(_prescan(text, SOURCE))
    except Exception:
        return True


def plain_tree(text: str) -> None:
    """Build ``text`` as the loader does; fail unless the tree is plain."""
    loader = level_loader._PARSER(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    seen: set[int] = set()
    stack = [(root, 1)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        assert id(node) not in seen, f"a node reached twice (an alias) in {text!r}"
        seen.add(id(node))
        assert node.tag in PLAIN_TAGS | set(EXPLICIT_TAGS), (node.tag, text)
        if isinstance(node, yaml.SequenceNode):
            assert depth <= MAX_DEPTH, text
            stack += [(child, depth + 1) for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            assert depth <= MAX_DEPTH, text
            stack += [(part, depth + 1) for pair in node.value for part in pair]


def broken_texts() -> dict[str, str]:
    """The broken-file corpus, decoded as ``load_level`` decodes it."""
    texts = {}
    for path in sorted(BROKEN_DIR.glob("*.yaml")):
        try:
            texts[path.name] = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue  # refused before any YAML is read
    return texts


def params_of(test: Callable[..., Any]) -> list[Any]:
    """The values a test of test_levels_hostile.py is parametrized with."""
    (mark,) = [mark for mark in getattr(test, "pytestmark", []) if mark.name == "parametrize"]
    return list(mark.args[1])


def hostile_texts() -> dict[str, str]:
    """The texts of test_levels_hostile.py, built as its tests build them."""
    texts: dict[str, str] = {}
    for value in params_of(hostile.test_tags_are_refused):
        texts[f"tag {value}"] = VALID_LEVEL.replace("title: Tiny", f"title: {value}")
    texts["tag directive"] = "%TAG !p! tag:yaml.org,2002:python/\n---\n" + VALID_LEVEL.replace(
        "title: Tiny", "title: !p!object/apply:os.getcwd []"
    )
    lines = ['a0: &a0 "lol"']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    texts["billion laughs"] = VALID_LEVEL + "\n".join(lines) + "\n"
    for opener, closer in params_of(
        hostile.test_very_deep_nesting_is_refused_without_recursion_error
    ):
        texts[f"deep {opener}"] = VALID_LEVEL + "view: " + opener * 50_000 + "1" + closer * 50_000
    markup = "[bold red]x[/] and [link=https://example.com]click[/link] :smile:"
    texts["markup"] = VALID_LEVEL.replace("intro: Match the hidden curve.", f'intro: "{markup}"')
    for escaped, _ in params_of(hostile.test_control_characters_in_texts_are_refused):
        texts[f"escape {escaped}"] = VALID_LEVEL.replace(
            "reveal: Well done.", f'reveal: "Well {escaped} done"'
        )
    texts["tabs escaped"] = VALID_LEVEL.replace(
        "reveal: Well done.", 'reveal: "Well\\tdone.\\n\\nReally."'
    )
    texts["escapes in keys"] = VALID_LEVEL + '"\\e[2Jboom": 1\nunits: "\\e[31mbits"\n'
    texts["negative variance"] = VALID_LEVEL.replace("2", "-2")
    numbers = params_of(hostile.test_strange_numbers_are_refused)
    numbers += params_of(hostile.test_numbers_written_other_ways)
    for line, _ in numbers:
        texts[f"number {line[:20]}"] = VALID_LEVEL.replace("mean: {random: [-1, 1]}", line)
    texts["control bytes"] = "\x00\x01\x02"
    texts["surrogate"] = "\ud800 unpaired surrogate"
    texts["valid"] = VALID_LEVEL
    return texts


CORPUS = {
    **{f"builtin {k}": v for k, v in BUILTIN_TEXTS.items()},
    **{f"broken {k}": v for k, v in broken_texts().items()},
    **{f"hostile {k}": v for k, v in hostile_texts().items()},
}

#: Texts on which libyaml's parser and PyYAML's pure-Python one disagree
#: (tabs between tokens, a byte order mark inside the text, a comment glued to
#: a block scalar's header, '?' and tags in flow context).
DISPUTED = {
    "tab before ':'": "a\t: 1\n",
    "tab after ':'": "a:\t1\n",
    "tab in flow": "[a,\tb]\n",
    "tab before comment": "a: 1\t# note\n",
    "bom alone on a line": "- a\n\ufeff\n- b\n",
    "bom before a comment": "a: 1\n\ufeff# note\nb: 2\n",
    "'?' in a flow plain scalar": "[a?b]\n",
    "comment glued to block header": "a: |#\n  x\n",
    "comment glued to chomping": "a: >-#\n  x\n",
    "allowed tag before ','": "[!!str, a]\n",
    "non-specific tag before ','": "{!, a}\n",
}


def test_the_corpus_is_complete():
    assert len(BUILTIN_TEXTS) == 9
    assert sum(name.startswith("broken ") for name in CORPUS) >= 25
    assert sum(name.startswith("hostile ") for name in CORPUS) >= 30
    assert refused(CORPUS["hostile billion laughs"])
    assert refused(CORPUS["hostile deep ["])


@pytest.mark.parametrize("name", sorted(CORPUS) + [f"disputed {k}" for k in sorted(DISPUTED)])
def test_what_the_scan_passes_is_built_as_a_plain_tree(name: str):
    text = CORPUS[name] if name in CORPUS else DISPUTED[name.removeprefix("disputed ")]
    if not refused(text):
        plain_tree(text)


def test_builtin_levels_pass_the_scan():
    for level_id, text in BUILTIN_TEXTS.items():
        assert _prescan(text, SOURCE) == [], level_id


@pytest.mark.skipif(not HAS_LIBYAML, reason="no libyaml: PyYAML's parser is the only one")
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_without_libyaml_the_corpus_gets_the_same_verdicts(
    name: str, monkeypatch: pytest.MonkeyPatch
):
    text = CORPUS[name]
    with_libyaml = refused(text)
    monkeypatch.setattr(level_loader, "_PARSER", yaml.SafeLoader)
    assert refused(text) == with_libyaml


@pytest.mark.parametrize("name", sorted(DISPUTED))
def test_pure_python_yaml_refuses_the_disputed_texts(name: str, monkeypatch: pytest.MonkeyPatch):
    # documented in docs/levels.md: without libyaml these few constructs are refused
    monkeypatch.setattr(level_loader, "_PARSER", yaml.SafeLoader)
    assert refused(DISPUTED[name])


def test_without_libyaml_levels_load_and_bombs_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(level_loader, "_PARSER", yaml.SafeLoader)
    assert load_level_text(VALID_LEVEL).id == "tiny"
    with pytest.raises(LevelError) as caught:
        load_level_text(CORPUS["hostile billion laughs"], source=SOURCE)
    assert "aliases (*a0) are not supported" in caught.value.messages[0]


@pytest.mark.skipif(not HAS_LIBYAML, reason="no libyaml: PyYAML's parser is the only one")
def test_a_broken_file_is_worded_by_pyyaml():
    text = VALID_LEVEL + "view: [1, 2\nunits: bits\n"
    with pytest.raises(LevelError) as caught:
        load_level_text(text, source=SOURCE)
    (message,) = caught.value.messages
    assert message == _scan(text, SOURCE, yaml.SafeLoader)[0][0]
    assert "but got ':'" in message  # what was found, where libyaml says only what was expected
    assert message != _scan(text, SOURCE, yaml.CSafeLoader)[0][0]


# --- fuzzing: what passes is built as a plain tree ---------------------------------

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def check(text: str) -> None:
    if not refused(text):
        plain_tree(text)


@SETTINGS
@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=60).map("".join))
def test_random_yamlish_text(text: str):
    check(text)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(" \n-:?[]{},#&*!|>'\"%@`\\.0a\r\t\x85~+<"), max_size=40))
def test_random_yaml_characters(text: str):
    check(text)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text: str):
    check(text)


@SETTINGS
@given(st.data())
def test_text_edits_of_builtins(data: st.DataObject):
    text = data.draw(st.sampled_from(sorted(BUILTIN_TEXTS.values())), label="level")
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(text)), label="at")
        cut = data.draw(st.integers(0, 12), label="cut")
        junk = data.draw(
            st.text(max_size=6) | st.lists(st.sampled_from(YAML_TOKENS), max_size=3).map("".join),
            label="junk",
        )
        text = text[:at] + junk + text[at + cut :]
    check(text)
