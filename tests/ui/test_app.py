"""Starting the GUI when the database cannot be where it was asked to be."""

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


def test_corrupt_db_is_set_aside_and_the_gui_is_told(tmp_path):
    db = tmp_path / "assistant.db"
    db.write_bytes(b"\x00garbage" * 512)
    store, notices = open_store_for_gui(db)
    try:
        assert store.path == db
        aside = list(tmp_path.glob("assistant.db.corrupt-*"))
        assert aside and any(str(aside[0]) in n for n in notices)
    finally:
        store.close()
