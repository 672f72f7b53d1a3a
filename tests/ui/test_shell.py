"""The assembled sidebar: the phrase panel in place, global hotkeys routed, the composer and quick search."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from tests.conftest import ready_desk
from tests.fakes.hotkeys import FakeBackend
from tests.fakes.paste import FakeSender
from ui.panels.phrase_panel import PhrasePanel
from ui.platform.hotkey_bridge import HotkeyBridge
from ui.shell import build_shell


@pytest.fixture
def shell(qtbot, desk, tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WA_NO_SPEECH", "1")
    backend = FakeBackend()
    hotkeys = HotkeyBridge(backend)
    sender = FakeSender()
    settings = QSettings(str(tmp_path / "sidebar.ini"), QSettings.IniFormat)
    sidebar = build_shell(
        QApplication.instance(), desk, [], settings=settings, hotkeys=hotkeys, sender=(sender, "")
    )
    qtbot.addWidget(sidebar)
    assert sidebar.shell.panel is None  # built after the window is on screen
    qtbot.waitUntil(lambda: sidebar.shell.panel is not None, timeout=5000)
    yield sidebar, backend, sender
    hotkeys.close()
    for window in (sidebar.shell._composer, sidebar.shell._quick_search, sidebar.shell._review):
        if window is not None:
            window.close()


def test_the_phrase_panel_replaces_the_simple_list(shell):
    sidebar, _, _ = shell
    assert isinstance(sidebar.phrase_panel, PhrasePanel)
    assert sidebar.phrase_stack.currentWidget() is sidebar.phrase_panel


def test_laireng_hotkey_starts_an_interaction(shell, desk, qtbot):
    sidebar, backend, _ = shell
    ready_desk(desk)
    assert backend.trigger("ctrl+alt+n")
    assert desk.state.interaction is not None and desk.state.interaction.step == "ying"


def test_favourite_hotkey_inserts_into_the_focused_program(shell, desk, qtbot):
    sidebar, backend, sender = shell
    sidebar.phrase_panel.toggle_favourite("greet.wait")
    backend.trigger("ctrl+alt+1")
    qtbot.waitUntil(lambda: "ctrl+v" in sender.calls, timeout=3000)
    assert QGuiApplication.clipboard().text() == "请稍候，我们马上为您办理！"

    def used():
        return [e.payload for e in desk.store.events() if e.kind == "phrase_used"]

    qtbot.waitUntil(lambda: used()[-1:] == [{"phrase": "greet.wait", "mode": "insert"}], timeout=3000)


def test_an_unset_favourite_says_how_to_set_it(shell):
    sidebar, backend, sender = shell
    backend.trigger("ctrl+alt+9")
    assert "☆" in sidebar.message.text() and not sender.calls


def test_quick_search_hotkey_opens_the_popup(shell, qtbot):
    sidebar, backend, _ = shell
    backend.trigger("ctrl+alt+space")
    popup = sidebar.shell._quick_search
    assert popup is not None and popup.isVisible()
    popup.line.setText("qsh")
    assert popup.selected() == "greet.wait"


def test_composer_inserts_through_the_paste_machinery(shell, qtbot):
    sidebar, _, sender = shell
    sidebar.compose_requested.emit()
    composer = sidebar.shell._composer
    assert composer is not None and composer.isVisible()
    composer.insert_requested.emit("您好，请稍候。")
    qtbot.waitUntil(lambda: "ctrl+v" in sender.calls, timeout=3000)


def test_my_records_needs_a_signed_in_clerk(shell, desk):
    sidebar, _, _ = shell
    sidebar.records_requested.emit()
    assert "签到" in sidebar.message.text() and sidebar.shell._review is None
    ready_desk(desk)
    sidebar.records_requested.emit()
    review = sidebar.shell._review
    assert review is not None and not review.lead and review.own_clerk == "A0123"


def test_the_flow_and_resume_by_global_hotkeys_leave_plain_f_keys_alone(shell, desk, qtbot):
    """Issue 14 #8 and #1: Ctrl+Alt+F9/F10/F11 work from the business program; plain F9–F11 are not
    grabbed (menus and full screen there); Ctrl+Alt+R ends a pause whatever covers the screen."""
    sidebar, backend, _ = shell
    assert not any(backend.trigger(key) for key in ("f9", "f10", "f11"))
    ready_desk(desk)
    assert backend.trigger("ctrl+alt+f9") and desk.state.interaction.step == "ying"
    assert backend.trigger("ctrl+alt+f10") and desk.state.interaction.step == "wen"
    assert backend.trigger("ctrl+alt+f11") and desk.state.interaction is None
    desk.execute("pause", {"reason": "会议"})
    assert sidebar.pause_sign is not None and sidebar.pause_sign.isVisible()
    assert backend.trigger("ctrl+alt+r")
    assert desk.state.pause is None and not sidebar.pause_sign.isVisible()


def test_two_quick_favourite_presses_insert_twice(shell, desk, qtbot):
    """Issue 14 #20: each press is one insertion, queued."""
    sidebar, backend, sender = shell
    sidebar.phrase_panel.toggle_favourite("greet.wait")
    backend.trigger("ctrl+alt+1")
    backend.trigger("ctrl+alt+1")

    def inserted():
        return [e for e in desk.store.events() if e.kind == "phrase_used" and e.payload["mode"] == "insert"]

    qtbot.waitUntil(lambda: len(inserted()) == 2, timeout=5000)
    assert sender.calls.count("ctrl+v") == 2


def test_the_pause_reason_starts_empty(qtbot):
    """Issue 14 #20: one Enter cannot record a reason nobody chose."""
    from ui.dialogs.form import FormDialog, FormField

    dialog = FormDialog(
        "暂停服务", [FormField("reason", "暂停原因", "choice", ("会议", "培训"), preselect=False)]
    )
    qtbot.addWidget(dialog)
    assert dialog.values()["reason"] == ""
    dialog.try_accept()
    assert "暂停原因" in dialog.error.text()
