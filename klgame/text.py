"""The one rule for every text a player or a file supplies: names, level texts.

A text is shown literally on someone's terminal or browser, so it must not be
able to drive the terminal (control characters: ESC, CSI, DEL), reorder or
hide what is around it (format characters: bidi overrides and isolates,
zero-width spaces and joiners, the BOM), or pass for another text (``ａｌｉｃｅ``
for ``alice``, ``e`` + combining acute for ``é``). :func:`sanitize` makes any
string safe to show and to compare:

1. NFKC normalisation: compatibility variants (full-width letters, ligatures,
   the no-break space, superscripts) become their plain form, and a letter
   with combining marks becomes its precomposed form where one exists;
2. no character of Unicode category C (``Cc`` controls, ``Cf`` format,
   ``Cs`` lone surrogates from undecodable bytes, ``Co`` private use, ``Cn``
   unassigned), nor the invisible fillers that are letters or marks to
   Unicode (Hangul fillers, variation selectors, the braille blank);
   line and paragraph separators count as spaces;
3. at most :data:`MAX_MARKS` combining marks (categories ``Mn``, ``Mc``,
   ``Me``) on one character, counted in its decomposed form (``ǖ`` already
   holds two), and none without a character to sit on;
4. blanks: a one-line text loses its surrounding blanks and each run of
   blanks inside becomes one space; a multi-line text keeps ``\\n`` and ``\\t``
   and loses trailing blanks;
5. a length cap, counted after all of the above.

:func:`problems` names what :func:`sanitize` would remove, for the level
checker, which refuses such texts rather than change them silently.
"""

from __future__ import annotations

import functools
import unicodedata

#: Longest player name kept, in characters.
MAX_NAME_LENGTH = 32

#: Most combining marks kept on one character (Vietnamese needs two, some
#: scripts three); more only stack into a smear over the neighbouring lines.
MAX_MARKS = 3

#: Letters and marks to Unicode that show nothing (Default_Ignorable_Code_Point
#: outside category Cf, plus the braille blank): used to fake an empty or a
#: different-looking name.
_INVISIBLE = frozenset(
    [
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0),
        *range(0x180B, 0x1810),  # Mongolian free variation selectors, vowel separator
        *range(0xFE00, 0xFE10),  # variation selectors
        *range(0xE0100, 0xE01F0),  # variation selectors supplement
    ]
)

_SEPARATORS = frozenset(("Zl", "Zp"))  # U+2028, U+2029: line breaks in disguise
_LAYOUT = "\n\t"


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _kind(char: str) -> str | None:
    """What kind of unwanted character ``char`` is, or ``None`` if it is fine to show."""
    category = unicodedata.category(char)
    if category == "Cc":
        return "control character"
    if category == "Cf":
        return "format character"
    if category == "Cs":
        return "undecodable byte"
    if category in ("Co", "Cn"):
        return "private or unassigned character"
    if ord(char) in _INVISIBLE:
        return "invisible character"
    return None


def is_unsafe_char(char: str, allow_layout: bool = False) -> bool:
    """Whether ``char`` must not be shown as it is (``\\n``, ``\\t`` pass if ``allow_layout``)."""
    if allow_layout and char in _LAYOUT:
        return False
    return _kind(char) is not None or unicodedata.category(char) in _SEPARATORS


def escape_unsafe(text: str, limit: int = 200) -> str:
    """``text`` fit to echo in a message: unsafe characters as ``\\xNN``/``\\uNNNN``, long text cut.

    For quoting a text in an error about it, where the reader must see
    exactly what is wrong; :func:`sanitize` is for showing the text itself.
    """
    if len(text) > limit:
        text = text[:limit] + "…"
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if is_unsafe_char(c) else c
        for c in text
    )


#: The categories of combining marks: nonspacing, spacing (U+0903) and enclosing.
_MARKS = frozenset(("Mn", "Mc", "Me"))


def _marks_within(char: str) -> int:
    """How many combining marks a precomposed ``char`` holds (``ǖ``: 2)."""
    if char.isascii():
        return 0
    return sum(unicodedata.category(c) in _MARKS for c in unicodedata.normalize("NFD", char))


@functools.lru_cache(maxsize=4096)
def _kept_as_is(char: str, multiline: bool) -> bool:
    """Whether :func:`_drop_unsafe` keeps ``char`` as it is, whatever is around it."""
    if char in _LAYOUT:
        return multiline
    category = unicodedata.category(char)
    return (
        category not in _SEPARATORS
        and category not in _MARKS
        and _kind(char) is None
        and _marks_within(char) == 0
    )


def _drop_unsafe(text: str, multiline: bool) -> str:
    # Most texts hold nothing to drop: each distinct character is asked once
    # (about 60 in a level's intro), not each of its thousands in turn.
    if all(_kept_as_is(char, multiline) for char in set(text)):
        return text
    kept = []
    marks = 0
    for char in text:
        if multiline and char in _LAYOUT:
            kept.append(char)
            marks = 0
            continue
        category = unicodedata.category(char)
        if category in _SEPARATORS or char in _LAYOUT:
            char = " "
        elif _kind(char) is not None:
            continue
        if category in _MARKS:
            if not kept or kept[-1] in " \n\t" or marks >= MAX_MARKS:
                continue
            marks += 1
        else:
            marks = _marks_within(char)
        kept.append(char)
    return "".join(kept)


