"""The 暂停服务 sign of rule 40: large, on a chosen screen (full screen) or as a window to place anywhere."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PauseSign(QWidget):
    """A customer-facing sign; it never takes the focus and has no controls (resume is on the sidebar)."""

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
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addStretch(1)
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

    def show_on(self, screen: QScreen | None = None, full_screen: bool = True) -> None:
        """Show full screen on `screen` (default: the primary), or as a movable window."""
        screen = screen or QGuiApplication.primaryScreen()
        if full_screen:
            self.setWindowFlag(Qt.FramelessWindowHint, True)
            self.setGeometry(screen.geometry())
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
