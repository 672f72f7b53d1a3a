"""The taboo guard (rule 60): labelled-set floors, the seed sentences, offsets, suggestions, speed."""

from __future__ import annotations

import copy
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


@pytest.fixture(scope="module")
def unseen() -> list[dict]:
    """The second held-out set, written before the guard's second pass and never tuned on."""
    return _load("taboo_unseen.jsonl")


# ── the labelled sets ────────────────────────────────────────────────────────────────────────────────


KINDS = {"traditional", "homophone", "politeness", "colloquial", "word-order", "insult"}
CLEAN_KINDS = {"compliant", "referral", "polite-colloquial", "traditional"}


@pytest.mark.parametrize("name", ["taboo_labelled.jsonl", "taboo_heldout.jsonl", "taboo_unseen.jsonl"])
def test_labelled_files_are_well_formed(name):
    records = _load(name)
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts)), "重复的句子"
    for r in records:
        assert set(r) in ({"text", "item"}, {"text", "item", "kind"})
        if "kind" in r:
            assert r["kind"] in (CLEAN_KINDS if r["item"] is None else KINDS), r
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


def test_unseen_set_covers_every_item_and_kind_and_is_separate(labelled, heldout, unseen):
    assert {r["item"] for r in unseen} == set(range(1, 12)) | {None}
    assert {r["kind"] for r in unseen if r["item"] is not None} == KINDS
    assert sum(1 for r in unseen if r["kind"] == "referral") >= 10  # rule 10's referrals must pass
    assert not {r["text"] for r in labelled + heldout} & {r["text"] for r in unseen}


def test_labelled_set_floors(guard, labelled):
    s = evaluate(guard, labelled)
    assert s.recall >= 0.97, s.misses
    assert s.false_alarm_rate <= 0.03, s.false_alarms
    assert s.item_accuracy >= 0.97, s.wrong_item


def test_heldout_floors(guard, heldout):
    s = evaluate(guard, heldout)
    assert s.recall >= 0.85, s.misses
    assert s.false_alarm_rate <= 0.10, s.false_alarms
    assert s.item_accuracy >= 0.85, s.wrong_item


def test_unseen_floors(guard, unseen):
    """Floors a little under what the guard reached (README): a regression on unseen wording fails here."""
    s = evaluate(guard, unseen)
    assert s.recall >= 0.78, len(s.misses)
    assert s.false_alarm_rate <= 0.03, len(s.false_alarms)
    assert s.item_accuracy >= 0.95, len(s.wrong_item)


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
    slow = copy.copy(guard)
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
        # CPU time of this process: other work on a shared machine does not count against the guard
        t0 = time.process_time()
        for s in sentences:
            guard.check(s)
        best = min(best, (time.process_time() - t0) * 1000 / len(sentences))
    assert best <= 1.0, f"{best:.3f} ms"


def test_guard_does_not_import_qt():
    code = "import sys, assistant.domain.guard; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ── unseen wording: traditional characters, pinyin typos, politeness, referrals, the lexicon ─────────


def test_every_seed_in_traditional_characters_is_caught(guard, scripts):
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    for t in scripts.taboo:
        if t.item <= 10:
            text = to_traditional.convert(t.seed)
            assert text != t.seed
            assert t.item in {h.item for h in guard.check(text)}, text


def test_traditional_offsets_slice_the_original(guard):
    text = "您好，牆上貼著呢，你自己看看"
    (hit,) = guard.check(text)
    assert hit.item == 4 and text[hit.start : hit.end].startswith("牆上貼著呢，你自己看")


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("还没上斑，等等，上斑再办", 1),  # 班 → 斑
        ("有意见，找铃导去", 10),  # 领 → 铃
        ("不会田，找其他人去", 7),  # 填 → 田
        ("瞎说什么，没看见我一直在盲吗", 9),
    ],
)
def test_pinyin_typos_are_caught_by_sound(guard, text, item):
    assert item in {h.item for h in guard.check(text)}


@pytest.mark.parametrize(
    "text",
    [
        "您的号码已经叫到了，请到3号窗口",
        "联系人赵主任，电话62001234",  # 赵 is a name, not 找
        "请您在沙发上稍坐",  # 傻 is matched as written only
        "您说的情况我都记下了",  # 下了 is not 瞎了
        "这台设备比较笨重",  # a harmless word of the lexicon
    ],
)
def test_sound_alikes_that_are_not_taboo_stay_clean(guard, text):
    assert guard.check(text) == []


