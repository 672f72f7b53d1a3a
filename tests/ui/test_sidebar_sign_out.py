"""Signing out before closing time (rule 8): refused, unless the clerk gives a reason, which the lead sees."""

from __future__ import annotations

from datetime import datetime

from assistant.domain.rules import SIGN_OUT_REASONS
from tests.conftest import CST, ready_desk
from ui.sidebar.window import Sidebar


def test_an_early_sign_out_asks_for_a_reason_and_records_it(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = Sidebar(desk)
    qtbot.addWidget(sidebar)
    sidebar.show()
    clock.set(datetime(2026, 11, 26, 10, 30, tzinfo=CST))
    asked = []

    def asker(title, fields, note):
        asked.append((title, fields, note))
        return {"reason": "请假"}

    sidebar.asker = asker
    sidebar.on_signin_clicked()
    ((title, fields, note),) = asked
    assert fields[0].options == SIGN_OUT_REASONS and "12:00" in note and "第 8 条" in note
    assert desk.state.clerk is None
    assert [e.payload["reason"] for e in desk.store.events() if e.kind == "early_departure"] == ["请假"]


def test_cancelling_the_reason_keeps_the_clerk_signed_in(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = Sidebar(desk)
    qtbot.addWidget(sidebar)
    clock.set(datetime(2026, 11, 26, 10, 30, tzinfo=CST))
    sidebar.asker = lambda title, fields, note: None
    sidebar.on_signin_clicked()
    assert desk.state.clerk == "A0123"


def test_after_closing_time_no_reason_is_asked(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = Sidebar(desk)
    qtbot.addWidget(sidebar)
    clock.set(datetime(2026, 11, 26, 17, 1, tzinfo=CST))
    sidebar.asker = lambda title, fields, note: (_ for _ in ()).throw(AssertionError("asked"))
    sidebar.on_signin_clicked()
    assert desk.state.clerk is None
