"""The built-in levels ship inside the wheel and load after a real (non-editable) install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from level_helpers import BUILTIN_IDS, ROOT

# Signs that pip could not reach a package index to fetch the build backend.
_OFFLINE = ("Could not find a version", "No matching distribution", "Network is unreachable")

PROBE = """
import json, os, klgame
from klgame.levels import builtin_levels_dir, load_catalog
catalog = load_catalog()
print(json.dumps({
    "package": os.path.dirname(klgame.__file__),
    "builtin": str(builtin_levels_dir()),
    "ids": list(catalog.ids()),
    "errors": list(catalog.errors),
}))
"""


@pytest.mark.slow
def test_builtin_levels_load_from_an_installed_wheel(tmp_path: Path):
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "cwd"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if build.returncode != 0 and any(sign in build.stderr for sign in _OFFLINE):
        pytest.skip("no package index to fetch the build backend from")
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("klgame-*.whl")
    install = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert install.returncode == 0, install.stderr

    env = {k: v for k, v in os.environ.items() if k not in ("KLGAME_LEVELS", "PYTHONPATH")}
    env["PYTHONPATH"] = str(target)
    env["KLGAME_HOME"] = str(tmp_path / "home")
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert Path(found["package"]) == target / "klgame"  # the installed copy, not the checkout
    assert Path(found["builtin"]) == target / "klgame" / "_builtin_levels"
    assert found["ids"] == list(BUILTIN_IDS)
    assert found["errors"] == []
