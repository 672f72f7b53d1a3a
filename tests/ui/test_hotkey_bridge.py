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