def test_politeness_is_no_alibi_for_a_refusal(guard):
    for text, item in [
        ("您要是不会填，就找别人去吧", 7),
        ("不好意思，这不归我管，您问别人去吧", 5),
        ("您自己看看墙上吧，都贴着呢", 4),
        ("请您别问我了，我不知道", 3),
    ]:
        assert item in {h.item for h in guard.check(text)}, text
    # what still defuses is help given
    assert guard.check("您要是不会填也没关系，我来教您填") == []


@pytest.mark.parametrize(
    "text",
    [
        "这件事不归我们窗口办，您到二楼12号窗口，电话是88123456",
        "这个不归我们管，归区民政局，地址是中山路25号，联系人王科长",
        "这项业务不在我们这边，您去一楼的社保窗口办理",
    ],
)
def test_a_referral_naming_place_phone_or_address_is_not_60_5(guard, text):
    assert guard.check(text) == []


def test_a_bare_brush_off_is_still_60_5(guard):
    assert {h.item for h in guard.check("这件事不归我们窗口办，您问别人去吧")} == {5}


def test_item_3_is_answered_by_a_pending_reply(guard, scripts):
    """不知道，你别问我 → rule 18: report and answer later (待答复), not a referral."""
    (t3,) = [t for t in scripts.taboo if t.item == 3]
    assert t3.instead == ("receive.reply_days",)
    assert "待答复" in t3.advice and "第18条" in t3.advice
    (hit,) = guard.check(t3.seed)
    assert hit.suggestion == scripts.phrase("receive.reply_days").template


def test_the_insult_lexicon_comes_from_taboo_toml(guard, scripts):
    (t11,) = [t for t in scripts.taboo if t.item == 11]
    assert len(t11.words) >= 100 and "滚动" in t11.harmless
    for word in t11.words:
        assert [h.item for h in guard.check(f"你这人，{word}")] != [], word
    assert [h.item for h in guard.check("滚")] == [11]
    assert guard.check("滚动屏幕上有叫号信息") == []


def test_a_hall_extends_the_lexicon_in_its_taboo_toml(tmp_path):
    from assistant.config.scripts import default_dir

    text = (default_dir() / "taboo.toml").read_text(encoding="utf-8")
    assert "瓜娃子" not in text and Guard.from_scripts(load_scripts()).check("你个瓜娃子") == []
    (tmp_path / "taboo.toml").write_text(text.replace('"笨", ', '"笨", "瓜娃子", ', 1), encoding="utf-8")
    hall = load_scripts(tmp_path)
    assert hall.problems == ()
    assert [h.item for h in Guard.from_scripts(hall).check("你个瓜娃子")] == [11]


def test_a_harmless_word_without_its_insult_is_a_load_problem(tmp_path):
    from assistant.config.scripts import default_dir

    text = (default_dir() / "taboo.toml").read_text(encoding="utf-8")
    text = text.replace('harmless = ["笨重"', 'harmless = ["好人", "笨重"', 1)
    (tmp_path / "taboo.toml").write_text(text, encoding="utf-8")
    (problem,) = load_scripts(tmp_path).problems
    assert problem.file == str(tmp_path / "taboo.toml") and "好人" in problem.message
    assert problem.field == "taboo[11].harmless[1]" and problem.line is not None


def test_the_shared_guard_knows_the_built_in_lexicon():
    from assistant.domain.guard import shared_guard

    assert [h.item for h in shared_guard().check("你这个窝囊废")] == [11]


def test_the_pinyin_table_is_what_pypinyin_gives_today():
    """assistant/domain/guard_pinyin.py is generated (tools/build_pinyin_table.py); stale, it fails here."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_pinyin_table
    finally:
        sys.path.pop(0)
    assert build_pinyin_table.TARGET.read_text(encoding="utf-8") == build_pinyin_table.render()


def test_the_guard_never_imports_pypinyin():
    """pypinyin costs ~330 ms to import: the guard reads the generated table instead."""
    code = (
        "import sys; from assistant.domain.guard import Guard; Guard({}).check('还没上斑'); "
        "print('pypinyin' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
