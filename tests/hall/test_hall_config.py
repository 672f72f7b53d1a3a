"""Hall configuration and status wording (no server needed)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from assistant import hall
from assistant.cli import build_parser
from tests.conftest import ROOT


def test_terminal_id_is_made_once_and_kept_in_the_data_folder(tmp_path):
    first = hall.terminal_id(tmp_path)
    assert first == hall.terminal_id(tmp_path) == (tmp_path / hall.TERMINAL_FILE).read_text().strip()
    assert len(first) > 12 and first != hall.terminal_id(tmp_path / "other")


def test_terminal_id_when_many_start_together(tmp_path):
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(hall.terminal_id(tmp_path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1


def test_the_hall_url_comes_from_the_option_then_settings_then_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(hall.ENV_URL, raising=False)
    assert hall.hall_url(None, None) is None
    assert hall.hall_url(None, tmp_path) is None
    (tmp_path / "settings.toml").write_text('[hall]\nurl = "postgresql://hall@srv/db"\n', encoding="utf-8")
    monkeypatch.setenv(hall.ENV_URL, "postgresql://env@srv/db")
    assert hall.hall_url(None, tmp_path) == "postgresql://hall@srv/db"
    assert hall.hall_url("postgresql://cli@srv/db", tmp_path) == "postgresql://cli@srv/db"
    assert hall.hall_url(None, None) == "postgresql://env@srv/db"
    (tmp_path / "settings.toml").write_text("[hall\n", encoding="utf-8")   # broken: falls through
    assert hall.hall_url(None, tmp_path) == "postgresql://env@srv/db"


def test_urls_are_checked_and_passwords_never_shown():
    assert hall.safe_url("postgresql://clerk:s3cret@srv:5432/hall") == "postgresql://clerk:***@srv:5432/hall"
    assert hall.safe_url("postgresql://clerk@srv/hall") == "postgresql://clerk@srv/hall"
    with pytest.raises(hall.HallError, match="postgresql://") as caught:
        hall.check_url("mysql://u:pw@srv/db")
    assert "pw" not in str(caught.value)


def test_hall_is_a_global_option_before_the_sub_command():
    args = build_parser().parse_args(["--hall", "postgresql://h/db", "status"])
    assert args.hall == "postgresql://h/db" and args.command == "status"
    assert build_parser().parse_args([]).hall is None


def test_hall_appears_in_main_help():
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"], capture_output=True, text=True,
                         env={"WA_NO_VENV": "1", "PATH": "/usr/bin:/bin"}, check=True, cwd=ROOT).stdout
    assert "--hall" in out and "大厅数据库" in out


def test_sidebar_note_says_each_change_once():
    s = hall.HallStatus
    online = s(state=hall.ONLINE, message="已同步")
    offline = s(state=hall.OFFLINE, message="连不上")
    refused = s(state=hall.REFUSED, message="拒收 #6", rejected_seq=6)
    assert hall.sidebar_note(None, s()) is None                      # connecting: nothing yet
    assert hall.sidebar_note(None, online) == "已同步"
    assert hall.sidebar_note(online, online) is None
    assert hall.sidebar_note(online, offline) == "连不上"
    assert hall.sidebar_note(offline, offline) is None
    assert hall.sidebar_note(offline, online) == "已同步"
    assert hall.sidebar_note(online, refused) == "拒收 #6"
    assert hall.sidebar_note(refused, refused) is None
    assert hall.sidebar_note(online, s(state=hall.STOPPED)) is None


def test_no_pusher_without_a_hall_or_for_a_memory_store(tmp_path, monkeypatch):
    monkeypatch.delenv(hall.ENV_URL, raising=False)
    assert hall.pusher_for_gui(None, None, tmp_path / "a.db", tmp_path) == (None, None)
    pusher, notice = hall.pusher_for_gui("postgresql://h/db", None, ":memory:", tmp_path)
    assert pusher is None and "内存" in notice
    pusher, notice = hall.pusher_for_gui("http://h/db", None, tmp_path / "a.db", tmp_path)
    assert pusher is None and "postgresql://" in notice
