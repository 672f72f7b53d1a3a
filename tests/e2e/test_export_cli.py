"""export / lead-pin / demo-data as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

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


LEAD = {"WA_LEAD_PIN": "583920", "WA_LEAD_ID": "L001"}


def test_demo_then_xlsx_export_masked_with_chain_hash(tmp_path):
    db = _demo(tmp_path)
    assert run(tmp_path, "--db", str(db), "lead-pin", "set", env=LEAD).returncode == 0
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
        env=LEAD,
    )
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    assert len(wb["服务记录"]["A"]) > 10
    head = [line for line in result.stdout.splitlines() if line.startswith("链尾")][0]
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert about["链尾哈希"] in head
    assert run(tmp_path, "--db", str(db), "verify-log").returncode == 0


def test_every_export_needs_the_lead_pin_and_records_the_leads_id(tmp_path):
    db = _demo(tmp_path)
    for unmasked in ([], ["--unmasked"]):
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
            *unmasked,
        ]
        refused = run(tmp_path, *args)
        assert refused.returncode == 2 and "lead-pin set" in refused.stderr
    assert run(tmp_path, "--db", str(db), "lead-pin", "set", env={"WA_LEAD_PIN": "2468"}).returncode == 2
    assert run(tmp_path, "--db", str(db), "lead-pin", "set", env=LEAD).returncode == 0
    again = run(tmp_path, "--db", str(db), "lead-pin", "set", env={"WA_LEAD_PIN": "802731"})
    assert again.returncode == 2 and "change" in again.stderr
    no_id = run(tmp_path, *args, env={"WA_LEAD_PIN": "583920"})
    assert no_id.returncode == 2 and "WA_LEAD_ID" in no_id.stderr
    wrong = run(tmp_path, *args, env={**LEAD, "WA_LEAD_PIN": "000000"})
    assert wrong.returncode == 2 and "不正确" in wrong.stderr
    assert not (tmp_path / "lead_pin_attempts.json").exists()  # the failure is an event, not a file


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


# --- issue 12 §4: a full disk or a kill midway never destroys the earlier export, never reports success ---


@pytest.fixture(scope="module")
def ten_days(tmp_path_factory) -> Path:
    """Ten days of four windows: exports big enough to be caught in the middle of writing."""
    folder = tmp_path_factory.mktemp("ten_days")
    db = folder / "demo.db"
    result = run(
        folder, "--db", str(db), "demo-data", "--days", "10", "--windows", "4", "--end", "2026-11-27"
    )
    assert result.returncode == 0, result.stderr
    assert run(folder, "--db", str(db), "lead-pin", "set", env=LEAD).returncode == 0
    return db


def _export(tmp_path: Path, fmt: str, out: Path, limit: int | None = None) -> subprocess.Popen:
    """The export as a child process; with `limit`, every file it writes is capped at that many bytes
    (RLIMIT_FSIZE; Python ignores SIGXFSZ, so a write past it fails with EFBIG as on a full disk)."""
    import resource

    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {
        **os.environ,
        "WA_NO_VENV": "1",
        "WA_DATA_DIR": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        **LEAD,
    }
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--db",
            str(tmp_path / "demo.db"),
            "export",
            "--from",
            "2026-11-18",
            "--to",
            "2026-11-27",
            "--format",
            fmt,
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=cap,
    )


def _export_events(db: Path) -> int:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'export'").fetchone()[0]


def _earlier_export(tmp_path: Path, ten_days: Path, fmt: str) -> tuple[Path, dict[str, bytes]]:
    import shutil

    shutil.copy(ten_days, tmp_path / "demo.db")
    out = tmp_path / ("report" if fmt == "csv" else f"report.{fmt}")
    first = _export(tmp_path, fmt, out)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    first.stdout.close(), first.stderr.close()
    return out, _contents(out)


def _contents(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (sorted(out.iterdir()) if out.is_dir() else [out])}


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_a_full_disk_never_reports_success_and_leaves_the_earlier_export(tmp_path, ten_days, fmt):
    """Was: on a full disk the pdf export said "已导出 112 行", exit 0, and left a truncated file."""
    out, before = _earlier_export(tmp_path, ten_days, fmt)
    recorded = _export_events(tmp_path / "demo.db")
    child = _export(tmp_path, fmt, out, limit=max(64 * 1024, max(len(b) for b in before.values()) // 2))
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 2 and "已导出" not in stdout and "Traceback" not in stderr, stderr
    assert "原有文件未改动" in stderr or "不完整" in stderr, stderr
    assert _contents(out) == before  # the earlier export, byte for byte, under its name
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]  # a failure cleans up after itself
    assert _export_events(tmp_path / "demo.db") == recorded  # an export not in place is not recorded


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_an_export_killed_midway_leaves_the_earlier_export(tmp_path, ten_days, fmt):
    import signal
    import time

    out, before = _earlier_export(tmp_path, ten_days, fmt)
    child = _export(tmp_path, fmt, out)
    deadline = time.monotonic() + 60
    while not [p for p in tmp_path.iterdir() if ".part" in p.name]:  # writing has begun
        assert child.poll() is None and time.monotonic() < deadline, "the export ended before it was caught"
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert _contents(out) == before  # nothing partial under the final name
