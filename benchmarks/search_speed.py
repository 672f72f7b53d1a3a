"""Quick-search speed with 10,000 phrases: index build time and p50/p95 per keystroke.

Run: .venv/bin/python benchmarks/search_speed.py
The phrases are the real library's sentences cut and recombined (so the characters, polyphones and
pinyin are those of real service phrases); each query is typed one key at a time, as in the popup.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.scripts import Phrase, load_scripts
from assistant.search import PhraseIndex, entries_of

COUNT = 10_000
QUERIES = ["qsh", "qingshaohou", "请稍候", "banli", "bl", "mashangwei", "nhqz", "xiexie", "gongzuori",
           "sfz", "不动产", "zhang", "chang", "yinhang", "bdcdj", "qingnin", "shenfenzheng", "zxc", "wtsx",
           "dianhua", "预约", "jiaoyan", "lxdh", "guanlian", "hz"]


def phrases(count: int, seed: int = 7) -> list[Phrase]:
    rng = random.Random(seed)
    real = [p.template for p in load_scripts().phrases.values()]
    extra = "银行行长长期办理不动产登记身份证社会保险营业执照公积金医保预约窗口材料复印件核对签字盖章重新提交"
    pieces = [s for t in real for s in t.replace("！", "，").replace("。", "，").replace("？", "，").split("，") if s]
    out = []
    for n in range(count):
        words = rng.sample(pieces, 2) + ["".join(rng.sample(extra, 4))]
        rng.shuffle(words)
        out.append(Phrase(id=f"p{n}", category="测试", rule=52, seed="", template="，".join(words) + "。",
                          keywords=(extra[rng.randrange(len(extra) - 2):][:2],)))
    return out


def main() -> None:
    data = phrases(COUNT)
    entries = entries_of(data)
    t0 = time.perf_counter()
    index = PhraseIndex.build(entries)
    build = time.perf_counter() - t0
    rng = random.Random(1)
    index.set_uses({f"p{rng.randrange(COUNT)}": rng.randrange(1, 50) for _ in range(2000)})
    cache_dir = Path("/tmp/wa-bench-cache")
    cache_dir.mkdir(exist_ok=True)
    PhraseIndex.for_phrases(data, cache_dir)
    t0 = time.perf_counter()
    PhraseIndex.for_phrases(data, cache_dir)
    warm = time.perf_counter() - t0
    times = []
    for _ in range(3):
        for query in QUERIES:
            for k in range(1, len(query) + 1):
                t = time.perf_counter()
                index.search(query[:k], limit=12)
                times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"phrases: {COUNT}, keystrokes measured: {len(times)}")
    print(f"index build (pypinyin, cold): {build * 1000:.0f} ms; from cache file: {warm * 1000:.0f} ms")
    print(f"per keystroke (limit 12): p50 {p50:.3f} ms, p95 {p95:.3f} ms, max {times[-1]:.3f} ms")
    print("target p95 <= 2 ms:", "met" if p95 <= 2 else "NOT met")


if __name__ == "__main__":
    main()
