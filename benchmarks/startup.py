#!/usr/bin/env python3
"""Start-up as the clerk feels it: the assistant against a bare QApplication + QLabel.

Every case is started the same way (a fresh interpreter, the same platform plugin) and timed from the parent:
the bare window and the sidebar's *first paint* end the moment their window first paints
(WA_EXIT_AFTER_SHOWN); *ready* ends when the sidebar is fully usable — phrase panel, paste, speech and hotkeys
set up (the shell's `ready` signal, WA_EXIT_AFTER_READY). The sidebar is timed on an empty database and on one
holding a year of one terminal. Prints the medians, the ratios to the bare window (goals: first paint ≤ 1.5×,
ready ≤ 2.0×) and the peak memory (max RSS).

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


def year_of_one_terminal(path: Path, env: dict[str, str]) -> str:
    """A database holding a year of one window, made by `main.py demo-data` (through the rules) in a child
    process: a parent grown by it would hand its memory to every child it forks (max RSS counts it)."""
    made = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--db",
            str(path),
            "demo-data",
            "--days",
            "366",
            "--windows",
            "1",
        ]
        + ["--end", "2026-11-27"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip()


def median_ms(samples: list[tuple[float, int]]) -> float:
    return statistics.median(t for t, _ in samples) * 1000


def peak_mib(samples: list[tuple[float, int]]) -> float:
    return max(m for _, m in samples) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--platform", default="offscreen")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wa-bench-"))
    env = {**os.environ, "QT_QPA_PLATFORM": opts.platform, "WA_NO_VENV": "1", "WA_DATA_DIR": str(work)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a real install has its bytecode cached after the first start
    year = work / "year.db"
    made = year_of_one_terminal(year, env)
    shown = {**env, "WA_EXIT_AFTER_SHOWN": "1"}
    ready = {**env, "WA_EXIT_AFTER_READY": "1"}
    cases = {  # name → (command, environment)
        "bare QApplication+QLabel": ([sys.executable, "-c", BARE], env),
        "empty database, first paint": (
            [sys.executable, str(ROOT / "main.py"), "--db", str(work / "e.db")],
            shown,
        ),
        "empty database, ready": ([sys.executable, str(ROOT / "main.py"), "--db", str(work / "e.db")], ready),
        "a year of one terminal, first paint": (
            [sys.executable, str(ROOT / "main.py"), "--db", str(year)],
            shown,
        ),
        "a year of one terminal, ready": ([sys.executable, str(ROOT / "main.py"), "--db", str(year)], ready),
    }
    for command, case_env in cases.values():  # warm the file cache (and the store's snapshot) for every case
        run_once(command, case_env)
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in cases}
    for _ in range(opts.runs):  # interleaved, so that machine noise falls on all alike
        for name, (command, case_env) in cases.items():
            samples[name].append(run_once(command, case_env))
    bare = median_ms(samples["bare QApplication+QLabel"])
    print(f"platform: {opts.platform}, runs: {opts.runs}; a year of one terminal: {made}")
    for name, got in samples.items():
        goal = " (goal <= 2.0x)" if "ready" in name else " (goal <= 1.5x)" if "paint" in name else ""
        print(
            f"{name:37} median {median_ms(got):4.0f} ms  {median_ms(got) / bare:.2f}x{goal}  "
            f"peak RSS {peak_mib(got):.1f} MiB"
        )


if __name__ == "__main__":
    main()
