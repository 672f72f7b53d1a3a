"""Degraded machines, the sidebar (issue 8): the disk fills up, the data folder cannot be written, no tray,
no speech, no X display, no hall scripts folder. The sidebar keeps running and says why in Chinese.

Permissions: tests run as root, who ignores them. The read-only cases run the GUI in a child process that
imports everything as root (the interpreter and Qt live under /root, which is private) and then becomes
the user nobody (setgid/setuid) before it opens the store: from then on every permission applies. The
child first checks that a plain write to the read-only place fails, or the test would prove nothing.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel

from assistant.config.scripts import load_scripts
from assistant.desk import Desk
from assistant.store.event_log import EventStore
from tests.conftest import RUNNING_AS_ROOT, ready_desk, sha256
from tests.fakes.hotkeys import FakeBackend
from tests.fakes.paste import FakeSender
from ui.platform.hotkey_bridge import HotkeyBridge
from ui.platform.tray import NO_TRAY
from ui.shell import build_shell

ROOT = Path(__file__).resolve().parents[2]
NOBODY_UID, NOBODY_GID = 65534, 65534


def fill_disk(store: EventStore) -> None:
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")


def free_disk(store: EventStore) -> None:
    store.conn.execute("PRAGMA max_page_count = 1073741823")


@pytest.fixture
def make_shell(qtbot, tmp_path, monkeypatch):
    """build_shell(desk, problems, hotkeys=…, sender=…) with private settings; closes what it opened."""
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WA_NO_SPEECH", "1")
    opened = []

    def make(desk, problems=(), **kwargs):
        kwargs.setdefault("hotkeys", HotkeyBridge(FakeBackend()))
        kwargs.setdefault("sender", (FakeSender(), ""))
        settings = QSettings(str(tmp_path / "sidebar.ini"), QSettings.IniFormat)
        sidebar = build_shell(QApplication.instance(), desk, list(problems), settings=settings, **kwargs)
        qtbot.addWidget(sidebar)
        qtbot.waitUntil(lambda: sidebar.shell.panel is not None, timeout=5000)
        opened.append(sidebar)
        return sidebar

    yield make
    for sidebar in opened:
        sidebar.shell.close()
        for window in (sidebar.shell._composer, sidebar.shell._quick_search, sidebar.shell._review):
            if window is not None:
                window.close()


# ─── a full disk ────────────────────────────────────────────────────────────────────────────────


def test_a_full_disk_shows_not_saved_and_the_sidebar_runs_on(make_shell, desk, store):
    sidebar = make_shell(desk)
    ready_desk(desk)
    fill_disk(store)
    for _ in range(500):  # the waiting counter goes up until the database may not grow any more
        shown = sidebar.waiting_label.text()
        before = desk.state
        sidebar.waiting_plus.click()
        if desk.state == before:
            break
    else:
        raise AssertionError("the disk never filled up")
    message = sidebar.message.text()
    assert message.startswith("记录未能保存：磁盘已满") and message.endswith("本次操作未生效。")
    assert "请联系管理员" in message
    assert sidebar.waiting_label.text() == shown  # the count the clerk sees is the count recorded
    assert sidebar.isVisible()
    free_disk(store)
    sidebar.waiting_plus.click()
    assert sidebar.message.text().startswith("已记录")
    assert desk.state.waiting == before.waiting + 1
    assert store.verify().ok


def test_a_phrase_used_on_a_full_disk_is_still_copied_and_says_not_saved(make_shell, desk, store):
    sidebar = make_shell(desk)
    panel = sidebar.phrase_panel
    fill_disk(store)
    for _ in range(500):
        recorded = len(list(store.events()))
        panel.use("greet.wait", "copy")
        if len(list(store.events())) == recorded:
            break
    assert QGuiApplication.clipboard().text() == "请稍候，我们马上为您办理！"  # the clerk can still use it
    assert panel.message.text().startswith("记录未能保存：磁盘已满")


# ─── no tray, no speech, no X display, no hall scripts folder ───────────────────────────────────


def test_no_tray_says_so_in_the_message_line(make_shell, desk):
    sidebar = make_shell(desk)
    # offscreen has no system tray, like a bare desktop without a panel
    assert sidebar.tray.available is False and not sidebar.tray.icon.isVisible()
    assert NO_TRAY in sidebar.message.text()
    assert (
        sidebar.collapse_button.isVisible() and sidebar.pause_button.isVisible()
    )  # what the tray menu offers


def test_the_tray_reason_survives_the_hotkey_status(make_shell, desk):
    sidebar = make_shell(desk, hotkeys=HotkeyBridge(None, reason="全局热键不可用（测试）。"))
    lines = sidebar.message.text().splitlines()
    assert "全局热键不可用（测试）。" in lines and NO_TRAY in lines


def test_no_speech_engine_disables_speaking_with_the_reason(make_shell, desk, monkeypatch):
    monkeypatch.delenv("WA_NO_SPEECH")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)  # no espeak-ng library on this PC
    sidebar = make_shell(desk)
    panel = sidebar.phrase_panel
    assert panel.speech_ok is False
    assert panel.speech_status.isVisible() and panel.speech_status.text() == "朗读不可用"
    assert "espeak-ng" in panel.speech_status.toolTip() and not panel.care.isEnabled()
    panel.use("greet.wait", "speak")
    assert "espeak-ng" in panel.message.text() and "朗读不可用" in panel.message.text()
    panel.use("greet.wait", "copy")  # everything else works
    assert QGuiApplication.clipboard().text() == "请稍候，我们马上为您办理！"


def test_speech_switched_off_says_so(make_shell, desk):
    panel = make_shell(desk).phrase_panel
    assert panel.speech_ok is False and "WA_NO_SPEECH" in panel.speech_status.toolTip()


def test_no_x_display_falls_back_to_in_window_keys_and_the_clipboard(make_shell, desk, monkeypatch, qtbot):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "WA_NO_HOTKEYS"):
        monkeypatch.delenv(name, raising=False)
    sidebar = make_shell(desk, hotkeys=None, sender=None)  # the desktop's own: there is none
    assert sidebar.shell.hotkeys.backend is None
    assert "没有图形桌面（DISPLAY 未设置），全局热键不可用。" in sidebar.message.text().splitlines()
    assert sidebar.shell.inserter.sender is None and "没有 X11 桌面" in sidebar.shell.inserter.reason
    sidebar.phrase_panel.use("greet.wait", "insert")
    assert QGuiApplication.clipboard().text() == "请稍候，我们马上为您办理！"  # ready for Ctrl+V
    ready_desk(desk)
    sidebar.on_start()  # the in-window keys still work: 来人 without the global hotkey
    assert desk.state.interaction is not None


def test_no_x_display_tells_the_clerk_to_paste_with_ctrl_v(make_shell, desk, monkeypatch, qtbot):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "WA_NO_HOTKEYS"):
        monkeypatch.delenv(name, raising=False)
    sidebar = make_shell(desk, hotkeys=None, sender=None)
    sidebar.phrase_panel.use("greet.wait", "insert")
    qtbot.wait(50)
    assert "没有 X11 桌面" in sidebar.phrase_panel.message.text(), sidebar.phrase_panel.message.text()


def test_a_missing_scripts_folder_is_in_the_problems_banner_and_the_defaults_work(
    make_shell, store, clock, tmp_path
):
    missing = tmp_path / "no" / "such" / "dir"
    scripts = load_scripts(missing)
    desk = Desk(store, scripts, clock)
    sidebar = make_shell(desk, [str(p) for p in scripts.problems], scripts_dir=missing)
    banner = sidebar.findChild(QLabel, "problems")
    assert (
        banner is not None and "找不到大厅话术文件夹" in banner.text() and "内置的默认文件" in banner.text()
    )
    sidebar.shell.open_quick_search()  # its index cache goes to the data folder instead
    assert sidebar.shell._quick_search is not None
    assert not missing.exists()  # nothing is created where the hall's folder should have been
    ready_desk(desk)
    assert desk.execute("interaction_start").accepted


def test_the_gui_starts_with_a_missing_scripts_folder(tmp_path):
    """`python main.py --scripts /no/such/dir`: the window comes up, the problem is named on stderr."""
    env = {
        **os.environ,
        "WA_NO_VENV": "1",
        "QT_QPA_PLATFORM": "offscreen",
        "WA_EXIT_AFTER_SHOWN": "1",
        "WA_DATA_DIR": str(tmp_path / "data"),
        "WA_NO_SPEECH": "1",
        "WA_NO_HOTKEYS": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--scripts", str(tmp_path / "no-such-dir")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "注意：no-such-dir：找不到大厅话术文件夹" in result.stderr


# ─── a data folder / database the user cannot write (as nobody) ─────────────────────────────────

# Runs as root until everything is imported, then as nobody. argv: wanted db, probe path, result file.
GUI_CHILD = textwrap.dedent("""
    import json, os, sys, tempfile
    sys.path.insert(0, {root!r})
    tempfile.tempdir = os.environ["TMPDIR"]  # the fallback of last resort is this folder, writable or not
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QLabel
    app = QApplication(sys.argv[:1])
    from assistant.config import paths
    from assistant.edges.clock import SystemClock
    from assistant.desk import Desk
    from assistant.config.scripts import load_scripts
    from ui.app import open_store_for_gui
    from ui.shell import build_shell
    import assistant.edges.speech, assistant.domain.search, assistant.edges.lead_pin, ui.sidebar.window, ui.platform.dock, ui.platform.tray, ui.platform.focus  # noqa
    import ui.platform.hotkey_bridge, ui.platform.paste, ui.panels.phrase_panel, ui.sidebar.closing_banner, ui.panels.pause_sign, ctypes.util  # noqa
    scripts = load_scripts()
    os.setgroups([])
    os.setgid({gid})
    os.setuid({uid})
    wanted, probe, out = sys.argv[1:4]
    report = {{"uid": os.getuid()}}
    try:
        open(probe, "ab").close()
        report["probe_written"] = True
    except OSError:
        report["probe_written"] = False
    store, notices = open_store_for_gui(wanted)
    desk = Desk(store, scripts, SystemClock())
    settings = QSettings(os.path.join(os.environ["HOME"], "sidebar.ini"), QSettings.IniFormat)
    sidebar = build_shell(app, desk, notices, settings=settings)
    sidebar.shell.finish()
    banner = sidebar.findChild(QLabel, "problems")
    sidebar.waiting_plus.click()
    report.update(store=str(store.path), notices=notices, banner=banner.text() if banner else "",
                  message=sidebar.message.text(), waiting=desk.state.waiting,
                  kept=[e.kind for e in store.events()])
    sidebar.shell.close()
    store.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False)
