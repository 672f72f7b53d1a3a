"""The command line as a user runs it: a child process, real files, exit codes and Chinese messages."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from assistant.store.event_log import SCHEMA_VERSION
from assistant.store.version import UserVersion
from tests.conftest import ROOT


def run(
    *args: str, stdin: str | None = None, db: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WA_NO_VENV": "1",
        "WA_DATA_DIR": str(Path(db).parent if db else ROOT / ".no-data"),
        **(env or {}),
    }
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
    made = run("replay", "-", stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A"}\n', db=db)
    assert made.returncode == 0, made.stderr
    result = run("verify-log", db=db)
    assert result.returncode == 0 and "完整：1 条事件" in result.stdout


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
    result = run(
        "replay",
        "-",
        stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A"}\n',
        db=blocker / "sub" / "a.db",
    )
    assert result.returncode == 2 and "无法创建" in result.stderr and "Traceback" not in result.stderr


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _ours_cut_short(db: Path) -> None:
    made = run(
        "replay",
        "-",
        db=db,
        stdin="\n".join(
            json.dumps({"at": f"2026-11-26T09:{m:02d}:00", "cmd": "phrase_used", "phrase": "greet.wait"})
            for m in range(60)
        ),
    )
    assert made.returncode == 0, made.stderr
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def test_verify_log_names_a_file_that_is_not_an_intact_log_of_ours_and_changes_nothing(tmp_path):
    """Was: verify-log moved random bytes aside and said "完整：0 条事件", exit 0."""
    db = tmp_path / "assistant.db"
    foreign = tmp_path / "other.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE customers (name)")
        conn.commit()
    for content, words in (
        (b"this is not sqlite at all" * 100, "不是 SQLite"),
        (None, "无法使用|截断|读取|完整性"),
        (foreign.read_bytes(), "其他程序"),
    ):
        if content is None:
            db.unlink()
            _ours_cut_short(db)
        else:
            db.write_bytes(content)
        before = _listing(tmp_path)
        result = run("verify-log", db=db)
        assert result.returncode == 1 and str(db) in result.stderr, result.stderr
        assert any(w in result.stderr for w in words.split("|")) and "Traceback" not in result.stderr
        assert "完整：" not in result.stdout
        status = run("status", db=db)
        assert status.returncode == 2 and str(db) in status.stderr
        assert _listing(tmp_path) == before  # nothing created, renamed or deleted


def test_only_a_recording_command_sets_a_damaged_database_of_ours_aside(tmp_path):
    db = tmp_path / "assistant.db"
    _ours_cut_short(db)
    damaged = db.read_bytes()
    result = run(
        "replay", "-", stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A"}\n', db=db
    )
    assert result.returncode == 0, result.stderr
    aside = list(tmp_path.glob("assistant.db.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged and str(aside[0]) in result.stderr


def test_a_recording_command_refuses_a_file_that_never_was_ours(tmp_path):
    db = tmp_path / "assistant.db"
    db.write_bytes(b"this is not sqlite at all" * 100)
    before = _listing(tmp_path)
    result = run(
        "replay", "-", stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A"}\n', db=db
    )
    assert (
        result.returncode == 2
        and "不是本助手的数据文件" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert _listing(tmp_path) == before


def test_a_newer_database_is_refused_by_every_command(tmp_path):
    db = tmp_path / "assistant.db"
    made = run("replay", "-", stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A"}\n', db=db)
    assert made.returncode == 0, made.stderr
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(
            f"PRAGMA user_version = {UserVersion(SCHEMA_VERSION.major + 1, 0).to_int()}"
        )  # a newer major
        conn.commit()
    before = _listing(tmp_path)
    for args in (["verify-log"], ["status"], ["correction", "1", "--reason", "错了"], ["replay", "-"]):
        result = run(*args, db=db, stdin='{"at": "2026-11-26T08:50:00", "cmd": "sign_out"}\n')
        assert result.returncode == 2 and "请使用新版本" in result.stderr, (args, result.stderr)
        assert _listing(tmp_path) == before


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_a_folder_or_fifo_as_the_database_is_refused(tmp_path):
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    for db, words in ((tmp_path, "文件夹"), (fifo, "管道")):
        for args in (["verify-log"], ["status"], ["replay", "-"]):
            result = run(*args, db=db, stdin="")
            assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert fifo.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["fifo.db"]


def test_a_missing_database_is_exit_2_except_where_one_may_be_made(tmp_path):
    db = tmp_path / "none" / "assistant.db"
    for args in (
        ["verify-log"],
        ["status"],
        ["status", "--json"],
        ["correction", "1", "--reason", "x"],
        ["purge-personal"],
        [
            "export",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-02",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "out"),
        ],
        ["review"],
    ):
        result = run(*args, db=db)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "数据文件" in result.stderr and "不存在" in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "none").exists() and not (tmp_path / "out").exists()
    # the default database (no --db) too
    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "verify-log"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "不存在" in result.stderr and not (tmp_path / "data").exists()


def test_commands_that_need_no_records_never_open_the_database(tmp_path):
    """say, lint, render, phrases, privacy-notice: a database that is a FIFO would hang or fail any opener."""
    db = tmp_path / "assistant.db"
    db.write_bytes(b"not ours")
    before = _listing(tmp_path)
    for args in (
        ["lint", "您好"],
        ["render", "greet.refer", "--set", "窗口=社保"],
        ["phrases", "--search", "qsh"],
        ["privacy-notice"],
        ["say", "您好", "--out", str(tmp_path / "x" / "a.wav")],
    ):
        result = run(*args, db=db)
        assert "数据文件" not in result.stderr, (args, result.stderr)
    assert {k: v for k, v in _listing(tmp_path).items()} == before


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


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_what_the_program_creates_is_private_to_the_user(tmp_path):
    """The database and its companions, the sealing keys and exports 0600, folders 0700, whatever the umask."""
    import stat

    data = tmp_path / "data"
    db = data / "records" / "assistant.db"
    env = {
        **os.environ,
        "WA_NO_VENV": "1",
        "WA_DATA_DIR": str(data),
        "WA_LEAD_PIN": "583920",
        "WA_LEAD_ID": "L1",
    }

    def main(*args: str, stdin: str = "") -> None:
        result = subprocess.run(
            ["sh", "-c", 'umask 022 && exec "$@"', "sh", sys.executable, str(ROOT / "main.py"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    main(
        "--db",
        str(db),
        "replay",
        "-",
        stdin='{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A"}\n',
    )
    main("--db", str(db), "lead-pin", "set")
    main("--db", str(db), "seal", "init", "--out", str(tmp_path / "usb" / "key.json"))
    main(
        "--db",
        str(db),
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "out" / "csv"),
    )
    main(
        "--db",
        str(db),
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "out" / "r.xlsx"),
    )
    made = [p for p in tmp_path.rglob("*")]
    modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode) for p in made}
    assert {k for k, m in modes.items() if m != (0o700 if Path(tmp_path / k).is_dir() else 0o600)} == set(), (
        modes
    )
    assert any(k.endswith("assistant.db") for k in modes) and any(
        k.endswith("assistant.db-seal") for k in modes
    )
    assert any(k.endswith("key.json") for k in modes)


def test_a_gbk_pipe_gets_utf8_and_never_a_traceback():
    """Chinese Windows: a redirected stdout is cp936 with strict errors (simulated with PYTHONIOENCODING=gbk);
    䶮 is not in GBK. Piped output is written as UTF-8 instead."""
    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(ROOT / ".no-data"), "PYTHONIOENCODING": "gbk"}
    for args, stdin in (
        (("render", "greet.refer", "--set", "窗口=䶮"), None),
        (("lint", "--jsonl"), "䶮办理\n"),
    ):
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            input=stdin.encode() if stdin else None,
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr.decode(
            "utf-8", "replace"
        )
        assert "䶮" in result.stdout.decode("utf-8")
