"""The composer: the taboo guard marks forbidden wording as the clerk types; one click puts the standard phrase in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QInputMethodEvent, QTextCharFormat
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QPushButton, QWidget

from assistant.domain.rules import replay
from ui.panels.composer import DEBOUNCE_MS, Composer


@pytest.fixture
def composer(qtbot, desk):
    widget = Composer(desk)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _ime(widget, text: str) -> None:
    """Chinese arrives through the input method: one committed string per character, as a clerk types."""
    for ch in text:
        event = QInputMethodEvent()
        event.setCommitString(ch)
        QApplication.sendEvent(widget, event)


def _type(qtbot, composer: Composer, text: str) -> None:
    """Type like a clerk, then wait for the debounced check."""
    composer.editor.setFocus()
    with qtbot.waitSignal(composer.hits_changed, timeout=DEBOUNCE_MS * 20):
        _ime(composer.editor, text)


def _marks(composer: Composer) -> list[tuple[int, int]]:
    return [
        (s.cursor.selectionStart(), s.cursor.selectionEnd())
        for s in composer.editor.extraSelections()
        if s.format.underlineStyle() == QTextCharFormat.WaveUnderline
    ]


def _guard_alerts(desk) -> list[dict]:
    return [e.payload for e in desk.store.events() if e.kind == "guard_alert"]


def test_typing_a_taboo_marks_it_with_a_wavy_underline_and_names_the_rule(qtbot, composer):
    _type(qtbot, composer, "不知道，你别问我！")
    assert _marks(composer) == [(0, 8)]
    assert composer.editor.extraSelections()[0].format.underlineColor().name() == "#d50000"
    rule = composer.findChild(QLabel, "composer_hit_0_rule")
    assert "60(3)" in rule.text() and "不知道，你别问我" in rule.text()
    suggestion = composer.findChild(QPushButton, "composer_suggestion_0")
    assert suggestion.text().startswith("改为：") and suggestion.accessibleName()
    assert "60(3)" in composer.status.text() and "1 处" in composer.status.text()


def test_the_check_waits_for_a_pause_in_typing(qtbot, composer):
    composer.editor.setFocus()
    _ime(composer.editor, "急什么")
    assert composer.timer.isActive() and composer.hits == []  # not checked on every key press
    qtbot.waitUntil(lambda: composer.hits != [], timeout=DEBOUNCE_MS * 10)
    assert [h.rule for h in composer.hits] == ["60(8)"]


def test_one_click_on_the_suggestion_replaces_the_span(qtbot, composer):
    composer.set_text("您的材料不全，瞎说什么，没看见我一直在忙吗？")
    assert [h.rule for h in composer.hits] == ["60(9)"]
    hit = composer.hits[0]
    button = composer.findChild(QPushButton, "composer_suggestion_0")
    qtbot.mouseClick(button, Qt.LeftButton)
    text = composer.text()
    assert (
        text == "您的材料不全，" + hit.suggestion
    )  # the whole clause, its "？" too: no "！？" (issue 14 #15)
    assert composer.hits == [] and _marks(composer) == []
    assert composer.findChild(QPushButton, "composer_suggestion_0") is None
    assert "未发现" in composer.status.text()
    composer.editor.undo()  # one undo step brings the draft back
    assert composer.text() == "您的材料不全，瞎说什么，没看见我一直在忙吗？"


def test_a_suggestion_with_a_field_leaves_the_field_selected_to_type_over(qtbot, composer):
    composer.set_text("不归我管，问别人去。")
    hit = composer.hits[0]
    assert hit.rule == "60(5)" and "{窗口}" in hit.suggestion
    qtbot.mouseClick(composer.findChild(QPushButton, "composer_suggestion_0"), Qt.LeftButton)
    assert composer.editor.textCursor().selectedText() == "{窗口}"
    _ime(composer.editor, "不动产登记")
    # the whole clause is replaced, not only the flagged words (issue 14 #15)
    assert composer.text() == "请您到不动产登记窗口办理此项业务！"


def test_a_stale_suggestion_is_not_applied_to_moved_text(qtbot, composer):
    composer.set_text("有意见，找领导去。")
    hit = composer.hits[0]
    composer.editor.setPlainText("您好，" + composer.text())  # typed in front, check not run yet
    assert composer.apply_suggestion(hit) is False
    assert composer.text() == "您好，有意见，找领导去。"
    assert composer.hits and composer.hits[0].start == hit.start + 3  # the list was refreshed instead


@pytest.mark.parametrize(
    "polite",
    ["您先别着急，我帮您查一下。", "这事我知道，我来给您说明。", "领导特别交代过这项业务要优先办理。"],
)
def test_clean_polite_text_shows_no_mark(qtbot, composer, polite):
    _type(qtbot, composer, polite)
    assert composer.hits == [] and _marks(composer) == []
    assert composer.findChild(QFrame, "composer_hit_0") is None
    assert "未发现服务忌语" in composer.status.text()


def test_copying_a_flagged_draft_records_a_guard_alert_without_the_text(qtbot, composer, desk):
    composer.set_text("墙上贴着呢，你自己看看，就知道了。张三 13800000000")
    with qtbot.waitSignal(composer.copied):
        qtbot.mouseClick(composer.copy_button, Qt.LeftButton)
    assert QGuiApplication.clipboard().text() == composer.text()
    alerts = _guard_alerts(desk)
    assert alerts == [{"rules": ["60(4)"], "action": "copy"}]
    raw = [e for e in desk.store.events() if e.kind == "guard_alert"][0]
    assert "张三" not in str(raw.payload) and "1380" not in str(raw.payload)
    replay(desk.store.events())  # the event folds without changing anything


def test_inserting_emits_the_text_and_records_the_alert_only_when_flagged(qtbot, composer, desk):
    composer.set_text("请您到3号窗口办理此项业务！")
    with qtbot.waitSignal(composer.insert_requested) as sent:
        qtbot.mouseClick(composer.insert_button, Qt.LeftButton)
    assert sent.args == ["请您到3号窗口办理此项业务！"]
    assert _guard_alerts(desk) == []
    composer.show()
    composer.set_text("急什么，这不是系统问题吗，我也急！有意见，找领导去。")
    asked = []
    composer.confirm = lambda _title, question: asked.append(question) or False  # 返回修改
    with qtbot.assertNotEmitted(composer.insert_requested):
        qtbot.mouseClick(composer.insert_button, Qt.LeftButton)
    assert asked and "服务忌语" in asked[0] and _guard_alerts(desk) == []  # issue 14 #15: asked first
    composer.confirm = lambda _title, _question: True  # 仍要插入
    with qtbot.waitSignal(composer.insert_requested):
        qtbot.mouseClick(composer.insert_button, Qt.LeftButton)
    assert _guard_alerts(desk) == [{"rules": ["60(8)", "60(10)"], "action": "insert"}]


def test_an_empty_draft_sends_nothing(qtbot, composer, desk):
    with qtbot.assertNotEmitted(composer.insert_requested):
        qtbot.mouseClick(composer.insert_button, Qt.LeftButton)
    assert _guard_alerts(desk) == []


def test_the_composer_takes_the_focus_and_is_readable(qtbot, composer):
    assert not composer.windowFlags() & Qt.WindowDoesNotAcceptFocus
    assert not composer.testAttribute(Qt.WA_ShowWithoutActivating)
    assert composer.editor.focusPolicy() != Qt.NoFocus
    assert composer.editor.font().pointSize() >= 14
    composer.set_text("爱办不办！")
    for widget in composer.findChildren(QWidget):
        if isinstance(widget, (QLabel, QPushButton)) and widget.objectName().startswith("composer"):
            assert widget.font().pointSize() >= 14, widget.objectName()
    for widget in (
        composer,
        composer.editor,
        composer.insert_button,
        composer.copy_button,
        composer.status,
        composer.findChild(QPushButton, "composer_suggestion_0"),
    ):
        assert widget.objectName() and any("\u4e00" <= c <= "\u9fff" for c in widget.accessibleName())


def test_guard_alert_is_refused_without_valid_rules_or_action(desk):
    assert desk.execute("guard_alert", {"rules": ["60(12)"], "action": "copy"}).refusal.code == "bad_value"
    assert desk.execute("guard_alert", {"rules": [], "action": "copy"}).refusal.code == "bad_value"
    assert desk.execute("guard_alert", {"rules": ["60(1)"], "action": "print"}).refusal.code == "bad_value"
    assert desk.execute("guard_alert", {"rules": ["60(1)", "60(1)"], "action": "insert"}).accepted
