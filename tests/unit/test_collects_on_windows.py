"""The suite collects on Windows (`py run_tests.py` on a hall PC): no test module may need os.geteuid,
resource, pwd… at import or decoration time. Proven by collecting the whole suite in an interpreter that
lacks them (tests/windows_shim/sitecustomize.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_the_whole_suite_collects_without_posix_only_modules():
    shim = ROOT / "tests" / "windows_shim"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join((str(shim), str(ROOT))),
        "QT_QPA_PLATFORM": "offscreen",
    }
    script = (
        "import os\ntry:\n    import resource\nexcept ImportError:\n    resource = None\n"
        "print(hasattr(os, 'geteuid'), resource is None)"
    )
    probe = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert probe.stdout.split() == ["False", "True"], probe.stderr  # the shim is in force
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "error" not in result.stdout.splitlines()[-1].lower()
