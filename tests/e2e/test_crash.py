"""Crashes: `replay --ack` SIGKILLed at random moments loses no acknowledged event and runs no line twice.

The smaller version of benchmarks/crash_harness.py (which does 100 kills and prints the figures): ten kills
over one shorter scripted day. No timed assertions: the child processes have generous timeouts only.
"""

from __future__ import annotations

import json
from datetime import date

from assistant.config.scripts import load_scripts
from assistant.store.event_log import EventStore
from benchmarks.crash_harness import run_harness, scripted_day, to_jsonl
from tests.e2e.test_cli import run


def test_ten_kills_lose_nothing_and_repeat_nothing(tmp_path):
    report = run_harness(tmp_path, kills=10, seed=5, days=1, interactions=25)
    assert report.failures == []
    assert report.kills == 10 and report.lost == 0 and report.duplicated == 0
    assert report.checks == report.runs >= 11  # every restart was checked
    assert report.events > 100 and report.acked_events > 0
    assert report.kills_open_interaction > 0  # the kills did land with someone being served


def test_ack_prints_one_line_per_committed_line_with_its_event_ids(tmp_path):
    lines = scripted_day(date(2026, 11, 30), 3, load_scripts(), interactions=3)
    source = tmp_path / "day.jsonl"
    source.write_text(to_jsonl(lines), encoding="utf-8")
    db = tmp_path / "acked.db"
    result = run("replay", str(source), "--ack", db=db)
    assert result.returncode == 0, result.stderr
    acks = [json.loads(x) for x in result.stdout.splitlines()]
    assert [a["line"] for a in acks] == list(range(1, len(lines) + 1))
    ids = [i for a in acks for i in a["events"]]
    assert ids == list(range(1, len(ids) + 1))  # every event acknowledged once, in order
    assert all(a["events"] == [] for a in acks if not a["ok"])
    compound = [
        a
        for a, line in zip(acks, lines, strict=True)
        if line["cmd"] == "interaction_end" and "outcome" in line and a["ok"]
    ]
    with EventStore.open(db) as store:
        kinds = {e.id: e.kind for e in store.events()}
    # matter + interaction_end in one commit, and the overtime record when that ends a stretch of overtime
    assert compound and all(
        [kinds[i] for i in a["events"]]
        in (["matter", "interaction_end"], ["matter", "interaction_end", "overtime"])
        for a in compound
    )
    assert f"{len(ids)} 条事件" in run("verify-log", db=db).stdout
