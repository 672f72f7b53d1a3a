"""The insertion state machine against a real QClipboard with a fake key sender."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QMimeData
from PySide6.QtGui import QGuiApplication

from tests.fakes.paste import FakeSender
from ui.platform.paste import Inserter, XdotoolSender, snapshot


def rich_clipboard() -> QMimeData:
    mime = QMimeData()
    mime.setText("原来的文字")
    mime.setHtml("<b>原来的文字</b>")
    mime.setData("application/x-custom", QByteArray(b"\x00\x01binary"))
    return mime


def test_paste_then_restore_every_format(qtbot):
    clipboard = QGuiApplication.clipboard()
    clipboard.setMimeData(rich_clipboard())
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=100, restore_ms=300)
    inserter.insert("请稍候，我们马上为您办理！")
    assert clipboard.text() == "请稍候，我们马上为您办理！"
    assert sender.calls == []  # nothing sent synchronously: the pre-paste delay runs on a QTimer
    assert inserter.state == Inserter.WAIT_PASTE
    qtbot.waitUntil(lambda: sender.calls == ["release", "ctrl+v"], timeout=2000)
    assert inserter.state == Inserter.WAIT_RESTORE
    with qtbot.waitSignal(inserter.finished, timeout=2000) as blocker:
        pass
    assert blocker.args == ["请稍候，我们马上为您办理！", "已插入。"]
    restored = clipboard.mimeData()
    assert restored.text() == "原来的文字"
    assert "<b>原来的文字</b>" in restored.html()
    assert bytes(restored.data("application/x-custom")) == b"\x00\x01binary"


def test_no_restore_when_the_clipboard_changed_meanwhile(qtbot):
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("旧内容")
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=10, restore_ms=200)
    inserter.insert("您好！")
    qtbot.waitUntil(lambda: "ctrl+v" in sender.calls, timeout=2000)
    clipboard.setText("用户刚复制的")
    with qtbot.waitSignal(inserter.finished, timeout=2000) as blocker:
        pass
    assert "未恢复" in blocker.args[1]
    assert clipboard.text() == "用户刚复制的"


def test_two_quick_inserts_are_two_insertions_and_the_first_clipboard_comes_back(qtbot):
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("最早的内容")
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=50, restore_ms=50)
    pasted: list[str] = []
    sender.send_paste = lambda shift=False: pasted.append(clipboard.text())
    done: list[tuple[str, bool]] = []
    inserter.insert("第一句", on_done=lambda ok, _m: done.append(("第一句", ok)))
    inserter.insert("第二句", shift=True, on_done=lambda ok, _m: done.append(("第二句", ok)))
    qtbot.waitUntil(lambda: len(done) == 2, timeout=3000)
    assert pasted == ["第一句", "第二句"] and done == [("第一句", True), ("第二句", True)]
    assert clipboard.text() == "最早的内容"


def test_no_paste_when_the_window_that_had_the_focus_does_not_get_it_back(qtbot):
    """Issue 14 #2: the window focused when Ctrl+V is sent must be the one the clerk was typing in."""
    from tests.fakes.focus import FakeDesktopFocus, FakeFocusReturn

    clipboard = QGuiApplication.clipboard()
    clipboard.setText("原来的文字")
    desktop = FakeDesktopFocus(focused=100)
    target = FakeFocusReturn(desktop)
    target.remember()
    desktop.focused, desktop.obeys = 200, False  # a form was closed and the window manager kept the focus
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=5, restore_ms=5)
    inserter.FOCUS_POLL_MS = 5
    done: list[tuple[bool, str]] = []
    inserter.insert("请您到社保窗口办理此项业务！", target=target, on_done=lambda ok, m: done.append((ok, m)))
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    assert sender.calls == [] and target.restores == 1
    assert done[0][0] is False and done[0][1].startswith("未能插入") and "已复制到剪贴板" in done[0][1]
    assert clipboard.text() == "请您到社保窗口办理此项业务！"


