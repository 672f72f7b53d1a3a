"""The sidebar offscreen: its flags, and clicks that become recorded events."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from tests.conftest import ready_desk
from ui.sidebar.window import Sidebar


def make(qtbot, desk, problems=None, **kw) -> Sidebar:
    sidebar = Sidebar(desk, problems=problems, **kw)
    qtbot.addWidget(sidebar)
    sidebar.show()
    return sidebar


def kinds(desk):
    return [e.kind for e in desk.store.events()]


def test_window_stays_on_top_frameless_and_never_takes_focus(qtbot, desk):
    sidebar = make(qtbot, desk)
    flags = sidebar.windowFlags()
    assert flags & Qt.WindowStaysOnTopHint and flags & Qt.WindowDoesNotAcceptFocus
    assert flags & Qt.FramelessWindowHint
    assert sidebar.testAttribute(Qt.WA_ShowWithoutActivating)
    from PySide6.QtWidgets import QPushButton

    buttons = sidebar.findChildren(QPushButton)
    assert len(buttons) > 20 and all(b.focusPolicy() == Qt.NoFocus for b in buttons)
    assert all(b.objectName() and b.accessibleName() for b in buttons)


def test_refusal_is_shown_in_chinese(qtbot, desk):
    sidebar = make(qtbot, desk)
    sidebar.start_button.setEnabled(True)
    with qtbot.waitSignal(sidebar.state_changed):
        qtbot.mouseClick(sidebar.start_button, Qt.LeftButton)
    assert "签到" in sidebar.message.text()


def test_clicks_drive_the_flow_and_are_recorded(qtbot, desk):
    ready_desk(desk)
    sidebar = make(qtbot, desk)
    with qtbot.waitSignal(sidebar.state_changed):
        qtbot.mouseClick(sidebar.start_button, Qt.LeftButton)
    assert desk.state.interaction is not None
    with qtbot.waitSignal(sidebar.state_changed):
        qtbot.mouseClick(sidebar.step_buttons["wen"], Qt.LeftButton)
    assert sidebar.step_buttons["wen"].isChecked() and "主动问" in sidebar.prompt.text()
    texts = [sidebar.phrases.item(i).text() for i in range(sidebar.phrases.count())]
    assert "您好，请问有什么可以帮助您的？" in texts
    item = sidebar.phrases.item(texts.index("您好，请问有什么可以帮助您的？"))
    with qtbot.waitSignal(sidebar.state_changed):
        sidebar.phrases.itemActivated.emit(item)
    assert QGuiApplication.clipboard().text() == "您好，请问有什么可以帮助您的？"
    with qtbot.waitSignal(sidebar.state_changed):
        qtbot.mouseClick(sidebar.end_button, Qt.LeftButton)
    assert kinds(desk)[-4:] == ["interaction_start", "step", "phrase_used", "interaction_end"]


def test_script_problems_are_shown(qtbot, desk):
    sidebar = make(qtbot, desk, problems=["flow.toml 第 2 行：语法错误"])
    banner = sidebar.findChild(type(sidebar.message), "problems")
    assert banner is not None and "flow.toml" in banner.text()


def test_the_assistant_is_not_closed_while_someone_is_served_or_waits(qtbot, desk, monkeypatch):
    from PySide6.QtWidgets import QApplication

    quits = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    ready_desk(desk)
    sidebar = make(qtbot, desk)
    sidebar.run("interaction_start")
    assert not sidebar.request_quit() and "第 28 条" in sidebar.message.text() and not quits
    assert not sidebar.close() and sidebar.isVisible()  # the window's own close is refused too
    sidebar.run("interaction_end")
    sidebar.run("waiting_set", {"count": 2})
    assert not sidebar.request_quit() and "2 人等候" in sidebar.message.text()
    sidebar.run("waiting_set", {"count": 0})
    assert sidebar.request_quit() and quits == [True]
    assert sidebar.close()


def test_what_was_recorded_is_said_in_chinese(qtbot, desk):
    ready_desk(desk)
    sidebar = make(qtbot, desk)
    sidebar.run("interaction_start")
    assert sidebar.message.text() == "已记录：开始接待"
