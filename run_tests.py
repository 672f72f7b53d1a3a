#!/usr/bin/env python3
"""Run the whole test suite: installs what the tests need, then pytest (extra arguments go to pytest)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from assistant.edges.environment import ensure_debian_packages, enter_venv, venv_python

    if os.environ.get("WA_TESTS_IN_VENV") != "1":
        ensure_debian_packages()
        os.environ["WA_TESTS_IN_VENV"] = "1"
    enter_venv(ROOT, extras=("test",))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    python = sys.executable if os.environ.get("WA_NO_VENV") == "1" else str(venv_python(ROOT))
    sys.exit(subprocess.call([python, "-m", "pytest", *sys.argv[1:]], cwd=ROOT, env=env))