def test_paste_waits_for_the_focus_to_come_back(qtbot):
    from tests.fakes.focus import FakeDesktopFocus, FakeFocusReturn

    desktop = FakeDesktopFocus(focused=100)
    target = FakeFocusReturn(desktop)
    target.remember()
    desktop.focused = 200  # our form still has it; asking again gives it back
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=5, restore_ms=5)
    done: list[bool] = []
    inserter.insert("您好！", target=target, on_done=lambda ok, _m: done.append(ok))
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    assert done == [True] and sender.calls == ["release", "ctrl+v"] and desktop.focused == 100


def test_without_a_key_sender_the_phrase_stays_on_the_clipboard(qtbot):
    inserter = Inserter(None, reason="无法自动粘贴，请按 Ctrl+V。")
    with qtbot.waitSignal(inserter.finished, timeout=1000) as blocker:
        inserter.insert("请慢走！")
    assert blocker.args == ["请慢走！", "无法自动粘贴，请按 Ctrl+V。"]
    assert QGuiApplication.clipboard().text() == "请慢走！"
    assert not inserter.can_paste


def test_snapshot_skips_targets_and_copies_data():
    mime = rich_clipboard()
    copy = snapshot(mime)
    assert set(copy.formats()) >= {"text/plain", "text/html", "application/x-custom"}
    assert snapshot(None).formats() == []


# ─── the clipboard read back before pasting (every platform; on Windows against tests/fakes/win32.py) ─────


def test_a_clipboard_held_by_another_program_is_never_pasted_and_the_clerk_is_told(qtbot):
    from tests.fakes.win32 import BusyClipboard
    from ui.platform.paste import NOT_ON_CLIPBOARD, SET_ATTEMPTS

    clipboard = BusyClipboard("上一位办事人的身份证号 110101199001011234", held=-1)
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=10, clipboard=clipboard)
    with qtbot.waitSignal(inserter.finished, timeout=5000) as blocker:
        inserter.insert("请您出示身份证。")
    assert blocker.args == ["请您出示身份证。", NOT_ON_CLIPBOARD] and "没有粘贴" in NOT_ON_CLIPBOARD
    assert sender.calls == [] and inserter.state == Inserter.IDLE
    assert clipboard.failed_sets == SET_ATTEMPTS and clipboard.text().startswith("上一位办事人")


def test_a_clipboard_let_go_of_after_a_moment_gets_our_text_pasted_and_the_old_one_back(qtbot):
    from tests.fakes.win32 import BusyClipboard

    clipboard = BusyClipboard("原来的文字", held=2)
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=10, restore_ms=10, clipboard=clipboard)
    with qtbot.waitSignal(inserter.finished, timeout=5000) as blocker:
        inserter.insert("请稍候！")
    assert blocker.args == ["请稍候！", "已插入。"] and sender.calls == ["release", "ctrl+v"]
    assert clipboard.failed_sets == 2 and clipboard.text() == "原来的文字"


def test_our_text_replaced_before_the_paste_is_set_again_on_the_real_clipboard(qtbot):
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("原来的文字")
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=50, restore_ms=10)
    inserter.insert("请慢走！")
    clipboard.setText("剪贴板管理器抢先写入的")  # before the pre-paste delay is over
    pasted = []
    sender.send_paste = lambda shift=False: pasted.append(clipboard.text())
    with qtbot.waitSignal(inserter.finished, timeout=5000) as blocker:
        pass
    assert pasted == ["请慢走！"] and blocker.args[1] == "已插入。" and clipboard.text() == "原来的文字"


def test_without_a_key_sender_a_busy_clipboard_is_reported_too(qtbot):
    from tests.fakes.win32 import BusyClipboard
    from ui.platform.paste import NOT_ON_CLIPBOARD

    inserter = Inserter(None, reason="请按 Ctrl+V。", clipboard=BusyClipboard("旧的", held=-1))
    with qtbot.waitSignal(inserter.finished, timeout=5000) as blocker:
        inserter.insert("请慢走！")
    assert blocker.args == ["请慢走！", NOT_ON_CLIPBOARD]


