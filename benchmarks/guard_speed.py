"""Taboo guard benchmark: ms per 200-character sentence, recall, false alarms and item accuracy per set.

Run: .venv/bin/python benchmarks/guard_speed.py [--quiet]
Sets: the labelled set (tuned on), the first held-out set and the unseen-wording set (never tuned on; its
records carry a "kind": traditional, homophone, politeness, colloquial, word-order, insult, referral…).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config.scripts import load_scripts
from assistant.domain.guard import Guard, evaluate

DATA = ROOT / "tests" / "data"
SETS = {
    "labelled": DATA / "taboo_labelled.jsonl",
    "held-out": DATA / "taboo_heldout.jsonl",
    "unseen": DATA / "taboo_unseen.jsonl",
}
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


def table(guard: Guard, records: list[dict], key: str) -> list[str]:
    """Markdown rows of recall / right item (taboo records) and false alarms (clean ones) grouped by `key`."""
    groups: dict[object, list[dict]] = defaultdict(list)
    for r in records:
        groups[r.get(key) if r.get(key) is not None else "clean"].append(r)
    rows = [f"| {key} | sentences | caught / false alarms | right item |", "|---|---|---|---|"]
    for name in sorted(groups, key=lambda g: (isinstance(g, str), str(g).zfill(3))):
        s = evaluate(guard, groups[name])
        label = f"60({name})" if isinstance(name, int) else name
        if s.taboo:
            rows.append(f"| {label} | {s.taboo} | {s.caught} ({s.recall:.0%}) | {s.item_accuracy:.0%} |")
        if s.polite:
            rows.append(
                f"| {label} (clean) | {s.polite} | {len(s.false_alarms)} ({s.false_alarm_rate:.0%}) | — |"
            )
    return rows


def main() -> int:
    quiet = "--quiet" in sys.argv
    t0 = time.perf_counter()
    guard = Guard.from_scripts(load_scripts())
    print(f"guard built in {(time.perf_counter() - t0) * 1000:.1f} ms (scripts loaded)")
    labelled = load(SETS["labelled"])
    print(
        f"speed: {ms_per_sentence(guard, long_sentences(labelled)):.3f} ms per {SENTENCE_CHARS}-character sentence"
    )
    for name, path in SETS.items():
        records = load(path)
        s = evaluate(guard, records)
        print(
            f"\n{name}: {s.taboo} taboo / {s.polite} clean — recall {s.recall:.1%}, "
            f"false alarms {s.false_alarm_rate:.1%}, right item {s.item_accuracy:.1%}"
        )
        if not quiet:
            print("\n".join(table(guard, records, "item")))
            if any("kind" in r for r in records):
                print("\n".join(table(guard, records, "kind")))
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
