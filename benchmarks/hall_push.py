#!/usr/bin/env python3
"""Pushing to the hall database: throughput (events/s) and lag under a simulated 40-window day.

    .venv/bin/python benchmarks/hall_push.py                      # throwaway cluster, 40 windows, day in ~60 s
    .venv/bin/python benchmarks/hall_push.py --speed 100          # slower replay (a day in ~6 min)
    .venv/bin/python benchmarks/hall_push.py --url postgresql://u@host/db   # an existing (empty) database

The day: each window's day is recorded through the real Desk and rules by ``assistant.cli.demo.fill_demo``
(one working day, one window, its own seed: sign in, checklist, people served 迎→问→听→办→送 with matters and
phrases, pauses, overtime, sign out), each window in its own SQLite file, as on the hall's terminals.

Figures:

1. catch-up throughput — every window's whole day already recorded, the hall empty (the server was down all
   day, or the terminals were installed offline): 40 terminals, enrolled and joined as in docs/hall-admin.md
   (each its own role, TLS verify-full, SCRAM), start pushing together through ``hall.push``; events/s until the
   hall holds everything; then a month (``--month`` working days, each window's day chained that many times) the
   same way, with the hall's size and ``hall status`` over it; then one terminal alone (the same day ×30 chained,
   pushed by one pusher).
2. live lag — the day replayed in real time compressed ``--speed`` times: each window's thread writes its
   events into its terminal's log at the moment they were recorded (same rows, same hashes; events recorded
   together in one transaction, as ``EventStore.append`` does) and wakes its pusher, as the Desk does.
   Lag = from the local commit to the hall's commit of that event; median, p95, p99, max.

The throwaway cluster runs with fsync on (durable, like a real hall server), TLS and SCRAM, on this machine's loopback; all
terminals and pushers run in this one Python process (threads sharing one GIL), which makes the lags an upper
bound for real terminals, each its own PC. Afterwards every chain is verified in the hall and the rejections
table must be empty.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.cli.demo import fill_demo  # noqa: E402
from assistant.config.scripts import load_scripts  # noqa: E402
from assistant.hall import config as hall_config
from assistant.hall import pusher as hall_pusher
from assistant.hall import reader as hall_reader
from assistant.hall import schema as hall_schema
from assistant.store import event_log  # noqa: E402
from assistant.store.event_log import EventStore, event_hash  # noqa: E402

DAY = date(2026, 11, 26)  # a Thursday


def record_day(folder: Path, windows: int) -> list[list[tuple]]:
    """Each window's day as the raw rows of its own log."""
    scripts = load_scripts()
    days = []
    for w in range(windows):
        with EventStore.open(folder / f"source-{w:02d}.db") as store:
            fill_demo(store, scripts, days=1, windows=1, end=DAY, seed=1000 + w)
            days.append(hall_pusher.local_rows(store.conn, 0, 10**9))
    return days


def write_rows(store: EventStore, rows: list[tuple]) -> None:
    conn = store.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO events (id, at, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)", rows
    )
    conn.execute("COMMIT")


def chained_copies(rows: list[tuple], times: int) -> list[tuple]:
    """The same day `times` over as one valid chain (ids and hashes recomputed)."""
    out, prev = [], event_log.GENESIS_HASH
    for n in range(times * len(rows)):
        _, at, kind, payload, _, _ = rows[n % len(rows)]
        digest = event_hash(prev, n + 1, at, kind, payload)
        out.append((n + 1, at, kind, payload, prev, digest))
        prev = digest
    return out


def fresh_database(url: str | None, cluster, name: str) -> str:
    if cluster is not None:
        return cluster.create_database(name)
    assert url is not None
    return url


def enrol_terminals(url: str, cluster, folder: Path, count: int, name: str) -> list[tuple[Path, object]]:
    """`count` terminals enrolled and joined as the administrator and the clerks do (TLS verify-full, SCRAM
    over TCP when the throwaway cluster is used): (database path, enrolment)."""
    from assistant.hall import admin as hall_admin

    host, port, sslmode = (
        "localhost",
        cluster.port if cluster else 5432,
        "verify-full" if cluster else "prefer",
    )
    ca = cluster.ca_file if cluster else None
    out = []
    with hall_config.connect(url) as conn:
        for w in range(count):
            code = hall_admin.enrol(conn, f"{name}窗口{w:02d}", host=host, port=port, sslmode=sslmode).code
            path = folder / f"{name}-{w:02d}.db"
            out.append((path, hall_admin.join(code, path, ca)))
    return out


