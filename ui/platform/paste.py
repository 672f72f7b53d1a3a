"""Inserting a phrase into the program the clerk was typing in, through the clipboard.

A QTimer state machine, never a sleep on the GUI thread:
  idle → (save every clipboard format, set our text) → wait pre-paste delay (100 ms)
       → read the clipboard back: not our text → set it again, up to SET_ATTEMPTS times RETRY_MS apart,
         then give up WITHOUT pasting and say so
       → release modifiers, send Ctrl+V (Ctrl+Shift+V where configured) → wait restore delay
       → put the old clipboard back, only if it still holds our text → idle.
The read-back matters on Windows: OleSetClipboard fails with CLIPBRD_E_CANT_OPEN while another program has
the clipboard open (clipboard managers, remote-desktop clients, monitoring software); Qt only logs it, and a
Ctrl+V would paste what was there before — possibly the previous visitor's data. It runs on every platform.
The restore delay is a hall setting (settings.toml [paste]), longer when the target is a remote-desktop
client (RDP, Citrix), which reads the clipboard only when the paste reaches the remote side (ui/platform/focus.py).
A second insert while one is running waits its turn (two quick hotkey presses insert twice), and the clipboard
saved before the first comes back after the last (never our own phrase). With a target window (a FocusReturn
that remembered where the clerk was typing), Ctrl+V is sent only while that window has the focus; otherwise
the phrase stays on the clipboard and the job reports that it was not inserted.
Without a key sender the phrase stays on the clipboard and `finished` says so.
On Windows our clipboard data is marked so clipboard history and managers skip it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

PRE_PASTE_MS = 100
RESTORE_MS = 300  # the defaults of settings.toml [paste]; the hall may change them
REMOTE_RESTORE_MS = 1500
SET_ATTEMPTS = 5  # our text is set up to this many times…
RETRY_MS = 60  # …this far apart, before the insert is given up
NOT_ON_CLIPBOARD = (
    "剪贴板正被其他程序占用，用语没能放进剪贴板，因此没有粘贴（以免贴出剪贴板里原有的内容）。"
    "请稍后再点一次，或手工输入。"
)
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
    """X11: `xdotool key --clearmodifiers ctrl+v`, started without waiting."""

    name = "xdotool"

    def __init__(self) -> None:
        self.exe = shutil.which("xdotool")

    def release_modifiers(self) -> None:
        pass  # --clearmodifiers does it, in the same process as the keystroke

    def send_paste(self, shift: bool = False) -> None:
        keys = "ctrl+shift+v" if shift else "ctrl+v"
        proc = subprocess.Popen(
            [self.exe or "xdotool", "key", "--clearmodifiers", keys],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # reaped as soon as it exits, by a thread that only waits: no zombie between two insertions
        threading.Thread(target=proc.wait, daemon=True).start()


class KeyboardSender(KeySender):
    """Windows: the `keyboard` library sends the keystrokes (SendInput, no hook needed for sending).

    WM_HOTKEY arrives while the clerk still holds Ctrl+Alt; a Ctrl+V sent then would reach the target as
    Ctrl+Alt+V. Which modifiers are down is asked of Windows (`key_down(vk)`, GetAsyncKeyState), not of
    keyboard's hook, which knows only the keys it saw since it started; those held get a key-up first.
    Tested through keyboard's own mocked OS layer (keyboard._keyboard_tests).
    """

    name = "keyboard"
    # (keyboard's name, virtual-key code): VK_CONTROL, VK_MENU, VK_SHIFT, VK_LWIN, VK_RWIN
    MODIFIERS = (
        ("ctrl", 0x11),
        ("alt", 0x12),
        ("shift", 0x10),
        ("left windows", 0x5B),
        ("right windows", 0x5C),
    )

    def __init__(self, keyboard=None, key_down: Callable[[int], bool] | None = None) -> None:
        if keyboard is None:
            import keyboard
        self._kb = keyboard
        self._key_down = key_down if key_down is not None else _async_key_down()

    def release_modifiers(self) -> None:
        for name, vk in self.MODIFIERS:
            if self._key_down(vk):
                self._kb.release(name)

    def send_paste(self, shift: bool = False) -> None:
        self._kb.send("ctrl+shift+v" if shift else "ctrl+v")


def _async_key_down() -> Callable[[int], bool]:  # pragma: no cover - only on Windows
    """GetAsyncKeyState(vk): the high bit is set while the key is down (user32)."""
    import ctypes

    get_state = ctypes.WinDLL("user32").GetAsyncKeyState
    get_state.argtypes = (ctypes.c_int,)
    get_state.restype = ctypes.c_short
    return lambda vk: bool(get_state(vk) & 0x8000)


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
        except (ImportError, OSError, AttributeError):
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
    """Puts phrases into the focused program, one after the other; `finished(text, message)` after each
    (message Chinese), and the job's `on_done(ok, message)` where given — ok only when Ctrl+V was sent to
    the window the phrase was meant for: an insertion that did not happen is never reported as one.

    `clipboard` defaults to the application's QClipboard (tests pass a fake that refuses like Windows);
    `remote()` says whether the paste goes to a remote-desktop client (then `remote_restore_ms` applies).
    """

    finished = Signal(str, str)

    IDLE, WAIT_PASTE, WAIT_RESTORE = "idle", "wait_paste", "wait_restore"
    FOCUS_POLL_MS = 50
    FOCUS_POLLS = 20  # up to a second for the window manager to hand the focus back
    NOT_INSERTED = "未能插入（输入焦点不在原来的窗口），已复制到剪贴板，请点回业务系统后按 Ctrl+V。"

    def __init__(
        self,
        sender: KeySender | None,
        reason: str = "",
        pre_paste_ms: int = PRE_PASTE_MS,
        restore_ms: int = RESTORE_MS,
        parent: QObject | None = None,
        *,
        remote_restore_ms: int = REMOTE_RESTORE_MS,
        remote: Callable[[], bool] | None = None,
        clipboard=None,
    ) -> None:
        super().__init__(parent)
        self.sender = sender
        self.reason = reason or "无法自动粘贴，用语已复制到剪贴板，请按 Ctrl+V 粘贴。"
        self.state = self.IDLE
        self.pre_paste_ms = pre_paste_ms
        self.restore_ms = restore_ms
        self.remote_restore_ms = remote_restore_ms
        self._remote = remote
        self._clipboard = clipboard
        self._saved: QMimeData | None = None
        self._jobs: list[_Job] = []
        self._job: _Job | None = None
        self._attempts = 0
        self._polls = 0
        self._paste_timer = QTimer(self, singleShot=True)
        self._paste_timer.timeout.connect(self._paste)
        self._restore_timer = QTimer(self, singleShot=True)
        self._restore_timer.timeout.connect(self._restore)

    @property
    def can_paste(self) -> bool:
        return self.sender is not None

    @property
    def clipboard(self):
        return self._clipboard if self._clipboard is not None else QGuiApplication.clipboard()

    def insert(
        self,
        text: str,
        shift: bool = False,
        target=None,
        on_done: Callable[[bool, str], None] | None = None,
    ) -> None:
        """Queue `text` for insertion; returns at once. `target`: a FocusReturn of the window it must land in."""
        self._jobs.append(_Job(text, shift, target, on_done))
        if self.state == self.IDLE:
            self._next()

    def _next(self) -> None:
        if not self._jobs:
            self.state = self.IDLE
            return
        job = self._job = self._jobs.pop(0)
        clipboard = self.clipboard
        if self.sender is not None and self._saved is None:
            self._saved = snapshot(clipboard.mimeData())
        self._attempts, self._polls = 1, 0
        clipboard.setMimeData(self._ours(job.text))
        self.state = self.WAIT_PASTE
        if self.sender is None and clipboard.text() == job.text:
            self._fail(self.reason)
            return
        self._paste_timer.start(self.pre_paste_ms if self.sender is not None else RETRY_MS)

    def _ours(self, text: str) -> QMimeData:
        mime = QMimeData()
        mime.setText(text)
        if sys.platform == "win32":
            for fmt, value in _WINDOWS_EXCLUDE.items():
                mime.setData(fmt, QByteArray(value))
        return mime

    def _focus_is_back(self, job: _Job) -> bool:
        """True when there is no target to check, or the target window has the focus."""
        if job.target is None or not job.target.window:
            return True
        current = job.target.current()
        return current is None or current == job.target.window

    def _paste(self) -> None:
        job = self._job
        clipboard = self.clipboard
        if clipboard.text() != job.text:  # the set failed, or another program replaced it already
            if self._attempts < SET_ATTEMPTS:
                self._attempts += 1
                clipboard.setMimeData(self._ours(job.text))
                self._paste_timer.start(RETRY_MS)
                return
            self._saved = None  # nothing of ours is there to take back
            self._fail(NOT_ON_CLIPBOARD)
            return
        if self.sender is None:
            self._fail(self.reason)
            return
        if not self._focus_is_back(job):
            self._polls += 1
            if self._polls == 1:
                job.target.restore()  # ask once more: a window manager may have ignored the first request
            if self._polls < self.FOCUS_POLLS:
                self._paste_timer.start(self.FOCUS_POLL_MS)
                return
            self._saved = None  # our phrase stays on the clipboard, as the message says
            self._fail(self.NOT_INSERTED)
            return
        try:
            self.sender.release_modifiers()
            self.sender.send_paste(job.shift)
        except (OSError, RuntimeError) as exc:
            self._saved = None
            self._fail(f"发送粘贴按键失败（{exc}），用语已在剪贴板，请按 Ctrl+V。")
            return
        self.state = self.WAIT_RESTORE
        remote = self._remote is not None and self._remote()
        self._restore_timer.start(self.remote_restore_ms if remote else self.restore_ms)

    def _fail(self, message: str) -> None:
        job, self._job = self._job, None
        self._end(job, False, message)
        self._next()

    def _restore(self) -> None:
        job, self._job = self._job, None
        if self._jobs:  # the next phrase follows: the clerk's own clipboard comes back after the last one
            self._end(job, True, "已插入。")
            self._next()
            return
        clipboard = self.clipboard
        restored = False
        if clipboard.text() == job.text and self._saved is not None:
            clipboard.setMimeData(self._saved)  # the clipboard takes ownership
            restored = True
        self._saved = None
        self.state = self.IDLE
        self._end(job, True, "已插入。" if restored else "已插入（剪贴板已被其他内容替换，未恢复）。")

    def _end(self, job: _Job, ok: bool, message: str) -> None:
        self.finished.emit(job.text, message)
        if job.on_done is not None:
            job.on_done(ok, message)


@dataclass
class _Job:
    text: str
    shift: bool
    target: object | None
    on_done: Callable[[bool, str], None] | None
