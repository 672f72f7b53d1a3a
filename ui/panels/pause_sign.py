"""The 暂停服务 sign of rule 40: large, on a chosen screen (full screen) or as a window to place anywhere."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PauseSign(QWidget):
    """A customer-facing sign with no controls. It never locks the clerk out: on the clerk's own screen it
    leaves the sidebar uncovered, and a click on it or Esc asks to resume (`resume_requested`); on a screen
    of its own it never takes the focus."""

    resume_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pause_sign")
        self.setAccessibleName(self.tr("暂停服务标识牌"))
        self.setWindowTitle(self.tr("暂停服务"))
        self.setWindowFlags(
            Qt.Window | Qt.WindowStaysOnTopHint | Qt.FramelessWindowHint | Qt.WindowDoesNotAcceptFocus
        )
        self.setAttribute(Qt.WA_ShowWithoutActivating)
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignCenter)
        # What the public reads stays Chinese whatever the clerk's UI language (rule 40's wording); only the
        # window title and the accessible names go through tr().
        self.title = QLabel("暂停服务")
        self.title.setObjectName("pause_title")
        self.title.setAccessibleName(self.tr("暂停服务"))
        self.title.setAlignment(Qt.AlignCenter)
        self.detail = QLabel("")
        self.detail.setObjectName("pause_detail")
        self.detail.setAccessibleName(self.tr("暂停原因"))
        self.detail.setAlignment(Qt.AlignCenter)
        self.detail.setWordWrap(True)
        # for the clerk, on the clerk's own screen only: how to come back
        self.hint = QLabel(self.tr("点击此处或按 Esc 恢复服务（Ctrl+Alt+R）"))
        self.hint.setObjectName("pause_hint")
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setStyleSheet("color: #777;")
        self.hint.hide()
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        layout.addWidget(self.hint)
        self.resize(640, 360)
        self._fit()

    def set_reason(self, reason: str, since: str = "") -> None:
        """Show why and since when the window pauses."""
        text = reason if not since else f"{reason}（{since} 起）"
        self.detail.setText(text)
        self.detail.setAccessibleName(text)

    def _fit(self) -> None:
        big = QFont(self.font())
        big.setPixelSize(max(48, min(self.width() // 5, self.height() // 3)))
        big.setBold(True)
        self.title.setFont(big)
        small = QFont(self.font())
        small.setPixelSize(max(20, big.pixelSize() // 4))
        self.detail.setFont(small)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def mousePressEvent(self, event) -> None:
        self.resume_requested.emit()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:
            self.resume_requested.emit()
            return
        super().keyPressEvent(event)

    def show_on(
        self, screen: QScreen | None = None, full_screen: bool = True, leave: QRect | None = None
    ) -> None:
        """Show full screen on `screen` (default: the primary), or as a movable window. `leave`: the
        sidebar's place when it is on this screen — the sign covers the rest, and takes the focus so that Esc
        reaches it."""
        screen = screen or QGuiApplication.primaryScreen()
        shared = leave is not None and screen.geometry().intersects(leave)
        self.setWindowFlag(Qt.WindowDoesNotAcceptFocus, not shared)
        self.setAttribute(Qt.WA_ShowWithoutActivating, not shared)
        self.hint.setVisible(shared)
        if full_screen:
            self.setWindowFlag(Qt.FramelessWindowHint, True)
            self.setGeometry(uncovered(screen.geometry(), leave) if shared else screen.geometry())
            self.setScreen(screen)
            self.show()
        else:
            self.setWindowFlag(Qt.FramelessWindowHint, False)
            area = screen.availableGeometry()
            self.setGeometry(
                area.x() + area.width() // 4,
                area.y() + area.height() // 4,
                area.width() // 2,
                area.height() // 2,
            )
            self.show()
        if shared:
            self.raise_()
            self.activateWindow()


def uncovered(area: QRect, leave: QRect) -> QRect:
    """The largest part of `area` beside `leave` (a sidebar docked at the left or the right edge)."""
    left = QRect(area.left(), area.top(), max(0, leave.left() - area.left()), area.height())
    right = QRect(leave.right() + 1, area.top(), max(0, area.right() - leave.right()), area.height())
    return left if left.width() >= right.width() else right