def run_catch_up(
    url: str, cluster, folder: Path, days: list[list[tuple]], batch: int, name: str = "catchup"
) -> tuple[int, float]:
    """Every terminal's log already recorded, the hall empty: enrolled terminals push at once via hall.push."""
    with hall_config.connect(url) as conn:
        hall_schema.install_schema(conn)
    terminals = enrol_terminals(url, cluster, folder, len(days), name)
    for (path, _), rows in zip(terminals, days):
        with EventStore.open(path) as store:
            write_rows(store, rows)
    started = time.perf_counter()
    pushers = [
        hall_pusher.HallPusher(e, p, e.terminal_id, batch=batch, poll=0.01, retry_min=0.05).start()
        for p, e in terminals
    ]
    ok = all(p.wait_synced(600) for p in pushers)
    elapsed = time.perf_counter() - started
    for p in pushers:
        p.stop()
    assert ok, [p.status() for p in pushers if not p.status().ok]
    return sum(len(d) for d in days), elapsed


def run_single(url: str, folder: Path, rows: list[tuple], batch: int) -> tuple[int, float]:
    with EventStore.open(folder / "single.db") as store:
        write_rows(store, rows)
    with hall_config.connect(url) as conn:
        hall_schema.install_schema(conn)
    started = time.perf_counter()
    pusher = hall_pusher.HallPusher(url, store.path, "ALONE", batch=batch, poll=0.01).start()
    ok = pusher.wait_synced(600)
    elapsed = time.perf_counter() - started
    pusher.stop()
    assert ok, pusher.status()
    return len(rows), elapsed


