"""The two-speed prescan: libyaml's quick "clean" must never pass what PyYAML refuses.

A level file is first walked by libyaml's event parser (``_looks_clean``); only
when that finds nothing does the loader skip PyYAML's pure-Python ``_prescan``,
which writes every message. So the one thing that must hold is: whenever
``_prescan`` refuses a text, ``_looks_clean`` does not call it clean.
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
from klgame.levels.loader import _looks_clean, _prescan

SOURCE = "prescan.yaml"
HAS_LIBYAML = getattr(yaml, "CSafeLoader", None) is not None
BUILTIN_TEXTS = {
    level_id: (BUILTIN_DIR / f"{level_id}.yaml").read_text(encoding="utf-8")
    for level_id in BUILTIN_IDS
}


def refused(text: str) -> bool:
    """Whether the pure-Python prescan refuses ``text`` (an exception counts as refusing)."""
    try:
        return bool(_prescan(text, SOURCE))
    except Exception:
        return True


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

#: Texts libyaml's parser accepts (or reads as allowed) that PyYAML's pure-Python
#: parser refuses: the quick path must send each of them to ``_prescan``.
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


@pytest.mark.skipif(not HAS_LIBYAML, reason="no libyaml: every file takes the slow scan")
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_quick_verdict_agrees_with_the_pure_python_prescan(name: str):
    text = CORPUS[name]
    assert _looks_clean(text) == (not refused(text)), name


@pytest.mark.skipif(not HAS_LIBYAML, reason="no libyaml: every file takes the slow scan")
def test_builtin_levels_take_the_quick_path():
    for level_id, text in BUILTIN_TEXTS.items():
        assert _looks_clean(text), level_id


@pytest.mark.parametrize("name", sorted(DISPUTED))
def test_texts_the_parsers_disagree_on_go_to_the_pure_python_prescan(name: str):
    text = DISPUTED[name]
    if HAS_LIBYAML:  # the reason for the rule: libyaml alone would let it pass
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
        assert not any(isinstance(event, yaml.AliasEvent) for event in events)
    assert refused(text)
    assert not _looks_clean(text)
    with pytest.raises(LevelError) as caught:
        load_level_text(text, source=SOURCE)
    assert caught.value.messages == _prescan(text, SOURCE)


def test_without_libyaml_every_text_takes_the_slow_scan(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(level_loader, "_QUICK_PARSER", None)
    assert not _looks_clean(VALID_LEVEL)
    assert load_level_text(VALID_LEVEL).id == "tiny"
    with pytest.raises(LevelError) as caught:
        load_level_text(CORPUS["hostile billion laughs"], source=SOURCE)
    assert "aliases (*a0) are not supported" in caught.value.messages[0]


# --- fuzzing: a refused text is never called clean ----------------------------------

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def check(text: str) -> None:
    if refused(text):
        assert not _looks_clean(text), repr(text)


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
