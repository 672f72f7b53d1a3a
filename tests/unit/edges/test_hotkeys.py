"""The hotkey interface with the fake backend, the combination parser and the backend chooser."""

from __future__ import annotations

import pytest

from assistant.edges.hotkeys import DEFAULT_HOTKEYS, choose_backend, parse_combo, register_map
from tests.fakes.hotkeys import FakeBackend


def test_parse_combo():
    assert parse_combo("Ctrl+Alt+1") == (frozenset({"ctrl", "alt"}), "1")
    assert parse_combo("ctrl + alt + space") == (frozenset({"ctrl", "alt"}), "space")
    with pytest.raises(ValueError, match="无效"):
        parse_combo("ctrl+alt")
    with pytest.raises(ValueError, match="无效"):
        parse_combo("hyper+x")


def test_fake_backend_delivers_the_action_and_reports_conflicts():
    backend = FakeBackend(taken=("ctrl+alt+2",))
    got: list[str] = []
    problems = register_map(backend, DEFAULT_HOTKEYS, got.append)
    assert problems == ["热键 ctrl+alt+2 已被其他程序占用，未能注册。"]
    assert backend.trigger("ctrl+alt+1") and backend.trigger("Ctrl+Alt+Space")
    assert not backend.trigger("ctrl+alt+2")
    assert got == ["fav1", "quick_search"]
    backend.unregister_all()
    assert not backend.trigger("ctrl+alt+1")


def test_bad_combination_in_the_map_is_reported():
    problems = register_map(FakeBackend(), {"ctrl+": "x", "ctrl+alt+3": "fav3"}, lambda _a: None)
    assert len(problems) == 1 and "无效" in problems[0] or "为空" in problems[0]


@pytest.mark.parametrize(
    ("platform", "env", "reason"),
    [
        ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, "Wayland"),
        ("linux", {}, "DISPLAY"),
        ("linux", {"DISPLAY": ":99", "WA_NO_HOTKEYS": "1"}, "已关闭"),
        ("darwin", {"DISPLAY": ":0"}, "暂不支持"),
    ],
)
def test_chooser_says_why_there_are_no_global_hotkeys(platform, env, reason):
    backend, why = choose_backend(platform, env)
    assert backend is None and reason in why


# python-xlib leaves the failed connection's socket to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
def test_chooser_reports_an_unreachable_x_server():
    backend, why = choose_backend("linux", {"DISPLAY": ":250"})
    assert backend is None and "X 显示服务器" in why


# ─── Windows: RegisterHotKey against a fake that follows its documentation (tests/fakes/win32.py) ──────


def test_windows_backend_registers_each_combination_and_names_the_one_another_program_holds():
    from assistant.edges.hotkeys import MOD_ALT, MOD_CONTROL, MOD_NOREPEAT, WM_HOTKEY, WindowsBackend
    from tests.fakes.win32 import FakeHotkeys

    user32 = FakeHotkeys(taken=((MOD_CONTROL | MOD_ALT, ord("2")),))
    backend = WindowsBackend(user32)
    got: list[str] = []
    problems = register_map(backend, DEFAULT_HOTKEYS, got.append)
    assert problems == ["热键 ctrl+alt+2 已被其他程序占用，未能注册。"]
    assert all(mods & MOD_NOREPEAT for mods, _vk in user32.ours.values())
    assert {vk for _mods, vk in user32.ours.values()} == {
        *(ord(str(n)) for n in (1, *range(3, 10))),
        0x20,
        ord("N"),
        0x78,  # VK_F9, VK_F10, VK_F11: the flow from the business program, with Ctrl+Alt
        0x79,
        0x7A,
        ord("R"),  # resume from 暂停服务
    }
    held = user32.press(MOD_CONTROL | MOD_ALT, ord("1"), repeats=5)  # held down: one message, not six
    assert len(held) == 1
    for hwnd, message, wparam, _lparam in held + user32.press(MOD_CONTROL | MOD_ALT, 0x20):
        assert hwnd == 0 and message == WM_HOTKEY and backend.native_message(message, wparam)
    assert got == ["fav1", "quick_search"]
    assert not backend.native_message(WM_HOTKEY, 999) and not backend.native_message(0x0100, 1)
    assert user32.press(MOD_CONTROL | MOD_ALT, ord("2")) == []  # the other program's, not ours
    backend.unregister_all()
    assert user32.ours == {} and user32.press(MOD_CONTROL | MOD_ALT, ord("1")) == []


def test_windows_backend_names_keys_windows_cannot_register():
    from assistant.edges.hotkeys import WindowsBackend, virtual_key
    from tests.fakes.win32 import FakeHotkeys

    assert (virtual_key("a"), virtual_key("9"), virtual_key("f12"), virtual_key("space")) == (
        0x41,
        0x39,
        0x7B,
        0x20,
    )
    problems = register_map(WindowsBackend(FakeHotkeys()), {"ctrl+alt+§": "x"}, lambda _a: None)
    assert problems == ["热键 ctrl+alt+§：Windows 不支持“§”键作为热键。"]


def test_the_chooser_on_a_system_without_user32_says_why():
    backend, why = choose_backend("win32", {})
    assert backend is None and "Windows 热键接口" in why


def test_keyboard_hotkeys_on_release_never_fire_which_is_why_windows_uses_registerhotkey():
    """keyboard 0.13.5 through its own mocked OS layer: the released key has left `_pressed_events` before
    the combination is looked up (keyboard issues #178, #291, #340)."""
    import keyboard
    from keyboard import _keyboard_tests as mocked

    fired = {True: 0, False: 0}
    for on_release in (True, False):
        keyboard._listener.init()
        keyboard._pressed_events.clear()
        keyboard._physically_pressed_keys.clear()
        keyboard._logically_pressed_keys.clear()
        handle = keyboard.add_hotkey(
            "left ctrl+alt+a",
            lambda r=on_release: fired.__setitem__(r, fired[r] + 1),
            suppress=False,
            trigger_on_release=on_release,
        )
        for event in mocked.d_ctrl + mocked.d_alt + mocked.d_a + mocked.u_a + mocked.u_alt + mocked.u_ctrl:
            keyboard._listener.direct_callback(event)
            keyboard._listener.queue.join()  # the clerk's keys come one after another
        keyboard.remove_hotkey(handle)
    assert fired == {True: 0, False: 1}
