"""The lead's month read from the hall's projections (hall schema version 3) on a real PostgreSQL.

A throwaway cluster (tests/hall/pgcluster.py, fsync on) receives `--terminals` terminals × `--days` working days.
Each terminal-day is one of `--seeds` days recorded through the real Desk and rules by
``assistant.cli.demo.fill_demo`` with three windows (≈100 people served), moved to its date and chained as that
terminal's log; every terminal pushes through ``hall.receive`` in 500-event batches, so the hall projects each
event as it arrives. Then, as a lead (a login role in ``wa_lead``, reading only):

* receive: events/s with the projections, and the same month of one terminal into a version-2 hall (without
  them) for the cost of projecting;
* opening a month: the month's counts by kind, the interactions' count and first page (200 rows, formatted
  with the scripts' names) and the served-per-hour series: cold (new connection) and warm; then the phrases
  table when its tab is first shown, and every interaction row of the month read (what an export reads);
* an xlsx export of the month's interactions and phrases (the tables read from the projections) through the
  review's own ``write_xlsx``;
* what the lead's side wrote: the xlsx alone (no cache, no copy of the hall's events).

    PYTHONPATH=. .venv/bin/python benchmarks/hall_review.py [--terminals 40] [--days 22]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.cli.demo import fill_demo  # noqa: E402
from assistant.config.scripts import load_scripts  # noqa: E402
from assistant.hall import aggregates  # noqa: E402
from assistant.hall import config as hall_config  # noqa: E402
from assistant.hall import pusher as hall_pusher  # noqa: E402
from assistant.hall import schema as hall_schema  # noqa: E402
from assistant.hall.admin import add_lead  # noqa: E402
from assistant.hall.review import HallReport, source_label  # noqa: E402
from assistant.reports.exporting import write_xlsx  # noqa: E402
from assistant.reports.model import ReportFilter  # noqa: E402
from assistant.store.event_log import GENESIS_HASH, EventStore, event_hash  # noqa: E402
from tests.hall.pgcluster import TempCluster, find_bindir  # noqa: E402

MONTH = date(2026, 11, 1)


def working_days(count: int) -> list[date]:
    out, day = [], MONTH
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def record_days(folder: Path, seeds: int) -> list[list[tuple]]:
    """`seeds` different days, three windows each, as raw rows (the demo's marker event left out)."""
    scripts = load_scripts()
    out = []
    for s in range(seeds):
        with EventStore.open(folder / f"day-{s}.db") as store:
            fill_demo(store, scripts, days=1, windows=3, end=date(2026, 10, 30), seed=2000 + s)
            rows = hall_pusher.local_rows(store.conn, 0, 10**9)
        out.append([r for r in rows if r[2] != "demo_data"])
    return out


def terminal_month(days: list[list[tuple]], dates: list[date], t: int) -> list[tuple]:
    """One terminal's month: day k is source day (t + k) % seeds moved to dates[k], chained anew."""
    out, prev, n = [], GENESIS_HASH, 0
    for k, day in enumerate(dates):
        for _, at, kind, payload, _, _ in days[(t + k) % len(days)]:
            n += 1
            at = day.isoformat() + at[10:]
            digest = event_hash(prev, n, at, kind, payload)
            out.append((n, at, kind, payload, prev, digest))
            prev = digest
    return out


def push(url: str, terminal: str, rows: list[tuple], batch: int = 500) -> None:
    with hall_config.connect(url) as conn:
        for i in range(0, len(rows), batch):
            result = hall_pusher.push_rows(conn, terminal, rows[i : i + batch])
            assert result.rejected_seq is None, result.reason
            conn.commit()


def push_all(url: str, months: list[list[tuple]], threads: int) -> float:
    started = time.perf_counter()
    work = list(enumerate(months))
    lock = threading.Lock()

    def run() -> None:
        while True:
            with lock:
                if not work:
                    return
                t, rows = work.pop()
            push(url, f"窗口{t:02d}#1", rows)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    return time.perf_counter() - started


def open_month(conn, scripts, flt: ReportFilter) -> tuple[dict, int]:
    """What the review shows when a month is opened: counts, the first page, the hourly series."""
    counts = aggregates.kind_counts(conn, flt)
    tables = aggregates.month_tables(conn, scripts, flt)
    interactions = tables["interactions"]
    total = len(interactions)
    interactions.page(0, 200)
    sql, args = aggregates.where(flt)
    conn.execute(
        f"SELECT substr(started, 12, 2) AS h, count(*) FROM hall.proj_interactions WHERE {sql} GROUP BY h ORDER BY h",
        args,
    ).fetchall()
    return counts, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--terminals", type=int, default=40)
    parser.add_argument("--days", type=int, default=22, help="working days of the month")
    parser.add_argument("--seeds", type=int, default=6, help="different recorded days to draw from")
    parser.add_argument("--threads", type=int, default=4, help="terminals pushing at once")
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        print("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
        return 1
    scripts = load_scripts()
    dates = working_days(args.days)
    flt = ReportFilter(dates[0], dates[-1])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        days = record_days(folder, args.seeds)
        months = [terminal_month(days, dates, t) for t in range(args.terminals)]
        events = sum(len(m) for m in months)
        print(
            f"recorded {args.seeds} demo days in {time.perf_counter() - t0:.1f} s; {events:,} events to push"
        )
        cluster = TempCluster(bindir, durable=True)
        cluster.start()
        try:
            # the cost of projecting: one terminal's month into a version-2 hall and into a version-3 hall
            for version in (2, 3):
                url = cluster.create_database(f"single_v{version}")
                saved = hall_schema.MIGRATIONS, hall_schema.SCHEMA_VERSION
                hall_schema.MIGRATIONS, hall_schema.SCHEMA_VERSION = saved[0][:version], version
                try:
                    with hall_config.connect(url) as conn:
                        hall_schema.install_schema(conn)
                finally:
                    hall_schema.MIGRATIONS, hall_schema.SCHEMA_VERSION = saved
                started = time.perf_counter()
                push(url, "窗口00#1", months[0])
                secs = time.perf_counter() - started
                print(
                    f"one terminal's month ({len(months[0]):,} events) into a version-{version} hall"
                    f"{' (with projections)' if version == 3 else ' (no projections)'}: {secs:.1f} s,"
                    f" {len(months[0]) / secs:,.0f} events/s"
                )
            url = cluster.create_database("hall_month")
            with hall_config.connect(url) as conn:
                hall_schema.install_schema(conn)
                add_lead(conn, "bench_lead")  # (the throwaway cluster trusts: its password is not needed)
                conn.commit()
            secs = push_all(url, months, args.threads)
            print(
                f"{args.terminals} terminals × {args.days} working days pushed ({args.threads} at once, 500-event "
                f"batches): {events:,} events in {secs:.0f} s, {events / secs:,.0f} events/s"
            )
            with hall_config.connect(url) as conn:
                conn.execute("VACUUM ANALYZE")
                size = conn.execute(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
                    " ON n.oid = c.relnamespace WHERE n.nspname = 'hall' AND c.relname LIKE 'proj%%'"
                    " AND c.relkind = 'r'"
                ).fetchone()[0]
            print(f"  the projections for the month: {size / 2**20:,.0f} MiB with indexes")
            lead = url.replace("postgresql://postgres@", "postgresql://bench_lead@")
            started = time.perf_counter()
            with hall_config.connect(lead) as conn:
                counts, total = open_month(conn, scripts, flt)
            cold = time.perf_counter() - started
            warm = []
            with hall_config.connect(lead) as conn:
                for _ in range(7):
                    started = time.perf_counter()
                    open_month(conn, scripts, flt)
                    warm.append(time.perf_counter() - started)
            print(
                f"opening the month as a lead ({total:,} interactions, {sum(counts.values()):,} other events"
                f" projected): {cold * 1000:.0f} ms with a new connection, median {statistics.median(warm) * 1000:.0f} ms"
                f" (max {max(warm) * 1000:.0f} ms) on an open one"
            )
            with hall_config.connect(lead) as conn:
                shown = []
                for _ in range(3):
                    started = time.perf_counter()
                    n = len(aggregates.month_tables(conn, scripts, flt)["phrases"])
                    shown.append(time.perf_counter() - started)
                started = time.perf_counter()
                rows = sum(1 for _ in aggregates.month_tables(conn, scripts, flt)["interactions"].all_rows())
                read = time.perf_counter() - started
            print(
                f"  the phrases tab when first shown ({n:,} rows): median {statistics.median(shown) * 1000:.0f} ms;"
                f" every interaction row of the month read and formatted ({rows:,}): {read:.1f} s"
            )
            out_dir = folder / "lead"
            out_dir.mkdir()
            started = time.perf_counter()
            with hall_config.connect(lead) as conn:
                tables = aggregates.month_tables(conn, scripts, flt)
                report = HallReport(flt, tables, 0, "", (), (), {}, source=source_label(args.terminals))
                write_xlsx(report, out_dir / "month.xlsx", True, datetime.now())
            secs = time.perf_counter() - started
            written = sorted(p.name for p in out_dir.rglob("*"))
            print(
                f"xlsx export of the month's interactions and phrases ({len(tables['interactions']):,} +"
                f" {len(tables['phrases']):,} rows): {secs:.1f} s, {(out_dir / 'month.xlsx').stat().st_size / 2**20:.1f} MiB;"
                f" the lead's folder holds {written} afterwards"
            )
        finally:
            cluster.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
