"""The pinyin quick search: Chinese, full pinyin, initials, polyphones, anywhere, ranking, the cache."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assistant.scripts import Phrase
from assistant.search import (
    TIER_INITIALS,
    TIER_PINYIN,
    TIER_TEXT,
    PhraseIndex,
    content_hash,
    entries_of,
    usage_counts,
)
from tests.conftest import ROOT, ready_desk


def phrase(pid: str, text: str, keywords: tuple[str, ...] = ()) -> Phrase:
    return Phrase(id=pid, category="测试", rule=52, seed=text, template=text, keywords=keywords)


@pytest.fixture
def index(scripts) -> PhraseIndex:
    return PhraseIndex.build(entries_of(scripts.phrases.values()))


def ids(hits) -> list[str]:
    return [h.id for h in hits]


def test_initials_find_the_phrase_first(index):
    assert ids(index.search("qsh"))[0] == "greet.wait"


def test_chinese_full_pinyin_and_mixed_queries(index):
    assert ids(index.search("请稍候"))[0] == "greet.wait"
    assert index.search("请稍候")[0].tier == TIER_TEXT
    assert ids(index.search("qingshaohou"))[0] == "greet.wait"
    assert index.search("qingshaohou")[0].tier == TIER_PINYIN
    assert "greet.wait" in ids(index.search("qingshh"))  # full syllables then initials
    assert index.search("qsh")[0].tier == TIER_INITIALS


def test_query_matches_in_the_middle_of_a_phrase(index):
    found = ids(index.search("mashangwei"))  # 请稍候，我们【马上为】您办理！
    assert found[0] == "greet.wait"
    assert "greet.wait" in ids(index.search("msw"))
    assert "greet.wait" in ids(index.search("马上为"))


def test_every_reading_of_a_polyphone_finds_it():
    idx = PhraseIndex.build(entries_of([phrase("bank", "请到银行窗口"), phrase("long", "时间较长"),
                                        phrase("walk", "可以步行前往")]))
    assert ids(idx.search("yinhang")) == ["bank"]
    assert ids(idx.search("yinxing")) == ["bank"]  # 行 read xing is still 行
    assert ids(idx.search("jiaochang")) == ["long"]
    assert ids(idx.search("jiaozhang")) == ["long"]
    assert ids(idx.search("jz")) == ["long"] and ids(idx.search("jc")) == ["long"]
    assert ids(idx.search("buxing")) == ["walk"]


def test_ranking_is_quality_then_use_count():
    idx = PhraseIndex.build(entries_of([
        phrase("initials", "请到四号窗口安排"),  # si hao … an: "sha" only by initials
        phrase("full", "沙发在左边"),            # sha: full pinyin
        phrase("other", "您好", keywords=("沙",)),
    ]))
    idx.set_uses({"initials": 50})
    assert ids(idx.search("sha")) == ["full", "initials", "other"]  # quality before use
    idx2 = PhraseIndex.build(entries_of([phrase("a", "请稍候片刻"), phrase("b", "请随后再来")]))
    assert ids(idx2.search("qsh")) == ["a", "b"]
    idx2.set_uses({"b": 3})
    assert ids(idx2.search("qsh")) == ["b", "a"]  # same tier: the more used first
    idx2.add_use("a")
    assert idx2.search("qsh")[0].uses == 3


def test_limit_and_empty_query(index, scripts):
    assert len(index.search("", limit=5)) == 5
    assert len(index.search("")) == len(scripts.phrases)
    assert len(index.search("b", limit=3)) == 3
    assert index.search("zzzzqqq") == []
    assert index.search("greet.wait")[0].id == "greet.wait"


def test_limit_gives_the_same_top_results_as_the_full_list(index):
    index.set_uses({"handle.now": 3, "greet.rest_area": 1})
    for query in ("q", "qs", "bl", "ban", "nin", "h", "ning"):
        assert ids(index.search(query, limit=4)) == ids(index.search(query))[:4], query


def test_use_counts_from_the_store(desk):
    ready_desk(desk)
    desk.execute("phrase_used", {"phrase": "greet.wait", "mode": "copy"})
    desk.execute("phrase_used", {"phrase": "greet.wait", "mode": "insert"})
    assert usage_counts(desk.store.conn) == {"greet.wait": 2}


def test_cache_file_beside_scripts_keyed_by_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    hall = tmp_path / "hall"
    hall.mkdir()
    phrases = [phrase("a", "请稍候")]
    PhraseIndex.for_phrases(phrases, hall)
    digest = content_hash(entries_of(phrases))
    cache = hall / f".phrase-index-{digest}.json"
    assert cache.exists()
    again = PhraseIndex.for_phrases(phrases, hall)
    assert ids(again.search("qsh")) == ["a"]
    changed = [phrase("a", "马上办理")]
    PhraseIndex.for_phrases(changed, hall)
    assert not cache.exists()  # the old cache is replaced by the new content's
    assert len(list(hall.glob(".phrase-index-*.json"))) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_cache_goes_to_the_data_folder_when_scripts_are_read_only(tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    hall = tmp_path / "hall"
    hall.mkdir()
    hall.chmod(0o555)
    try:
        PhraseIndex.for_phrases([phrase("a", "请稍候")], hall)
    finally:
        hall.chmod(0o755)
    assert list((tmp_path / "data" / "index-cache").glob(".phrase-index-*.json"))


def test_cache_falls_back_to_the_data_folder(tmp_path, monkeypatch):
    from assistant import search

    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(search.os, "access", lambda *_a: False)  # as if read-only (root ignores modes)
    PhraseIndex.for_phrases([phrase("a", "请稍候")], tmp_path)
    assert list((tmp_path / "data" / "index-cache").glob(".phrase-index-*.json"))
    assert not list(tmp_path.glob(".phrase-index-*.json"))


def test_pypinyin_is_not_imported_on_start_up_or_when_the_cache_is_warm(tmp_path):
    code = (
        "import sys\n"
        "from assistant.scripts import load_scripts\n"
        "import assistant.search, assistant.cli, assistant.desk\n"
        "assert 'pypinyin' not in sys.modules\n"
        "from assistant.search import PhraseIndex\n"
        "s = load_scripts()\n"
        f"PhraseIndex.for_phrases(s.phrases.values(), __import__('pathlib').Path({str(tmp_path)!r}))\n"
        "first = 'pypinyin' in sys.modules\n"
        "print(first)\n"
    )
    env = {**os.environ, "WA_DATA_DIR": str(tmp_path / "data")}
    run = lambda: subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=True).stdout.strip()
    assert run() == "True"   # cold: built with pypinyin
    assert run() == "False"  # warm: read from the cache file, pypinyin never loaded
