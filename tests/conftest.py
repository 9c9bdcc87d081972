"""What every test starts from: none of the player's own klgame settings.

``KLGAME_LEVELS`` (extra level directories), ``KLGAME_PLAYER`` and
``KLGAME_DEBUG`` from the shell that runs the tests would change what the
game shows, and ``KLGAME_HOME`` would let a test read or write the real
scores. They are cleared before any test module is collected (some build
their parameters from the catalog), and each test gets a data directory of
its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: The environment variables klgame reads (see klgame/store/paths.py,
#: klgame/levels/loader.py, klgame/hosting/hosted.py, klgame/cli/main.py).
PLAYER_SETTINGS = ("KLGAME_LEVELS", "KLGAME_PLAYER", "KLGAME_DEBUG", "KLGAME_HOME")


def pytest_configure(config: pytest.Config) -> None:
    for name in PLAYER_SETTINGS:
        os.environ.pop(name, None)
    home = tempfile.mkdtemp(prefix="klgame-tests-")
    os.environ["KLGAME_HOME"] = str(Path(home) / "klgame-home")
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty ``KLGAME_HOME`` for this test (not yet created).

    Not ``tmp_path / "klgame-home"``, the path the ``home`` fixtures of the
    hosting tests give the game they start: those tests find the game's
    process by that path in its environment, and the terminal and ssh client
    they start inherit this one.
    """
    path = tmp_path / "default-klgame-home"
    monkeypatch.setenv("KLGAME_HOME", str(path))
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` first, each part in its own order.

    They mostly wait on real programs (servers, terminals, browsers); with
    ``--dist loadgroup`` the workers take them first, so their waits run
    beside the other tests instead of after them. Every worker sorts alike.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
