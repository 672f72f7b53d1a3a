"""Hall configuration and status wording (no server needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.cli.commands import build_parser
from assistant.hall import config as hall_config
from assistant.hall import pusher as hall_pusher
from tests.conftest import ROOT


def test_the_hall_url_comes_from_the_option_then_settings_then_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(hall_config.ENV_URL, raising=False)
    assert hall_config.hall_url(None, None) is None
    assert hall_config.hall_url(None, tmp_path) is None
    (tmp_path / "settings.toml").write_text('[hall]\nurl = "postgresql://hall@srv/db"\n', encoding="utf-8")
    monkeypatch.setenv(hall_config.ENV_URL, "postgresql://env@srv/db")
    assert hall_config.hall_url(None, tmp_path) == "postgresql://hall@srv/db"
    assert hall_config.hall_url("postgresql://cli@srv/db", tmp_path) == "postgresql://cli@srv/db"
    assert hall_config.hall_url(None, None) == "postgresql://env@srv/db"
    (tmp_path / "settings.toml").write_text("[hall\n", encoding="utf-8")  # broken: falls through
    assert hall_config.hall_url(None, tmp_path) == "postgresql://env@srv/db"


def test_urls_are_checked_and_passwords_never_shown():
    assert (
        hall_config.safe_url("postgresql://clerk:s3cret@srv:5432/hall")
        == "postgresql://clerk:***@srv:5432/hall"
    )
    assert hall_config.safe_url("postgresql://clerk@srv/hall") == "postgresql://clerk@srv/hall"
    with pytest.raises(hall_config.HallError, match="postgresql://") as caught:
        hall_config.check_url("mysql://u:pw@srv/db")
    assert "pw" not in str(caught.value)


def test_hall_is_a_global_option_before_the_sub_command():
    args = build_parser().parse_args(["--hall", "postgresql://h/db", "status"])
    assert args.hall == "postgresql://h/db" and args.command == "status"
    assert build_parser().parse_args([]).hall is None


def test_hall_appears_in_main_help():
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--help"],
        capture_output=True,
        text=True,
        env={"WA_NO_VENV": "1", "PATH": "/usr/bin:/bin"},
        check=True,
        cwd=ROOT,
    ).stdout
    assert "--hall" in out and "大厅数据库" in out


def test_sidebar_note_says_each_change_once():
    s = hall_pusher.HallStatus
    online = s(state=hall_pusher.ONLINE, message="已同步")
    offline = s(state=hall_pusher.OFFLINE, message="连不上")
    refused = s(state=hall_pusher.REFUSED, message="拒收 #6", rejected_seq=6)
    assert hall_pusher.sidebar_note(None, s()) is None  # connecting: nothing yet
    assert hall_pusher.sidebar_note(None, online) == "已同步"
    assert hall_pusher.sidebar_note(online, online) is None
    assert hall_pusher.sidebar_note(online, offline) == "连不上"
    assert hall_pusher.sidebar_note(offline, offline) is None
    assert hall_pusher.sidebar_note(offline, online) == "已同步"
    assert hall_pusher.sidebar_note(online, refused) == "拒收 #6"
    assert hall_pusher.sidebar_note(refused, refused) is None
    assert hall_pusher.sidebar_note(online, s(state=hall_pusher.STOPPED)) is None


def test_no_pusher_without_an_enrolment_or_for_a_memory_store(tmp_path, monkeypatch):
    monkeypatch.delenv(hall_config.ENV_URL, raising=False)
    assert hall_pusher.pusher_for_gui(None, None, tmp_path / "a.db") == (None, None)
    pusher, notice = hall_pusher.pusher_for_gui("postgresql://h/db", None, ":memory:")
    assert pusher is None and "内存" in notice
    pusher, notice = hall_pusher.pusher_for_gui("postgresql://h/db", None, tmp_path / "a.db")
    assert pusher is None and "尚未登记" in notice and "hall join" in notice
    hall_config.enrolment_path(tmp_path / "a.db").write_text("{oops", encoding="utf-8")
    pusher, notice = hall_pusher.pusher_for_gui(None, None, tmp_path / "a.db")
    assert pusher is None and "hall join" in notice


def test_urls_on_the_command_line_carry_no_password():
    assert hall_config.url_without_password("postgresql://lead@srv/hall") == "postgresql://lead@srv/hall"
    assert hall_config.url_without_password("postgresql://?service=hall") == "postgresql://?service=hall"
    for url in ("postgresql://lead:pw@srv/hall", "postgres://lead@srv/hall?sslmode=require&password=pw"):
        with pytest.raises(hall_config.HallError, match="不能带密码"):
            hall_config.url_without_password(url)
