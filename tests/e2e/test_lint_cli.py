"""`python main.py lint`: the taboo guard from the command line, as a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RULE_IDS = {f"60({n})" for n in range(1, 12)}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(ROOT / ".no-data")}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin.encode("utf-8") if stdin is not None else None,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_flagged_text_exits_1_and_names_rule_span_and_suggestion():
    result = run("lint", "不知道，你别问我！")
    out = result.stdout.decode("utf-8")
    assert result.returncode == 1, result.stderr.decode("utf-8")
    assert "60(3)" in out and "“不知道，你别问我”" in out
    assert "请改用：" in out


def test_clean_text_exits_0():
    result = run("lint", "您先别着急，我帮您查一下。")
    assert result.returncode == 0, result.stderr.decode("utf-8")
    assert "未发现" in result.stdout.decode("utf-8")


def test_json_of_one_text():
    result = run("lint", "--json", "有意见，找领导去。")
    assert result.returncode == 1
    record = json.loads(result.stdout)
    assert record["flagged"] is True and record["hits"][0]["rule"] == "60(10)"


def test_jsonl_one_object_per_line_with_offsets_into_the_text():
    texts = [
        "急什么，这不是系统问题吗，我也急！",
        "这事我知道，我来给您说明",
        "",
        "材料都在墙上贴着呢，你自己看看就知道了。",
        "领导特别交代过这项业务要优先办理",
        "爱办不办！",
    ]
    result = run("lint", "--jsonl", stdin="\n".join(texts) + "\n")
    assert result.returncode == 0, result.stderr.decode("utf-8")
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(texts)
    records = [json.loads(line) for line in lines]
    assert [r["text"] for r in records] == texts
    assert [r["flagged"] for r in records] == [True, False, False, True, False, True]
    for r in records:
        assert set(r) == {"text", "flagged", "hits"}
        assert r["flagged"] == bool(r["hits"])
        for hit in r["hits"]:
            assert set(hit) == {"rule", "start", "end", "suggestion"}
            assert hit["rule"] in RULE_IDS
            assert 0 <= hit["start"] < hit["end"] <= len(r["text"])
            assert isinstance(hit["suggestion"], str) and hit["suggestion"]
    assert records[0]["hits"][0]["rule"] == "60(8)"
    assert any(h["rule"] == "60(4)" for h in records[3]["hits"])
    assert records[5]["hits"][0]["rule"] == "60(11)"
    hit = records[5]["hits"][0]
    assert texts[5][hit["start"] : hit["end"]] == "爱办不办"


def test_jsonl_reads_utf8_and_crlf_regardless_of_locale():
    env_text = "谁叫你挤进来的！\r\n您好，请坐。\r\n"
    result = run("lint", "--jsonl", stdin=env_text)
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [r["text"] for r in records] == ["谁叫你挤进来的！", "您好，请坐。"]
    assert records[0]["hits"][0]["rule"] == "60(2)" and not records[1]["flagged"]


def test_text_and_jsonl_together_or_neither_is_a_usage_error():
    for args in (("lint",), ("lint", "--jsonl", "你好")):
        result = run(*args)
        assert result.returncode == 2
        assert "错误" in result.stderr.decode("utf-8") and b"Traceback" not in result.stderr


def test_hall_scripts_folder_is_used(tmp_path: Path):
    result = run("--scripts", str(tmp_path), "lint", "瞎说什么，没看见我一直在忙吗？")
    assert result.returncode == 1 and "60(9)" in result.stdout.decode("utf-8")
