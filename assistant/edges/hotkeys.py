"""Global hotkeys behind one small interface, with the backend that works on this desktop.

* X11 (also the domestic Linux desktops: UOS, Kylin): a key grab on the root window through python-xlib.
  It needs no root and no access to /dev/input (the `keyboard` library needs both on Linux). Grabs are made
  for the plain combination and with CapsLock/NumLock on, a combination another program holds is reported
  (BadAccess), and we act on KeyRelease: while the grabbed keys are still held, a Ctrl+V we send would
  reach the target as Ctrl+Alt+V (see DESKTOP.md).
* Windows: `RegisterHotKey` with no window (hWnd NULL), so WM_HOTKEY is posted to the GUI thread's queue and
  reaches us through Qt's native event filter (ui/platform/native_messages.py); a combination another program holds
  is reported (ERROR_HOTKEY_ALREADY_REGISTERED). No low-level hook: the `keyboard` library's
  `add_hotkey(..., trigger_on_release=True)` never fires in 0.13.5 (keyboard issues #178, #291, #340).
  WM_HOTKEY comes on the key press; the paste path lets go of the held modifiers before Ctrl+V (ui/platform/paste.py).
  A thread message is lost while Windows runs a modal loop of its own (the clerk dragging one of our windows,
  a native menu open): that press does nothing, the next one works. A window-bound hotkey would survive that
  but die with the window, which Qt re-creates when the sidebar floats or docks.
  The user32 calls sit behind `Win32Hotkeys`; tests pass a fake that follows the documentation.
* Wayland, macOS, Linux without X: no global hotkeys; the app keeps its in-window shortcuts and says why.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from assistant.config import registry

Callback = Callable[[str], None]

# The configurable map: combination → action. fav1…fav9 insert the favourites in order.
DEFAULT_HOTKEYS: dict[str, str] = {
    **{f"ctrl+alt+{n}": f"fav{n}" for n in range(1, 10)},
    "ctrl+alt+space": "quick_search",
    "ctrl+alt+n": "interaction_start",
    # the flow from the business program: plain F9–F11 belong to it (menus, full screen), so with Ctrl+Alt
    "ctrl+alt+f9": "interaction_start",
    "ctrl+alt+f10": "next_step",
    "ctrl+alt+f11": "interaction_end",
    "ctrl+alt+r": "resume",  # back from 暂停服务 whatever covers the screen
}

MODIFIER_NAMES = {
    "ctrl": "ctrl",
    "control": "ctrl",
    "alt": "alt",
    "shift": "shift",
    "super": "super",
    "win": "super",
}


def parse_combo(combo: str) -> tuple[frozenset[str], str]:
    """ "Ctrl+Alt+1" → ({"ctrl", "alt"}, "1"); ValueError (Chinese) when it is not a combination."""
    parts = [p.strip().lower() for p in combo.replace(" ", "").split("+") if p.strip()]
    if not parts:
        raise ValueError(f"热键“{combo}”为空。")
    *mods, key = parts
    unknown = [m for m in mods if m not in MODIFIER_NAMES]
    if unknown or key in MODIFIER_NAMES:
        raise ValueError(f"热键“{combo}”无效：应为 修饰键+按键，如 ctrl+alt+1。")
    return frozenset(MODIFIER_NAMES[m] for m in mods), key


class HotkeyBackend:
    """The interface: register combinations, learn about conflicts, deliver activations.

    `fileno()` is an fd to watch (then call `dispatch()` when readable), or None when the backend
    delivers from a thread of its own.
    """

    name = "none"

    def register(self, combo: str, action: str, callback: Callback) -> str | None:
        """Grab `combo`; None when it worked, else a Chinese reason (e.g. taken by another program)."""
        raise NotImplementedError

    def unregister_all(self) -> None:
        raise NotImplementedError

    def fileno(self) -> int | None:
        return None

    def dispatch(self) -> None:
        """Handle what is pending (for fd-based backends)."""

    # Windows: the backend reads the GUI thread's messages (WM_HOTKEY) through the Qt bridge's native filter.
    native_messages = False

    def native_message(self, message: int, wparam: int) -> bool:
        """A Windows message from the GUI thread's queue; True when it was one of our hotkeys (then handled)."""
        return False

    def close(self) -> None:
        self.unregister_all()


def register_map(backend: HotkeyBackend, mapping: Mapping[str, str], callback: Callback) -> list[str]:
    """Register every combination of `mapping`; the Chinese conflict reports, one per failed combination."""
    problems = []
    for combo, action in mapping.items():
        try:
            parse_combo(combo)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        reason = backend.register(combo, action, callback)
        if reason:
            problems.append(reason)
    return problems


