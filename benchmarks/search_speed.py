"""Quick-search speed with 10,000 phrases: index build time, cache load time and p50/p95 per keystroke.

Run: .venv/bin/python benchmarks/search_speed.py
The phrases are the real library's sentences cut and recombined (so the characters, polyphones and
pinyin are those of real service phrases); each query is typed one key at a time, as in the popup
(Chinese, full pinyin, initials and mixed queries, long ones and ones matching thousands of phrases),
with some corrections (backspace, then more typing). Keystrokes are measured on the freshly built index
and again on the index loaded from the cache file (the start-up path, whose posting lists become sets on
first use), each for 3 passes; the first pass of the loaded index (nothing warmed) is also shown alone.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config.schema import Phrase
from assistant.config.scripts import load_scripts
from assistant.domain.search import PhraseIndex, entries_of

COUNT = 10_000
QUERIES = [
    "qsh",
    "qingshaohou",
    "请稍候",
    "banli",
    "bl",
    "mashangwei",
    "nhqz",
    "xiexie",
    "gongzuori",
    "sfz",
    "不动产",
    "zhang",
    "chang",
    "yinhang",
    "bdcdj",
    "qingnin",
    "shenfenzheng",
    "zxc",
    "wtsx",
    "dianhua",
    "预约",
    "jiaoyan",
    "lxdh",
    "guanlian",
    "hz",
    # long, mixed (full syllables then initials), Chinese, and many-match queries
    "qingshh",
    "yinhanghangzhang",
    "budongchandengji",
    "shehuibaoxian",
    "不动产登记",
    "银行行长",
    "yyck",
    "nhyy",
    "n",
    "yi",
    "yinh",
    "shenqingcailiao",
    "qingninshaohouwomenmashangweininbanli",
    "yingyezhizhao",
    "gjj",
    "zhangqi",
    "ysq",
]
# (typed, keys erased, then typed) — corrections as the clerk makes them
CORRECTIONS = [
    ("yinhanf", 1, "g"),
    ("qingshaoh", 4, "shh"),
    ("shenfenzhneg", 3, "eng"),
    ("bdcdk", 1, "j"),
    ("budongchna", 3, "chan"),
]


def phrases(count: int, seed: int = 7) -> list[Phrase]:
    rng = random.Random(seed)
    real = [p.template for p in load_scripts().phrases.values()]
    extra = "银行行长长期办理不动产登记身份证社会保险营业执照公积金医保预约窗口材料复印件核对签字盖章重新提交"
    pieces = [
        s
        for t in real
        for s in t.replace("！", "，").replace("。", "，").replace("？", "，").split("，")
        if s
    ]
    out = []
    for n in range(count):
        words = rng.sample(pieces, 2) + ["".join(rng.sample(extra, 4))]
        rng.shuffle(words)
        out.append(
            Phrase(
                id=f"p{n}",
                category="测试",
                rule=52,
                seed="",
                template="，".join(words) + "。",
                keywords=(extra[rng.randrange(len(extra) - 2) :][:2],),
            )
        )
    return out


def keystrokes() -> list[str]:
    """The successive contents of the search field while the queries are typed."""
    out = []
    for query in QUERIES:
        out += [query[:k] for k in range(1, len(query) + 1)]
    for typed, erase, more in CORRECTIONS:
        out += [typed[:k] for k in range(1, len(typed) + 1)]
        out += [typed[: len(typed) - k] for k in range(1, erase + 1)]
        base = typed[: len(typed) - erase]
        out += [base + more[:k] for k in range(1, len(more) + 1)]
    return out


def measure(index: PhraseIndex, passes: int) -> list[float]:
    times = []
    for _ in range(passes):
        for text in keystrokes():
            t = time.perf_counter()
            index.search(text, limit=12)
            times.append((time.perf_counter() - t) * 1000)
    return times


def figures(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    return f"p50 {statistics.median(times):.3f} ms, p95 {p95:.3f} ms, max {times[-1]:.3f} ms ({len(times)} keystrokes)"


def main() -> None:
    data = phrases(COUNT)
    entries = entries_of(data)
    uses = random.Random(1)
    use_counts = {f"p{uses.randrange(COUNT)}": uses.randrange(1, 50) for _ in range(2000)}
    t0 = time.perf_counter()
    index = PhraseIndex.build(entries)
    build = time.perf_counter() - t0
    index.set_uses(use_counts)
    cache_dir = Path("/tmp/wa-bench-cache")
    cache_dir.mkdir(exist_ok=True)
    PhraseIndex.for_phrases(data, cache_dir)  # writes the cache file (when missing)
    t0 = time.perf_counter()
    loaded = PhraseIndex.for_phrases(data, cache_dir)
    warm = time.perf_counter() - t0
    loaded.set_uses(use_counts)
    first = measure(loaded, 1)
    times = measure(index, 3) + first + measure(loaded, 2)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"phrases: {COUNT}")
    print(
        f"index build (pypinyin, cold): {build * 1000:.0f} ms; from cache file: {warm * 1000:.0f} ms "
        f"({build / warm:.1f}x faster)"
    )
    print(f"per keystroke (limit 12), all passes: {figures(times)}")
    print(f"per keystroke, first pass on the index loaded from the cache: {figures(first)}")
    print("target p95 <= 2 ms:", "met" if p95 <= 2 else "NOT met")


if __name__ == "__main__":
    main()
