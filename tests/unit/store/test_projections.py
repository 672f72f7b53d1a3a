"""The review read from the query-side projections (assistant/store/projections.py) equals the fold over the raw
events (build_report source="events"), for random days and filters of demo data, whether the projections
were kept by append, rebuilt by the migration, or caught up after rows were inserted around append."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from datetime import date, timedelta
from datetime import datetime as dt

import pytest

from assistant.cli.demo import fill_demo
from assistant.desk import Desk
from assistant.reports import build as reports_build
from assistant.reports import model as reports_model
from assistant.reports.build import build_report
from assistant.reports.model import ReportFilter
from assistant.store.event_log import EventStore
from tests.conftest import CST, ready_desk

END = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, scripts):
    path = tmp_path_factory.mktemp("proj") / "events.db"
    store = EventStore.open(path)
    fill_demo(store, scripts, days=14, windows=4, end=END, seed=11)
    yield store
    store.close()


def _same(a, b):
    for key in reports_model.SPECS:
        assert a.tables[key].rows == b.tables[key].rows, key
        assert a.tables[key].targets == b.tables[key].targets, key
    assert a.charts == b.charts
    assert (a.head_id, a.head_hash, a.windows, a.clerks) == (b.head_id, b.head_hash, b.windows, b.clerks)


def _filters(store, count, seed):
    rnd = random.Random(seed)
    windows, clerks = reports_build.known_people(store)
    for _ in range(count):
        start = END - timedelta(days=rnd.randint(0, 22))
        end = start + timedelta(days=rnd.choice((0, 0, 1, 3, 6, 30)))
        extra = {}
        if rnd.random() < 0.3:
            extra["window"] = rnd.choice(windows)
        if rnd.random() < 0.2:
            extra["clerk"] = rnd.choice(clerks)
        if rnd.random() < 0.2:
            extra["role"] = rnd.choice(("窗口人员", "咨询引导人员"))
        yield ReportFilter(start, end, today=min(end, END), **extra)


def test_projections_equal_the_event_fold_over_random_days(demo, scripts):
    seen = 0
    for flt in _filters(demo, 40, seed=3):
        fast = build_report(demo, scripts, flt)
        _same(fast, build_report(demo, scripts, flt, source="events"))
        seen += len(fast.tables["interactions"].rows)
    assert seen > 500  # the comparison saw real rows, not only empty tables


def test_rebuilt_and_caught_up_projections_equal_the_kept_ones(demo, scripts, tmp_path):
    # a copy whose projections are thrown away: the store rebuilds them from the events on open
    copy = tmp_path / "copy.db"
    demo.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(demo.path, copy)
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE proj_state SET context = '{}'")  # unreadable context: rebuild from scratch
    conn.execute("DELETE FROM proj_interactions WHERE end_id % 3 = 0")
    conn.commit()
    conn.close()
    # a fresh store filled by inserting the rows around append (as the hall mirror and the bulk loader do)
    raw = tmp_path / "raw.db"
    EventStore.open(raw).close()
    conn = sqlite3.connect(raw)
    conn.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
        demo.conn.execute("SELECT id, at, kind, payload, prev_hash, hash, mac FROM events").fetchall(),
    )
    conn.executemany(
        "INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        demo.conn.execute("SELECT * FROM persons").fetchall(),
    )
    conn.commit()
    conn.close()
    flt = ReportFilter(END - timedelta(days=9), END, today=END)
    expected = build_report(demo, scripts, flt)
    for path in (copy, raw):
        with EventStore.open(path) as store:
            _same(build_report(store, scripts, flt), expected)
            for table in ("proj_events", "proj_interactions", "proj_phrases", "proj_people"):
                assert (
                    store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                    == demo.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                ), table
            state = "SELECT last_id, context FROM proj_state"
            (a_id, a_ctx), (b_id, b_ctx) = (
                store.conn.execute(state).fetchone(),
                demo.conn.execute(state).fetchone(),
            )
            assert (a_id, json.loads(a_ctx)) == (b_id, json.loads(b_ctx))


def test_the_review_and_its_service_rows_from_projections(desk, clock, store, scripts):
    """Pauses, faults, follow-ups, complaints, escalations and phrases recorded through the Desk."""
    from tests.conftest import ready_desk

    ready_desk(desk)
    run = desk.execute
    for command, data in [
        ("interaction_start", None),
        ("step", {"step": scripts.flow.steps[1].id}),
        ("phrase_used", {"phrase": next(iter(scripts.phrases)), "mode": "speak"}),
        (
            "matter",
            {"title": "社保", "outcome": "待答复", "due": "2026-12-03", "person": {"phone": "13812345678"}},
        ),
        ("escalate", {"to": "值班长", "reason": "情况复杂"}),
        ("matter", {"title": "转出", "outcome": "转办", "referral": scripts.directory.entries[0].id}),
        ("interaction_end", None),
        ("pause", {"reason": "临时会议"}),
        ("resume", None),
        ("complaint", {"content": "排队太久", "forwarded_to": "办公室", "deadline": "2026-12-01"}),
        ("fault_start", {"fault": "打印机卡纸"}),
        ("fault_end", None),
        ("guard_alert", {"rules": ["60(1)"], "action": "copy"}),
    ]:
        run(command, data)
    flt = ReportFilter(date(2026, 11, 26), date(2026, 11, 26), today=date(2026, 11, 26))
    fast, slow = build_report(store, scripts, flt), build_report(store, scripts, flt, source="events")
    _same(fast, slow)
    assert fast.tables["interactions"].rows and fast.tables["follow_ups"].rows and fast.tables["pauses"].rows


def test_a_failed_append_leaves_the_projections_as_they_were(desk, clock, store, scripts, monkeypatch):
    from tests.conftest import ready_desk

    ready_desk(desk)
    desk.execute("interaction_start")
    before = store.conn.execute("SELECT context FROM proj_state").fetchone()
    real = store.conn

    class Failing:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            if sql.startswith("INSERT OR REPLACE INTO proj_state"):
                raise sqlite3.OperationalError("disk I/O error")
            return self.conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.conn, name)

    monkeypatch.setattr(store, "_conn", Failing(real))
    assert not desk.execute("interaction_end").accepted
    monkeypatch.setattr(store, "_conn", real)
    assert store.conn.execute("SELECT context FROM proj_state").fetchone() == before
    assert desk.execute("interaction_end").accepted
    flt = ReportFilter(date(2026, 11, 26), date(2026, 11, 26), today=date(2026, 11, 26))
    _same(build_report(store, scripts, flt), build_report(store, scripts, flt, source="events"))
    assert len(build_report(store, scripts, flt).tables["interactions"].rows) == 1


def test_lazy_tables_count_page_and_stream_the_same_rows(demo, scripts):
    """Every table of the lazy review: its count, its pages (keyset after the previous page, OFFSET when asked
    out of order) and its streamed rows equal the whole table the event fold builds — without building it."""
    seen = 0
    for flt in _filters(demo, 16, seed=8):
        lazy = build_report(demo, scripts, flt)
        whole = build_report(demo, scripts, flt, source="events")
        assert lazy.charts == whole.charts
        for key in reports_model.SPECS:
            table, want, targets = lazy.tables[key], whole.tables[key].rows, whole.tables[key].targets
            assert len(table) == len(want), (key, flt)
            rows, tgts, offset = [], [], 0
            while True:
                page, page_targets = table.page(offset, 7)
                rows += page
                tgts += page_targets
                offset += len(page)
                if len(page) < 7:
                    break
            assert (rows, tgts) == (want, targets), (key, flt)
            middle = len(want) // 2
            assert table.page(middle, 5) == (want[middle : middle + 5], targets[middle : middle + 5]), key
            assert table.page(len(want) + 3, 5) == ([], []), key
            assert list(table.all_rows(size=11)) == want and list(table.all_targets(size=4)) == targets, key
            assert not table.built, key
            seen += len(want)
    assert seen > 1000


def test_built_table_keeps_the_list_api(demo, scripts):
    """Touching rows/targets builds a lazy table once; the lists are then the table's (mutable, as before)."""
    report = build_report(demo, scripts, ReportFilter(END - timedelta(days=6), END))
    table = report.tables["interactions"]
    count = len(table)
    rows = table.rows
    assert table.built and len(rows) == count and rows is table.rows
    del table.rows[3:], table.targets[3:]
    assert len(table) == 3 and list(table.all_rows()) == rows and table.page(1, 5)[0] == rows[1:]


