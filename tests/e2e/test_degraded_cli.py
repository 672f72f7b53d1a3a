"""Degraded machines, the command line (issue 8): a hall scripts folder that is not there, the disk filling
up during a replay (a file-size limit on the child process), a database the user cannot write (run as the
user nobody: root ignores permissions), no speech engine. Always a Chinese message, never a traceback, and
nothing already recorded is lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.config.scripts import load_scripts
from assistant.desk import Desk
from assistant.store.event_log import EventStore
from tests.conftest import ROOT, RUNUSER, nobody_python, posix_only, ready_desk, sha256


def run(
    *args: str,
    db: Path | None = None,
    data: Path | None = None,
    preexec=None,
    python: str = sys.executable,
    user: str | None = None,
    env_extra: dict | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WA_NO_VENV": "1",
        "WA_DATA_DIR": str(data or ROOT / ".no-data"),
        "PYTHONIOENCODING": "utf-8",
        **(env_extra or {}),
    }
    command = [python, str(ROOT / "main.py"), *(["--db", str(db)] if db else []), *args]
    if user:
        command = [RUNUSER, "-u", user, "--", *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
        preexec_fn=preexec,
        cwd=cwd,
    )


def replay_lines(count: int, start: datetime = datetime(2026, 11, 26, 9, 0)) -> str:
    """count waiting_set lines a second apart (09:00 on the test Thursday)."""
    return "".join(
        json.dumps(
            {"at": (start + timedelta(seconds=n)).isoformat(), "cmd": "waiting_set", "count": n % 1000}
        )
        + "\n"
        for n in range(1, count + 1)
    )


def make_day(path: Path, clock) -> int:
    with EventStore.open(path) as store:
        ready_desk(Desk(store, load_scripts(), clock))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(list(store.events()))


def as_nobody(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    python = nobody_python()
    if python is None:
        pytest.skip("no Python interpreter the user nobody may run")
    return run(*args, python=python, user="nobody", cwd=cwd, **kwargs)


# ─── the hall scripts folder is not there ───────────────────────────────────────────────────────


def test_a_missing_scripts_folder_is_a_warning_and_the_defaults_answer(tmp_path):
    missing = tmp_path / "no-such-dir"
    result = run("--scripts", str(missing), "phrases", "--json")
    assert result.returncode == 0, result.stderr
    assert (
        f"警告：no-such-dir：找不到大厅话术文件夹 {missing}（或它不是文件夹），已全部使用内置的默认文件。"
        in result.stderr
    )
    assert len(json.loads(result.stdout)) >= 19
    assert not missing.exists()


def test_a_missing_scripts_folder_replays_on_the_defaults(tmp_path):
    source = tmp_path / "day.jsonl"
    source.write_text(replay_lines(3), encoding="utf-8")
    result = run(
        "--scripts", str(tmp_path / "no-such-dir"), "replay", str(source), "--json", db=tmp_path / "a.db"
    )
    assert result.returncode == 0, result.stderr
    assert "找不到大厅话术文件夹" in result.stderr
    assert all(line["ok"] for line in json.loads(result.stdout)["results"])


# ─── the disk fills up while writing ────────────────────────────────────────────────────────────


@posix_only
def test_replay_when_the_disk_fills_up_refuses_cleanly_and_keeps_every_acknowledged_event(tmp_path, clock):
    db = tmp_path / "assistant.db"
    before = make_day(db, clock)
    source = tmp_path / "day.jsonl"
    source.write_text(replay_lines(300), encoding="utf-8")
    limit = db.stat().st_size + 96 * 1024  # room for a few dozen commits in the write-ahead log

    def file_size_limit():
        import resource  # POSIX only

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = run("replay", str(source), db=db, data=tmp_path / "data", preexec=file_size_limit)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stdout.splitlines()
    accepted = [line for line in lines if line.endswith("已接受")]
    refused = [line for line in lines if "被拒绝（not_saved）记录未能保存：" in line]
    assert accepted and refused, result.stdout[-2000:]
    assert refused[0].endswith("本次操作未生效。") and "磁盘" in refused[0]
    assert len(accepted) + len(refused) == 300
    # The limit is gone: the log verifies, the file is sound, every acknowledged event is there.
    verify = run("verify-log", db=db, data=tmp_path / "data")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    with EventStore.open(db) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(list(store.events())) == before + len(accepted)


# ─── a database the user cannot write (as nobody) ───────────────────────────────────────────────


def test_replay_into_a_read_only_database_says_not_saved_and_changes_nothing(shared_dir, clock):
    folder = shared_dir / "data"
    folder.mkdir()
    folder.chmod(0o777)
    db = folder / "assistant.db"
    before = make_day(db, clock)
    db.chmod(0o644)
    digest = sha256(db)
    source = shared_dir / "day.jsonl"
    source.write_text(replay_lines(3), encoding="utf-8")
    source.chmod(0o644)
    probe = as_nobody("status", db=db, data=folder, cwd=shared_dir)  # reading is allowed…
    assert probe.returncode == 0 and "签到：A0123" in probe.stdout, probe.stderr
    write = subprocess.run(
        [RUNUSER, "-u", "nobody", "--", "sh", "-c", f"echo x >> '{db}'"], capture_output=True, check=False
    )
    assert write.returncode != 0, (
        "the permission does not bite: this test would prove nothing"
    )  # …writing is not
    result = as_nobody("replay", str(source), "--json", db=db, data=folder, cwd=shared_dir)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    results = json.loads(result.stdout)["results"]
    assert [r["reason"] for r in results] == ["not_saved"] * 3
    assert all(r["message"].startswith(f"记录未能保存：没有写入数据文件 {db} 的权限") for r in results)
    assert sha256(db) == digest
    with EventStore.open(db) as store:
        assert len(list(store.events())) == before and store.verify().ok


def test_a_read_only_data_folder_is_read_but_not_written(shared_dir, clock):
    """Reading commands read it (they never write: issue 12 §3); a recording command is exit 2 in Chinese."""
    folder = shared_dir / "data"
    folder.mkdir()
    db = folder / "assistant.db"
    make_day(db, clock)
    db.chmod(0o644)
    folder.chmod(0o555)
    digest = sha256(db)
    source = shared_dir / "day.jsonl"
    source.write_text(replay_lines(2), encoding="utf-8")
    source.chmod(0o644)
    status = as_nobody("status", db=db, data=folder, cwd=shared_dir)
    assert status.returncode == 0 and "签到：A0123" in status.stdout, status.stderr
    result = as_nobody("replay", str(source), db=db, data=folder, cwd=shared_dir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("错误：") and str(db) in result.stderr
    assert "Traceback" not in result.stderr
    assert sha256(db) == digest and sorted(p.name for p in folder.iterdir()) == ["assistant.db"]


# ─── no speech engine ───────────────────────────────────────────────────────────────────────────


def test_say_without_espeak_ng_exits_2_with_the_reason(tmp_path):
    """The espeak-ng library cannot be found (find_library answers None, as on a PC without it)."""
    out = tmp_path / "x.wav"
    hide = (
        "import ctypes.util, runpy, sys; ctypes.util.find_library = lambda name: None; "
        f"sys.argv = ['main.py', 'say', '您好', '--out', {str(out)!r}]; "
        f"runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')"
    )
    env = {**os.environ, "WA_NO_VENV": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("WA_NO_SPEECH", None)
    result = subprocess.run(
        [sys.executable, "-c", hide],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "未安装 espeak-ng" in result.stderr and "朗读不可用" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
