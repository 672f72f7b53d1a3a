"""Demo data for the review: a few weeks of a hall's windows, recorded through the same Desk and rules.

No back door: every event comes from ``Desk.execute`` (a refused command is simply skipped and counted).
The database is marked as demo by its first event ``demo_data`` {days, windows}; a database whose first
event is anything else holds real records and is refused. Each window's day is recorded as one session
(sign in … sign out), window after window, so the times go back to the morning when the next window's day
starts; the review tags events by the session they belong to, so that does not matter to it.

Speed: the commits are batched in the sense that the store runs with ``PRAGMA synchronous=OFF`` while the
demo is written (one fsync at the end instead of one per command); every event still goes through
``EventStore.append`` and its hash chain.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from typing import Any

from assistant.config.schema import Scripts
from assistant.desk import Desk
from assistant.edges.clock import FixedClock
from assistant.store.event_log import EventStore

CST = timezone(timedelta(hours=8))
WINDOW_NAMES = ("综合受理{}号窗口", "社保{}号窗口", "不动产{}号窗口", "公积金{}号窗口")
MATTERS = ("社保转移", "医保报销", "不动产登记", "公积金提取", "营业执照变更", "居住证办理", "税务登记")


class DemoError(Exception):
    pass


def _check_demo(store: EventStore) -> None:
    row = store.conn.execute("SELECT kind FROM events ORDER BY id LIMIT 1").fetchone()
    if row is not None and row[0] != "demo_data":
        raise DemoError(f"数据库 {store.path} 已有真实记录，演示数据不会写入其中；请用新的 --db 文件。")


def fill_demo(
    store: EventStore, scripts: Scripts, *, days: int, windows: int, end: date, seed: int = 6
) -> tuple[int, float]:
    """Record `days` days (ending at `end`, working days only) of `windows` windows; (events, seconds)."""
    _check_demo(store)
    started = time.perf_counter()
    first_id = store.last_id()
    rnd = random.Random(seed)
    clock = FixedClock(datetime.combine(end - timedelta(days=days), dtime(8, 0), CST))
    desk = Desk(store, scripts, clock)
    refused: list[str] = []

    def run(kind: str, data: dict[str, Any] | None = None) -> bool:
        outcome = desk.execute(kind, data)
        if not outcome.accepted:
            refused.append(kind)
        return outcome.accepted

    store.conn.execute("PRAGMA synchronous=OFF")
    try:
        run("demo_data", {"days": days, "windows": windows})
        for offset in range(days - 1, -1, -1):
            day = end - timedelta(days=offset)
            for w in range(windows):
                window = WINDOW_NAMES[w % len(WINDOW_NAMES)].format(w // len(WINDOW_NAMES) + 1)
                periods = scripts.hours.periods_on(day, window)
                if periods:
                    _window_day(run, clock, scripts, rnd, day, periods, window, f"D{w + 1:03d}")
    finally:
        store.conn.execute("PRAGMA synchronous=FULL")
        store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    return store.last_id() - first_id, time.perf_counter() - started


def _window_day(
    run, clock: FixedClock, scripts: Scripts, rnd: random.Random, day: date, periods, window: str, clerk: str
) -> None:
    at = lambda t: datetime.combine(day, t, CST)
    first = at(periods[0].start)
    clock.set(first - timedelta(minutes=rnd.choice((25, 20, 15, 12, 8, 4, -3))))
    role = "咨询引导人员" if window.startswith("综合") and rnd.random() < 0.3 else "窗口人员"
    if not run("sign_in", {"clerk": clerk, "role": role, "window": window}):
        return
    fast = rnd.random() < 0.1
    for item in scripts.checklist.items:
        clock.advance(seconds=rnd.randint(1, 2) if fast else rnd.randint(8, 40))
        ok = fast or rnd.random() > 0.03
        run("checklist_item", {"item": item.id, "ok": ok, "note": "" if ok else "无法正常使用，已报修"})
    clock.advance(seconds=5)
    run("checklist_submit")
    steps = [s.id for s in scripts.flow.steps]
    referrals = [e.id for e in scripts.directory.entries]
    phrases = list(scripts.phrases)
    for p_index, period in enumerate(periods):
        opening, closing = at(period.start), at(period.end)
        if clock.now() < opening:
            clock.set(opening + timedelta(seconds=rnd.randint(0, 120)))
        while clock.now() < closing - timedelta(minutes=4):
            if rnd.random() < 0.01:
                run("pause", {"reason": rnd.choice(scripts.flow.pause_reasons)})
                clock.advance(minutes=rnd.randint(5, 25))
                run("resume")
            person = (
                {"phone": f"13{rnd.randint(0, 9)}{rnd.randint(10000000, 99999999)}"}
                if rnd.random() < 0.2
                else None
            )
            if not run("interaction_start", {"person": person} if person else {}):
                clock.advance(minutes=10)
                continue
            for step in steps[1:]:
                clock.advance(seconds=rnd.randint(15, 150))
                run("step", {"step": step})
                if rnd.random() < 0.3:
                    run(
                        "phrase_used",
                        {"phrase": rnd.choice(phrases), "mode": rnd.choice(("insert", "copy", "speak"))},
                    )
                if step == "ting":
                    r = rnd.random()
                    matter: dict[str, Any] = {"title": rnd.choice(MATTERS), "outcome": "办结"}
                    if r < 0.08 and referrals:
                        matter.update(outcome="转办", referral=rnd.choice(referrals))
                    elif r < 0.12:
                        matter.update(outcome="退回", faults=["材料不全"])
                    elif r < 0.14:
                        due = scripts.hours.add_working_days(day, 3)
                        matter.update(outcome="待答复", due=due.isoformat())
                    run("matter", matter)
            clock.advance(seconds=rnd.randint(10, 40))
            run("interaction_end")
            clock.advance(seconds=rnd.randint(20, 600))
        last = p_index == len(periods) - 1
        if last and rnd.random() < 0.25:  # people still waiting at closing time: overtime (rule 28)
            run("waiting_set", {"count": rnd.randint(1, 3)})
            clock.set(closing + timedelta(seconds=rnd.randint(0, 30)))
            for _ in range(rnd.randint(1, 3)):
                run("interaction_start")
                clock.advance(minutes=rnd.randint(3, 9))
                run("interaction_end")
            run("waiting_set", {"count": 0})
        elif rnd.random() < 0.5:
            run("waiting_set", {"count": 0})
        clock.set(max(clock.now(), closing) + timedelta(seconds=rnd.randint(0, 60)))
        run("close_request")
    clock.advance(minutes=2)
    run("sign_out")
