"""Windows messages for the Win32 features that answer through the message loop: WM_HOTKEY (assistant/edges/hotkeys.py)
and the AppBar's callback message (ui/platform/dock.py).

One QAbstractNativeEventFilter on the application hands each MSG to the handlers added here, on the GUI
thread, inside Qt's own handling of that message (so a hotkey's action runs while the system still counts the
key press as our input: the foreground rules of SetForegroundWindow depend on that). Qt calls the filter with
"windows_generic_MSG" for messages to our windows and "windows_dispatcher_MSG" for thread messages such as
WM_HOTKEY registered without a window (https://doc.qt.io/qt-6/qabstractnativeeventfilter.html). Elsewhere the
filter is never called with those types and does nothing.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable

from PySide6.QtCore import QAbstractNativeEventFilter, QCoreApplication

# (hwnd, message, wParam, lParam) → True when handled (Qt then does nothing more with it)
Handler = Callable[[int, int, int, int], bool]
WINDOWS_TYPES = (b"windows_generic_MSG", b"windows_dispatcher_MSG")
log = logging.getLogger(__name__)


class MSG(ctypes.Structure):
    """winuser.h MSG, spelled with fixed-size types so the same layout is built (and tested) on any system."""

    _fields_ = (
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint32),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
        ("time", ctypes.c_uint32),
        ("pt_x", ctypes.c_int32),
        ("pt_y", ctypes.c_int32),
    )


class NativeMessages(QAbstractNativeEventFilter):
    """Calls each handler with the fields of every Windows message until one handles it."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[Handler] = []

    def nativeEventFilter(self, event_type, message) -> tuple[bool, int]:
        if not self.handlers or bytes(event_type) not in WINDOWS_TYPES:
            return False, 0
        msg = MSG.from_address(int(message))
        for handler in list(self.handlers):
            try:
                if handler(msg.hwnd or 0, msg.message, msg.wParam, msg.lParam):
                    return True, 0
            except Exception:  # an exception must never escape into Qt's message loop
                log.exception("处理 Windows 消息 0x%04x 时出错", msg.message)
        return False, 0


_shared: NativeMessages | None = None


def shared() -> NativeMessages:
    """The application's one filter, installed on first use."""
    global _shared
    if _shared is None:
        _shared = NativeMessages()
        QCoreApplication.instance().installNativeEventFilter(_shared)
    return _shared