def test_follow_ups_and_complaints_over_days(store, scripts, clock):
    """Follow-ups opened, answered and complaints updated on different days: every range (before, across and
    after the answers) pages the same rows as the event fold."""
    desk = ready_desk(Desk(store, scripts, clock))
    days = [dt(2026, 11, d, 9, 0, tzinfo=CST) for d in (23, 24, 25, 26, 27)]
    clock.set(days[0])
    assert desk.execute("follow_up", {"topic": "医保政策", "due": "2026-11-25"}).accepted
    assert desk.execute("follow_up", {"topic": "公积金", "due": "2026-12-04"}).accepted
    assert desk.execute(
        "complaint",
        {
            "content": "态度不好",
            "forwarded_to": "办公室",
            "deadline": "2026-11-30",
            "person": {"phone": "13912345678"},
        },
    ).accepted
    clock.set(days[1])
    assert desk.execute("follow_up_close", {"follow_up": 1, "answer": "已电话答复"}).accepted
    assert desk.execute("complaint_update", {"complaint": 1, "status": "处理中"}).accepted
    clock.set(days[3])
    assert desk.execute("complaint_update", {"complaint": 1, "status": "已答复"}).accepted
    assert desk.execute("follow_up", {"topic": "社保转移", "due": "2026-11-27"}).accepted
    clock.set(days[4])
    assert desk.execute("complaint_update", {"complaint": 1, "status": "已办结"}).accepted
    seen = set()
    for start in range(22, 29):
        for end in range(start, 29):
            for today in (date(2026, 11, end), date(2026, 12, 10)):
                flt = ReportFilter(date(2026, 11, start), date(2026, 11, end), today=today)
                lazy = build_report(store, scripts, flt).tables["follow_ups"]
                whole = build_report(store, scripts, flt, source="events").tables["follow_ups"]
                assert len(lazy) == len(whole.rows)
                assert [r for p in range(0, len(lazy) + 1, 2) for r in lazy.page(p, 2)[0]] == whole.rows
                assert list(lazy.all_targets()) == whole.targets
                seen.update((r[1], r[11]) for r in whole.rows)
    assert {("投诉", "已办结"), ("投诉", "处理中"), ("待答复", "已答复"), ("待答复", "待答复")} <= seen
