"""Issue 12 §1: records acknowledged while the database's -wal was deleted under the recording process.

The original failure, reproduced step by step: something in the recording process opens and closes the
database file by itself (Qt's file dialog sniffing it); closing that descriptor drops every POSIX lock the
process holds on the file; another process then opens and closes the database, believes itself the last
connection, and deletes the -wal and -shm; the recording process goes on committing into deleted files and
says 已记录. The store detects it after the commit, reopens the file by path and re-appends what the file lacks.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.desk import Desk
from assistant.store import event_log as store_module
from assistant.store.event_log import EventStore
from tests.conftest import ready_desk


def _other_process(path: Path, code: str = "") -> None:
    """Another process opens the database with SQLite, optionally records, and closes it."""
    program = (
        "import sqlite3, sys\n"
        "from datetime import datetime\n"
        "from assistant.store.event_log import EventStore\n"
        f"with EventStore.open(sys.argv[1]) as s:\n"
        f"    s.conn.execute('SELECT COUNT(*) FROM events').fetchone()\n"
        f"    {code or 'pass'}\n"
    )
    subprocess.run([sys.executable, "-c", program, str(path)], check=True, cwd=Path(__file__).parents[3])


def _stray_descriptor(path: Path) -> None:
    """Code in this process (not SQLite) opens the database file and closes it again."""
    with open(path, "rb") as f:
        f.read(100)


def _acknowledged(outcomes) -> list:
    return [e for o in outcomes for e in o.events]


def _in_file(path: Path) -> tuple[list[tuple], str]:
    """(id, at, kind, payload, hash) of every event and the integrity check, read by a fresh connection."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT id, at, kind, payload, hash FROM events ORDER BY id").fetchall()
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return rows, check


def _present(event, rows) -> bool:
    """The acknowledged event is in the file: as itself, or re-appended and marked with its original hash."""
    import json

    for _id, _at, kind, payload, digest in rows:
        if digest == event.hash:
            return True
        data = json.loads(payload)
        if kind == event.kind and data.get("recovered", {}).get("hash") == event.hash:
            return True
    return False


def _play(
    tmp_path: Path, scripts, clock, *, detect: bool, monkeypatch
) -> tuple[list, list[tuple], str, Path]:
    if not detect:
        monkeypatch.setattr(EventStore, "check_files", lambda self: None)
    path = tmp_path / "g.db"
    store = EventStore.open(path)
    desk = Desk(store, scripts, clock)
    outcomes = []
    ready_desk(desk)
    outcomes.append(desk.execute("waiting_set", {"count": 2}))
    _stray_descriptor(path)
    _other_process(path)
    assert not Path(str(path) + "-wal").exists()  # the other process deleted the log this one writes
    # ...and records something of its own (the lead's export record, in the issue)
    _other_process(path, "s.append([('export', {'rows': 1, 'format': 'csv'})], datetime.now().astimezone())")
    for _ in range(3):
        outcomes.append(desk.execute("interaction_start"))
        outcomes.append(desk.execute("interaction_end", {"outcome": "办结", "matter": "社保卡补办"}))
    assert all(o.accepted for o in outcomes)
    store.close()  # the clerk quits
    rows, check = _in_file(path)
    return _acknowledged(outcomes), rows, check, path


def test_without_detection_acknowledged_records_are_lost(tmp_path, scripts, clock, monkeypatch):
    """The hazard is real: with the check switched off, the sequence loses records (the original failure)."""
    acknowledged, rows, check, _ = _play(tmp_path, scripts, clock, detect=False, monkeypatch=monkeypatch)
    lost = [e for e in acknowledged if not _present(e, rows)]
    export_kept = any(kind == "export" for _, _, kind, _, _ in rows)
    assert lost or not export_kept or check != "ok"


def test_every_acknowledged_record_reaches_the_file(tmp_path, scripts, clock, monkeypatch):
    acknowledged, rows, check, path = _play(tmp_path, scripts, clock, detect=True, monkeypatch=monkeypatch)
    assert check == "ok"
    assert [e for e in acknowledged if not _present(e, rows)] == []
    assert any(kind == "export" for _, _, kind, _, _ in rows)  # the other process's record survives
    with EventStore.open(path) as reopened:
        assert reopened.verify().ok


