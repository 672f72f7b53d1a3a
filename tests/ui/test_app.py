"""Starting the GUI when the database cannot be where it was asked to be."""

from datetime import datetime

from assistant.store.event_log import EventStore
from ui.app import open_store_for_gui


def test_unusable_db_path_falls_back_and_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    store, notices = open_store_for_gui(blocker / "db" / "assistant.db")
    try:
        assert store.path == tmp_path / "data" / "assistant.db"
        assert any("无法创建" in n for n in notices)
        assert any(str(store.path) in n for n in notices)
    finally:
        store.close()


def test_a_damaged_db_of_ours_is_set_aside_and_the_gui_is_told(tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    db = tmp_path / "assistant.db"
    with EventStore.open(db) as store:
        for i in range(200):
            store.append([("phrase_used", {"phrase": f"p{i}"})], datetime(2026, 11, 26, 9, 0).astimezone())
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    store, notices = open_store_for_gui(db)
    try:
        assert store.path == db
        aside = list(tmp_path.glob("assistant.db.corrupt-*"))
        assert aside and any(str(aside[0]) in n for n in notices)
    finally:
        store.close()


def test_a_file_that_never_was_ours_is_left_alone_and_the_gui_records_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    db = tmp_path / "assistant.db"
    db.write_bytes(b"\x00garbage" * 512)
    store, notices = open_store_for_gui(db)
    try:
        assert store.path == tmp_path / "data" / "assistant.db"
        assert db.read_bytes() == b"\x00garbage" * 512 and not list(tmp_path.glob("assistant.db.corrupt-*"))
        assert any(str(db) in n and "不是本助手的数据文件" in n for n in notices)
    finally:
        store.close()
