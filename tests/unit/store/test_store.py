"""The event store against real SQLite files: chain, triggers, migrations, corrupt files, persons."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.store.event_log import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    Event,
    EventStore,
    StoreError,
    StoreMissing,
    StoreUnreadable,
    canonical_json,
    purge_rows,
)
from assistant.store.version import UserVersion

CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 5, 6, 9, 0, 0, tzinfo=CST)


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, as a tamperer would use; caller closes it."""
    return sqlite3.connect(str(path), isolation_level=None)


def expected_hash(prev: str, event_id: int, at: str, kind: str, payload: str) -> str:
    """The documented formula, written independently of the store's code."""
    return hashlib.sha256(f"{prev}\n{event_id}\n{at}\n{kind}\n{payload}".encode()).hexdigest()


def fill(path: Path, n: int = 5) -> None:
    with EventStore.open(path) as store:
        for i in range(n):
            store.append(
                [("phrase_used", {"phrase": f"greet.{i}", "mode": "copy"})], T0 + timedelta(minutes=i)
            )


def tamper(path: Path, *statements: str) -> None:
    """Drop the guard triggers and run statements, like someone editing the file by hand."""
    with closing(raw(path)) as conn:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("DROP TRIGGER events_no_delete")
        for sql in statements:
            conn.execute(sql)


def aside_files(folder: Path, name: str) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.name.startswith(name + ".corrupt-")
        and "-wal" not in p.name[len(name) :]
        and "-shm" not in p.name[len(name) :]
    )


# --- basics ---------------------------------------------------------------------------------------


def test_append_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "events.db"  # parent folder is created
    with EventStore.open(path) as store:
        assert store.notices == []
        assert store.last_id() == 0
        out = store.append(
            [
                ("interaction_start", {"interaction": 1, "person": 7}),
                ("phrase_used", {"phrase": "greet.welcome", "mode": "paste", "说明": "您好"}),
            ],
            T0,
        )
        assert [e.id for e in out] == [1, 2]
        assert store.last_id() == 2
        got = list(store.events())
        assert got == out
        assert got[1].payload == {"phrase": "greet.welcome", "mode": "paste", "说明": "您好"}
        assert got[0].at == "2024-05-06T09:00:00.000000+08:00"
        assert datetime.fromisoformat(got[0].at) == T0
        assert [e.id for e in store.events(after=1)] == [2]
        assert isinstance(got[0], Event)


