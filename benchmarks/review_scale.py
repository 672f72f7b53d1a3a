#!/usr/bin/env python3
"""The review at hall scale: ~1,000,000 interactions (40 windows × 250 working days), then the figures.

    .venv/bin/python benchmarks/review_scale.py                 # full size (first run builds ~10M events)
    .venv/bin/python benchmarks/review_scale.py --scale 0.05    # quick check
    .venv/bin/python benchmarks/review_scale.py --rebuild       # ignore the cached database

Figures (goals from issue 6): opening one month in the review (≤ 200 ms) measured as the window does it —
``build_report`` (lazy tables), every table's row count, the chart series and the first screen of the first tab;
each other table's first screen as its tab is clicked; the window itself offscreen — an xlsx export of 100,000 rows (≤ 15 s, steady memory; measured in a child process), appending
events one commit each through ``EventStore.append`` with WAL + synchronous=FULL (≥ 500/s), and
``EventStore.open`` on the big file, and ``Desk(...)`` on it (the first one after the upgrade replays the whole
log once and leaves a state snapshot; later ones replay only the events after the newest snapshot).

The bulk loader
---------------
Recording a year through the Desk (as ``assistant/cli/demo.py`` does) costs ~70 µs per event, so ten million
events would take the better part of an hour. The loader below bypasses the rules, on purpose and only here:

* It plays the same day as ``demo._window_day`` (sign in, the checklist item by item, submit, people served
  迎→问→听→办→送 with matters and phrases, pauses, waiting counts, overtime, close requests, sign out), window
  after window as the demo does, and writes each event with the payload keys and values the rules would
  record (the same ``shift`` helpers compute openings, deadlines and lateness). ``--check-shapes`` records a
  few days through the real Desk and fails if the loader writes a (kind, payload keys) pair the rules never
  produce.
* Rows are hashed with the store's own :func:`assistant.store.event_log.event_hash` over :func:`canonical_json`, so the
  chain is the one ``append`` would write; ``EventStore.verify()`` is run on the result before it is cached.
* Speed: the schema comes from ``EventStore.open`` (all migrations), then the events' indexes are dropped,
  rows go in with ``executemany`` in large transactions (journal off, synchronous off) and the indexes are
  re-created with the same SQL; the file is switched back to WAL at the end.
* Personal data goes to ``persons`` as the Desk does (a phone for ~20 % of the people served).
* The query-side projections (store migration 3) are not written by the loader: the first
  ``EventStore.open`` finds them behind the log and builds them from the events, as it does for a database
  migrated from version 2 (the "first open" figure includes that).

The database is cached under ``$TMPDIR/window-assistant-bench/`` by its parameters (scale, seed, loader
version); the runs append a few thousand events to it (timestamps after its last day), which keeps the chain
valid and does not touch the month that is measured. ``--scale`` scales the number of working days (at least
23, so a whole month exists; the 40 windows stay), so a quick run still opens a full-size month.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.cli.demo import MATTERS, WINDOW_NAMES
from assistant.config.schema import Scripts
from assistant.config.scripts import load_scripts
from assistant.domain import shift
from assistant.store.event_log import GENESIS_HASH, EventStore, canonical_json, event_hash

LOADER_VERSION = 2
CST = timezone(timedelta(hours=8))
END = date(2026, 11, 20)  # the last day of the data (a Friday)
WINDOWS = 40
WORKING_DAYS = 250
CACHE = Path(tempfile.gettempdir()) / "window-assistant-bench"


# ─── the bulk loader ──────────────────────────────────────────────────────────────────────────────


def _stamp(day: date, seconds: int) -> str:
    """The stored spelling of a time (format_at) for `seconds` after local midnight of `day`."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}.000000+08:00"


