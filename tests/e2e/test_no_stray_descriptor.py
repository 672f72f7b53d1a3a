"""Issue 12 §1, prevention: in the process that records, only SQLite opens the database files — also while
the lead browses the data folder in the export dialog (Qt's dialogs may read files to guess their type, and
closing any descriptor of the database drops every lock this process holds on it).

The review window runs under `strace -f -k` on a real X server; the lead clicks 导出…, the dialog lists the
folder that holds the database (here the documents folder it starts in), and the lead cancels. Every openat of the database, -wal or -shm must come
from libsqlite3 (strace's stack trace of the call says who)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.xserver import xvfb

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xvfb


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _calls(log: Path) -> list[tuple[str, list[str]]]:
    """(syscall line, its stack frames) for every call in a `strace -k` log."""
    calls: list[tuple[str, list[str]]] = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(" > "):
            if calls:
                calls[-1][1].append(line)
        else:
            calls.append((line, []))
    return calls


def test_only_sqlite_opens_the_database_while_the_lead_browses_its_folder(tmp_path):
    if shutil.which("strace") is None or shutil.which("xdotool") is None:
        pytest.skip("needs strace and xdotool (python3 run_tests.py installs them on Debian)")
    home = tmp_path / "home"
    data = home / "Documents"  # the worst case: the database lives where the dialog starts
    data.mkdir(parents=True)
    db = data / "g.db"
    log = tmp_path / "strace.log"
    with xvfb(window_manager=True) as display:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "HOME": str(home),
            "PYTHONPATH": str(ROOT),
            "XDG_DATA_HOME": str(home / ".local/share"),
        }
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests/e2e/review_app.py"), str(db)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        tracer = None
        try:
            line = proc.stdout.readline()
            assert line.startswith("READY"), line
            # attached once the window is up (unwinding every call's stack is slow): from here on, every
            # thread of the process (-f with -p), every openat, with the stack that made it (-k)
            tracer = subprocess.Popen(
                ["strace", "-f", "-k", "-e", "trace=openat", "-o", str(log), "-p", str(proc.pid)],
                stderr=subprocess.PIPE,
                text=True,
            )
            assert "attached" in tracer.stderr.readline()  # "Process N attached with M threads"
            x, y = line.split()[1:3]
            xdo = lambda *args: subprocess.run(["xdotool", *args], env=env, check=True)  # noqa: E731
            xdo("mousemove", x, y, "click", "1")
            _wait_for(
                lambda: (
                    subprocess.run(
                        ["xdotool", "search", "--name", "导出到"], env=env, capture_output=True
                    ).returncode
                    == 0
                ),
                60,
                "the export dialog",
            )
            folder = re.compile(r'openat\(.*"' + re.escape(str(data)) + r'/?", O_RDONLY[^)]*O_DIRECTORY')
            _wait_for(
                lambda: folder.search(log.read_text(errors="replace")) is not None,
                60,
                "the dialog listing the data folder",
            )
            time.sleep(1.0)  # let the dialog's file-info thread go over the folder's entries

            def dialog_closed() -> bool:
                found = subprocess.run(
                    ["xdotool", "search", "--name", "导出到"], env=env, capture_output=True, text=True
                )
                if found.returncode != 0:
                    return True
                # the lead cancels (the window manager may not have given the dialog the keys yet: again)
                subprocess.run(
                    ["xdotool", "windowactivate", "--sync", found.stdout.split()[0], "key", "Escape"],
                    env=env,
                    capture_output=True,
                )
                time.sleep(0.5)
                return False

            _wait_for(dialog_closed, 60, "the dialog to close")
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            proc.stdout.close()
            if tracer is not None:
                tracer.wait(timeout=20)
                tracer.stderr.close()
    names = {str(db) + s for s in ("", "-wal", "-shm", "-journal")}
    opens = [
        (call, stack)
        for call, stack in _calls(log)
        if (m := re.search(r'openat\([^,]+, "([^"]+)"', call)) and m.group(1) in names
    ]
    strangers = [call for call, stack in opens if not any("libsqlite3" in frame for frame in stack)]
    assert strangers == []
    listed = [call for call, _ in _calls(log) if folder.search(call)]
    assert listed, "the dialog never listed the data folder: the test proved nothing"
