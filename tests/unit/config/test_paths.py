"""Windows paths (assistant/config/paths.py): %LOCALAPPDATA% with the move from the roaming %APPDATA%, and files held
open by another program (antivirus, Excel) while we replace them."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from assistant.config import paths
from assistant.reports.exporting import ExportError, export
from assistant.reports.model import ReportFilter
from tests.conftest import ready_desk
from tests.fakes.win32 import SharingViolation


@pytest.fixture
def windows_env(tmp_path) -> dict[str, str]:
    return {"APPDATA": str(tmp_path / "Roaming"), "LOCALAPPDATA": str(tmp_path / "Local")}


def test_windows_keeps_data_in_localappdata_and_an_override_wins(windows_env, tmp_path):
    assert paths.data_dir("win32", windows_env) == tmp_path / "Local" / "window-assistant"
    assert paths.data_dir("win32", {**windows_env, "WA_DATA_DIR": str(tmp_path / "x")}) == tmp_path / "x"
    assert paths.legacy_data_dir("win32", {**windows_env, "WA_DATA_DIR": str(tmp_path / "x")}) is None
    assert paths.legacy_data_dir("linux", windows_env) is None


def _roaming_folder_with_a_wal_database(old: Path) -> None:
    """What an earlier version left in %APPDATA%: a WAL database whose last rows are only in the -wal."""
    old.mkdir(parents=True)
    live = old.parent / "live"
    live.mkdir()
    conn = sqlite3.connect(live / "assistant.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO events (body) VALUES (?)", [("迎",), ("问",), ("送",)])
    conn.commit()
    for name in ("assistant.db", "assistant.db-wal", "assistant.db-shm"):  # copied while open: WAL not merged
        shutil.copy(live / name, old / name)
    conn.close()
    (old / "lead_pin.json").write_text(json.dumps({"pin_hash": "x"}), encoding="utf-8")
    (old / "terminal-id").write_text("PC-1\n", encoding="utf-8")
    (old / "hall-cache").mkdir()
    (old / "hall-cache" / "PC-2.db").write_bytes(b"cache")


def test_the_roaming_folder_moves_whole_on_first_start_and_nothing_stays_behind(windows_env, tmp_path):
    old, new = tmp_path / "Roaming" / "window-assistant", tmp_path / "Local" / "window-assistant"
    _roaming_folder_with_a_wal_database(old)
    assert (old / "assistant.db-wal").stat().st_size > 0
    notice = paths.migrate_legacy_data("win32", windows_env)
    assert notice is not None and str(new) in notice and "已从" in notice
    assert not old.exists() and not (tmp_path / "Local" / "window-assistant.migrating").exists()
    assert sorted(p.name for p in new.iterdir()) == sorted(
        ["assistant.db", "assistant.db-wal", "assistant.db-shm", "lead_pin.json", "terminal-id", "hall-cache"]
    )
    with sqlite3.connect(new / "assistant.db") as conn:
        assert [r[0] for r in conn.execute("SELECT body FROM events ORDER BY id")] == ["迎", "问", "送"]
    assert paths.migrate_legacy_data("win32", windows_env) is None  # once


def test_an_existing_local_folder_is_never_merged_over(windows_env, tmp_path):
    old, new = tmp_path / "Roaming" / "window-assistant", tmp_path / "Local" / "window-assistant"
    _roaming_folder_with_a_wal_database(old)
    new.mkdir(parents=True)
    (new / "assistant.db").write_bytes(b"newer")
    notice = paths.migrate_legacy_data("win32", windows_env)
    assert notice is not None and str(old) in notice and "未合并" in notice
    assert (old / "assistant.db-wal").exists() and (new / "assistant.db").read_bytes() == b"newer"


def test_a_copy_cut_short_leaves_the_old_folder_as_it_was(windows_env, tmp_path, monkeypatch):
    old, new = tmp_path / "Roaming" / "window-assistant", tmp_path / "Local" / "window-assistant"
    _roaming_folder_with_a_wal_database(old)

    def copy_fails(src, dst, *args, **kwargs):
        Path(dst).mkdir(parents=True)
        (Path(dst) / "assistant.db").write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copytree", copy_fails)
    notice = paths.migrate_legacy_data("win32", windows_env)
    assert notice is not None and "无法把数据" in notice
    assert not new.exists() and not (tmp_path / "Local" / "window-assistant.migrating").exists()
    assert (old / "assistant.db-wal").exists() and paths.data_dir("win32", windows_env) == old


def test_a_folder_still_in_use_is_not_moved_and_stays_in_use_for_this_run(windows_env, tmp_path, monkeypatch):
    """Windows refuses to rename a folder while a file in it is open (an older copy of the program still
    running): MoveFileEx fails with ERROR_ACCESS_DENIED or ERROR_SHARING_VIOLATION, a PermissionError."""
    old, new = tmp_path / "Roaming" / "window-assistant", tmp_path / "Local" / "window-assistant"
    _roaming_folder_with_a_wal_database(old)
    rename = os.rename

    def in_use(src, dst):
        if Path(src) == old:
            raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", str(src))
        rename(src, dst)

    monkeypatch.setattr(os, "rename", in_use)
    notice = paths.migrate_legacy_data("win32", windows_env)
    assert notice is not None and "正被使用" in notice and "本次仍用它" in notice
    assert paths.data_dir("win32", windows_env) == old and not new.exists()  # the records are not split
    monkeypatch.setattr(os, "rename", rename)  # the other copy was closed: the next start moves it
    assert "已从" in paths.migrate_legacy_data("win32", windows_env)
    assert paths.data_dir("win32", windows_env) == new and not old.exists()


def test_a_move_cut_off_halfway_is_finished_on_the_next_start(windows_env, tmp_path):
    old, new = tmp_path / "Roaming" / "window-assistant", tmp_path / "Local" / "window-assistant"
    _roaming_folder_with_a_wal_database(old)
    os.rename(old, old.with_name("window-assistant.moving"))  # the power went off after step 1
    (tmp_path / "Local").mkdir()
    (tmp_path / "Local" / "window-assistant.migrating").mkdir()  # … or in the middle of the copy
    assert "已从" in paths.migrate_legacy_data("win32", windows_env)
    assert (new / "assistant.db-wal").exists() and not (
        tmp_path / "Roaming" / "window-assistant.moving"
    ).exists()
    assert sorted(p.name for p in (tmp_path / "Local").iterdir()) == ["window-assistant"]


def test_a_held_target_is_retried_until_it_is_let_go(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPLACE_FIRST_DELAY_S", 0.0)
    target, temp = tmp_path / "lead_pin.json", tmp_path / "lead_pin.tmp"
    target.write_text("old", encoding="utf-8")
    temp.write_text("new", encoding="utf-8")
    fake = SharingViolation(target, held=3)
    monkeypatch.setattr(os, "replace", fake)
    paths.replace_file(temp, target)
    assert fake.attempts == 4 and target.read_text(encoding="utf-8") == "new" and not temp.exists()


def test_a_target_held_for_good_is_a_chinese_message_and_nothing_is_left(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPLACE_FIRST_DELAY_S", 0.0)
    target, temp = tmp_path / "lead_pin.json", tmp_path / "lead_pin.tmp"
    target.write_text("old", encoding="utf-8")
    temp.write_text("new", encoding="utf-8")
    monkeypatch.setattr(os, "replace", SharingViolation(target, held=-1))
    with pytest.raises(paths.FileInUseError, match="正被其他程序占用"):
        paths.replace_file(temp, target)
    assert target.read_text(encoding="utf-8") == "old" and not temp.exists()


def test_an_export_over_a_workbook_open_in_excel_is_a_chinese_error(desk, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPLACE_FIRST_DELAY_S", 0.0)
    ready_desk(desk)
    out = tmp_path / "报表.xlsx"
    out.write_bytes(b"the lead's open copy")
    monkeypatch.setattr(os, "replace", SharingViolation(out, held=-1))
    day = date(2026, 11, 26)
    with pytest.raises(ExportError, match="正被其他程序占用"):
        export(desk, ReportFilter(day, day, today=day), "xlsx", out)
    assert out.read_bytes() == b"the lead's open copy"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".报表")] == []  # no temporary file left
