"""The core never imports Qt: a terminal without a display still runs the CLI, and the arrow points one way."""

import os
import pkgutil
import shutil
import subprocess
import sys

import assistant
from tests.conftest import ROOT

LINT = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"


def test_importing_every_assistant_module_does_not_import_pyside6():
    modules = [m.name for m in pkgutil.walk_packages(assistant.__path__, "assistant.")]
    assert "assistant.domain.rules" in modules and "assistant.store.event_log" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_layer_contracts_hold_and_catch_an_import_hidden_in_a_function(tmp_path):
    """run_tests.py runs import-linter before pytest; here it is shown to see a lazy import of the UI."""

    def lint(root) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", LINT, "--no-cache", "--config", str(root / "pyproject.toml")],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
        )

    assert lint(ROOT).returncode == 0
    for part in ("assistant", "ui", "pyproject.toml"):
        copy = shutil.copytree if (ROOT / part).is_dir() else shutil.copy
        copy(ROOT / part, tmp_path / part)
    planted = tmp_path / "assistant" / "cli" / "common.py"
    planted.write_text(
        planted.read_text(encoding="utf-8") + "\n\ndef _sneaky():\n    from ui.app import run_gui\n",
        encoding="utf-8",
    )
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "assistant.cli.common -> ui.app" in result.stdout
