#!/usr/bin/env python3
"""Crash harness: a long scripted day through `main.py replay --ack`, SIGKILLed at random moments.

    .venv/bin/python benchmarks/crash_harness.py [--kills 100] [--seed 8] [--days 2] [--keep DIR]

Prints "100 kills, N events, 0 lost" and the details. What it does:

1. Generates working days as replay lines (issue 5's format: JSONL, `cmd`, local ISO `at`, the command's fields
   at top level): sign-in, the checklist item by item (some faults with notes), many interactions walking
   迎问接听递送 with phrases and matters of every outcome, `interaction_end {outcome}` lines (two commands in
   one line), waiting counts going up and down, pauses, a refused early close, the lunch close, and closing
   time with someone still being served and people waiting (overtime), then sign-out.
2. Computes the reference: the same lines through the same Desk in this process (`Desk.execute_all`, the
   same call `replay` makes), giving for every line the events it records (id, time, kind, payload, hashes:
   everything is deterministic, since the time of each line is in the line) and the state after it.
3. Runs `main.py --db DB replay FILE --ack` in a child process. The child prints one JSON line per input
   line, after that line's events are committed (COMMIT returned; WAL with synchronous=FULL), with the
   event ids. The parent reads acks, and at a random moment (after a random number of acks plus a random
   delay of up to a few milliseconds, or a random delay after the start: during imports, opening,
   migration) sends SIGKILL. Acks already written to the pipe before the kill still count.
4. After each kill it opens the database as the next start would and checks: PRAGMA integrity_check is
   ok; the store moved nothing aside; `verify()` passes; every acknowledged event is there with exactly the
   reference's id and content; the events equal the reference's first k events; and the state rebuilt from
   the events (rules.replay, what Desk does on start) equals the reference state after the lines committed —
   an interaction that was open is open again at its step, with its matters; a pause is still on.
5. Restarts from the next line not yet in the database. The first unacknowledged line may have committed
   without its ack being printed (killed between COMMIT and print). It must not run twice, so before
   re-sending the parent compares the event log with the reference: k events = all lines before it →
   re-send it; k = those plus exactly its own events → it committed, skip it (counted as "committed but
   unacknowledged"); anything else (fewer events than acknowledged, a part of a line, extra events) is a
   failure. A line is all or nothing because Desk.execute_all records its commands in one transaction.
   A refused line records nothing, so re-sending it is harmless (it is refused again).

Not covered: a real power cut (SIGKILL leaves the OS page cache intact); SQLite's synchronous=FULL in
WAL mode is what makes a commit survive one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.cli.commands import _read_replay, _replay_steps
from assistant.config.schema import Scripts
from assistant.config.scripts import load_scripts
from assistant.desk import Desk
from assistant.domain import shift
from assistant.domain.rules import OUTCOMES, State, replay
from assistant.edges.clock import FixedClock
from assistant.store.event_log import Event, EventStore

STEP_NAMES = ("问", "接", "听", "递", "送")
CHILD_TIMEOUT_SECONDS = 120
TITLES = ("社保卡补办", "公积金提取", "不动产登记", "营业执照变更", "医保备案", "户籍证明")


# ─── the scripted day ──────────────────────────────────────────────────────────────────────────────


class DayWriter:
    """Replay lines of one working day, time moving forward only."""

    def __init__(self, day: date, rng: random.Random, scripts: Scripts, clerk: str, window: str) -> None:
        self.rng, self.scripts, self.clerk, self.window = rng, scripts, clerk, window
        self.day = day
        self.t = datetime.combine(day, clock_time(8, 38))
        self.lines: list[dict[str, Any]] = []
        self.waiting = 0

    def at(self, hour: int, minute: int) -> datetime:
        return datetime.combine(self.day, clock_time(hour, minute))

    def add(self, cmd: str, seconds: float = 0, **fields: Any) -> None:
        self.t += timedelta(seconds=seconds)
        self.lines.append({"at": self.t.isoformat(timespec="seconds"), "cmd": cmd, **fields})

    def wait_to(self, moment: datetime) -> None:
        self.t = max(self.t, moment)

    def waiting_set(self, count: int, seconds: float = 5) -> None:
        self.waiting = max(0, count)
        self.add("waiting_set", seconds, count=self.waiting)

    def matter(self) -> dict[str, Any]:
        rng = self.rng
        outcome = rng.choices(OUTCOMES, weights=(6, 2, 1, 1, 1))[0]
        fields: dict[str, Any] = {"title": rng.choice(TITLES), "outcome": outcome}
        if outcome == "退回":
            fields["faults"] = rng.sample(["未填", "未签章", "缺少报表", "资料不全"], rng.randint(1, 2))
        elif outcome == "转办":
            fields["referral"] = rng.choice(self.scripts.directory.entries).id
        elif outcome == "无法办理":
            fields["reason"] = "不属于本窗口受理范围"
        elif outcome == "待答复":
            fields["due"] = (self.day + timedelta(days=rng.randint(1, 5))).isoformat()
        return fields

    def interaction(self) -> None:
        rng = self.rng
        self.add("interaction_start", rng.randint(20, 120))
        if self.waiting and rng.random() < 0.7:
            self.waiting_set(self.waiting - 1, 2)
        self.add("phrase_used", 3, phrase=rng.choice(self.scripts.flow.step("ying").phrases), mode="copy")
        for name in STEP_NAMES:
            self.add("step", rng.randint(10, 90), name=name)
            step = next(s for s in self.scripts.flow.steps if s.name == name)
            if step.phrases and rng.random() < 0.6:
                self.add(
                    "phrase_used",
                    rng.randint(2, 20),
                    phrase=rng.choice(step.phrases),
                    mode=rng.choice(("copy", "insert")),
                )
            if name in ("接", "听") and rng.random() < 0.5:
                self.add("matter", rng.randint(20, 120), **self.matter())
            if rng.random() < 0.15:
                self.waiting_set(self.waiting + rng.randint(1, 2))
        if rng.random() < 0.5:  # one line, two commands (matter + interaction_end): all or nothing
            self.add("interaction_end", rng.randint(5, 30), **self.matter())
        else:
            self.add("interaction_end", rng.randint(5, 30))

    def pause(self) -> None:
        self.add("pause", self.rng.randint(10, 60), reason=self.rng.choice(self.scripts.flow.pause_reasons))
        self.add("resume", self.rng.randint(120, 900))

    def period(self, end: datetime, interactions: int) -> None:
        """Serve until shortly before `end`; every few people a pause or a refused early close."""
        for _ in range(interactions):
            if self.t >= end - timedelta(minutes=12):
                break
            roll = self.rng.random()
            if roll < 0.08:
                self.pause()
            elif roll < 0.12:
                self.add("close_request", 30)  # refused: before closing time (rule 8)
            elif roll < 0.2:
                self.waiting_set(self.waiting + self.rng.randint(1, 3), 20)
            self.interaction()

    def write(self, interactions: int) -> list[dict[str, Any]]:
        rng = self.rng
        self.add("sign_in", 0, clerk=self.clerk, window=self.window, role="窗口人员")
        for item in self.scripts.checklist.items:
            if rng.random() < 0.1:
                self.add("checklist_item", rng.randint(5, 20), item=item.id, ok=False, note="需要报修")
            else:
                self.add("checklist_item", rng.randint(5, 20), item=item.id, ok=True)
        self.add("checklist_submit", 30, failed=[], notes={})
        self.waiting_set(rng.randint(0, 3), 60)
        self.wait_to(self.at(9, 0))
        self.period(self.at(12, 0), interactions)
        self.waiting_set(0)
        self.wait_to(self.at(12, 0))
        self.add("close_request", 0)  # the morning closes on time with nobody left
        self.wait_to(self.at(12, 40))
        self.pause()  # a pause over lunch, resumed before opening
        self.wait_to(self.at(13, 0))
        self.period(self.at(17, 0), interactions)
        # closing time with someone being served and two waiting: overtime (rule 28)
        self.wait_to(self.at(16, 52))
        self.waiting_set(2)
        self.add("interaction_start", 30)
        self.add("step", 60, name="问")
        self.wait_to(self.at(17, 0))
        self.add("close_request", 0)  # refused: interaction_open
        self.add("step", 60, name="接")
        self.add("interaction_end", 180, title="社保卡补办", outcome="办结")
        self.add("close_request", 10)  # refused: people_waiting
        for _ in range(2):
            self.waiting_set(self.waiting - 1)
            self.interaction()
        self.add("close_request", 20)  # accepted: the overtime record is written
        self.add("sign_out", 30)
        return self.lines


def working_days(scripts: Scripts, start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if scripts.hours.periods_on(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def scripted_day(day: date, seed: int, scripts: Scripts, interactions: int = 60) -> list[dict[str, Any]]:
    """One working day as replay lines (the same seed gives the same day)."""
    rng = random.Random(f"{seed}-{day}")
    return DayWriter(day, rng, scripts, clerk="A0123", window="社保3号窗口").write(interactions)


def to_jsonl(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


# ─── the reference: the same lines through the same Desk, in this process ─────────────────────────


class Reference:
    """For every line: the events it records and the state after it (lines are deterministic)."""

    def __init__(self, path: Path, scripts: Scripts) -> None:
        self.scripts = scripts
        self.store = EventStore.open(path)
        self.clock = FixedClock(datetime.now().astimezone())
        self.desk = Desk(self.store, scripts, self.clock)
        self.lines: list[dict[str, Any]] = []
        self.events: list[tuple[Event, ...]] = []  # per line
        self.ok: list[bool] = []
        self.states: list[State] = []  # after each line
        self.before: list[int] = []  # events recorded before each line

    def extend(self, lines: list[dict[str, Any]]) -> None:
        parsed = list(_read_replay(io.StringIO(to_jsonl(lines)), "reference"))
        for line, (_, cmd, fields, at) in zip(lines, parsed, strict=True):
            self.clock.set(at)
            self.before.append(self.store.last_id())
            outcome = self.desk.execute_all(_replay_steps(cmd, fields, self.scripts))
            self.lines.append(line)
            self.events.append(outcome.events)
            self.ok.append(outcome.accepted)
            self.states.append(self.desk.state)

    def all_events(self, upto: int) -> list[Event]:
        return [e for events in self.events[:upto] for e in events]

    def state_after(self, count: int) -> State:
        return self.states[count - 1] if count else State()

    def close(self) -> None:
        self.store.close()


# ─── the harness ──────────────────────────────────────────────────────────────────────────────────


@dataclass
class Report:
    kills: int = 0
    runs: int = 0
    lines: int = 0
    events: int = 0
    acked_events: int = 0
    lost: int = 0
    duplicated: int = 0
    committed_unacked: int = 0
    kills_at_start: int = 0
    kills_open_interaction: int = 0
    kills_paused: int = 0
    kills_overtime: int = 0
    checks: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.kills} kills, {self.events} events, {self.lost} lost"


def child_command(db: Path, file: Path) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "--db", str(db), "replay", str(file), "--ack"]


def child_env(workdir: Path) -> dict[str, str]:
    return {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(workdir / "data"), "WA_NO_SPEECH": "1"}


def read_acks(stream, count: int | None) -> list[dict[str, Any]]:
    """Up to `count` acks (all until EOF when None); a line cut off by the kill is no ack."""
    acks = []
    while count is None or len(acks) < count:
        raw = stream.readline()
        if not raw:
            break
        if not raw.endswith(b"\n"):
            break
        acks.append(json.loads(raw))
    return acks


def check(db: Path, ref: Reference, acked_upto: int, acks: dict[int, list[int]], report: Report) -> int:
    """Check the database a killed child left; the index of the first line to (re-)send."""
    report.checks += 1
    with sqlite3.connect(
        db
    ) as raw:  # before our store opens it: exactly what the crash left (plus WAL replay)
        integrity = [r[0] for r in raw.execute("PRAGMA integrity_check")]
    raw.close()
    if integrity != ["ok"]:
        report.failures.append(f"integrity_check: {integrity[:3]}")
    store = EventStore.open(db)
    try:
        if store.notices:
            report.failures.append("store moved the file aside: " + " ".join(store.notices))
        verify = store.verify()
        if not verify.ok:
            report.failures.append("verify: " + "; ".join(verify.problems[:3]))
        events = list(store.events())
    finally:
        store.close()
    k = len(events)
    first = acked_upto
    expected_before = ref.before[first] if first < len(ref.before) else ref.before[-1] + len(ref.events[-1])
    own = ref.events[first] if first < len(ref.events) else ()
    if k == expected_before:
        resume = first
    elif own and k == expected_before + len(own):
        resume = first + 1
        report.committed_unacked += 1
    else:
        resume = first
        if k < expected_before:
            report.lost += expected_before - k
            report.failures.append(f"line {first}: {expected_before - k} acknowledged events missing (k={k})")
        else:
            report.duplicated += k - expected_before
            report.failures.append(
                f"line {first}: {k - expected_before} events beyond the acknowledged lines "
                f"that are not exactly its own {len(own)} (k={k})"
            )
    expected = ref.all_events(resume)
    for got, want in zip(events, expected, strict=False):
        if (got.id, got.at, got.kind, got.payload, got.prev_hash, got.hash) != (
            want.id,
            want.at,
            want.kind,
            want.payload,
            want.prev_hash,
            want.hash,
        ):
            report.failures.append(f"event #{got.id} differs from the reference: {got.kind} {got.payload}")
            break
    present = {e.id: e for e in events}
    for index, ids in acks.items():
        want_ids = [e.id for e in ref.events[index]]
        if ids != want_ids:
            report.failures.append(f"line {index}: acked events {ids}, the reference recorded {want_ids}")
        missing = [i for i in ids if i not in present]
        if missing:
            report.lost += len(missing)
            report.failures.append(f"line {index}: acknowledged events {missing} are not in the database")
    state = replay(events)
    want_state = ref.state_after(resume)
    if state != want_state:
        report.failures.append(f"state after restart differs at line {resume}: {state} != {want_state}")
    if want_state.interaction is not None:
        report.kills_open_interaction += 1
        got = state.interaction
        if got is None or (got.number, got.step, got.matters) != (
            want_state.interaction.number,
            want_state.interaction.step,
            want_state.interaction.matters,
        ):
            report.failures.append(f"open interaction not restored at line {resume}: {got}")
    if want_state.pause is not None:
        report.kills_paused += 1
    if resume:
        now = datetime.fromisoformat(ref.lines[resume - 1]["at"]).astimezone()
        status = shift.closing_status(want_state, now, ref.scripts.hours)
        report.kills_overtime += bool(status and status.overtime)
    return resume


def run_harness(
    workdir: Path, kills: int = 100, seed: int = 8, days: int = 2, interactions: int = 60, max_acks: int = 40
) -> Report:
    """Kill the replaying child `kills` times at random moments; check everything after each kill."""
    started = time.perf_counter()
    rng = random.Random(seed)
    scripts = load_scripts()
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "crash.db"
    ref = Reference(workdir / "reference.db", scripts)
    report = Report()
    calendar = working_days(scripts, date(2026, 11, 30), 400)
    day_index = 0
    try:
        for _ in range(days):
            ref.extend(scripted_day(calendar[day_index], seed, scripts, interactions))
            day_index += 1
        pos = 0
        while True:
            if pos >= len(ref.lines):
                if report.kills >= kills:
                    break
                ref.extend(scripted_day(calendar[day_index], seed, scripts, interactions))  # one more day
                day_index += 1
            run_file = workdir / f"run-{report.runs:04d}.jsonl"
            run_file.write_text(to_jsonl(ref.lines[pos:]), encoding="utf-8")
            report.runs += 1
            with (workdir / "child-stderr.txt").open("ab") as stderr:
                child = subprocess.Popen(
                    child_command(db, run_file), stdout=subprocess.PIPE, stderr=stderr, env=child_env(workdir)
                )
                watchdog = threading.Timer(CHILD_TIMEOUT_SECONDS, child.kill)  # a hung child fails, not hangs
                watchdog.start()
                killed = False
                acks: list[dict[str, Any]] = []
                try:
                    if report.kills < kills:
                        if rng.random() < 0.12:  # during start-up: imports, opening, WAL recovery, migration
                            time.sleep(rng.uniform(0.0, 0.35))
                            report.kills_at_start += 1
                        else:
                            acks = read_acks(child.stdout, rng.randint(0, max_acks))
                            time.sleep(rng.uniform(0.0, 0.004))
                        if child.poll() is None:
                            os.kill(child.pid, signal.SIGKILL)
                            killed = True
                    acks += read_acks(child.stdout, None)  # acks written before the kill still count
                finally:
                    child.stdout.close()
                    code = child.wait()
                    watchdog.cancel()
            if killed and code == -signal.SIGKILL:
                report.kills += 1
            elif code != 0:
                report.failures.append(f"run {report.runs}: the child exited with {code}")
            acked = {}
            for number, ack in enumerate(acks, start=1):
                if ack["line"] != number:
                    report.failures.append(f"run {report.runs}: ack for line {ack['line']} in place {number}")
                index = pos + ack["line"] - 1
                acked[index] = ack["events"]
                report.acked_events += len(ack["events"])
                if ack["ok"] != ref.ok[index]:
                    report.failures.append(
                        f"line {index}: ok={ack['ok']}, the reference says {ref.ok[index]}"
                    )
            pos = check(db, ref, pos + len(acks), acked, report)
            if report.failures:
                break
        report.lines = len(ref.lines)
        with EventStore.open(db) as store:
            report.events = store.last_id()
        if report.events != len(ref.all_events(len(ref.lines))) and not report.failures:
            report.failures.append(
                f"final: {report.events} events, the reference has {len(ref.all_events(len(ref.lines)))}"
            )
    finally:
        ref.close()
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--days", type=int, default=2, help="working days scripted up front (more are added)")
    parser.add_argument("--interactions", type=int, default=60, help="people per period, at most")
    parser.add_argument("--keep", type=Path, help="keep the databases and run files in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wa-crash-") as temp:
        workdir = args.keep or Path(temp)
        report = run_harness(workdir, args.kills, args.seed, args.days, args.interactions)
    print(report.summary())
    print(
        f"  {report.lines} replay lines over {report.runs} runs of `main.py replay --ack`, "
        f"{report.seconds:.1f} s; seed {args.seed}"
    )
    print(
        f"  acknowledged events checked: {report.acked_events}; duplicated: {report.duplicated}; "
        f"checks (integrity_check + verify + reference + state): {report.checks}"
    )
    print(
        f"  kills during start-up: {report.kills_at_start}; with an interaction open: "
        f"{report.kills_open_interaction}; while paused: {report.kills_paused}; in overtime: "
        f"{report.kills_overtime}"
    )
    print(f"  lines committed whose ack the kill cut off (not re-sent): {report.committed_unacked}")
    for failure in report.failures:
        print(f"  FAILED: {failure}")
    return 1 if report.failures or report.lost else 0


if __name__ == "__main__":
    sys.exit(main())
