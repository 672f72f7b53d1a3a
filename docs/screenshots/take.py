#!/usr/bin/env python3
"""Retake the sidebar screenshots of the README under Xvfb with openbox and the CJK fonts.

.venv/bin/python docs/screenshots/take.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.e2e.xserver import xvfb  # noqa: E402

STATES = {"idle": "zh", "serving": "zh", "paused": "zh", "collapsed": "zh"}


def shoot(display: str, state: str, lang: str, out: Path) -> None:
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": str(ROOT),
        "WA_NO_SPEECH": "1",
        "WA_SCREENSHOT_AT": "2026-11-26T10:12:00+08:00",
    }
    with tempfile.TemporaryDirectory() as tmp:
        env["WA_DATA_DIR"] = tmp
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests/e2e/sidebar_app.py"),
                f"{tmp}/a.db",
                f"{tmp}/s.ini",
                state,
                lang,
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = proc.stdout.readline()
            if not line.startswith("READY"):
                raise SystemExit(f"{state}: the sidebar did not start")
            time.sleep(1.0)  # the phrase panel is built right after the first paint
            target = "root" if state == "paused" else line.split()[1]
            subprocess.run(["import", "-window", target, str(out)], env=env, check=True)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(out)


def main() -> None:
    with xvfb(window_manager=True) as display:
        for state, lang in STATES.items():
            shoot(display, state, lang, ROOT / "docs" / "screenshots" / f"sidebar-{state}.png")


if __name__ == "__main__":
    main()
