"""The insertion state machine against a real QClipboard with a fake key sender."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData
from PySide6.QtGui import QGuiApplication

from tests.fakes.paste import FakeSender
from ui.platform.paste import Inserter, snapshot


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


def test_second_insert_keeps_the_first_saved_clipboard(qtbot):
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("最早的内容")
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=50, restore_ms=50)
    inserter.insert("第一句")
    inserter.insert("第二句", shift=True)
    with qtbot.waitSignal(inserter.finished, timeout=2000) as blocker:
        pass
    assert blocker.args[0] == "第二句"
    assert sender.calls == ["release", "ctrl+shift+v"]
    assert clipboard.text() == "最早的内容"


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
