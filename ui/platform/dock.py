"""Docking the sidebar to the left or right edge of a screen, full height, reserving its strip (X11 strut).

Remembers edge, width, screen, floating and collapsed through QSettings. On X11 (platform "xcb") the strip
is reserved with `_NET_WM_STRUT_PARTIAL` and `_NET_WM_STRUT` (set with python-xlib on the window's id), so
maximised windows of other programs do not slide under the sidebar; floating mode clears the strut.
Elsewhere (offscreen, Wayland, Windows without AppBar) the geometry is still docked and `reserve()` is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

EDGES = ("left", "right")
DEFAULT_WIDTH = 380
MIN_WIDTH = 300
STRIP_WIDTH = 36  # collapsed: a thin strip with the 展开 button


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
    ) -> None:
        self.widget = widget
        self.settings = settings
        self.screens = screens
        self.edge = str(settings.value("dock/edge", "right"))
        if self.edge not in EDGES:
            self.edge = "right"
        self.width = max(MIN_WIDTH, int(settings.value("dock/width", DEFAULT_WIDTH)))
        self.screen_index = int(settings.value("dock/screen", 0))
        self.floating = str(settings.value("dock/floating", "false")) in ("true", "1", "True")
        self.collapsed = False
        self.reserved: list[int] | None = None

    def screen(self) -> QScreen:
        screens = self.screens()
        return screens[self.screen_index] if 0 <= self.screen_index < len(screens) else screens[0]

    def geometry(self) -> QRect:
        """Where the docked window goes: full height at the chosen edge of the chosen screen."""
        area = self.screen().geometry()
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
        rect = self.geometry()
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

    def reserve(self, rect: QRect | None) -> bool:
        """Set (or clear with None) the X11 strut for `rect`; False when not on X11."""
        values = [0] * 12 if rect is None else strut_values(self.edge, rect, self._root_width())
        self.reserved = None if rect is None else values
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
