"""Under Xvfb with openbox: the strut shrinks the work area, and clicking the sidebar leaves focus elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.xserver import xvfb

pytestmark = pytest.mark.xvfb
ROOT = Path(__file__).resolve().parents[2]
NEEDED = ("Xvfb", "openbox", "xdotool", "xprop")
DISPLAY = ""  # set by the x_server fixture: a display number Xvfb picked itself


def env() -> dict[str, str]:
    return dict(os.environ, DISPLAY=DISPLAY, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(ROOT))


def wait_until(check, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


def workarea() -> list[int]:
    out = subprocess.run(
        ["xprop", "-root", "_NET_WORKAREA"], env=env(), capture_output=True, text=True, check=False
    ).stdout
    if "=" not in out:
        return []
    return [int(v) for v in out.split("=", 1)[1].replace(",", " ").split()[:4]]


@pytest.fixture(scope="module")
def x_server():
    global DISPLAY
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian: xvfb openbox xdotool x11-utils)")
    with xvfb(window_manager=True) as display:
        DISPLAY = display
        assert wait_until(lambda: workarea() == [0, 0, 1366, 768]), f"openbox gave no work area: {workarea()}"
        yield


def start(tmp_path, *args) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests/e2e/sidebar_app.py"),
            str(tmp_path / "a.db"),
            str(tmp_path / "s.ini"),
            *args,
        ],
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.startswith("READY"), line
    return proc, int(line.split()[1])


OTHER = """
import sys
from PySide6.QtWidgets import QApplication, QLineEdit
app = QApplication(sys.argv)
edit = QLineEdit(); edit.setWindowTitle("business-system"); edit.resize(400, 60); edit.move(100, 100)
edit.show(); edit.activateWindow()
print("READY", int(edit.winId()), flush=True)
app.exec()
"""


def test_strut_shrinks_workarea_and_clicks_leave_focus(x_server, tmp_path):
    app, sidebar_id = start(tmp_path, "idle")
    other = subprocess.Popen([sys.executable, "-c", OTHER], env=env(), stdout=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: workarea()[2:3] == [1366 - 380]), workarea()
        line = other.stdout.readline()
        assert line.startswith("READY")
        other_id = int(line.split()[1])
        subprocess.run(["xdotool", "windowactivate", "--sync", str(other_id)], env=env(), check=False)

        def focus() -> int:
            out = subprocess.run(
                ["xdotool", "getwindowfocus"], env=env(), capture_output=True, text=True, check=False
            ).stdout.strip()
            return int(out) if out.isdigit() else 0

        assert wait_until(lambda: focus() == other_id), (focus(), other_id)
        # click the + of the waiting count on the sidebar (header, right side)
        geometry = subprocess.run(
            ["xdotool", "getwindowgeometry", str(sidebar_id)],
            env=env(),
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        assert "Position: 986" in geometry, geometry
        time.sleep(0.5)  # let openbox finish placing the windows
        subprocess.run(["xdotool", "mousemove", "1340", "110", "click", "1"], env=env(), check=True)
        time.sleep(0.5)
        assert wait_until(lambda: focus() == other_id, 3), (focus(), other_id, sidebar_id)
    finally:
        for proc in (other, app):
            proc.terminate()
            proc.wait(5)
            proc.stdout.close()
    assert wait_until(lambda: workarea() == [0, 0, 1366, 768]), workarea()
