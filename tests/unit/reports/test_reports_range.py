"""The review reads only the events of its range (plus the sign-in before it and the follow-ups' history);
its tables equal a fold over every event recorded up to the range's end (the old full-scan path)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.cli.demo import fill_demo
from assistant.reports import build as reports_build
from assistant.reports import model as reports_model
from assistant.reports import oracle as reports_oracle
from assistant.reports.build import build_report
from assistant.reports.model import ReportFilter

END = date(2026, 11, 26)


def _full_scan(store):
    """The reading the review did before migration 2: every event, every matter for the follow-ups."""

    def rows_in_range(store, flt):
        hi = (flt.end + timedelta(days=2)).isoformat()
        return store.conn.execute(
            "SELECT id, at, kind, payload FROM events WHERE at < ? ORDER BY id", (hi,)
        ).fetchall()

    def kinds(store, kinds, pending_matters=False):
        kinds = tuple(kinds) + (("matter",) if pending_matters else ())
        marks = ",".join("?" * len(kinds))
        return store.conn.execute(
            f"SELECT id, at, kind, payload FROM events WHERE kind IN ({marks}) ORDER BY id", kinds
        ).fetchall()

    return rows_in_range, kinds


@pytest.fixture(scope="module")
def hall(tmp_path_factory, scripts):
    from assistant.store.event_log import EventStore

    store = EventStore.open(tmp_path_factory.mktemp("hall") / "events.db")
    fill_demo(store, scripts, days=9, windows=3, end=END)
    yield store
    store.close()


@pytest.mark.parametrize(
    "start, end, extra",
    [
        (date(2026, 11, 19), date(2026, 11, 20), {}),
        (date(2026, 11, 24), date(2026, 11, 24), {}),
        (date(2026, 11, 18), date(2026, 11, 25), {"window": "社保1号窗口"}),
        (date(2026, 11, 23), date(2026, 11, 23), {}),  # a Monday after the weekend: no events
    ],
)
def test_range_read_equals_full_scan(hall, scripts, monkeypatch, start, end, extra):
    flt = ReportFilter(start, end, today=end, **extra)
    fast = build_report(hall, scripts, flt)
    rows_in_range, kinds = _full_scan(hall)
    monkeypatch.setattr(reports_oracle, "_rows_in_range", rows_in_range)
    monkeypatch.setattr(reports_build, "_rows_in_range", rows_in_range)
    monkeypatch.setattr(reports_oracle, "_kinds", kinds)
    slow = build_report(hall, scripts, flt, source="events")
    for key in reports_model.SPECS:
        assert fast.tables[key].rows == slow.tables[key].rows, key
        assert fast.tables[key].targets == slow.tables[key].targets, key
    assert fast.charts == slow.charts
    assert (fast.head_id, fast.head_hash) == (slow.head_id, slow.head_hash)


def test_events_before_inside_and_after_the_range(hall, scripts):
    flt = ReportFilter(date(2026, 11, 24), date(2026, 11, 24), today=date(2026, 11, 24))
    report = build_report(hall, scripts, flt)
    served = report.tables["interactions"].dicts()
    assert served and all(r["started_at"].startswith("2026-11-24") for r in served)
    runs = report.tables["checklist"].dicts()
    assert {r["date"] for r in runs} == {"2026-11-24"} and len(runs) == 3
    # clerk and window come from the sign-in of that day's session, not from a neighbouring day
    assert {(r["clerk"], r["window"]) for r in runs} == {
        ("D001", "综合受理1号窗口"),
        ("D002", "社保1号窗口"),
        ("D003", "不动产1号窗口"),
    }
    # follow-ups opened before the range and still open at its start are listed; none opened after it
    opened = [r["opened_at"][:10] for r in report.tables["follow_ups"].dicts()]
    assert opened and max(opened) <= "2026-11-24" and min(opened) < "2026-11-24"
