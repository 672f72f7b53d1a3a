"""The checklist dialog and the closing banner offscreen: ticks and submit become events; the banner follows the clock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from assistant.domain import shift
from tests.conftest import CST
from ui.dialogs.checklist import ChecklistDialog
from ui.sidebar.closing_banner import ClosingBanner


def signed_in(desk):
    assert desk.execute("sign_in", {"clerk": "A0123", "window": "社保3号窗口"}).accepted
    return desk


def test_each_item_is_ticked_on_its_own_and_there_is_no_all_pass(qtbot, desk):
    dialog = ChecklistDialog(signed_in(desk))
    qtbot.addWidget(dialog)
    texts = [b.text() for b in dialog.findChildren(QPushButton)]
    assert not any("全部" in t for t in texts)
    assert "08:55" in dialog.deadline.text()
    assert not dialog.submit_button.isEnabled()
    items = [i.id for i in desk.scripts.checklist.items]
    for item in items[:-1]:
        qtbot.mouseClick(dialog.ok_buttons[item], Qt.LeftButton)
    assert not dialog.submit_button.isEnabled()  # one left
    qtbot.mouseClick(dialog.fault_buttons[items[-1]], Qt.LeftButton)
    assert dialog.notes[items[-1]].isEnabled() and "不合格说明" in dialog.message.text()  # an appearance item
    assert items[-1] not in desk.state.checklist  # no note yet: nothing recorded
    dialog.notes[items[-1]].setText("有异味")
    dialog.notes[items[-1]].editingFinished.emit()
    assert desk.state.checklist[items[-1]] is False
    assert dialog.submit_button.isEnabled()
    with qtbot.waitSignal(dialog.submitted):
        qtbot.mouseClick(dialog.submit_button, Qt.LeftButton)
    (run,) = shift.checklist_runs(desk.store.events())
    assert run["failed"] == [items[-1]] and run["late"] is False
    ticks = [e for e in desk.store.events() if e.kind == "checklist_item"]
    assert len(ticks) == len(items)


def test_every_control_is_named_for_screen_readers(qtbot, desk):
    dialog = ChecklistDialog(signed_in(desk))
    qtbot.addWidget(dialog)
    for button in dialog.findChildren(QPushButton):
        assert button.objectName() and button.accessibleName()
    for item in desk.scripts.checklist.items:
        failing = (
            "故障" if item.section == "equipment" else "不合格"
        )  # a fault to repair, or a note (rules 41–47)
        assert (
            dialog.notes[item.id].objectName() and f"{failing}说明" in dialog.notes[item.id].accessibleName()
        )
        assert (item.id in dialog.na_buttons) == item.may_not_apply


def test_refresh_shows_ticks_recorded_elsewhere_and_lateness(qtbot, desk, clock):
    dialog = ChecklistDialog(signed_in(desk))
    qtbot.addWidget(dialog)
    desk.execute("checklist_item", {"item": "printer", "ok": False, "note": "卡纸"})
    clock.set(datetime(2026, 11, 26, 8, 57, tzinfo=CST))
    dialog.refresh()
    assert dialog.fault_buttons["printer"].isChecked() and dialog.notes["printer"].text() == "卡纸"
    assert "已超过 2 分钟" in dialog.deadline.text()


def test_banner_hidden_then_near_closing_then_overtime(qtbot, desk, clock):
    signed_in(desk)
    desk.execute("checklist_submit")
    banner = ClosingBanner(desk)
    qtbot.addWidget(banner)
    assert banner.isHidden() and banner.status is None
    clock.set(datetime(2026, 11, 26, 16, 52, tzinfo=CST))
    desk.execute("waiting_set", {"count": 2})
    banner.refresh()
    assert (
        banner.isVisible() and "还有 8 分钟" in banner.headline.text() and "等候 2 人" in banner.detail.text()
    )
    desk.execute("interaction_start")
    clock.set(datetime(2026, 11, 26, 17, 0, tzinfo=CST))
    with qtbot.waitSignal(banner.changed):
        banner.refresh()
    assert banner.headline.text() == "延时服务中" and "已延时服务 1 人" in banner.detail.text()
    desk.execute("interaction_end")
    desk.execute("waiting_set", {"count": 0})
    clock.set(datetime(2026, 11, 26, 17, 9, tzinfo=CST))
    assert desk.execute("close_request").accepted
    banner.refresh()
    assert banner.isHidden()


def test_not_applicable_is_offered_where_it_may_be(qtbot, desk):
    dialog = ChecklistDialog(signed_in(desk))
    qtbot.addWidget(dialog)
    assert set(dialog.na_buttons) >= {"party_badge", "suit", "beard"} and "printer" not in dialog.na_buttons
    qtbot.mouseClick(dialog.na_buttons["party_badge"], Qt.LeftButton)
    assert desk.state.checklist["party_badge"] is None and dialog.na_buttons["party_badge"].isChecked()
    assert "已检查 1 /" in dialog.progress.text()
