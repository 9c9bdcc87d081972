"""Who holds which name on a shared host (klgame/hosting/names.py), with real
files in a data directory and, for the race, real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from klgame.hosting.hosted import remember_name, remembered_name
from klgame.hosting.names import choose_name, give_name, still_held
from klgame.text import mixed_scripts, name_key

ALICE, BOB = "key:SHA256:alice", "key:SHA256:bob"


@pytest.mark.parametrize(
    "other", ["alice", "Alice", "ALICE", "ａｌｉｃｅ", "aIice", "a1ice", "al\u200bice", "alice "]
)
def test_names_that_look_alike_are_one_name(tmp_path: Path, other: str) -> None:
    assert choose_name(tmp_path, ALICE, "alice") is None
    refused = choose_name(tmp_path, BOB, other)
    assert refused is not None and "already taken" in refused
    assert remembered_name(tmp_path, BOB) is None
    assert choose_name(tmp_path, ALICE, other) is None  # her own name, however written


@pytest.mark.parametrize("name", ["\u0430lice", "\u03b1lice", "B\u043eb"])
def test_a_name_mixing_latin_with_cyrillic_or_greek_is_refused(tmp_path: Path, name: str) -> None:
    refused = choose_name(tmp_path, BOB, name)
    assert refused is not None and "mixes" in refused
    assert mixed_scripts("Иван") == [] and mixed_scripts("東京さん") == []
    assert choose_name(tmp_path, BOB, "Иван") is None  # one script is fine


def test_a_whole_script_look_alike_is_the_same_name(tmp_path: Path) -> None:
    assert name_key("\u0430\u0441\u0435") == name_key("ace")  # Cyrillic асе
    assert choose_name(tmp_path, ALICE, "ace") is None
    assert choose_name(tmp_path, BOB, "\u0430\u0441\u0435") is not None


def test_a_host_given_name_is_held_and_a_name_remembered_before_counts(tmp_path: Path) -> None:
    give_name(tmp_path, ALICE, "alice")
    assert choose_name(tmp_path, BOB, "Alice") is not None
    # remembered before names were held: held by its key once looked at
    remember_name(tmp_path, "key:SHA256:carol", "carol")
    assert choose_name(tmp_path, BOB, "CAROL") is not None
    assert still_held(tmp_path, "key:SHA256:carol") == "carol"


def test_a_remembered_name_the_host_gives_away_is_asked_again(tmp_path: Path) -> None:
    assert choose_name(tmp_path, BOB, "alice") is None
    assert still_held(tmp_path, BOB) == "alice"
    give_name(tmp_path, ALICE, "alice")  # the host names Alice's key alice
    assert still_held(tmp_path, BOB) is None  # Bob is asked again
    assert choose_name(tmp_path, BOB, "alice") is not None
    assert choose_name(tmp_path, BOB, "bob") is None


def test_a_browser_tab_holds_nothing_and_takes_no_held_name(tmp_path: Path) -> None:
    assert choose_name(tmp_path, ALICE, "alice") is None
    assert choose_name(tmp_path, None, "alice") is not None
    assert choose_name(tmp_path, None, "zoe") is None
    assert choose_name(tmp_path, BOB, "zoe") is None  # the tab did not hold it


_CHOOSE = """
import sys, time
from pathlib import Path
from klgame.hosting.names import choose_name
start = float(sys.argv[3])
while time.time() < start:
    pass
print("held" if choose_name(Path(sys.argv[1]), sys.argv[2], "zoe") is None else "refused")
"""


def test_of_players_choosing_one_name_at_once_one_gets_it(tmp_path: Path) -> None:
    import time

    start = str(time.time() + 2)
    players = [
        subprocess.Popen(
            [sys.executable, "-c", _CHOOSE, str(tmp_path), f"key:SHA256:p{i}", start],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    answers = sorted(player.communicate(timeout=60)[0].strip() for player in players)
    assert answers == ["held"] + ["refused"] * 7
    holders = [i for i in range(8) if remembered_name(tmp_path, f"key:SHA256:p{i}") == "zoe"]
    assert len(holders) == 1
