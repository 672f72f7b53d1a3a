#!/usr/bin/env python3
"""Cold start to the first shown window: the assistant against a bare QApplication + QLabel.

Both are started the same way (a fresh interpreter, the same platform plugin), end the moment their
window first paints, and are timed from the parent. Prints the medians, the ratio
(goal ≤ 2.0×) and the peak memory (max RSS) of each.

    .venv/bin/python benchmarks/startup.py [--runs 9] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Both end the moment their window first paints (ui.app.exit_on_first_paint does the same for the app).
BARE = """
import os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            os._exit(0)
        return False

app = QApplication(sys.argv[:1])
label = QLabel("窗口服务助手")
painted = FirstPaint(label)
label.installEventFilter(painted)
label.show()
sys.exit(app.exec())
"""


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS in KiB of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{args} failed: {proc.stderr.read().decode(errors='replace')}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--platform", default="offscreen")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wa-bench-"))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": opts.platform,
        "WA_NO_VENV": "1",
        "WA_EXIT_AFTER_SHOWN": "1",
        "WA_DATA_DIR": str(work),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a real install has its bytecode cached after the first start
    bare_cmd = [sys.executable, "-c", BARE]
    app_cmd = [sys.executable, str(ROOT / "main.py"), "--db", str(work / "bench.db")]
    run_once(bare_cmd, env)  # warm the file cache for both, so that neither pays for the first disk read
    run_once(app_cmd, env)
    bare, app = [], []
    for _ in range(opts.runs):  # interleaved, so that machine noise falls on both alike
        bare.append(run_once(bare_cmd, env))
        app.append(run_once(app_cmd, env))
    bare_t = statistics.median(t for t, _ in bare)
    app_t = statistics.median(t for t, _ in app)
    print(f"platform: {opts.platform}, runs: {opts.runs}")
    print(
        f"bare QApplication+QLabel: median {bare_t * 1000:.0f} ms, peak RSS {max(m for _, m in bare) / 1024:.1f} MiB"
    )
    print(
        f"window assistant:         median {app_t * 1000:.0f} ms, peak RSS {max(m for _, m in app) / 1024:.1f} MiB"
    )
    print(f"ratio: {app_t / bare_t:.2f}x (goal <= 2.0x)")


if __name__ == "__main__":
    main()
