"""Fakes of the Windows behaviour this project depends on, each following the documentation it cites.

Windows cannot run on the machines that run this suite; every Windows item is proven against these fakes (or
against the `keyboard` library's own mocked OS layer). A fake is only as good as its reading of the
documentation: the README lists what still needs a Windows PC.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

_REPLACE = os.replace  # the real one, whatever a test has put in its place since


class SharingViolation:
    """`os.replace` over a file another process holds open, as on Windows.

    os.replace is MoveFileExW(src, dst, MOVEFILE_REPLACE_EXISTING). It fails while another process has the
    destination open without FILE_SHARE_DELETE (antivirus scanners, indexers, Excel): GetLastError() is
    ERROR_SHARING_VIOLATION (32), or ERROR_ACCESS_DENIED (5), which Python raises as PermissionError (errno
    EACCES). https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-movefileexw and
    https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes--0-499-

    `held` counts how many more attempts fail (the scanner lets go after that); -1 holds for ever.
    Install with `monkeypatch.setattr(os, "replace", fake)`.
    """

    def __init__(self, target: Path, held: int) -> None:
        self.target = Path(target)
        self.held = held
        self.attempts = 0

    def __call__(self, src, dst) -> None:
        if Path(dst) == self.target:
            self.attempts += 1
            if self.held != 0:
                self.held -= 1 if self.held > 0 else 0
                raise PermissionError(errno.EACCES, "另一个程序正在使用此文件，进程无法访问。", str(dst))
        _REPLACE(src, dst)


# ─── RegisterHotKey / WM_HOTKEY ─────────────────────────────────────────────────────────────────────────

WM_HOTKEY = 0x0312
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
ERROR_INVALID_PARAMETER = 87
MOD_NOREPEAT = 0x4000


class FakeHotkeys:
    """user32's RegisterHotKey/UnregisterHotKey and the WM_HOTKEY they produce, as documented:

    https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-registerhotkey
    * fails (returns 0, GetLastError() = ERROR_HOTKEY_ALREADY_REGISTERED, 1409) when the keystroke (modifiers
      and virtual key) is already registered as a hotkey, by this or another program;
    * an application's ids are 0x0000–0xBFFF (else ERROR_INVALID_PARAMETER);
    * with hWnd NULL the hotkey belongs to the calling thread and WM_HOTKEY is posted to its message queue;
    * MOD_NOREPEAT: keyboard auto-repeat does not yield further notifications.
    https://learn.microsoft.com/en-us/windows/win32/inputdev/wm-hotkey
    * WM_HOTKEY: wParam = the hotkey's id, lParam = MAKELPARAM(modifiers, virtual key); posted on the key
      press (while the keys are still held).
    https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-unregisterhotkey
    * UnregisterHotKey frees the keystroke for others.

    `taken` are keystrokes other programs hold. `press()` returns the messages posted to our thread's queue
    as (hwnd, message, wParam, lParam); `on_hotkey` is told when one of ours fired (the foreground fake uses
    it: the process that receives the hotkey received the last input event).
    """

    def __init__(self, taken: tuple[tuple[int, int], ...] = (), on_hotkey=None) -> None:
        self.taken = set(taken)
        self.ours: dict[tuple[int, int], tuple[int, int]] = {}  # (hwnd, id) → (modifiers, vk)
        self.on_hotkey = on_hotkey
        self._error = 0

    def register_hotkey(self, hwnd: int, ident: int, modifiers: int, vk: int) -> bool:
        keystroke = (modifiers & ~MOD_NOREPEAT, vk)
        if not 0 <= ident <= 0xBFFF:
            self._error = ERROR_INVALID_PARAMETER
            return False
        if keystroke in self.taken or keystroke in {(m & ~MOD_NOREPEAT, v) for m, v in self.ours.values()}:
            self._error = ERROR_HOTKEY_ALREADY_REGISTERED
            return False
        self.ours[(hwnd, ident)] = (modifiers, vk)
        return True

    def unregister_hotkey(self, hwnd: int, ident: int) -> bool:
        return self.ours.pop((hwnd, ident), None) is not None

    def last_error(self) -> int:
        return self._error

    def press(self, modifiers: int, vk: int, repeats: int = 0) -> list[tuple[int, int, int, int]]:
        """The clerk presses the keystroke (held for `repeats` auto-repeats): the messages posted to us."""
        posted = []
        for (hwnd, ident), (mods, key) in self.ours.items():
            if (mods & ~MOD_NOREPEAT, key) == (modifiers, vk):
                times = 1 if mods & MOD_NOREPEAT else 1 + repeats
                posted += [(hwnd, WM_HOTKEY, ident, (vk << 16) | modifiers)] * times
                if self.on_hotkey is not None:
                    self.on_hotkey()
        return posted


# ─── SetForegroundWindow ───────────────────────────────────────────────────────────────────────────────


class FakeForeground:
    """GetForegroundWindow/SetForegroundWindow/GetClassNameW with the foreground rules Windows documents.

    https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-setforegroundwindow
    A process may set the foreground window only if the foreground process has not called
    LockSetForegroundWindow, no menus are active, and at least one of: the calling process is the foreground
    process; it was started by the foreground process; there is no foreground window; it received the last
    input event; the foreground lock time-out has expired (or it is being debugged). Otherwise the call
    returns 0 and Windows flashes the window's taskbar button instead.
    Receiving a hotkey counts as receiving that input: the thread that gets WM_HOTKEY may take the foreground
    (Raymond Chen, The Old New Thing, 2009: "Pressing a registered hotkey gives you the foreground activation
    love"; a message that is not input gives no such right, same blog, 2009-02-20). This is the one rule of
    this fake the README lists for checking on a Windows PC.

    Windows are hwnds owned by named processes; the caller (us) is process "ours". `click(hwnd)` and
    `type_in(hwnd)` are the clerk's input; `hotkey()` is FakeHotkeys' on_hotkey.
    """

    def __init__(self) -> None:
        self.owner: dict[int, str] = {}
        self.classes: dict[int, str] = {}
        self.foreground = 0
        self.last_input = ""
        self.locked = False
        self.menu_active = False
        self.flashed: list[int] = []
        self.log: list[tuple[str, int]] = []

    def add_window(self, hwnd: int, process: str, window_class: str = "") -> int:
        self.owner[hwnd] = process
        self.classes[hwnd] = window_class
        return hwnd

    def click(self, hwnd: int) -> None:
        self.foreground, self.last_input = hwnd, self.owner[hwnd]

    type_in = click

    def hotkey(self) -> None:
        self.last_input = "ours"

    # Win32Foreground
    def get_foreground(self) -> int:
        return self.foreground

    def set_foreground(self, hwnd: int) -> bool:
        caller = "ours"
        allowed = (
            not self.locked
            and not self.menu_active
            and (
                not self.foreground or self.owner.get(self.foreground) == caller or self.last_input == caller
            )
        )
        if not allowed or hwnd not in self.owner:
            self.flashed.append(hwnd)
            self.log.append(("refused", hwnd))
            return False
        self.foreground = hwnd
        self.log.append(("foreground", hwnd))
        return True

    def window_class(self, hwnd: int) -> str:
        return self.classes.get(hwnd, "")


# ─── the clipboard ─────────────────────────────────────────────────────────────────────────────────────

CLIPBRD_E_CANT_OPEN = 0x800401D0


class BusyClipboard:
    """The application clipboard as Qt shows it on Windows while another program holds it open.

    https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-openclipboard: "OpenClipboard
    fails if another window has the clipboard open." OleSetClipboard then returns CLIPBRD_E_CANT_OPEN
    (https://learn.microsoft.com/en-us/windows/win32/api/ole2/nf-ole2-olesetclipboard); Qt's Windows
    clipboard (QWindowsClipboard::setMimeData) only logs "OleSetClipboard: Failed to set mime data" and
    returns, so the clipboard keeps what it held. Clipboard managers, remote-desktop clients and monitoring
    software open the clipboard on every change.

    `held` counts the set attempts that fail (-1: every one). The QClipboard methods the paste path uses:
    mimeData(), setMimeData(), text().
    """

    def __init__(self, text: str, held: int) -> None:
        from PySide6.QtCore import QMimeData

        self._data = QMimeData()
        self._data.setText(text)
        self.held = held
        self.failed_sets = 0
        self.log: list[str] = []

    def mimeData(self):
        return self._data

    def setMimeData(self, mime) -> None:
        if self.held != 0:
            self.held -= 1 if self.held > 0 else 0
            self.failed_sets += 1
            self.log.append(f"OleSetClipboard: Failed to set mime data: 0x{CLIPBRD_E_CANT_OPEN:08X}")
            return
        self._data = mime

    def text(self) -> str:
        return self._data.text()


# ─── the AppBar ────────────────────────────────────────────────────────────────────────────────────────

ABE_LEFT, ABE_TOP, ABE_RIGHT, ABE_BOTTOM = 0, 1, 2, 3
ABN_POSCHANGED = 1


class FakeShell:
    """The shell's appbar service (SHAppBarMessage) on one monitor with a taskbar, as documented:

    https://learn.microsoft.com/en-us/windows/win32/shell/application-desktop-toolbars
    * ABM_NEW registers the window with its callback message; FALSE if it is already registered.
    * ABM_QUERYPOS: "The system determines whether any part of the screen area within the proposed rectangle
      is occupied by the taskbar or another appbar, adjusts the rectangle (if necessary), and returns the
      adjusted rectangle"; with a bar on the same edge as the taskbar, the taskbar stays outermost.
    * ABM_SETPOS adjusts the same way and reserves the rectangle: the work area (where maximised windows go)
      leaves it out, and the other appbars get ABN_POSCHANGED through their callback messages.
    * ABN_POSCHANGED is also sent when the taskbar moves or changes size; the appbar answers with
      ABM_QUERYPOS and ABM_SETPOS. ABM_REMOVE gives the area back (and notifies the others).
    Rectangles are (left, top, right, bottom) in physical pixels.
    """

    def __init__(
        self, screen=(0, 0, 1920, 1080), taskbar_edge: int = ABE_BOTTOM, taskbar_size: int = 40
    ) -> None:
        self.screen = screen
        self.taskbar_edge, self.taskbar_size = taskbar_edge, taskbar_size
        self.bars: dict[int, dict] = {}  # hwnd → {"callback": msg, "edge": e, "rect": r | None}
        self.sent: list[tuple[int, int, int]] = []  # (hwnd, callback message, wParam) sent to appbars
        self.calls: list[str] = []

    def taskbar(self):
        left, top, right, bottom = self.screen
        n = self.taskbar_size
        return {
            ABE_LEFT: (left, top, left + n, bottom),
            ABE_TOP: (left, top, right, top + n),
            ABE_RIGHT: (right - n, top, right, bottom),
            ABE_BOTTOM: (left, bottom - n, right, bottom),
        }[self.taskbar_edge]

    def _occupied(self, hwnd: int):
        yield self.taskbar_edge, self.taskbar()
        for other, bar in self.bars.items():
            if other != hwnd and bar["rect"] is not None:
                yield bar["edge"], bar["rect"]

    def _adjust(self, hwnd: int, edge: int, rect):
        left, top, right, bottom = rect
        for other_edge, (o_left, o_top, o_right, o_bottom) in self._occupied(hwnd):
            if other_edge == ABE_TOP:
                top = max(top, o_bottom)
            elif other_edge == ABE_BOTTOM:
                bottom = min(bottom, o_top)
            elif other_edge == ABE_LEFT and edge == ABE_LEFT:
                left = max(left, o_right)  # inside the bar already there
            elif other_edge == ABE_RIGHT and edge == ABE_RIGHT:
                right = min(right, o_left)
        return left, top, right, bottom

    def _notify_others(self, hwnd: int | None) -> None:
        for other, bar in self.bars.items():
            if other != hwnd:
                self.sent.append((other, bar["callback"], ABN_POSCHANGED))

    # Win32AppBar
    def new(self, hwnd: int, callback_message: int) -> bool:
        self.calls.append("ABM_NEW")
        if hwnd in self.bars:
            return False
        self.bars[hwnd] = {"callback": callback_message, "edge": None, "rect": None}
        return True

    def remove(self, hwnd: int) -> None:
        self.calls.append("ABM_REMOVE")
        if self.bars.pop(hwnd, None) is not None:
            self._notify_others(hwnd)

    def query_pos(self, hwnd: int, edge: int, rect):
        self.calls.append("ABM_QUERYPOS")
        return self._adjust(hwnd, edge, rect)

    def set_pos(self, hwnd: int, edge: int, rect):
        self.calls.append("ABM_SETPOS")
        approved = self._adjust(hwnd, edge, rect)
        self.bars[hwnd].update(edge=edge, rect=approved)
        self._notify_others(hwnd)
        return approved

    def activate(self, hwnd: int) -> None:
        self.calls.append("ABM_ACTIVATE")

    def window_pos_changed(self, hwnd: int) -> None:
        self.calls.append("ABM_WINDOWPOSCHANGED")

    # what the test looks at
    def work_area(self):
        """Where a maximised window goes: the screen without the taskbar and the reserved appbars."""
        left, top, right, bottom = self.screen
        for edge, (o_left, o_top, o_right, o_bottom) in self._occupied(None):
            if edge == ABE_LEFT:
                left = max(left, o_right)
            elif edge == ABE_RIGHT:
                right = min(right, o_left)
            elif edge == ABE_TOP:
                top = max(top, o_bottom)
            else:
                bottom = min(bottom, o_top)
        return left, top, right, bottom

    def move_taskbar(self, edge: int) -> None:
        """The clerk drags the taskbar to another edge: every appbar is told."""
        self.taskbar_edge = edge
        self._notify_others(None)
