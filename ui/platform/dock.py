"""Docking the sidebar to the left or right edge of a screen, full height, reserving its strip.

Remembers edge, width, screen, floating and collapsed through QSettings.
* X11 (platform "xcb"): the strip is reserved with `_NET_WM_STRUT_PARTIAL` and `_NET_WM_STRUT` (set with
  python-xlib on the window's id), so maximised windows of other programs do not slide under the sidebar;
  floating mode clears the strut. The height is the screen's available height (panels at the top or bottom
  stay visible); the edge is the screen's own (the work area already leaves out our strut).
* Windows: an application desktop toolbar (AppBar) through SHAppBarMessage behind `Win32AppBar`: ABM_NEW
  registers it, ABM_QUERYPOS/ABM_SETPOS negotiate the rectangle with the taskbar and other appbars (the
  taskbar and its tray icon stay visible; maximised windows stop at the sidebar), ABN_POSCHANGED (the taskbar
  moved or resized) negotiates again, ABM_REMOVE gives the strip back when floating or quitting. Tests pass
  a fake that follows the documentation (tests/fakes/win32.py).
  https://learn.microsoft.com/en-us/windows/win32/shell/application-desktop-toolbars
* Elsewhere (offscreen, Wayland): docked within the available geometry, nothing reserved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from assistant.config.registry import setting, stored

EDGES = setting("dock/edge").choices
MIN_WIDTH = setting("dock/width").low
STRIP_WIDTH = 36  # collapsed: a thin strip with the 展开 button

# SHAppBarMessage (shellapi.h)
ABM_NEW, ABM_REMOVE, ABM_QUERYPOS, ABM_SETPOS, ABM_ACTIVATE, ABM_WINDOWPOSCHANGED = 0, 1, 2, 3, 6, 9
ABE_LEFT, ABE_RIGHT = 0, 2
ABN_POSCHANGED = 1
WM_ACTIVATE, WM_WINDOWPOSCHANGED = 0x0006, 0x0047
APPBAR_CALLBACK = 0x8000 + 0x51  # WM_APP + n: the message the shell sends us its notifications with
Rect = tuple[int, int, int, int]  # left, top, right, bottom in physical pixels (RECT)


class Win32AppBar(Protocol):
    """The SHAppBarMessage calls used (https://learn.microsoft.com/en-us/windows/win32/api/shellapi/)."""

    def new(self, hwnd: int, callback_message: int) -> bool: ...  # ABM_NEW: False if it failed

    def remove(self, hwnd: int) -> None: ...  # ABM_REMOVE

    def query_pos(self, hwnd: int, edge: int, rect: Rect) -> Rect: ...  # ABM_QUERYPOS: the approved rect

    def set_pos(self, hwnd: int, edge: int, rect: Rect) -> Rect: ...  # ABM_SETPOS: the rect reserved

    def activate(self, hwnd: int) -> None: ...  # ABM_ACTIVATE (on WM_ACTIVATE)

    def window_pos_changed(self, hwnd: int) -> None: ...  # ABM_WINDOWPOSCHANGED


class Shell32AppBar:
    """Win32AppBar through ctypes (Windows only)."""

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        class APPBARDATA(ctypes.Structure):
            _fields_ = (
                ("cbSize", wintypes.DWORD),
                ("hWnd", wintypes.HWND),
                ("uCallbackMessage", wintypes.UINT),
                ("uEdge", wintypes.UINT),
                ("rc", wintypes.RECT),
                ("lParam", wintypes.LPARAM),
            )

        self._data = APPBARDATA
        self._rect = wintypes.RECT
        self._ctypes = ctypes
        self._send = ctypes.WinDLL("shell32").SHAppBarMessage
        self._send.argtypes = (wintypes.DWORD, ctypes.POINTER(APPBARDATA))
        self._send.restype = ctypes.c_size_t

    def _call(
        self,
        message: int,
        hwnd: int,
        edge: int = 0,
        rect: Rect = (0, 0, 0, 0),
        callback: int = 0,
        lparam: int = 0,
    ):
        data = self._data(self._ctypes.sizeof(self._data), hwnd, callback, edge, self._rect(*rect), lparam)
        result = self._send(message, self._ctypes.byref(data))
        return result, (data.rc.left, data.rc.top, data.rc.right, data.rc.bottom)

    def new(self, hwnd: int, callback_message: int) -> bool:
        return bool(self._call(ABM_NEW, hwnd, callback=callback_message)[0])

    def remove(self, hwnd: int) -> None:
        self._call(ABM_REMOVE, hwnd)

    def query_pos(self, hwnd: int, edge: int, rect: Rect) -> Rect:
        return self._call(ABM_QUERYPOS, hwnd, edge, rect)[1]

    def set_pos(self, hwnd: int, edge: int, rect: Rect) -> Rect:
        return self._call(ABM_SETPOS, hwnd, edge, rect)[1]

    def activate(self, hwnd: int) -> None:
        self._call(ABM_ACTIVATE, hwnd, lparam=1)

    def window_pos_changed(self, hwnd: int) -> None:
        self._call(ABM_WINDOWPOSCHANGED, hwnd)


def strut_values(edge: str, strip: QRect, root_width: int) -> list[int]:
    """The 12 CARDINALs of _NET_WM_STRUT_PARTIAL for a strip docked at `edge` (root coordinates)."""
    top, bottom = strip.top(), strip.top() + strip.height() - 1
    if edge == "left":
        return [strip.x() + strip.width(), 0, 0, 0, top, bottom, 0, 0, 0, 0, 0, 0]
    return [0, root_width - strip.x(), 0, 0, 0, 0, top, bottom, 0, 0, 0, 0]


class Dock:
    """Places `widget` at a screen edge and keeps the place in QSettings."""

    def __init__(
        self,
        widget: QWidget,
        settings: QSettings,
        screens: Callable[[], list[QScreen]] = QGuiApplication.screens,
        appbar: Win32AppBar | None = None,
    ) -> None:
        self.widget = widget
        if appbar is None and QGuiApplication.platformName() == "windows":
            appbar = Shell32AppBar()  # pragma: no cover - only on Windows
        self.appbar = appbar
        self.appbar_registered = False
        self.settings = settings
        self.screens = screens
        # what was remembered, each value checked: a hand-edited width "wide" is the default width
        self.edge = stored(settings, "dock/edge")
        self.width = stored(settings, "dock/width")
        self.screen_index = stored(settings, "dock/screen")
        self.floating = stored(settings, "dock/floating")
        self.collapsed = False
        self.reserved: list[int] | None = None

    def screen(self) -> QScreen:
        screens = self.screens()
        return screens[self.screen_index] if 0 <= self.screen_index < len(screens) else screens[0]

    def geometry(self) -> QRect:
        """Where the docked window goes: the available height at the chosen edge of the chosen screen (on
        Windows the shell may still move it: see `negotiate`)."""
        screen = self.screen()
        full, available = screen.geometry(), screen.availableGeometry()
        if self.appbar is not None:  # registered: the shell cuts the monitor's rectangle to fit (QUERYPOS)
            area = full if self.appbar_registered else available
        else:  # X11: the work area leaves out our own strut: only its height counts
            area = QRect(full.x(), available.y(), full.width(), available.height())
        width = STRIP_WIDTH if self.collapsed else self.width
        x = area.x() if self.edge == "left" else area.x() + area.width() - width
        return QRect(x, area.y(), width, area.height())

    def apply(self) -> None:
        """Move the window into place and (re)reserve its strip."""
        if self.floating:
            width = STRIP_WIDTH if self.collapsed else self.width
            self.widget.resize(
                width, min(self.widget.height() or 700, self.screen().availableGeometry().height())
            )
            self.reserve(None)
            return
        rect = self.negotiate() if self.appbar is not None else self.geometry()
        self.widget.setMinimumWidth(min(rect.width(), self.widget.minimumWidth()))
        if self.collapsed:
            self.widget.setMinimumWidth(STRIP_WIDTH)
        self.widget.setGeometry(rect)
        self.reserve(rect)

    def _save(self) -> None:
        self.settings.setValue("dock/edge", self.edge)
        self.settings.setValue("dock/width", self.width)
        self.settings.setValue("dock/screen", self.screen_index)
        self.settings.setValue("dock/floating", "true" if self.floating else "false")
        self.settings.sync()

    def set_edge(self, edge: str) -> None:
        if edge not in EDGES:
            raise ValueError(edge)
        self.edge = edge
        self._save()
        self.apply()

    def set_width(self, width: int) -> None:
        self.width = max(MIN_WIDTH, int(width))
        self._save()
        self.apply()

    def set_screen(self, index: int) -> None:
        self.screen_index = index if 0 <= index < len(self.screens()) else 0
        self._save()
        self.apply()

    def set_floating(self, floating: bool) -> None:
        self.floating = floating
        self._save()
        self.apply()

    def set_collapsed(self, collapsed: bool) -> None:
        self.collapsed = collapsed
        self.apply()

    # ── Windows: the AppBar ──────────────────────────────────────────────────────────────────────

    def negotiate(self) -> QRect:
        """Register the AppBar if needed and agree on its rectangle with the shell (QUERYPOS, then SETPOS, as
        the documentation orders); without an AppBar, the available geometry."""
        hwnd = int(self.widget.winId())
        if not self.appbar_registered:
            self.appbar_registered = self.appbar.new(hwnd, APPBAR_CALLBACK)
            if self.appbar_registered:
                from ui.platform import native_messages

                native_messages.shared().handlers.append(self.on_native_message)
        proposed = self.geometry()
        if not self.appbar_registered:
            return proposed
        edge = ABE_LEFT if self.edge == "left" else ABE_RIGHT
        width = round(proposed.width() * self._ratio())
        left, top, right, bottom = self.appbar.query_pos(hwnd, edge, self._native(proposed))
        if edge == ABE_LEFT:  # the shell moved the proposed edge inward past the taskbar or other bars
            right = left + width
        else:
            left = right - width
        return self._logical(self.appbar.set_pos(hwnd, edge, (left, top, right, bottom)))

    def on_native_message(self, hwnd: int, message: int, wparam: int, _lparam: int) -> bool:
        """The shell's notifications to our AppBar window, and the two messages it asks to be told of."""
        if not self.appbar_registered or hwnd != int(self.widget.winId()):
            return False
        if message == APPBAR_CALLBACK:
            if wparam == ABN_POSCHANGED and not self.floating:
                self.apply()
            return True
        if message == WM_ACTIVATE:
            self.appbar.activate(hwnd)
        elif message == WM_WINDOWPOSCHANGED:
            self.appbar.window_pos_changed(hwnd)
        return False  # Qt handles these too

    def release(self) -> None:
        """Give the strip back (ABM_REMOVE): when floating, and before the window goes away."""
        if self.appbar is not None and self.appbar_registered:
            self.appbar.remove(int(self.widget.winId()))
            self.appbar_registered = False
            from ui.platform import native_messages

            handlers = native_messages.shared().handlers
            if self.on_native_message in handlers:
                handlers.remove(self.on_native_message)

    def _ratio(self) -> float:
        return float(self.screen().devicePixelRatio())

    def _native(self, rect: QRect) -> tuple[int, int, int, int]:
        """Qt's logical rectangle in physical pixels: Qt keeps each screen's top-left and scales from there."""
        origin, ratio = self.screen().geometry().topLeft(), self._ratio()
        left = origin.x() + round((rect.x() - origin.x()) * ratio)
        top = origin.y() + round((rect.y() - origin.y()) * ratio)
        return left, top, left + round(rect.width() * ratio), top + round(rect.height() * ratio)

    def _logical(self, rect: tuple[int, int, int, int]) -> QRect:
        origin, ratio = self.screen().geometry().topLeft(), self._ratio()
        left, top, right, bottom = rect
        x = origin.x() + round((left - origin.x()) / ratio)
        y = origin.y() + round((top - origin.y()) / ratio)
        return QRect(x, y, round((right - left) / ratio), round((bottom - top) / ratio))

    def reserve(self, rect: QRect | None) -> bool:
        """Set (or clear with None) the X11 strut for `rect`; False when not on X11. On Windows None gives
        the AppBar's strip back (the AppBar itself is set by `negotiate`)."""
        values = [0] * 12 if rect is None else strut_values(self.edge, rect, self._root_width())
        self.reserved = None if rect is None else values
        if rect is None:
            self.release()
        if QGuiApplication.platformName() != "xcb":
            return False
        try:  # pragma: no cover - only under X11, exercised by tests/e2e/test_dock_xvfb.py
            from Xlib import Xatom, display

            d = display.Display()
            window = d.create_resource_object("window", int(self.widget.winId()))
            window.change_property(d.intern_atom("_NET_WM_DESKTOP"), Xatom.CARDINAL, 32, [0xFFFFFFFF])
            window.change_property(d.intern_atom("_NET_WM_STRUT_PARTIAL"), Xatom.CARDINAL, 32, values)
            window.change_property(d.intern_atom("_NET_WM_STRUT"), Xatom.CARDINAL, 32, values[:4])
            d.sync()
            d.close()
            return True
        except Exception:  # noqa: BLE001 - no python-xlib or no display: docked but not reserved
            return False

    def _root_width(self) -> int:
        right = 0
        for screen in self.screens():
            g = screen.geometry()
            right = max(right, g.x() + g.width())
        return right