def _iso(day: date, seconds: int) -> str:
    """shift.iso spelling (seconds precision) of a local time."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}+08:00"


def _secs(t) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def working_days(scripts: Scripts, count: int, end: date = END) -> list[date]:
    days: list[date] = []
    day = end
    while len(days) < count:
        if scripts.hours.periods_on(day, None):
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


class Loader:
    """Generates the events of the hall, in the order the demo records them (window after window per day)."""

    def __init__(self, scripts: Scripts, seed: int) -> None:
        self.scripts = scripts
        self.rnd = random.Random(seed)
        self.items = list(scripts.checklist.items)
        self.steps = [s.id for s in scripts.flow.steps]
        self.referrals = [e.id for e in scripts.directory.entries]
        self.phrases = list(scripts.phrases)
        self.lead = scripts.hours.thresholds.checklist_lead_minutes
        self.fast_limit = scripts.hours.thresholds.fast_run_seconds
        self.interaction = 0
        self.persons: list[tuple[str, str]] = []  # (added_at, phone) not yet written to persons
        self.person_total = 0  # persons.id is its rowid: 1, 2, … in insertion order

    def day(self, day: date, windows: int) -> Iterator[tuple[str, str, dict]]:
        due = self.scripts.hours.add_working_days(day, 3).isoformat()
        for w in range(windows):
            window = WINDOW_NAMES[w % len(WINDOW_NAMES)].format(w // len(WINDOW_NAMES) + 1)
            periods = self.scripts.hours.periods_on(day, window)
            if periods:
                yield from self._window_day(day, periods, window, f"D{w + 1:03d}", due)

    def _window_day(self, day: date, periods, window: str, clerk: str, due: str):
        rnd, hours = self.rnd, self.scripts.hours
        first = _secs(periods[0].start)
        now = first - 60 * rnd.choice((25, 20, 15, 12, 8, 4, -3))
        moment = datetime.combine(day, datetime.min.time(), CST) + timedelta(seconds=now)
        timing = shift.timing(moment, shift.shift_opening(hours, moment, window), self.lead)
        role = "咨询引导人员" if window.startswith("综合") and rnd.random() < 0.3 else "窗口人员"
        opening = shift.iso(timing.opening) if timing.opening else None
        yield (
            _stamp(day, now),
            "sign_in",
            {
                "clerk": clerk,
                "role": role,
                "window": window,
                "opening": opening,
                "late": timing.late,
                "late_minutes": timing.late_minutes,
            },
        )
        if timing.late:
            yield (
                _stamp(day, now),
                "late_arrival",
                {
                    "clerk": clerk,
                    "window": window,
                    "opening": opening,
                    "deadline": shift.iso(timing.deadline),
                    "late_minutes": timing.late_minutes,
                },
            )
        fast = rnd.random() < 0.1
        failed: list[str] = []
        notes: dict[str, str] = {}
        first_tick = None
        for item in self.items:
            now += rnd.randint(1, 2) if fast else rnd.randint(8, 40)
            first_tick = now if first_tick is None else first_tick
            ok = fast or rnd.random() > 0.03
            note = "" if ok else "无法正常使用，已报修"
            if not ok:
                failed.append(item.id)
                notes[item.id] = note
            yield _stamp(day, now), "checklist_item", {"item": item.id, "ok": ok, "note": note}
        now += 5
        moment = datetime.combine(day, datetime.min.time(), CST) + timedelta(seconds=now)
        sub = shift.timing(moment, timing.opening, self.lead)
        seconds = float(now - first_tick)
        yield (
            _stamp(day, now),
            "checklist_submit",
            {
                "clerk": clerk,
                "items": len(self.items),
                "failed": failed,
                "notes": notes,
                "implicit": [],
                "opening": opening,
                "deadline": shift.iso(sub.deadline) if sub.deadline else None,
                "late": sub.late,
                "late_minutes": sub.late_minutes,
                "seconds": round(seconds, 1),
                "fast": shift.is_fast(not failed, seconds, self.fast_limit),
            },
        )
        by_id = {i.id: i for i in self.items}
        for i in failed:
            yield (
                _stamp(day, now),
                "equipment_fault",
                {
                    "item": i,
                    "section": by_id[i].section,
                    "text": by_id[i].text,
                    "note": notes[i],
                    "status": "待修复",
                    "clerk": clerk,
                    "window": window,
                },
            )
        steps = self.steps
        for p_index, period in enumerate(periods):
            opening_s, closing_s = _secs(period.start), _secs(period.end)
            if now < opening_s:
                now = opening_s + rnd.randint(0, 120)
            served = waiting = 0  # interactions open at / after closing; people waiting at closing
            while now < closing_s - 240:
                if rnd.random() < 0.01:
                    reason = rnd.choice(self.scripts.flow.pause_reasons)
                    yield _stamp(day, now), "pause", {"reason": reason}
                    now += 60 * rnd.randint(5, 25)
                    yield _stamp(day, now), "resume", {"reason": reason}
                self.interaction += 1
                number = self.interaction
                start: dict = {"interaction": number, "step": steps[0]}
                if rnd.random() < 0.2:
                    self.persons.append(
                        (_stamp(day, now), f"13{rnd.randint(0, 9)}{rnd.randint(10000000, 99999999)}")
                    )
                    self.person_total += 1
                    start["person_id"] = self.person_total
                yield _stamp(day, now), "interaction_start", start
                for step in steps[1:]:
                    now += rnd.randint(10, 60)
                    yield _stamp(day, now), "step", {"interaction": number, "step": step}
                    if rnd.random() < 0.3:
                        yield (
                            _stamp(day, now),
                            "phrase_used",
                            {
                                "phrase": rnd.choice(self.phrases),
                                "mode": rnd.choice(("insert", "copy", "speak")),
                                "interaction": number,
                                "step": step,
                            },
                        )
                    if step == "ting":
                        r = rnd.random()
                        matter: dict = {
                            "interaction": number,
                            "title": rnd.choice(MATTERS),
                            "outcome": "办结",
                        }
                        if r < 0.08 and self.referrals:
                            matter.update(outcome="转办", referral=rnd.choice(self.referrals))
                        elif r < 0.12:
                            matter.update(outcome="退回", faults=["材料不全"])
                        elif r < 0.14:
                            matter.update(outcome="待答复", due=due)
                        yield _stamp(day, now), "matter", matter
                now += rnd.randint(10, 40)
                yield _stamp(day, now), "interaction_end", {"interaction": number}
                served += now > closing_s
                now += rnd.randint(5, 120)
            last = p_index == len(periods) - 1
            if last and rnd.random() < 0.25:  # people still waiting at closing time: overtime (rule 28)
                waiting = rnd.randint(1, 3)
                yield _stamp(day, now), "waiting_set", {"count": waiting}
                now = max(now, closing_s) + rnd.randint(0, 30)
                for _ in range(rnd.randint(1, 3)):
                    self.interaction += 1
                    yield (
                        _stamp(day, now),
                        "interaction_start",
                        {"interaction": self.interaction, "step": steps[0]},
                    )
                    now += 60 * rnd.randint(3, 9)
                    yield _stamp(day, now), "interaction_end", {"interaction": self.interaction}
                    served += 1
                yield _stamp(day, now), "waiting_set", {"count": 0}
            elif rnd.random() < 0.5:
                yield _stamp(day, now), "waiting_set", {"count": 0}
            now = max(now, closing_s) + rnd.randint(0, 60)
            if served or waiting:
                yield (
                    _stamp(day, now),
                    "overtime",
                    {
                        "start": _iso(day, closing_s),
                        "end": _iso(day, now),
                        "served": served,
                        "clerk": clerk,
                        "window": window,
                    },
                )
            yield _stamp(day, now), "close_request", {"closing": _iso(day, closing_s)}
        now += 120
        yield _stamp(day, now), "sign_out", {"clerk": clerk}


def build(path: Path, scripts: Scripts, days: list[date], windows: int, seed: int) -> dict:
    """Write the database at path (must not exist); returns facts about it."""
    started = time.perf_counter()
    EventStore.open(path).close()  # the schema, exactly as the app creates it (all migrations)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    loader = Loader(scripts, seed)
    prev, last_id, batch = GENESIS_HASH, 0, []

    def add(at: str, kind: str, payload: dict) -> None:
        nonlocal prev, last_id
        last_id += 1
        text = canonical_json(payload)
        digest = event_hash(prev, last_id, at, kind, text)
        batch.append((last_id, at, kind, text, prev, digest))
        prev = digest

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (id, at, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)", batch
        )
        conn.executemany("INSERT INTO persons (added_at, phone) VALUES (?, ?)", loader.persons)
        conn.execute("COMMIT")
        batch.clear()
        loader.persons.clear()

    # the first event marks the file as demo data, as assistant/cli/demo.py does
    add(_stamp(days[0] - timedelta(days=1), 8 * 3600), "demo_data", {"days": len(days), "windows": windows})
    for n, day in enumerate(days, 1):
        for at, kind, payload in loader.day(day, windows):
            add(at, kind, payload)
        if len(batch) >= 200_000:
            flush()
        if n % 25 == 0:
            print(
                f"  … {n}/{len(days)} days, {last_id:,} events, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    flush()
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("ANALYZE")
    conn.close()
    interactions = loader.interaction
    return {"events": last_id, "interactions": interactions, "seconds": time.perf_counter() - started}


def check_shapes(scripts: Scripts) -> None:
    """Fail if the loader writes a (kind, payload keys) pair that the rules (through the Desk) never write."""
    from assistant.cli.demo import fill_demo

    with tempfile.TemporaryDirectory() as tmp:
        store = EventStore.open(Path(tmp) / "demo.db")
        fill_demo(store, scripts, days=8, windows=8, end=END)
        real = {(e.kind, tuple(sorted(e.payload))) for e in store.events()}
        store.close()
    loader = Loader(scripts, 1)
    ours = {(k, tuple(sorted(p))) for d in working_days(scripts, 8) for _, k, p in loader.day(d, 8)}
    unknown = ours - real
    if unknown:
        raise SystemExit(f"bulk loader writes shapes the rules never produce: {sorted(unknown)}")
    print(
        f"shapes: {len(ours)} (kind, keys) pairs, all produced by the rules too "
        f"({len(real - ours)} rule shapes not generated: {sorted(k for k, _ in real - ours)})"
    )


def database(scale: float, seed: int, rebuild: bool, scripts: Scripts) -> tuple[Path, dict]:
    days = working_days(scripts, max(23, round(WORKING_DAYS * scale)))
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"review-scale{scale:g}-seed{seed}-loader{LOADER_VERSION}.db"
    facts_path = path.with_suffix(".json")
    if rebuild:
        for p in (path, facts_path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    if path.exists() and facts_path.exists():
        return path, {**json.loads(facts_path.read_text()), "cached": True}
    tmp = path.with_name(path.name + ".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    print(
        f"building {path.name}: {WINDOWS} windows × {len(days)} working days ({days[0]} … {days[-1]}) …",
        flush=True,
    )
    facts = build(tmp, scripts, days, WINDOWS, seed)
    started = time.perf_counter()
    with EventStore.open(tmp) as store:
        report = store.verify()
    facts["verify_seconds"] = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"verify() failed on the bulk database: {report.problems[:3]}")
    facts.update(first_day=days[0].isoformat(), last_day=days[-1].isoformat(), verified_events=report.count)
    os.replace(tmp, path)
    facts_path.write_text(json.dumps(facts))
    return path, {**facts, "cached": False}


# ─── the figures ──────────────────────────────────────────────────────────────────────────────────

EXPORT_CHILD = r"""
import json, resource, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from assistant.edges.clock import FixedClock
from assistant.desk import Desk
from assistant.reports.exporting import export
from assistant.reports import ReportFilter, build_report
from assistant.scripts import load_scripts
from assistant.store.event_log import EventStore

