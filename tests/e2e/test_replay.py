"""`main.py replay FILE --json` on the files in tests/data/replay: each *.jsonl against its *.expected.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.test_cli import run

DATA = ROOT / "tests" / "data" / "replay"
CASES = sorted(p.name.removesuffix(".expected.json") for p in DATA.glob("*.expected.json"))


@pytest.mark.parametrize("name", CASES)
def test_replay_file_gives_the_expected_results_and_records(name):
    result = run("replay", str(DATA / f"{name}.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    lines = [
        json.loads(x) for x in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()
    ]
    assert [r["at"] for r in out["results"]] == [x["at"] for x in lines]
    assert [[r["cmd"], r["ok"], r.get("reason")] for r in out["results"]] == expected["results"]
    keys = ("clerk", "submitted_at", "late", "late_minutes", "failed")
    assert [{k: r[k] for k in keys} for r in out["records"]["checklist_runs"]] == expected["checklist_runs"]
    assert [{k: r[k] for k in ("start", "end", "served")} for r in out["records"]["overtime"]] == expected[
        "overtime"
    ]
    if "late_arrivals" in expected:
        assert len(out["records"]["late_arrivals"]) == expected["late_arrivals"]
    for key in ("early_departures", "pauses"):  # rules 8 and 40: what the lead is told
        if key in expected:
            assert out["records"][key] == expected[key]
    assert all(r["message"] and "第" in r["message"] for r in out["results"] if not r["ok"])


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("bad_time_backwards", "时间不能倒流"),
        ("bad_unknown_command", "fly"),
        ("bad_missing_field", "count"),
        ("bad_not_json", "JSON"),
    ],
)
def test_bad_input_exits_2_naming_the_line_and_records_nothing(tmp_path, name, needle):
    db = tmp_path / "r.db"
    result = run("replay", str(DATA / f"{name}.jsonl"), "--json", db=db)
    line = 3 if name == "bad_not_json" else 2
    assert result.returncode == 2 and f"第 {line} 行" in result.stderr and needle in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not db.exists()  # nothing recorded: not even a database made


def test_a_fresh_temporary_database_unless_db_is_given(tmp_path):
    source = DATA / "exact_five_minutes.jsonl"
    for _ in range(2):  # without --db each run starts from nothing: sign_in is accepted both times
        out = json.loads(run("replay", str(source), "--json").stdout)
        assert out["results"][0]["ok"] is True
    db = tmp_path / "kept.db"
    result = run("replay", str(source), "--db", str(db), "--json")  # --db after the sub-command works too
    assert result.returncode == 0, result.stderr
    assert db.exists() and "完整" in run("verify-log", db=db).stdout


def test_plain_output_is_chinese(tmp_path):
    result = run("replay", str(DATA / "late_checklist_and_overtime.jsonl"))
    assert result.returncode == 0, result.stderr
    assert (
        "迟 8 分钟" in result.stdout
        and "延时服务：2026-11-30T17:00:00 至 2026-11-30T17:12:00，服务 2 人" in result.stdout
    )
    assert "被拒绝（people_waiting）" in result.stdout


@pytest.mark.parametrize("cmd", ["export", "review_ack", "purge_personal", "demo_data"])
def test_replay_cannot_forge_what_only_the_lead_records(tmp_path, cmd):
    source = tmp_path / "forged.jsonl"
    source.write_text(
        json.dumps({"at": "2026-11-30T08:50:00", "cmd": cmd, "count": 3, "before": "2026-01-01"}),
        encoding="utf-8",
    )
    result = run("replay", str(source), "--json", db=tmp_path / "f.db")
    assert result.returncode == 2 and cmd in result.stderr and "Traceback" not in result.stderr


# --- issue 12 §5: hostile input, a clock behind the log, streaming ------------------------------------

SIGN_IN = '{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A0123"}\n'


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (SIGN_IN + '{"at": "2026-11-26T08:41:00", "cmd": "pause", "reason": "\\ud800"}\n', "代理项"),
        (
            SIGN_IN + '{"at": "2026-11-26T08:41:00", "cmd": "follow_up", "topic": "x", "person": "张三"}\n',
            "person",
        ),
        (
            SIGN_IN + '{"at": "2026-11-26T08:41:00", "cmd": "follow_up", "topic": "x", "person": [1]}\n',
            "person",
        ),
        (
            SIGN_IN + '{"at": "2026-11-26T08:41:00", "cmd": "pause", "reason": "' + "长" * 400_000 + '"}\n',
            "1 MiB",
        ),
    ],
    ids=["lone-surrogate", "person-string", "person-list", "line-over-1-MiB"],
)
def test_hostile_lines_exit_2_naming_the_line_and_record_nothing(tmp_path, text, needle):
    source = tmp_path / "bad.jsonl"
    source.write_text(text, encoding="utf-8")
    db = tmp_path / "r.db"
    result = run("replay", str(source), "--json", db=db)
    assert result.returncode == 2 and "第 2 行" in result.stderr and needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not db.exists()


@pytest.mark.parametrize("path", ["/proc/self/mem", "/dev/zero"])
def test_replay_of_a_device_or_unreadable_file_is_refused(tmp_path, path):
    if not Path(path).exists():
        pytest.skip(f"{path} is Linux's")
    result = run("replay", path, db=tmp_path / "r.db")
    assert result.returncode == 2 and "Traceback" not in result.stderr and path in result.stderr, (
        result.stderr
    )


def test_over_long_names_are_refused_without_a_traceback(tmp_path):
    long = tmp_path / ("长" * 200 + ".db")
    for args in (["verify-log"], ["status"], ["replay", "-"]):
        result = run(*args, db=long, stdin=SIGN_IN)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr)
    db = tmp_path / "r.db"
    assert run("replay", "-", stdin=SIGN_IN, db=db).returncode == 0
    lead = {"WA_LEAD_PIN": "583920", "WA_LEAD_ID": "L1"}
    assert run("lead-pin", "set", db=db, env=lead).returncode == 0
    result = run(
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / ("表" * 200 + ".xlsx")),
        db=db,
        env=lead,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr and "导出" in result.stderr, (
        result.stderr
    )


def test_standard_input_runs_line_by_line_and_a_bad_line_ends_it(tmp_path):
    db = tmp_path / "r.db"
    text = SIGN_IN + '{"at": "2026-11-26T08:41:00", "cmd": "waiting_set", "count": 2}\n' + "not json\n"
    result = run("replay", "-", "--ack", stdin=text, db=db)
    assert result.returncode == 2 and "第 3 行" in result.stderr
    acks = [json.loads(x) for x in result.stdout.splitlines()]
    assert [a["line"] for a in acks] == [1, 2] and all(a["ok"] for a in acks)
    assert "完整：2 条事件" in run("verify-log", db=db).stdout  # the lines before the bad one are recorded


def test_a_line_dated_before_the_last_recorded_event_is_refused_and_the_replay_goes_on(tmp_path):
    """Was: recorded, so the log went back in time."""
    db = tmp_path / "r.db"
    assert (
        run(
            "replay", "-", stdin='{"at": "2026-11-26T12:00:00", "cmd": "sign_in", "clerk": "A"}\n', db=db
        ).returncode
        == 0
    )
    text = (
        '{"at": "2026-11-26T11:59:58", "cmd": "waiting_set", "count": 1}\n'
        '{"at": "2026-11-26T11:59:59.500", "cmd": "waiting_set", "count": 2}\n'
        '{"at": "2026-11-26T12:01:00", "cmd": "waiting_set", "count": 3}\n'
    )
    result = run("replay", "-", "--json", stdin=text, db=db)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert [(r["ok"], r.get("reason")) for r in results] == [
        (False, "clock_behind"),
        (True, None),
        (True, None),
    ]
    assert "最后一条记录" in results[0]["message"]
    assert "完整：3 条事件" in run("verify-log", db=db).stdout  # the refused line recorded nothing


def _peak_rss_mib(args: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, float]:
    """Run main.py in a child of a fresh helper process, so the figure is that child's alone."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "sys.stderr.write(r.stderr.decode('utf-8', 'replace'))\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(r.returncode)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **kwargs,
    )
    return result, int(result.stdout.strip().splitlines()[-1]) / 1024


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB")
def test_a_300000_line_file_is_checked_streaming_and_a_bad_last_line_records_nothing(tmp_path):
    """Was: the whole file parsed into a list first (526 MiB for 300,000 lines)."""
    source = tmp_path / "big.jsonl"
    line = '{"at": "2026-11-26T09:00:00", "cmd": "phrase_used", "phrase": "greet.wait", "mode": "copy"}\n'
    with source.open("w", encoding="utf-8") as f:
        f.write(SIGN_IN)
        for _ in range(300_000):
            f.write(line)
        f.write("not json\n")
    db = tmp_path / "r.db"
    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(tmp_path)}
    result, peak = _peak_rss_mib(["--db", str(db), "replay", str(source), "--json"], env=env)
    assert result.returncode == 2 and "第 300002 行" in result.stderr, result.stderr
    assert not db.exists()
    assert peak <= 200, f"peak RSS {peak:.0f} MiB"


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB")
def test_running_many_lines_holds_no_more_memory_than_running_few(tmp_path):
    """The run pass and --json output stream: 6,000 lines need no more memory than 600 (was: a list of all
    results, all events and every recorded event kept for re-appending). On /dev/shm when there is one: the
    figure is memory, not the disk's syncs."""
    folder = Path("/dev/shm") if Path("/dev/shm").is_dir() else tmp_path
    peaks = []
    for count in (600, 6_000):
        source = tmp_path / f"{count}.jsonl"
        with source.open("w", encoding="utf-8") as f:
            f.write(SIGN_IN)
            for i in range(count):
                f.write(
                    json.dumps(
                        {
                            "at": f"2026-11-26T09:{i // 6000:02d}:{(i // 100) % 60:02d}.{i % 100:02d}0",
                            "cmd": "phrase_used",
                            "phrase": "greet.wait",
                            "mode": "copy",
                        }
                    )
                    + "\n"
                )
        db = folder / f"wa-replay-memory-{os.getpid()}-{count}.db"
        env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(tmp_path)}
        try:
            result, peak = _peak_rss_mib(["--db", str(db), "replay", str(source), "--json"], env=env)
        finally:
            for p in folder.glob(db.name + "*"):
                p.unlink()
        assert result.returncode == 0, result.stderr
        peaks.append(peak)
    assert peaks[1] - peaks[0] < 15, peaks