def test_a_remote_desktop_target_gets_the_longer_restore_delay(qtbot):
    sender = FakeSender()
    remote = [True]
    inserter = Inserter(
        sender, pre_paste_ms=10, restore_ms=20, remote_restore_ms=40, remote=lambda: remote[0]
    )
    for expected in (40, 20):
        inserter.insert("您好！")
        qtbot.waitUntil(lambda: inserter.state == Inserter.WAIT_RESTORE, timeout=5000)
        assert inserter._restore_timer.interval() == expected
        with qtbot.waitSignal(inserter.finished, timeout=5000):
            pass
        remote[0] = False


def test_the_keyboard_sender_lets_go_of_the_held_hotkey_modifiers_before_ctrl_v():
    """Through keyboard's own mocked OS layer: what reaches the system is alt up, ctrl up, then Ctrl+V."""
    import keyboard
    from keyboard import _keyboard_tests as mocked

    from ui.platform.paste import KeyboardSender

    added = {"ctrl": [(7, [])], "shift": [(5, [])], "v": [(47, [])]}
    mocked.dummy_keys.update(added)
    try:
        keyboard._listener.init()
        del mocked.output_events[:]
        held = {0x11, 0x12}  # ctrl and alt, still down from ctrl+alt+1
        sender = KeyboardSender(keyboard, key_down=held.__contains__)
        sender.release_modifiers()
        sender.send_paste()
        sent = [("d" if e.event_type == "down" else "u", e.scan_code) for e in mocked.output_events]
        assert sent == [("u", 7), ("u", 4), ("d", 7), ("d", 47), ("u", 47), ("u", 7)]
    finally:
        for name in added:
            mocked.dummy_keys.pop(name)
        del mocked.output_events[:]


def test_the_sidebar_takes_the_restore_delays_from_the_halls_settings(qtbot, desk, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from tests.fakes.hotkeys import FakeBackend
    from ui.platform.hotkey_bridge import HotkeyBridge
    from ui.shell import build_shell

    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WA_NO_SPEECH", "1")
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "settings.toml").write_text(
        "[paste]\nrestore_ms = 450\nremote_restore_ms = 4000\n", encoding="utf-8"
    )
    hotkeys = HotkeyBridge(FakeBackend())
    sidebar = build_shell(
        QApplication.instance(),
        desk,
        [],
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat),
        scripts_dir=hall,
        hotkeys=hotkeys,
        sender=(FakeSender(), ""),
    )
    qtbot.addWidget(sidebar)
    qtbot.waitUntil(lambda: sidebar.shell.inserter is not None, timeout=5000)
    inserter = sidebar.shell.inserter
    assert (inserter.restore_ms, inserter.remote_restore_ms) == (450, 4000)
    hotkeys.close()


def test_on_windows_our_text_is_marked_for_clipboard_history_and_managers_to_skip(monkeypatch):
    """The registered formats Windows documents for this (ExcludeClipboardContentFromMonitorProcessing present;
    CanIncludeInClipboardHistory and CanUploadToCloudClipboard a DWORD 0), set through Qt's Windows MIME names:
    https://learn.microsoft.com/en-us/windows/win32/dataxchg/clipboard-formats#cloud-clipboard-and-clipboard-history-formats"""
    import ui.platform.paste

    monkeypatch.setattr(ui.platform.paste.sys, "platform", "win32")
    mime = Inserter(FakeSender())._ours("请稍候！")
    assert mime.text() == "请稍候！"
    prefix = 'application/x-qt-windows-mime;value="'
    assert {f[len(prefix) : -1]: bytes(mime.data(f)) for f in mime.formats() if f.startswith(prefix)} == {
        "ExcludeClipboardContentFromMonitorProcessing": b"\x01\x00\x00\x00",
        "CanIncludeInClipboardHistory": b"\x00\x00\x00\x00",
        "CanUploadToCloudClipboard": b"\x00\x00\x00\x00",
    }


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_the_paste_keystroke_process_leaves_no_zombie(monkeypatch):
    """Issue 14 #20: each xdotool is reaped when it exits, not at the next insertion."""
    started: list[subprocess.Popen] = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setenv("DISPLAY", ":999")  # no such display: xdotool exits at once, with an error
    XdotoolSender().send_paste()
    pid = started[0].pid
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists():  # a zombie keeps its /proc entry until it is reaped
        assert time.monotonic() < deadline, f"xdotool {pid} was never reaped"
        time.sleep(0.05)
