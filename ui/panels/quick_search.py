"""The quick search popup: opened by a hotkey at the mouse cursor, type Chinese, pinyin or initials, Enter.

Enter inserts the selected phrase; Enter while an input method is still composing (pinyin typed into the
IME, not yet committed) belongs to the IME and does nothing here. The popup remembers the window the clerk
was typing in and gives the focus back to it before the phrase is pasted (ui/platform/focus.py); when the
system does not let the popup take the foreground (Windows' rules), the hint line asks the clerk to click it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from assistant.domain.search import PhraseIndex
from ui.platform.focus import FocusReturn

RESULTS = 12


class SearchLine(QLineEdit):
    """A line edit that knows whether an input method is composing, and hands Enter/arrows on."""

    submitted = Signal()
    moved = Signal(int)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.composing = False

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        self.composing = bool(event.preeditString())
        super().inputMethodEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key_Return, Qt.Key_Enter):
            if self.composing:  # the IME is committing its candidate: not our Enter
                event.accept()
                return
            self.submitted.emit()
            return
        if key in (Qt.Key_Down, Qt.Key_Up) and not self.composing:
            self.moved.emit(1 if key == Qt.Key_Down else -1)
            return
        if key == Qt.Key_Escape and not self.composing:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)


class QuickSearch(QWidget):
    """A small focusable popup; `use(phrase_id, "insert")` is called for the phrase chosen."""

    chosen = Signal(str)

    def __init__(
        self,
        index: PhraseIndex,
        phrases: Mapping,
        use: Callable[[str, str], None] | None = None,
        parent: QWidget | None = None,
        focus: FocusReturn | None = None,
    ) -> None:
        super().__init__(parent)
        self.index, self.phrases, self._use = index, phrases, use
        self.focus = focus if focus is not None else FocusReturn()
        self.setObjectName("quick_search")
        self.setWindowTitle(self.tr("快速查找用语"))
        self.setAccessibleName(self.tr("快速查找用语"))
        self.setWindowFlags(Qt.Tool | Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.line = SearchLine()
        self.line.setObjectName("quick_search_input")
        self.line.setAccessibleName(self.tr("查找：汉字、全拼或首字母"))
        self.line.setPlaceholderText(self.tr("输入汉字、拼音或首字母，如 qsh"))
        layout.addWidget(self.line)
        self.results = QListWidget()
        self.results.setObjectName("quick_search_results")
        self.results.setAccessibleName(self.tr("查找结果"))
        self.results.setFocusPolicy(Qt.NoFocus)
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.results.setStyleSheet(
            "QListWidget::item:selected { background: #1f5fbf; color: white; }"
            "QListWidget::item { padding: 4px; }"
        )
        self.results.itemActivated.connect(lambda _item: self.submit())
        self.results.itemDoubleClicked.connect(lambda _item: self.submit())
        layout.addWidget(self.results)
        self.hint = QLabel(self._hint(taken=True))
        self.hint.setObjectName("quick_search_hint")
        self.hint.setAccessibleName(self.tr("操作提示"))
        layout.addWidget(self.hint)
        self.line.textChanged.connect(self.refresh)
        self.line.submitted.connect(self.submit)
        self.line.moved.connect(self.move_selection)
        self.line.cancelled.connect(self.cancel)
        self.refresh("")

    def refresh(self, query: str | None = None) -> None:
        query = self.line.text() if query is None else query
        self.results.clear()
        for hit in self.index.search(query, limit=RESULTS):
            phrase = self.phrases.get(hit.id)
            if phrase is None:
                continue
            item = QListWidgetItem(phrase.template)
            item.setData(Qt.UserRole, hit.id)
            item.setToolTip(self.tr("{0} · 第 {1} 条").format(phrase.category, phrase.rule))
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def move_selection(self, step: int) -> None:
        if self.results.count():
            row = (self.results.currentRow() + step) % self.results.count()
            self.results.setCurrentRow(row)

    def selected(self) -> str | None:
        item = self.results.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def submit(self) -> None:
        phrase_id = self.selected()
        if phrase_id is None:
            return
        self.hide()
        self.focus.restore()  # the program the clerk was typing in gets the paste, not whatever Windows picks
        self.chosen.emit(phrase_id)
        if self._use is not None:
            self._use(phrase_id, "insert")

    def cancel(self) -> None:
        self.hide()
        self.focus.restore()

    def popup(self, at: QPoint | None = None) -> bool:
        """Show at `at` (default: the mouse cursor), kept inside that screen, with the input focused; False when
        the system refused the foreground (the hint then asks the clerk to click the popup)."""
        if not self.isVisible():
            self.focus.remember()
        self.line.clear()
        self.refresh("")
        self.adjustSize()
        pos = at if at is not None else QCursor.pos()
        screen = QGuiApplication.screenAt(pos) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        x = min(max(pos.x(), area.left()), area.right() - self.width())
        y = min(max(pos.y(), area.top()), area.bottom() - self.height())
        self.move(x, y)
        self.show()
        taken = self.focus.take(self)
        self.line.setFocus()
        self.hint.setText(self._hint(taken))
        return taken

    def _hint(self, taken: bool) -> str:
        return (
            self.tr("Enter 插入 · ↑↓ 选择 · Esc 关闭")
            if taken
            else self.tr("请先点一下这个窗口，再输入要查找的用语。")
        )