db, out, start, end, rows, now = sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7]
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024
scripts = load_scripts()
store = EventStore.open(Path(db))
flt = ReportFilter(date.fromisoformat(start), date.fromisoformat(end))
t0 = time.perf_counter()
report = build_report(store, scripts, flt, ["interactions"])
t1 = time.perf_counter()
table = report.tables["interactions"]
got = len(table)   # a lazy table: the export streams its rows page by page (the range holds >= `rows` of them)
from datetime import datetime
# The app's desk exists before the lead exports; building one replays the whole log, timed apart.
# The first Desk after the upgrade may replay from the first event (and leaves a snapshot); the next one starts
# from that snapshot. Both are timed apart from the export.
t2 = time.perf_counter()
desk = Desk(store, scripts, FixedClock(datetime.fromisoformat(now)))
desk_first = time.perf_counter() - t2
t2 = time.perf_counter()
desk = Desk(store, scripts, FixedClock(datetime.fromisoformat(now)))
t3 = time.perf_counter()
result = export(desk, flt, "xlsx", out, report=report)
t4 = time.perf_counter()
import tracemalloc
from assistant.reports.exporting import write_xlsx
tracemalloc.start()
write_xlsx(report, out.with_name("again.xlsx"), True, datetime.fromisoformat(now))
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"report_s": t1 - t0, "write_s": t4 - t3, "desk_s": t3 - t2, "desk_first_s": desk_first,
                  "rows": result.rows,
                  "available": got, "write_peak_kib": peak // 1024,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "bytes": out.stat().st_size}))
