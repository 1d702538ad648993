"""Installed as a wheel (not editable), `coach` works on a project directory: `--project DIR`,
COACH_PROJECT, or the current directory holding config.yml. The data the project does not hold
itself (domain, NLU data, knowledge base) comes from the copies installed with the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.config import PACKAGE_ROOT
from bot.launcher import take_project


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel and installed (without its dependencies, which this venv
    has) into a folder of its own."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(PACKAGE_ROOT)], check=True,
                   capture_output=True)
    wheel = next(out.glob("hypertrophy_coach-*.whl"))
    site = out / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(site), str(wheel)], check=True, capture_output=True)
    return site


def _coach(site: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    environ.update(PYTHONPATH=str(site), **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=environ, text=True,
                          capture_output=True, timeout=300)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project directory holding only its config.yml."""
    folder = tmp_path / "my-coach"
    folder.mkdir()
    shutil.copy(PACKAGE_ROOT / "config.yml", folder / "config.yml")
    return folder


def test_the_installed_code_runs_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    environ = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run([sys.executable, "-c", "import bot, knowledge, actions; "
                            "print(bot.__file__, knowledge.__file__, actions.__file__)"],
                           cwd=tmp_path, env=environ, text=True, capture_output=True, check=True)
    assert all(p.startswith(str(installed)) for p in where.stdout.split())


def test_validate_on_a_project_named_with_dash_dash_project(installed: Path, project: Path,
                                                            tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _coach(installed, elsewhere, "--project", str(project), "validate")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "are valid" in done.stdout + done.stderr
    assert "never used" not in done.stdout + done.stderr  # the installed code was scanned


def test_the_current_directory_is_the_project(installed: Path, project: Path) -> None:
    done = _coach(installed, project, "plan", "--days", "3", "--json")
    assert done.returncode == 0, done.stderr
    assert '"days"' in done.stdout  # the packaged knowledge base built the plan


def test_coach_project_variable(installed: Path, project: Path, tmp_path: Path) -> None:
    done = _coach(installed, tmp_path, "validate", COACH_PROJECT=str(project))
    assert done.returncode == 0, done.stderr + done.stdout


def test_no_project_is_a_clear_error(installed: Path, tmp_path: Path) -> None:
    done = _coach(installed, tmp_path, "validate")
    assert done.returncode == 1
    assert "config.yml" in done.stderr and "--project" in done.stderr
    wrong = _coach(installed, tmp_path, "--project", str(tmp_path / "nowhere"), "validate")
    assert wrong.returncode == 2 and "no config.yml there" in wrong.stderr


def test_take_project() -> None:
    assert take_project(["--project", "d", "serve"]) == ("d", ["serve"])
    assert take_project(["--project=d", "serve", "--port", "1"]) == ("d", ["serve", "--port", "1"])
    assert take_project(["serve", "--project", "d"]) == (None, ["serve", "--project", "d"])
