"""Issue 8 in the review: clock jumps and hall clock differences (时钟异常), records made across a jump marked
(时钟跳变), corrections beside their target (更正), purges of personal data (个人信息清除) — the same from the
projections as from the event fold, and in the exports."""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from assistant.desk import Desk
from assistant.edges.clockwatch import ClockWatch
from assistant.reports.build import build_report
from assistant.reports.exporting import export
from assistant.reports.model import SPECS, ReportFilter
from tests.conftest import CST, ready_desk

DAY = date(2026, 11, 26)
FLT = ReportFilter(DAY, DAY, today=DAY)


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 5000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def day(store, scripts, clock):
    """A day with a jump back in the middle of serving someone, a hall clock difference, a correction of the
    checklist run and a purge."""
    mono = FakeMonotonic()
    desk = ready_desk(Desk(store, scripts, clock, watch=ClockWatch(clock, mono)))
    nine = datetime(2026, 11, 26, 9, 0, tzinfo=CST)
    mono.t += (nine - clock.now()).total_seconds()  # time passes for real: both clocks move together
    clock.set(nine)
    assert desk.execute("interaction_start", {"person": {"phone": "13812341234"}}).accepted
    clock.advance(minutes=-30)  # the clerk sets the clock back half an hour while serving
    step = desk.execute("step", {"step": "wen"})
    assert step.accepted
    jump_id = step.events[0].payload["clock_jump"]
    assert desk.execute("interaction_end").accepted
    mono.t += 60
    clock.advance(seconds=60)
    assert desk.execute("interaction_start").accepted  # after the jump: not marked
    assert desk.execute("interaction_end").accepted
    assert desk.note_hall_clock(95.5, 30.0) is not None
    run = desk.state.last_event_id
    submit = next(e.id for e in store.events() if e.kind == "checklist_submit")
    assert desk.execute(
        "correction", {"target": submit, "reason": "检查时间录错", "by": "A0123", "changes": {"note": "补录"}}
    ).accepted
    assert desk.execute(
        "purge_personal", {"before": "2026-11-01", "count": 3, "by": "值班长", "retention_days": 180}
    ).accepted
    return desk, jump_id, submit, run


def test_issue8_tables_and_marks(day, store, scripts):
    _, jump_id, submit, _ = day
    report = build_report(store, scripts, FLT)
    clock = report.tables["clock"].dicts()
    assert [r["type"] for r in clock] == ["时钟跳变（往回拨）", "与大厅时钟不一致"]
    assert clock[0]["event_id"] == jump_id and clock[0]["delta_seconds"] == -1800.0
    assert clock[0]["monotonic_elapsed"] == 0.0 and clock[0]["wall_before"] and clock[0]["wall_after"]
    assert (clock[1]["offset_seconds"], clock[1]["tolerance_seconds"]) == (95.5, 30.0) and clock[1][
        "local_time"
    ]
    served = report.tables["interactions"].dicts()
    assert [r["clock_jump"] for r in served] == [jump_id, ""]
    fixed = report.tables["corrections"].dicts()
    assert len(fixed) == 1 and fixed[0]["target"] == submit and fixed[0]["target_kind"] == "checklist_submit"
    assert (fixed[0]["reason"], fixed[0]["by"], fixed[0]["changes"]) == ("检查时间录错", "A0123", "note=补录")
    run = report.tables["checklist"].dicts()[0]
    assert "检查时间录错" in run["correction"] and run["clock_jump"] == ""
    purge = report.tables["purges"].dicts()
    assert [(p["before"], p["count"], p["by"], p["retention_days"]) for p in purge] == [
        ("2026-11-01", 3, "值班长", 180)
    ]


def test_issue8_projections_equal_the_fold_and_page(day, store, scripts):
    fast = build_report(store, scripts, FLT)
    slow = build_report(store, scripts, FLT, source="events")
    for key in SPECS:
        table = fast.tables[key]
        assert len(table) == len(slow.tables[key].rows), key
        assert list(table.all_rows(size=1)) == slow.tables[key].rows, key
        assert table.rows == slow.tables[key].rows and table.targets == slow.tables[key].targets, key
    assert fast.charts == slow.charts


def test_issue8_tables_are_exported(day, tmp_path):
    desk = day[0]
    export(desk, FLT, "csv", tmp_path / "csv", masked=True)
    for key in ("clock", "corrections", "purges"):
        rows = list(
            csv.reader((tmp_path / "csv" / f"{key}.csv").read_text(encoding="utf-8-sig").splitlines())
        )
        assert rows[0] == [c.label for c in SPECS[key][1]] and len(rows) > 1
    interactions = (tmp_path / "csv" / "interactions.csv").read_text(encoding="utf-8-sig")
    assert "时钟跳变" in interactions.splitlines()[0]
