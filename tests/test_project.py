"""The project's own promises: the README's commands, CI, lint and types."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(python3 -m venv[^\n]*)\n```", text)


def test_readme_has_exactly_two_setup_commands():
    play, test = readme_commands()
    assert play.endswith("klgame")
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    _, test = readme_commands()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in script.splitlines()


def test_ci_runs_the_permission_tests_as_a_plain_user():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "runuser -u" in script and "-m unprivileged" in script
    marked = [
        path.name
        for path in (ROOT / "tests").rglob("test_*.py")
        if "pytest.mark.unprivileged" in path.read_text(encoding="utf-8")
    ]
    assert marked, "no test is marked unprivileged: the CI step would run nothing"


def test_the_tools_that_gate_the_suite_have_an_upper_bound():
    """A new ruff, mypy or import-linter release must not turn the suite red by itself."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    specs = {
        re.split(r"[<>=!~ ;\[]", spec, maxsplit=1)[0]: spec
        for spec in project["project"]["optional-dependencies"]["test"]
    }
    for name in ("ruff", "mypy", "import-linter"):
        assert "<" in specs[name] or "==" in specs[name], specs[name]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is part of the [test] extra")
    return found


def test_ruff_lint_and_format_are_clean():
    for args in (
        ["check", "klgame", "tests", "benchmarks"],
        ["format", "--check", "klgame", "tests", "benchmarks"],
    ):
        run = subprocess.run([_tool("ruff"), *args], cwd=ROOT, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_is_clean():
    run = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_layers_contract_holds():
    """import-linter checks the contracts in pyproject.toml (see ARCHITECTURE.md)."""
    run = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_version_and_help():
    for flag, expected in (("--version", "klgame "), ("--help", "usage: klgame")):
        run = subprocess.run(
            [sys.executable, "-m", "klgame", flag], capture_output=True, text=True, cwd=ROOT
        )
        assert run.returncode == 0
        assert expected in run.stdout


def test_a_closed_pipe_is_not_a_traceback(tmp_path):
    env = {**os.environ, "KLGAME_HOME": str(tmp_path)}
    run = subprocess.run(
        f"'{sys.executable}' -m klgame levels | head -c 1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
    )
    assert "Traceback" not in run.stderr


def test_scores_show_the_units_of_their_level(tmp_path):
    from klgame.store.scores import Attempt, open_store

    env = {**os.environ, "KLGAME_HOME": str(tmp_path)}
    store = open_store(tmp_path / "scores.sqlite3")
    with store:
        for level_id in ("dog-or-panda", "gaussian"):
            store.record(
                Attempt(
                    player="ada",
                    level_id=level_id,
                    level_hash="h",
                    seed=1,
                    divergence=0.2,
                    best=0.0,
                    excess=0.2,
                    stars=1,
                    points=100,
                    moves=3,
                    hints=0,
                    seconds=4.0,
                )
            )
    run = subprocess.run(
        [sys.executable, "-m", "klgame", "scores"], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    rows = {line.split()[0]: line.split() for line in run.stdout.splitlines()[1:]}
    assert rows["dog-or-panda"][7] == "bits" and rows["gaussian"][7] == "nats"
