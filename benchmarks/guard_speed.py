"""Taboo guard benchmark: ms per 200-character sentence, recall, false alarms and item accuracy.

Run: .venv/bin/python benchmarks/guard_speed.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config.scripts import load_scripts
from assistant.domain.guard import Guard, evaluate

DATA = ROOT / "tests" / "data"
SETS = {"labelled": DATA / "taboo_labelled.jsonl", "held-out": DATA / "taboo_heldout.jsonl"}
SENTENCE_CHARS = 200


def load(path: Path) -> list[dict]:
    """The records of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def long_sentences(records: list[dict], count: int = 200) -> list[str]:
    """Deterministic 200-character texts built by chaining the labelled sentences (taboo and polite mixed)."""
    texts = [r["text"] for r in records]
    out: list[str] = []
    k = 0
    while len(out) < count:
        s = ""
        while len(s) < SENTENCE_CHARS:
            s += texts[k % len(texts)] + "，"
            k += 7  # a stride co-prime with the set size mixes the items
        out.append(s[:SENTENCE_CHARS])
    return out


def ms_per_sentence(guard: Guard, texts: list[str], rounds: int = 5) -> float:
    """Median over `rounds` of the mean milliseconds one check() takes."""
    guard.check(texts[0])
    runs = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            guard.check(t)
        runs.append((time.perf_counter() - t0) * 1000 / len(texts))
    return statistics.median(runs)


def main() -> int:
    scripts = load_scripts()
    guard = Guard.from_scripts(scripts)
    labelled = load(SETS["labelled"])
    print(
        f"speed: {ms_per_sentence(guard, long_sentences(labelled)):.3f} ms per {SENTENCE_CHARS}-character sentence"
    )
    for name, path in SETS.items():
        s = evaluate(guard, load(path))
        print(
            f"{name}: {s.taboo} taboo / {s.polite} polite — recall {s.recall:.1%}, "
            f"false alarms {s.false_alarm_rate:.1%}, item accuracy {s.item_accuracy:.1%}"
        )
        for label, texts in (
            ("missed", s.misses),
            ("false alarm", s.false_alarms),
            ("wrong item", s.wrong_item),
        ):
            for t in texts:
                print(f"  {label}: {t}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
