"""The one text sanitiser (klgame/text.py), against the Unicode rules it documents."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from klgame.text import MAX_MARKS, MAX_NAME_LENGTH, problems, sanitize, sanitize_name


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("\u202eecila", "ecila"),  # right-to-left override: gone, the letters stay in order
        ("alice\u200b", "alice"),  # zero width space
        ("\u2066alice\u2069", "alice"),  # left-to-right isolate and its pop
        ("al\u200dice", "alice"),  # zero width joiner
        ("\ufeffalice", "alice"),  # byte order mark
        ("\uff41\uff4c\uff49\uff43\uff45", "alice"),  # full-width letters (NFKC)
        ("\u212bngstr\u00f6m", "\u00c5ngstr\u00f6m"),  # the angstrom sign is the letter Å
        ("e\u0301mile", "\u00e9mile"),  # combining acute composes to é
        ("ali\u00a0ce", "ali ce"),  # no-break space is a space
        ("  ali   ce\t ", "ali ce"),  # blanks collapse
        ("a\u2028b", "a b"),  # line separator
        ("\u3164", ""),  # Hangul filler: a letter that shows nothing
        ("\u2800\u2800", ""),  # braille blanks
        ("bob\ufe0f", "bob"),  # variation selector
        ("\udcffbob", "bob"),  # an undecodable byte (surrogateescape)
        ("\ue000bob", "bob"),  # private use
        ("\u0301bob", "bob"),  # a mark with nothing to sit on
        ("\x1b[31mred", "[31mred"),
        ("Zo\u00eb \U0001f98a", "Zo\u00eb \U0001f98a"),
    ],
)
def test_names_are_shown_as_their_visible_form(given: str, shown: str) -> None:
    assert sanitize_name(given) == shown


def test_combining_marks_are_capped_per_character() -> None:
    zalgo = "a" + "\u0300\u0301\u0302\u0303\u0304\u0305" + "b"
    assert sanitize_name(zalgo) == unicodedata.normalize("NFC", "a\u0300\u0301\u0302b")
    assert MAX_MARKS == 3


def _marks(text: str) -> int:
    decomposed = unicodedata.normalize("NFD", text)
    return sum(unicodedata.category(c) in ("Mn", "Mc", "Me") for c in decomposed)


def test_a_precomposed_letter_s_own_marks_count_toward_the_cap() -> None:
    # ǖ is u + diaeresis + macron: two marks already, so one acute more is kept.
    shown = sanitize_name("\u01d6" + "\u0301" * 5)
    assert _marks(shown) == MAX_MARKS
    assert unicodedata.normalize("NFD", shown) == "u\u0308\u0304\u0301"


def test_spacing_and_enclosing_marks_count_toward_the_cap() -> None:
    assert unicodedata.category("\u0903") == "Mc"  # DEVANAGARI SIGN VISARGA
    assert sanitize_name("a" + "\u0903" * 10 + "b") == "a" + "\u0903" * 3 + "b"
    assert sanitize_name("x" + "\u20dd" * 6) == "x" + "\u20dd" * 3  # enclosing circle, Me
    assert sanitize_name("\u0903" + "ok") == "ok"  # nothing to sit on
    assert sanitize_name("\u0915\u0903") == "\u0915\u0903"  # क + visarga, as written


@given(st.text(alphabet=st.characters(categories=("L", "Mn", "Mc", "Me"))))
def test_no_character_ever_keeps_more_than_the_cap(text: str) -> None:
    shown = sanitize(text)
    run = 0
    for char in unicodedata.normalize("NFD", shown):
        run = run + 1 if unicodedata.category(char) in ("Mn", "Mc", "Me") else 0
        assert run <= MAX_MARKS, (text, shown)


def test_the_cap_counts_what_is_left() -> None:
    assert sanitize_name("\u200b" * 100 + "x" * 40) == "x" * MAX_NAME_LENGTH
    assert sanitize("\ufb01" * 3, max_len=4) == "fifi"  # the ligature becomes two letters


def test_multiline_texts_keep_their_lines_and_tabs() -> None:
    text = "First line  \r\nsecond\tline\rthird\u202e"
    assert sanitize(text, multiline=True) == "First line\nsecond\tline\nthird"


def test_problems_name_each_character_and_place() -> None:
    assert problems("ok\tfine\nyes") == []
    assert problems("a\u202eb\x1bc") == [
        "format character U+202E (RIGHT-TO-LEFT OVERRIDE) at offset 1 is not allowed",
        "control character U+001B at offset 3 is not allowed",
    ]
    assert problems("a\tb", multiline=False) == [
        "control character U+0009 at offset 1 is not allowed"
    ]
    assert problems("\ufb01 \u00b2") == []  # normalised when shown, not refused


def _is_shown_safely(char: str) -> bool:
    return unicodedata.category(char)[0] != "C" and unicodedata.category(char) not in ("Zl", "Zp")


@given(st.text(max_size=80))
def test_any_text_comes_out_normalised_without_controls(text: str) -> None:
    clean = sanitize(text, max_len=40)
    assert len(clean) <= 40
    assert all(_is_shown_safely(char) for char in clean)
    assert clean == clean.strip() and "  " not in clean
    assert unicodedata.is_normalized("NFKC", clean)
    assert sanitize(clean, max_len=40) == clean  # a fixed point


@given(st.text(max_size=80))
def test_multiline_texts_have_only_newlines_and_tabs_as_controls(text: str) -> None:
    clean = sanitize(text, multiline=True)
    assert all(_is_shown_safely(char) or char in "\n\t" for char in clean)
    assert unicodedata.is_normalized("NFKC", clean)
    assert sanitize(clean, multiline=True) == clean


@settings(max_examples=400, deadline=None)
@given(st.text(), st.booleans())
@example("KL(p‖q) is ∞ where q = 0 < p.\n\tσ² and θ", True)
@example("a\u0301\u0301\u0301\u0301 e\u0903 \u202e x\ny", False)
@example("ǖ\u0301\u0301\u0301", True)
def test_the_quick_path_keeps_exactly_what_the_character_walk_keeps(
    text: str, multiline: bool
) -> None:
    # a text whose every character is kept as it is skips the walk: the walk
    # itself (every character asked in turn) must give the same
    from klgame import text as module

    quick = module._drop_unsafe(text, multiline)
    original = module._kept_as_is
    module._kept_as_is = lambda char, multiline: False  # type: ignore[assignment]
    try:
        walked = module._drop_unsafe(text, multiline)
    finally:
        module._kept_as_is = original
    assert quick == walked


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans())
@example("fine\r\n\ttext ∞", True)
@example("tab\there", False)
def test_problems_quick_path_agrees_with_the_walk(text: str, multiline: bool) -> None:
    from klgame import text as module

    quick = module.problems(text, multiline=multiline)
    original = module._allowed
    module._allowed = lambda char, multiline: False  # type: ignore[assignment]
    try:
        walked = module.problems(text, multiline=multiline)
    finally:
        module._allowed = original
    assert quick == walked