def run_live(
    url: str, folder: Path, days: list[list[tuple]], speed: float, batch: int
) -> tuple[list[float], float, int]:
    """Replay the day at `speed`; the lag of every event (seconds) and the wall time of the replay."""
    with hall_config.connect(url) as conn:
        hall_schema.install_schema(conn)
    day_start = min(datetime.fromisoformat(r[1]) for rows in days for r in rows if r[2] != "demo_data")
    appended: list[dict[int, float]] = [{} for _ in days]
    committed: list[list[tuple[int, float]]] = [[] for _ in days]
    stores, pushers = [], []
    for w in range(len(days)):
        store = EventStore.open(folder / f"live-{w:02d}.db")
        stores.append(store)

        def progress(head: int, accepted: int, w: int = w) -> None:
            committed[w].append((head, time.perf_counter()))

        pushers.append(
            hall_pusher.HallPusher(
                url, store.path, f"W{w:02d}", batch=batch, poll=1.0, on_progress=progress
            ).start()
        )
    for p in pushers:
        assert p.wait_synced(60), p.status()
    t0 = time.perf_counter() + 0.5

    def window(w: int) -> None:
        with EventStore.open(stores[w].path) as own:  # this thread's own connection, as the clerk's
            for at, group in groupby(days[w], key=lambda r: r[1]):
                rows = list(group)
                due = t0 + (datetime.fromisoformat(at) - day_start).total_seconds() / speed
                delay = due - time.perf_counter()  # (fill_demo's marker event, the day before: at once)
                if delay > 0:
                    time.sleep(delay)
                write_rows(own, rows)
                now = time.perf_counter()
                for r in rows:
                    appended[w][r[0]] = now
                pushers[w].wake()

    threads = [threading.Thread(target=window, args=(w,)) for w in range(len(days))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = all(p.wait_synced(120) for p in pushers)
    wall = time.perf_counter() - t0
    for p in pushers:
        p.stop()
    for s in stores:
        s.close()
    assert ok, [p.status() for p in pushers if not p.status().ok]
    lags: list[float] = []
    batches = 0
    for w in range(len(days)):
        heads = sorted(committed[w])
        batches += len(heads)
        i = 0
        for seq in sorted(appended[w]):
            while heads[i][0] < seq:
                i += 1
            lags.append(heads[i][1] - appended[w][seq])
    return lags, wall, batches


def month_figures(url: str, events: int) -> None:
    """The hall's size for the month and `hall status` over it (the figures docs/hall-city-scale.md uses)."""
    from assistant.hall import admin as hall_admin

    with hall_config.connect(url) as conn:
        conn.execute("VACUUM ANALYZE hall.events")
        size, heap = conn.execute(
            "SELECT pg_total_relation_size('hall.events'), pg_relation_size('hall.events')"
        ).fetchone()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            rows = hall_admin.status(conn)
            times.append(time.perf_counter() - started)
    print(
        f"  hall.events for the month: {size / 2**20:,.0f} MiB with indexes ({heap / 2**20:,.0f} MiB table), "
        f"{size / events:,.0f} bytes/event"
    )
    print(f"  hall status over {len(rows)} terminals: median {statistics.median(times) * 1000:.0f} ms of 5")


def check_hall(url: str) -> tuple[int, int, bool]:
    with hall_reader.HallReader(url) as reader:
        terminals = reader.terminals()
        ok = all(reader.verify(t.terminal_id).ok for t in terminals)
        return len(terminals), len(reader.rejections()), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--speed", type=float, default=600.0, help="day compression for the live run")
    parser.add_argument("--batch", type=int, default=hall_pusher.BATCH)
    parser.add_argument("--month", type=int, default=22, help="working days of the month run (0: skip it)")
    parser.add_argument("--url", help="an existing empty PostgreSQL database (default: a throwaway cluster)")
    args = parser.parse_args()

    cluster = None
    if args.url is None:
        from tests.hall.pgcluster import TempCluster, find_bindir

        bindir = find_bindir()
        if bindir is None:
            print("PostgreSQL server binaries not found (apt-get install postgresql), or give --url.")
            return 2
        cluster = TempCluster(bindir, durable=True, secure=True)
        cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="wa-hall-bench-") as temp:
            folder = Path(temp)
            started = time.perf_counter()
            days = record_day(folder, args.windows)
            total = sum(len(d) for d in days)
            span = max(datetime.fromisoformat(d[-1][1]) for d in days) - min(
                datetime.fromisoformat(r[1]) for d in days for r in d if r[2] != "demo_data"
            )
            print(
                f"simulated day: {args.windows} windows, {total} events "
                f"({total / args.windows:.0f} per window), {span} of hall time "
                f"(recorded through the Desk in {time.perf_counter() - started:.1f} s)"
            )

            url = fresh_database(args.url, cluster, "bench_catchup")
            n, secs = run_catch_up(url, cluster, folder, days, args.batch)
            print(
                f"catch-up, {args.windows} enrolled terminals at once (hall.push, TLS): {n} events in {secs:.2f} s"
                f" = {n / secs:,.0f} events/s"
            )
            terminals, rejected, ok = check_hall(url)
            print(f"  hall: {terminals} terminals, chains verified: {ok}, rejections: {rejected}")

            if cluster is not None and args.month:
                url = fresh_database(None, cluster, "bench_month")
                month = [chained_copies(d, args.month) for d in days]
                n, secs = run_catch_up(url, cluster, folder, month, args.batch, "month")
                print(
                    f"a month ({args.month} working days) × {args.windows} terminals, pushed at once: {n:,} events "
                    f"in {secs:.1f} s = {n / secs:,.0f} events/s"
                )
                month_figures(url, n)

            if cluster is not None:
                url = fresh_database(None, cluster, "bench_single")
                rows = chained_copies(days[0], 30)
                n, secs = run_single(url, folder, rows, args.batch)
                print(f"catch-up, one terminal alone: {n} events in {secs:.2f} s = {n / secs:,.0f} events/s")

                url = fresh_database(None, cluster, "bench_live")
                lags, wall, batches = run_live(url, folder, days, args.speed, args.batch)
                lags_ms = sorted(x * 1000 for x in lags)
                q = statistics.quantiles(lags_ms, n=100)
                print(
                    f"live day ×{args.speed:g} ({wall:.1f} s wall, {len(lags)} events, "
                    f"{len(lags) / wall:,.0f} events/s offered, {batches} hall transactions):"
                )
                print(
                    f"  lag local commit → hall commit: median {statistics.median(lags_ms):.1f} ms, "
                    f"p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms, max {lags_ms[-1]:.1f} ms"
                )
                terminals, rejected, ok = check_hall(url)
                print(f"  hall: {terminals} terminals, chains verified: {ok}, rejections: {rejected}")
            else:
                print("(the one-terminal and live runs need fresh databases: run without --url)")
    finally:
        if cluster is not None:
            cluster.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