"""


def export_range(path: Path, first_day: date, rows: int) -> tuple[date, date]:
    """The shortest range from first_day holding at least `rows` interactions (whole days: all are exported)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counts = conn.execute(
        "SELECT substr(at, 1, 10) AS d, COUNT(*) FROM events WHERE kind = 'interaction_start' GROUP BY d ORDER BY d"
    ).fetchall()
    conn.close()
    total = 0
    for day, n in counts:
        total += n
        if total >= rows:
            return first_day, date.fromisoformat(day)
    return first_day, date.fromisoformat(counts[-1][0])


def measure_export(path: Path, first_day: date, last_day: date, rows: int) -> dict:
    start, end = export_range(path, first_day, rows)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "review.xlsx"
        now = datetime.combine(last_day + timedelta(days=3), datetime.min.time(), CST).replace(hour=18)
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                EXPORT_CHILD,
                str(ROOT),
                str(path),
                str(out),
                start.isoformat(),
                end.isoformat(),
                str(rows),
                now.isoformat(),
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            raise SystemExit(proc.stderr)
        return {**json.loads(proc.stdout), "range": f"{start} … {end}"}


def measure_appends(path: Path, last_day: date, count: int) -> float:
    store = EventStore.open(path)
    mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = store.conn.execute("PRAGMA synchronous").fetchone()[0]
    assert (mode, sync) == ("wal", 2), (mode, sync)  # WAL + FULL, as the app runs
    at = datetime.combine(last_day + timedelta(days=3), datetime.min.time(), CST).replace(hour=9)
    started = time.perf_counter()
    for i in range(count):
        store.append([("phrase_used", {"phrase": "flow.slow", "mode": "copy"})], at + timedelta(seconds=i))
    elapsed = time.perf_counter() - started
    store.close()
    return count / elapsed


