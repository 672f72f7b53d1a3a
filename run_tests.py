#!/usr/bin/env python3
"""Run the whole test suite: installs what the tests need, checks the code's habits, then pytest.

Before pytest, in this order (each must pass; extra arguments go to pytest only): ruff check, ruff format
--check, the layer contracts of DESIGN.md (import-linter, pyproject's [tool.importlinter]), mypy on assistant/.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# What runs before pytest, each with the tests' interpreter, so that it works with and without .venv.
CHECKS = (
    ("-m", "ruff", "check", "--quiet", "."),
    ("-m", "ruff", "format", "--check", "--quiet", "."),
    # lint-imports (importlinter has no __main__)
    ("-c", "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())", "--no-cache"),
    ("-m", "mypy"),  # files and options: [tool.mypy] in pyproject.toml
)


def run_checks(python: str, env: dict[str, str]) -> int:
    """Each check of CHECKS; the exit code of the first that fails, else 0."""
    for check in CHECKS:
        code = subprocess.call([python, *check], cwd=ROOT, env=env)
        if code:
            print(f"run_tests.py: {' '.join(check[:3])} … failed (exit {code})", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from assistant.config import registry
    from assistant.edges.environment import ensure_debian_packages, enter_venv, venv_python

    if not registry.env("WA_TESTS_IN_VENV"):
        ensure_debian_packages()
        os.environ["WA_TESTS_IN_VENV"] = "1"
    enter_venv(ROOT, extras=("test",))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    python = sys.executable if registry.env("WA_NO_VENV") else str(venv_python(ROOT))
    sys.exit(
        run_checks(python, env) or subprocess.call([python, "-m", "pytest", *sys.argv[1:]], cwd=ROOT, env=env)
    )
