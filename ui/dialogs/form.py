"""A small focusable form: the few places where the clerk types (a phrase's fields, a reason, a contact).

The sidebar itself never takes the focus; this dialog does while it is open and then hands it back to the
program that had it (ui/platform/focus.py). Fields are declared as data: text, choice (editable list), multi
(check boxes), date, number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

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
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.platform.focus import FocusReturn
from ui.vocabulary import shown


@dataclass(frozen=True)
class FormField:
    """One input of a form."""

    name: str
    label: str
    kind: str = "text"  # text | choice | multi | date | number
    options: tuple[str, ...] = ()
    default: str = ""
    required: bool = True
    hint: str = ""
    days_ahead: int = 0  # for dates: the default is today + this
    preselect: bool = True  # choices: start on the first option; False: start empty (the clerk must choose)


class FormDialog(QDialog):
    """Ask for a few values; `values()` gives them as strings (dates as ISO, multi joined with 、)."""

    def __init__(
        self,
        title: str,
        fields: list[FormField],
        note: str = "",
        parent: QWidget | None = None,
        today: date | None = None,
    ) -> None:
        QDialog.__init__(self, parent)
        self.setObjectName("form_dialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setWindowFlags(Qt.Dialog | Qt.WindowStaysOnTopHint)
        self.fields = fields
        self.inputs: dict[str, QWidget] = {}
        self.focus_return = FocusReturn()
        today = today or date.today()
        layout = QVBoxLayout(self)
        if note:
            label = QLabel(note)
            label.setObjectName("form_note")
            label.setAccessibleName(note)
            label.setWordWrap(True)
            layout.addWidget(label)
        form = QFormLayout()
        for f in fields:
            widget = self._make(f, today)
            widget.setObjectName(f"field_{f.name}")
            widget.setAccessibleName(f.label)
            if f.hint:
                widget.setToolTip(f.hint)
            self.inputs[f.name] = widget
            form.addRow(f.label + ("" if not f.required else " *"), widget)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("form_error")
        self.error.setAccessibleName(self.tr("表单提示"))
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.setObjectName("form_buttons")
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.Ok).setObjectName("form_ok")
        buttons.button(QDialogButtonBox.Ok).setAccessibleName(self.tr("确定"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.button(QDialogButtonBox.Cancel).setObjectName("form_cancel")
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName(self.tr("取消"))
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _make(self, f: FormField, today: date) -> QWidget:
        if f.kind == "choice":
            box = QComboBox()
            box.setEditable(True)
            for option in f.options:  # shown in the UI's language, recorded as written
                box.addItem(shown(option), option)
            if f.default or f.preselect:
                box.setCurrentText(shown(f.default or (f.options[0] if f.options else "")))
            else:
                box.setCurrentIndex(-1)  # nothing chosen: one Enter cannot record a reason nobody picked
                box.lineEdit().setPlaceholderText(self.tr("请选择"))
            return box
        if f.kind == "multi":
            holder = QWidget()
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            chosen = set(f.default.split("、")) if f.default else set()
            for option in f.options:
                check = QCheckBox(option)
                check.setObjectName(f"option_{option}")
                check.setAccessibleName(option)
                check.setChecked(option in chosen)
                row.addWidget(check)
            return holder
        if f.kind == "date":
            edit = QDateEdit()
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            start = date.fromisoformat(f.default) if f.default else today + timedelta(days=f.days_ahead)
            edit.setDate(QDate(start.year, start.month, start.day))
            return edit
        if f.kind == "number":
            spin = QSpinBox()
            spin.setRange(0, 999)
            spin.setValue(int(f.default or 0))
            return spin
        edit = QLineEdit(f.default)
        edit.setPlaceholderText(f.hint)
        return edit

    def set_value(self, name: str, value: str) -> None:
        """Fill one field (used by tests and by callers that know a value)."""
        widget = self.inputs[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        elif isinstance(widget, QDateEdit):
            d = date.fromisoformat(value)
            widget.setDate(QDate(d.year, d.month, d.day))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value))
        elif isinstance(widget, QLineEdit):
            widget.setText(value)
        else:
            chosen = set(value.split("、"))
            for check in widget.findChildren(QCheckBox):
                check.setChecked(check.text() in chosen)

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            widget = self.inputs[f.name]
            if isinstance(widget, QComboBox):
                text = widget.currentText().strip()
                index = widget.findText(text)
                out[f.name] = widget.itemData(index) if index >= 0 and widget.itemData(index) else text
            elif isinstance(widget, QDateEdit):
                out[f.name] = widget.date().toString("yyyy-MM-dd")
            elif isinstance(widget, QSpinBox):
                out[f.name] = str(widget.value())
            elif isinstance(widget, QLineEdit):
                out[f.name] = widget.text().strip()
            else:
                out[f.name] = "、".join(c.text() for c in widget.findChildren(QCheckBox) if c.isChecked())
        return out

    def try_accept(self) -> None:
        missing = [f.label for f in self.fields if f.required and not self.values()[f.name]]
        if missing:
            self.error.setText(self.tr("请填写：") + "、".join(missing))
            return
        self.accept()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.activateWindow()

    def done(self, result: int) -> None:
        super().done(result)
        self.focus_return.restore()


def ask(
    title: str,
    fields: list[FormField],
    note: str = "",
    parent: QWidget | None = None,
    today: date | None = None,
) -> dict[str, str] | None:
    """Show a form modally; the values, or None when cancelled."""
    dialog = FormDialog(title, fields, note, parent, today)
    dialog.focus_return.remember()
    return dialog.values() if dialog.exec() == QDialog.Accepted else None
