"""The rules of ``klgame serve`` that need no server: origins and sizes."""

from __future__ import annotations

import pytest

from klgame.errors import KlgameError
from klgame.hosting.serve import (
    MAX_COLUMNS,
    MAX_ROWS,
    clamp_size,
    normalize_origin,
    origin_allowed,
    own_origins,
)


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://klgame.example.org", "https://klgame.example.org"),
        ("https://KLGAME.example.org/", "https://klgame.example.org"),
        ("https://klgame.example.org:443", "https://klgame.example.org"),
        ("http://proxy:8080", "http://proxy:8080"),
    ],
)
def test_allowed_origins_are_written_as_browsers_send_them(given: str, origin: str) -> None:
    assert normalize_origin(given) == origin


@pytest.mark.parametrize(
    "bad", ["klgame.example.org", "ftp://x", "https://x/path", "https://x/?q=1", "null", ""]
)
def test_an_allowed_origin_must_be_an_origin(bad: str) -> None:
    with pytest.raises(KlgameError, match="--allow-origin"):
        normalize_origin(bad)


def test_the_server_s_own_origins() -> None:
    assert own_origins("127.0.0.1", 8000) == {
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]:8000",
    }
    assert own_origins("192.0.2.7", 80, ["https://k.example"]) == {
        "http://192.0.2.7",
        "https://k.example",
    }


@pytest.mark.parametrize(
    ("width", "height", "size"),
    [
        ("10000", "10000", (MAX_COLUMNS, MAX_ROWS)),
        ("-5", "0", (20, 6)),
        ("abc", None, (80, 24)),
        (10**100, 1e9, (MAX_COLUMNS, MAX_ROWS)),
        (float("inf"), float("nan"), (80, 24)),
        ("120", "40", (120, 40)),
    ],
)
def test_sizes_are_clamped(width: object, height: object, size: tuple[int, int]) -> None:
    assert clamp_size(width, height) == size


def test_on_every_address_loopback_names_are_the_server_s_own() -> None:
    assert own_origins("0.0.0.0", 8000) == {
        "http://0.0.0.0:8000",
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]:8000",
    }


@pytest.mark.parametrize(
    ("origin", "host", "wildcard", "allowed"),
    [
        ("http://192.0.2.7:8000", "192.0.2.7:8000", True, True),  # opened at its address
        ("http://[2001:db8::7]:8000", "[2001:db8::7]:8000", True, True),
        ("http://192.0.2.7:8000", "192.0.2.7:8000", False, False),  # bound to loopback only
        ("http://evil.example:8000", "evil.example:8000", True, False),  # DNS rebinding
        ("http://evil.example", "192.0.2.7:8000", True, False),  # another site's page
        ("http://192.0.2.7:9", "192.0.2.7:8000", True, False),  # another port
        ("https://192.0.2.7:8000", "192.0.2.7:8000", True, False),
        ("", "192.0.2.7:8000", True, False),
        ("null", "192.0.2.7:8000", True, False),
        ("http://0.0.0.0:8000", "0.0.0.0:8000", False, False),
        ("http://localhost:8000", "anything", False, True),  # one of the own origins
    ],
)
def test_which_pages_may_start_games(origin: str, host: str, wildcard: bool, allowed: bool) -> None:
    origins = own_origins("127.0.0.1", 8000)
    assert origin_allowed(origin, host, origins, wildcard) is allowed
