"""The closing banner (rule 28): near closing it shows how many wait; after closing, "延时服务中" until the close.

Thin: ``assistant.domain.shift.closing_status`` decides what to show. The sidebar embeds ``ClosingBanner(desk)`` in
its ``banner_slot``; it redraws after each command (ui/bridge.py) and on a timer as the clock moves.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from assistant.desk import Desk
from assistant.domain import shift
from ui.bridge import DeskBridge

NEAR_STYLE = "QFrame#closing_banner { background: #fff4d6; border: 2px solid #e0a800; border-radius: 6px; }"
OVERTIME_STYLE = "QFrame#closing_banner { background: #c62828; border-radius: 6px; } QLabel { color: white; }"


class ClosingBanner(QFrame):
    """Hidden most of the day; amber before closing, red "延时服务中" in overtime."""

    changed = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None, refresh_ms: int = 15_000) -> None:
        super().__init__(parent)
        self.desk = desk
        self.status: shift.ClosingStatus | None = None
        self.setObjectName("closing_banner")
        self.setAccessibleName(self.tr("下班提醒"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.setSpacing(1)
        self.headline = QLabel()
        self.headline.setObjectName("closing_headline")
        font = self.headline.font()
        font.setPointSize(15)
        font.setBold(True)
        self.headline.setFont(font)
        self.detail = QLabel()
        self.detail.setObjectName("closing_detail")
        self.detail.setWordWrap(True)
        font = self.detail.font()
        font.setPointSize(11)
        self.detail.setFont(font)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()
        DeskBridge.of(desk).executed.connect(self.refresh)  # waiting count and overtime at once

    def refresh(self, *_outcome) -> None:
        """Show what the state and the clock call for now."""
        status = shift.closing_status(self.desk.state, self.desk.clock.now(), self.desk.scripts.hours)
        self.status = status
        if status is None:
            self.headline.setText("")
            self.detail.setText("")
            self.hide()
        elif status.overtime:
            self.setStyleSheet(OVERTIME_STYLE)
            self.headline.setText(self.tr("延时服务中"))
            self.detail.setText(
                self.tr(
                    "{0:%H:%M} 已到下班时间 · 已延时服务 {1} 人 · 等候 {2} 人。"
                    "办完、无人等候后再下班（第 28 条）。"
                ).format(status.closing, status.served, status.waiting)
            )
            self.show()
        else:
            minutes = max(0, int((status.closing - self.desk.clock.now()).total_seconds() // 60))
            self.setStyleSheet(NEAR_STYLE)
            self.headline.setText(self.tr("{0:%H:%M} 下班 · 还有 {1} 分钟").format(status.closing, minutes))
            self.detail.setText(
                self.tr("等候 {0} 人。正在办理的照常办完，等候的不得拒绝（第 28 条）。").format(
                    status.waiting
                )
            )
            self.show()
        self.headline.setAccessibleName(self.headline.text() or self.tr("下班提醒"))
        self.detail.setAccessibleName(self.detail.text() or self.tr("下班提醒详情"))
        self.changed.emit()
