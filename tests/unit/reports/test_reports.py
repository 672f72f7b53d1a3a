"""The review's tables, built from events recorded through the desk."""

from __future__ import annotations

from datetime import date, datetime

from assistant.reports.build import build_report, preset_range
from assistant.reports.model import SPECS, ReportFilter
from tests.conftest import CST, ready_desk

DAY = date(2026, 11, 26)


def _flt(**kw):
    return ReportFilter(DAY, DAY, today=DAY, **kw)


def _serve(desk, clock, person=None):
    clock.advance(minutes=1)
    assert desk.execute("interaction_start", {"person": person} if person else {}).accepted
    clock.advance(seconds=30)
    assert desk.execute("step", {"step": "wen"}).accepted
    clock.advance(seconds=45)
    assert desk.execute("matter", {"title": "社保转移", "outcome": "办结"}).accepted
    assert desk.execute("interaction_end").accepted


def test_every_table_has_stable_columns_even_when_empty(store, scripts):
    report = build_report(store, scripts, _flt())
    assert list(report.tables) == list(SPECS)
    assert report.tables["checklist"].keys[:3] == ("event_id", "date", "clerk")
    assert all(len(t.rows) == 0 for t in report.tables.values())
    assert report.head_id == 0


def test_checklist_run_interactions_and_pauses(desk, clock, store, scripts):
    ready_desk(desk)
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=CST))
    _serve(desk, clock, person={"phone": "13812341234"})
    assert desk.execute("pause", {"reason": "系统升级"}).accepted
    clock.advance(minutes=7)
    assert desk.execute("resume").accepted
    report = build_report(store, scripts, _flt())
    run = report.tables["checklist"].dicts()[0]
    assert (run["clerk"], run["window"], run["on_time"], run["late_minutes"]) == (
        "A0123",
        "社保3号窗口",
        "是",
        0,
    )
    assert len(report.tables["checklist_items"].rows) == len(scripts.checklist.items)
    served = report.tables["interactions"].dicts()[0]
    assert served["seconds"] == 75 and served["outcomes"] == "办结" and served["phone"] == "13812341234"
    assert "迎 30s" in served["steps"]
    pause = report.tables["pauses"].dicts()[0]
    assert (pause["reason"], pause["minutes"]) == ("系统升级", 7)
    assert report.charts["served_per_hour"] == [("09:00", 1)]
    assert report.head_id == store.last_id()


def test_filters_by_clerk_window_role_and_date(desk, clock, store, scripts):
    ready_desk(desk)
    assert len(build_report(store, scripts, _flt(clerk="A0123")).tables["checklist"].rows) == 1
    assert len(build_report(store, scripts, _flt(clerk="B9")).tables["checklist"].rows) == 0
    assert len(build_report(store, scripts, _flt(window="别的窗口")).tables["checklist"].rows) == 0
    assert len(build_report(store, scripts, _flt(role="审批人员")).tables["checklist"].rows) == 0
    next_day = ReportFilter(date(2026, 11, 27), date(2026, 11, 27))
    assert len(build_report(store, scripts, next_day).tables["checklist"].rows) == 0


def test_failed_item_is_a_fault_and_ack_shows_beside_it(desk, clock, store, scripts):
    assert desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"}).accepted
    for item in scripts.checklist.items:
        ok = item.id != "printer"
        assert desk.execute(
            "checklist_item", {"item": item.id, "ok": ok, "note": "" if ok else "卡纸"}
        ).accepted
    assert desk.execute("checklist_submit").accepted
    faults = build_report(store, scripts, _flt()).tables["faults"]
    assert faults.dicts()[0]["note"] == "卡纸"
    target = faults.targets[0]
    assert desk.execute("review_ack", {"target": target, "comment": "已通知信息科"}).accepted
    assert desk.execute("explain", {"target": target, "text": "打印机老旧"}).accepted
    report = build_report(store, scripts, _flt())
    row = report.tables["faults"].dicts()[0]
    assert (row["lead_comment"], row["explanation"]) == ("已通知信息科", "打印机老旧")
    assert [n["type"] for n in report.tables["notes"].dicts()] == ["值班长批注", "本人说明"]
    assert report.charts["failures_by_item"][0][1] == 1


def test_ack_needs_a_comment_and_a_target(desk):
    assert desk.execute("review_ack", {"target": 1, "comment": " "}).refusal.code == "comment_required"
    assert desk.execute("review_ack", {"comment": "好"}).refusal.code == "bad_target"


def test_follow_ups_overdue_first_with_working_days(desk, clock, store, scripts):
    ready_desk(desk)
    assert desk.execute("follow_up", {"topic": "医保政策", "due": "2026-12-04"}).accepted
    assert desk.execute("follow_up", {"topic": "公积金", "due": "2026-11-26"}).accepted
    later = ReportFilter(DAY, date(2026, 11, 30), today=date(2026, 11, 30))
    rows = build_report(store, scripts, later).tables["follow_ups"].dicts()
    assert [r["topic"] for r in rows] == ["公积金", "医保政策"]
    assert rows[0]["overdue"] == "是" and rows[0]["working_days_left"] < 0
    assert rows[1]["working_days_left"] == 4


def test_presets():
    assert preset_range("week", DAY) == (date(2026, 11, 23), DAY)
    assert preset_range("month", DAY) == (date(2026, 11, 1), DAY)
