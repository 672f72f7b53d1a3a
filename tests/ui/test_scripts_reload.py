"""The hall's scripts folder is reloaded when it changes (ui/platform/scripts_watcher.py): a new phrase appears, a broken
file is shown in the problems banner while the built-in copy stays in use, and fixing it clears the banner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from assistant.config.scripts import default_dir, load_scripts
from assistant.desk import Desk
from tests.conftest import ready_desk
from tests.fakes.hotkeys import FakeBackend
from tests.fakes.paste import FakeSender
from ui.platform.hotkey_bridge import HotkeyBridge
from ui.platform.scripts_watcher import ScriptsWatcher
from ui.shell import build_shell

NEW_PHRASE = """
[[phrase]]
id = "hall.water"
category = "问候"
rule = 52
seed = "请您喝杯水,稍等片刻。"
template = "请您喝杯水，稍等片刻。"
"""


def replace_atomically(path: Path, text: str) -> None:
    """How deploy tools and many editors save: a temporary file renamed over the old one."""
    temp = path.with_name(path.name + ".tmp-deploy")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


@pytest.fixture
def hall(tmp_path) -> Path:
    folder = tmp_path / "hall-scripts"
    folder.mkdir()
    for name in ("phrases.toml", "flow.toml", "checklist.toml"):
        shutil.copy(default_dir() / name, folder / name)
    return folder


@pytest.fixture
def shell(qtbot, store, clock, hall, tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WA_NO_SPEECH", "1")
    desk = Desk(store, load_scripts(hall), clock)
    hotkeys = HotkeyBridge(FakeBackend())
    settings = QSettings(str(tmp_path / "sidebar.ini"), QSettings.IniFormat)
    sidebar = build_shell(
        QApplication.instance(),
        desk,
        ["记录暂存到 /tmp/x.db"],
        settings=settings,
        scripts_dir=hall,
        hotkeys=hotkeys,
        sender=(FakeSender(), ""),
    )
    qtbot.addWidget(sidebar)
    qtbot.waitUntil(lambda: sidebar.shell.panel is not None, timeout=5000)
    yield sidebar, desk
    hotkeys.close()


def test_a_phrase_added_by_the_hall_appears_without_a_restart(shell, hall, qtbot):
    sidebar, desk = shell
    assert "hall.water" not in sidebar.phrase_panel.rows
    replace_atomically(
        hall / "phrases.toml", (hall / "phrases.toml").read_text(encoding="utf-8") + NEW_PHRASE
    )
    qtbot.waitUntil(lambda: "hall.water" in sidebar.phrase_panel.rows, timeout=5000)
    assert desk.scripts.phrase("hall.water").template == "请您喝杯水，稍等片刻。"
    assert sidebar.phrase_panel.rows["hall.water"].label.text() == "请您喝杯水，稍等片刻。"
    assert "重新载入" in sidebar.message.text()
    # the file was renamed over: the watcher follows the new file, so a second change is noticed too
    replace_atomically(hall / "phrases.toml", (default_dir() / "phrases.toml").read_text(encoding="utf-8"))
    qtbot.waitUntil(lambda: "hall.water" not in sidebar.phrase_panel.rows, timeout=5000)
    assert str(hall / "phrases.toml") in sidebar.shell.scripts_watcher.watched()


def test_a_broken_flow_is_shown_and_the_default_flow_stays_until_it_is_fixed(shell, hall, scripts, qtbot):
    sidebar, desk = shell
    banner = sidebar.problems_banner
    assert banner.text() == "记录暂存到 /tmp/x.db"  # the store's notice, not a scripts problem
    good = (hall / "flow.toml").read_text(encoding="utf-8")
    (hall / "flow.toml").write_text(
        good.replace('id = "wen"', 'id = "wen"\nid = "again"', 1), encoding="utf-8"
    )
    qtbot.waitUntil(lambda: "flow.toml" in banner.text(), timeout=5000)
    assert not banner.isHidden() and "记录暂存到 /tmp/x.db" in banner.text()
    assert desk.scripts.flow == scripts.flow  # the built-in flow
    assert [p.file for p in desk.scripts.problems] == [str(hall / "flow.toml")]
    assert "1 处问题" in sidebar.message.text()
    ready_desk(desk)
    sidebar.on_start()  # the sidebar works on: an interaction starts on the built-in flow
    assert desk.state.interaction is not None and desk.state.interaction.step == "ying"

    (hall / "flow.toml").write_text(good, encoding="utf-8")
    qtbot.waitUntil(lambda: "flow.toml" not in banner.text(), timeout=5000)
    assert banner.text() == "记录暂存到 /tmp/x.db" and desk.scripts.problems == ()


def test_a_loader_that_raises_is_reported_not_raised(qtbot, hall):
    def broken(_folder):
        raise RuntimeError("内置的默认文件损坏")

    watcher = ScriptsWatcher(hall, loader=broken, debounce_ms=50)
    with qtbot.waitSignal(watcher.failed, timeout=5000) as failed:
        (hall / "checklist.toml").write_text("schema = 1\n", encoding="utf-8")
    assert "重新载入失败" in failed.args[0] and "内置的默认文件损坏" in failed.args[0]


def test_a_burst_of_writes_is_one_reload_and_dot_files_are_ignored(qtbot, hall):
    loads: list[Path] = []
    watcher = ScriptsWatcher(hall, loader=lambda folder: loads.append(folder) or "scripts", debounce_ms=300)
    (hall / ".phrase-index-cache.json").write_text("{}", encoding="utf-8")  # the search index cache
    qtbot.wait(500)
    assert loads == []
    with qtbot.waitSignal(watcher.reloaded, timeout=5000):
        for n in range(5):
            (hall / "checklist.toml").write_text(f"schema = 1\n# {n}\n", encoding="utf-8")
    qtbot.wait(500)
    assert loads == [hall]


def test_a_folder_that_appears_later_is_loaded(qtbot, tmp_path):
    folder = tmp_path / "later"
    watcher = ScriptsWatcher(folder, loader=lambda f: sorted(p.name for p in f.iterdir()), debounce_ms=50)
    assert watcher.watched() == [str(tmp_path)]
    with qtbot.waitSignal(watcher.reloaded, timeout=5000) as reloaded:
        folder.mkdir()
        (folder / "hours.toml").write_text("schema = 1\n", encoding="utf-8")
    qtbot.waitUntil(lambda: str(folder / "hours.toml") in watcher.watched(), timeout=5000)
    assert reloaded.args[0] in ([], ["hours.toml"])


def test_a_file_replaced_with_the_same_size_and_time_is_reloaded(qtbot, hall):
    """Windows reports st_ino 0 and robocopy keeps times: only the contents tell the change."""
    path = hall / "phrases.toml"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    changed = text.replace("请稍候", "请稍等", 1)
    assert changed != text and len(changed.encode()) == len(text.encode())
    loaded = []
    watcher = ScriptsWatcher(hall, loader=lambda folder: loaded.append(folder) or load_scripts(folder))
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert watcher.reload_if_changed() and loaded == [hall]
    assert not watcher.reload_if_changed()


def test_the_watcher_reads_only_the_scripts_files_never_a_database_beside_them(hall, monkeypatch):
    """Issue 12 §1: a database kept in the scripts folder is never opened by the watcher (only SQLite may)."""
    from ui.platform import scripts_watcher

    (hall / "assistant.db").write_bytes(b"SQLite format 3\x00" + bytes(100))
    (hall / "assistant.db-wal").write_bytes(b"wal")
    read: list[str] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: (read.append(self.name), real(self))[1])
    names = scripts_watcher.snapshot(hall)
    assert not any(name.startswith("assistant.db") for name in read + list(names))
    assert all(name.endswith(".toml") for name in names)
