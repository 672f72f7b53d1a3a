#!/usr/bin/env python3
"""`replay` of a long file: time and peak memory (max RSS) of the child process.

Generates working days of replay lines (the crash harness's scripted days, one clerk, 60 people a day) until
there are --lines of them, then runs `main.py replay FILE --db NEW --json` with its output going to a file,
and prints the lines, the seconds, lines per second and the child's peak RSS. Issue 12's bound: 300,000 lines
in ≤ 200 MiB; neither the check pass, the run pass nor the --json output may hold the whole file. Every line
is a committed transaction (synchronous=FULL): on a disk the figure is the disk's syncs (≈ 200 lines/s
here), so --db-folder /dev/shm measures memory and the program's own speed.

    .venv/bin/python benchmarks/replay_memory.py [--lines 1000000] [--db-folder /dev/shm] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config.scripts import load_scripts
from benchmarks.crash_harness import scripted_day, working_days


def write_lines(path: Path, count: int) -> int:
    """At least `count` replay lines of whole working days into path; returns how many."""
    scripts = load_scripts()
    written, day_index = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < count:
            days = working_days(scripts, date(2026, 1, 5), day_index + 1)
            for line in scripted_day(days[-1], 12, scripts):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                written += 1
            day_index += 1
    return written


def run(lines: int, folder: Path, db_folder: Path | None) -> dict[str, float]:
    source = folder / "lines.jsonl"
    count = write_lines(source, lines)
    db = (db_folder or folder) / f"wa-replay-bench-{os.getpid()}.db"
    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    with (folder / "out.json").open("w") as out:
        child = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "replay", str(source), "--db", str(db), "--json"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            check=False,
        )
    seconds = time.monotonic() - start
    if db_folder is not None:
        for path in db_folder.glob(db.name + "*"):
            path.unlink()
    if child.returncode != 0:
        raise SystemExit(f"replay failed ({child.returncode}): {child.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux → MiB
    return {"lines": count, "seconds": seconds, "lines_per_second": count / seconds, "peak_rss_mib": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--db-folder", type=Path, help="put the database here (e.g. /dev/shm), removed after")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args.lines, args.keep, args.db_folder)
    else:
        with tempfile.TemporaryDirectory(prefix="wa-replay-bench-") as folder:
            figures = run(args.lines, Path(folder), args.db_folder)
    where = f" (database in {args.db_folder})" if args.db_folder else ""
    print(
        f"replay {figures['lines']:,} lines{where}: {figures['seconds']:.0f} s "
        f"({figures['lines_per_second']:.0f} lines/s), peak RSS {figures['peak_rss_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    main()
