"""The shift lead's review window (值班长审阅) and the clerk's read-only "我的记录".

Thin over ``assistant.reports``: filters → ``build_report`` → one table view per table, a charts tab
(QtCharts), acknowledge-with-comment and explanations recorded through the desk's rules, a verify button
(hash chain, and with the lead's verification key and/or a kept anchor the seals and the tail: 完整 or the first
broken record), and exports (xlsx/csv/pdf) with a progress dialog and cancel.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QDate, QModelIndex, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from assistant.desk import Desk
from assistant.domain.hours import calendar_notice
from assistant.domain.rules import ROLES
from assistant.edges.lead_pin import HOW_TO_SET, LeadPin, resets_text
from assistant.hall.review import LocalSource, chain_line
from assistant.reports.build import preset_range
from assistant.reports.charts import CHART_TITLES, COUNT_CHARTS, value_axis
from assistant.reports.exporting import ExportCancelled, ExportError, export
from assistant.reports.model import PAGE, Report, ReportFilter, Table
from ui.dialogs.file_dialogs import choose_folder, open_file, save_file

PRESETS = (
    ("day", QT_TRANSLATE_NOOP("ReviewWindow", "今天")),
    ("week", QT_TRANSLATE_NOOP("ReviewWindow", "本周")),
    ("month", QT_TRANSLATE_NOOP("ReviewWindow", "本月")),
    ("custom", QT_TRANSLATE_NOOP("ReviewWindow", "自定义")),
)
ACKABLE = ("checklist", "checklist_items", "faults", "overtime")
EXPLAINABLE = ("checklist", "faults")
LEAD_ONLY = ("exports", "phrases", "purges")  # not in a clerk's "我的记录"
ALL = QT_TRANSLATE_NOOP("ReviewWindow", "全部")  # shown as self.tr(ALL)


class TableModel(QAbstractTableModel):
    """A review table a page at a time: the view asks for more (canFetchMore/fetchMore) as the lead scrolls, so
    opening a month shows its first screen without building its ~70,000 rows (reports.Table.page)."""

    def __init__(self, table: Table, page: int = PAGE) -> None:
        super().__init__()
        self.table, self.page = table, page
        self.total = len(table)  # a SQL count for a lazy table
        self.rows: list[tuple] = []
        self.targets: list[Any] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        rows, targets = self.table.page(len(self.rows), self.page)
        if not rows:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
        self.rows.extend(rows)
        self.targets.extend(targets)
        self.endInsertRows()

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            value = self.rows[index.row()][index.column()]
            return "" if value is None else str(value)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.table.columns[section].label
        return None


class PagedView(QTableView):
    """A table view whose model is attached when its tab is first shown: Qt asks a view's model for more as soon
    as the view is laid out, shown or not, and opening a month must not read the first page of all fourteen
    tables. Until then :meth:`model` answers with the model waiting to be attached (for code, not for Qt)."""

    def __init__(self, model: TableModel) -> None:
        super().__init__()
        self.pending: TableModel | None = model

    def model(self) -> Any:
        return self.pending if self.pending is not None else super().model()

    def attach(self) -> bool:
        """Attach the waiting model (True the first time)."""
        if self.pending is None:
            return False
        model, self.pending = self.pending, None
        self.setModel(model)
        return True


class ReviewWindow(QWidget):
    """Review for the lead (lead=True), or "我的记录" for one clerk (lead=False, clerk set)."""

    def __init__(
        self,
        desk: Desk,
        *,
        lead: bool = True,
        clerk: str | None = None,
        lead_id: str = "",
        today: date | None = None,
        parent: QWidget | None = None,
        source: Any = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.lead, self.own_clerk = desk, lead, clerk
        self.lead_id = lead_id  # the lead's 工号, recorded with every acknowledgement and export
        # what the review reads: this terminal (LocalSource) or the hall (assistant.hall.review.HallSource)
        self.source = source or LocalSource(desk.store, desk.scripts)
        self.today = today or desk.clock.now().date()
        self.report: Report | None = None
        self.setObjectName("reviewWindow")
        self.setWindowTitle(self.tr("值班长审阅") if lead else self.tr("我的记录"))
        self.resize(1340, 740)
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.preset = self._combo(
            "reviewPreset", self.tr("日期范围"), [self.tr(label) for _, label in PRESETS]
        )
        self.preset.setCurrentIndex(0)
        self.date_from = self._date("reviewFrom", self.tr("起始日期"))
        self.date_to = self._date("reviewTo", self.tr("截止日期"))
        self.window_box = self._combo("reviewWindowFilter", self.tr("窗口"), [self.tr(ALL)])
        self.clerk_box = self._combo("reviewClerkFilter", self.tr("工作证编号"), [self.tr(ALL)])
        self.role_box = self._combo("reviewRoleFilter", self.tr("岗位"), [self.tr(ALL), *ROLES])
        self.refresh_button = self._button("reviewRefresh", self.tr("刷新"), self.refresh)
        for label, widget in (
            (self.tr("范围"), self.preset),
            (self.tr("从"), self.date_from),
            (self.tr("到"), self.date_to),
            (self.tr("窗口"), self.window_box),
            (self.tr("人员"), self.clerk_box),
            (self.tr("岗位"), self.role_box),
        ):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        self.source_label = QLabel(self.tr("数据来源：") + self.source.label)
        self.source_label.setObjectName("reviewSource")
        self.source_label.setAccessibleName(self.tr("数据来源"))
        bar.addWidget(self.source_label)
        layout.addLayout(bar)
        # the holiday calendar runs out (or has): the lead is told, and why lateness on provisional days waits
        notice = calendar_notice(desk.scripts.hours, self.today)
        self.calendar_label = QLabel(notice or "")
        self.calendar_label.setObjectName("reviewCalendarNotice")
        self.calendar_label.setAccessibleName(self.tr("节假日文件提醒"))
        self.calendar_label.setWordWrap(True)
        self.calendar_label.setVisible(bool(notice))
        layout.addWidget(self.calendar_label)

        self.tabs = QTabWidget()
        self.tabs.currentChanged.connect(self._first_screen)
        self.tabs.setObjectName("reviewTabs")
        self.tabs.setAccessibleName(self.tr("审阅表格"))
        layout.addWidget(self.tabs, 1)
        self.views: dict[str, QTableView] = {}

        actions = QHBoxLayout()
        self.ack_button = self._button("reviewAcknowledge", self.tr("确认并批注…"), self._ack_clicked)
        self.explain_button = self._button("reviewExplain", self.tr("添加说明…"), self._explain_clicked)
        self.verify_button = self._button("reviewVerify", self.tr("校验记录"), self._verify_clicked)
        self.verify_label = QLabel("")
        self.verify_label.setObjectName("reviewVerifyResult")
        self.verify_label.setAccessibleName(self.tr("校验结果"))
        self.export_box = self._combo("reviewExportFormat", self.tr("导出格式"), ["xlsx", "csv", "pdf"])
        self.export_button = self._button("reviewExport", self.tr("导出…"), self._export_clicked)
        self.head_label = QLabel("")
        self.head_label.setObjectName("reviewChainHead")
        self.head_label.setAccessibleName(self.tr("链尾哈希"))
        self.head_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.ack_button, self.explain_button, self.verify_button, self.verify_label):
            actions.addWidget(w)
        actions.addStretch(1)
        for w in (self.head_label, self.export_box, self.export_button):
            actions.addWidget(w)
        layout.addLayout(actions)

        self.ack_button.setVisible(lead)
        self.export_box.setVisible(lead)
        self.export_button.setVisible(lead)
        self.explain_button.setVisible(not lead)
        if not lead:
            self.clerk_box.clear()
            self.clerk_box.addItem(clerk or "")
            self.clerk_box.setEnabled(False)

        self._apply_preset(0)
        self.preset.currentIndexChanged.connect(self._apply_preset)
        self.refresh()

    # -- building

    def _combo(self, name: str, accessible: str, items: list[str]) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        box.setAccessibleName(accessible)
        box.addItems(items)
        return box

    def _date(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _button(self, name: str, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        return button

    def _apply_preset(self, index: int) -> None:
        key = PRESETS[index][0]
        custom = key == "custom"
        self.date_from.setEnabled(custom)
        self.date_to.setEnabled(custom)
        if not custom:
            start, end = preset_range(key, self.today)
            self.date_from.setDate(QDate(start.year, start.month, start.day))
            self.date_to.setDate(QDate(end.year, end.month, end.day))
            if self.report is not None:
                self.refresh()

    def current_filter(self) -> ReportFilter:
        def pick(box: QComboBox) -> str | None:
            text = box.currentText()
            return None if text in (self.tr(ALL), "") else text

        start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
        clerk = self.own_clerk if not self.lead else pick(self.clerk_box)
        return ReportFilter(start, end, pick(self.window_box), clerk, pick(self.role_box), today=self.today)

    def refresh(self) -> None:
        current = self.tabs.currentIndex()
        self.report = self.source.report(self.current_filter())
        self.source_label.setText(self.tr("数据来源：") + self.source.label)
        self._fill_filter(self.window_box, self.report.windows)
        if self.lead:
            self._fill_filter(self.clerk_box, self.report.clerks)
        old = [self.tabs.widget(i) for i in range(self.tabs.count())]
        self.tabs.clear()  # (removes the pages without deleting them: they go below, with their models)
        for page in old:
            page.deleteLater()
        self.views.clear()
        for key, table in self.report.tables.items():
            if not self.lead and key in LEAD_ONLY:
                continue
            model = TableModel(table)
            view = PagedView(model)
            view.setObjectName(f"reviewTable_{key}")
            view.setAccessibleName(table.title)
            view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
            view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
            view.setAlternatingRowColors(True)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            view.horizontalHeader().setResizeContentsPrecision(
                PAGE // 8
            )  # fit the first screen, not every row
            self.views[key] = view
            self.tabs.addTab(view, f"{table.title}（{model.total}）")
        self.tabs.addTab(self._charts(), self.tr("图表"))
        if 0 <= current < self.tabs.count():
            self.tabs.setCurrentIndex(current)
        self._first_screen(self.tabs.currentIndex())
        if self.source.hall:
            self.head_label.setText(chain_line(self.report, 16))
        else:
            self.head_label.setText(
                self.tr("链尾 #{0} {1}…").format(self.report.head_id, self.report.head_hash[:16])
            )
        self.head_label.setToolTip(self.report.head_hash)

    def _first_screen(self, index: int) -> None:
        """The first page of a table when its tab is first shown (the next pages come as the lead scrolls)."""
        view = self.tabs.widget(index)
        if not isinstance(view, PagedView) or not view.attach():
            return
        model = view.model()
        if not model.rows and model.canFetchMore():
            model.fetchMore()
        view.resizeColumnsToContents()

    def _fill_filter(self, box: QComboBox, values: tuple[str, ...]) -> None:
        chosen = box.currentText()
        box.blockSignals(True)
        box.clear()
        box.addItems([self.tr(ALL), *values])
        box.setCurrentText(chosen if chosen in values else self.tr(ALL))
        box.blockSignals(False)

    def _charts(self) -> QWidget:
        page = QWidget()
        page.setObjectName("reviewCharts")
        grid = QGridLayout(page)
        assert self.report is not None
        for i, (key, title) in enumerate(CHART_TITLES.items()):
            series_data = self.report.charts.get(key, [])[:24]
            chart = QChart()
            chart.setTitle(title)
            chart.legend().hide()
            bars = QBarSet(title)
            bars.append([float(v) for _, v in series_data])
            series = QBarSeries()
            series.append(bars)
            chart.addSeries(series)
            axis_x = QBarCategoryAxis()
            axis_x.append([str(label)[-8:] for label, _ in series_data] or [""])
            axis_y = QValueAxis()
            top, steps = value_axis(
                max((v for _, v in series_data), default=0), percent=key not in COUNT_CHARTS
            )
            axis_y.setRange(0, top)
            axis_y.setTickCount(steps + 1)  # round numbers: whole ones for counts
            axis_y.setLabelFormat("%d")
            chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
            series.attachAxis(axis_x)
            series.attachAxis(axis_y)
            view = QChartView(chart)
            view.setObjectName(f"reviewChart_{key}")
            view.setAccessibleName(title)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            grid.addWidget(view, i // 2, i % 2)
        return page

    # -- actions

    def current_table_key(self) -> str | None:
        widget = self.tabs.currentWidget()
        return next((k for k, v in self.views.items() if v is widget), None)

    def selected_target(self) -> Any:
        key = self.current_table_key()
        if key is None or self.report is None:
            return None
        view = self.views[key]
        if view.selectionModel() is None:  # a tab not shown yet
            return None
        rows = view.selectionModel().selectedRows()
        if not rows:
            return None
        model = view.model()
        assert isinstance(model, TableModel)
        return model.targets[rows[0].row()]

    def acknowledge(self, target: Any, comment: str) -> str | None:
        """Record the lead's acknowledgement; None when recorded, else the refusal's reason."""
        outcome = self.desk.execute(*self.source.ack_command(target, comment, self.lead_id or "值班长"))
        if not outcome.accepted:
            return outcome.refusal.reason
        self.refresh()
        return None

    def add_explanation(self, target: int, text: str) -> str | None:
        outcome = self.desk.execute("explain", {"target": target, "text": text, "by": self.own_clerk or ""})
        if not outcome.accepted:
            return outcome.refusal.reason
        self.refresh()
        return None

    def _ask_text(self, title: str, allowed: tuple[str, ...]) -> tuple[int, str] | None:
        key, target = self.current_table_key(), self.selected_target()
        if key not in allowed or target is None:
            QMessageBox.information(self, title, self.tr("请先在“班前检查”“设备故障”等表中选中一条记录。"))
            return None
        shown = f"{target['terminal']} #{target['target']}" if isinstance(target, dict) else str(target)
        text, ok = QInputDialog.getText(
            self, title, self.tr("记录 #%1：").replace("%1", shown), QLineEdit.EchoMode.Normal
        )
        return (target, text) if ok else None

    def _ack_clicked(self) -> None:
        got = self._ask_text(self.tr("确认并批注"), ACKABLE)
        if got and (reason := self.acknowledge(*got)):
            QMessageBox.warning(self, self.tr("未记录"), reason)

    def _explain_clicked(self) -> None:
        got = self._ask_text(self.tr("添加说明"), EXPLAINABLE)
        if got and (reason := self.add_explanation(*got)):
            QMessageBox.warning(self, self.tr("未记录"), reason)

    def verify(self, keys: tuple = (), anchors: tuple = ()) -> str:
        """Check the records (the hash chain; with the lead's verification keys the seals; with kept anchors
        the tail) and show the verdict; returns its text."""
        ok, text = self.source.verify_text(keys, anchors)
        if ok:
            text = self.tr("完整") + text.removeprefix("完整")
            self.verify_label.setStyleSheet("color: #1a7f37; font-weight: bold;")
        else:
            self.verify_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.verify_label.setText(text)
        self.verify_label.setToolTip(text)
        return text

    def _verify_clicked(self) -> None:
        dialog = VerifyDialog(self, self.desk.store.path)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        got = dialog.values()
        if isinstance(got, str):
            QMessageBox.warning(self, self.tr("校验记录"), got)
            return
        self.verify(*got)

    def export_to(self, fmt: str, path: Path, masked: bool = True) -> Any:
        from ui.review.pdf_report import write_pdf

        progress = QProgressDialog(self.tr("正在导出…"), self.tr("取消"), 0, 100, self)
        progress.setObjectName("reviewExportProgress")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)

        def step(done: int, total: int) -> bool:
            progress.setValue(int(100 * done / max(total, 1)))
            QApplication.processEvents()
            return not progress.wasCanceled()

        try:
            flt = self.current_filter()
            return export(
                self.desk,
                flt,
                fmt,
                Path(path),
                masked=masked,
                by=self.lead_id or "值班长",
                progress=step,
                pdf_writer=write_pdf,
                report=self.source.report(flt) if self.source.hall else None,
            )
        finally:
            progress.close()

    def _export_clicked(self) -> None:
        fmt = self.export_box.currentText()
        db = self.desk.store.path
        if fmt == "csv":
            path = choose_folder(self, self.tr("选择导出文件夹"), db)
        else:
            path = save_file(self, self.tr("导出到"), f"审阅报表.{fmt}", f"*.{fmt}", db)
        if not path:
            return
        try:
            result = self.export_to(fmt, Path(path))
        except (ExportCancelled, ExportError) as exc:
            QMessageBox.warning(self, self.tr("导出"), str(exc))
            return
        self.refresh()
        QMessageBox.information(
            self, self.tr("导出"), self.tr("已导出 {0} 行到 {1}。").format(result.rows, result.path)
        )


class VerifyDialog(QDialog):
    """What 校验记录 checks besides the hash chain: the lead's verification key file (seals) and a kept anchor
    (链尾 ID:HASH from an export or an earlier review): both optional."""

    def __init__(self, parent: QWidget | None, db: Path) -> None:
        super().__init__(parent)
        self.db = db
        self.setObjectName("verifyDialog")
        self.setWindowTitle(self.tr("校验记录"))
        form = QFormLayout(self)
        note = QLabel(
            self.tr(
                "只校验哈希链时，持有数据文件的人可以改写记录后重算整条链。"
                "请选择值班长保管的校验密钥文件（检查封印），和/或填入此前记下的链尾（发现被截去的记录）。"
            )
        )
        note.setWordWrap(True)
        form.addRow(note)
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("verifyKeyFile")
        self.key_edit.setAccessibleName(self.tr("校验密钥文件"))
        browse = QPushButton(self.tr("选择…"))
        browse.setObjectName("verifyKeyBrowse")
        browse.setAccessibleName(self.tr("选择校验密钥文件"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(browse)
        form.addRow(self.tr("校验密钥文件"), row)
        self.anchor_edit = QLineEdit()
        self.anchor_edit.setObjectName("verifyAnchor")
        self.anchor_edit.setAccessibleName(self.tr("链尾锚点"))
        self.anchor_edit.setPlaceholderText(self.tr("事件编号:哈希，如 120:3fa4…"))
        form.addRow(self.tr("链尾锚点"), self.anchor_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path = open_file(self, self.tr("校验密钥文件"), self.db)
        if path:
            self.key_edit.setText(str(path))

    def values(self) -> tuple[tuple, tuple] | str:
        """(keys, anchors) to check, or why not (Chinese)."""
        from assistant.store.sealing import SealError, read_key_file

        keys: tuple = ()
        anchors: tuple = ()
        if self.key_edit.text().strip():
            try:
                keys = (read_key_file(Path(self.key_edit.text().strip())),)
            except SealError as exc:
                return str(exc)
        text = self.anchor_edit.text().strip()
        if text:
            number, _, digest = text.partition(":")
            digest = digest.strip().lower()
            if not number.strip().isdigit() or len(digest) != 64:
                return self.tr("链尾锚点应为“事件编号:64 位哈希”。")
            anchors = ((int(number), digest),)
        return keys, anchors


class LeadPinDialog(QDialog):
    """The lead's 工号 and PIN."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("leadPinDialog")
        self.setWindowTitle(QCoreApplication.translate("ReviewWindow", "值班长审阅"))
        form = QFormLayout(self)
        self.lead_edit = QLineEdit()
        self.lead_edit.setObjectName("leadId")
        self.lead_edit.setAccessibleName(QCoreApplication.translate("ReviewWindow", "值班长工号"))
        self.pin_edit = QLineEdit()
        self.pin_edit.setObjectName("leadPin")
        self.pin_edit.setAccessibleName(QCoreApplication.translate("ReviewWindow", "值班长 PIN"))
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(QCoreApplication.translate("ReviewWindow", "值班长工号："), self.lead_edit)
        form.addRow(QCoreApplication.translate("ReviewWindow", "值班长 PIN："), self.pin_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


def ask_lead_pin(parent: QWidget | None, pin: LeadPin) -> str | None:
    """The PIN gate: says how to set a PIN when none exists; the lead's 工号 when the right PIN was given."""
    title = QCoreApplication.translate("ReviewWindow", "值班长审阅")
    if not pin.is_set():
        QMessageBox.information(parent, title, HOW_TO_SET)
        return None
    for line in resets_text(pin.store):
        QMessageBox.warning(parent, title, line + "。")
    while True:
        dialog = LeadPinDialog(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        lead = dialog.lead_edit.text().strip()
        if not lead or len(lead) > 20:
            QMessageBox.warning(
                parent, title, QCoreApplication.translate("ReviewWindow", "请填写值班长工号（1–20 个字符）。")
            )
            continue
        result = pin.check(dialog.pin_edit.text(), lead)
        if result.ok:
            if result.warning:
                QMessageBox.warning(parent, title, result.warning)
            return lead
        QMessageBox.warning(parent, title, result.message)


def ask_hall_login(shown_url: str, user: str | None) -> tuple[str, str] | None:
    """The lead's own hall login, asked in dialogs (assistant.hall.config.Login); used once, never stored."""
    title = QCoreApplication.translate("ReviewWindow", "登录大厅数据库")
    if not user:
        user, ok = QInputDialog.getText(
            None, title, QCoreApplication.translate("ReviewWindow", "值班长的大厅数据库用户名：")
        )
        if not ok or not user.strip():
            return None
        user = user.strip()
    password, ok = QInputDialog.getText(
        None,
        title,
        QCoreApplication.translate("ReviewWindow", "用户 %1 的密码：").replace("%1", user),
        QLineEdit.EchoMode.Password,
    )
    return (user, password) if ok else None


def run_review(args: argparse.Namespace) -> int:
    from assistant.config import paths
    from assistant.config.scripts import load_scripts
    from assistant.edges.clock import SystemClock
    from assistant.store.event_log import EventStore, StoreError
    from ui.application import install_translation, make_application

    app = make_application()
    install_translation(app, getattr(args, "lang", "zh"))
    try:
        store = EventStore.open(args.db or paths.default_db_path(), create=False)
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    lead = ask_lead_pin(None, LeadPin(store, paths.data_dir(), args.scripts))
    if lead is None:
        store.close()
        return 1
    from assistant.hall.config import HallError
    from assistant.hall.review import open_source

    scripts = load_scripts(args.scripts)
    try:  # --hall / settings / WA_HALL: every terminal in the hall; --local or none: this terminal
        source = open_source(args, store, scripts, ask_hall_login)
    except HallError as exc:
        store.close()
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    window = ReviewWindow(Desk(store, scripts, SystemClock()), source=source, lead_id=lead)
    window.show()
    try:
        return app.exec()
    finally:
        source.close()
        store.close()
