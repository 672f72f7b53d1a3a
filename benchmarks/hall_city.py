#!/usr/bin/env python3
"""One city on one PostgreSQL (docs/hall-city-scale.md): a simulation fed with costs measured on the real server.

    .venv/bin/python benchmarks/hall_city.py                 # 20 halls × 40 windows, 2 and 8 server cores

1. Measured (a throwaway cluster: fsync on, TLS, SCRAM, one enrolled terminal, through ``hall.push``): the server
   time of a transaction carrying k events, t(k) = a + b·k, from the median of 300 one-event pushes and 30
   200-event pushes, and of an empty push (the idle pusher's report).
2. Simulated: the day of 40 windows recorded through the real rules (``hall_push.record_day``), 20 times over
   for 20 halls, each hall's clock shifted by a random ±15 minutes. Each terminal behaves as the pusher does: what
   was committed together goes in one transaction; while its transaction waits or runs, what arrives queues
   and goes next as one batch (≤ 500); idle, it reports every 30 s. The server runs ``cores`` transactions at
   once, first come first served, each taking t(k). Printed: transactions and events per second, server
   utilisation, lag from the local commit to the hall's commit (p50, p95, p99, max); then the whole city
   catching up a day at once.

The network is not simulated (loopback): a real round trip adds to each lag, not to the server's work.
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from hall_push import chained_copies, enrol_terminals, record_day  # noqa: E402

from assistant.hall import config as hall_config  # noqa: E402
from assistant.hall import pusher as hall_pusher  # noqa: E402
from assistant.hall import schema as hall_schema  # noqa: E402

BATCH = hall_pusher.BATCH
HEARTBEAT = hall_pusher.HEARTBEAT


def measure(cluster, folder: Path, day: list[tuple]) -> tuple[float, float, float]:
    """(a, b, empty): seconds per transaction, per event, and for an empty push."""
    url = cluster.create_database("city_costs")
    with hall_config.connect(url) as conn:
        hall_schema.install_schema(conn)
    ((_, enrolment),) = enrol_terminals(url, cluster, folder, 1, "cost")
    rows = chained_copies(day, 20)
    singles, bulks, empties = [], [], []
    with hall_config.connect(enrolment) as conn:
        i = 0
        for _ in range(300):
            started = time.perf_counter()
            hall_pusher.push_rows(conn, enrolment.terminal_id, rows[i : i + 1], enrolled=True)
            singles.append(time.perf_counter() - started)
            i += 1
        for _ in range(30):
            started = time.perf_counter()
            hall_pusher.push_rows(conn, enrolment.terminal_id, rows[i : i + 200], enrolled=True)
            bulks.append(time.perf_counter() - started)
            i += 200
        for _ in range(100):
            started = time.perf_counter()
            hall_pusher.push_rows(conn, enrolment.terminal_id, [], enrolled=True)
            empties.append(time.perf_counter() - started)
    t1, t200 = statistics.median(singles), statistics.median(bulks)
    b = (t200 - t1) / 199
    return t1 - b, b, statistics.median(empties)


def city_day(days: list[list[tuple]], halls: int, seed: int) -> list[list[float]]:
    """Per terminal, the commit times (seconds from the city's first) of its events, one entry per event."""
    rng = random.Random(seed)
    terminals = []
    for _ in range(halls):
        shift = rng.uniform(-900, 900)
        for rows in days:
            times = [datetime.fromisoformat(r[1]).timestamp() + shift for r in rows if r[2] != "demo_data"]
            terminals.append(times)
    start = min(t[0] for t in terminals)
    return [[x - start for x in t] for t in terminals]


def simulate(terminals: list[list[float]], a: float, b: float, empty: float, cores: int) -> dict:
    """Discrete-event simulation of the pushers and a first-come-first-served server with `cores` workers."""
    end = max(t[-1] for t in terminals)
    waiting: list[list[float]] = [[] for _ in terminals]  # commit times of events not yet sent
    inflight: list[tuple[float, list[float]] | None] = [None] * len(terminals)  # (cost, commit times)
    free_at = [0.0] * cores
    lags: list[float] = []
    transactions = events = 0
    work = 0.0
    # (time, order, what, terminal, events): what 0 a local commit of `events` events, 1 a report, 2 done
    timeline: list[tuple[float, int, int, int, int]] = []
    order = 0
    for n, times in enumerate(terminals):
        for t, group in groupby(times):  # events recorded together are committed together
            timeline.append((t, order, 0, n, len(list(group))))
            order += 1
        for beat in range(int(end // HEARTBEAT) + 1):
            timeline.append((beat * HEARTBEAT + (n % 97) * 0.3, order, 1, n, 0))
            order += 1
    heapq.heapify(timeline)

    def send(now: float, n: int) -> None:
        nonlocal order
        commits = waiting[n][:BATCH]
        del waiting[n][:BATCH]
        cost = a + b * len(commits) if commits else empty
        worker = min(range(cores), key=free_at.__getitem__)
        free_at[worker] = max(now, free_at[worker]) + cost
        inflight[n] = (cost, commits)
        heapq.heappush(timeline, (free_at[worker], order, 2, n, 0))
        order += 1

    while timeline:
        now, _, what, n, count = heapq.heappop(timeline)
        if what == 0:
            waiting[n].extend([now] * count)
            if inflight[n] is None:
                send(now, n)
        elif what == 1:
            if inflight[n] is None and not waiting[n]:
                send(now, n)
        else:
            cost, commits = inflight[n]
            inflight[n] = None
            transactions += 1
            events += len(commits)
            work += cost
            lags.extend(now - c for c in commits)
            if waiting[n]:
                send(now, n)
    lags.sort()
    q = statistics.quantiles(lags, n=100)
    return {
        "hours": end / 3600,
        "transactions": transactions,
        "events": events,
        "utilisation": work / (end * cores),
        "p50": statistics.median(lags),
        "p95": q[94],
        "p99": q[98],
        "max": lags[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--halls", type=int, default=20)
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    from tests.hall.pgcluster import TempCluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        print("PostgreSQL server binaries not found (apt-get install postgresql).")
        return 2
    cluster = TempCluster(bindir, durable=True, secure=True)
    cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="wa-hall-city-") as temp:
            folder = Path(temp)
            days = record_day(folder, args.windows)
            a, b, empty = measure(cluster, folder, days[0])
    finally:
        cluster.destroy()
    print(
        f"measured server time per transaction: a = {a * 1000:.2f} ms + b = {b * 1e6:.0f} µs per event; "
        f"an empty push {empty * 1000:.2f} ms"
    )
    terminals = city_day(days, args.halls, args.seed)
    total = sum(len(t) for t in terminals)
    print(
        f"the city's day: {args.halls} halls × {args.windows} windows = {len(terminals)} terminals, {total:,} events"
    )
    for cores in (2, 8):
        started = time.perf_counter()
        r = simulate(terminals, a, b, empty, cores)
        print(
            f"  {cores} cores: {r['transactions']:,} transactions ({r['transactions'] / (r['hours'] * 3600):.0f}/s) "
            f"over {r['hours']:.1f} h, utilisation {r['utilisation']:.1%}; lag p50 {r['p50'] * 1000:.1f} ms, "
            f"p95 {r['p95'] * 1000:.1f} ms, p99 {r['p99'] * 1000:.1f} ms, max {r['max'] * 1000:.0f} ms "
            f"(simulated in {time.perf_counter() - started:.0f} s)"
        )
    batches = sum(-(-len(t) // BATCH) for t in terminals)
    for cores in (2, 8):
        print(
            f"  catch-up of the whole day at once, {cores} cores: {(batches * a + total * b) / cores:.1f} s of server time"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
