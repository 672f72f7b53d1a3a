"""The composer: a small window where the clerk drafts a written reply, watched by the taboo guard (rule 60).

Unlike the sidebar it takes the keyboard focus while open. As the clerk types (debounced), every hit of
assistant/domain/guard.py gets a wavy red underline; a list under the text names the item of rule 60 and offers the
standard phrase to use instead — one click replaces the flagged words with it. 插入 emits
``insert_requested(text)`` (the shell hands the focus back and pastes), 复制 puts the text on the clipboard.
A draft still flagged when it is inserted or copied is recorded as a ``guard_alert`` event: which items of
rule 60 and what was done, never the text itself (it may hold personal data).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from assistant.desk import Desk
from assistant.domain import service
from assistant.domain.guard import Guard, Hit

DEBOUNCE_MS = 150
TEXT_POINT_SIZE = 16
LIST_POINT_SIZE = 14
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _utf16(text: str, index: int) -> int:
    """A Python string offset as a Qt (UTF-16) position: they differ after characters outside the BMP."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


class Composer(QWidget):
    """Draft a reply; forbidden wording is marked as it is typed and one click puts the standard phrase in."""

    insert_requested = Signal(str)
    copied = Signal(str)
    hits_changed = Signal(int)

    def __init__(
        self, desk: Desk | None = None, guard: Guard | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        if guard is None:
            if desk is None:
                raise ValueError("Composer needs a desk or a guard")
            guard = Guard.from_scripts(desk.scripts)
        self.desk = desk
        self.guard = guard
        self.confirm: Callable[[str, str], bool] = self._confirm_dialog  # tests answer in its place
        self.hits: list[Hit] = []
        self._checked_text = ""
        self._seeds = {t.item: t.seed for t in desk.scripts.taboo} if desk is not None else {}

        self.setObjectName("composer")
        self.setWindowTitle(self.tr("撰写回复 — 服务忌语检查"))
        self.setAccessibleName(self.tr("撰写回复"))
        # a normal, focusable window that stays above the business system
        self.setWindowFlags(Qt.Window | Qt.WindowStaysOnTopHint)
        self.setFocusPolicy(Qt.StrongFocus)
        self.resize(620, 680)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)

        hint = QLabel(self.tr("在这里写回复（网上咨询、短信、备注）。红色波浪线标出服务忌语（第 60 条）。"))
        hint.setObjectName("composer_hint")
        hint.setAccessibleName(self.tr("使用说明"))
        hint.setWordWrap(True)
        self._sized(hint, LIST_POINT_SIZE)
        layout.addWidget(hint)

        self.editor = QPlainTextEdit()
        self.editor.setObjectName("composer_text")
        self.editor.setAccessibleName(self.tr("回复草稿"))
        self.editor.setPlaceholderText(self.tr("请输入回复内容……"))
        self.editor.setTabChangesFocus(True)
        self._sized(self.editor, TEXT_POINT_SIZE)
        self.editor.setMinimumHeight(110)
        layout.addWidget(self.editor, 2)

        self.status = QLabel()
        self.status.setObjectName("composer_status")
        self.status.setAccessibleName(self.tr("检查结果"))
        self.status.setWordWrap(True)
        self._sized(self.status, LIST_POINT_SIZE, bold=True)
        layout.addWidget(self.status)

        self.hit_list = QWidget()
        self.hit_list.setObjectName("composer_hits")
        self.hit_list.setAccessibleName(self.tr("服务忌语与建议用语"))
        self.hit_layout = QVBoxLayout(self.hit_list)
        self.hit_layout.setContentsMargins(0, 0, 0, 0)
        self.hit_layout.setSpacing(6)
        self.hit_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("composer_hits_scroll")
        scroll.setAccessibleName(self.tr("服务忌语列表"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(self.hit_list)
        layout.addWidget(scroll, 3)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.insert_button = self._button("composer_insert", self.tr("插入"), self.tr("插入到业务系统"))
        self.copy_button = self._button("composer_copy", self.tr("复制"), self.tr("复制到剪贴板"))
        self.close_button = self._button("composer_close", self.tr("关闭"), self.tr("关闭撰写窗口"))
        self.insert_button.clicked.connect(self.insert)
        self.copy_button.clicked.connect(self.copy)
        self.close_button.clicked.connect(self.close)
        for button in (self.insert_button, self.copy_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.insert)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self.close)

        self.timer = QTimer(self)
        self.timer.setObjectName("composer_debounce")
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.recheck)
        self.editor.textChanged.connect(self.timer.start)
        self.recheck()

    # ── building blocks ───────────────────────────────────────────────────────────────────────────────
    @staticmethod
    def _sized(widget: QWidget, points: int, bold: bool = False) -> None:
        font = widget.font()
        font.setPointSize(points)
        font.setBold(bold)
        widget.setFont(font)

    def _button(self, name: str, text: str, accessible: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setMinimumHeight(40)
        button.setMinimumWidth(90)
        self._sized(button, LIST_POINT_SIZE, bold=True)
        return button

    # ── the draft ─────────────────────────────────────────────────────────────────────────────────────
    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the draft and check it at once."""
        self.editor.setPlainText(text)
        self.recheck()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.raise_()
        self.activateWindow()
        self.editor.setFocus(Qt.OtherFocusReason)

    # ── checking ──────────────────────────────────────────────────────────────────────────────────────
    def recheck(self) -> list[Hit]:
        """Run the guard over the draft now: marks, status and the list of suggestions."""
        self.timer.stop()
        text = self.text()
        self.hits = self.guard.check(text)
        self._checked_text = text
        self._mark(text)
        self._fill_list(text)
        if self.hits:
            rules = "、".join(dict.fromkeys(h.rule for h in self.hits))
            self.status.setText(
                self.tr(
                    "发现 %n 处服务忌语（第 60 条：%1），请改用下面的规范用语。", "", len(self.hits)
                ).replace("%1", rules)
            )
            self.status.setStyleSheet("color: #b71c1c;")
        elif text.strip():
            self.status.setText(self.tr("未发现服务忌语。"))
            self.status.setStyleSheet("color: #1b5e20;")
        else:
            self.status.setText("")
        self.hits_changed.emit(len(self.hits))
        return self.hits

    def _mark(self, text: str) -> None:
        selections = []
        for hit in self.hits:
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.WaveUnderline)
            fmt.setUnderlineColor(QColor("#d50000"))
            fmt.setBackground(QColor("#ffebee"))
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(_utf16(text, hit.start))
            cursor.setPosition(_utf16(text, hit.end), QTextCursor.KeepAnchor)
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format = fmt
            selections.append(selection)
        self.editor.setExtraSelections(selections)

    def _fill_list(self, text: str) -> None:
        while self.hit_layout.count() > 1:  # keep the final stretch
            widget = self.hit_layout.takeAt(0).widget()
            if widget is not None:  # may be the row whose button is being clicked: delete later, forget now
                widget.hide()
                for child in (widget, *widget.findChildren(QWidget)):
                    child.setObjectName("")
                widget.deleteLater()
        for i, hit in enumerate(self.hits):
            self.hit_layout.insertWidget(i, self._hit_row(i, hit, text[hit.start : hit.end]))

    def _hit_row(self, i: int, hit: Hit, said: str) -> QWidget:
        row = QFrame()
        row.setObjectName(f"composer_hit_{i}")
        row.setAccessibleName(self.tr("服务忌语 %1").replace("%1", hit.rule))
        row.setFrameShape(QFrame.StyledPanel)
        row.setStyleSheet(f"QFrame#composer_hit_{i} {{ border: 1px solid #ef9a9a; border-radius: 4px; }}")
        box = QVBoxLayout(row)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(4)
        what = self.tr("第 60 条 %1 “%2”").replace("%1", hit.rule).replace("%2", said)
        seed = self._seeds.get(hit.item)
        if seed:
            what += self.tr("（忌：%1）").replace("%1", seed)
        label = QLabel(what)
        label.setObjectName(f"composer_hit_{i}_rule")
        label.setAccessibleName(self.tr("忌语说明"))
        label.setWordWrap(True)
        label.setStyleSheet("color: #b71c1c;")
        self._sized(label, LIST_POINT_SIZE)
        box.addWidget(label)
        button = QPushButton(self.tr("改为：%1").replace("%1", hit.suggestion))
        button.setObjectName(f"composer_suggestion_{i}")
        button.setAccessibleName(self.tr("改用规范用语：%1").replace("%1", hit.suggestion))
        button.setToolTip(self.tr("点击，用这句规范用语替换划线的文字"))
        button.setStyleSheet("text-align: left; padding: 4px 8px;")
        button.setFocusPolicy(Qt.NoFocus)  # clicking keeps the caret in the draft
        self._sized(button, LIST_POINT_SIZE)
        button.setEnabled(bool(hit.suggestion))
        button.clicked.connect(lambda _=False, h=hit: self.apply_suggestion(h))
        box.addWidget(button)
        return row

    def apply_suggestion(self, hit: Hit) -> bool:
        """Replace the whole clause holding the flagged words with the suggestion (one undo step); False if
        the draft moved on."""
        text = self.text()
        if text != self._checked_text or hit not in self.hits:
            self.recheck()  # the clerk typed since the last check: the list was stale
            return False
        start, end = service.clause_around(text, hit.start, hit.end, hit.suggestion)
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(_utf16(text, start))
        cursor.setPosition(_utf16(text, end), QTextCursor.KeepAnchor)
        cursor.insertText(hit.suggestion)
        # a suggestion with a field ({窗口}) leaves the field selected, ready to be typed over
        field = _PLACEHOLDER.search(hit.suggestion)
        if field:
            base = _utf16(text, start)
            cursor.setPosition(base + _utf16(hit.suggestion, field.start()))
            cursor.setPosition(base + _utf16(hit.suggestion, field.end()), QTextCursor.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus(Qt.OtherFocusReason)
        self.recheck()
        return True

    def _confirm_dialog(self, title: str, question: str) -> bool:
        box = QMessageBox(QMessageBox.Warning, title, question, parent=self)
        go = box.addButton(self.tr("仍要插入"), QMessageBox.AcceptRole)
        back = box.addButton(self.tr("返回修改"), QMessageBox.RejectRole)
        box.setDefaultButton(back)
        box.setEscapeButton(back)
        box.exec()
        return box.clickedButton() is go

    # ── insert / copy ─────────────────────────────────────────────────────────────────────────────────
    def _send(self, action: str) -> str | None:
        text = self.text()
        if not text.strip():
            return None
        hits = self.recheck()
        if hits and self.desk is not None:
            rules = list(dict.fromkeys(h.rule for h in hits))
            self.desk.execute("guard_alert", {"rules": rules, "action": action})
        return text

    def insert(self) -> None:
        """Hand the draft to the shell for pasting into the business system (it restores the focus first);
        a draft that still holds taboo wording is inserted only once the clerk confirms it."""
        if self.recheck() and not self.confirm(
            self.tr("服务忌语"), self.tr("这段文字仍含服务忌语（第 60 条），确定要插入吗？")
        ):
            return
        text = self._send("insert")
        if text is not None:
            self.hide()
            self.insert_requested.emit(text)

    def copy(self) -> None:
        text = self._send("copy")
        if text is not None:
            QGuiApplication.clipboard().setText(text)
            self.copied.emit(text)
