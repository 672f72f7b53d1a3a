"""The command line as a user runs it: a child process, real files, exit codes and Chinese messages."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run(*args: str, stdin: str | None = None, db: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(Path(db).parent if db else ROOT / ".no-data")}
    prefix = ["--db", str(db)] if db else []
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *prefix, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_phrases_json_lists_every_phrase_with_its_fields():
    result = run("phrases", "--json")
    assert result.returncode == 0, result.stderr
    phrases = json.loads(result.stdout)
    assert len(phrases) >= 19
    refer = next(p for p in phrases if p["id"] == "greet.refer")
    assert refer["category"] == "问候" and refer["text"] == "请您到{窗口}窗口办理此项业务！"
    assert refer["fields"][0]["name"] == "窗口"


def test_phrases_filtered_by_category_and_search():
    result = run("phrases", "--category", "退回")
    assert result.returncode == 0 and result.stdout.count("【退回】") == 3
    assert "请稍候" in run("phrases", "--search", "稍候").stdout
    bad = run("phrases", "--category", "不存在")
    assert bad.returncode == 2 and "类别“不存在”不存在" in bad.stderr


def test_render_fills_fields_and_names_what_is_missing():
    ok = run("render", "greet.refer", "--set", "窗口=社保")
    assert ok.returncode == 0 and ok.stdout.strip() == "请您到社保窗口办理此项业务！"
    missing = run("render", "greet.refer")
    assert missing.returncode == 2 and "窗口" in missing.stderr and "Traceback" not in missing.stderr
    unknown = run("render", "greet.refer", "--set", "窗口=社保", "--set", "颜色=红")
    assert unknown.returncode == 2 and "颜色" in unknown.stderr
    no_such = run("render", "no.such")
    assert no_such.returncode == 2 and "no.such" in no_such.stderr


def test_global_options_before_the_subcommand_are_kept(tmp_path):
    db = tmp_path / "given.db"
    result = run("verify-log", db=db)
    assert result.returncode == 0 and "完整" in result.stdout
    assert db.exists()


def test_replay_then_verify_then_tamper(tmp_path):
    db = tmp_path / "day.db"
    lines = [
        {"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A0123", "window": "社保3号"},
        {"at": "2026-11-26T09:01:00", "cmd": "interaction_start"},
        {"at": "2026-11-26T16:59:00", "cmd": "close_request"},
    ]
    result = run(
        "replay", "-", "--json", stdin="\n".join(json.dumps(x, ensure_ascii=False) for x in lines), db=db
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)["results"]
    assert [a["ok"] for a in answers] == [True, False, False]
    assert answers[1]["reason"] == "checklist_pending" and answers[2]["reason"] == "checklist_pending"
    assert run("verify-log", db=db).returncode == 0

    conn = sqlite3.connect(db)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE events SET payload = replace(payload, 'A0123', 'B9999') WHERE id = 1")
    conn.commit()
    conn.close()
    broken = run("verify-log", db=db)
    assert broken.returncode == 1 and "#1" in broken.stderr


def test_status_after_replay(tmp_path):
    db = tmp_path / "s.db"
    run(
        "replay",
        "-",
        stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A7"}\n'
        '{"at": "2026-11-26T08:41:00", "cmd": "waiting_set", "count": 4}',
        db=db,
    )
    status = json.loads(run("status", "--json", db=db).stdout)
    assert status["clerk"] == "A7" and status["waiting"] == 4


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["no-such-command"], "无效"),
        (["render"], "缺少必需的参数"),
        (["phrases", "--bogus"], "无法识别的参数"),
        (["render", "greet.refer", "--set", "没有等号"], "字段=值"),
        (["replay", "/no/such/file.jsonl"], "无法读取文件"),
    ],
)
def test_bad_calls_exit_2_in_chinese_without_traceback(tmp_path, args, needle):
    result = run(*args, db=tmp_path / "x.db")
    assert result.returncode == 2
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_bad_replay_line_names_the_line(tmp_path):
    result = run(
        "replay",
        "-",
        stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A"}\nnot json\n',
        db=tmp_path / "r.db",
    )
    assert result.returncode == 2 and "第 2 行" in result.stderr


def test_db_whose_folder_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("verify-log", db=blocker / "sub" / "a.db")
    assert result.returncode == 2 and "无法创建" in result.stderr and "Traceback" not in result.stderr


def test_corrupt_database_is_moved_aside_and_a_new_one_used(tmp_path):
    db = tmp_path / "assistant.db"
    db.write_bytes(b"this is not sqlite at all" * 100)
    result = run("verify-log", db=db)
    assert result.returncode == 0
    aside = list(tmp_path.glob("assistant.db.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not sqlite")
    assert str(aside[0]) in result.stderr


def test_hall_scripts_folder_with_broken_file_warns_and_goes_on(tmp_path):
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "flow.toml").write_text("schema = 1\n[[step]\n", encoding="utf-8")
    result = run("--scripts", str(hall), "phrases", "--category", "问候")
    assert result.returncode == 0 and "flow.toml" in result.stderr and "第 2 行" in result.stderr
    assert "请稍候" in result.stdout


def test_help_for_every_subcommand():
    for sub in ("phrases", "render", "verify-log", "replay", "status"):
        result = run(sub, "--help")
        assert result.returncode == 0 and "usage" in result.stdout.lower()
