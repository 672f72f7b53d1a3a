"""The start-of-shift checklist (rules 19, 41–47): each item ticked 正常 or 故障 on its own, then submitted.

Thin: every tick is a `checklist_item` command and the submit a `checklist_submit` command on the Desk;
the deadline and lateness come from ``assistant.domain.shift``. There is deliberately no "all pass" button.
The sidebar embeds it as ``ChecklistDialog(desk)`` and calls ``refresh()`` when the state changes.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from assistant.desk import Desk, Outcome
from assistant.domain import shift

SECTION_TITLES = {
    "equipment": QT_TRANSLATE_NOOP("ChecklistDialog", "设备与场地（第 19 条）"),
    "appearance": QT_TRANSLATE_NOOP("ChecklistDialog", "着装与仪容自查（第 41–47 条）"),
}


class ChecklistDialog(QDialog):
    """One row per checklist item: 正常 / 故障 (a fault needs a note); 提交 once every item is ticked."""

    submitted = Signal()
    changed = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setObjectName("checklist_dialog")
        self.setWindowTitle(self.tr("班前检查"))
        self.setAccessibleName(self.tr("班前检查"))
        font = self.font()
        font.setPointSize(13)
        self.setFont(font)
        self.setMinimumWidth(640)
        # a ticked answer must be unmistakable: green 正常, red 故障
        self.setStyleSheet(
            'QPushButton[answer="ok"]:checked { background: #2e7d32; color: white; font-weight: bold; }'
            'QPushButton[answer="fault"]:checked { background: #c62828; color: white; font-weight: bold; }'
        )

        layout = QVBoxLayout(self)
        self.deadline = self._label("deadline", "")
        bold = QFont(font)
        bold.setPointSize(15)
        bold.setBold(True)
        self.deadline.setFont(bold)
        layout.addWidget(self.deadline)

        body = QWidget()
        grid = QGridLayout(body)
        grid.setColumnStretch(0, 1)
        grid.setColumnMinimumWidth(4, 180)
        self.ok_buttons: dict[str, QPushButton] = {}
        self.fault_buttons: dict[str, QPushButton] = {}
        self.na_buttons: dict[str, QPushButton] = {}  # 不适用, where checklist.toml allows it (rules 41–47)
        self.notes: dict[str, QLineEdit] = {}
        row = 0
        section = None
        for item in desk.scripts.checklist.items:
            if item.section != section:
                section = item.section
                title = self._label(
                    f"section_{section}",
                    self.tr(SECTION_TITLES[section]) if section in SECTION_TITLES else section,
                )
                title.setFont(bold)
                grid.addWidget(title, row, 0, 1, 5)
                row += 1
            label = self._label(f"item_{item.id}", item.text)
            label.setToolTip(item.seed)
            # equipment fails (故障, to repair); appearance falls short (不合格, a note on the run)
            failing = self.tr("故障") if item.section == "equipment" else self.tr("不合格")
            ok = self._button(f"ok_{item.id}", self.tr("正常"), self.tr("{0}：正常").format(item.text))
            fault = self._button(f"fault_{item.id}", failing, self.tr("{0}：{1}").format(item.text, failing))
            group = QButtonGroup(self)
            group.setExclusive(True)
            ok.setProperty("answer", "ok")
            fault.setProperty("answer", "fault")
            buttons = [ok, fault]
            if item.may_not_apply:
                na = self._button(
                    f"na_{item.id}", self.tr("不适用"), self.tr("{0}：不适用").format(item.text)
                )
                na.setProperty("answer", "na")
                na.clicked.connect(
                    lambda _=False, i=item.id: self._run("checklist_item", {"item": i, "na": True})
                )
                self.na_buttons[item.id] = na
                buttons.append(na)
            for button in buttons:
                button.setCheckable(True)
                group.addButton(button)
            note = QLineEdit()
            note.setObjectName(f"note_{item.id}")
            note.setAccessibleName(self.tr("{0}：{1}说明").format(item.text, failing))
            note.setPlaceholderText(self.tr("{0}说明（必填）").format(failing))
            note.setEnabled(False)
            ok.clicked.connect(lambda _=False, i=item.id: self.tick(i, True))
            fault.clicked.connect(lambda _=False, i=item.id: self.on_fault_clicked(i))
            note.editingFinished.connect(lambda i=item.id: self.on_note_done(i))
            grid.addWidget(label, row, 0)
            grid.addWidget(ok, row, 1)
            grid.addWidget(fault, row, 2)
            if item.may_not_apply:
                grid.addWidget(self.na_buttons[item.id], row, 3)
            grid.addWidget(note, row, 4)
            self.ok_buttons[item.id], self.fault_buttons[item.id], self.notes[item.id] = ok, fault, note
            row += 1
        scroll = QScrollArea()
        scroll.setObjectName("checklist_items")
        scroll.setAccessibleName(self.tr("检查项"))
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        self.message = self._label("message", "")
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        actions = QHBoxLayout()
        self.progress = self._label("progress", "")
        self.submit_button = self._button("submit", self.tr("提交检查"), self.tr("提交班前检查"))
        self.submit_button.setFont(bold)
        self.submit_button.clicked.connect(self.submit)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.submit_button)
        layout.addLayout(actions)
        self.refresh()

    # -- helpers
    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def _button(self, name: str, text: str, accessible: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setMinimumHeight(34)
        return button

    # -- commands
    def tick(self, item: str, ok: bool, note: str = "") -> Outcome:
        """Record one item as 正常 or 故障 (with its note)."""
        return self._run("checklist_item", {"item": item, "ok": ok, "note": note})

    def on_fault_clicked(self, item: str) -> None:
        note = self.notes[item]
        note.setEnabled(True)
        if note.text().strip():
            self.on_note_done(item)
        else:
            note.setFocus(Qt.OtherFocusReason)
            failing = self.fault_buttons[item].text()
            self.message.setText(self.tr("请填写{0}说明，填写后按回车记录。").format(failing))

    def on_note_done(self, item: str) -> None:
        if self.fault_buttons[item].isChecked() and self.notes[item].text().strip():
            recorded = self.desk.state.checklist
            if (
                recorded.get(item) is False
                and self.desk.state.checklist_notes.get(item) == self.notes[item].text().strip()
            ):
                return
            self.tick(item, False, self.notes[item].text().strip())

    def submit(self) -> Outcome:
        outcome = self._run("checklist_submit", {})
        if outcome.accepted:
            self.submitted.emit()
            self.accept()
        return outcome

    def _run(self, kind: str, data: dict) -> Outcome:
        outcome = self.desk.execute(kind, data)
        self.message.setText("" if outcome.accepted else outcome.refusal.reason)
        self.refresh()
        return outcome

    # -- view
    def refresh(self) -> None:
        """Show the state: ticks already recorded, the deadline, whether submitting is possible."""
        state = self.desk.state
        for item, ok_button in self.ok_buttons.items():
            ticked = state.checklist.get(item)
            if ticked is True:
                ok_button.setChecked(True)
            elif ticked is None and item in state.checklist and item in self.na_buttons:
                self.na_buttons[item].setChecked(True)
            elif ticked is False:
                self.fault_buttons[item].setChecked(True)
                self.notes[item].setEnabled(True)
                if not self.notes[item].text():
                    self.notes[item].setText(state.checklist_notes.get(item, ""))
        done = sum(1 for i in self.ok_buttons if i in state.checklist)
        total = len(self.ok_buttons)
        submitted = state.checklist_submitted_at is not None
        self.progress.setText(
            self.tr("已检查 {0} / {1} 项").format(done, total) + (self.tr("，已提交") if submitted else "")
        )
        self.submit_button.setEnabled(state.clerk is not None and done == total and not submitted)
        now = self.desk.clock.now()
        opening = shift.shift_opening(self.desk.scripts.hours, now, state.window)
        if submitted:
            text = self.tr("本班班前检查已提交。")
        elif opening is None:
            text = self.tr("今天已没有开门时段。")
        else:
            lead = self.desk.scripts.hours.thresholds.checklist_lead_minutes
            timing = shift.timing(now, opening, lead)
            text = self.tr("{0:%H:%M} 开门，须在 {1:%H:%M} 前完成检查（第 19 条）").format(
                opening, timing.deadline
            )
            if timing.late:
                text += self.tr("——已超过 {0} 分钟").format(timing.late_minutes)
        self.deadline.setText(text)
        self.deadline.setAccessibleName(text)
        self.changed.emit()
