"""Handing the keyboard focus back to the program the clerk was typing in, and taking it when a popup needs it.

The sidebar never takes the focus; the few windows that need typing (sign-in, forms, the composer, the quick
search) do, and before anything is inserted they give it back to the window that had it: `remember()` before
showing them, `restore()` after closing them. `take(widget)` brings a popup to the foreground and says whether
the system allowed it (when not, the popup asks the clerk to click it). `target_is_remote()` tells the paste
path that the window it pastes into is a remote-desktop client's, which reads the clipboard late.

* X11: python-xlib; `_NET_ACTIVE_WINDOW` (or the input focus) is read, then asked back for with a
  `_NET_ACTIVE_WINDOW` client message and `XSetInputFocus`.
* Windows: GetForegroundWindow/SetForegroundWindow behind `Win32Foreground`. Windows lets a process take the
  foreground only in documented cases (it is the foreground process, or it received the last input event…):
  after the clerk typed into our form we may give the foreground back; a popup opened by a hotkey may take it
  while the WM_HOTKEY is handled (ui/platform/native_messages.py). Tests pass a fake that enforces those rules.
* Elsewhere (offscreen, Wayland): Qt's own activation only.
"""

from __future__ import annotations

import sys
from typing import Protocol

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# Window classes of remote-desktop clients: they hand the clipboard to the remote side only when the paste
# arrives there, so our phrase must stay on the clipboard longer (ui/platform/paste.py, settings.toml [paste]).
# Compared in lower case (Windows class names are case-insensitive).
REMOTE_CLIENT_CLASSES = frozenset(
    {
        "tscshellcontainerclass",  # mstsc.exe, Remote Desktop Connection
        "transparent windows client",  # Citrix Workspace (wfica32.exe)
        "xfreerdp",
        "wlfreerdp",
        "remmina",
        "org.remmina.remmina",
        "wfica",  # the same clients on Linux
    }
)


class Win32Foreground(Protocol):
    """The user32 calls used (https://learn.microsoft.com/en-us/windows/win32/api/winuser/)."""

    def get_foreground(self) -> int: ...  # GetForegroundWindow (0: none)

    def set_foreground(self, hwnd: int) -> bool: ...  # SetForegroundWindow: False when refused

    def window_class(self, hwnd: int) -> str: ...  # GetClassNameW


class User32Foreground:
    """Win32Foreground through ctypes (Windows only)."""

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._ctypes = ctypes
        user32 = ctypes.WinDLL("user32", use_last_error=True)
        self._get = user32.GetForegroundWindow
        self._get.restype = wintypes.HWND
        self._set = user32.SetForegroundWindow
        self._set.argtypes = (wintypes.HWND,)
        self._set.restype = wintypes.BOOL
        self._class = user32.GetClassNameW
        self._class.argtypes = (wintypes.HWND, wintypes.LPWSTR, ctypes.c_int)
        self._class.restype = ctypes.c_int
        self._is_window = user32.IsWindow
        self._is_window.argtypes = (wintypes.HWND,)
        self._is_window.restype = wintypes.BOOL

    def get_foreground(self) -> int:
        return int(self._get() or 0)

    def set_foreground(self, hwnd: int) -> bool:
        return bool(self._is_window(hwnd)) and bool(self._set(hwnd))

    def window_class(self, hwnd: int) -> str:
        buffer = self._ctypes.create_unicode_buffer(256)
        return buffer.value if self._class(hwnd, buffer, 256) else ""


class FocusReturn:
    """Remembers which window had the focus and gives it back later; takes the foreground for popups."""

    def __init__(self, win32: Win32Foreground | None = None) -> None:
        self.window: int | None = None
        self._display = None
        self._win32 = win32
        if win32 is None and sys.platform == "win32" and QGuiApplication.platformName() == "windows":
            self._win32 = User32Foreground()  # pragma: no cover - only on Windows

    def remember(self) -> int | None:
        """Note the window that has the focus now (None when unknown)."""
        self.window = self.current()
        return self.window

    def current(self) -> int | None:
        """The window that has the focus now (None when unknown): what `remember()` notes, and what the paste
        checks against the remembered window right before Ctrl+V (ui/platform/paste.py)."""
        if self._win32 is not None:
            return self._win32.get_foreground() or None
        return self._x11_active()

    def restore(self) -> bool:
        """Give the focus back to the remembered window; False when there was none or the system refused."""
        if not self.window:
            return False
        if self._win32 is not None:
            return self._win32.set_foreground(self.window)
        return self._x11_activate(self.window)

    def take(self, widget: QWidget) -> bool:
        """Bring `widget`'s window to the foreground with the keyboard focus; False when the system refused
        (Windows then flashes its taskbar button: the clerk has to click it)."""
        widget.raise_()
        widget.activateWindow()
        if self._win32 is not None:
            hwnd = int(widget.winId())
            return self._win32.get_foreground() == hwnd or self._win32.set_foreground(hwnd)
        return True

    def target_is_remote(self) -> bool:
        """Whether the window in front (else the remembered one) is a remote-desktop client's: the paste
        goes there, and it reads our clipboard only when the keystroke arrives on the remote side."""
        if self._win32 is not None:
            hwnd = self._win32.get_foreground() or self.window
            return bool(hwnd) and self._win32.window_class(hwnd).lower() in REMOTE_CLIENT_CLASSES
        return self._x11_class(self._x11_active() or self.window).lower() in REMOTE_CLIENT_CLASSES

    # ── X11 ──────────────────────────────────────────────────────────────────────────────────────

    def _open(self):  # pragma: no cover - only under X11
        if QGuiApplication.platformName() != "xcb":
            return None
        if self._display is None:
            try:
                from Xlib import display

                self._display = display.Display()
            except Exception:  # noqa: BLE001 - no X, no python-xlib: nothing to hand back
                return None
        return self._display

    def _x11_active(self) -> int | None:
        d = self._open()
        if d is None:
            return None
        try:  # pragma: no cover - only under X11
            from Xlib import X

            root = d.screen().root
            active = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
            wid = int(active.value[0]) if active is not None and len(active.value) else 0
            if not wid:
                focus = d.get_input_focus().focus
                wid = focus.id if hasattr(focus, "id") else 0
            return wid or None
        except Exception:  # noqa: BLE001
            return None

    def _x11_activate(self, wid: int) -> bool:
        d = self._open()
        if d is None:
            return False
        try:  # pragma: no cover - only under X11
            from Xlib import X, protocol

            root = d.screen().root
            target = d.create_resource_object("window", wid)
            message = protocol.event.ClientMessage(
                window=target,
                client_type=d.intern_atom("_NET_ACTIVE_WINDOW"),
                data=(32, [2, X.CurrentTime, 0, 0, 0]),
            )
            root.send_event(message, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
            target.set_input_focus(X.RevertToParent, X.CurrentTime)
            d.sync()
            return True
        except Exception:  # noqa: BLE001
            return False

    def _x11_class(self, wid: int | None) -> str:
        d = self._open() if wid else None
        if d is None:
            return ""
        try:  # pragma: no cover - only under X11
            wm_class = d.create_resource_object("window", wid).get_wm_class()
            return wm_class[1] if wm_class else ""
        except Exception:  # noqa: BLE001
            return ""
