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


def test_early_departures_and_pauses_in_overtime_are_shown_to_the_lead(desk, clock, store, scripts):
    """Rule 8: a sign-out before closing time with a reason is its own row; rule 40: a pause in overtime says so."""
    ready_desk(desk)
    clock.set(datetime(2026, 11, 26, 16, 58, tzinfo=CST))
    assert desk.execute("interaction_start").accepted
    assert desk.execute("waiting_set", {"count": 2}).accepted
    clock.set(datetime(2026, 11, 26, 17, 5, tzinfo=CST))
    assert desk.execute("interaction_end").accepted
    assert desk.execute("pause", {"reason": "系统故障"}).accepted  # accepted with two waiting after closing
    clock.advance(minutes=3)
    assert desk.execute("resume").accepted
    assert desk.execute("waiting_set", {"count": 0}).accepted
    report = build_report(store, scripts, _flt())
    pause = report.tables["pauses"].dicts()[0]
    assert (pause["reason"], pause["overtime"], pause["waiting"]) == ("系统故障", "是", 2)
    (overtime,) = report.tables["overtime"].dicts()
    assert (overtime["start"], overtime["end"], overtime["served"]) == (
        "2026-11-26 17:00:00",
        "2026-11-26 17:08:00",
        1,
    )


def test_a_sign_out_with_a_reason_before_closing_is_an_early_departure_row(desk, clock, store, scripts):
    ready_desk(desk)
    clock.set(datetime(2026, 11, 26, 10, 30, tzinfo=CST))
    assert desk.execute("sign_out").refusal.code == "before_closing_time"
    assert desk.execute("waiting_set", {"count": 1}).accepted
    assert desk.execute("sign_out", {"reason": "请假"}).refusal.code == "people_waiting"
    assert desk.execute(
        "sign_out", {"reason": "交接班"}
    ).accepted  # a hand-over leaves the waiting to the next
    report = build_report(store, scripts, _flt())
    (row,) = report.tables["departures"].dicts()
    assert (row["clerk"], row["reason"], row["closing"], row["waiting"]) == (
        "A0123",
        "交接班",
        "2026-11-26 12:00:00",
        1,
    )
    assert row["at"] == "2026-11-26 10:30:00"


def test_lateness_on_a_provisional_day_is_recorded_but_not_counted_until_a_file_covers_it(
    store, clock, tmp_path
):
    from assistant.config.scripts import load_scripts
    from assistant.desk import Desk

    day = date(2027, 1, 4)  # a Monday past calendar-2026.toml
    desk = Desk(store, load_scripts(), clock)
    clock.set(datetime(2027, 1, 4, 9, 20, tzinfo=CST))
    outcome = ready_desk(desk)
    signed = [e for e in store.events() if e.kind in ("sign_in", "late_arrival", "checklist_submit")]
    assert all(e.payload.get("provisional") is True for e in signed) and len(signed) == 3
    flt = ReportFilter(day, day, today=day)
    report = build_report(store, desk.scripts, flt)
    (run,) = report.tables["checklist"].dicts()
    assert (run["on_time"], run["provisional"]) == ("否", "是")
    assert report.charts["on_time_by_day"] == []  # not counted while provisional
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "calendar-2027.toml").write_text("schema = 1\nyear = 2027\n", encoding="utf-8")
    covered = build_report(store, load_scripts(hall), flt)
    assert covered.tables["checklist"].dicts()[0]["provisional"] == "否"
    assert covered.charts["on_time_by_day"] == [("2027-01-04", 0.0)]
    assert outcome is desk


def test_home_service_requests_with_due_date_and_status_in_the_review_and_exports(
    desk, clock, store, scripts, tmp_path
):
    """Rule 25: a home-service request has a due date and a status; the lead sees both, and so does an export."""
    from assistant.reports.exporting import export

    ready_desk(desk)
    assert desk.execute("home_service", {"need": "养老认证"}).refusal.code == "due_required"
    assert desk.execute("home_service", {"need": "养老认证", "due": "2026-11-25"}).refusal.code == "due_past"
    first = desk.execute(
        "home_service",
        {"need": "养老认证", "due": "2026-11-30", "person": {"phone": "13812345678", "address": "幸福路1号"}},
    )
    assert first.events[0].payload == {
        "home_service": 1,
        "need": "养老认证",
        "due": "2026-11-30",
        "status": "待上门",
        "person_id": 1,
    }
    assert desk.execute("home_service", {"need": "残疾证办理", "due": "2026-11-26"}).accepted
    assert (
        desk.execute("home_service_update", {"home_service": 3, "status": "已上门"}).refusal.code
        == "unknown_home_service"
    )
    assert (
        desk.execute("home_service_update", {"home_service": 1, "status": "搞定"}).refusal.code == "bad_value"
    )
    clock.advance(hours=3)
    assert desk.execute("home_service_update", {"home_service": 1, "status": "已上门"}).accepted
    report = build_report(store, scripts, ReportFilter(DAY, DAY, today=date(2026, 11, 27)))
    rows = report.tables["home_services"].dicts()
    assert [(r["number"], r["need"], r["due"], r["status"], r["overdue"]) for r in rows] == [
        (1, "养老认证", "2026-11-30", "已上门", "否"),
        (2, "残疾证办理", "2026-11-26", "待上门", "是"),
    ]
    assert rows[0]["working_days_left"] == 1 and rows[0]["phone"] == "13812345678"
    # on a later day: the one still open is shown (opened before the range), the one done is not
    assert desk.execute("home_service_update", {"home_service": 1, "status": "已办结"}).accepted
    later = date(2026, 11, 27)
    rows = (
        build_report(store, scripts, ReportFilter(later, later, today=later)).tables["home_services"].dicts()
    )
    assert [(r["number"], r["status"], r["overdue"]) for r in rows] == [(2, "待上门", "是")]
    events_source = build_report(store, scripts, ReportFilter(later, later, today=later), source="events")
    assert events_source.tables["home_services"].dicts() == rows
    out = tmp_path / "csv"
    export(desk, ReportFilter(DAY, DAY, today=DAY), "csv", out, tables=["home_services"])
    text = "".join(p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv"))
    assert "上门期限" in text and "养老认证" in text and "13812345678" not in text  # the phone is masked
