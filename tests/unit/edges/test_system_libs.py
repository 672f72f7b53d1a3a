"""What the program needs from Linux, read from ELF files (assistant/edges/elf.py), and the input-method choice."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.edges import elf, system_libs

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="ELF files and Qt's Linux plugins"
)


def test_needs_and_glibc_versions_are_read_from_a_system_program():
    needs = elf.read(Path("/bin/ls"))
    assert needs is not None and "libc.so.6" in needs.needed
    assert any(v.startswith("GLIBC_2.") for v in needs.versions["libc.so.6"])
    assert elf.glibc_floor([Path("/bin/ls")]) >= (2, 2)
    assert elf.read(Path(__file__)) is None  # not an ELF file


def test_an_unknown_library_stands_for_itself_and_glibc_s_are_libc6():
    assert system_libs.packages_for(["libxcb-cursor.so.0", "libm.so.6", "libnothing.so.9"]) == [
        "libxcb-cursor0",
        "libc6",
        "libnothing.so.9",
    ]


@pytest.mark.parametrize(
    ("asked", "used"),
    [
        ("fcitx", "ibus"),  # UOS and Kylin with fcitx5: its Qt plugin is not ours; its ibus frontend answers
        ("fcitx5", "ibus"),
        ("ibus", None),
        ("", None),
        ("compose", None),  # a plugin our Qt has
    ],
)
def test_an_input_method_our_qt_cannot_load_is_reached_through_ibus(asked, used):
    qt = system_libs.qt_folder()
    if qt is None or not (qt / "plugins" / "platforminputcontexts").is_dir():
        pytest.skip("PySide6 with its input-context plugins is not installed")
    assert system_libs.input_method_module({"QT_IM_MODULE": asked} if asked else {}, qt) == used


def test_without_an_x_display_the_sidebar_says_so_even_on_wayland():
    """The sidebar docks, pastes and hot-keys through X11 and the bundle has no Wayland platform: a Wayland
    session without XWayland (no DISPLAY) gets the Chinese reason, not Qt's abort."""
    code, message = system_libs.check_before_qt({"WAYLAND_DISPLAY": "wayland-0"})
    assert code == 2 and "DISPLAY" in message
    assert system_libs.check_before_qt({"QT_QPA_PLATFORM": "offscreen"}) is None
