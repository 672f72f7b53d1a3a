"""Under Xvfb: xdotool presses Ctrl+Alt+1, our X11 key grab fires, and the phrase is pasted into a second
program (a PySide6 line edit), through the clipboard state machine and the xdotool key sender."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.e2e.xserver import xvfb

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool"
    ),
]

RECEIVER = """
import sys
from PySide6.QtWidgets import QApplication, QLineEdit
app = QApplication([])
edit = QLineEdit(); edit.setWindowTitle("receiver"); edit.resize(500, 40); edit.move(50, 400)
edit.textChanged.connect(lambda t: print("TEXT " + t, flush=True))
edit.show(); edit.activateWindow(); edit.setFocus()
print("READY", flush=True)
app.exec()
"""

GRABBER = """
import sys
sys.path.insert(0, sys.argv[1])
from PySide6.QtWidgets import QApplication
from assistant.edges.hotkeys import X11Backend
from ui.platform.hotkey_bridge import HotkeyBridge
from ui.platform.paste import Inserter, XdotoolSender
app = QApplication([])
bridge = HotkeyBridge(X11Backend(), {"ctrl+alt+1": "fav1"})
inserter = Inserter(XdotoolSender())
bridge.activated.connect(lambda a: (print("HOTKEY " + a, flush=True), inserter.insert("请稍候，我们马上为您办理！")))
inserter.finished.connect(lambda t, m: print("DONE " + m, flush=True))
print("READY " + bridge.status, flush=True)
app.exec()
"""


@pytest.fixture(scope="module")
def xserver():
    """A private Xvfb on a free display number, so that no other run shares its grabs."""
    with xvfb() as display:
        yield {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}


def wait_line(proc: subprocess.Popen, prefix: str, timeout: float = 15) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if line.startswith(prefix):
                return line.strip()
            if not line and proc.poll() is not None:
                break
    raise AssertionError(f"no line starting with {prefix!r}")


def start(code: str, env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
    )


def test_hotkey_grab_and_paste_into_another_program(xserver):
    grabber = start(GRABBER, xserver, str(ROOT))
    receiver = None
    try:
        assert wait_line(grabber, "READY") == "READY"  # no conflicts reported
        receiver = start(RECEIVER, xserver)
        wait_line(receiver, "READY")
        time.sleep(0.5)  # let the receiver's window be mapped and focused
        subprocess.run(["xdotool", "key", "ctrl+alt+1"], env=xserver, check=True)
        assert wait_line(grabber, "HOTKEY") == "HOTKEY fav1"
        assert wait_line(receiver, "TEXT") == "TEXT 请稍候，我们马上为您办理！"
        assert wait_line(grabber, "DONE").startswith("DONE 已插入")
    finally:
        for proc in (grabber, receiver):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=5)
                proc.stdout.close()


def test_a_combination_held_by_another_program_is_reported(xserver):
    from assistant.edges.hotkeys import X11Backend

    first = X11Backend(xserver["DISPLAY"])
    second = X11Backend(xserver["DISPLAY"])
    try:
        assert first.register("ctrl+alt+7", "fav7", lambda _a: None) is None
        assert "已被其他程序占用" in second.register("ctrl+alt+7", "fav7", lambda _a: None)
    finally:
        first.close()
        second.close()
