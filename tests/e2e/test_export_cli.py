"""export / lead-pin / demo-data as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.conftest import ROOT


def run(data: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {
        **os.environ,
        "WA_NO_VENV": "1",
        "WA_DATA_DIR": str(data),
        "QT_QPA_PLATFORM": "offscreen",
        **(env or {}),
    }
    full.pop("WA_LEAD_PIN", None) if not env or "WA_LEAD_PIN" not in env else None
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _demo(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    result = run(
        tmp_path, "--db", str(db), "demo-data", "--days", "2", "--windows", "2", "--end", "2026-11-27"
    )
    assert result.returncode == 0, result.stderr
    return db


def test_demo_then_xlsx_export_masked_with_chain_hash(tmp_path):
    db = _demo(tmp_path)
    out = tmp_path / "r.xlsx"
    result = run(
        tmp_path,
        "--db",
        str(db),
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-27",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    assert len(wb["服务记录"]["A"]) > 10
    head = [line for line in result.stdout.splitlines() if line.startswith("链尾")][0]
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert about["链尾哈希"] in head
    assert run(tmp_path, "--db", str(db), "verify-log").returncode == 0


def test_unmasked_needs_the_pin(tmp_path):
    db = _demo(tmp_path)
    args = [
        "--db",
        str(db),
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-27",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "csv"),
        "--unmasked",
    ]
    refused = run(tmp_path, *args)
    assert refused.returncode == 2 and "lead-pin set" in refused.stderr
    assert run(tmp_path, "lead-pin", "set", env={"WA_LEAD_PIN": "2468"}).returncode == 0
    again = run(tmp_path, "lead-pin", "set", env={"WA_LEAD_PIN": "1111"})
    assert again.returncode == 2 and "change" in again.stderr
    wrong = run(tmp_path, *args, env={"WA_LEAD_PIN": "0000"})
    assert wrong.returncode == 2 and "不正确" in wrong.stderr
    attempts = json.loads((tmp_path / "lead_pin_attempts.json").read_text())
    assert attempts["failures"] == 1


def test_demo_refuses_a_real_database_and_bad_dates(tmp_path):
    real = tmp_path / "real.db"
    replay = tmp_path / "in.jsonl"
    replay.write_text(
        '{"at": "2026-11-26T08:40:00", "cmd": "sign_in", "clerk": "A1", "window": "1号"}\n', encoding="utf-8"
    )
    run(tmp_path, "replay", str(replay), "--db", str(real))
    result = run(tmp_path, "--db", str(real), "demo-data", "--days", "1")
    assert result.returncode == 2 and "真实记录" in result.stderr
    bad = run(
        tmp_path, "export", "--from", "2026-13-01", "--to", "2026-11-01", "--format", "csv", "--out", "x"
    )
    assert bad.returncode == 2
