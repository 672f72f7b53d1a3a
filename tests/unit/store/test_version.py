"""The schema version as (major, minor): an older build opens a newer minor and refuses a newer major."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.store.event_log import SCHEMA_VERSION, EventStore, StoreError
from assistant.store.version import UserVersion

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def test_stored_as_major_shifted_sixteen_bits_or_minor_and_the_first_releases_read_as_zero_dot_n():
    assert UserVersion(2, 7).to_int() == 2 << 16 | 7
    assert UserVersion.from_int(2 << 16 | 7) == UserVersion(2, 7)
    assert [UserVersion.from_int(n) for n in (1, 2, 3, 4)] == [UserVersion(0, n) for n in (1, 2, 3, 4)]
    assert UserVersion(0, 65535) < UserVersion(1, 0)
    assert str(UserVersion(1, 2)) == "1.2"
    with pytest.raises(ValueError, match="无效"):
        UserVersion.from_int(-1)


def test_a_database_whose_minor_is_newer_opens_keeps_its_additions_and_its_version(tmp_path):
    path = tmp_path / "events.db"
    with EventStore.open(path) as store:
        store.append([("phrase_used", {"phrase": "greet.hello", "mode": "copy"})], T0)
    newer = UserVersion(SCHEMA_VERSION.major, SCHEMA_VERSION.minor + 1)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:  # what a newer build's minor step adds
        conn.execute("CREATE TABLE newer_notes (id INTEGER PRIMARY KEY, note TEXT DEFAULT '')")
        conn.execute("ALTER TABLE events ADD COLUMN newer_tag TEXT DEFAULT ''")
        conn.execute("INSERT INTO newer_notes (note) VALUES ('kept')")
        conn.execute(f"PRAGMA user_version = {newer.to_int()}")
    with EventStore.open(path) as store:
        assert store.notices == []
        store.append([("phrase_used", {"phrase": "greet.bye", "mode": "copy"})], T0)
        assert store.last_id() == 2
        assert store.verify().ok
    assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name] == []
    assert user_version(path) == newer.to_int()  # never lowered by the older build
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT note FROM newer_notes").fetchall() == [("kept",)]


def test_a_database_whose_major_is_newer_is_not_opened(tmp_path):
    path = tmp_path / "events.db"
    with EventStore.open(path) as store:
        store.append([("phrase_used", {"phrase": "greet.hello", "mode": "copy"})], T0)
    newer = UserVersion(SCHEMA_VERSION.major + 1, 0)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(f"PRAGMA user_version = {newer.to_int()}")
    try:  # how it is refused (set aside, or left and refused) is the store's opening policy (test_store.py)
        with EventStore.open(path) as store:
            said = store.notices
            assert store.last_id() == 0  # not the newer database
    except StoreError as exc:
        said = [str(exc)]
    assert any(f"数据库版本 {newer}" in line and "更新版本" in line for line in said)
