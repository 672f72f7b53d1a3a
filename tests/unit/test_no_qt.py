"""The core never imports Qt: a terminal without a display still runs the CLI, and the arrow points one way."""

import pkgutil
import subprocess
import sys

import assistant
from tests.conftest import ROOT


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
