"""`--version` from the sources: the one version number, which pyproject.toml repeats for pip."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from assistant import __version__
from tests.conftest import ROOT


def test_pyproject_states_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__


def test_main_py_version_and_help_name_the_program():
    env = {**os.environ, "WA_NO_VENV": "1"}
    shown = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"窗口服务助手 window-assistant {__version__}"
    usage = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert usage.stdout.startswith("usage: main.py ") and "--version" in usage.stdout
