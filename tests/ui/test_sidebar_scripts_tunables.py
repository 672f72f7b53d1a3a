"""The sidebar reads the pause reasons (flow.toml [close] reasons, rule 40) and the long-fault threshold
(hours.toml [thresholds] fault_long_minutes, rule 24) from the desk's scripts."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from assistant.config.schema import FILE_NAMES
from assistant.config.scripts import default_dir, load_scripts
from assistant.desk import Desk
from tests.conftest import ready_desk
from ui.sidebar.window import Sidebar

REASONS = 'reasons = ["会议", "培训", "系统维护", "临时离岗", "就餐", "其他"]'


def hall_scripts(tmp_path: Path, flow: tuple[str, str] | None = None, hours: tuple[str, str] | None = None):
    folder = tmp_path / "hall"
    folder.mkdir()
    for name in FILE_NAMES:
        shutil.copy(default_dir() / name, folder / name)
    for name, change in (("flow.toml", flow), ("hours.toml", hours)):
        if change:
            path = folder / name
            path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    scripts = load_scripts(folder)
    assert scripts.problems == ()
    return scripts


def make(qtbot, desk: Desk) -> Sidebar:
    sidebar = Sidebar(desk)
    qtbot.addWidget(sidebar)
    sidebar.show()
    return sidebar


def test_the_pause_form_offers_the_scripts_reasons(qtbot, store, clock, tmp_path):
    scripts = hall_scripts(tmp_path, flow=(REASONS, 'reasons = ["窗口交接", "设备报修"]'))
    desk = ready_desk(Desk(store, scripts, clock))
    sidebar = make(qtbot, desk)
    asked = []

    def asker(title, fields, note):
        asked.append(fields)
        return {"reason": fields[0].options[-1]}

    sidebar.asker = asker
    sidebar.on_pause_clicked()
    assert asked[0][0].options == ("窗口交接", "设备报修")
    assert desk.state.pause is not None and desk.state.pause.reason == "设备报修"


def test_the_default_pause_reasons(qtbot, desk):
    ready_desk(desk)
    sidebar = make(qtbot, desk)
    asked = []
    sidebar.asker = lambda title, fields, note: asked.append(fields) or None
    sidebar.on_pause_clicked()
    assert asked[0][0].options == ("会议", "培训", "系统维护", "临时离岗", "就餐", "其他")
    assert desk.state.pause is None  # cancelled


def test_a_hall_fault_threshold_of_three_minutes(qtbot, store, clock, tmp_path):
    scripts = hall_scripts(tmp_path, hours=("fault_long_minutes = 10", "fault_long_minutes = 3"))
    assert dataclasses.asdict(scripts.hours.thresholds)["fault_long_minutes"] == 3
    desk = ready_desk(Desk(store, scripts, clock))
    sidebar = make(qtbot, desk)
    assert desk.execute("fault_start", {"fault": "系统出现故障"}).accepted
    clock.advance(minutes=2)
    sidebar.tick()
    assert sidebar.call_panel.property("warn") is False and "第 24 条" not in sidebar.call_panel.text()
    clock.advance(minutes=1)
    sidebar.tick()
    assert sidebar.call_panel.property("warn") is True and "第 24 条" in sidebar.call_panel.text()
    asked = []
    sidebar.asker = lambda title, fields, note: asked.append(title) or None
    sidebar.on_fault_clicked()  # ending a long fault asks for a contact to re-book first
    assert asked == ["故障预约"] and desk.state.fault is None
