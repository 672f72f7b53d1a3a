"""`python3 main.py` on a desktop without a library Qt's xcb platform needs (Ubuntu's default desktop lacks
libxcb-cursor0): a Chinese message that names the package and the command, exit 2, never Qt's abort (exit 134,
a core dump). As root on a Debian-family system it installs the package first (apt-get, here a recording
stand-in: the test must not change this machine).

The library is hidden in a private mount namespace (tests/conftest.py hidden()), not removed."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.edges import system_libs
from tests.conftest import ROOT, RUNUSER, hidden

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb platform is Linux's")

CURSOR = "libxcb-cursor.so.0"


def system_library(soname: str) -> Path:
    for folder in (
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/usr/lib",
    ):
        if (Path(folder) / soname).exists():
            return Path(folder) / soname
    pytest.skip(f"{soname} is not installed here ({ctypes.util.find_library('xcb-cursor')})")


def start_gui(command: list[str], tmp_path: Path, path: str = "/usr/bin:/bin") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WA_"))}
    env.update(
        WA_NO_VENV="1", DISPLAY=":99", PATH=path, WA_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT)
    )
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd="/", timeout=120, check=False)


def test_nothing_is_missing_here():
    assert system_libs.missing_for_xcb() == []


def test_the_plugin_s_own_needs_are_read_from_its_file():
    qt = system_libs.qt_folder()
    assert qt is not None
    from assistant.edges import elf

    needs = elf.read(qt / "plugins" / "platforms" / "libqxcb.so")
    assert "libQt6XcbQpa.so.6" in needs.needed
    assert CURSOR in elf.read(qt / "lib" / "libQt6XcbQpa.so.6").needed


def test_as_an_ordinary_user_the_package_and_the_command_are_named(tmp_path):
    if RUNUSER is None:
        pytest.skip("runuser is missing")
    probe = subprocess.run(
        [RUNUSER, "-u", "nobody", "--", sys.executable, "-c", "import PySide6"],
        cwd="/",
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("the user nobody cannot run this interpreter with PySide6")
    command = [RUNUSER, "-u", "nobody", "--", sys.executable, str(ROOT / "main.py")]
    result = start_gui(hidden([system_library(CURSOR)], command), tmp_path)
    assert result.returncode == 2, result.stderr
    assert "libxcb-cursor.so.0" in result.stderr and "sudo apt-get install -y libxcb-cursor0" in result.stderr
    assert "Aborted" not in result.stderr and "qt.qpa" not in result.stderr


def test_as_root_the_missing_package_is_installed_first(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "apt-get.log"
    (fake / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {log}\nexit 0\n')
    (fake / "apt-get").chmod(0o755)
    command = [sys.executable, str(ROOT / "main.py")]
    result = start_gui(hidden([system_library(CURSOR)], command), tmp_path, path=f"{fake}:/usr/bin:/bin")
    assert log.read_text().splitlines() == ["install -y -qq --no-install-recommends libxcb-cursor0"]
    # the stand-in installs nothing, so the library is still hidden when checked again: told, not aborted
    assert result.returncode == 2, result.stderr
    assert "正在安装：libxcb-cursor0" in result.stderr and "没有成功" in result.stderr
    assert "Aborted" not in result.stderr


def test_without_the_check_qt_would_abort(tmp_path):
    """What the check prevents (so that the tests above could fail): Qt's own abort, exit 134."""
    script = "from PySide6.QtWidgets import QApplication; QApplication([])"
    result = start_gui(hidden([system_library(CURSOR)], [sys.executable, "-c", script]), tmp_path)
    assert result.returncode in (-6, 134) and "xcb" in result.stderr


def test_no_display_is_said_in_chinese(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        capture_output=True,
        text=True,
        env={**env, "WA_NO_VENV": "1", "WA_DATA_DIR": str(tmp_path)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "DISPLAY" in result.stderr and "Traceback" not in result.stderr
