"""Global hotkeys behind one small interface, with the backend that works on this desktop.

* X11 (also the domestic Linux desktops: UOS, Kylin): a key grab on the root window through python-xlib.
  It needs no root and no access to /dev/input (the `keyboard` library needs both on Linux). Grabs are made
  for the plain combination and with CapsLock/NumLock on, a combination another program holds is reported
  (BadAccess), and we act on KeyRelease: while the grabbed keys are still held, a Ctrl+V we send would
  reach the target as Ctrl+Alt+V (see DESKTOP.md).
* Windows: the `keyboard` library (low-level hook, no admin rights needed); its callbacks run on its own
  thread and only hand the action name on (the Qt bridge turns that into a queued signal). Not tested on
  this platform; Windows' RegisterHotKey would report conflicts, the hook cannot.
* Wayland, macOS, Linux without X: no global hotkeys; the app keeps its in-window shortcuts and says why.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

Callback = Callable[[str], None]

# The configurable map: combination → action. fav1…fav9 insert the favourites in order.
DEFAULT_HOTKEYS: dict[str, str] = {
    **{f"ctrl+alt+{n}": f"fav{n}" for n in range(1, 10)},
    "ctrl+alt+space": "quick_search",
    "ctrl+alt+n": "interaction_start",
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
            key = self._pressed.pop(event.detail, None)
            if key is not None and key in self._grabs:
                action, callback = self._grabs[key]
                callback(action)

    def close(self) -> None:
        try:
            self.unregister_all()
        finally:
            self.display.close()


class KeyboardBackend(HotkeyBackend):
    """The `keyboard` library's low-level hook (Windows). Not tested on this platform."""

    name = "keyboard"

    def __init__(self) -> None:
        import keyboard  # lazy

        self._kb = keyboard
        self._handles: list[object] = []

    def register(self, combo: str, action: str, callback: Callback) -> str | None:
        try:
            handle = self._kb.add_hotkey(
                combo, lambda: callback(action), suppress=False, trigger_on_release=True
            )
        except (ValueError, ImportError, OSError) as exc:
            return f"热键 {combo} 无法注册：{exc}"
        self._handles.append(handle)
        return None

    def unregister_all(self) -> None:
        for handle in self._handles:
            try:
                self._kb.remove_hotkey(handle)
            except (KeyError, ValueError):
                pass
        self._handles.clear()


def choose_backend(
    platform: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[HotkeyBackend | None, str]:
    """The working backend here, or None with the Chinese reason shown in the status line."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    if env.get("WA_NO_HOTKEYS") == "1":
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
            return KeyboardBackend(), ""
        except ImportError:
            return None, "缺少 keyboard 组件，全局热键不可用，请使用窗口内快捷键。"
    return None, f"此系统（{platform}）暂不支持全局热键，请使用窗口内快捷键。"