def measure_open(path: Path, runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        store = EventStore.open(path)
        times.append(time.perf_counter() - started)
        store.close()
    return times


def measure_month(path: Path, scripts: Scripts, month: date) -> dict:
    """Opening a month the way the window does: build_report (lazy tables, chart series by SQL, filter lists,
    chain head), every table's row count (the tab titles) and the first screen (one page) of the first tab; then
    each other table's first screen as the lead clicks its tab; and, for comparison, building every row."""
    from assistant.reports.build import build_report
    from assistant.reports.model import PAGE, ReportFilter

    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    flt = ReportFilter(month, nxt - timedelta(days=1))
    store = EventStore.open(path)

    def open_once() -> tuple[float, dict]:
        started = time.perf_counter()
        report = build_report(store, scripts, flt)
        counts = {k: len(t) for k, t in report.tables.items()}
        report.tables[next(iter(report.tables))].page(0, PAGE)
        return time.perf_counter() - started, counts

    cold, sizes = open_once()
    warm = [open_once()[0] for _ in range(5)]
    tabs: dict[str, list[float]] = {}
    for _ in range(3):
        report = build_report(store, scripts, flt)
        for key, table in report.tables.items():
            started = time.perf_counter()
            table.page(0, PAGE)
            tabs.setdefault(key, []).append(time.perf_counter() - started)
    started = time.perf_counter()
    report = build_report(store, scripts, flt)
    for table in report.tables.values():
        table.rows  # noqa: B018 — every row built, as the review did before it read pages
    every_row = time.perf_counter() - started
    store.close()
    return {
        "cold": cold,
        "warm": warm,
        "sizes": sizes,
        "tabs": {k: min(v) for k, v in tabs.items()},
        "every_row": every_row,
    }


WINDOW_CHILD = r"""
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from datetime import date, datetime
from pathlib import Path
from PySide6.QtWidgets import QApplication
from assistant.edges.clock import FixedClock
from assistant.desk import Desk
from assistant.scripts import load_scripts
from assistant.store.event_log import EventStore
from ui.review.window import ReviewWindow

app = QApplication(["bench"])
store = EventStore.open(Path(sys.argv[2]))
today = date.fromisoformat(sys.argv[3])
desk = Desk(store, load_scripts(), FixedClock(datetime.fromisoformat(sys.argv[4])))
window = ReviewWindow(desk, today=today)   # opens on 今天
window.show()
app.processEvents()
started = time.perf_counter()
window.preset.setCurrentIndex(2)           # 本月: the lead opens the month
app.processEvents()
first = time.perf_counter() - started
again = []
for _ in range(3):
    started = time.perf_counter()
    window.refresh()                       # 刷新
    app.processEvents()
    again.append(time.perf_counter() - started)
tabs = {}
for i in range(window.tabs.count()):
    started = time.perf_counter()
    window.tabs.setCurrentIndex(i)         # the lead clicks a tab: its first screen
    app.processEvents()
    tabs[window.tabs.tabText(i)] = time.perf_counter() - started
print(json.dumps({"first": first, "again": again, "tabs": tabs}, ensure_ascii=False))
"""


def measure_window(path: Path, month: date) -> dict:
    """The review window itself (offscreen Qt, in a child process): switching it to a month, refreshing, and
    clicking each tab, each until Qt has processed its events (the first screen painted)."""
    end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    now = datetime.combine(end, datetime.min.time(), CST).replace(hour=18)
    proc = subprocess.run(
        [sys.executable, "-c", WINDOW_CHILD, str(ROOT), str(path), end.isoformat(), now.isoformat()],
        check=False,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the 250 working days (≥ 23 days)"
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--check-shapes", action="store_true", help="compare event shapes with the Desk's")
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=2000)
    args = parser.parse_args()
    scripts = load_scripts()
    if args.check_shapes:
        check_shapes(scripts)
    path, facts = database(args.scale, args.seed, args.rebuild, scripts)
    first_day, last_day = date.fromisoformat(facts["first_day"]), date.fromisoformat(facts["last_day"])
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    print(f"database: {path} ({'cached' if facts['cached'] else 'built now'})")
    print(
        f"  {facts['events']:,} events, {facts['interactions']:,} interactions, {first_day} … {last_day}, "
        f"{size / 2**20:,.0f} MiB; build {facts['seconds']:.0f} s, verify() {facts['verify_seconds']:.0f} s"
    )
    opens = measure_open(path)
    print(
        f"EventStore.open: first {opens[0] * 1000:.0f} ms (incl. any migration), "
        f"then {min(opens[1:]) * 1000:.1f} ms best / {max(opens[1:]) * 1000:.1f} ms worst"
    )
    middle = first_day + (last_day - first_day) / 2
    month = middle.replace(day=1)
    m = measure_month(path, scripts, month)
    sizes = m["sizes"]
    print(
        f"review, month {month:%Y-%m} ({sum(sizes.values()):,} rows: "
        f"{', '.join(f'{k} {v:,}' for k, v in sizes.items() if v)})"
    )
    print(
        f"  open (build_report + every count + charts + first screen of the first tab): cold {m['cold'] * 1000:.0f} ms, "
        f"warm {min(m['warm']) * 1000:.0f}–{max(m['warm']) * 1000:.0f} ms  goal ≤ 200 ms"
    )
    slowest = max(m["tabs"], key=m["tabs"].get)
    print(
        f"  first screen of each table as its tab is clicked: {', '.join(f'{k} {v * 1000:.0f}' for k, v in m['tabs'].items())} ms"
        f" (slowest {slowest}; all {sum(m['tabs'].values()) * 1000:.0f} ms together)"
    )
    print(f"  for comparison, every row of every table built: {m['every_row'] * 1000:.0f} ms")
    w = measure_window(path, month)
    print(
        f"  the window (offscreen Qt): 本月 selected {w['first'] * 1000:.0f} ms, 刷新 "
        f"{min(w['again']) * 1000:.0f}–{max(w['again']) * 1000:.0f} ms; tabs clicked: "
        + ", ".join(f"{k} {v * 1000:.0f}" for k, v in w["tabs"].items())
        + " ms"
    )
    rows = min(args.export_rows, facts["interactions"])
    ex = measure_export(path, first_day, last_day, rows)
    print(
        f"xlsx export of {ex['rows']:,} rows ({ex['range']}): report {ex['report_s']:.1f} s + write "
        f"{ex['write_s']:.1f} s = {ex['report_s'] + ex['write_s']:.1f} s  goal ≤ 15 s; "
        f"writer's peak (tracemalloc) {ex['write_peak_kib'] / 1024:.1f} MiB; process max RSS "
        f"{ex['maxrss_kib'] / 1024:.0f} MiB; file {ex['bytes'] / 2**20:.1f} MiB; "
        f"(Desk() on this log, not timed above: first {ex['desk_first_s']:.1f} s, then {ex['desk_s']:.2f} s)"
    )
    rate = measure_appends(path, last_day, args.appends)
    print(f"appends, one commit each (WAL + FULL): {rate:,.0f} events/s over {args.appends:,}  goal ≥ 500/s")
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


if __name__ == "__main__":
    main()
