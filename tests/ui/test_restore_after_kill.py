"""After a SIGKILL the sidebar comes back as it was: the open interaction at its step, the pause and its sign,
the overtime banner, the checklist ticks.

A child process drives the desk (the same Desk the GUI uses) through a situation, says "ready" and waits; it
is killed with SIGKILL. The GUI (ui.shell.build_shell, as run_gui builds it) is then opened on the database it
left, with the clock a few minutes later.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from assistant.desk import Desk
from assistant.edges.clock import FixedClock
from assistant.store.event_log import EventStore
from tests.conftest import CST, ROOT
from tests.fakes.hotkeys import FakeBackend
from tests.fakes.paste import FakeSender
from ui.dialogs.checklist import ChecklistDialog
from ui.platform.hotkey_bridge import HotkeyBridge
from ui.shell import build_shell
from ui.sidebar.closing_banner import ClosingBanner

DRIVER = """
import json, sys, time
from datetime import datetime
sys.path.insert(0, sys.argv[1])
from assistant.edges.clock import FixedClock
from assistant.desk import Desk
from assistant.config.scripts import load_scripts
from assistant.store.event_log import EventStore

commands = json.loads(sys.argv[3])
store = EventStore.open(sys.argv[2])
clock = FixedClock(datetime.fromisoformat(commands[0][0]))
desk = Desk(store, load_scripts(), clock)
for at, kind, data in commands:
    clock.set(datetime.fromisoformat(at))
    outcome = desk.execute(kind, data)
    if not outcome.accepted:
        print("refused", kind, outcome.refusal.code, flush=True)
        sys.exit(3)
