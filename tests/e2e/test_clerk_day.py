"""A clerk's day as a person lives it (issue 14): the real app (`main.py`) under Xvfb + openbox, two real
business programs (a Qt and a Tk editor), only xdotool keys and clicks, controls found by their accessible
names. The hall's own hours.toml closes a few minutes after the test starts (no fake clock): sign in, the
checklist, three visitors, a phrase with fields from the panel and by hotkey and by quick search (each
followed by keystrokes that must land in the business program), one-click offers, pause and resume on one
screen, and closing time with people waiting. What landed in the editors and what was recorded are checked;
a screenshot of each state goes to docs/screenshots/ (WA_SCREENSHOTS=1) or to the test's folder.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.person import ROOT, Desktop, Editor, desktop, wait_until

pytestmark = pytest.mark.xvfb

REFER = "请您到{窗口}窗口办理此项业务！"
CLOSE_AFTER_MINUTES = 6


def hall_hours(folder: Path, now: datetime) -> datetime:
    """hours.toml with one period, every day, that opened an hour ago and closes a few minutes from now."""
    closing = (now + timedelta(minutes=CLOSE_AFTER_MINUTES + 1)).replace(second=0, microsecond=0)
    opening = now - timedelta(hours=1)
    if closing.date() != opening.date():
        pytest.skip("the test's period must open and close on the same day")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hours.toml").write_text(
        "schema = 1\n\n[[period]]\ndays = [1, 2, 3, 4, 5, 6, 7]\n"
        f'start = "{opening:%H:%M}"\nend = "{closing:%H:%M}"\n',
        encoding="utf-8",
    )
    return closing


def events(db: Path) -> list[tuple[str, dict]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT kind, payload FROM events ORDER BY id").fetchall()
    return [(kind, json.loads(payload)) for kind, payload in rows]


def kinds(db: Path, kind: str) -> list[dict]:
    return [p for k, p in events(db) if k == kind]


class Day:
    def __init__(self, d: Desktop, db: Path, shots: Path) -> None:
        self.d, self.db, self.shots = d, db, shots

    def shot(self, name: str) -> None:
        self.d.screenshot(self.shots / f"{name}.png")

    def form_ok(self) -> None:
        self.d.click("确定", role="push button")

    def fill_phrase_form(self) -> None:
        """The phrase's own form, focused; its 窗口 field starts on a window of the directory: Enter."""
        self.d.find("填写用语：" + REFER, role="dialog")
        wait_until(lambda: self.d.focused_window() == "填写用语", 10, "the phrase form to have the focus")
        self.d.key("Return")
        self.d.gone("填写用语：" + REFER, role="dialog")

    def lands(self, editor: Editor, kind: str, before: str, expected: str, then: str) -> str:
        """A paste starting with `expected` is appended to the editor's text (one change: the whole phrase),
        the focus is back in the editor, and the keys typed next land there too. The editor's text after."""
        text = editor.wait_text(lambda t: t.startswith(before + expected), 15, expected)
        wait_until(lambda: self.d.focused_window() == f"business-{kind}", 10, f"the focus back in {kind}")
        self.d.type(then)
        return editor.wait_text(lambda t: t == text + then, 10, f"{then!r} typed after it")

    def used(self) -> list[tuple[str, str]]:
        return [(p["phrase"], p["mode"]) for p in kinds(self.db, "phrase_used")]


def test_a_clerks_day(tmp_path):
    wanted = os.environ.get("WA_SCREENSHOTS", "")
    shots = ROOT / "docs" / "screenshots" if wanted == "1" else Path(wanted) if wanted else tmp_path / "shots"
    scripts = tmp_path / "hall"
    db = tmp_path / "day.db"
    closing = hall_hours(scripts, datetime.now().astimezone())
    with desktop(tmp_path) as d:
        d.start_app("--db", str(db), "--scripts", str(scripts), extra_env={"WA_NO_SPEECH": "1"})
        day = Day(d, db, shots)
        try:
            live_the_day(d, day, db, closing)
        except Exception:
            day.shot("failed")
            raise
    recorded = [k for k, _ in events(db)]
    assert recorded.count("interaction_start") == 4
    assert [m["title"] for m in kinds(db, "matter")] == ["SB-1", "YB-3"]
    assert kinds(db, "matter")[1]["outcome"] == "转办"