""").format(root=str(ROOT), uid=NOBODY_UID, gid=NOBODY_GID)


def run_gui_as_nobody(shared: Path, wanted: Path, probe: Path, tmpdir: Path) -> dict:
    if not RUNNING_AS_ROOT:
        pytest.skip("becoming the user nobody needs root (and POSIX)")
    home = shared / "home"
    home.mkdir(exist_ok=True)
    os.chown(home, NOBODY_UID, NOBODY_GID)
    out = home / "report.json"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "WA_NO_SPEECH": "1",
        "WA_NO_HOTKEYS": "1",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_RUNTIME_DIR": str(home),
        "WA_DATA_DIR": str(shared / "data"),
        "TMPDIR": str(tmpdir),
        "PYTHONIOENCODING": "utf-8",
    }
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-c", GUI_CHILD, str(wanted), str(probe), str(out)],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["uid"] == NOBODY_UID
    assert report["probe_written"] is False, "the permission does not bite: this test would prove nothing"
    return report


def _day(path: Path, clock) -> int:
    with EventStore.open(path) as store:
        ready_desk(Desk(store, load_scripts(), clock))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(list(store.events()))


def test_a_read_only_database_at_start_records_in_the_fallback_and_says_so(shared_dir, clock):
    folder = shared_dir / "hall"
    folder.mkdir()
    folder.chmod(0o777)  # the folder is open, the database file is not
    wanted = folder / "assistant.db"
    recorded = _day(wanted, clock)
    wanted.chmod(0o644)
    data = shared_dir / "data"  # the user's data folder cannot be written either
    data.mkdir(mode=0o555)
    data.chmod(0o555)
    tmpdir = shared_dir / "tmp"
    tmpdir.mkdir()
    tmpdir.chmod(0o777)
    digest = sha256(wanted)
    report = run_gui_as_nobody(shared_dir, wanted, wanted, tmpdir)
    assert report["store"] == str(tmpdir / "window-assistant.db")
    assert f"数据文件 {wanted} 只能读取，不能写入" in report["banner"]
    assert f"记录暂存到 {tmpdir / 'window-assistant.db'}" in report["banner"]
    assert report["message"].startswith("已记录") and report["waiting"] == 1
    assert sha256(wanted) == digest  # nothing existing is lost or changed
    with EventStore.open(wanted) as store:
        assert len(list(store.events())) == recorded and store.verify().ok


def test_nowhere_to_write_still_starts_and_says_nothing_will_be_kept(shared_dir, clock):
    wanted_dir = shared_dir / "hall"
    wanted_dir.mkdir(mode=0o555)
    wanted_dir.chmod(0o555)
    for name in ("data", "tmp"):
        (shared_dir / name).mkdir(mode=0o555)
        (shared_dir / name).chmod(0o555)
    report = run_gui_as_nobody(
        shared_dir, wanted_dir / "assistant.db", wanted_dir / "probe", shared_dir / "tmp"
    )
    assert report["store"] == ":memory:"
    assert "只保存在内存中，关闭程序后将丢失" in report["banner"]
    assert str(wanted_dir / "assistant.db") in report["banner"]
    assert report["message"].startswith("已记录") and report["kept"] == ["waiting_set"]
    assert not any(
        p.is_file() for p in shared_dir.rglob("*") if p.name != "report.json" and "home" not in p.parts
    )


def test_copy_diagnostics_puts_versions_paths_and_the_log_on_the_clipboard(make_shell, desk):
    sidebar = make_shell(desk)
    sidebar.tray.diagnostics_action.trigger()
    text = QApplication.clipboard().text()
    assert f"数据文件：{desk.store.path}" in text and "Qt 6" in text and "PySide6" in text
    assert "诊断信息已复制" in sidebar.message.text()