def test_a_commit_into_deleted_files_is_re_appended_marked_recovered(tmp_path, clock):
    """Caught after the commit itself (the Desk's check before deciding had nothing to see yet)."""
    path = tmp_path / "g.db"
    with EventStore.open(path) as store:
        store.append([("waiting_set", {"count": 1})], clock.now())
        _stray_descriptor(path)
        _other_process(path)
        _other_process(path, "s.append([('export', {'rows': 1})], datetime.now().astimezone())")
        person = {"name": "张三", "phone": "13912345678"}
        with pytest.raises(store_module.StoreDetached):
            store.append(
                [("waiting_set", {"count": 2}), ("waiting_set", {"count": 3})],
                clock.now(),
                persons=[person, None],
            )
        with pytest.raises(store_module.StoreDetached):
            store.append([("waiting_set", {"count": 4})], clock.now())  # refused until mended
        recovered = store.reattach()
        assert [e.payload["count"] for e in recovered] == [2, 3]
        assert all(e.payload["recovered"]["at"] == e.at for e in recovered)
        assert store.person(recovered[0].payload["person_id"])["phone"] == "13912345678"
        store.append([("waiting_set", {"count": 5})], clock.now())
    with EventStore.open(path) as reopened:
        assert reopened.verify().ok
        kinds = [(e.kind, e.payload.get("count")) for e in reopened.events()]
    assert kinds == [
        ("waiting_set", 1),
        ("export", None),
        ("waiting_set", 2),
        ("waiting_set", 3),
        ("waiting_set", 5),
    ]


def test_the_ticker_notices_without_a_command_and_later_commands_land(tmp_path, scripts, clock):
    path = tmp_path / "g.db"
    with EventStore.open(path) as store:
        desk = ready_desk(Desk(store, scripts, clock))
        heard = []
        desk.subscribe(lambda outcome, state: heard.append(outcome))
        _stray_descriptor(path)
        _other_process(path)
        outcome = desk.check_store()
        assert outcome is not None and outcome.accepted and heard == [outcome]
        assert desk.check_store() is None  # mended: quiet again
        later = desk.execute("interaction_start")
        assert later.accepted
    rows, check = _in_file(path)
    assert check == "ok" and _present(later.events[0], rows)


def test_a_deleted_database_keeps_its_history_beside_it(tmp_path, scripts, clock):
    path = tmp_path / "g.db"
    with EventStore.open(path) as store:
        desk = ready_desk(Desk(store, scripts, clock))
        before = store.last_id()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink()
        outcome = desk.execute("waiting_set", {"count": 1})
        assert outcome.accepted
        copies = list(tmp_path.glob("g.db.recovered-*"))
        assert len(copies) == 1 and any("另存到" in n for n in store.notices)
    conn = sqlite3.connect(copies[0])
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] >= before
    conn.close()


def test_closing_a_connection_whose_log_was_deleted_leaves_the_live_files_alone(tmp_path):
    path = tmp_path / "g.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    other = sqlite3.connect(path, isolation_level=None)  # same process: keeps SQLite's own lock bookkeeping
    other.execute("INSERT INTO t VALUES (1)")
    assert store_module._no_checkpoint_on_close(conn)
    other.close()
    conn.close()
    assert Path(str(path) + "-wal").exists()  # not checkpointed and deleted on close


@pytest.mark.parametrize("held", [False, True])
def test_the_store_reads_the_header_itself_only_while_nothing_of_ours_holds_the_file(
    tmp_path, held, monkeypatch
):
    path = tmp_path / "g.db"
    first = EventStore.open(path) if held else None
    opened: list[str] = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    with EventStore.open(path):
        pass
    if first is not None:
        first.close()
    assert (str(path) in opened) is (not held)


def test_a_re_appended_event_points_at_fresh_rows_of_the_personal_data_found_in_it(tmp_path, clock):
    """Personal data found in free text (a persons row per item, a placeholder in the event) survives a reattach:
    the re-appended event's placeholders name the rows written with it."""
    path = tmp_path / "g.db"
    with EventStore.open(path) as store:
        store.append([("waiting_set", {"count": 1})], clock.now())
        _stray_descriptor(path)
        _other_process(path)
        _other_process(path, "s.append([('export', {'rows': 1})], datetime.now().astimezone())")
        token = "\ue0000\ue001"
        found = [{"column": "id_number", "label": "证件号", "value": "11010519491231002X", "token": token}]
        with pytest.raises(store_module.StoreDetached):
            store.append(
                [("fault_start", {"fault": f"证件 {token}"})],
                clock.now(),
                persons=[{"form": None, "found": found}],
            )
        (recovered,) = store.reattach()
        person_id = int(recovered.payload["fault"].split("#")[1].rstrip("〕"))
        assert store.person(person_id)["id_number"] == "11010519491231002X"
        assert recovered.payload["recovered"]["id"] == 2
