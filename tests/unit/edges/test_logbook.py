"""The program's log: a rotating file in the data folder, uncaught exceptions of every thread, a hard crash's
stacks, and diagnostics that never open a database file."""

from __future__ import annotations

import builtins
import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from assistant.edges import logbook
from assistant.store.event_log import EventStore
from tests.conftest import ROOT


def run(code: str, data: Path) -> subprocess.CompletedProcess:
    prelude = f"from pathlib import Path\nfrom assistant.edges import logbook\nlogbook.start(Path({str(data)!r}), '测试')\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_uncaught_exceptions_of_the_main_thread_and_of_others_go_to_the_log_file(tmp_path):
    result = run(
        "import logging, threading\n"
        "logging.getLogger('ui.app').warning('注意：话术文件有误')\n"
        "t = threading.Thread(target=lambda: 1 / 0, name='推送')\n"
        "t.start(); t.join()\n"
        "raise ValueError('坏了')\n",
        tmp_path,
    )
    assert result.returncode == 1
    assert "注意：话术文件有误" in result.stderr  # warnings still reach a terminal where there is one
    text = (tmp_path / "logs" / logbook.LOG_FILE).read_text(encoding="utf-8")
    assert "测试 启动：Python" in text
    assert "WARNING" in text and "注意：话术文件有误" in text
    assert "线程 推送 中未处理的异常" in text and "ZeroDivisionError" in text
    assert "未处理的异常" in text and "ValueError: 坏了" in text and "Traceback" in text


def test_a_hard_crash_leaves_its_stack_in_the_fault_log(tmp_path):
    result = run("import faulthandler\nfaulthandler._sigsegv()\n", tmp_path)
    assert result.returncode != 0
    faults = (tmp_path / "logs" / logbook.FAULT_FILE).read_text(encoding="utf-8")
    assert "Segmentation fault" in faults and "<string>" in faults
    assert "崩溃记录" in logbook.diagnostics(tmp_path, tmp_path / "none.db", None)


def test_the_log_rotates_instead_of_growing(tmp_path):
    result = run(
        "import logging\nfor i in range(30000):\n    logging.getLogger('x').info('一行 %d ' * 4, i, i, i, i)\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert logbook.LOG_FILE + ".1" in files and logbook.LOG_FILE + ".5" not in files
    assert all((tmp_path / "logs" / f).stat().st_size <= 2**20 + 200 for f in files)


def test_an_unwritable_data_folder_logs_to_the_terminal_only(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("import logging\nlogging.getLogger('x').warning('仍然可见')\n", blocker)
    assert result.returncode == 0
    assert "日志无法写入" in result.stderr and "仍然可见" in result.stderr


def test_diagnostics_name_what_support_needs_and_never_open_the_database(tmp_path, monkeypatch):
    data = tmp_path / "data"
    db = data / "assistant.db"
    with EventStore.open(db) as store:
        store.append(
            [("phrase_used", {"phrase": "greet.welcome", "mode": "copy"})],
            datetime.now(),
        )
    (data / "logs").mkdir()
    (data / "logs" / logbook.LOG_FILE).write_text("第一行\n最后一行\n", encoding="utf-8")
    monkeypatch.setenv("WA_LEAD_PIN", "864213")
    monkeypatch.setenv("WA_HALL", "postgresql://lead:secret@hall/wa")
    opened: list[str] = []
    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open

    def spy(real):
        def wrapper(file, *args, **kwargs):
            opened.append(os.fspath(file) if not isinstance(file, int) else "")
            return real(file, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(builtins, "open", spy(real_open))
    monkeypatch.setattr(io, "open", spy(real_io_open))
    monkeypatch.setattr(os, "open", spy(real_os_open))
    text = logbook.diagnostics(data, db, None, ["Qt 6"])
    monkeypatch.undo()
    assert not [p for p in opened if Path(p).name.startswith("assistant.db")]
    assert f"数据文件：{db}（{db.stat().st_size} 字节" in text
    assert "Qt 6" in text and "Python" in text and "最后一行" in text
    assert "WA_LEAD_PIN" in text and "WA_HALL" in text
    assert "864213" not in text and "secret" not in text
