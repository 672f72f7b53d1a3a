"""Start of shift and closing time through the desk with the injectable clock (rules 8, 19, 28)."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.desk import Desk
from assistant.domain import shift
from tests.conftest import CST


def at(hhmmss: str, day: int = 26) -> datetime:
    h, m, *s = map(int, hhmmss.split(":"))
    return datetime(2026, 11, day, h, m, s[0] if s else 0, tzinfo=CST)


def do(desk: Desk, clock, when: str, kind: str, data=None):
    clock.set(at(when))
    return desk.execute(kind, data or {})


def events(desk: Desk, kind: str) -> list:
    return [e for e in desk.store.events() if e.kind == kind]


def tick_all(desk: Desk, clock, start: str, seconds_each: int = 10) -> None:
    clock.set(at(start))
    for item in desk.scripts.checklist.items:
        assert desk.execute("checklist_item", {"item": item.id, "ok": True}).accepted
        clock.advance(seconds=seconds_each)


def signed_in(desk: Desk, clock, when: str = "08:40", window: str = "社保3号窗口") -> Desk:
    assert do(desk, clock, when, "sign_in", {"clerk": "A0123", "window": window}).accepted
    return desk


def ready(desk: Desk, clock, submit: str = "08:50") -> Desk:
    signed_in(desk, clock)
    assert do(desk, clock, submit, "checklist_submit").accepted
    return desk


@pytest.mark.parametrize(
    ("submit", "late", "minutes"),
    [
        ("08:54:59", False, 0),
        ("08:55:00", False, 0),  # exactly 5 minutes before opening is on time (rule 19)
        ("08:55:01", True, 1),  # one second past the deadline is one whole minute late, rounded up
        ("08:56:00", True, 1),
        ("08:56:01", True, 2),
        ("09:20:00", True, 25),
    ],
)
def test_checklist_deadline_is_five_minutes_before_opening(desk, clock, submit, late, minutes):
    signed_in(desk, clock)
    assert do(desk, clock, submit, "checklist_submit").accepted
    (run,) = shift.checklist_runs(desk.store.events())
    assert (run["late"], run["late_minutes"]) == (late, minutes)
    assert run["deadline"] == "2026-11-26T08:55:00" and run["clerk"] == "A0123"
    assert run["submitted_at"] == at(submit).replace(tzinfo=None).isoformat()


def test_afternoon_shift_is_measured_against_the_afternoon_opening(desk, clock):
    signed_in(desk, clock, "12:40")
    assert do(desk, clock, "12:55", "checklist_submit").accepted
    (run,) = shift.checklist_runs(desk.store.events())
    assert run["opening"] == "2026-11-26T13:00:00" and not run["late"]


@pytest.mark.parametrize(
    ("when", "late", "minutes"), [("08:55:00", False, 0), ("08:55:30", True, 1), ("09:10", True, 15)]
)
def test_sign_in_after_the_deadline_is_a_late_arrival(desk, clock, when, late, minutes):
    signed_in(desk, clock, when)
    sign_in = events(desk, "sign_in")[0]
    assert sign_in.payload["late"] is late and sign_in.payload["opening"].startswith("2026-11-26T09:00:00")
    arrivals = shift.late_arrivals(desk.store.events())
    assert [a["late_minutes"] for a in arrivals] == ([minutes] if late else [])


def test_failed_items_need_a_note_and_become_equipment_faults(desk, clock):
    signed_in(desk, clock)
    assert (
        do(desk, clock, "08:45", "checklist_item", {"item": "printer", "ok": False}).refusal.code
        == "note_required"
    )
    assert desk.execute("checklist_item", {"item": "printer", "ok": False, "note": "卡纸"}).accepted
    refused = desk.execute("checklist_submit", {"failed": ["evaluator"]})
    assert refused.refusal.code == "note_required" and "服务评价器" in refused.refusal.reason
    assert desk.execute("checklist_submit", {"failed": ["nope"]}).refusal.code == "unknown_item"
    assert desk.execute(
        "checklist_submit", {"failed": ["evaluator"], "notes": {"evaluator": "不亮"}}
    ).accepted
    (run,) = shift.checklist_runs(desk.store.events())
    assert run["failed"] == ["printer", "evaluator"] and run["notes"] == {
        "printer": "卡纸",
        "evaluator": "不亮",
    }
    assert not run["fast"]
    faults = shift.equipment_faults(desk.store.events())
    assert [(f["item"], f["note"], f["status"]) for f in faults] == [
        ("printer", "卡纸", "待修复"),
        ("evaluator", "不亮", "待修复"),
    ]
    assert (
        desk.execute("checklist_item", {"item": "computer", "ok": True}).refusal.code == "checklist_submitted"
    )
    assert desk.execute("checklist_submit").refusal.code == "checklist_submitted"


def test_untouched_items_count_as_passed(desk, clock):
    signed_in(desk, clock)
    do(desk, clock, "08:41", "checklist_item", {"item": "computer", "ok": True})
    assert do(desk, clock, "08:50", "checklist_submit").accepted
    assert all(desk.state.checklist.values()) and len(desk.state.checklist) == len(
        desk.scripts.checklist.items
    )


@pytest.mark.parametrize(("seconds_each", "fast"), [(1, True), (3, False)])
def test_unusually_fast_all_pass_runs_are_flagged(desk, clock, seconds_each, fast):
    signed_in(desk, clock)
    tick_all(desk, clock, "08:45:00", seconds_each)
    assert desk.execute("checklist_submit").accepted
    (run,) = shift.checklist_runs(desk.store.events())
    assert run["fast"] is fast and run["seconds"] == pytest.approx(
        seconds_each * len(desk.scripts.checklist.items)
    )


def test_serving_waits_for_the_checklist_then_may_start_before_opening(desk, clock):
    assert do(desk, clock, "08:40", "interaction_start").refusal.code == "not_signed_in"
    signed_in(desk, clock)
    assert desk.execute("interaction_start").refusal.code == "checklist_pending"
    assert desk.execute("pause", {"reason": "系统维护"}).accepted
    assert desk.execute("interaction_start").refusal.code == "paused"  # paused wins over checklist_pending
    assert desk.execute("resume").accepted
    assert do(desk, clock, "08:50", "checklist_submit").accepted
    assert do(desk, clock, "08:51", "interaction_start").accepted  # before opening is fine


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ([], "not_signed_in"),
        (["sign_in", "pause"], "paused"),
        (["sign_in"], "checklist_pending"),
        (["sign_in", "submit", "serve", "wait"], "before_closing_time"),
    ],
)
def test_close_refusal_precedence(desk, clock, setup, code):
    clock.set(at("08:40"))
    for step in setup:
        {
            "sign_in": lambda: desk.execute("sign_in", {"clerk": "A1"}),
            "pause": lambda: desk.execute("pause", {"reason": "学习"}),
            "submit": lambda: desk.execute("checklist_submit"),
            "serve": lambda: desk.execute("interaction_start"),
            "wait": lambda: desk.execute("waiting_set", {"count": 2}),
        }[step]()
    assert do(desk, clock, "16:59:59", "close_request").refusal.code == code


def test_close_at_16_59_59_refused_at_17_00_00_accepted_without_record(desk, clock):
    ready(desk, clock)
    refused = do(desk, clock, "16:59:59", "close_request")
    assert refused.refusal.code == "before_closing_time" and "17:00" in refused.refusal.reason
    assert do(desk, clock, "17:00:00", "close_request").accepted
    assert shift.overtime_records(desk.store.events()) == []
    assert events(desk, "close_request")[0].payload["closing"].startswith("2026-11-26T17:00:00")


def test_overtime_is_written_by_the_command_that_ends_the_service(desk, clock):
    """Rule 28: from the closing time to the end of the last person, written with interaction_end (nobody
    waiting) or waiting_set 0, whether or not 下班 is pressed; later service is a record of its own."""
    ready(desk, clock)
    do(desk, clock, "16:50", "interaction_start")
    do(desk, clock, "16:55", "waiting_set", {"count": 1})
    assert do(desk, clock, "17:00", "close_request").refusal.code == "interaction_open"
    assert [e.kind for e in do(desk, clock, "17:05", "interaction_end").events] == ["interaction_end"]
    assert do(desk, clock, "17:05:30", "close_request").refusal.code == "people_waiting"
    do(desk, clock, "17:06", "interaction_start")  # the one waiting is called: nobody waits now
    assert [e.kind for e in do(desk, clock, "17:15", "interaction_end").events] == [
        "interaction_end",
        "overtime",
    ]
    do(desk, clock, "17:20", "interaction_start")  # someone came after the overtime was recorded
    assert [e.kind for e in do(desk, clock, "17:25", "interaction_end").events] == [
        "interaction_end",
        "overtime",
    ]
    assert do(desk, clock, "17:26", "close_request").accepted
    assert [
        {k: r[k] for k in ("start", "end", "served")} for r in shift.overtime_records(desk.store.events())
    ] == [
        {"start": "2026-11-26T17:00:00", "end": "2026-11-26T17:15:00", "served": 2},
        {"start": "2026-11-26T17:20:00", "end": "2026-11-26T17:25:00", "served": 1},
    ]


def test_only_waiting_at_closing_makes_a_record_with_nobody_served(desk, clock):
    ready(desk, clock)
    do(desk, clock, "16:58", "waiting_set", {"count": 2})
    do(desk, clock, "17:03", "waiting_set", {"count": 0})  # they left
    assert do(desk, clock, "17:04", "close_request").accepted
    (record,) = shift.overtime_records(desk.store.events())
    assert (record["start"], record["end"], record["served"]) == (
        "2026-11-26T17:00:00",
        "2026-11-26T17:03:00",
        0,
    )


def test_interaction_ending_exactly_at_closing_is_not_overtime(desk, clock):
    ready(desk, clock)
    do(desk, clock, "16:50", "interaction_start")
    do(desk, clock, "17:00", "interaction_end")
    assert do(desk, clock, "17:02", "close_request").accepted
    assert shift.overtime_records(desk.store.events()) == []


def test_lunch_closing_and_sign_out_follow_the_same_rule(desk, clock):
    ready(desk, clock)
    do(desk, clock, "11:55", "interaction_start")
    assert do(desk, clock, "11:00", "sign_out").refusal.code == "before_closing_time"
    assert do(desk, clock, "12:00", "sign_out").refusal.code == "interaction_open"
    do(desk, clock, "12:10", "interaction_end")  # nobody waiting: the noon overtime is recorded now
    assert do(desk, clock, "12:11", "sign_out").accepted
    (record,) = shift.overtime_records(desk.store.events())
    assert (record["start"], record["end"], record["served"]) == (
        "2026-11-26T12:00:00",
        "2026-11-26T12:10:00",
        1,
    )
    assert desk.state.clerk is None


def test_banner_status_near_closing_and_in_overtime(desk, clock):
    ready(desk, clock)
    hours = desk.scripts.hours
    do(desk, clock, "16:49", "waiting_set", {"count": 3})
    assert shift.closing_status(desk.state, clock.now(), hours) is None
    clock.set(at("16:50"))
    status = shift.closing_status(desk.state, clock.now(), hours)
    assert status and not status.overtime and status.waiting == 3
    do(desk, clock, "16:58", "interaction_start")
    clock.set(at("17:01"))
    status = shift.closing_status(desk.state, clock.now(), hours)
    assert status.overtime and status.served == 1 and status.closing == at("17:00")
    do(desk, clock, "17:10", "interaction_end")
    assert shift.closing_status(desk.state, clock.now(), hours).overtime  # still 3 waiting
    do(desk, clock, "17:10", "waiting_set", {"count": 0})  # the overtime is recorded: the banner goes
    assert shift.closing_status(desk.state, clock.now(), hours) is None
    do(desk, clock, "17:20", "interaction_start")  # someone after that: overtime again
    assert shift.closing_status(desk.state, clock.now(), hours).overtime
    do(desk, clock, "17:30", "interaction_end")
    assert do(desk, clock, "17:31", "close_request").accepted
    assert shift.closing_status(desk.state, clock.now(), hours) is None


def test_checklist_reminder_starts_fifteen_minutes_before_opening(desk, clock):
    hours = desk.scripts.hours
    signed_in(desk, clock, "08:30")
    assert shift.checklist_due(desk.state, at("08:44:59"), hours) is None
    due = shift.checklist_due(desk.state, at("08:45"), hours)
    assert due.deadline == at("08:55") and due.minutes_left == 10
    assert shift.checklist_due(desk.state, at("08:57"), hours).minutes_left < 0
    do(desk, clock, "08:50", "checklist_submit")
    assert shift.checklist_due(desk.state, at("08:50"), hours) is None


def test_timing_arithmetic():
    opening = at("09:00")
    assert shift.timing(at("08:55"), opening, 5).late is False
    assert shift.timing(at("08:55:00").replace(microsecond=1), opening, 5).late_minutes == 1
    assert shift.timing(at("10:00"), None, 5).late is False


def test_durations_are_shown_to_the_nearest_minute_lateness_alone_rounds_up():
    assert [shift.minutes_shown(s) for s in (0, 29, 30, 70, 89, 90, 150)] == [0, 0, 1, 1, 1, 2, 3]
    opening = at("09:00")
    assert shift.timing(at("08:56:10"), opening, 5).late_minutes == 2  # 1 min 10 s late: 2 minutes


def test_pause_internal_work_fault_and_overtime_minutes_follow_the_same_rule(desk, clock):
    from assistant.reports.build import build_report
    from assistant.reports.model import ReportFilter

    ready(desk, clock)
    do(desk, clock, "10:00", "pause", {"reason": "培训"})
    do(desk, clock, "10:01:10", "resume")  # 1 min 10 s
    do(desk, clock, "10:05", "internal_start", {"task": "整理档案"})
    do(desk, clock, "10:07:29", "internal_end")  # 2 min 29 s
    do(desk, clock, "10:10", "fault_start", {"fault": "电脑出现故障"})
    assert do(desk, clock, "10:11:10", "fault_end").events[0].payload["minutes"] == 1
    do(desk, clock, "16:59", "interaction_start")
    do(desk, clock, "17:01:10", "interaction_end")  # overtime 1 min 10 s
    day = at("10:00").date()
    report = build_report(desk.store, desk.scripts, ReportFilter(day, day, today=day))
    assert [r["minutes"] for r in report.tables["pauses"].dicts()] == [1, 2]
    assert [r["minutes"] for r in report.tables["faults"].dicts() if r["source"] == "服务中"] == [1]
    assert [r["minutes"] for r in report.tables["overtime"].dicts()] == [1]


def test_not_applicable_and_appearance_notes_are_not_equipment_faults(desk, clock):
    """Rules 41–47: 不适用 where checklist.toml allows it; an appearance that falls short is a note, not a fault."""
    from assistant.reports.build import build_report
    from assistant.reports.model import ReportFilter

    signed_in(desk, clock)
    assert (
        do(desk, clock, "08:41", "checklist_item", {"item": "printer", "na": True}).refusal.code
        == "not_optional"
    )
    assert do(desk, clock, "08:41", "checklist_item", {"item": "party_badge", "na": True}).accepted
    assert desk.state.checklist["party_badge"] is None
    outcome = do(
        desk,
        clock,
        "08:42",
        "checklist_submit",
        {"failed": ["printer", "beard"], "notes": {"printer": "卡纸", "beard": "今天没刮"}},
    )
    kinds = [e.kind for e in outcome.events]
    assert kinds == ["checklist_submit", "equipment_fault", "appearance_note"]
    submit, fault, note = (e.payload for e in outcome.events)
    assert (
        submit["not_applicable"] == ["party_badge"]
        and fault["item"] == "printer"
        and fault["status"] == "待修复"
    )
    assert (note["item"], note["rule"], note["note"]) == ("beard", 45, "今天没刮") and "status" not in note
    day = at("08:00").date()
    report = build_report(desk.store, desk.scripts, ReportFilter(day, day, today=day))
    assert [r["item"] for r in report.tables["faults"].dicts()] == [
        "检查打印机"
    ]  # the beard is no equipment fault
    run = report.tables["checklist"].dicts()[0]
    assert run["appearance_notes"] == "男士不留胡须：今天没刮" and run["not_applicable"] == "党员佩戴党员徽章"
    assert {r["item"]: r["ok"] for r in report.tables["checklist_items"].dicts()} == {"party_badge": "不适用"}
