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


def test_verify_offers_the_key_and_an_anchor(qtbot, desk, tmp_path):
    """校验记录: with the lead's key file the seals are checked, with a kept anchor the tail; the acknowledgement
    carries the lead's 工号."""
    from assistant.store import sealing
    from ui.review.window import VerifyDialog

    k0 = sealing.new_key()
    init = desk.store.start_sealing(
        k0, {"fingerprint": sealing.fingerprint(k0), "lead": "L001"}, desk.clock.now()
    )
    ready_desk(desk)
    key_file = tmp_path / "usb" / "key.json"
    key_file.parent.mkdir()
    sealing.write_key_file(key_file, sealing.VerificationKey(k0, init.id, init.hash), str(desk.store.path))
    window = ReviewWindow(desk, lead_id="L001", today=date(2026, 11, 26))
    qtbot.addWidget(window)
    plain = window.verify()
    assert plain.startswith("完整") and "未用校验密钥" in plain

    dialog = VerifyDialog(window, desk.store.path)
    qtbot.addWidget(dialog)
    assert dialog.key_edit.accessibleName() and dialog.anchor_edit.accessibleName()
    dialog.key_edit.setText(str(key_file))
    head = desk.store.last_id()
    dialog.anchor_edit.setText(f"{head}:{'0' * 64}")  # an anchor this log never had
    keys, anchors = dialog.values()
    assert f"#{head}" in window.verify(keys, anchors)
    dialog.anchor_edit.setText(f"{init.id}:{init.hash}")
    assert window.verify(*dialog.values()).startswith("完整")
    dialog.key_edit.setText(str(tmp_path / "missing.json"))
    assert "无法读取" in dialog.values()

    view = window.views["checklist"]
    window.tabs.setCurrentWidget(view)
    view.selectRow(0)
    assert window.acknowledge(window.selected_target(), "已核实") is None
    acks = [e.payload for e in desk.store.events() if e.kind == "review_ack"]
    assert acks[-1]["by"] == "L001"


def test_the_pin_dialog_asks_for_the_leads_id(qtbot):
    from ui.review.window import LeadPinDialog

    dialog = LeadPinDialog(None)
    qtbot.addWidget(dialog)
    assert dialog.lead_edit.accessibleName() == "值班长工号"
    assert dialog.pin_edit.echoMode() == dialog.pin_edit.EchoMode.Password
