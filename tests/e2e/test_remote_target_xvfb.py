"""Under Xvfb with openbox: a remote-desktop client in front (WM_CLASS xfreerdp) is recognised by ui/platform/focus.py, so the
paste path keeps the phrase on the clipboard longer; an ordinary program in front is not."""

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
PROBE = (
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication([])\n"
    "from ui.platform.focus import FocusReturn\n"
    "print(FocusReturn().target_is_remote())\n"
)


def window_with_class(display, name: str):
    """A mapped top-level window whose WM_CLASS is (name, name), made active by the window manager."""
    from Xlib import X

    screen = display.screen()
    window = screen.root.create_window(
        10,
        10,
        300,
        200,
        0,
        screen.root_depth,
        X.InputOutput,
        X.CopyFromParent,
        background_pixel=screen.white_pixel,
    )
    window.set_wm_class(name, name)
    window.set_wm_name(name)
    window.map()
    display.sync()
    return window


def active_window(display) -> int:
    from Xlib import X

    prop = display.screen().root.get_full_property(
        display.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType
    )
    return int(prop.value[0]) if prop is not None and len(prop.value) else 0


def probe(display_name: str) -> str:
    env = dict(os.environ, DISPLAY=display_name, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_remote_desktop_client_in_front_is_recognised_on_x11():
    if shutil.which("openbox") is None or shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb and openbox (python3 run_tests.py installs them on Debian)")
    pytest.importorskip("Xlib")
    from Xlib import X
    from Xlib import display as xdisplay

    with xvfb(window_manager=True) as name:
        display = xdisplay.Display(name)
        try:
            for wm_class, expected in (("xfreerdp", "True"), ("firefox", "False")):
                window = window_with_class(display, wm_class)
                deadline = time.monotonic() + 10
                while active_window(display) != window.id and time.monotonic() < deadline:
                    window.set_input_focus(X.RevertToParent, X.CurrentTime)
                    window.raise_window()
                    display.sync()
                    time.sleep(0.05)
                assert active_window(display) == window.id, f"openbox did not activate {wm_class}"
                assert probe(name) == expected, wm_class
        finally:
            display.close()
