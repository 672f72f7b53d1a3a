"""A small focusable form that fills a phrase's fields (text, choice, date, N 个工作日内)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from assistant.config import paths
from assistant.config.schema import Field, Phrase, Scripts
from assistant.domain.hours import Hours
from assistant.domain.phrases import RenderError, render, required_fields
from ui.platform.focus import FocusReturn

RECENT_KEEP = 8


def add_working_days(hours: Hours, start: date, days: int) -> date:
    """The date `days` working days after `start`, by the national calendar of the loaded scripts
    (Monday–Friday minus holidays plus 调休 make-up workdays; see `Hours.add_working_days`), not by the
    hall's own opening hours."""
    return hours.add_working_days(start, days)


class RecentValues:
    """The values the clerk typed last, per field name, kept in a small JSON file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "recent-values.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.values: dict[str, list[str]] = {str(k): [str(x) for x in v] for k, v in data.items()}
        except (OSError, ValueError, AttributeError):
            self.values = {}

    def get(self, field: str) -> list[str]:
        return list(self.values.get(field, []))

    def remember(self, field: str, value: str) -> None:
        value = value.strip()
        if not value:
            return
        old = [v for v in self.values.get(field, []) if v != value]
        self.values[field] = [value, *old][:RECENT_KEEP]

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.values, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError:
            pass  # remembering is a convenience; never fail the phrase for it


class PhraseForm(QDialog):
    """Fill the fields of one phrase; `text()` is the rendered phrase once accepted."""

    def __init__(
        self,
        phrase: Phrase,
        scripts: Scripts,
        today: date,
        recent: RecentValues,
        parent: QWidget | None = None,
        preset: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.phrase, self.scripts, self.today, self.recent = phrase, scripts, today, recent
        self.focus_return = FocusReturn()  # remember() before showing; done() gives the focus back
        self.setObjectName("phrase_form")
        self.setWindowTitle(self.tr("填写用语"))
        self.setAccessibleName(self.tr("填写用语：") + phrase.template)
        self.setWindowFlags(Qt.Dialog | Qt.WindowStaysOnTopHint)
        self.setMinimumWidth(460)

        layout = QVBoxLayout(self)
        template = QLabel(phrase.template)
        template.setObjectName("template")
        template.setAccessibleName(self.tr("用语模板"))
        template.setWordWrap(True)
        layout.addWidget(template)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.editors: dict[str, QWidget] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        for field in phrase.fields:
            editor = self._editor(field)
            label = QLabel(field.label or field.name)
            label.setBuddy(editor)
            self.form.addRow(label, editor)
            self.rows[field.name] = (label, editor)
            if preset and preset.get(field.name):
                self._set(field, preset[field.name])
        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setAccessibleName(self.tr("预览"))
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.setObjectName("buttons")
        ok = self.buttons.button(QDialogButtonBox.Ok)
        ok.setText(self.tr("确定"))
        ok.setObjectName("ok")
        ok.setAccessibleName(self.tr("确定"))
        cancel = self.buttons.button(QDialogButtonBox.Cancel)
        cancel.setText(self.tr("取消"))
        cancel.setObjectName("cancel")
        cancel.setAccessibleName(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.update_view()

    # ── editors ───────────────────────────────────────────────────────────────────────────────
    def _editor(self, field: Field) -> QWidget:
        name = f"field_{field.name}"
        editor: QWidget
        if field.type == "choice" and field.multiple:
            editor = QWidget()
            row = QHBoxLayout(editor)
            row.setContentsMargins(0, 0, 0, 0)
            editor.boxes = []  # type: ignore[attr-defined]
            recent = (
                set(self.recent.get(field.name)[:1][0].split("、")) if self.recent.get(field.name) else set()
            )
            for number, option in enumerate(field.options):
                box = QCheckBox(option)
                box.setObjectName(f"{name}_{number}")
                box.setAccessibleName(option)
                box.setChecked(option in recent)
                box.toggled.connect(self.update_view)
                row.addWidget(box)
                editor.boxes.append(box)  # type: ignore[attr-defined]
        elif field.type == "choice":
            editor = QComboBox()
            editor.addItems(list(field.options))
            recent = self.recent.get(field.name)
            if recent and recent[0] in field.options:
                editor.setCurrentText(recent[0])
            editor.currentTextChanged.connect(self.update_view)
        elif field.type == "date":
            editor = QDateEdit()
            editor.setCalendarPopup(True)
            editor.setDisplayFormat("yyyy-MM-dd")
            editor.setDate(QDate(self.today.year, self.today.month, self.today.day))
            editor.setMinimumDate(QDate(self.today.year, self.today.month, self.today.day))
            editor.dateChanged.connect(self.update_view)
        elif field.type in ("working-days", "number"):
            editor = QSpinBox()
            editor.setRange(1 if field.type == "working-days" else 0, 365)
            recent = self.recent.get(field.name)
            editor.setValue(
                int(recent[0])
                if recent and recent[0].isdigit()
                else (5 if field.type == "working-days" else 1)
            )
            if field.type == "working-days":
                editor.setSuffix(self.tr(" 个工作日"))
            editor.valueChanged.connect(self.update_view)
        else:
            editor = QComboBox()
            editor.setEditable(True)
            offered = self.recent.get(field.name)
            if field.name in ("窗口", "部门") or "窗口" in field.label:
                offered += [e.window for e in self.scripts.directory.entries if e.window not in offered]
            editor.addItems(offered)
            editor.setCurrentText(offered[0] if offered else "")
            editor.lineEdit().setPlaceholderText(field.hint)
            editor.currentTextChanged.connect(self.update_view)
        editor.setObjectName(name)
        editor.setAccessibleName(field.label or field.name)
        if field.hint:
            editor.setToolTip(field.hint)
        self.editors[field.name] = editor
        return editor

    def _set(self, field: Field, value: str) -> None:
        """Start a field with a value the sidebar already knows (the faults ticked, this window's name)."""
        editor = self.editors[field.name]
        if field.type == "choice" and field.multiple:
            chosen = set(value.split("、"))
            for box in editor.boxes:  # type: ignore[attr-defined]
                box.setChecked(box.text() in chosen)
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(value)

    def _value(self, field: Field) -> str:
        editor = self.editors[field.name]
        if field.type == "choice" and field.multiple:
            return "、".join(b.text() for b in editor.boxes if b.isChecked())  # type: ignore[attr-defined]
        if isinstance(editor, QDateEdit):
            return editor.date().toPython().isoformat()
        if isinstance(editor, QSpinBox):
            return str(editor.value())
        return editor.currentText()  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        """The values of the fields this phrase currently needs (nested ones only when chosen)."""
        values: dict[str, str] = {}
        for field in self.phrase.fields:
            values[field.name] = self._value(field)
        needed = required_fields(self.phrase, {k: v for k, v in values.items() if v})
        return {k: v for k, v in values.items() if k in needed}

    def update_view(self) -> None:
        values = self.values()
        for name, (label, editor) in self.rows.items():
            label.setVisible(name in values)
            editor.setVisible(name in values)
        for field in self.phrase.fields:
            if field.type == "working-days" and field.name in values:
                due = add_working_days(self.scripts.hours, self.today, int(values[field.name]))
                self.rows[field.name][1].setToolTip(self.tr("即 {0}月{1}日前").format(due.month, due.day))
        ok = self.buttons.button(QDialogButtonBox.Ok)
        try:
            text = render(self.phrase, values)
        except RenderError:
            # what is still to fill, by the labels the clerk sees (never the phrase's internal id)
            empty = [f.label or f.name for f in self.phrase.fields if f.name in values and not values[f.name]]
            self.preview.setText(self.tr("请填写：") + "、".join(empty) if empty else "")
            ok.setEnabled(False)
            return
        extra = ""
        for field in self.phrase.fields:
            if field.type == "working-days" and field.name in values:
                due = add_working_days(self.scripts.hours, self.today, int(values[field.name]))
                extra = self.tr("（{0} 个工作日后为 {1}月{2}日）").format(
                    values[field.name], due.month, due.day
                )
        self.preview.setText(text + extra)
        ok.setEnabled(True)

    def text(self) -> str:
        return render(self.phrase, self.values())

    def accept(self) -> None:
        try:
            self.text()
        except RenderError:
            return
        for name, value in self.values().items():
            self.recent.remember(name, value)
        self.recent.save()
        super().accept()

    def done(self, result: int) -> None:
        """Closed either way: the focus goes back to the program the clerk was typing in, which the phrase is
        pasted into a moment later (ui/platform/paste.py checks that it is there before Ctrl+V)."""
        super().done(result)
        self.focus_return.restore()
