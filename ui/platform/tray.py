"""The tray icon, where a system tray exists: show/hide the sidebar, pause/resume, quit."""

from __future__ import annotations

from PySide6 import __version__
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, qVersion
from PySide6.QtGui import QAction, QColor, QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from assistant.config import paths
from assistant.edges.logbook import diagnostics


def make_icon() -> QIcon:
    """A plain round icon with 窗 on it (no image files to ship)."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setBrush(QColor("#1b4d3e"))
    painter.setPen(QColor("#1b4d3e"))
    painter.drawEllipse(2, 2, 60, 60)
    painter.setPen(QColor("#ffffff"))
    font = painter.font()
    font.setPixelSize(36)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), 0x84, "窗")  # Qt.AlignCenter
    painter.end()
    return QIcon(pixmap)


NO_TRAY = QT_TRANSLATE_NOOP("Tray", "此桌面没有系统托盘：收起、暂停等请用侧边栏上的按钮。")


class Tray(QObject):
    """Owns the QSystemTrayIcon; `available` is False where no tray exists.

    Without a tray no icon is shown and `reason` says so in the sidebar's message line: everything the tray
    menu offers is on the sidebar itself (collapse, 暂停, closing the window), so nothing is out of reach.
    """

    def __init__(self, sidebar, available: bool | None = None) -> None:
        super().__init__(sidebar)
        self.sidebar = sidebar
        self.available = QSystemTrayIcon.isSystemTrayAvailable() if available is None else available
        self.reason = "" if self.available else QCoreApplication.translate("Tray", NO_TRAY)
        self.icon = QSystemTrayIcon(make_icon(), self)
        self.icon.setToolTip(self.tr("窗口服务助手"))
        self.menu = QMenu()
        self.menu.setObjectName("tray_menu")
        self.toggle_action = QAction(self.tr("显示/隐藏侧边栏"), self.menu)
        self.toggle_action.triggered.connect(self.toggle)
        self.pause_action = QAction(self.tr("暂停/恢复服务"), self.menu)
        self.pause_action.triggered.connect(sidebar.on_pause_clicked)
        self.diagnostics_action = QAction(self.tr("复制诊断信息"), self.menu)
        self.diagnostics_action.triggered.connect(self.copy_diagnostics)
        self.quit_action = QAction(self.tr("退出"), self.menu)
        self.quit_action.triggered.connect(sidebar.request_quit)
        for action in (self.toggle_action, self.pause_action, self.diagnostics_action, self.quit_action):
            self.menu.addAction(action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(
            lambda reason: self.toggle() if reason == QSystemTrayIcon.Trigger else None
        )
        if self.available:
            self.icon.show()
        else:
            self._say_why()
            sidebar.shell.ready.connect(
                self._say_why
            )  # the hotkey status replaces the line when the shell finishes

    def _say_why(self) -> None:
        """Add the reason to the sidebar's message line (once; other messages there are kept)."""
        message = self.sidebar.message
        if not self.reason:
            return
        line = message.text()
        if self.reason not in line:
            message.setText(f"{line}\n{self.reason}" if line else self.reason)

    def copy_diagnostics(self) -> None:
        """Put what support needs on the clipboard (versions, paths, the log's tail; never the database)."""
        shell = self.sidebar.shell
        text = diagnostics(
            paths.data_dir(),
            shell.desk.store.path,
            shell.scripts_dir,
            [f"Qt {qVersion()}；PySide6 {__version__}"],
        )
        QGuiApplication.clipboard().setText(text)
        self.sidebar.message.setText(self.tr("诊断信息已复制，可粘贴给技术支持。"))

    def toggle(self) -> None:
        self.sidebar.setVisible(not self.sidebar.isVisible())
