"""The taboo guard (rule 60): labelled-set floors, the seed sentences, offsets, suggestions, speed."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from assistant.config.scripts import load_scripts
from assistant.domain.guard import Guard, Hit, evaluate, lint_record, normalise

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"


def _load(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def scripts():
    s = load_scripts()
    assert s.problems == ()
    return s


@pytest.fixture(scope="module")
def guard(scripts) -> Guard:
    return Guard.from_scripts(scripts)


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return _load("taboo_labelled.jsonl")


@pytest.fixture(scope="module")
def heldout() -> list[dict]:
    return _load("taboo_heldout.jsonl")


# ── the labelled sets ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["taboo_labelled.jsonl", "taboo_heldout.jsonl"])
def test_labelled_files_are_well_formed(name):
    records = _load(name)
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts)), "重复的句子"
    for r in records:
        assert set(r) == {"text", "item"}
        assert isinstance(r["text"], str) and r["text"].strip()
        assert r["item"] is None or r["item"] in range(1, 12)


def test_labelled_set_is_big_enough_and_covers_every_item(labelled):
    per_item = Counter(r["item"] for r in labelled if r["item"] is not None)
    assert sum(per_item.values()) >= 100
    assert sum(1 for r in labelled if r["item"] is None) >= 100
    assert set(per_item) == set(range(1, 12))
    assert min(per_item.values()) >= 6, per_item


def test_heldout_is_separate_from_the_labelled_set(labelled, heldout):
    assert sum(1 for r in heldout if r["item"] is not None) >= 30
    assert sum(1 for r in heldout if r["item"] is None) >= 30
    assert not {r["text"] for r in labelled} & {r["text"] for r in heldout}


def test_labelled_set_floors(guard, labelled):
    s = evaluate(guard, labelled)
    assert s.recall >= 0.95, s.misses
    assert s.false_alarm_rate <= 0.05, s.false_alarms
    assert s.item_accuracy >= 0.95, s.wrong_item


def test_heldout_floors(guard, heldout):
    s = evaluate(guard, heldout)
    assert s.recall >= 0.85, s.misses
    assert s.false_alarm_rate <= 0.10, s.false_alarms
    assert s.item_accuracy >= 0.85, s.wrong_item


def test_evaluate_counts_what_it_sees(guard):
    s = evaluate(
        guard,
        [
            {"text": "不知道，你别问我！", "item": 3},  # caught, right item
            {"text": "不知道，你别问我！", "item": 5},  # caught, wrong item
            {"text": "好的", "item": 9},  # missed
            {"text": "爱办不办", "item": None},  # false alarm
            {"text": "您慢走", "item": None},
        ],
    )
    assert (s.taboo, s.polite, s.caught) == (3, 2, 2)
    assert s.misses == ("好的",) and s.false_alarms == ("爱办不办",)
    assert s.recall == pytest.approx(2 / 3) and s.false_alarm_rate == pytest.approx(0.5)
    assert s.item_accuracy == pytest.approx(0.5)


# ── the brief's own examples ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "您先别着急，我帮您查一下",
        "这事我知道，我来给您说明",
        "领导特别交代过这项业务要优先办理",
        "请您到3号窗口办理，那里的同事会帮您",
        "墙上的公示栏有办事指南，我拿一份给您看",
        "您的意见我们会向领导反映",
        "",
        "   ，。！",
    ],
)
def test_polite_sentences_are_clean(guard, text):
    assert guard.check(text) == []


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("这个我不清楚，你问别人去吧", 3),
        ("墙上都写着呢自己看", 4),
        ("找我们领导去", 10),
        ("没看我忙着呢吗", 9),
        ("爱办不办", 11),
    ],
)
def test_colloquial_taboos_are_caught(guard, text, item):
    assert item in {h.item for h in guard.check(text)}


def test_politeness_defuses_a_soft_match_but_not_a_hard_one(guard):
    assert [h.item for h in guard.check("这个问题我不清楚")] == [3]
    assert guard.check("这个问题我不太清楚，我帮您问一下领导，稍后答复您") == []
    # an insult stays an insult even next to 您
    assert [h.item for h in guard.check("您是不是傻")] == [11]


# ── the seed sentences of rule 60 ────────────────────────────────────────────────────────────────────


def test_every_seed_sentence_is_caught_with_its_item(guard, scripts):
    seeds = [t for t in scripts.taboo if t.item <= 10]
    assert sorted(t.item for t in seeds) == list(range(1, 11))
    for t in seeds:
        hits = guard.check(t.seed)
        assert [h.item for h in hits] == [t.item], t.seed
        assert hits[0].rule == f"60({t.item})"


def test_seed_sentences_are_caught_by_the_patterns_alone(scripts):
    """Without the literal seeds the concept rules still recognise all ten."""
    bare = Guard({})
    for t in scripts.taboo:
        if t.item <= 10:
            assert t.item in {h.item for h in bare.check(t.seed)}, t.seed


# ── hits, offsets, suggestions ───────────────────────────────────────────────────────────────────────


def test_offsets_slice_the_original_text(guard):
    text = "ＨＩ，麻烦等一下……  墙上　都贴着呢！！你自己 看看～ 瞎说什么😀没看见我一直在忙吗？"
    hits = guard.check(text)
    spans = [(h.item, text[h.start : h.end]) for h in hits]
    assert (4, "墙上　都贴着") in spans
    assert (9, "瞎说什么😀没看见我一直在忙吗") in spans
    for h in hits:
        piece = text[h.start : h.end]
        assert piece == piece.strip() and piece[-1] not in "，。！？～ "


def test_full_width_and_particles_do_not_hide_a_taboo(guard):
    text = "不 知 道 啊！！你 别 问 我 呀"
    (hit,) = guard.check(text)
    assert hit.item == 3 and text[hit.start : hit.end] == "不 知 道 啊！！你 别 问 我"
    assert [h.item for h in guard.check("ＴＨＥ　ＥＮＤ，急什么急！")] == [8]


def test_normalise_keeps_an_index_into_the_original():
    text = "Ａ，墙上贴着呢！自己看"
    norm, index = normalise(text)
    assert norm == "a墙上贴着。自己看"
    assert [text[i] for i in index] == ["Ａ", "墙", "上", "贴", "着", "！", "自", "己", "看"]


def test_hits_are_sorted_and_do_not_overlap(guard):
    text = "急什么急！不归我管，问别人去。爱办不办，有意见找领导去。"
    hits = guard.check(text)
    assert [h.item for h in hits] == [8, 5, 11, 10]
    for a, b in itertools.pairwise(hits):
        assert a.end <= b.start


def test_suggestion_is_the_first_instead_phrase(guard, scripts):
    for t in scripts.taboo:
        if t.item <= 10:
            (hit,) = guard.check(t.seed)
            assert hit.suggestion == scripts.phrase(t.instead[0]).template


def test_suggestion_falls_back_to_the_advice(scripts):
    taboo = tuple(dataclasses.replace(t, instead=()) if t.item == 3 else t for t in scripts.taboo)
    g = Guard.from_scripts(dataclasses.replace(scripts, taboo=taboo))
    (hit,) = g.check("不知道，你别问我！")
    assert hit.suggestion == next(t.advice for t in scripts.taboo if t.item == 3)


def test_hit_rule_names_the_item():
    assert Hit(item=11, start=0, end=1, suggestion="").rule == "60(11)"


def test_lint_record_shape(guard):
    clean = lint_record(guard, "您好！请坐，请问您要办理什么业务？")
    assert clean == {"text": "您好！请坐，请问您要办理什么业务？", "flagged": False, "hits": []}
    text = "有意见，找领导去。"
    rec = lint_record(guard, text)
    assert rec["flagged"] is True and rec["text"] == text
    (hit,) = rec["hits"]
    assert set(hit) == {"rule", "start", "end", "suggestion"}
    assert hit["rule"] == "60(10)" and text[hit["start"] : hit["end"]] == "有意见，找领导去"
    json.dumps(rec, ensure_ascii=False)  # JSON-ready


# ── the shortcut and the speed ───────────────────────────────────────────────────────────────────────


def test_skipping_rules_never_changes_a_result(guard, labelled, heldout):
    """The per-rule string prefilter is only a shortcut: without it the hits are identical."""
    slow = Guard(guard.suggestions)
    slow._rules = tuple(dataclasses.replace(r, needs=None) for r in guard._rules)
    assert all(r.needs is not None for r in guard._rules[:10])  # the shortcut is really in use
    for r in labelled + heldout:
        assert guard.check(r["text"]) == slow.check(r["text"]), r["text"]


def test_speed_under_one_millisecond_per_200_characters(guard, labelled):
    texts = [r["text"] for r in labelled]
    sentences = []
    for k in range(100):
        s = ""
        j = k
        while len(s) < 200:
            s += texts[j % len(texts)] + "，"
            j += 7
        sentences.append(s[:200])
    guard.check(sentences[0])
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for s in sentences:
            guard.check(s)
        best = min(best, (time.perf_counter() - t0) * 1000 / len(sentences))
    assert best <= 1.0, f"{best:.3f} ms"


def test_guard_does_not_import_qt():
    code = "import sys, assistant.domain.guard; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