def sanitize(text: str, *, max_len: int | None = None, multiline: bool = False) -> str:
    """``text`` made safe to show and to compare (see the module's docstring).

    ``multiline`` keeps ``\\n`` (``\\r\\n`` and ``\\r`` become ``\\n``) and
    ``\\t``; otherwise the text is one line. ``max_len`` caps the length of
    the result. The result is a fixed point: ``sanitize(sanitize(t)) ==
    sanitize(t)`` for the same arguments.
    """
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Drop first, so that nothing invisible keeps a letter from its marks;
    # normalise; drop again, as a compatibility form may bring a new mark.
    clean = _drop_unsafe(unicodedata.normalize("NFKC", _drop_unsafe(text, multiline)), multiline)
    if multiline:
        clean = "\n".join(line.rstrip() for line in clean.split("\n")).rstrip()
    else:
        clean = " ".join(clean.split())
    if max_len is not None and len(clean) > max_len:
        clean = clean[:max_len].rstrip()
        # a cut may leave a letter without the marks it had: normalise once more
        clean = unicodedata.normalize("NFKC", clean)
    return clean


def sanitize_name(name: str) -> str:
    """A player's name: one line, at most :data:`MAX_NAME_LENGTH` characters."""
    return sanitize(name, max_len=MAX_NAME_LENGTH)


@functools.lru_cache(maxsize=4096)
def _allowed(char: str, multiline: bool) -> bool:
    """Whether :func:`problems` lets ``char`` pass wherever it stands."""
    if char in _LAYOUT + "\r":
        return multiline
    return _kind(char) is None and unicodedata.category(char) not in _SEPARATORS


def problems(text: str, *, multiline: bool = True) -> list[str]:
    """What in ``text`` :func:`sanitize` would remove, one message per kind and place.

    Used by the level checker, which refuses such a text so that its author
    sees what is wrong. Normalisation (NFKC) and blanks are not problems:
    those are applied to the text as it is shown.
    """
    if all(_allowed(char, multiline) for char in set(text)):  # each distinct one once
        return []
    found = []
    for index, char in enumerate(text):
        if multiline and char in _LAYOUT + "\r":
            continue
        kind = _kind(char)
        if kind is None and unicodedata.category(char) in _SEPARATORS:
            kind = "line separator"
        if kind is None and char in _LAYOUT:
            kind = "control character"
        if kind is not None:
            found.append(f"{kind} {_describe(char)} at offset {index} is not allowed")
    return found


# --- names that look alike ---------------------------------------------------------

#: The scripts whose letters pass for each other's: a name that mixes them
#: (``аlice`` with a Cyrillic ``а``) is refused, not compared.
LOOKALIKE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")

#: Letters of Greek and Cyrillic drawn like a Latin letter in common fonts,
#: after case folding, with that letter; and the few ASCII look-alikes. A
#: name all in one of those scripts (``асе``) is compared by this skeleton.
_SKELETON = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "и": "u", "і": "l", "ї": "l",
        "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y",
        "һ": "h", "ӏ": "l", "ь": "b",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j", "μ": "u",
        # Latin and digits that pass for one another (I, once folded, is i)
        "0": "o", "1": "l", "|": "l", "ı": "l", "i": "l",
    }
)  # fmt: skip


def _script(char: str) -> str | None:
    """The script of a letter, by the first word of its Unicode name (``LATIN``)."""
    if not unicodedata.category(char).startswith("L"):
        return None  # digits, marks, spaces, punctuation belong to every script
    return unicodedata.name(char, "?").split(" ", 1)[0]


def mixed_scripts(name: str) -> list[str]:
    """The look-alike scripts (:data:`LOOKALIKE_SCRIPTS`) that ``name`` mixes,
    if it has letters of more than one of them, else ``[]``."""
    found = {_script(char) for char in unicodedata.normalize("NFKC", name)}
    scripts = sorted(script for script in LOOKALIKE_SCRIPTS if script in found)
    return scripts if len(scripts) > 1 else []


def name_key(name: str) -> str:
    """What two names that look alike have in common: :func:`sanitize_name`,
    case folded, marks kept, look-alike letters and digits (:data:`_SKELETON`)
    replaced by the Latin letter they pass for, ``I``, ``i``, ``l`` and ``1``
    as one, ``rn`` as ``m`` and ``vv`` as ``w``. ``Alice``, ``ALICE``, ``ａｌｉｃｅ``, ``aIice`` and
    ``асе``/``ace`` each share a key."""
    folded = unicodedata.normalize("NFKC", sanitize_name(name).casefold()).translate(_SKELETON)
    return folded.replace("rn", "m").replace("vv", "w")
