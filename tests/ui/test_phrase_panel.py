"""The phrase panel, the phrase form and the quick search popup (offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QDialogButtonBox, QLabel, QSpinBox

from assistant.domain.search import PhraseIndex, entries_of
from tests.conftest import ready_desk
from tests.fakes.paste import FakeSender
from ui.dialogs.phrase_form import PhraseForm, RecentValues, add_working_days
from ui.panels.phrase_panel import Favourites, PhrasePanel
from ui.panels.quick_search import QuickSearch
from ui.platform.paste import Inserter


class FakeSpeaker:
    def __init__(self, ok: bool = True) -> None:
        self.ok, self.spoken, self.care = ok, [], False

    def available(self):
        return (True, "") if self.ok else (False, "未安装 espeak-ng，朗读不可用。")

    def speak(self, text: str) -> bool:
        self.spoken.append(text)
        return True

    def set_care(self, on: bool) -> None:
        self.care = on


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))


def used(desk) -> list[tuple[str, str]]:
    return [(e.payload["phrase"], e.payload["mode"]) for e in desk.store.events() if e.kind == "phrase_used"]


def make_panel(qtbot, desk, speaker=None, favourites=("receipt.done",)):
    sender = FakeSender()
    inserter = Inserter(sender, pre_paste_ms=10, restore_ms=10)
    panel = PhrasePanel(
        desk, inserter, speaker or FakeSpeaker(), Favourites(list(favourites)), RecentValues(None)
    )
    qtbot.addWidget(panel)
    return panel, sender


def test_favourites_first_then_categories(qtbot, desk):
    panel, _ = make_panel(qtbot, desk)
    order = list(panel.rows)
    assert order[0] == "receipt.done"
    assert panel.findChild(type(panel.rows["greet.wait"].label), "category_0").text() == "★ 收藏"
    assert set(order) == set(desk.scripts.phrases)
    for row in panel.rows.values():
        for button in row.buttons.values():
            assert button.focusPolicy() == Qt.NoFocus and button.accessibleName()


def test_star_toggles_a_favourite(qtbot, desk):
    panel, _ = make_panel(qtbot, desk, favourites=())
    qtbot.mouseClick(panel.rows["greet.wait"].star, Qt.LeftButton)
    assert panel.favourites.ids == ["greet.wait"]
    assert next(iter(panel.rows)) == "greet.wait"


def test_current_step_highlighted(qtbot, desk):
    panel, _ = make_panel(qtbot, desk)
    assert panel.highlighted() == []
    ready_desk(desk)
    desk.execute("interaction_start")
    panel.on_state(desk.state)
    step = desk.scripts.flow.step(desk.state.interaction.step)
    assert set(panel.highlighted()) == set(step.phrases)


def test_insert_copy_speak_are_recorded(qtbot, desk):
    speaker = FakeSpeaker()
    panel, sender = make_panel(qtbot, desk, speaker)
    qtbot.mouseClick(panel.rows["greet.wait"].buttons["insert"], Qt.LeftButton)
    qtbot.waitUntil(lambda: sender.calls == ["release", "ctrl+v"], timeout=2000)
    qtbot.waitUntil(lambda: used(desk) == [("greet.wait", "insert")], timeout=2000)  # once it was pasted
    qtbot.mouseClick(panel.rows["greet.welcome"].buttons["copy"], Qt.LeftButton)
    assert QGuiApplication.clipboard().text() == "您好！请坐，请问您要办理什么业务？"
    panel.care.click()
    qtbot.mouseClick(panel.rows["greet.wait"].buttons["speak"], Qt.LeftButton)
    assert speaker.spoken == ["请稍候，我们马上为您办理！"] and speaker.care
    assert used(desk) == [("greet.wait", "insert"), ("greet.welcome", "copy"), ("greet.wait", "speak")]


def test_speak_disabled_with_the_reason_when_no_engine(qtbot, desk):
    panel, _ = make_panel(qtbot, desk, FakeSpeaker(ok=False))
    button = panel.rows["greet.wait"].buttons["speak"]
    assert not button.isEnabled() and "espeak-ng" in button.toolTip()
    assert panel.speech_status.text() == "朗读不可用" and "espeak-ng" in panel.speech_status.toolTip()


def test_phrase_with_fields_opens_a_form_and_records_after_ok(qtbot, desk):
    panel, _ = make_panel(qtbot, desk)
    qtbot.mouseClick(panel.rows["greet.refer"].buttons["copy"], Qt.LeftButton)
    form = panel.form
    assert form is not None and form.isVisible()
    combo = form.findChild(QComboBox, "field_窗口")
    combo.setCurrentText("不动产登记")
    assert form.preview.text() == "请您到不动产登记窗口办理此项业务！"
    form.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).click()
    assert QGuiApplication.clipboard().text() == "请您到不动产登记窗口办理此项业务！"
    assert used(desk) == [("greet.refer", "copy")]
    assert panel.recent.get("窗口")[0] == "不动产登记"


def test_form_choice_multi_and_nested_fields(qtbot, desk):
    phrase = desk.scripts.phrase("return.faults") if "return.faults" in desk.scripts.phrases else None
    phrase = next(p for p in desk.scripts.phrases.values() if any(f.multiple for f in p.fields))
    form = PhraseForm(phrase, desk.scripts, date(2026, 11, 26), RecentValues(None))
    qtbot.addWidget(form)
    field = next(f for f in phrase.fields if f.multiple)
    ok = form.buttons.button(QDialogButtonBox.Ok)
    assert not ok.isEnabled()  # nothing chosen yet
    boxes = form.findChildren(QCheckBox)
    boxes[0].setChecked(True)
    boxes[1].setChecked(True)
    assert form.values()[field.name] == "、".join(field.options[:2])
    nested = [f.name for f in phrase.fields if f.name not in form.values()]
    assert nested  # fields inside options not chosen stay hidden
    for text_field in (f for f in phrase.fields if f.type == "text"):
        form.findChild(QComboBox, f"field_{text_field.name}").setCurrentText("身份证")
    assert ok.isEnabled(), form.preview.text()


def test_form_working_days_computed_into_a_date(qtbot, desk):
    phrase = next(p for p in desk.scripts.phrases.values() if any(f.type == "working-days" for f in p.fields))
    form = PhraseForm(phrase, desk.scripts, date(2026, 11, 26), RecentValues(None))
    qtbot.addWidget(form)
    choice = next(f for f in phrase.fields if f.type == "choice")
    combo = form.findChild(QComboBox, f"field_{choice.name}")
    combo.setCurrentText(next(o for o in choice.options if "工作日" in o))
    days = next(f for f in phrase.fields if f.type == "working-days")
    spin = form.findChild(QSpinBox, f"field_{days.name}")
    spin.setValue(3)
    assert "3个工作日内" in form.preview.text() and "12月1日" in form.preview.text()  # Thu + 3 = Tue
    assert add_working_days(desk.scripts.hours, date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_quick_search_enter_inserts_but_not_while_composing(qtbot, desk):
    index = PhraseIndex.build(entries_of(desk.scripts.phrases.values()))
    chosen = []
    popup = QuickSearch(index, desk.scripts.phrases, lambda pid, mode: chosen.append((pid, mode)))
    qtbot.addWidget(popup)
    popup.popup()
    qtbot.keyClicks(popup.line, "qsh")
    assert popup.selected() == "greet.wait"
    event = QInputMethodEvent("qing", [])
    QApplication.sendEvent(popup.line, event)
    assert popup.line.composing
    qtbot.keyClick(popup.line, Qt.Key_Return)
    assert chosen == []
    commit = QInputMethodEvent("", [])
    commit.setCommitString("")
    QApplication.sendEvent(popup.line, commit)
    assert not popup.line.composing
    qtbot.keyClick(popup.line, Qt.Key_Down)
    qtbot.keyClick(popup.line, Qt.Key_Up)
    qtbot.keyClick(popup.line, Qt.Key_Return)
    assert chosen == [("greet.wait", "insert")]
    assert not popup.isVisible()


def test_quick_search_popup_stays_on_screen(qtbot, desk):
    from PySide6.QtCore import QPoint

    index = PhraseIndex.build(entries_of(desk.scripts.phrases.values()))
    popup = QuickSearch(index, desk.scripts.phrases)
    qtbot.addWidget(popup)
    area = QGuiApplication.primaryScreen().availableGeometry()
    popup.popup(QPoint(area.right() - 5, area.bottom() - 5))
    assert popup.geometry().right() <= area.right() and popup.geometry().bottom() <= area.bottom()


def test_a_speech_failure_replaces_speaking_on_the_panel(qtbot, desk):
    """The speaker reports from its waiting thread; the panel shows the reason on the GUI thread."""
    import threading

    speaker = FakeSpeaker()
    panel, _ = make_panel(qtbot, desk, speaker)
    qtbot.mouseClick(panel.rows["greet.wait"].buttons["speak"], Qt.LeftButton)
    assert panel.message.text() == "正在朗读…"
    threading.Thread(target=speaker.on_failure, args=("语音引擎出错（ValueError：…），朗读不可用。",)).start()
    qtbot.waitUntil(lambda: panel.message.text().startswith("语音引擎出错"), timeout=5000)


def test_the_current_steps_phrases_come_first(qtbot, desk):
    """Issue 14 #9: at 问 the panel opens on the step's own sentences, not on the top of the library."""
    panel, _ = make_panel(qtbot, desk)
    ready_desk(desk)
    desk.execute("interaction_start")
    desk.execute("step", {"step": "wen"})  # the bridge tells the panel; nobody calls on_state by hand
    wen = desk.scripts.flow.step("wen").phrases
    assert list(panel.rows)[: len(wen)] == list(wen)
    assert panel.findChild(QLabel, "category_0").text() == "本环节：" + desk.scripts.flow.step("wen").title
    assert set(panel.highlighted()) == set(wen)
    desk.execute("interaction_end")
    assert not panel.highlighted() and panel.findChild(QLabel, "category_0").text() != "本环节："


def test_a_phrase_form_shows_no_error_and_no_internal_id_before_typing(qtbot, desk, tmp_path):
    """Issue 14 #13: the form names what is still to fill, in the clerk's words."""
    form = PhraseForm(
        desk.scripts.phrase("accept.materials"),
        desk.scripts,
        date(2026, 11, 27),
        RecentValues(tmp_path / "r.json"),
    )
    qtbot.addWidget(form)
    assert "accept.materials" not in form.preview.text() and "未填写" not in form.preview.text()
    assert form.preview.text().startswith("请填写：")
