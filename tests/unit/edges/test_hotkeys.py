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
