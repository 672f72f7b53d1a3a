"""The Qt bridge of the hotkey backends."""

from tests.fakes.hotkeys import FakeBackend
from ui.platform.hotkey_bridge import HotkeyBridge


def test_bridge_emits_the_action_and_lists_conflicts(qtbot):
    backend = FakeBackend(taken=("ctrl+alt+9",))
    bridge = HotkeyBridge(backend)
    assert bridge.status == "热键 ctrl+alt+9 已被其他程序占用，未能注册。"
    with qtbot.waitSignal(bridge.activated, timeout=1000) as blocker:
        backend.trigger("ctrl+alt+space")
    assert blocker.args == ["quick_search"]
    bridge.close()


def test_bridge_without_backend_says_why(qtbot):
    bridge = HotkeyBridge(None, reason="Wayland 桌面不允许程序注册全局热键，请使用窗口内快捷键。")
    assert "Wayland" in bridge.status


def _deliver(messages, event_type=b"windows_dispatcher_MSG"):
    """What Qt's Windows event dispatcher does with each posted message: hand a MSG* to the native filters."""
    import ctypes

    from PySide6.QtCore import QByteArray

    from ui.platform import native_messages

    answers = []
    for hwnd, message, wparam, lparam in messages:
        msg = native_messages.MSG(hwnd or None, message, wparam, lparam, 0, 0, 0)
        answers.append(
            native_messages.shared().nativeEventFilter(QByteArray(event_type), ctypes.addressof(msg))
        )
    return answers


def test_wm_hotkey_through_the_native_filter_is_acted_on_inside_its_handling(qtbot):
    from assistant.edges.hotkeys import MOD_ALT, MOD_CONTROL, WindowsBackend
    from tests.fakes.win32 import FakeHotkeys

    user32 = FakeHotkeys(taken=((MOD_CONTROL | MOD_ALT, ord("N")),))
    bridge = HotkeyBridge(WindowsBackend(user32))
    assert bridge.status == "热键 ctrl+alt+n 已被其他程序占用，未能注册。"
    got: list[str] = []
    bridge.activated.connect(got.append)
    answers = _deliver(user32.press(MOD_CONTROL | MOD_ALT, 0x20))
    assert answers == [(True, 0)] and got == ["quick_search"]  # synchronously: no event loop turn between
    assert _deliver([(0, 0x0100, 0x41, 0)]) == [(False, 0)]  # WM_KEYDOWN: not ours, Qt goes on with it
    assert _deliver(user32.press(MOD_CONTROL | MOD_ALT, ord("1")), b"xcb_generic_event_t") == [(False, 0)]
    bridge.close()
    assert user32.ours == {} and _deliver([(0, 0x0312, 1, 0)]) == [(False, 0)]
