"""The shift lead's review as tables of rows, read from the event store (Qt-free).

``build_report(store, scripts, ReportFilter(...))`` returns a :class:`Report`: the tables below, each with
stable column keys (for programs, csv headers of ``export --keys``) and Chinese labels (for people, the
header row of the exports). The keys, the labels and the table keys are part of the contract: new columns
are appended, none is renamed or removed.

How the events become rows
--------------------------
Events do not repeat who recorded them: the clerk, role and window come from the last ``sign_in`` before
them (a ``clerk``/``window``/``role`` in an event's own payload wins). One pass over the events of the range
(plus the last ``sign_in`` before it) tags every event with that context; the filter (date range by the
recorded local date, window, clerk, role) then applies to the tagged events and each table is a fold over
them. Kinds the review does not know are ignored, so new kinds slot in by adding a builder to ``TABLES``.

Tables (key → sheet/file title):

* ``checklist`` 班前检查 — one row per submitted run: on time / late with minutes, fast runs, late arrival, and
  whether the day is provisional (no calendar file covers it: its lateness is shown but not counted in the chart),
  appearance notes (rules 41–47: not equipment faults) and the items that did not apply.
* ``checklist_items`` 检查项明细 — every tick of every run.
* ``faults`` 设备故障 — failed checklist items (equipment faults) and faults reported while serving.
* ``pauses`` 暂停服务 — 暂停服务 and internal work, with reason and duration.
* ``overtime`` 延时服务 — one row per stretch served overtime (rule 28): start, end, served.
* ``home_services`` 上门服务 — home-service requests registered in the range (rule 25): need, due date, working
  days left, overdue, status, phone from ``persons``; requests opened before the range and still open are shown too.
* ``departures`` 提前签退 — sign-outs before closing time with a reason (交接班, 签到有误, 请假, 公务外出; rule 8).
* ``interactions`` 服务记录 — one row per person served: step durations, outcomes, referrals.
* ``follow_ups`` 投诉与待答复 — follow-ups and complaints, due in working days, overdue first.
* ``phrases`` 用语使用 — phrase usage per clerk and phrase, by mode.
* ``guard_alerts`` 忌语提醒 — the taboo guard's alerts (kinds ``guard_*`` / ``taboo_*``).
* ``notes`` 批注与说明 — the lead's acknowledgements and the clerks' explanations.
* ``exports`` 导出记录 — every export (who, when, range, masked or not).
* ``clock`` 时钟异常 — issue 8: ``clock_jump`` (wall_before, wall_after, monotonic_elapsed, delta_seconds) and
  ``hall_clock_offset`` (offset_seconds, tolerance_seconds, local_time) events.
* ``corrections`` 更正 — issue 8: every ``correction`` with the kind and time of the record it corrects.
* ``purges`` 个人信息清除 — issue 8: every ``purge_personal`` (before, count, by, retention_days).

Records made across a jump of the PC's clock carry a ``clock_jump`` key (the jump's event id): their rows show it
in the column ``clock_jump`` 时钟跳变 (an interaction: the first of its events that carries one). Corrections
also show beside their target in the column ``correction`` 更正.

Lazy tables
-----------
By default (source "projections") the tables are lazy (:class:`Table` over a :class:`RowSource`):
``len(table)`` is a SQL count, ``table.page(offset, limit)`` one page and ``table.all_rows()`` every row page by
page, so the review window opens a month of a 40-window hall (~90,000 rows) without building it, and exports
stream it. ``table.rows`` / ``table.targets`` still build the whole list (once). Chart series are SQL.

Personal data stays in ``persons``; the ``phone`` columns read it from there (masked by the exporter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, NamedTuple

ACK_KIND = "review_ack"  # the lead acknowledges a record with a comment {target, comment}
EXPLAIN_KIND = "explain"  # a clerk explains a late run or a fault {target, text}
EXPORT_KIND = "export"
CORRECTION_KIND = "correction"  # issue 8: a correction of an earlier record {target, reason, by, changes}
PURGE_KIND = "purge_personal"  # issue 8: personal data removed {before, count, by, retention_days}
CLOCK_KINDS = ("clock_jump", "hall_clock_offset")  # issue 8: the PC's clock jumped / differs from the hall's
GUARD_PREFIXES = ("guard", "taboo")
STATUS_OPEN = "未修复"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str
    label: str


PAGE = 200  # rows a page (the review window fetches one page at a time as the lead scrolls)


class RowSource:
    """Where a lazy :class:`Table` gets its rows: a count and pages (rows, targets), without building the rest.

    Subclasses implement :meth:`count` and :meth:`page`; :meth:`pages` walks the table page by page (exports
    stream it), and the rows are the same, in the same order, as the whole table built at once."""

    def count(self) -> int:
        raise NotImplementedError

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        raise NotImplementedError

    def pages(self, size: int) -> Iterator[tuple[list[tuple], list[Any]]]:
        offset = 0
        while True:
            rows, targets = self.page(offset, size)
            if rows:
                yield rows, targets
            if len(rows) < size:
                return
            offset += len(rows)


class Table:
    """One review table: stable columns, rows (tuples in column order) and the event id each row is about.

    A table is either built (``rows``/``targets`` are lists) or lazy over a :class:`RowSource` (what
    ``build_report`` returns by default): ``len(table)`` is the row count, :meth:`page` one page and
    :meth:`all_rows` / :meth:`all_targets` every row page by page, none of which builds the whole table. Touching
    ``rows`` or ``targets`` (or :meth:`add`) builds it once and keeps the lists (mutable, as before)."""

    def __init__(
        self,
        key: str,
        title: str,
        columns: tuple[Column, ...],
        rows: list[tuple] | None = None,
        targets: list[int | None] | None = None,
        source: RowSource | None = None,
    ) -> None:
        self.key, self.title, self.columns = key, title, columns
        self.source = source
        self._rows: list[tuple] | None = rows if rows is not None else (None if source else [])
        self._targets: list[Any] | None = targets if targets is not None else (None if source else [])

    def __repr__(self) -> str:
        return f"Table({self.key!r}, {len(self)} rows{'' if self.built else ', lazy'})"

    @property
    def built(self) -> bool:
        return self._rows is not None

    def _build(self) -> None:
        assert self.source is not None
        rows: list[tuple] = []
        targets: list[Any] = []
        for page_rows, page_targets in self.source.pages(10_000):
            rows.extend(page_rows)
            targets.extend(page_targets)
        self._rows, self._targets = rows, targets

    @property
    def rows(self) -> list[tuple]:
        if self._rows is None:
            self._build()
        return self._rows  # type: ignore[return-value]

    @rows.setter
    def rows(self, value: list[tuple]) -> None:
        if self._rows is None and self.source is not None:
            self._build()
        self._rows = value

    @property
    def targets(self) -> list[Any]:
        if self._targets is None:
            self._build()
        return self._targets  # type: ignore[return-value]

    @targets.setter
    def targets(self, value: list[Any]) -> None:
        if self._targets is None and self.source is not None:
            self._build()
        self._targets = value

    def __len__(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        assert self.source is not None
        return self.source.count()

    def page(self, offset: int, limit: int = PAGE) -> tuple[list[tuple], list[Any]]:
        """Rows offset … offset+limit-1 and their targets (fewer at the end)."""
        if self._rows is not None:
            return self._rows[offset : offset + limit], self.targets[offset : offset + limit]
        assert self.source is not None
        return self.source.page(offset, limit)

    def pages(self, size: int = 5000) -> Iterator[tuple[list[tuple], list[Any]]]:
        """(rows, targets) page by page, in table order: what exports stream (steady memory)."""
        if self._rows is not None:
            for i in range(0, len(self._rows), size):
                yield self._rows[i : i + size], self.targets[i : i + size]
        else:
            assert self.source is not None
            yield from self.source.pages(size)

    def all_rows(self, size: int = 5000) -> Iterator[tuple]:
        """Every row in table order, read a page at a time (the whole table is never held unless built)."""
        for rows, _ in self.pages(size):
            yield from rows

    def all_targets(self, size: int = 5000) -> Iterator[Any]:
        for _, targets in self.pages(size):
            yield from targets

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)

    def dicts(self) -> list[dict[str, Any]]:
        keys = self.keys
        return [dict(zip(keys, row)) for row in self.all_rows()]

    def add(self, row: Mapping[str, Any], target: int | None = None) -> None:
        self.rows.append(tuple(row.get(k, "") for k in self.keys))
        self.targets.append(target)


@dataclass(frozen=True)
class ReportFilter:
    """Which records the review shows: dates inclusive, by the recorded local date; None = any."""

    start: date
    end: date
    window: str | None = None
    clerk: str | None = None
    role: str | None = None
    today: date | None = None  # for "working days left" (default: the end of the range or today)


@dataclass
class Report:
    filter: ReportFilter
    tables: dict[str, Table]
    head_id: int
    head_hash: str
    windows: tuple[str, ...]
    clerks: tuple[str, ...]
    charts: dict[str, list[tuple[str, float]]]
    # the persons row behind a placeholder 〔电话#17〕 in free text (assistant/domain/personal_data.py); exports
    # set it
    personal: Callable[[int], dict | None] | None = None


class Rec(NamedTuple):
    """An event tagged with who recorded it (a NamedTuple: a month is ~10⁶ of them, built fast)."""

    id: int
    at: datetime
    kind: str
    payload: dict
    clerk: str
    role: str
    window: str


def _cols(*pairs: str) -> tuple[Column, ...]:
    return tuple(Column(*p.split("|")) for p in pairs)


SPECS: dict[str, tuple[str, tuple[Column, ...]]] = {
    "checklist": (
        "班前检查",
        _cols(
            "event_id|记录号",
            "date|日期",
            "clerk|工作证编号",
            "role|岗位",
            "window|窗口",
            "signed_in_at|签到时间",
            "submitted_at|提交时间",
            "opening|开门时间",
            "deadline|检查截止",
            "on_time|按时",
            "late_minutes|迟交分钟",
            "late_arrival|迟到",
            "items|检查项数",
            "failed|不合格项",
            "seconds|用时（秒）",
            "fast|过快",
            "lead_comment|值班长批注",
            "explanation|本人说明",
            "clock_jump|时钟跳变",
            "correction|更正",
            "provisional|暂定（节假日未定）",
            "appearance_notes|仪容仪表备注",
            "not_applicable|不适用项",
        ),
    ),
    "checklist_items": (
        "检查项明细",
        _cols(
            "event_id|记录号",
            "at|时间",
            "clerk|工作证编号",
            "window|窗口",
            "item|检查项编号",
            "text|检查项",
            "ok|结果",
            "note|说明",
            "lead_comment|值班长批注",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "faults": (
        "设备故障",
        _cols(
            "event_id|记录号",
            "source|来源",
            "item|设备或故障",
            "note|情况说明",
            "clerk|发现人",
            "window|窗口",
            "reported_at|发现时间",
            "status|状态",
            "fixed_at|修复时间",
            "fixed_by|修复确认人",
            "minutes|持续分钟",
            "lead_comment|值班长批注",
            "explanation|本人说明",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "pauses": (
        "暂停服务",
        _cols(
            "event_id|记录号",
            "type|类型",
            "clerk|工作证编号",
            "window|窗口",
            "reason|原因",
            "start|开始",
            "end|结束",
            "minutes|时长（分钟）",
            "clock_jump|时钟跳变",
            "correction|更正",
            "overtime|延时服务中",
            "waiting|当时等候人数",
        ),
    ),
    "overtime": (
        "延时服务",
        _cols(
            "event_id|记录号",
            "date|日期",
            "clerk|工作证编号",
            "window|窗口",
            "start|开始",
            "end|结束",
            "minutes|延时分钟",
            "served|延时服务人数",
            "lead_comment|值班长批注",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "home_services": (
        "上门服务",
        _cols(
            "event_id|记录号",
            "number|编号",
            "clerk|工作证编号",
            "window|窗口",
            "opened_at|登记时间",
            "need|办理事项",
            "due|上门期限",
            "working_days_left|剩余工作日",
            "overdue|逾期",
            "status|状态",
            "updated_at|状态更新时间",
            "phone|联系电话",
            "lead_comment|值班长批注",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "departures": (
        "提前签退",
        _cols(
            "event_id|记录号",
            "date|日期",
            "at|签退时间",
            "clerk|工作证编号",
            "window|窗口",
            "reason|原因",
            "closing|应下班时间",
            "waiting|当时等候人数",
            "lead_comment|值班长批注",
            "explanation|本人说明",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "interactions": (
        "服务记录",
        _cols(
            "event_id|记录号",
            "number|序号",
            "clerk|工作证编号",
            "role|岗位",
            "window|窗口",
            "started_at|开始",
            "ended_at|结束",
            "seconds|用时（秒）",
            "steps|各环节用时",
            "matters|事项",
            "outcomes|办理结果",
            "referrals|转办",
            "phone|联系电话",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "follow_ups": (
        "投诉与待答复",
        _cols(
            "event_id|记录号",
            "type|类型",
            "number|编号",
            "clerk|工作证编号",
            "window|窗口",
            "opened_at|登记时间",
            "topic|内容",
            "forwarded_to|转交",
            "due|答复期限",
            "working_days_left|剩余工作日",
            "overdue|逾期",
            "status|状态",
            "closed_at|办结时间",
            "answer|答复情况",
            "phone|联系电话",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "phrases": (
        "用语使用",
        _cols(
            "clerk|工作证编号",
            "phrase|用语编号",
            "category|类别",
            "text|用语",
            "insert|插入",
            "copy|复制",
            "speak|朗读",
            "total|合计",
        ),
    ),
    "guard_alerts": (
        "忌语提醒",
        _cols(
            "event_id|记录号",
            "at|时间",
            "clerk|工作证编号",
            "window|窗口",
            "kind|类型",
            "detail|内容",
            "clock_jump|时钟跳变",
            "correction|更正",
        ),
    ),
    "notes": (
        "批注与说明",
        _cols(
            "event_id|记录号",
            "at|时间",
            "type|类型",
            "by|记录人",
            "target|针对记录号",
            "text|内容",
            "clock_jump|时钟跳变",
        ),
    ),
    "exports": (
        "导出记录",
        _cols(
            "event_id|记录号",
            "at|时间",
            "by|导出人",
            "from|起始日期",
            "to|截止日期",
            "format|格式",
            "masked|电话已遮蔽",
            "tables|表",
            "clock_jump|时钟跳变",
        ),
    ),
    "clock": (
        "时钟异常",
        _cols(
            "event_id|记录号",
            "at|记录时间",
            "type|类型",
            "clerk|工作证编号",
            "window|窗口",
            "wall_before|跳变前时间",
            "wall_after|跳变后时间",
            "monotonic_elapsed|实际经过（秒）",
            "delta_seconds|跳变（秒）",
            "offset_seconds|与大厅时差（秒）",
            "tolerance_seconds|允许误差（秒）",
            "local_time|本机时间",
        ),
    ),
    "corrections": (
        "更正",
        _cols(
            "event_id|记录号",
            "at|时间",
            "by|更正人",
            "target|被更正记录号",
            "target_kind|被更正记录类型",
            "target_at|被更正记录时间",
            "reason|更正原因",
            "changes|更正内容",
            "clerk|工作证编号",
            "window|窗口",
            "clock_jump|时钟跳变",
        ),
    ),
    "purges": (
        "个人信息清除",
        _cols(
            "event_id|记录号",
            "at|时间",
            "by|操作人",
            "before|清除截止日期",
            "count|清除人数",
            "retention_days|保留天数",
            "clock_jump|时钟跳变",
        ),
    ),
}
TABLE_KEYS = tuple(SPECS)


def new_table(key: str) -> Table:
    title, columns = SPECS[key]
    return Table(key, title, columns)


# ─── small helpers ────────────────────────────────────────────────────────────────────────────────


def hm(at: datetime | str | None) -> str:
    """A time for people: "2026-11-26 08:52:03" (local as recorded)."""
    if at is None or at == "":
        return ""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if 1000 <= at.year:  # the same text as strftime("%Y-%m-%d %H:%M:%S"), several times faster
        return at.isoformat(" ")[:19]
    return at.strftime("%Y-%m-%d %H:%M:%S")


CLOCK_BACK = "（时钟回拨）"


def duration_text(seconds: float | str) -> str:
    """A step's duration as the review shows it: never below 0 s, flagged when the PC's clock went back
    within it (was: "问 −10799s")."""
    value = int(float(seconds))
    return f"{value}s" if value >= 0 else f"0s{CLOCK_BACK}"


def _minutes(a: datetime, b: datetime) -> int:
    from assistant.domain.shift import minutes_shown

    return minutes_shown((b - a).total_seconds())


FAULT_WORDS = {"equipment": "故障", "appearance": "不合格"}


def _tick_word(payload: Mapping[str, Any], section: str | None) -> str:
    """正常, 不适用, or how this section fails: equipment is 故障, appearance 不合格."""
    if payload.get("na"):
        return "不适用"
    return "正常" if payload.get("ok") else FAULT_WORDS.get(section or "", "故障")


def _dt(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _bool(value: bool) -> str:
    return YES if value else NO
