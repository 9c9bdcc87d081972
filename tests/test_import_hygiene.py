"""The engine is pure: importing it loads no UI, no storage, no optimiser.

Two checks, each limited to what it can honestly show:

* at run time, in a fresh interpreter, ``import klgame.engine`` (and each of
  its modules) must not load textual, plotext, scipy, sqlite3 or yaml.
  (``os`` and ``io`` cannot be checked this way: the interpreter and numpy
  load them anyway.)
* statically, no engine source file imports a file, path or storage module
  (os, pathlib, io, sqlite3, yaml, ...) or a UI module, nor calls ``open``.
  scipy may only be imported inside a function (the fitter imports it lazily).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import klgame.engine

ENGINE_DIR = Path(klgame.engine.__file__).resolve().parent
SOURCES = sorted(ENGINE_DIR.glob("*.py"))
MODULES = ["klgame.engine"] + [
    f"klgame.engine.{path.stem}" for path in SOURCES if path.stem != "__init__"
]

NOT_AT_IMPORT = ("textual", "plotext", "scipy", "sqlite3", "yaml", "platformdirs")
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


def _loaded_after_import(module: str) -> list[str]:
    code = f"import sys, json; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout)


def test_the_engine_modules_are_found():
    assert {"klgame.engine.distributions", "klgame.engine.divergence"} <= set(MODULES)
    assert {"klgame.engine.families", "klgame.engine.fitting"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_importing_loads_no_ui_storage_or_optimiser(module):
    loaded = _loaded_after_import(module)
    assert module in loaded
    offenders = [name for name in loaded if name.split(".")[0] in NOT_AT_IMPORT]
    assert offenders == [], f"import {module} loaded {offenders}"


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
