"""Paths and a valid level shared by the level tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_DIR = ROOT / "levels"
BROKEN_DIR = ROOT / "tests" / "data" / "broken_levels"

BUILTIN_IDS = (
    "gaussian",
    "two-peaks-reverse",
    "two-peaks-forward",
    "two-peaks-js",
    "finale",
    "space-worms",
    "dog-or-panda",
    "three-states",
    "never-say-never",
)

#: A small valid level; tests change one thing in it at a time.
VALID_LEVEL = """\
id: tiny
title: Tiny
lesson: A level with nothing special.
intro: Match the hidden curve.
reveal: Well done.
target:
  family: gaussian
  mean: {random: [-1, 1]}
  variance: 2
guess:
  family: gaussian
direction: reverse
"""


def write_level(directory: Path, name: str, text: str = VALID_LEVEL) -> Path:
    """Write a level file (creating ``directory``) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


#: Pieces of YAML, joined at random by the fuzz tests: indicators, tags,
#: anchors, directives, escapes, odd whitespace and a few plain words.
YAML_TOKENS = [
    "a",
    "id",
    "0",
    "-2.5",
    "~",
    ": ",
    ":",
    "- ",
    "-",
    "? ",
    "?",
    "\n",
    "  ",
    " ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!!python/object ",
    "!x ",
    "! ",
    "!",
    "!<tag:yaml.org,2002:str> ",
    "%TAG !a! tag:x,2000:\n",
    "%YAML 1.1\n",
    "%YAML 1.3\n",
    "|\n",
    "|-\n",
    ">+2\n",
    "|#",
    "#",
    " #",
    "'",
    '"',
    "\\",
    "\\e",
    "\\/",
    "\\x41",
    "\\ud800",
    "---\n",
    "...\n",
    "\t",
    "\ufeff",
    "\r",
    "\r\n",
    "\x85",
    "\u2028",
    "\x1b",
    "\u00e9",
    "\U0001f600",
    "@",
    "`",
    "%",
    "<<: ",
    "\n  ",
    "\n    ",
    "{random: [1, 2]}",
    "1",
    "1e-3",
    "0x1F",
    ".nan",
    ">-\n",
    "%TAG ! x\n",
]
