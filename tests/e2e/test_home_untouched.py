"""The test command never touches the user's own folders: the suite's way of starting the command line and
the sidebar (its environment, set in tests/conftest.py) leaves an empty HOME empty."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_the_suites_cli_and_gui_leave_an_empty_home_empty(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,  # the suite's: WA_DATA_DIR and the XDG folders point into its own temporary folder
        "HOME": str(home),
        "WA_NO_VENV": "1",
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "WA_LEAD_PIN": "135790",
        "WA_LEAD_ID": "L1",
    }
    calls = [
        [],  # the sidebar, until it first paints (it makes the database the other commands read)
        ["phrases", "--search", "qsh"],
        ["status"],
        ["lint", "请稍等"],
        ["lead-pin", "set"],
        [
            "export",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "x"),
        ],
    ]
    for argv in calls:
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *argv],
            cwd=tmp_path,
            env={**env, "WA_EXIT_AFTER_SHOWN": "1"} if not argv else env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, (argv, result.stderr)
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []
    assert (tmp_path / "x").is_dir()  # the calls did their work, elsewhere
