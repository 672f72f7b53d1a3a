"""Inserting a phrase into the program the clerk was typing in, through the clipboard.

A QTimer state machine, never a sleep on the GUI thread:
  idle → (save every clipboard format, set our text) → wait pre-paste delay (100 ms)
       → release modifiers, send Ctrl+V (Ctrl+Shift+V where configured) → wait restore delay (300 ms)
       → put the old clipboard back, only if it still holds our text → idle.
A second insert while one is running keeps the clipboard saved by the first (never saves our own phrase).
Without a key sender the phrase stays on the clipboard and `finished` says so.
On Windows our clipboard data is marked so clipboard history and managers skip it (not tested on this
platform).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from PySide6.QtCore import QByteArray, QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

PRE_PASTE_MS = 100
RESTORE_MS = 300
# Windows: formats that keep the data out of clipboard history (Win+V) and clipboard managers.
_WINDOWS_EXCLUDE = {
    'application/x-qt-windows-mime;value="ExcludeClipboardContentFromMonitorProcessing"': b"\x01\x00\x00\x00",
    'application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"': b"\x00\x00\x00\x00",
    'application/x-qt-windows-mime;value="CanUploadToCloudClipboard"': b"\x00\x00\x00\x00",
}


class KeySender:
    """Sends the paste keystroke to whatever program has the keyboard focus."""

    name = "none"

    def release_modifiers(self) -> None:
        raise NotImplementedError

    def send_paste(self, shift: bool = False) -> None:
        raise NotImplementedError


class XdotoolSender(KeySender):
    """X11: `xdotool key --clearmodifiers ctrl+v`, started without waiting (reaped on the next send)."""

    name = "xdotool"

    def __init__(self) -> None:
        self.exe = shutil.which("xdotool")
        self._procs: list[subprocess.Popen] = []

    def release_modifiers(self) -> None:
        pass  # --clearmodifiers does it, in the same process as the keystroke

    def send_paste(self, shift: bool = False) -> None:
        self._procs = [p for p in self._procs if p.poll() is None]
        keys = "ctrl+shift+v" if shift else "ctrl+v"
        self._procs.append(
            subprocess.Popen(
                [self.exe or "xdotool", "key", "--clearmodifiers", keys],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )


class KeyboardSender(KeySender):
    """Windows: the `keyboard` library. Not tested on this platform."""

    name = "keyboard"

    def __init__(self) -> None:
        import keyboard

        self._kb = keyboard

    def release_modifiers(self) -> None:
        for key in ("ctrl", "alt", "shift", "windows"):
            if self._kb.is_pressed(key):
                self._kb.release(key)

    def send_paste(self, shift: bool = False) -> None:
        self._kb.send("ctrl+shift+v" if shift else "ctrl+v")


def choose_sender() -> tuple[KeySender | None, str]:
    """The key sender that works here, or None with the Chinese reason."""
    import os

    if sys.platform.startswith("linux"):
        if not os.environ.get("DISPLAY"):
            return None, "无法向其他程序发送按键（没有 X11 桌面），用语已复制到剪贴板，请按 Ctrl+V 粘贴。"
        if shutil.which("xdotool") is None:
            return None, "未安装 xdotool，用语已复制到剪贴板，请按 Ctrl+V 粘贴。"
        return XdotoolSender(), ""
    if sys.platform == "win32":
        try:
            return KeyboardSender(), ""
        except ImportError:
            pass
    return None, "无法向其他程序发送按键，用语已复制到剪贴板，请按 Ctrl+V 粘贴。"


def snapshot(mime: QMimeData | None) -> QMimeData:
    """A copy of every format of `mime` (those with a "/" in the name; TARGETS is not data)."""
    copy = QMimeData()
    if mime is None:
        return copy
    for fmt in mime.formats():
        if "/" in fmt and fmt != "TARGETS":
            copy.setData(fmt, QByteArray(mime.data(fmt)))
    return copy


class Inserter(QObject):
    """Puts a phrase into the focused program; `finished(text, message)` when done (message Chinese)."""

    finished = Signal(str, str)

    IDLE, WAIT_PASTE, WAIT_RESTORE = "idle", "wait_paste", "wait_restore"

    def __init__(
        self,
        sender: KeySender | None,
        reason: str = "",
        pre_paste_ms: int = PRE_PASTE_MS,
        restore_ms: int = RESTORE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sender = sender
        self.reason = reason or "无法自动粘贴，用语已复制到剪贴板，请按 Ctrl+V 粘贴。"
        self.state = self.IDLE
        self._saved: QMimeData | None = None
        self._text = ""
        self._shift = False
        self._paste_timer = QTimer(self, singleShot=True, interval=pre_paste_ms)
        self._paste_timer.timeout.connect(self._paste)
        self._restore_timer = QTimer(self, singleShot=True, interval=restore_ms)
        self._restore_timer.timeout.connect(self._restore)

    @property
    def can_paste(self) -> bool:
        return self.sender is not None

    def insert(self, text: str, shift: bool = False) -> None:
        """Start inserting `text`; returns at once."""
        clipboard = QGuiApplication.clipboard()
        if self.sender is None:
            clipboard.setMimeData(self._ours(text))
            self.finished.emit(text, self.reason)
            return
        if self.state == self.IDLE:
            self._saved = snapshot(clipboard.mimeData())
        self._restore_timer.stop()
        self._text, self._shift = text, shift
        clipboard.setMimeData(self._ours(text))
        self.state = self.WAIT_PASTE
        self._paste_timer.start()

    def _ours(self, text: str) -> QMimeData:
        mime = QMimeData()
        mime.setText(text)
        if sys.platform == "win32":
            for fmt, value in _WINDOWS_EXCLUDE.items():
                mime.setData(fmt, QByteArray(value))
        return mime

    def _paste(self) -> None:
        try:
            self.sender.release_modifiers()
            self.sender.send_paste(self._shift)
        except (OSError, RuntimeError) as exc:
            self.state = self.IDLE
            self._saved = None
            self.finished.emit(self._text, f"发送粘贴按键失败（{exc}），用语已在剪贴板，请按 Ctrl+V。")
            return
        self.state = self.WAIT_RESTORE
        self._restore_timer.start()

    def _restore(self) -> None:
        clipboard = QGuiApplication.clipboard()
        restored = False
        if clipboard.text() == self._text and self._saved is not None:
            clipboard.setMimeData(self._saved)  # the clipboard takes ownership
            restored = True
        self._saved = None
        self.state = self.IDLE
        self.finished.emit(
            self._text, "已插入。" if restored else "已插入（剪贴板已被其他内容替换，未恢复）。"
        )
