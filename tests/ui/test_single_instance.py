"""Issue 12 §2: a second sidebar on the same database is refused, and the running one shows itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WA_NO_VENV": "1",
        "QT_QPA_PLATFORM": "offscreen",
        "WA_DATA_DIR": str(tmp_path / "data"),
        "WA_NO_SPEECH": "1",
        "WA_NO_HOTKEYS": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "PYTHONIOENCODING": "utf-8",
    }


def _sidebar(env: dict[str, str], db: Path) -> subprocess.Popen:
    """A sidebar on `db`, once it holds the database (the lock is taken before the file is made)."""
    sidebar = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not db.exists() and time.monotonic() < deadline:
        assert sidebar.poll() is None, sidebar.stderr.read()
        time.sleep(0.05)
    return sidebar


def _start(env: dict[str, str], db: Path) -> subprocess.CompletedProcess:
    """`python main.py --db DB` as the clerk starts it, ending once its window is on screen."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db)],
        env={**env, "WA_EXIT_AFTER_SHOWN": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_sidebar_on_the_same_database_is_refused_and_the_first_shows_itself(tmp_path):
    (tmp_path / "run").mkdir(mode=0o700)
    db, env = tmp_path / "g.db", _env(tmp_path)
    first = _sidebar(env, db)
    try:
        second = _start(env, db)
        assert second.returncode == 3
        assert "已经在使用数据文件" in second.stderr and "已切换到正在运行的助手" in second.stderr
        assert "Traceback" not in second.stderr
        other = _start(env, tmp_path / "other.db")
        assert other.returncode == 0, other.stderr  # another database: another sidebar may run
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(timeout=30)
        first.stderr.close()


def test_a_lock_left_by_a_killed_sidebar_does_not_block_the_next_start(tmp_path):
    (tmp_path / "run").mkdir(mode=0o700)
    db, env = tmp_path / "g.db", _env(tmp_path)
    first = _sidebar(env, db)
    first.kill()
    first.wait(timeout=30)
    first.stderr.close()
    again = _start(env, db)
    assert again.returncode == 0, again.stderr
