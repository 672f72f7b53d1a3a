"""Focus on Windows (ui/platform/focus.py, ui/panels/quick_search.py) against a fake that enforces SetForegroundWindow's
documented rules (tests/fakes/win32.py): the quick search opened by a hotkey takes the foreground inside the
WM_HOTKEY handling, asks the clerk to click it when Windows refuses, and gives the foreground back to the
business program before the phrase is pasted; a form gives it back after the clerk typed into it."""

from __future__ import annotations

import ctypes

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QWidget

from assistant.domain.search import PhraseIndex, entries_of
from assistant.edges.hotkeys import MOD_ALT, MOD_CONTROL, WindowsBackend
from tests.fakes.win32 import FakeForeground, FakeHotkeys
from ui.panels.quick_search import QuickSearch
from ui.platform import native_messages
from ui.platform.focus import FocusReturn
from ui.platform.hotkey_bridge import HotkeyBridge

BUSINESS = 0x1001  # the business system's browser window, where the clerk was typing
SPACE = 0x20


def dispatch(posted) -> None:
    """Qt's Windows event dispatcher handing each posted thread message to the native filters."""
    for hwnd, message, wparam, lparam in posted:
        msg = native_messages.MSG(hwnd or None, message, wparam, lparam, 0, 0, 0)
        native_messages.shared().nativeEventFilter(
            QByteArray(b"windows_dispatcher_MSG"), ctypes.addressof(msg)
        )


@pytest.fixture
def windows(qtbot, desk):
    """The business window in front with the clerk typing in it; our quick search wired to ctrl+alt+space."""
    user32 = FakeForeground()
    user32.add_window(BUSINESS, "business")
    user32.type_in(BUSINESS)
    used: list = []
    popup = QuickSearch(
        PhraseIndex.build(entries_of(desk.scripts.phrases.values())),
        desk.scripts.phrases,
        lambda pid, mode: used.append((pid, user32.foreground)),
        focus=FocusReturn(user32),
    )
    qtbot.addWidget(popup)
    user32.add_window(int(popup.winId()), "ours")
    keys = FakeHotkeys(on_hotkey=user32.hotkey)
    bridge = HotkeyBridge(WindowsBackend(keys))
    bridge.activated.connect(lambda action: popup.popup() if action == "quick_search" else None)
    yield user32, keys, popup, used
    bridge.close()


def test_the_hotkey_lets_the_popup_take_the_foreground_and_the_paste_goes_back_to_the_business_window(
    windows,
):
    user32, keys, popup, used = windows
    dispatch(keys.press(MOD_CONTROL | MOD_ALT, SPACE))
    assert popup.isVisible() and user32.foreground == int(popup.winId())
    assert popup.hint.text().startswith("Enter") and user32.flashed == []
    popup.line.setText("qsh")
    popup.submit()
    assert used == [("greet.wait", BUSINESS)]  # the foreground was given back before the phrase was used
    assert user32.log == [("foreground", int(popup.winId())), ("foreground", BUSINESS)]


def test_escape_also_gives_the_foreground_back(windows):
    user32, keys, popup, used = windows
    dispatch(keys.press(MOD_CONTROL | MOD_ALT, SPACE))
    popup.cancel()
    assert not popup.isVisible() and user32.foreground == BUSINESS and used == []


def test_without_the_hotkey_input_windows_refuses_and_the_popup_asks_for_a_click(windows):
    user32, _keys, popup, _used = windows
    assert not popup.popup()  # e.g. opened by a timer: not in response to the clerk's input
    assert user32.foreground == BUSINESS and user32.flashed == [int(popup.winId())]
    assert "点一下" in popup.hint.text()


def test_a_locked_foreground_is_refused_even_after_the_hotkey(windows):
    user32, keys, popup, _used = windows
    user32.locked = True  # the business program called LockSetForegroundWindow (e.g. a menu is open)
    dispatch(keys.press(MOD_CONTROL | MOD_ALT, SPACE))
    assert popup.isVisible() and user32.foreground == BUSINESS and "点一下" in popup.hint.text()


def test_a_form_gives_the_foreground_back_after_the_clerk_typed_into_it(qtbot):
    user32 = FakeForeground()
    user32.add_window(BUSINESS, "business")
    user32.type_in(BUSINESS)
    form = QWidget()
    qtbot.addWidget(form)
    user32.add_window(int(form.winId()), "ours")
    focus = FocusReturn(user32)
    assert focus.remember() == BUSINESS
    user32.type_in(int(form.winId()))  # the clerk fills the form: our process received the last input
    assert focus.restore() and user32.foreground == BUSINESS
    user32.add_window(0x2002, "chat")
    focus.remember()
    user32.click(0x2002)  # the clerk went to another program meanwhile: we may not pull the focus around
    assert not focus.restore() and user32.foreground == 0x2002


def test_a_remote_desktop_client_in_front_is_recognised():
    user32 = FakeForeground()
    user32.add_window(0x3003, "mstsc", "TscShellContainerClass")
    user32.add_window(BUSINESS, "business", "Chrome_WidgetWin_1")
    user32.click(0x3003)
    focus = FocusReturn(user32)
    assert focus.target_is_remote()
    user32.click(BUSINESS)
    assert not focus.target_is_remote()


def test_a_phrase_with_fields_is_pasted_into_the_business_window_after_its_form_closes(
    qtbot, desk, monkeypatch, tmp_path
):
    """The clerk clicks 请您到……窗口办理 in the sidebar (which never takes the focus), types the window's name into
    the small form, presses Enter: the foreground goes back to the business window before the Ctrl+V."""
    import ui.dialogs.phrase_form
    from tests.fakes.paste import FakeSender
    from ui.panels.phrase_panel import Favourites, PhrasePanel, RecentValues
    from ui.platform.paste import Inserter

    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    user32 = FakeForeground()
    user32.add_window(BUSINESS, "business")
    user32.type_in(BUSINESS)
    monkeypatch.setattr(ui.dialogs.phrase_form, "FocusReturn", lambda: FocusReturn(user32))
    sender = FakeSender()
    pasted_into = []
    sender.send_paste = lambda shift=False: pasted_into.append(user32.foreground)
    panel = PhrasePanel(
        desk, Inserter(sender, pre_paste_ms=10, restore_ms=10), None, Favourites([]), RecentValues(None)
    )
    qtbot.addWidget(panel)
    panel.use("greet.refer", "insert")
    form = panel.form
    user32.add_window(int(form.winId()), "ours")
    user32.type_in(int(form.winId()))  # the clerk types into the form: our process had the last input
    form.editors["窗口"].setCurrentText("社保")
    form.accept()
    qtbot.waitUntil(lambda: pasted_into != [], timeout=5000)
    assert pasted_into == [BUSINESS]
