"""The English UI (`main.py --lang en`): the sidebar's labels in English, the phrases still Chinese, and
resources/window_assistant_en.ts complete and compiled into the .qm that is in the tree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTranslator
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from tests.conftest import ready_desk
from tests.fakes.hotkeys import FakeBackend
from tests.fakes.paste import FakeSender
from ui.application import RESOURCES
from ui.platform.hotkey_bridge import HotkeyBridge
from ui.shell import build_shell

ROOT = Path(__file__).resolve().parents[2]
TS = RESOURCES / "window_assistant_en.ts"
QM = RESOURCES / "window_assistant_en.qm"
CJK = re.compile(r"[\u3400-\u9fff]")
BIN = Path(sys.executable).parent


def _messages(ts: Path) -> list[tuple[str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [
        (context.findtext("name"), message)
        for context in root.iter("context")
        for message in context.iter("message")
    ]


@pytest.fixture
def english(qtbot, desk, tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WA_NO_SPEECH", "1")
    app = QApplication.instance()
    hotkeys = HotkeyBridge(FakeBackend())
    settings = QSettings(str(tmp_path / "sidebar.ini"), QSettings.IniFormat)
    sidebar = build_shell(app, desk, [], "en", settings=settings, hotkeys=hotkeys, sender=(FakeSender(), ""))
    qtbot.addWidget(sidebar)
    qtbot.waitUntil(lambda: sidebar.shell.panel is not None, timeout=5000)
    yield sidebar
    hotkeys.close()
    for translator in app.findChildren(QTranslator):  # the other tests run in Chinese
        app.removeTranslator(translator)
        translator.deleteLater()


def test_the_sidebar_shows_english_labels(english, desk):
    sidebar = english
    assert sidebar.start_button.text() == "Start F9"
    assert sidebar.next_button.text() == "Next step F10"
    assert sidebar.end_button.text() == "Finish F11"
    assert sidebar.signin_button.text() == "Sign in"
    assert sidebar.checklist_button.text() == "Shift checklist"
    assert sidebar.pause_button.text() == "Pause"
    assert [b.text() for b in sidebar.page_buttons.values()] == ["Phrases", "Cases", "Tools"]
    assert sidebar.outcome_buttons["办结"].text() == "Done"
    assert sidebar.step_buttons["ying"].text() == "Greet"
    assert sidebar.helper_buttons["compose"].text() == "Write reply"
    assert sidebar.status.text() == "Not signed in · Not signed in"
    assert sidebar.waiting_label.text() == "0 waiting"
    ready_desk(desk)
    assert sidebar.signin_button.text() == "Sign out"
    assert sidebar.status.text().endswith(" · Idle")


def test_no_button_of_the_sidebar_is_left_in_chinese(english):
    chinese = [
        b.objectName()
        for b in english.findChildren(QAbstractButton)
        if CJK.search(b.text()) and not b.objectName().startswith("offer_")
    ]
    assert chinese == []


def test_what_the_clerk_says_stays_chinese(english, desk, qtbot):
    sidebar = english
    ready_desk(desk)
    sidebar.on_start()
    phrase = desk.scripts.phrase("greet.welcome")
    row_text = sidebar.phrase_panel.findChild(QAbstractButton, "insert_greet.welcome")
    assert row_text is not None and row_text.text().startswith("Insert")
    with qtbot.waitSignal(sidebar.shell.inserter.finished, timeout=3000) as inserted:
        sidebar.use_phrase("greet.welcome")
    assert inserted.args[0] == phrase.template
    assert CJK.search(phrase.template)
    offers = [b.text() for b in sidebar.findChildren(QAbstractButton) if b.objectName().startswith("offer_")]
    assert all(CJK.search(text) for text in offers)


def test_every_message_has_a_finished_translation():
    messages = _messages(TS)
    assert len(messages) > 200
    missing = []
    for context, message in messages:
        translation = message.find("translation")
        texts = [f.text for f in translation.findall("numerusform")] or [translation.text]
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or not all(
            t and t.strip() for t in texts
        ):
            missing.append((context, message.findtext("source")))
    assert missing == []


def test_every_tr_text_in_ui_is_in_the_ts(tmp_path):
    """Running lupdate over ui/*.py adds nothing: a new label must be translated before it is committed
    (tools/update_translations.py, docs/translation.md)."""
    ts = tmp_path / "window_assistant_en.ts"
    shutil.copyfile(TS, ts)
    sources = sorted(str(p) for p in (ROOT / "ui").rglob("*.py"))
    subprocess.run(
        [
            str(BIN / "pyside6-lupdate"),
            *sources,
            "-no-obsolete",
            "-locations",
            "none",
            "-source-language",
            "zh_CN",
            "-target-language",
            "en",
            "-ts",
            str(ts),
        ],
        check=True,
        capture_output=True,
    )
    new = [
        (c, m.findtext("source"))
        for c, m in _messages(ts)
        if m.find("translation").get("type") == "unfinished"
    ]
    assert new == []


def test_the_qm_is_the_compiled_ts(tmp_path):
    qm = tmp_path / "window_assistant_en.qm"
    subprocess.run([str(BIN / "pyside6-lrelease"), "-silent", str(TS), "-qm", str(qm)], check=True)
    assert qm.read_bytes() == QM.read_bytes(), "run: .venv/bin/python tools/update_translations.py --release"


def test_the_qm_translates_every_message_as_the_ts_says():
    translator = QTranslator()
    assert translator.load(str(QM))
    for context, message in _messages(TS):
        source, comment = message.findtext("source"), message.findtext("comment")
        translation = message.find("translation")
        if message.get("numerus") == "yes":
            expected = translation.findall("numerusform")[1].text
            assert translator.translate(context, source, comment, 2) == expected
        else:
            assert translator.translate(context, source, comment) == translation.text


def test_the_chinese_ui_has_qt_s_own_texts_in_chinese(qtbot):
    """Issue 14 item 16: the PIN dialog's OK/Cancel and the file dialogs were English in the Chinese UI."""
    from PySide6.QtWidgets import QDialogButtonBox

    from ui.application import install_translation

    assert install_translation(QApplication.instance(), "zh")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert {"确定", "取消"} <= texts


def test_domain_words_and_the_no_tray_notice_in_english(english, desk):
    from ui.platform.tray import Tray

    sidebar = english
    desk.execute("sign_in", {"clerk": "A0123", "role": "审批人员", "window": "社保3号窗口"})
    assert "Approver" in sidebar.status.text()
    assert desk.state.role == "审批人员"  # recorded as the regulation says it
    headers = [
        w.text() for w in sidebar.shell.panel.findChildren(QLabel) if w.objectName().startswith("category_")
    ]
    assert "Greeting" in headers and not any(CJK.search(h) for h in headers if h != "★ 收藏")
    assert Tray(sidebar, available=False).reason.startswith("This desktop has no system tray")
