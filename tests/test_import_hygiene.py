"""The headless layers are pure: importing them loads no UI, no storage, no optimiser.

Three checks, each limited to what it can honestly show:

* the layers contract in ``pyproject.toml`` (import-linter, run by
  ``tests/test_project.py``) says which klgame package may import which;
* at run time, in a fresh interpreter, each headless module (everything but
  ``klgame.ui``) must not load what its layer has no business with: the
  engine and the rules no textual, plotext, scipy, sqlite3 or yaml; the level
  model no yaml (only the loader reads YAML); nothing but the UI textual or
  plotext. (``os`` and ``io`` cannot be checked this way: the interpreter and
  numpy load them anyway.)
* statically, no engine source file imports a file, path or storage module
  (os, pathlib, io, sqlite3, yaml, ...) or a UI module, nor calls ``open``.
  scipy may only be imported inside a function (the fitter imports it lazily).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import klgame
import klgame.engine

#: One worker runs them all, so the probe (``loaded``) runs once.
pytestmark = pytest.mark.xdist_group("import-hygiene")

ENGINE_DIR = Path(klgame.engine.__file__).resolve().parent
SOURCES = sorted(ENGINE_DIR.glob("*.py"))

ALL_MODULES = ["klgame"] + [
    info.name for info in pkgutil.walk_packages(klgame.__path__, prefix="klgame.")
]
HEADLESS = [name for name in ALL_MODULES if not name.startswith("klgame.ui")]

_UI = ("textual", "plotext", "rich")
_PURE = (*_UI, "scipy", "sqlite3", "yaml", "platformdirs")
#: What importing a module must not load, by module-name prefix (the longest
#: matching prefix decides). The UI itself is not headless and not listed.
MUST_NOT_LOAD: dict[str, tuple[str, ...]] = {
    "klgame": (*_UI, "scipy", "sqlite3", "yaml"),
    "klgame.engine": _PURE,
    "klgame.core": (*_UI, "scipy", "sqlite3", "yaml"),
    "klgame.levels": (*_UI, "scipy", "sqlite3", "yaml"),
    "klgame.levels.loader": (*_UI, "scipy", "sqlite3"),
    "klgame.levels.schema": (*_UI, "scipy", "sqlite3"),
    # Reads level directories through the loader (the catalog's loading).
    "klgame.levels.directory": (*_UI, "scipy", "sqlite3"),
    "klgame.store": (*_UI, "scipy", "yaml"),
    "klgame.hosting": (*_UI, "scipy"),
    # Loaded only by ``klgame serve`` and by a browser game: the server is
    # textual-serve's (it loads rich), the game's driver a Textual driver.
    "klgame.hosting.server": ("scipy", "sqlite3", "yaml"),
    "klgame.hosting.web_driver": ("scipy", "sqlite3", "yaml"),
    "klgame.cli": (*_UI, "scipy"),
}

# One interpreter forks a fresh child per module, so each import starts from
# nothing but numpy (which every layer uses and which loads none of the
# modules checked for): the same answer as one interpreter per module, in a
# fraction of the time.
_PROBE = """
import importlib, json, os, sys
import numpy
found = {}
for name in json.loads(sys.argv[1]):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
            answer = sorted(sys.modules)
        except BaseException as error:
            answer = {"error": repr(error)}
        with os.fdopen(write, "w") as out:
            json.dump(answer, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as inp:
        found[name] = json.load(inp)
    os.waitpid(pid, 0)
print(json.dumps(found))
"""


def _rule(module: str) -> tuple[str, ...]:
    prefixes = [p for p in MUST_NOT_LOAD if module == p or module.startswith(p + ".")]
    return MUST_NOT_LOAD[max(prefixes, key=len)]


@pytest.fixture(scope="module")
def loaded() -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(HEADLESS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def test_the_modules_are_found():
    assert {"klgame.engine.distributions", "klgame.engine.fitting"} <= set(HEADLESS)
    assert {"klgame.core.rules", "klgame.levels.model", "klgame.cli.main"} <= set(HEADLESS)
    assert {"klgame.store.scores", "klgame.hosting.hosted"} <= set(HEADLESS)
    assert "klgame.ui.app" in ALL_MODULES and "klgame.ui.app" not in HEADLESS


def test_the_probe_sees_what_a_module_loads():
    """The probe is not blind: the loader does load yaml (and no textual)."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(["klgame.levels.loader"])],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = json.loads(out.stdout)
    assert "yaml" in found["klgame.levels.loader"]
    assert "textual" not in found["klgame.levels.loader"]


@pytest.mark.parametrize("module", HEADLESS)
def test_importing_loads_nothing_its_layer_must_not(module, loaded):
    modules = loaded[module]
    assert isinstance(modules, list), f"import {module} failed: {modules}"
    assert module in modules
    forbidden = _rule(module)
    offenders = sorted({name for name in modules if name.split(".")[0] in forbidden})
    assert offenders == [], f"import {module} loaded {offenders}"


NEVER_IMPORTED = (
    "os",
    "pathlib",
    "io",
    "shutil",
    "tempfile",
    "sqlite3",
    "yaml",
    "json",
    "pickle",
    "textual",
    "plotext",
    "rich",
    "platformdirs",
    "subprocess",
    "socket",
)


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(top-level module name, imported at module level?) for every import in ``tree``."""
    found: list[tuple[str, bool]] = []
    top_level = set(map(id, ast.iter_child_nodes(tree)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(name.split(".")[0], id(node) in top_level) for name in names]
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[path.name for path in SOURCES])
def test_engine_source_does_no_io(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imports = _imports(tree)
    bad = sorted({name for name, _ in imports if name in NEVER_IMPORTED})
    assert bad == [], f"{path.name} imports {bad}"
    eager_scipy = [name for name, at_top in imports if name == "scipy" and at_top]
    assert eager_scipy == [], f"{path.name} imports scipy at module level"
    opens = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("open", "print", "input")
    ]
    assert opens == [], f"{path.name} calls open/print/input on lines {opens}"
