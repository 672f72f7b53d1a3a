"""Windows: the sidebar as an AppBar (ui/platform/dock.py) against a fake of the shell's appbar service that follows its
documentation (tests/fakes/win32.py): the taskbar stays visible, maximised windows stop at the sidebar, a moved
taskbar is answered, floating and quitting give the strip back."""

from __future__ import annotations

import ctypes

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtWidgets import QWidget

from tests.fakes.win32 import ABE_BOTTOM, ABE_RIGHT, FakeShell
from ui.platform import native_messages
from ui.platform.dock import Dock


class Screen:
    """A 1920×1080 monitor whose taskbar (40 px, bottom) Qt leaves out of the available geometry."""

    def __init__(self, taskbar_bottom: int = 40, ratio: float = 1.0) -> None:
        self.taskbar_bottom, self.ratio = taskbar_bottom, ratio

    def geometry(self):
        return QRect(0, 0, round(1920 / self.ratio), round(1080 / self.ratio))

    def availableGeometry(self):
        g = self.geometry()
        return g.adjusted(0, 0, 0, -round(self.taskbar_bottom / self.ratio))

    def devicePixelRatio(self):
        return self.ratio


def deliver(sent) -> None:
    """The shell's SendMessage to our window: Qt's window procedure hands it to the native filters."""
    for hwnd, message, wparam in sent:
        msg = native_messages.MSG(hwnd, message, wparam, 0, 0, 0, 0)
        native_messages.shared().nativeEventFilter(QByteArray(b"windows_generic_MSG"), ctypes.addressof(msg))


def docked(qtbot, tmp_path, shell: FakeShell, screen: Screen) -> tuple[Dock, QWidget]:
    widget = QWidget()
    qtbot.addWidget(widget)
    dock = Dock(
        widget, QSettings(str(tmp_path / "dock.ini"), QSettings.IniFormat), lambda: [screen], appbar=shell
    )
    dock.apply()
    return dock, widget


def test_the_sidebar_is_an_appbar_beside_the_taskbar_and_maximised_windows_stop_at_it(qtbot, tmp_path):
    shell = FakeShell()
    dock, widget = docked(qtbot, tmp_path, shell, Screen())
    assert shell.calls[:3] == ["ABM_NEW", "ABM_QUERYPOS", "ABM_SETPOS"]
    assert widget.geometry() == QRect(1920 - 380, 0, 380, 1040)  # the taskbar and its tray icon stay visible
    assert shell.work_area() == (0, 0, 1920 - 380, 1040)  # a maximised browser ends at the sidebar
    dock.set_width(420)
    assert shell.work_area()[2] == 1920 - 420 and widget.width() == 420
    deliver(
        [(int(widget.winId()), 0x0006, 1), (int(widget.winId()), 0x0047, 0)]
    )  # WM_ACTIVATE, WM_WINDOWPOSCHANGED
    assert shell.calls[-2:] == [
        "ABM_ACTIVATE",
        "ABM_WINDOWPOSCHANGED",
    ]  # as the documentation asks of an appbar
    dock.release()


def test_a_moved_taskbar_is_answered_by_negotiating_again(qtbot, tmp_path):
    shell = FakeShell()
    dock, widget = docked(qtbot, tmp_path, shell, Screen())
    shell.sent.clear()
    shell.move_taskbar(ABE_RIGHT)  # the clerk drags the taskbar to the right edge, where the sidebar is
    deliver(shell.sent)
    assert widget.geometry() == QRect(1920 - 40 - 380, 0, 380, 1080)  # the taskbar stays outermost
    assert shell.work_area() == (0, 0, 1920 - 40 - 380, 1080)
    shell.move_taskbar(ABE_BOTTOM)
    deliver(shell.sent[-1:])
    assert widget.geometry() == QRect(1920 - 380, 0, 380, 1040)
    dock.release()


def test_floating_and_quitting_give_the_strip_back(qtbot, tmp_path):
    shell = FakeShell()
    dock, widget = docked(qtbot, tmp_path, shell, Screen())
    hwnd = int(widget.winId())
    dock.set_floating(True)
    assert shell.calls[-1] == "ABM_REMOVE" and shell.work_area() == (0, 0, 1920, 1040)
    calls = len(shell.calls)
    deliver([(hwnd, 0x8051, 1)])  # a late ABN_POSCHANGED: nothing of ours answers it any more
    assert len(shell.calls) == calls
    dock.set_floating(False)
    assert shell.calls[-3:] == ["ABM_NEW", "ABM_QUERYPOS", "ABM_SETPOS"]
    dock.release()  # what quitting does (build_shell connects it to aboutToQuit)
    assert shell.bars == {} and shell.work_area() == (0, 0, 1920, 1040)


def test_two_appbars_on_the_same_edge_do_not_overlap(qtbot, tmp_path):
    shell = FakeShell()
    shell.new(0xBEEF, 0x8001)
    shell.set_pos(0xBEEF, ABE_RIGHT, (1920 - 100, 0, 1920, 1040))  # another program's bar got there first
    dock, widget = docked(qtbot, tmp_path, shell, Screen())
    assert widget.geometry() == QRect(1920 - 100 - 380, 0, 380, 1040)
    dock.release()


def test_physical_pixels_at_150_percent(qtbot, tmp_path):
    shell = FakeShell()
    dock, widget = docked(qtbot, tmp_path, shell, Screen(ratio=1.5))
    assert shell.bars[int(widget.winId())]["rect"] == (1920 - 570, 0, 1920, 1040)  # 380 logical = 570 px
    assert widget.geometry() == QRect(1280 - 380, 0, 380, 693)
    dock.release()


def test_without_an_appbar_the_taskbar_is_still_left_free(qtbot, tmp_path):
    class Refusing(FakeShell):
        def new(self, hwnd, callback_message):
            return False

    dock, widget = docked(qtbot, tmp_path, Refusing(), Screen())
    assert widget.geometry() == QRect(1920 - 380, 0, 380, 1040) and not dock.appbar_registered
