"""Files written to hurt: code tags, bombs, deep nesting, terminal escapes, markup."""

from __future__ import annotations

import os
import time
import unicodedata
from pathlib import Path

import pytest
from level_helpers import VALID_LEVEL, write_level

from klgame.levels import LevelError, load_directory, load_level, load_level_text


def errors_of(text: str) -> list[str]:
    with pytest.raises(LevelError) as caught:
        load_level_text(text, source="hostile.yaml")
    return caught.value.messages


def assert_printable(messages: list[str]) -> None:
    for message in messages:
        for char in message:
            assert unicodedata.category(char) != "Cc", repr(message)


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['touch /tmp/pwned']",
        "!!python/name:os.system",
        "!!python/object/new:builtins.dict {}",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!!timestamp 2024-01-01",
        "!custom thing",
        "!<tag:example.com,2024:x> y",
    ],
)
def test_tags_are_refused(value: str, tmp_path: Path):
    marker = tmp_path / "pwned"
    text = VALID_LEVEL.replace("title: Tiny", f"title: {value}").replace("/tmp/pwned", str(marker))
    messages = errors_of(text)
    assert len(messages) == 1 and "is not allowed" in messages[0]
    assert messages[0].startswith("hostile.yaml:2:8: tag '")
    assert not marker.exists()


def test_tag_directive_cannot_smuggle_python():
    text = "%TAG !p! tag:yaml.org,2002:python/\n---\n" + VALID_LEVEL.replace(
        "title: Tiny", "title: !p!object/apply:os.getcwd []"
    )
    messages = errors_of(text)
    assert "'!!python/object/apply:os.getcwd' is not allowed" in messages[0]


def test_billion_laughs_is_refused_quickly():
    lines = ['a0: &a0 "lol"']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    started = time.perf_counter()
    messages = errors_of(VALID_LEVEL + "\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0
    assert "aliases (*a0) are not supported" in messages[0]


@pytest.mark.parametrize("opener, closer", [("[", "]"), ("{a: ", "}")])
def test_very_deep_nesting_is_refused_without_recursion_error(opener: str, closer: str):
    depth = 50_000
    text = VALID_LEVEL + "view: " + opener * depth + "1" + closer * depth + "\n"
    messages = errors_of(text)
    assert len(messages) == 1
    assert messages[0].endswith("nested more than 20 levels deep")


def test_markup_is_kept_literally():
    markup = "[bold red]x[/] and [link=https://example.com]click[/link] :smile:"
    text = VALID_LEVEL.replace("intro: Match the hidden curve.", f'intro: "{markup}"')
    level = load_level_text(text)
    assert level.intro == markup


@pytest.mark.parametrize(
    "escaped, what",
    [
        ("\\e[2J", "control character U+001B"),
        ("\\x1b]0;title\\x07", "control character U+001B"),
        ("\\x9b31m", "control character U+009B"),
        ("\\u202Egnp.exe", "format character U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\\u200Bx", "format character U+200B (ZERO WIDTH SPACE)"),
        ("\\u2066x", "format character U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("\\0", "control character U+0000"),
        ("\\x7f", "control character U+007F"),
    ],
)
def test_control_characters_in_texts_are_refused(escaped: str, what: str):
    text = VALID_LEVEL.replace("reveal: Well done.", f'reveal: "Well {escaped} done"')
    messages = errors_of(text)
    more = " (and 1 more)" if escaped.endswith("\\x07") else ""  # ESC and BEL
    assert messages == [
        f"hostile.yaml:5:9: reveal: {what} at offset 5 is not allowed{more} "
        "(texts are shown as plain text)"
    ]


def test_tabs_and_newlines_are_fine_in_long_texts():
    text = VALID_LEVEL.replace("reveal: Well done.", 'reveal: "Well\\tdone.\\n\\nReally."')
    assert load_level_text(text).reveal == "Well\tdone.\n\nReally."


def test_escapes_in_keys_and_values_never_reach_the_terminal():
    text = VALID_LEVEL + '"\\e[2Jboom": 1\nunits: "\\e[31mbits"\n'
    messages = errors_of(text)
    assert len(messages) == 2
    assert "\\x1b[2Jboom: unknown field" in messages[0]
    assert "unknown value '\\x1b[31mbits'" in messages[1]
    assert_printable(messages)


def test_file_names_with_escapes_are_shown_escaped(tmp_path: Path):
    path = write_level(tmp_path, "bad\x1b[31mname.yaml", VALID_LEVEL.replace("2", "-2"))
    with pytest.raises(LevelError) as caught:
        load_level(path)
    assert "bad\\x1b[31mname.yaml:9:13: target.variance: must be > 0" in caught.value.messages[0]
    assert_printable(caught.value.messages)


@pytest.mark.parametrize(
    "line, problem",
    [
        ("mean: 1e400", "target.mean: must be a finite number"),
        ("mean: -.inf", "target.mean: must be a finite number"),
        ("mean: " + "9" * 5000, "target.mean: is not a number this game can use"),
        ("mean: 2024-01-01", "target.mean: must be a number, got a date"),
        ("mean: ~", "target.mean: must be a number, got nothing"),
        ("mean: [1]", "target.mean: must be a number, got a list"),
        ("mean: '1e-3'", "target.mean: must be a number, got text '1e-3'"),
        ("mean: yes", "target.mean: must be a number, got true/false"),
    ],
)
def test_strange_numbers_are_refused(line: str, problem: str):
    messages = errors_of(VALID_LEVEL.replace("mean: {random: [-1, 1]}", line))
    assert len(messages) == 1 and messages[0].endswith(problem)


@pytest.mark.parametrize(
    "line, mean", [("mean: 0x1F", 31.0), ("mean: 1_000", 1000.0), ("mean: 1e-3", 0.001)]
)
def test_numbers_written_other_ways(line: str, mean: float):
    level = load_level_text(VALID_LEVEL.replace("mean: {random: [-1, 1]}", line))
    assert level.target.values(0)["mean"] == mean


def test_a_fifo_in_a_levels_directory_does_not_hang(tmp_path: Path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    write_level(tmp_path, "good.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    levels, errors = load_directory(tmp_path)
    assert [level.id for level in levels] == ["tiny"]
    assert errors == [f"{tmp_path / 'pipe.yaml'}: refused: not a regular file"]


def test_not_text_at_all():
    assert_printable(errors_of("\x00\x01\x02"))
    with pytest.raises(LevelError):
        load_level_text("\ud800 unpaired surrogate")
