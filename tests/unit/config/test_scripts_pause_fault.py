"""The pause reasons (rule 40) and the long-fault threshold (rule 24) come from the scripts, not from code:
flow.toml [close] reasons and hours.toml [thresholds] fault_long_minutes."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from assistant.config.schema import DEFAULT_PAUSE_REASONS, FILE_NAMES, Scripts
from assistant.config.scripts import default_dir, load_scripts
from assistant.desk import Desk
from assistant.domain import service
from assistant.edges.clock import FixedClock
from assistant.store.event_log import EventStore
from tests.conftest import CST, ready_desk

SIX = ("会议", "培训", "系统维护", "临时离岗", "就餐", "其他")
BUILTIN_REASONS = 'reasons = ["会议", "培训", "系统维护", "临时离岗", "就餐", "其他"]'


@pytest.fixture
def hall(tmp_path: Path) -> Path:
    folder = tmp_path / "hall"
    folder.mkdir()
    for name in FILE_NAMES:
        shutil.copy(default_dir() / name, folder / name)
    return folder


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, start: str) -> int:
    """1-based number of the first line that starts with *start* (comments mention the keys too)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


# ─── defaults ───────────────────────────────────────────────────────────────────────────────────


def test_defaults_have_the_six_reasons_and_ten_minutes(scripts: Scripts) -> None:
    assert scripts.problems == ()
    assert scripts.flow.pause_reasons == SIX == DEFAULT_PAUSE_REASONS
    assert scripts.flow.close.reasons == SIX and all(s.reasons == () for s in scripts.flow.steps)
    assert scripts.hours.thresholds.fault_long_minutes == 10
    assert BUILTIN_REASONS in (default_dir() / "flow.toml").read_text(encoding="utf-8")
    assert "fault_long_minutes = 10" in (default_dir() / "hours.toml").read_text(encoding="utf-8")


def test_a_hall_flow_without_reasons_gets_the_six(hall: Path) -> None:
    edit(hall / "flow.toml", BUILTIN_REASONS + "\n", "")
    scripts = load_scripts(hall)
    assert scripts.problems == () and scripts.flow.pause_reasons == SIX


def test_a_hall_flow_with_its_own_reasons(hall: Path) -> None:
    edit(hall / "flow.toml", BUILTIN_REASONS, 'reasons = ["窗口交接", " 其他 "]')
    scripts = load_scripts(hall)
    assert scripts.problems == () and scripts.flow.pause_reasons == ("窗口交接", "其他")


# ─── broken hall files: one Chinese problem naming file, line and field; the file falls back ─────


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ("[]", "close.reasons", "不能是空列表"),
        ('"会议"', "close.reasons", "应为文本列表"),
        ('["会议", 3]', "close.reasons[2]", "应为文本"),
        ('["会议", "  "]', "close.reasons[2]", "是空的"),
        ('["会议", "会议"]', "close.reasons[2]", "重复"),
    ],
)
def test_bad_reasons_give_one_problem_and_fall_back(hall: Path, value: str, field: str, words: str) -> None:
    edit(
        hall / "flow.toml", 'name = "关闭"', 'name = "关闭"\n# 大厅改过'
    )  # moves the line: it is found, not assumed
    text = edit(hall / "flow.toml", BUILTIN_REASONS, f"reasons = {value}")
    scripts = load_scripts(hall)
    assert len(scripts.problems) == 1, scripts.problems
    problem = scripts.problems[0]
    assert (problem.file, problem.line, problem.field) == (
        str(hall / "flow.toml"),
        line_of(text, "reasons ="),
        field,
    )
    assert words in problem.message and problem.message.endswith("已改用内置的默认文件。")
    assert str(problem).startswith(f"flow.toml 第 {problem.line} 行，字段 {field}：")
    assert scripts.flow.pause_reasons == SIX


@pytest.mark.parametrize(
    ("value", "words"), [("0", "应为正整数"), ("-5", "应为正整数"), ('"10"', "应为整数"), ("2.5", "应为整数")]
)
def test_bad_fault_long_minutes_gives_one_problem_and_falls_back(hall: Path, value: str, words: str) -> None:
    text = edit(hall / "hours.toml", "fault_long_minutes = 10", f"fault_long_minutes = {value}")
    scripts = load_scripts(hall)
    assert len(scripts.problems) == 1, scripts.problems
    problem = scripts.problems[0]
    assert (problem.file, problem.line, problem.field) == (
        str(hall / "hours.toml"),
        line_of(text, "fault_long_minutes ="),
        "thresholds.fault_long_minutes",
    )
    assert words in problem.message and problem.message.endswith("已改用内置的默认文件。")
    assert scripts.hours.thresholds.fault_long_minutes == 10


# ─── the threshold is the one the service reads ─────────────────────────────────────────────────


def _fault_minutes_until_long(scripts: Scripts, tmp_path: Path) -> int:
    """Minutes after fault_start at which service.fault_is_long first says yes."""
    clock = FixedClock(datetime(2026, 11, 26, 8, 40, tzinfo=CST))
    with EventStore.open(tmp_path / "assistant.db") as store:
        desk = ready_desk(Desk(store, scripts, clock))
        assert desk.execute("fault_start", {"fault": "系统出现故障"}).accepted
        for minute in range(30):
            if service.fault_is_long(desk.state, clock.now(), scripts):
                return minute
            clock.advance(minutes=1)
    raise AssertionError("never long")


def test_a_hall_threshold_changes_when_a_fault_is_long(hall: Path, scripts: Scripts, tmp_path: Path) -> None:
    assert _fault_minutes_until_long(scripts, tmp_path / "a") == 10
    edit(hall / "hours.toml", "fault_long_minutes = 10", "fault_long_minutes = 3")
    ours = load_scripts(hall)
    assert ours.problems == () and ours.hours.thresholds.fault_long_minutes == 3
    assert _fault_minutes_until_long(ours, tmp_path / "b") == 3


def test_no_fault_is_never_long(desk: Desk) -> None:
    ready_desk(desk)
    assert not service.fault_is_long(desk.state, desk.clock.now(), desk.scripts)