def live_the_day(d: Desktop, day: Day, db: Path, closing: datetime) -> None:
    qt = d.start_editor("qt")
    tk = d.start_editor("tk")

    # ── sign in, then the checklist ──
    d.click("签到或签退")
    d.click("工作证编号", role="text")
    d.type("A0123")
    d.click("窗口名称", role="text")
    d.type("S3")
    day.form_ok()
    d.gone("签到", role="dialog")
    d.click("班前检查", role="push button")
    d.find("班前检查", role="dialog")
    box = d.find("检查项")
    wait_until(lambda: any(n.name.endswith("：正常") for n in d.nodes()), 10, "the checklist's items")
    while unticked := [
        n
        for n in d.nodes()
        if n.name.endswith("：正常") and n.role == "check box" and "checked" not in n.states
    ]:
        in_view = [n for n in unticked if box.y <= n.centre[1] < box.y + box.h]
        for node in in_view:
            d.xdotool("mousemove", str(node.centre[0]), str(node.centre[1]), "click", "1")
        if not in_view:
            d.xdotool("mousemove", *(str(v) for v in box.centre), "click", "5", "click", "5", "click", "5")
    d.find("已检查 19 / 19 项", exact=False)
    d.click("提交班前检查")
    d.gone("班前检查", role="dialog")
    assert [p["clerk"] for p in kinds(db, "sign_in")] == ["A0123"]
    assert len(kinds(db, "checklist_submit")) == 1

    for _ in range(3):
        d.click("等候人数加一")
    d.find("等候 3 人", exact=False)

    # ── visitor 1, in the Qt program: a phrase with a field, from the panel ──
    d.activate("business-qt")
    d.click("开始接待一位服务对象")
    d.click("进入下一个环节")
    d.click_in_view("插入：" + REFER, "用语列表")
    day.shot("phrase-form")
    day.fill_phrase_form()
    text = day.lands(qt, "qt", "", "请您到", " ok1")
    assert text.endswith("窗口办理此项业务！ ok1")
    assert day.used() == [("greet.refer", "insert")]  # counted once it landed, never before
    d.click("切换到：办理")
    d.click("办理结果：办结")
    d.find("业务事项", role="text")
    d.type("SB-1")
    day.form_ok()
    d.gone("办结", role="dialog")
    d.click("结束本次接待")

    # ── visitor 2, in the Qt program: the same phrase by hotkey, then by quick search ──
    d.click("切换到：用语")
    d.click_in_view("收藏：" + REFER, "用语列表")
    d.activate("business-qt")
    d.click("开始接待一位服务对象")
    before = qt.text
    d.key("ctrl+alt+1")
    day.fill_phrase_form()
    text = day.lands(qt, "qt", before, "请您到", " ok2")
    before = text
    d.key("ctrl+alt+space")
    d.find("查找：汉字、全拼或首字母", role="text")
    d.type("qnd")
    d.key("Return")
    day.fill_phrase_form()
    text = day.lands(qt, "qt", before, "请您到", " ok3")
    assert text.count("窗口办理此项业务！") == 3
    d.click("结束本次接待")

    # ── visitor 3, in the Tk program: hotkey with fields, quick search, the 转办 offer ──
    d.activate("business-tk")
    d.click("开始接待一位服务对象")
    d.key("ctrl+alt+1")
    day.fill_phrase_form()
    text = day.lands(tk, "tk", "", "请您到", " ok4")
    d.key("ctrl+alt+space")
    d.find("查找：汉字、全拼或首字母", role="text")
    d.type("qsh")
    d.key("Return")
    text = day.lands(tk, "tk", text, "请稍候，我们马上为您办理！", " ok5")
    d.click("切换到：办理")
    d.click("办理结果：转办")
    d.find("业务事项", role="text")
    d.type("YB-3")
    day.form_ok()
    d.gone("转办", role="dialog")
    offer = d.find("插入：请您到", exact=False, role="push button")
    day.shot("offer-after-referral")
    d.activate("business-tk")
    d.click(offer.name, role="push button")
    text = day.lands(tk, "tk", text, offer.name.removeprefix("插入："), " ok6")
    assert "电话：" in text and "地址：" in text  # rule 10: where, and how to reach it
    d.click("结束本次接待")
    inserted = [p for p, mode in day.used() if mode == "insert"]
    assert inserted == ["greet.refer"] * 4 + ["greet.wait", "greet.refer"]

    # ── pause on the one screen, and back: a click on the sign, Esc, the hotkey ──
    d.click("暂停或恢复服务")
    d.find("暂停原因", role="combo box")
    d.key("Down", "Down")  # nothing is chosen before: 会议, then 培训
    day.form_ok()
    sign = d.find("暂停服务标识牌")
    side = d.find("窗口服务助手侧边栏")
    assert sign.x + sign.w <= side.x or side.x + side.w <= sign.x, (sign, side)  # the sidebar uncovered
    day.shot("pause-sign-one-screen")
    assert kinds(db, "pause")[-1]["reason"] == "培训"
    d.click("暂停服务标识牌")
    d.click("继续暂停", role="push button")
    d.gone("继续暂停")
    assert len(kinds(db, "resume")) == 0
    d.key("Escape")  # the sign has the focus on this screen
    d.click("恢复服务", role="push button")
    wait_until(lambda: len(kinds(db, "resume")) == 1, 10, "resume recorded")
    d.gone("暂停服务标识牌")
    d.click("暂停或恢复服务")
    d.find("暂停原因", role="combo box")
    d.key("Down")
    day.form_ok()
    d.find("暂停服务标识牌")
    d.key("ctrl+alt+r")
    wait_until(lambda: len(kinds(db, "resume")) == 2, 10, "resume by the hotkey")
    d.gone("暂停服务标识牌")
    d.activate("business-tk")
    d.type(" ok7")
    tk.wait_text(lambda t: t.endswith(" ok7"), what="the business program still gets the keys")

    # ── closing time with people waiting: overtime, not refused (rule 28) ──
    d.find("等候 0 人", exact=False)  # 来人 called each of the three down
    d.click("等候人数加一")
    d.click("等候人数加一")
    d.find("等候 2 人", exact=False)
    d.find("下班 · 还有", exact=False, timeout=CLOSE_AFTER_MINUTES * 60)
    wait_until(
        lambda: datetime.now().astimezone() >= closing + timedelta(seconds=2),
        CLOSE_AFTER_MINUTES * 60 + 120,
        "closing time",
    )
    d.find("延时服务中", timeout=30)
    day.shot("overtime-with-people-waiting")
    d.click("开始接待一位服务对象")
    d.click("结束本次接待")
