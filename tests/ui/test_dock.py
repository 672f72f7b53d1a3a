"""Docking offscreen: geometry at the edge of the chosen screen, remembered settings, strut values, collapse."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings
from PySide6.QtWidgets import QWidget

from ui.platform.dock import STRIP_WIDTH, Dock, strut_values


class FakeScreen:
    def __init__(self, x, y, w, h):
        self._g = QRect(x, y, w, h)

    def geometry(self):
        return self._g

    def availableGeometry(self):
        return self._g


SCREENS = [FakeScreen(0, 0, 1366, 768), FakeScreen(1366, 0, 1920, 1080)]


def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "dock.ini"), QSettings.IniFormat)


def test_docks_full_height_at_the_right_edge_and_remembers(qtbot, tmp_path):
    widget = QWidget()
    qtbot.addWidget(widget)
    dock = Dock(widget, settings(tmp_path), lambda: SCREENS)
    dock.apply()
    assert dock.geometry() == QRect(1366 - 380, 0, 380, 768)
    dock.set_screen(1)
    dock.set_edge("left")
    dock.set_width(420)
    assert dock.geometry() == QRect(1366, 0, 420, 1080)
    again = Dock(QWidget(), settings(tmp_path), lambda: SCREENS)
    assert (again.edge, again.width, again.screen_index) == ("left", 420, 1)
    assert dock.reserved == [1366 + 420, 0, 0, 0, 0, 1079, 0, 0, 0, 0, 0, 0]


def test_collapse_to_a_strip_and_floating_clears_the_strut(qtbot, tmp_path):
    widget = QWidget()
    qtbot.addWidget(widget)
    dock = Dock(widget, settings(tmp_path), lambda: SCREENS)
    dock.set_collapsed(True)
    assert dock.geometry().width() == STRIP_WIDTH and dock.geometry().right() == 1365
    dock.set_floating(True)
    assert dock.reserved is None
    dock.set_screen(7)  # a screen that went away falls back to the first
    assert dock.screen_index == 0


def test_strut_values_for_the_right_edge():
    assert strut_values("right", QRect(986, 0, 380, 768), 1366) == [0, 380, 0, 0, 0, 0, 0, 767, 0, 0, 0, 0]


def test_hand_edited_settings_fall_back_to_their_defaults_instead_of_crashing(qtbot, tmp_path):
    (tmp_path / "dock.ini").write_text(
        "[dock]\nwidth=wide\nscreen=-3\nedge=top\nfloating=maybe\n", encoding="utf-8"
    )
    widget = QWidget()
    qtbot.addWidget(widget)
    dock = Dock(widget, settings(tmp_path), lambda: SCREENS)
    assert (dock.edge, dock.width, dock.screen_index, dock.floating) == ("right", 380, 0, False)
    dock.apply()
    assert dock.geometry() == QRect(1366 - 380, 0, 380, 768)
