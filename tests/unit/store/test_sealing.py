"""The seals as the hall will check them (assistant.store.sealing.check_seals), epochs and a re-init."""

from __future__ import annotations

from datetime import datetime

from assistant.store import sealing
from assistant.store.event_log import EventStore


def rows(store):
    return store.conn.execute("SELECT id, kind, hash, mac FROM events ORDER BY id").fetchall()


def test_a_second_seal_init_needs_its_own_key(tmp_path):
    at = datetime(2026, 11, 2, 9).astimezone()
    with EventStore.open(tmp_path / "g.db") as store:
        store.append([("pause", {"reason": "会议"})], at)
        first = sealing.new_key()
        e1 = store.start_sealing(first, {"fingerprint": sealing.fingerprint(first)}, at)
        store.append([("resume", {})], at)
        second = sealing.new_key()
        e2 = store.start_sealing(second, {"fingerprint": sealing.fingerprint(second)}, at)
        store.append([("pause", {"reason": "培训"})], at)
        k1 = sealing.VerificationKey(first, e1.id, e1.hash)
        k2 = sealing.VerificationKey(second, e2.id, e2.hash)
        only_first = sealing.check_seals(rows(store), [k1])
        assert (
            not only_first.ok
            and only_first.first_bad_id == e2.id
            and "另一把封印密钥" in only_first.problems[0]
        )
        both = sealing.check_seals(rows(store), [k1, k2])
        assert both.ok and both.sealed == 4 and both.unsealed_before == 1
        assert store.verify([k1, k2]).ok


def test_the_key_file_of_another_database_seals_nothing(tmp_path):
    at = datetime(2026, 11, 2, 9).astimezone()
    with EventStore.open(tmp_path / "a.db") as a:
        a.start_sealing(sealing.new_key(), {}, at)
    (tmp_path / "b.db-seal").write_bytes((tmp_path / "a.db-seal").read_bytes())  # copied beside another log
    with EventStore.open(tmp_path / "b.db") as b:
        b.append([("pause", {"reason": "会议"})], at)
        assert rows(b)[0][3] is None


def test_a_key_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "k.json"
    path.write_text("{}")
    path.chmod(0o644)
    sealing.write_key_file(path, sealing.VerificationKey(sealing.new_key(), 3, "a" * 64), "g.db")
    assert path.stat().st_mode & 0o777 == 0o600
    assert sealing.read_key_file(path).init_id == 3


def test_verify_log_reads_a_database_from_before_sealing_without_migrating_it(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with EventStore.open(path) as store:
        store.append([("pause", {"reason": "会议"})], datetime(2026, 11, 2, 9).astimezone())
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE events DROP COLUMN mac")  # as version 4 left it
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with EventStore.open_readonly(path) as old:
        assert old.verify().ok and old.seal_state() == (None, 0)
