"""The review's chart series and their titles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from assistant.reports.model import FAULT_WORDS, YES, Table

# ─── charts ───────────────────────────────────────────────────────────────────────────────────────


def _column(table: Table, key: str) -> Callable[[tuple], Any]:
    index = table.keys.index(key)
    return lambda row: row[index]


def _charts(tables: Mapping[str, Table]) -> dict[str, list[tuple[str, float]]]:
    """Series for the four charts: (label, value) pairs in display order."""
    by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    table = tables["checklist"]
    day, on_time, provisional = (
        _column(table, "date"),
        _column(table, "on_time"),
        _column(table, "provisional"),
    )
    for row in table.rows:
        if provisional(row) == YES:  # lateness on a day no calendar file covers yet is not counted
            continue
        by_day[day(row)][0] += on_time(row) == YES
        by_day[day(row)][1] += 1
    failures: dict[str, int] = defaultdict(int)
    table = tables["checklist_items"]
    ok, text = _column(table, "ok"), _column(table, "text")
    for row in table.rows:
        if ok(row) in FAULT_WORDS.values():
            failures[text(row)] += 1
    overtime: dict[str, int] = defaultdict(int)
    table = tables["overtime"]
    clerk, minutes = _column(table, "clerk"), _column(table, "minutes")
    for row in table.rows:
        overtime[clerk(row) or "（未签到）"] += int(minutes(row) or 0)
    per_hour: dict[str, int] = defaultdict(int)
    table = tables["interactions"]
    started = table.keys.index("started_at")
    for row in table.rows:
        per_hour[row[started][11:13] + ":00"] += 1
    return {
        "on_time_by_day": [(d, round(100 * ok / n, 1)) for d, (ok, n) in sorted(by_day.items())],
        "failures_by_item": sorted(failures.items(), key=lambda kv: -kv[1]),
        "overtime_by_clerk": sorted(overtime.items()),
        "served_per_hour": sorted(per_hour.items()),
    }


# Charts whose values are counts (people, failures, minutes): whole numbers on the axis. The other is a percentage.
COUNT_CHARTS = ("failures_by_item", "overtime_by_clerk", "served_per_hour")


def value_axis(peak: float, percent: bool = False) -> tuple[float, int]:
    """(top, steps) of a value axis from 0 whose ticks are round numbers: whole numbers (1, 2 or 5 times a power
    of ten apart) for counts, 0–100 in steps of 20 for percentages; at most 6 steps."""
    if percent:
        return 100.0, 5
    if peak <= 0:
        return 1.0, 1
    step, scale = 1, 1
    while True:
        for factor in (1, 2, 5):
            step = factor * scale
            if -(-peak // step) <= 6:
                steps = int(-(-peak // step))
                return float(step * steps), steps
        scale *= 10


CHART_TITLES = {
    "on_time_by_day": "班前检查按时率（%，按日）",
    "failures_by_item": "检查不合格次数（按检查项）",
    "overtime_by_clerk": "延时服务分钟（按人员）",
    "served_per_hour": "每小时服务人数",
}
