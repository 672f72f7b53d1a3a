"""The review window offscreen: tables, filters, verify, acknowledge, clerk mode, export."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date

import openpyxl

from assistant.desk import Desk
from assistant.store.event_log import EventStore
from tests.conftest import ready_desk
from ui.review.window import ReviewWindow


def test_tables_verify_and_acknowledge(qtbot, desk):
    ready_desk(desk)
    window = ReviewWindow(desk, today=date(2026, 11, 26))
    qtbot.addWidget(window)
    assert window.objectName() == "reviewWindow"
    assert set(window.views) >= {"checklist", "faults", "overtime", "interactions", "follow_ups"}
    assert window.tabs.tabText(0).startswith("班前检查（1）")
    assert window.verify().startswith("完整")
    view = window.views["checklist"]
    window.tabs.setCurrentWidget(view)
    view.selectRow(0)
    target = window.selected_target()
    assert target is not None
    assert window.acknowledge(target, "迟交原因已核实") is None
    assert window.report.tables["checklist"].dicts()[0]["lead_comment"] == "迟交原因已核实"
    assert window.acknowledge(target, "") is not None
    for w in (window.ack_button, window.verify_button, window.export_button, window.preset):
        assert w.accessibleName()


def test_verify_shows_the_first_broken_record(qtbot, desk, store, tmp_path):
    ready_desk(desk)
    copy = tmp_path / "copy.db"
    store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    shutil.copy(store.path, copy)
    conn = sqlite3.connect(copy)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET at = replace(at, '08:40', '08:41') WHERE id = 3")
    conn.commit()
    conn.close()
    with EventStore.open(copy) as tampered:
        window = ReviewWindow(Desk(tampered, desk.scripts, desk.clock), today=date(2026, 11, 26))
        qtbot.addWidget(window)
        assert "#3" in window.verify()


def test_clerk_mode_is_own_records_with_explanations(qtbot, desk):
    ready_desk(desk)
    window = ReviewWindow(desk, lead=False, clerk="someone-else", today=date(2026, 11, 26))
    qtbot.addWidget(window)
    assert not window.ack_button.isVisibleTo(window) and window.explain_button.isVisibleTo(window)
    assert len(window.report.tables["checklist"].rows) == 0
    mine = ReviewWindow(desk, lead=False, clerk="A0123", today=date(2026, 11, 26))
    qtbot.addWidget(mine)
    target = mine.report.tables["checklist"].targets[0]
    assert mine.add_explanation(target, "路上堵车") is None
    assert mine.report.tables["checklist"].dicts()[0]["explanation"] == "路上堵车"


def test_export_from_the_window(qtbot, desk, tmp_path):
    ready_desk(desk)
    window = ReviewWindow(desk, today=date(2026, 11, 26))
    qtbot.addWidget(window)
    result = window.export_to("xlsx", tmp_path / "r.xlsx")
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "说明"
    assert result.masked
    pdf = window.export_to("pdf", tmp_path / "r.pdf")
    assert pdf.files[0].read_bytes().startswith(b"%PDF")


def test_tables_are_read_a_page_at_a_time(qtbot, store, scripts, clock):
    """Tab titles show counts; a table's first page is read when its tab is first shown, the next as the lead
    scrolls (fetchMore); the rows shown are the table's rows."""
    from assistant.cli.demo import fill_demo
    from assistant.reports.build import build_report
    from assistant.reports.model import PAGE

    end = date(2026, 11, 25)
    fill_demo(store, scripts, days=4, windows=3, end=end, seed=2)
    window = ReviewWindow(Desk(store, scripts, clock), today=end)
    qtbot.addWidget(window)
    window.preset.setCurrentIndex(2)  # 本月
    whole = build_report(store, scripts, window.current_filter(), lazy=False).tables["interactions"]
    assert len(whole.rows) > PAGE
    view = window.views["interactions"]
    index = window.tabs.indexOf(view)
    assert window.tabs.tabText(index) == f"服务记录（{len(whole.rows)}）"
    assert view.pending is not None and view.model().rowCount() == 0  # not shown: nothing read
    window.tabs.setCurrentIndex(index)
    model = view.model()
    assert view.pending is None and model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    while model.canFetchMore():
        model.fetchMore()
    assert model.rows == whole.rows and model.targets == whole.targets
    view.selectRow(len(whole.rows) - 1)
    assert window.selected_target() == whole.targets[-1]
