"""A private X server for the tests that need a real one: Xvfb on a display number it picks itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def xvfb(size: str = "1366x768x24", window_manager: bool = False) -> Iterator[str]:
    """Start Xvfb (and openbox when asked) on a free display; yield ':N'; stop both afterwards."""
    needed = ["Xvfb"] + (["openbox"] if window_manager else [])
    missing = [tool for tool in needed if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (python3 run_tests.py installs them on Debian)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()  # Xvfb writes the display number once it accepts connections
    if not number:
        server.kill()
        server.wait()
        raise RuntimeError("Xvfb did not start")
    display = f":{number}"
    manager = None
    try:
        if window_manager:
            manager = subprocess.Popen(
                ["openbox", "--sm-disable"],
                env={**os.environ, "DISPLAY": display},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait_for_window_manager(display)
        yield display
    finally:
        for proc in (manager, server):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _wait_for_window_manager(display: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
            text=True,
            check=False,
        )
        if "window id" in result.stdout:
            return
        time.sleep(0.05)
    raise RuntimeError(f"openbox did not start on {display}")
