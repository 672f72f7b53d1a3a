"""Issue 12 §2: several processes recording into one database decide on the state the file holds.

Before: four concurrent `replay` processes of one file gave duplicated interaction numbers, and two desks
recorded interactions the review never counted, because each process decided on the state it had read at
its start. Now every append names the last event its decision was made on; when another process appended
since, the desk folds those events in and decides again."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from assistant.config.scripts import load_scripts
from assistant.reports.build import build_report
from assistant.reports.model import ReportFilter
from assistant.store.event_log import EventStore

ROOT = Path(__file__).resolve().parents[2]
VISITORS = 150


def _day(tmp_path: Path) -> Path:
    at = datetime(2026, 11, 30, 8, 40)
    lines = [
        {"at": at, "cmd": "sign_in", "clerk": "B0456", "window": "公积金1号窗口", "role": "窗口人员"},
        {"at": at + timedelta(minutes=1), "cmd": "checklist_submit", "failed": [], "notes": {}},
    ]
    t = datetime(2026, 11, 30, 9, 0)
    for _ in range(VISITORS):
        lines.append({"at": t, "cmd": "waiting_set", "count": 1})
        lines.append({"at": t, "cmd": "interaction_start"})
        t += timedelta(seconds=30)
        lines.append({"at": t, "cmd": "interaction_end", "outcome": "办结"})
    path = tmp_path / "day.jsonl"
    path.write_text(
        "".join(json.dumps({**d, "at": d["at"].isoformat()}, ensure_ascii=False) + "\n" for d in lines),
        encoding="utf-8",
    )
    return path


def test_four_concurrent_replays_record_every_acknowledged_event_once(tmp_path):
    db = tmp_path / "hall.db"
    day = _day(tmp_path)
    EventStore.open(db).close()
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--db", str(db), "replay", str(day), "--ack"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    acknowledged: list[int] = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        for line in out.splitlines():
            acknowledged.extend(json.loads(line)["events"])
    assert len(acknowledged) == len(set(acknowledged))  # no event acknowledged to two processes
    with EventStore.open(db) as store:
        assert store.verify().ok
        events = {e.id: e for e in store.events()}
        assert set(acknowledged) <= set(events)
        starts = [e.payload["interaction"] for e in events.values() if e.kind == "interaction_start"]
        ends = [e for e in events.values() if e.kind == "interaction_end"]
        duplicated = [n for n, c in Counter(starts).items() if c > 1]
        assert duplicated == []
        assert len(starts) >= VISITORS and len(ends) == len(starts)
        report = build_report(
            store,
            load_scripts(),
            ReportFilter(date(2026, 11, 30), date(2026, 11, 30), today=date(2026, 11, 30)),
        )
        assert len(report.tables["interactions"]) == len(ends)