class X11Backend(HotkeyBackend):
    """Key grabs on the X root window (python-xlib), delivered on KeyRelease."""

    name = "x11"

    def __init__(self, display_name: str | None = None) -> None:
        from Xlib import XK, X, display  # lazy: only on X11

        self._X, self._XK = X, XK
        self.display = display.Display(display_name)
        self.root = self.display.screen().root
        self.root.change_attributes(event_mask=X.KeyPressMask | X.KeyReleaseMask)
        self._mods = {"ctrl": X.ControlMask, "alt": X.Mod1Mask, "shift": X.ShiftMask, "super": X.Mod4Mask}
        # CapsLock and NumLock must not defeat a grab: grab each combination with them on as well.
        self._extras = (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)
        self._relevant = X.ControlMask | X.Mod1Mask | X.ShiftMask | X.Mod4Mask
        self._grabs: dict[tuple[int, int], tuple[str, Callback]] = {}
        self._pressed: dict[int, tuple[int, int]] = {}  # keycode → the grab it pressed

    def _keycode(self, key: str) -> int:
        names = {"space": "space", "enter": "Return", "esc": "Escape", "tab": "Tab"}
        keysym = self._XK.string_to_keysym(names.get(key, key if len(key) == 1 else key.capitalize()))
        if keysym == 0 and key.upper().startswith("F"):
            keysym = self._XK.string_to_keysym(key.upper())
        return self.display.keysym_to_keycode(keysym) if keysym else 0

    def register(self, combo: str, action: str, callback: Callback) -> str | None:
        from Xlib import error

        mods, key = parse_combo(combo)
        keycode = self._keycode(key)
        if not keycode:
            return f"热键 {combo}：此键盘没有“{key}”键。"
        mask = 0
        for m in mods:
            mask |= self._mods[m]
        catcher = error.CatchError(error.BadAccess)
        X = self._X
        for extra in self._extras:
            self.root.grab_key(keycode, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
        self.display.sync()
        if catcher.get_error():
            for extra in self._extras:
                self.root.ungrab_key(keycode, mask | extra)
            self.display.sync()
            return f"热键 {combo} 已被其他程序占用，未能注册。"
        self._grabs[(keycode, mask)] = (action, callback)
        return None

    def unregister_all(self) -> None:
        for keycode, mask in self._grabs:
            for extra in self._extras:
                self.root.ungrab_key(keycode, mask | extra)
        self._grabs.clear()
        self.display.sync()

    def fileno(self) -> int | None:
        return self.display.fileno()

    def dispatch(self) -> None:
        X = self._X
        while self.display.pending_events():
            event = self.display.next_event()
            if event.type not in (X.KeyPress, X.KeyRelease):
                continue
            if event.type == X.KeyPress:
                key = (event.detail, event.state & self._relevant)
                if key in self._grabs:
                    self._pressed[event.detail] = key
                continue
            # The modifiers may be released first (xdotool does): match the release by key code alone.
            released = self._pressed.pop(event.detail, None)
            if released is not None and released in self._grabs:
                action, callback = self._grabs[released]
                callback(action)

    def close(self) -> None:
        try:
            self.unregister_all()
        finally:
            self.display.close()


# ─── Windows ─────────────────────────────────────────────────────────────────────────────────────
# https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-registerhotkey
# https://learn.microsoft.com/en-us/windows/win32/inputdev/wm-hotkey
WM_HOTKEY = 0x0312
MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x0001, 0x0002, 0x0004, 0x0008, 0x4000
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
_MOD_FLAGS = {"alt": MOD_ALT, "ctrl": MOD_CONTROL, "shift": MOD_SHIFT, "super": MOD_WIN}
_NAMED_KEYS = {
    "space": 0x20,
    "enter": 0x0D,
    "return": 0x0D,
    "esc": 0x1B,
    "escape": 0x1B,
    "tab": 0x09,
    "insert": 0x2D,
    "delete": 0x2E,
    "home": 0x24,
    "end": 0x23,
    "pageup": 0x21,
    "pagedown": 0x22,
}


def virtual_key(key: str) -> int | None:
    """The Windows virtual-key code of a key name of parse_combo() ("1", "a", "f5", "space"); None if unknown."""
    if len(key) == 1 and (key.isdigit() or "a" <= key <= "z"):
        return ord(key.upper())  # VK_0…VK_9 and VK_A…VK_Z are the ASCII codes
    if key[:1] == "f" and key[1:].isdigit() and 1 <= int(key[1:]) <= 24:
        return 0x70 + int(key[1:]) - 1  # VK_F1…VK_F24
    return _NAMED_KEYS.get(key)


class Win32Hotkeys(Protocol):
    """The user32 calls the Windows backend uses (hwnd 0: the calling thread's queue)."""

    def register_hotkey(self, hwnd: int, ident: int, modifiers: int, vk: int) -> bool: ...

    def unregister_hotkey(self, hwnd: int, ident: int) -> bool: ...

    def last_error(self) -> int: ...


class User32Hotkeys:
    """Win32Hotkeys through ctypes (Windows only)."""

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._ctypes: Any = ctypes  # WinDLL and get_last_error exist on Windows only
        user32 = self._ctypes.WinDLL("user32", use_last_error=True)
        self._register = user32.RegisterHotKey
        self._register.argtypes = (wintypes.HWND, ctypes.c_int, wintypes.UINT, wintypes.UINT)
        self._register.restype = wintypes.BOOL
        self._unregister = user32.UnregisterHotKey
        self._unregister.argtypes = (wintypes.HWND, ctypes.c_int)
        self._unregister.restype = wintypes.BOOL

    def register_hotkey(self, hwnd: int, ident: int, modifiers: int, vk: int) -> bool:
        return bool(self._register(hwnd or None, ident, modifiers, vk))

    def unregister_hotkey(self, hwnd: int, ident: int) -> bool:
        return bool(self._unregister(hwnd or None, ident))

    def last_error(self) -> int:
        return self._ctypes.get_last_error()


class WindowsBackend(HotkeyBackend):
    """RegisterHotKey on the GUI thread (create it there); WM_HOTKEY arrives through `native_message`."""

    name = "win32"
    native_messages = True

    def __init__(self, api: Win32Hotkeys | None = None) -> None:
        self.api = api if api is not None else User32Hotkeys()
        self._hotkeys: dict[int, tuple[str, Callback]] = {}  # id (wParam of WM_HOTKEY) → action

    def register(self, combo: str, action: str, callback: Callback) -> str | None:
        mods, key = parse_combo(combo)
        vk = virtual_key(key)
        if vk is None:
            return f"热键 {combo}：Windows 不支持“{key}”键作为热键。"
        flags = MOD_NOREPEAT  # holding the keys must not insert the phrase again and again
        for m in mods:
            flags |= _MOD_FLAGS[m]
        ident = len(self._hotkeys) + 1  # 0x0000–0xBFFF for an application
        while ident in self._hotkeys:
            ident += 1
        if not self.api.register_hotkey(0, ident, flags, vk):
            error = self.api.last_error()
            if error == ERROR_HOTKEY_ALREADY_REGISTERED:
                return f"热键 {combo} 已被其他程序占用，未能注册。"
            return f"热键 {combo} 无法注册（Windows 错误 {error}）。"
        self._hotkeys[ident] = (action, callback)
        return None

    def unregister_all(self) -> None:
        for ident in self._hotkeys:
            self.api.unregister_hotkey(0, ident)
        self._hotkeys.clear()

    def native_message(self, message: int, wparam: int) -> bool:
        found = self._hotkeys.get(wparam) if message == WM_HOTKEY else None
        if found is None:
            return False
        action, callback = found
        callback(action)
        return True


def choose_backend(
    platform: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[HotkeyBackend | None, str]:
    """The working backend here, or None with the Chinese reason shown in the status line."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    if registry.env("WA_NO_HOTKEYS", env):
        return None, "全局热键已关闭（WA_NO_HOTKEYS=1），请使用窗口内快捷键。"
    if platform.startswith("linux"):
        if not env.get("DISPLAY"):
            if env.get("WAYLAND_DISPLAY"):
                return None, "Wayland 桌面不允许程序注册全局热键，请使用窗口内快捷键。"
            return None, "没有图形桌面（DISPLAY 未设置），全局热键不可用。"
        try:
            return X11Backend(env.get("DISPLAY")), ""
        except ImportError:
            return None, "缺少 python-xlib，全局热键不可用，请使用窗口内快捷键。"
        except Exception as exc:  # noqa: BLE001 — Xlib raises DisplayError, ConnectionClosedError, OSError…
            return None, f"无法连接 X 显示服务器（{exc}），全局热键不可用。"
    if platform == "win32":
        try:
            return WindowsBackend(), ""
        except (OSError, AttributeError) as exc:  # no user32 (Wine without it, a stripped server core)
            return None, f"无法使用 Windows 热键接口（{exc}），请使用窗口内快捷键。"
    return None, f"此系统（{platform}）暂不支持全局热键，请使用窗口内快捷键。"
