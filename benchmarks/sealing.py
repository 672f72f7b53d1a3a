"""What the evidence costs (issue 16): sealing per event, verifying 1M sealed events, and a PIN guess.

Run: .venv/bin/python benchmarks/sealing.py [--events 1000000]

1. Appending: single-event appends (as the desk makes them) into a fresh database, alternating blocks of 100
   unsealed and 100 sealed appends into two stores side by side (so the machine's load hits both alike),
   30 rounds; the figure is the median of the rounds' per-event differences. Goal: ≤ 0.5 ms per event.
2. Verifying: a log of --events sealed events (rows generated and bulk-inserted, with their real hashes and
   seals), then ``EventStore.verify([key])`` — the hash chain and every seal. Goal: 1M events ≤ 30 s.
3. The lead PIN's KDF (scrypt N=2^17, r=8, p=1): CPU seconds per guess (the least of 5: what a guess costs an
   attacker with the cores to themselves; wall time on a loaded machine is longer), and what a 6-digit PIN
   costs an attacker holding the file: 10^6 guesses over this machine's cores.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.edges.lead_pin import hash_pin
from assistant.store import sealing
from assistant.store.event_log import GENESIS_HASH, EventStore, canonical_json, event_hash

BLOCK, ROUNDS = 100, 30


def append_cost(folder: Path) -> tuple[float, float, float]:
    """Median ms per event unsealed, sealed, and the median of the paired per-round differences."""
    at = datetime.now().astimezone()
    plain, sealed = EventStore.open(folder / "plain.db"), EventStore.open(folder / "sealed.db")
    key = sealing.new_key()
    sealed.start_sealing(key, {"fingerprint": sealing.fingerprint(key)}, at)
    per_plain, per_sealed = [], []
    for _ in range(ROUNDS):
        for store, out in ((plain, per_plain), (sealed, per_sealed)):
            start = time.perf_counter()
            for _ in range(BLOCK):
                store.append([("pause", {"reason": "会议"})], at)
            out.append((time.perf_counter() - start) / BLOCK)
    plain.close()
    sealed.close()
    diff = statistics.median(s - p for p, s in zip(per_plain, per_sealed, strict=True))
    return statistics.median(per_plain) * 1000, statistics.median(per_sealed) * 1000, diff * 1000


def build_sealed_log(path: Path, count: int) -> sealing.VerificationKey:
    """count events with their real chain hashes, the first one seal_init and every one sealed."""
    EventStore.open(path).close()
    key0 = sealing.new_key()
    key, prev, first_hash = key0, GENESIS_HASH, ""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    batch = []
    for event_id in range(1, count + 1):
        kind = "seal_init" if event_id == 1 else "phrase_used"
        text = canonical_json({"phrase": "greet.welcome", "mode": "insert", "interaction": event_id // 7})
        at = f"2026-11-{1 + event_id * 29 // count:02d}T09:00:00.000000+08:00"
        digest = event_hash(prev, event_id, at, kind, text)
        batch.append((event_id, at, kind, text, prev, digest, sealing.mac(key, digest)))
        key, prev = sealing.evolve(key), digest
        first_hash = first_hash or digest
        if len(batch) == 50_000:
            conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
    conn.execute("COMMIT")
    conn.close()
    return sealing.VerificationKey(key0, 1, first_hash)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wa-seal-bench-") as temp:
        folder = Path(temp)
        plain, sealed, diff = append_cost(folder)
        print(
            f"append, one event each: unsealed {plain:.3f} ms, sealed {sealed:.3f} ms "
            f"→ sealing adds {diff:.3f} ms per event (median of paired rounds; goal ≤ 0.5 ms)"
        )
        db = folder / "big.db"
        start = time.perf_counter()
        key = build_sealed_log(db, args.events)
        print(f"built {args.events:,} sealed events in {time.perf_counter() - start:.1f} s")
        with EventStore.open(db) as store:
            start = time.perf_counter()
            report = store.verify([key])
            took = time.perf_counter() - start
        assert report.ok and report.sealed == args.events, report.problems[:3]
        print(f"verify-log --key over {args.events:,} events: {took:.1f} s (goal for 1M: ≤ 30 s)")
    times = []
    for _ in range(5):
        start = time.process_time()
        hash_pin("583920")
        times.append(time.process_time() - start)
    guess = min(times)
    cores = os.cpu_count() or 1
    hours = 10**6 * guess / cores / 3600
    print(
        f"lead PIN KDF (scrypt N=2^17, r=8, p=1, 128 MiB): {guess:.3f} CPU s per guess (goal ≥ 0.25 s); "
        f"all 10^6 six-digit PINs on {cores} cores: {hours:.0f} h ({hours / 24:.1f} days), half that on average"
    )


if __name__ == "__main__":
    main()
