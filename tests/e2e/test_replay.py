"""`main.py replay FILE --json` on the files in tests/data/replay: each *.jsonl against its *.expected.json."""

from __future__ import annotations

import json

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