print("ready", store.last_id(), flush=True)
time.sleep(600)  # holding the database open, as the GUI does, until the kill
"""

DAY = "2026-11-30"  # a Monday
SIGN_IN = (
    f"{DAY}T08:40:00+08:00",
    "sign_in",
    {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"},
)
SUBMIT = (f"{DAY}T08:52:00+08:00", "checklist_submit", {})


def at(hhmm: str) -> str:
    return f"{DAY}T{hhmm}:00+08:00"


def kill_after(db, commands) -> int:
    """Run the commands in a child process, SIGKILL it once they are committed; the last event id."""
    child = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(ROOT), str(db), json.dumps(commands)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "WA_NO_VENV": "1"},
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("ready"), line + child.stderr.read() if child.poll() is not None else line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return int(line.split()[1])


@pytest.fixture
def reopen(qtbot, tmp_path, monkeypatch, scripts):
    """reopen(commands, now) → the sidebar built on the database a killed child left, the clock at `now`."""
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WA_NO_SPEECH", "1")
    opened: list = []

    def build(commands, now: str):
        db = tmp_path / "killed.db"
        last = kill_after(db, commands)
        store = EventStore.open(db)
        assert store.notices == [] and store.verify().ok and store.last_id() == last
        desk = Desk(store, scripts, FixedClock(datetime.fromisoformat(now).astimezone(CST)))
        hotkeys = HotkeyBridge(FakeBackend())
        settings = QSettings(str(tmp_path / "sidebar.ini"), QSettings.IniFormat)
        sidebar = build_shell(
            QApplication.instance(), desk, [], settings=settings, hotkeys=hotkeys, sender=(FakeSender(), "")
        )
        qtbot.addWidget(sidebar)
        qtbot.waitUntil(lambda: sidebar.shell.panel is not None, timeout=5000)
        opened.append((store, hotkeys, sidebar))
        return sidebar, desk

    yield build
    for store, hotkeys, sidebar in opened:
        hotkeys.close()
        sidebar.close()
        store.close()


def test_the_open_interaction_comes_back_at_its_step(reopen):
    sidebar, desk = reopen(
        [
            SIGN_IN,
            SUBMIT,
            (at("09:01"), "interaction_start", {}),
            (at("09:05"), "interaction_end", {}),
            (at("09:30"), "waiting_set", {"count": 3}),
            (at("09:31"), "interaction_start", {}),
            (at("09:32"), "step", {"step": "wen"}),
            (at("09:33"), "matter", {"title": "社保卡补办", "outcome": "办结"}),
            (at("09:34"), "step", {"step": "jie"}),
        ],
        at("09:40"),
    )
    assert desk.state.interaction.number == 2 and desk.state.interaction.step == "jie"
    assert "接待中：第 2 位" in sidebar.status.text()
    assert sidebar.step_buttons["jie"].isChecked()
    assert not any(b.isChecked() for sid, b in sidebar.step_buttons.items() if sid != "jie")
    assert sidebar.end_button.isEnabled() and sidebar.next_button.isEnabled()
    assert not sidebar.start_button.isEnabled()
    assert sidebar.waiting_label.text() == "等候 2 人"  # 3 waited; one of them is served now
    assert "社保卡补办·办结" in sidebar.matter_label.text()
    assert sidebar.timers.isVisible() and "本环节 06:00" in sidebar.timers.text()  # 接 since 09:34
    sidebar.on_next()  # and the clerk carries on where the kill stopped: 接 → 听
    assert desk.state.interaction.step == "ting" and sidebar.step_buttons["ting"].isChecked()


def test_the_pause_and_its_sign_come_back(reopen):
    sidebar, desk = reopen(
        [
            SIGN_IN,
            SUBMIT,
            (at("10:30"), "pause", {"reason": "会议"}),
        ],
        at("10:45"),
    )
    assert desk.state.pause is not None
    assert sidebar.pause_sign is not None and sidebar.pause_sign.isVisible()
    assert sidebar.pause_sign.title.text() == "暂停服务"
    assert sidebar.pause_sign.detail.text() == "会议（10:30 起）"
    assert sidebar.pause_button.text() == "恢复服务" and "暂停服务" in sidebar.status.text()
    assert not sidebar.start_button.isEnabled()
    sidebar.on_pause_clicked()  # resume from the restored state hides the sign
    assert desk.state.pause is None and not sidebar.pause_sign.isVisible()


def test_the_overtime_banner_comes_back(reopen):
    sidebar, desk = reopen(
        [
            SIGN_IN,
            SUBMIT,
            (at("16:50"), "waiting_set", {"count": 2}),
            (at("16:55"), "interaction_start", {}),
            (at("16:58"), "step", {"step": "ting"}),
        ],
        at("17:06"),
    )
    banner = sidebar.findChild(ClosingBanner)
    assert banner is not None and banner.isVisible()
    assert banner.headline.text() == "延时服务中"
    assert "17:00" in banner.detail.text() and "等候 1 人" in banner.detail.text()
    assert sidebar.step_buttons["ting"].isChecked() and "接待中：第 1 位" in sidebar.status.text()
    sidebar.run("interaction_end")
    sidebar.run("waiting_set", {"count": 0})
    assert sidebar.run("close_request").accepted
    overtime = [e.payload for e in desk.store.events() if e.kind == "overtime"]
    assert len(overtime) == 1 and overtime[0]["served"] == 1  # one record, spanning the kill
    banner.refresh()
    assert not banner.isVisible()


def test_the_checklist_ticks_come_back(reopen, qtbot):
    sidebar, desk = reopen(
        [
            SIGN_IN,
            (at("08:41"), "checklist_item", {"item": "computer", "ok": True}),
            (at("08:42"), "checklist_item", {"item": "printer", "ok": False, "note": "打印机卡纸"}),
            (at("08:43"), "checklist_item", {"item": "badge", "ok": True}),
        ],
        at("08:47"),
    )
    assert "班前检查未完成" in sidebar.status.text()
    dialog = ChecklistDialog(desk)
    qtbot.addWidget(dialog)
    assert dialog.ok_buttons["computer"].isChecked() and dialog.ok_buttons["badge"].isChecked()
    assert dialog.fault_buttons["printer"].isChecked() and dialog.notes["printer"].text() == "打印机卡纸"
    untouched = [i for i in dialog.ok_buttons if i not in ("computer", "printer", "badge")]
    assert not any(dialog.ok_buttons[i].isChecked() or dialog.fault_buttons[i].isChecked() for i in untouched)
    assert dialog.progress.text().startswith(f"已检查 3 / {len(dialog.ok_buttons)} 项")
    assert not dialog.submit_button.isEnabled()
    sidebar.on_start()  # serving is still refused until the checklist is submitted (rule 19)
    assert desk.state.interaction is None and "班前检查" in sidebar.message.text()
    for item in untouched:
        dialog.tick(item, True)
    assert dialog.submit().accepted
    runs = [e.payload for e in desk.store.events() if e.kind == "checklist_submit"]
    assert runs[0]["failed"] == ["printer"] and runs[0]["notes"] == {"printer": "打印机卡纸"}