def test_hash_formula_recomputed_independently(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with EventStore.open(path) as store:
        store.append([("a", {"x": 1, "b": [1, 2]}), ("b", {"名字": "无"})], T0)
        store.append([("c", {})], T0 + timedelta(seconds=1, microseconds=5))
    with closing(raw(path)) as conn:
        rows = conn.execute(
            "SELECT id, at, kind, payload, prev_hash, hash FROM events ORDER BY id"
        ).fetchall()
    prev = "0" * 64
    for event_id, at, kind, payload, stored_prev, digest in rows:
        assert stored_prev == prev
        assert payload == json.dumps(
            json.loads(payload), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        assert digest == expected_hash(prev, event_id, at, kind, payload)
        prev = digest
    assert rows[0][3] == '{"b":[1,2],"x":1}'
    assert rows[1][3] == '{"名字":"无"}'
    assert rows[2][1] == "2024-05-06T09:00:01.000005+08:00"
    assert canonical_json({"b": 1, "a": "中"}) == '{"a":"中","b":1}'


def test_naive_datetime_is_stored_with_an_offset(tmp_path: Path) -> None:
    with EventStore.open(tmp_path / "e.db") as store:
        (event,) = store.append([("x", {})], datetime(2024, 5, 6, 9, 0, 0))
        assert datetime.fromisoformat(event.at).utcoffset() is not None


def test_triggers_refuse_update_and_delete(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    fill(path, 2)
    with closing(raw(path)) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="不允许修改"):
            conn.execute("UPDATE events SET payload = '{}' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError, match="不允许删除"):
            conn.execute("DELETE FROM events WHERE id = 2")
    with EventStore.open(path) as store:
        assert store.last_id() == 2
        assert store.verify().ok


def test_wal_synchronous_full_and_markers(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with EventStore.open(path) as store:
        conn = store.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION.to_int()
        assert SCHEMA_VERSION == UserVersion(0, 5)


def test_migration_from_version_zero(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with closing(raw(path)) as conn:  # an existing, empty version-0 SQLite file
        conn.execute("PRAGMA user_version = 0")
        conn.execute("VACUUM")
    assert path.stat().st_size > 0
    with EventStore.open(path) as store:
        assert store.notices == []
    with closing(raw(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION.to_int()
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {
        "events",
        "persons",
        "v_phrase_usage",
        "v_interactions",
        "v_checklist",
        "events_no_update",
        "events_no_delete",
    } <= names


def test_views(tmp_path: Path) -> None:
    with EventStore.open(tmp_path / "e.db") as store:
        store.append([("interaction_start", {"interaction": 3})], T0)
        store.append(
            [("phrase_used", {"phrase": "greet.welcome", "mode": "speak", "interaction": 3})],
            T0 + timedelta(seconds=5),
        )
        store.append([("interaction_end", {"interaction": 3})], T0 + timedelta(minutes=4))
        store.append([("interaction_start", {"interaction": 4})], T0 + timedelta(minutes=5))
        store.append([("checklist_item", {"item": "printer", "ok": False, "note": "卡纸"})], T0)
        conn = store.conn
        assert conn.execute("SELECT phrase_id, mode FROM v_phrase_usage").fetchall() == [
            ("greet.welcome", "speak")
        ]
        assert conn.execute(
            "SELECT interaction_id, started_at, ended_at FROM v_interactions ORDER BY interaction_id"
        ).fetchall() == [
            (3, "2024-05-06T09:00:00.000000+08:00", "2024-05-06T09:04:00.000000+08:00"),
            (4, "2024-05-06T09:05:00.000000+08:00", None),
        ]
        assert conn.execute("SELECT kind, item, ok, note FROM v_checklist").fetchall() == [
            ("checklist_item", "printer", 0, "卡纸")
        ]


def test_reopen_after_close_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with EventStore.open(path) as store:
        first = store.append([("a", {"n": 1}), ("b", {"n": 2})], T0)
        pid = store.add_person("张三", "13800000000", "某路 1 号", at=T0)
    store = EventStore.open(path)
    try:
        assert store.notices == []
        assert list(store.events()) == first
        more = store.append([("c", {"n": 3})], T0)
        assert more[0].id == 3 and more[0].prev_hash == first[-1].hash
        assert store.person(pid)["name"] == "张三"
        assert store.verify().ok
    finally:
        store.close()
    with pytest.raises(StoreError):
        store.last_id()
    store.close()  # closing twice is harmless


# --- files that are not ours -------------------------------------------------------------------


def _foreign_db(path: Path) -> None:
    with closing(raw(path)) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('x')")


def _foreign_app_id(path: Path) -> None:
    with closing(raw(path)) as conn:
        conn.execute("PRAGMA application_id = 1234")
        conn.execute("CREATE TABLE t (x)")


def _foreign_app_id_empty(path: Path) -> None:
    with closing(raw(path)) as conn:
        conn.execute("PRAGMA application_id = 1234")


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _truncated(path: Path) -> None:
    fill(path, 200)
    with closing(raw(path)) as conn:  # fold the WAL in so the main file holds everything
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _truncated_header(path: Path) -> None:
    fill(path, 1)
    with closing(raw(path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    path.write_bytes(path.read_bytes()[:50])


def _damaged_page(path: Path) -> None:
    """Readable, but PRAGMA quick_check reports a damaged page (no exception is raised)."""
    fill(path, 300)
    with closing(raw(path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    last = len(data) - page_size  # a table leaf page; bytes 5-6 of its header: start of cell content
    data[last + 5 : last + 7] = b"\x00\x10"
    path.write_bytes(bytes(data))
    with closing(raw(path)) as conn:  # the fixture must exercise the quick_check path
        assert conn.execute("PRAGMA quick_check").fetchone()[0] != "ok"


def _newer(path: Path) -> None:
    fill(path, 3)
    with closing(raw(path)) as conn:
        conn.execute(f"PRAGMA user_version = {UserVersion(SCHEMA_VERSION.major + 1, 0).to_int()}")
        conn.execute("PRAGMA journal_mode=DELETE")


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    "make, words",
    [(_truncated, "无法使用"), (_damaged_page, "完整性检查未通过")],
    ids=["truncated", "damaged-page"],
)
def test_a_damaged_database_of_ours_is_moved_aside_never_deleted(tmp_path: Path, make, words: str) -> None:
    path = tmp_path / "events.db"
    make(path)
    original = path.read_bytes()
    with EventStore.open(path) as store:
        assert len(store.notices) == 1
        notice = store.notices[0]
        assert words in notice
        moved = aside_files(tmp_path, "events.db")
        assert len(moved) == 1
        assert moved[0].read_bytes() == original  # the old file, byte for byte
        assert str(moved[0]) in notice
        assert moved[0].name.startswith("events.db.corrupt-")
        stamp = moved[0].name[len("events.db.corrupt-") :]
        datetime.strptime(stamp, "%Y%m%d-%H%M%S")
        # A new, empty, working database took its place.
        assert store.last_id() == 0
        store.append([("x", {})], T0)
        assert store.verify().ok


@pytest.mark.parametrize(
    "make, words",
    [
        (_random_bytes, "不是 SQLite"),
        (_truncated_header, "截断"),
        (_foreign_db, "其他程序"),
        (_foreign_app_id, "其他程序"),
        (_foreign_app_id_empty, "其他程序"),
    ],
    ids=["random", "truncated-header", "foreign-tables", "foreign-app-id", "foreign-app-id-empty"],
)
def test_a_file_that_never_was_ours_is_refused_not_renamed(tmp_path: Path, make, words: str) -> None:
    """Was: random bytes or another program's database were renamed to .corrupt-… and replaced."""
    path = tmp_path / "events.db"
    make(path)
    before = _listing(tmp_path)
    with pytest.raises(StoreError) as info:
        EventStore.open(path)
    assert words in str(info.value) and "未作任何改动" in str(info.value) and str(path) in str(info.value)
    assert _listing(tmp_path) == before and aside_files(tmp_path, "events.db") == []


def test_a_newer_database_is_refused_never_set_aside(tmp_path: Path) -> None:
    """Was: a newer user_version moved the whole database aside and started an empty one."""
    path = tmp_path / "events.db"
    _newer(path)
    before = _listing(tmp_path)
    for open_ in (EventStore.open, EventStore.open_readonly):
        with pytest.raises(StoreError) as info:
            open_(path)
        assert "请使用新版本" in str(info.value) and not isinstance(info.value, StoreUnreadable)
        assert _listing(tmp_path) == before and aside_files(tmp_path, "events.db") == []


@pytest.mark.parametrize(
    "make",
    [
        _random_bytes,
        _truncated,
        _truncated_header,
        _damaged_page,
        _foreign_db,
        _foreign_app_id,
        _foreign_app_id_empty,
        lambda p: p.write_bytes(b""),
    ],
    ids=[
        "random",
        "truncated",
        "truncated-header",
        "damaged-page",
        "foreign-tables",
        "foreign-app-id",
        "foreign-app-id-empty",
        "empty",
    ],
)
def test_read_only_open_of_an_unreadable_file_names_it_and_changes_nothing(tmp_path: Path, make) -> None:
    path = tmp_path / "events.db"
    make(path)
    before = _listing(tmp_path)
    with pytest.raises(StoreUnreadable) as info:
        EventStore.open_readonly(path)
    assert str(path) in str(info.value)
    assert _listing(tmp_path) == before


def test_read_only_open_creates_migrates_and_moves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    fill(path, 3)
    with closing(raw(path)) as conn:  # an older version: a recording open would migrate it
        conn.execute("PRAGMA user_version = 3")
    before = _listing(tmp_path)
    assert set(before) == {"events.db"}  # the last connection removed its -wal and -shm
    with EventStore.open_readonly(path) as store:
        assert store.verify().ok and store.verify().count == 3
        with pytest.raises(sqlite3.Error):
            store.conn.execute("INSERT INTO persons (added_at) VALUES ('x')")
    assert _listing(tmp_path) == before
    with pytest.raises(StoreMissing):
        EventStore.open_readonly(tmp_path / "missing.db")
    with pytest.raises(StoreMissing):
        EventStore.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_read_only_open_beside_a_writer_sees_its_events(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with EventStore.open(path) as writer:
        writer.append([("x", {})], T0)
        with EventStore.open_readonly(path) as reader:
            assert reader.verify().count == 1 and reader.still_current()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 7))  # /dev/full's numbers


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and device nodes")
@pytest.mark.parametrize(
    "make, words",
    [(Path.mkdir, "文件夹"), (_fifo, "管道"), (_device, "设备")],
    ids=["directory", "fifo", "device"],
)
def test_a_folder_fifo_or_device_is_refused_and_never_renamed(tmp_path: Path, make, words: str) -> None:
    """Was: run as root, `--db /dev/full verify-log` renamed the device node."""
    path = tmp_path / "events.db"
    make(path)
    for open_ in (EventStore.open, EventStore.open_readonly):
        with pytest.raises(StoreError) as info:
            open_(path)
        assert words in str(info.value) and not isinstance(info.value, StoreUnreadable)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["events.db"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_database_its_companions_and_its_folder_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "events.db"
        with EventStore.open(path) as store:
            store.append([("x", {})], T0)
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
        assert modes == {"events.db": 0o600, "events.db-wal": 0o600, "events.db-shm": 0o600}
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        os.umask(old)


def test_wal_companions_move_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    _truncated(path)
    damaged = path.read_bytes()
    Path(str(path) + "-wal").write_bytes(b"wal bytes")
    Path(str(path) + "-shm").write_bytes(b"shm bytes")
    with EventStore.open(path) as store:
        (moved,) = aside_files(tmp_path, "events.db")
        assert moved.read_bytes() == damaged
        # SQLite itself drops a -wal/-shm without a valid header when it judges the file; what is left moves
        for suffix, content in (("-wal", b"wal bytes"), ("-shm", b"shm bytes")):
            companion = Path(str(moved) + suffix)
            assert not companion.exists() or companion.read_bytes() == content
            assert (
                Path(str(path) + suffix).read_bytes() != content
                if Path(str(path) + suffix).exists()
                else True
            )
        assert store.notices and str(moved) in store.notices[0]
        assert store.last_id() == 0


def test_aside_name_gets_a_counter_when_taken(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    _truncated(tmp_path / "template.db")
    damaged = (tmp_path / "template.db").read_bytes()
    for _ in range(3):
        path.write_bytes(damaged)
        with EventStore.open(path) as store:
            assert len(store.notices) == 1
    moved = aside_files(tmp_path, "events.db")
    assert len(moved) == 3  # none overwritten, whatever the clock said
    for m in moved:
        assert m.read_bytes() == damaged


def test_zero_byte_file_is_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    path.write_bytes(b"")
    with EventStore.open(path) as store:
        assert store.notices == []
        store.append([("x", {})], T0)
    assert aside_files(tmp_path, "events.db") == []


def test_parent_is_a_file_raises_chinese_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file")
    with pytest.raises(StoreError) as info:
        EventStore.open(blocker / "events.db")
    message = str(info.value)
    assert str(blocker) in message
    assert "无法创建数据文件夹" in message
    assert blocker.read_text() == "I am a file"


# --- verify ------------------------------------------------------------------------------------


def test_empty_database_verifies(tmp_path: Path) -> None:
    with EventStore.open(tmp_path / "e.db") as store:
        report = store.verify()
        assert report.ok and report.count == 0 and report.first_bad_id is None and report.problems == ()


def test_verify_detects_tampered_payload(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    fill(path, 5)
    tamper(path, """UPDATE events SET payload = '{"mode":"copy","phrase":"other"}' WHERE id = 3""")
    with EventStore.open(path) as store:
        report = store.verify()
    assert not report.ok
    assert report.count == 5
    assert report.first_bad_id == 3
    assert report.problems == ("事件 #3 的哈希值不符（内容被改动过）",)


def test_verify_detects_deleted_row(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    fill(path, 7)
    tamper(path, "DELETE FROM events WHERE id = 6")
    with EventStore.open(path) as store:
        report = store.verify()
    assert not report.ok
    assert report.first_bad_id == 7
    assert "事件编号 #5 之后缺少 #6" in report.problems
    assert "事件 #7 的 prev_hash 与 #5 不符" in report.problems


def test_verify_detects_deleted_tail_rewritten_hashes(tmp_path: Path) -> None:
    """Even a tamperer who recomputes the hashes after deleting a row leaves a gap in ids."""
    path = tmp_path / "events.db"
    fill(path, 4)
    tamper(path, "DELETE FROM events WHERE id = 2")
    with closing(raw(path)) as conn:
        rows = conn.execute("SELECT id, at, kind, payload FROM events ORDER BY id").fetchall()
        prev = "0" * 64
        for event_id, at, kind, payload in rows:
            digest = expected_hash(prev, event_id, at, kind, payload)
            conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, event_id))
            prev = digest
    with EventStore.open(path) as store:
        report = store.verify()
    assert not report.ok and report.first_bad_id == 3
    assert report.problems == ("事件编号 #1 之后缺少 #2",)


def test_verify_detects_swapped_rows(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    fill(path, 5)
    # Swap the whole stored content (hashes included) of rows 2 and 4, keeping their ids.
    tamper(
        path,
        "CREATE TEMP TABLE o AS SELECT * FROM events WHERE id IN (2, 4)",
        "UPDATE events SET (at, kind, payload, prev_hash, hash) = "
        "(SELECT at, kind, payload, prev_hash, hash FROM o WHERE o.id = 6 - events.id) WHERE id IN (2, 4)",
    )
    with closing(raw(path)) as conn:
        payloads = [
            json.loads(r[0])["phrase"] for r in conn.execute("SELECT payload FROM events ORDER BY id")
        ]
    assert payloads == ["greet.0", "greet.3", "greet.2", "greet.1", "greet.4"]
    with EventStore.open(path) as store:
        report = store.verify()
    assert not report.ok
    assert report.first_bad_id == 2
    assert "事件 #2 的哈希值不符（内容被改动过）" in report.problems
    assert "事件 #2 的 prev_hash 与 #1 不符" in report.problems


# --- persons -----------------------------------------------------------------------------------


def test_personal_data_only_in_persons_and_purge_keeps_chain(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with EventStore.open(path) as store:
        old = store.add_person("李四", "13912345678", "幸福路 8 号", at=T0 - timedelta(days=40))
        new = store.add_person(name="王五", phone="13700000000", address="人民路 2 号", at=T0)
        store.append(
            [
                ("interaction_start", {"interaction": 1, "person": old}),
                ("interaction_start", {"interaction": 2, "person": new}),
            ],
            T0,
        )
        # "before" in another UTC offset than the stored times: compared as instants.
        cutoff = (T0 - timedelta(days=30)).astimezone(UTC)
        for expected in (1, 0):  # the second time: already purged
            (event,) = store.append(
                [("purge_personal", {})], T0, prepare=lambda conn: {"count": purge_rows(conn, cutoff)}
            )
            assert event.payload == {"count": expected}  # the change and its record: one transaction
        purged = store.person(old)
        assert purged is not None
        assert (purged["name"], purged["phone"], purged["address"]) == ("", "", "")
        assert purged["purged_at"] is not None
        kept = store.person(new)
        assert kept is not None and kept["name"] == "王五" and kept["purged_at"] is None
        assert store.person(9999) is None
        report = store.verify()
        assert report.ok and report.count == 4  # the two interactions and the two purge records
    with closing(raw(path)) as conn:
        stored = " ".join(r[0] for r in conn.execute("SELECT payload FROM events"))
    for secret in ("李四", "13912345678", "幸福路", "王五", "13700000000"):
        assert secret not in stored


# --- two writers -------------------------------------------------------------------------------


def test_two_stores_appending_in_alternation(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with EventStore.open(path) as a, EventStore.open(path) as b:
        for i in range(10):
            (a if i % 2 == 0 else b).append([("w", {"i": i}), ("w2", {"i": i})], T0)
        assert a.last_id() == b.last_id() == 20
        report = b.verify()
        assert report.ok and report.count == 20
        assert [e.id for e in a.events()] == list(range(1, 21))


def _writer(path: str, who: int, n: int, go) -> None:
    store = EventStore.open(Path(path))
    try:
        go.wait(60)  # both writers start appending at the same moment
        for i in range(n):
            store.append([("w", {"who": who, "i": i})], T0)
    finally:
        store.close()


def test_two_processes_writing_concurrently(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    EventStore.open(path).close()  # created before the writers start
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(str(path), who, 200, go)) for who in (1, 2)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
        p.close()
    with EventStore.open(path) as store:
        events = list(store.events())
        assert [e.id for e in events] == list(range(1, 401))
        assert sorted((e.payload["who"], e.payload["i"]) for e in events) == sorted(
            (w, i) for w in (1, 2) for i in range(200)
        )
        assert store.verify().ok


def test_every_recording_connection_zeroes_what_it_deletes(tmp_path: Path) -> None:
    """secure_delete is on by the store's own pragma, not only where the SQLite build defaults it on (Debian
    does; the Windows Python's SQLite does not): a purged row's bytes never stay in free space."""
    with EventStore.open(tmp_path / "events.db") as store:
        assert store.conn.execute("PRAGMA secure_delete").fetchone() == (1,)
