"""The hall database against a real PostgreSQL server (tests/hall/conftest.py starts a throwaway cluster)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from assistant.desk import Desk
from assistant.edges.clock import FixedClock
from assistant.hall import config as hall_config
from assistant.hall import pusher as hall_pusher
from assistant.hall import reader as hall_reader
from assistant.hall import schema as hall_schema
from assistant.store import event_log
from assistant.store.event_log import EventStore
from tests.conftest import CST, ready_desk

WAIT = 60.0  # generous upper bound for the background thread to catch up (not a timing assertion)


def fast_pusher(url: str, db: Path, terminal: str, **options) -> hall_pusher.HallPusher:
    opts = {
        "poll": 0.05,
        "retry_min": 0.05,
        "retry_max": 0.2,
        "refused_retry": 0.2,
        "connect_options": {"connect_timeout": 2},
        **options,
    }
    return hall_pusher.HallPusher(url, db, terminal, **opts)


def serve_one(desk: Desk) -> None:
    for kind, data in (
        ("interaction_start", {}),
        ("phrase_used", {"phrase": "greet.hello", "mode": "insert"}),
        ("matter", {"outcome": "办结", "matter": "社保转移"}),
        ("interaction_end", {}),
    ):
        desk.execute(kind, data)


def raw(store: EventStore, after: int = 0) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, at, kind, payload, prev_hash, hash FROM events WHERE id > ? ORDER BY id", (after,)
    ).fetchall()


def tamper(store: EventStore, event_id: int, payload: str) -> None:
    """What a forger with the file does: drop the guard trigger and rewrite a row."""
    conn = store.conn
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET payload = ? WHERE id = ?", (payload, event_id))


def count_events(url: str, terminal: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM hall.events WHERE terminal_id = %s", (terminal,)
        ).fetchone()[0]


# ─── pushing ──────────────────────────────────────────────────────────────────────────────────────


def test_pusher_copies_the_log_and_the_hall_reads_the_same_events(hall_url, desk, store):
    ready_desk(desk)
    serve_one(desk)
    pusher = fast_pusher(hall_url, store.path, "T-A").start()
    desk.subscribe(pusher.wake)
    try:
        assert pusher.wait_synced(WAIT), pusher.status()
        serve_one(desk)  # more events while running: pushed too
        assert pusher.wait_synced(WAIT), pusher.status()
        status = pusher.status()
    finally:
        pusher.stop()
    assert status.state == hall_pusher.ONLINE and status.pending == 0 and status.hall_seq == store.last_id()
    assert "已同步" in status.message
    assert status.clock_offset is not None and abs(status.clock_offset) < 5  # one machine, one clock
    with hall_reader.HallReader(hall_url) as reader:
        assert list(reader.events("T-A")) == list(store.events())
        assert list(reader.events("T-A", after=3)) == list(store.events(after=3))
        assert reader.verify("T-A").ok
        assert [t.terminal_id for t in reader.terminals()] == ["T-A"]
        assert reader.head("T-A") == (store.last_id(), list(store.events())[-1].hash)
        assert reader.rejections() == []
    assert pusher.status().state == hall_pusher.STOPPED


def test_same_events_pushed_twice_are_recorded_once(hall_url, desk, store):
    ready_desk(desk)
    rows = raw(store)
    with hall_config.connect(hall_url) as conn:
        hall_schema.install_schema(conn)
        first = hall_pusher.push_rows(conn, "T-A", rows)
        again = hall_pusher.push_rows(conn, "T-A", rows)
        overlap = hall_pusher.push_rows(conn, "T-A", rows[2:5])
    assert (first.accepted, first.duplicates, first.rejected_seq) == (len(rows), 0, None)
    assert (again.accepted, again.duplicates, again.rejected_seq) == (0, len(rows), None)
    assert (overlap.accepted, overlap.duplicates) == (0, 3)
    assert count_events(hall_url, "T-A") == len(rows)
    # two pushers of the same terminal at once (two copies of the program): still once each
    serve_one(desk)
    pushers = [fast_pusher(hall_url, store.path, "T-A", batch=2).start() for _ in range(2)]
    try:
        assert all(p.wait_synced(WAIT) for p in pushers), [p.status() for p in pushers]
    finally:
        for p in pushers:
            p.stop()
    assert count_events(hall_url, "T-A") == store.last_id()
    with hall_reader.HallReader(hall_url) as reader:
        assert reader.verify("T-A").ok and reader.rejections() == []


def test_server_down_during_the_shift_then_back(pg_cluster, hall_url, desk, store):
    ready_desk(desk)
    pusher = fast_pusher(hall_url, store.path, "T-A").start()
    desk.subscribe(pusher.wake)
    try:
        assert pusher.wait_synced(WAIT)
        before = store.last_id()
        pg_cluster.stop()
        try:
            for _ in range(5):  # the clerk keeps working: every command is recorded locally
                serve_one(desk)
                assert desk.state.interaction is None
            assert store.last_id() > before
            for _ in range(int(WAIT / 0.05)):
                if pusher.status().state == hall_pusher.OFFLINE:
                    break
                threading.Event().wait(0.05)
            status = pusher.status()
            assert status.state == hall_pusher.OFFLINE, status
            assert "连不上" in status.message and "本机" in status.message
            assert status.error
        finally:
            pg_cluster.start()
        serve_one(desk)
        assert pusher.wait_synced(WAIT), pusher.status()
    finally:
        pusher.stop()
    assert count_events(hall_url, "T-A") == store.last_id()
    with hall_reader.HallReader(hall_url) as reader:
        assert list(reader.events("T-A")) == list(store.events())
        assert reader.verify("T-A").ok and reader.rejections() == []


def test_the_hall_unreachable_from_the_start(tmp_path, store, desk):
    ready_desk(desk)
    from tests.hall.pgcluster import free_port

    pusher = fast_pusher(f"postgresql://nobody@127.0.0.1:{free_port()}/hall", store.path, "T-A").start()
    try:
        for _ in range(int(WAIT / 0.05)):
            if pusher.status().state == hall_pusher.OFFLINE:
                break
            threading.Event().wait(0.05)
        assert pusher.status().state == hall_pusher.OFFLINE
    finally:
        pusher.stop()
    assert pusher.status().state == hall_pusher.STOPPED and not pusher.running


def test_two_terminals_at_once(hall_url, tmp_path, scripts):
    paths = [tmp_path / f"t{i}.db" for i in (1, 2)]
    for path in paths:
        EventStore.open(path).close()
    pushers = [fast_pusher(hall_url, path, f"T-{i}", batch=7).start() for i, path in zip((1, 2), paths)]

    def shift(i: int) -> None:  # each window's clerk in a thread of its own, at the same time
        with EventStore.open(paths[i]) as store:
            d = Desk(store, scripts, FixedClock(datetime(2026, 11, 26, 8, 40, tzinfo=CST)))
            d.subscribe(pushers[i].wake)
            assert d.execute(
                "sign_in", {"clerk": f"B00{i}", "role": "窗口人员", "window": f"社保{i + 1}号窗口"}
            ).accepted
            for item in d.scripts.checklist.items:
                d.execute("checklist_item", {"item": item.id, "ok": True})
            d.execute("checklist_submit")
            for _ in range(10):
                serve_one(d)

    try:
        threads = [threading.Thread(target=shift, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(p.wait_synced(WAIT) for p in pushers), [p.status() for p in pushers]
    finally:
        for p in pushers:
            p.stop()
    stores = [EventStore.open(path) for path in paths]
    assert all(s.last_id() > 20 for s in stores)
    with hall_reader.HallReader(hall_url) as reader:
        assert [t.terminal_id for t in reader.terminals()] == ["T-1", "T-2"]
        for i, s in zip((1, 2), stores):
            assert list(reader.events(f"T-{i}")) == list(s.events())
            assert reader.verify(f"T-{i}").ok
        windows, clerks = reader.known_people()
        assert windows == ("社保1号窗口", "社保2号窗口") and clerks == ("B000", "B001")
        day = date(2026, 11, 26)
        rows = reader.rows_in_range(day, day)
        assert set(rows) == {"T-1", "T-2"}
        for i, s in zip((1, 2), stores):
            assert [r[0] for r in rows[f"T-{i}"]] == [e.id for e in s.events()]
        assert reader.rows_in_range(day + timedelta(days=5), day + timedelta(days=6)) == {}
        kinds = reader.rows_of_kinds(("sign_in",))
        assert {t: [r[2] for r in v] for t, v in kinds.items()} == {"T-1": ["sign_in"], "T-2": ["sign_in"]}
    for s in stores:
        s.close()


# ─── refusing ─────────────────────────────────────────────────────────────────────────────────────


def test_a_tampered_event_is_refused_and_recorded(hall_url, desk, store):
    ready_desk(desk)
    serve_one(desk)
    rows = raw(store)
    with hall_config.connect(hall_url) as conn:
        hall_schema.install_schema(conn)
        assert hall_pusher.push_rows(conn, "T-A", rows[:5]).accepted == 5
    original = rows[5][3]
    tamper(store, 6, original.replace("}", ',"note":"改"}', 1) if original != "{}" else '{"note":"改"}')
    assert not store.verify().ok
    pusher = fast_pusher(hall_url, store.path, "T-A").start()
    try:
        for _ in range(int(WAIT / 0.05)):
            if pusher.status().state == hall_pusher.REFUSED:
                break
            threading.Event().wait(0.05)
        status = pusher.status()
        threading.Event().wait(0.5)  # it tries again: the same rejection row counts the attempts
    finally:
        pusher.stop()
    assert status.state == hall_pusher.REFUSED and status.rejected_seq == 6 and status.hall_seq == 5
    assert "#6" in status.message and "内容被改动过" in status.message
    assert status.pending == store.last_id() - 5
    with hall_reader.HallReader(hall_url) as reader:
        assert reader.head("T-A")[0] == 5 and reader.verify("T-A").ok
        [rejection] = reader.rejections("T-A")
    assert (rejection.seq, rejection.code, rejection.hall_head_seq) == (6, "hash", 5)
    assert rejection.reason == "事件 #6 的哈希值与内容不符（内容被改动过）"
    assert rejection.hash == rows[5][5] and rejection.payload != original
    assert rejection.attempts >= 2


def test_a_rewritten_event_the_hall_already_has_is_a_conflict(hall_url, desk, store):
    ready_desk(desk)
    rows = raw(store)
    with hall_config.connect(hall_url) as conn:
        hall_schema.install_schema(conn)
        hall_pusher.push_rows(conn, "T-A", rows)
        # the forger recomputes the hash, so the row is self-consistent — the hall still has the original
        seq, at, kind, payload, prev, _ = rows[2]
        forged_payload = payload.replace("A0123", "Z9999") if "A0123" in payload else '{"forged":true}'
        forged = (
            seq,
            at,
            kind,
            forged_payload,
            prev,
            event_log.event_hash(prev, seq, at, kind, forged_payload),
        )
        result = hall_pusher.push_rows(conn, "T-A", [*rows[:2], forged, *rows[3:]])
    assert (result.accepted, result.duplicates, result.rejected_seq, result.code) == (0, 2, 3, "conflict")
    assert "与大厅已收到的同号事件不同" in result.reason
    assert count_events(hall_url, "T-A") == len(rows)


def test_reordered_missing_and_forged_events_are_refused_with_reasons(hall_url, desk, store):
    ready_desk(desk)
    serve_one(desk)
    rows = raw(store)
    with hall_config.connect(hall_url) as conn:
        hall_schema.install_schema(conn)
        swapped = hall_pusher.push_rows(conn, "T-A", [rows[0], rows[2], rows[1]])
        assert (swapped.accepted, swapped.rejected_seq, swapped.code) == (1, 3, "gap")
        assert swapped.reason == "事件 #3 不接续大厅已收到的 #1：缺少 #2（顺序被打乱，或记录被删除）"
        skipped = hall_pusher.push_rows(conn, "T-A", rows[5:7])
        assert (skipped.rejected_seq, skipped.code) == (6, "gap") and "缺少 #2～#5" in skipped.reason
        # a forged event inserted after #1: right number, own hash, but not chained to #1
        seq, at, kind, payload, _, _ = rows[1]
        fake_prev = "f" * 64
        inserted = (
            seq,
            at,
            kind,
            payload,
            fake_prev,
            event_log.event_hash(fake_prev, seq, at, kind, payload),
        )
        result = hall_pusher.push_rows(conn, "T-A", [inserted])
        assert (result.rejected_seq, result.code) == (2, "prev_hash")
        assert (
            result.reason
            == "事件 #2 的 prev_hash 与大厅已收到的 #1 的哈希不符（链被改写，或插入、删除了记录）"
        )
        bad_first = hall_pusher.push_rows(
            conn,
            "T-B",
            [(1, at, kind, payload, "1" * 64, event_log.event_hash("1" * 64, 1, at, kind, payload))],
        )
        assert bad_first.code == "prev_hash" and "第一条" in bad_first.reason
        no_zone = at[:-6]
        naive = (
            1,
            no_zone,
            kind,
            payload,
            event_log.GENESIS_HASH,
            event_log.event_hash(event_log.GENESIS_HASH, 1, no_zone, kind, payload),
        )
        assert hall_pusher.push_rows(conn, "T-C", [naive]).code == "time"
        not_json = (
            1,
            at,
            kind,
            "{oops",
            event_log.GENESIS_HASH,
            event_log.event_hash(event_log.GENESIS_HASH, 1, at, kind, "{oops"),
        )
        assert hall_pusher.push_rows(conn, "T-D", [not_json]).code == "payload"
        # the rest still goes in after the refusals, in order
        done = hall_pusher.push_rows(conn, "T-A", rows[1:])
        assert (done.accepted, done.rejected_seq, done.head_seq) == (len(rows) - 1, None, len(rows))
    with hall_reader.HallReader(hall_url) as reader:
        codes = sorted((r.terminal_id, r.seq, r.code) for r in reader.rejections())
        assert codes == [
            ("T-A", 2, "prev_hash"),
            ("T-A", 3, "gap"),
            ("T-A", 6, "gap"),
            ("T-B", 1, "prev_hash"),
            ("T-C", 1, "time"),
            ("T-D", 1, "payload"),
        ]
        assert reader.verify("T-A").ok
        assert [t.head_seq for t in reader.terminals()] == [len(rows), 0, 0, 0]


def test_a_replaced_data_file_is_reported_not_pushed_over(hall_url, tmp_path, desk, store, scripts, clock):
    ready_desk(desk)
    serve_one(desk)
    with hall_config.connect(hall_url) as conn:
        hall_schema.install_schema(conn)
        hall_pusher.push_rows(conn, "T-A", raw(store))
    with EventStore.open(tmp_path / "fresh.db") as fresh:  # the old file was moved aside as corrupt
        Desk(fresh, scripts, clock).execute(
            "sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"}
        )
        pusher = fast_pusher(hall_url, fresh.path, "T-A").start()
        try:
            for _ in range(int(WAIT / 0.05)):
                if pusher.status().state == hall_pusher.REFUSED:
                    break
                threading.Event().wait(0.05)
            status = pusher.status()
        finally:
            pusher.stop()
    assert status.state == hall_pusher.REFUSED and "大厅数据库不接收本机记录" in status.message
    assert count_events(hall_url, "T-A") == store.last_id()


def test_the_hall_log_is_append_only(hall_url, desk, store):
    ready_desk(desk)
    with hall_config.connect(hall_url) as conn:
        hall_schema.install_schema(conn)
        hall_pusher.push_rows(conn, "T-A", raw(store))
        for sql in (
            "UPDATE hall.events SET payload = '{}' WHERE seq = 1",
            "DELETE FROM hall.events",
            "TRUNCATE hall.events CASCADE",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="只能追加"):
                conn.execute(sql)
    assert count_events(hall_url, "T-A") == store.last_id()


def test_hall_init_is_safe_when_run_together(pg_cluster):
    hall_url = pg_cluster.create_database("hall_together")
    errors: list[BaseException] = []

    def install() -> None:
        try:
            with hall_config.connect(hall_url) as conn:
                hall_schema.install_schema(conn)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=install) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with hall_config.connect(hall_url) as conn:
        assert conn.execute("SELECT value FROM hall.meta WHERE key = 'schema_version'").fetchone()[0] == str(
            hall_schema.SCHEMA_VERSION
        )


# ─── reading for the review ───────────────────────────────────────────────────────────────────────


def test_mirror_is_an_event_store_the_review_reads(hall_url, tmp_path, desk, store, scripts):
    from assistant.reports.build import build_report
    from assistant.reports.model import ReportFilter

    ready_desk(desk)
    serve_one(desk)
    with hall_config.connect(hall_url) as conn:
        hall_schema.install_schema(conn)
        hall_pusher.push_rows(conn, "T-A", raw(store)[:4])
    with hall_reader.HallReader(hall_url) as reader:
        with reader.mirror("T-A", tmp_path / "mirror.db") as copy:
            assert copy.last_id() == 4
        with hall_config.connect(hall_url) as conn:
            hall_pusher.push_rows(conn, "T-A", raw(store))
        with reader.mirror("T-A", tmp_path / "mirror.db") as copy:  # incremental
            assert list(copy.events()) == list(store.events()) and copy.verify().ok
            day = date(2026, 11, 26)
            ours = build_report(store, scripts, ReportFilter(day, day))
            theirs = build_report(copy, scripts, ReportFilter(day, day), lazy=False)  # read after close
        like = reader.store("T-A")
        assert list(like.events()) == list(store.events()) and like.last_id() == store.last_id()
        assert like.verify().ok and like.person(1) is None
        assert [s.terminal_id for s in reader.stores()] == ["T-A"]
    assert theirs.tables["interactions"].rows and theirs.head_hash == ours.head_hash
    for key in ("checklist", "interactions", "phrases"):
        assert theirs.tables[key].rows == ours.tables[key].rows


def test_reader_says_when_the_hall_is_unreachable():
    from tests.hall.pgcluster import free_port

    with hall_reader.HallReader(
        f"postgresql://u:secret@127.0.0.1:{free_port()}/hall", connect_timeout=2
    ) as reader:
        with pytest.raises(hall_config.HallError, match="无法连接大厅数据库") as caught:
            reader.terminals()
    assert "secret" not in str(caught.value)
