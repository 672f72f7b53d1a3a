"""Putting the pieces together at start-up: translation, settings, sidebar, dock, tray."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QTranslator
from PySide6.QtWidgets import QApplication

from assistant.desk import Desk
from assistant.queue import FileQueue

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def install_translation(app: QApplication, lang: str) -> QTranslator | None:
    """Load resources/window_assistant_<lang>.qm (Chinese is the source language: nothing to load)."""
    if lang in ("", "zh"):
        return None
    translator = QTranslator(app)
    if translator.load(str(RESOURCES / f"window_assistant_{lang}.qm")):
        app.installTranslator(translator)
        return translator
    return None


def build_shell(app: QApplication, desk: Desk, problems: list[str], lang: str = "zh",
                settings: QSettings | None = None):
    """The docked sidebar with its tray icon, shown."""
    from ui.dock import Dock
    from ui.sidebar import Sidebar
    from ui.tray import Tray

    install_translation(app, lang)
    settings = settings or QSettings("window-assistant", "sidebar")
    queue_file = str(settings.value("queue/file", ""))
    queue = FileQueue(Path(queue_file), desk.state.window) if queue_file else None
    sidebar = Sidebar(desk, problems=problems, queue=queue, settings=settings)
    dock = Dock(sidebar, settings)
    sidebar.dock = dock
    sidebar.collapse_requested.connect(dock.set_collapsed)
    dock.apply()  # before show(): the strut is set on the window id first (DESKTOP.md)
    sidebar.show()
    dock.apply()
    sidebar.tray = Tray(sidebar)
    return sidebar
