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

* ``checklist`` 班前检查 — one row per submitted run: on time / late with minutes, fast runs, late arrival.
* ``checklist_items`` 检查项明细 — every tick of every run.
* ``faults`` 设备故障 — failed checklist items (equipment faults) and faults reported while serving.
* ``pauses`` 暂停服务 — 暂停服务 and internal work, with reason and duration.
* ``overtime`` 延时服务 — one row per period served overtime (rule 28): start, end, served.
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

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from assistant.scripts import Scripts
from assistant.store import GENESIS_HASH, EventStore

ACK_KIND = "review_ack"       # the lead acknowledges a record with a comment {target, comment}
EXPLAIN_KIND = "explain"      # a clerk explains a late run or a fault {target, text}
EXPORT_KIND = "export"
CORRECTION_KIND = "correction"       # issue 8: a correction of an earlier record {target, reason, by, changes}
PURGE_KIND = "purge_personal"        # issue 8: personal data removed {before, count, by, retention_days}
CLOCK_KINDS = ("clock_jump", "hall_clock_offset")   # issue 8: the PC's clock jumped / differs from the hall's
GUARD_PREFIXES = ("guard", "taboo")
STATUS_OPEN, STATUS_FIXED = "未修复", "已修复"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str
    label: str


PAGE = 200   # rows a page (the review window fetches one page at a time as the lead scrolls)


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

    def __init__(self, key: str, title: str, columns: tuple[Column, ...], rows: list[tuple] | None = None,
                 targets: list[int | None] | None = None, source: RowSource | None = None) -> None:
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
        return self._rows   # type: ignore[return-value]

    @rows.setter
    def rows(self, value: list[tuple]) -> None:
        if self._rows is None and self.source is not None:
            self._build()
        self._rows = value

    @property
    def targets(self) -> list[Any]:
        if self._targets is None:
            self._build()
        return self._targets   # type: ignore[return-value]

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
            return self._rows[offset:offset + limit], self.targets[offset:offset + limit]
        assert self.source is not None
        return self.source.page(offset, limit)

    def pages(self, size: int = 5000) -> Iterator[tuple[list[tuple], list[Any]]]:
        """(rows, targets) page by page, in table order: what exports stream (steady memory)."""
        if self._rows is not None:
            for i in range(0, len(self._rows), size):
                yield self._rows[i:i + size], self.targets[i:i + size]
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
    today: date | None = None   # for "working days left" (default: the end of the range or today)


@dataclass
class Report:
    filter: ReportFilter
    tables: dict[str, Table]
    head_id: int
    head_hash: str
    windows: tuple[str, ...]
    clerks: tuple[str, ...]
    charts: dict[str, list[tuple[str, float]]]


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
    "checklist": ("班前检查", _cols(
        "event_id|记录号", "date|日期", "clerk|工作证编号", "role|岗位", "window|窗口", "signed_in_at|签到时间",
        "submitted_at|提交时间", "opening|开门时间", "deadline|检查截止", "on_time|按时", "late_minutes|迟交分钟",
        "late_arrival|迟到", "items|检查项数", "failed|不合格项", "seconds|用时（秒）", "fast|过快",
        "lead_comment|值班长批注", "explanation|本人说明", "clock_jump|时钟跳变", "correction|更正")),
    "checklist_items": ("检查项明细", _cols(
        "event_id|记录号", "at|时间", "clerk|工作证编号", "window|窗口", "item|检查项编号", "text|检查项",
        "ok|结果", "note|说明", "lead_comment|值班长批注", "clock_jump|时钟跳变", "correction|更正")),
    "faults": ("设备故障", _cols(
        "event_id|记录号", "source|来源", "item|设备或故障", "note|情况说明", "clerk|发现人", "window|窗口",
        "reported_at|发现时间", "status|状态", "fixed_at|修复时间", "fixed_by|修复确认人", "minutes|持续分钟",
        "lead_comment|值班长批注", "explanation|本人说明", "clock_jump|时钟跳变", "correction|更正")),
    "pauses": ("暂停服务", _cols(
        "event_id|记录号", "type|类型", "clerk|工作证编号", "window|窗口", "reason|原因", "start|开始",
        "end|结束", "minutes|时长（分钟）", "clock_jump|时钟跳变", "correction|更正")),
    "overtime": ("延时服务", _cols(
        "event_id|记录号", "date|日期", "clerk|工作证编号", "window|窗口", "start|开始", "end|结束",
        "minutes|延时分钟", "served|延时服务人数", "lead_comment|值班长批注", "clock_jump|时钟跳变", "correction|更正")),
    "interactions": ("服务记录", _cols(
        "event_id|记录号", "number|序号", "clerk|工作证编号", "role|岗位", "window|窗口", "started_at|开始",
        "ended_at|结束", "seconds|用时（秒）", "steps|各环节用时", "matters|事项", "outcomes|办理结果",
        "referrals|转办", "phone|联系电话", "clock_jump|时钟跳变", "correction|更正")),
    "follow_ups": ("投诉与待答复", _cols(
        "event_id|记录号", "type|类型", "number|编号", "clerk|工作证编号", "window|窗口", "opened_at|登记时间",
        "topic|内容", "forwarded_to|转交", "due|答复期限", "working_days_left|剩余工作日", "overdue|逾期",
        "status|状态", "closed_at|办结时间", "answer|答复情况", "phone|联系电话", "clock_jump|时钟跳变",
        "correction|更正")),
    "phrases": ("用语使用", _cols(
        "clerk|工作证编号", "phrase|用语编号", "category|类别", "text|用语", "insert|插入", "copy|复制",
        "speak|朗读", "total|合计")),
    "guard_alerts": ("忌语提醒", _cols(
        "event_id|记录号", "at|时间", "clerk|工作证编号", "window|窗口", "kind|类型", "detail|内容",
        "clock_jump|时钟跳变", "correction|更正")),
    "notes": ("批注与说明", _cols(
        "event_id|记录号", "at|时间", "type|类型", "by|记录人", "target|针对记录号", "text|内容", "clock_jump|时钟跳变")),
    "exports": ("导出记录", _cols(
        "event_id|记录号", "at|时间", "by|导出人", "from|起始日期", "to|截止日期", "format|格式",
        "masked|电话已遮蔽", "tables|表", "clock_jump|时钟跳变")),
    "clock": ("时钟异常", _cols(
        "event_id|记录号", "at|记录时间", "type|类型", "clerk|工作证编号", "window|窗口", "wall_before|跳变前时间",
        "wall_after|跳变后时间", "monotonic_elapsed|实际经过（秒）", "delta_seconds|跳变（秒）",
        "offset_seconds|与大厅时差（秒）", "tolerance_seconds|允许误差（秒）", "local_time|本机时间")),
    "corrections": ("更正", _cols(
        "event_id|记录号", "at|时间", "by|更正人", "target|被更正记录号", "target_kind|被更正记录类型",
        "target_at|被更正记录时间", "reason|更正原因", "changes|更正内容", "clerk|工作证编号", "window|窗口",
        "clock_jump|时钟跳变")),
    "purges": ("个人信息清除", _cols(
        "event_id|记录号", "at|时间", "by|操作人", "before|清除截止日期", "count|清除人数", "retention_days|保留天数",
        "clock_jump|时钟跳变")),
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
    if 1000 <= at.year:   # the same text as strftime("%Y-%m-%d %H:%M:%S"), several times faster
        return at.isoformat(" ")[:19]
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _minutes(a: datetime, b: datetime) -> int:
    return max(0, math.ceil((b - a).total_seconds() / 60))


def _dt(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _bool(value: bool) -> str:
    return YES if value else NO


# ─── reading and tagging ──────────────────────────────────────────────────────────────────────────

def _rows_in_range(store: EventStore, flt: ReportFilter) -> list[tuple]:
    """Events recorded in the range (text window widened by a day for UTC offsets), plus the context start."""
    conn = store.conn
    lo = (flt.start - timedelta(days=1)).isoformat()
    hi = (flt.end + timedelta(days=2)).isoformat()
    rows = conn.execute(
        "SELECT id, at, kind, payload FROM events WHERE at >= ? AND at < ? ORDER BY id", (lo, hi)
    ).fetchall()
    if rows:
        ctx = conn.execute(
            "SELECT id, at, kind, payload FROM events WHERE id < ? AND kind IN ('sign_in', 'sign_out') "
            "ORDER BY id DESC LIMIT 1", (rows[0][0],)
        ).fetchone()
        if ctx is not None:
            rows.insert(0, ctx)
    return rows


def _kinds(store: EventStore, kinds: Sequence[str], pending_matters: bool = False) -> list[tuple]:
    """Events of the kinds (index events_kind), plus with pending_matters every matter answered 待答复
    (partial index events_pending_matter, migration 2) — not every matter: there is one per person served."""
    marks = ",".join("?" * len(kinds))
    sql = f"SELECT id, at, kind, payload FROM events WHERE kind IN ({marks})"
    if pending_matters:
        sql += (" UNION ALL SELECT id, at, kind, payload FROM events"
                " WHERE kind = 'matter' AND json_extract(payload, '$.outcome') = '待答复'")
    return store.conn.execute(sql + " ORDER BY id", tuple(kinds)).fetchall()


def tag(rows: Iterable[tuple]) -> list[Rec]:
    """Tag each (id, at, kind, payload-json) with the clerk, role and window signed in when it was recorded."""
    clerk = role = window = ""
    out: list[Rec] = []
    append, loads, parse = out.append, json.loads, datetime.fromisoformat
    for event_id, at, kind, payload in rows:
        p = loads(payload) if isinstance(payload, str) else payload
        if kind == "sign_in":
            clerk, role, window = str(p.get("clerk", "")), str(p.get("role", "")), str(p.get("window", ""))
        if "clerk" in p or "role" in p or "window" in p:
            append(Rec(event_id, parse(at), kind, p, str(p.get("clerk") or clerk),
                       str(p.get("role") or role), str(p.get("window") or window)))
        else:   # most events (steps, matters, phrases) name nobody: the session's context
            append(Rec(event_id, parse(at), kind, p, clerk, role, window))
        if kind == "sign_out":
            clerk = role = window = ""
    return out


def _wanted(flt: ReportFilter) -> Callable[[Rec], bool]:
    def wanted(rec: Rec) -> bool:
        return (flt.start <= rec.at.date() <= flt.end
                and (not flt.clerk or rec.clerk == flt.clerk)
                and (not flt.window or rec.window == flt.window)
                and (not flt.role or rec.role == flt.role))
    return wanted


# ─── the builders ─────────────────────────────────────────────────────────────────────────────────

@dataclass
class _Ctx:
    scripts: Scripts
    flt: ReportFilter
    recs: list[Rec]            # all tagged events read (context included), id order
    wanted: Callable[[Rec], bool]
    acks: dict[int, list[str]]
    explanations: dict[int, list[str]]
    phone: Callable[[Any], str]
    corrections: Mapping[int, list[str]] = field(default_factory=dict)

    def ack(self, event_id: int) -> str:
        return "；".join(self.acks.get(event_id, ()))

    def correct(self, event_id: Any) -> str:
        return "；".join(self.corrections.get(event_id, ())) if isinstance(event_id, int) else ""

    def explain(self, event_id: int) -> str:
        return "；".join(self.explanations.get(event_id, ()))


def _checklist(ctx: _Ctx, runs_only: bool = False) -> tuple[Table, Table]:
    """The runs and every tick; runs_only: the ticks' payloads may be absent (only their times and number count)."""
    from assistant import shift

    runs, ticks_table = new_table("checklist"), new_table("checklist_items")
    hours = ctx.scripts.hours
    texts = {i.id: i.text for i in ctx.scripts.checklist.items}
    signed_in: datetime | None = None
    ticks: list[Rec] = []
    recorded_late = False   # issue 5 records a `late_arrival` event after a late sign-in
    for rec in ctx.recs:
        if rec.kind == "sign_in":
            signed_in, ticks, recorded_late = rec.at, [], bool(rec.payload.get("late"))
        elif rec.kind == "late_arrival":
            recorded_late = True
        elif rec.kind == "checklist_item":
            ticks.append(rec)
            if not runs_only and ctx.wanted(rec):
                p = rec.payload
                ticks_table.add({"event_id": rec.id, "at": hm(rec.at), "clerk": rec.clerk, "window": rec.window,
                                 "item": p.get("item", ""), "text": texts.get(p.get("item"), p.get("item", "")),
                                 "ok": "正常" if p.get("ok") else "故障", "note": p.get("note", ""),
                                 "lead_comment": ctx.ack(rec.id), "clock_jump": p.get("clock_jump", ""),
                                 "correction": ctx.correct(rec.id)}, rec.id)
        elif rec.kind == "checklist_submit":
            if ctx.wanted(rec):
                p = rec.payload
                if "late" in p:   # issue 5 records the timing in the event itself
                    opening, deadline = _dt(p.get("opening")), _dt(p.get("deadline"))
                    late, late_minutes = bool(p["late"]), int(p.get("late_minutes", 0))
                else:
                    opening = shift.shift_opening(hours, signed_in or rec.at, rec.window or None)
                    t = shift.timing(rec.at, opening, hours.thresholds.checklist_lead_minutes)
                    opening, deadline, late, late_minutes = t.opening, t.deadline, t.late, t.late_minutes
                failed = list(p.get("failed", ()))
                first = ticks[0].at.isoformat() if ticks else None
                seconds = p.get("seconds", shift.run_seconds(first, rec.at))
                fast = p.get("fast", shift.is_fast(not failed, float(seconds or 0),
                                                   hours.thresholds.fast_run_seconds))
                arrived_late = recorded_late or bool(signed_in and deadline and signed_in > deadline)
                runs.add({"event_id": rec.id, "date": rec.at.date().isoformat(), "clerk": rec.clerk,
                          "role": rec.role, "window": rec.window, "signed_in_at": hm(signed_in),
                          "submitted_at": hm(rec.at), "opening": hm(opening), "deadline": hm(deadline),
                          "on_time": _bool(not late), "late_minutes": late_minutes,
                          "late_arrival": _bool(arrived_late), "items": int(p.get("items", len(ticks))),
                          "failed": "、".join(texts.get(f, f) for f in failed),
                          "seconds": int(float(seconds or 0)), "fast": _bool(bool(fast)),
                          "lead_comment": ctx.ack(rec.id), "explanation": ctx.explain(rec.id),
                          "clock_jump": p.get("clock_jump", ""), "correction": ctx.correct(rec.id)}, rec.id)
            ticks = []
    return runs, ticks_table


def _faults(ctx: _Ctx) -> Table:
    table = new_table("faults")
    texts = {i.id: i.text for i in ctx.scripts.checklist.items}
    open_items: dict[tuple[str, str], dict] = {}   # (window, item) → row of an unfixed checklist failure
    rows: list[tuple[dict, int, Rec]] = []
    open_fault: dict[str, dict] = {}
    has_equipment_events = any(r.kind == "equipment_fault" for r in ctx.recs)
    for rec in ctx.recs:
        p = rec.payload
        failed_tick = rec.kind == "checklist_item" and not p.get("ok") and not has_equipment_events
        if failed_tick or rec.kind == "equipment_fault":
            if rec.kind == "equipment_fault" and p.get("status") in (STATUS_FIXED, "fixed", "已修复"):
                row = open_items.pop((rec.window, str(p.get("item"))), None)
                if row is not None:
                    row.update(status=STATUS_FIXED, fixed_at=hm(rec.at), fixed_by=rec.clerk,
                               minutes=_minutes(_dt(row["_at"]), rec.at))
                continue
            row = {"event_id": rec.id, "source": "班前检查", "item": texts.get(p.get("item"), p.get("item", "")),
                   "note": p.get("note", ""), "clerk": rec.clerk, "window": rec.window, "reported_at": hm(rec.at),
                   "status": p.get("status") or STATUS_OPEN, "_at": rec.at.isoformat(),
                   "clock_jump": p.get("clock_jump", "")}
            open_items[(rec.window, str(p.get("item")))] = row
            rows.append((row, rec.id, rec))
        elif rec.kind == "checklist_item" and p.get("ok"):
            row = open_items.pop((rec.window, str(p.get("item"))), None)
            if row is not None:   # a later run passed the item: fixed by then
                row.update(status=STATUS_FIXED, fixed_at=hm(rec.at), fixed_by=rec.clerk,
                           minutes=_minutes(_dt(row["_at"]), rec.at))
        elif rec.kind == "fault_start":
            row = {"event_id": rec.id, "source": "服务中", "item": p.get("fault", ""), "note": "",
                   "clerk": rec.clerk, "window": rec.window, "reported_at": hm(rec.at), "status": STATUS_OPEN,
                   "_at": rec.at.isoformat(), "clock_jump": p.get("clock_jump", "")}
            open_fault[rec.window] = row
            rows.append((row, rec.id, rec))
        elif rec.kind == "fault_end":
            row = open_fault.pop(rec.window, None)
            if row is not None:
                row.update(status=STATUS_FIXED, fixed_at=hm(rec.at), fixed_by=rec.clerk,
                           minutes=p.get("minutes", _minutes(_dt(row["_at"]), rec.at)))
    for row, target, rec in rows:
        if ctx.wanted(rec):
            row.update(lead_comment=ctx.ack(target), explanation=ctx.explain(target), correction=ctx.correct(target))
            table.add(row, target)
    return table


def _pauses(ctx: _Ctx) -> Table:
    table = new_table("pauses")
    starts = {"pause": ("暂停服务", "resume", "reason"), "internal_start": ("内部工作", "internal_end", "task")}
    ends = {v[1]: k for k, v in starts.items()}
    open_: dict[tuple[str, str], tuple[Rec, dict]] = {}
    rows: list[tuple[Rec, dict]] = []
    for rec in ctx.recs:
        if rec.kind in starts:
            kind, _, key = starts[rec.kind]
            row = {"event_id": rec.id, "type": kind, "clerk": rec.clerk, "window": rec.window,
                   "reason": rec.payload.get(key, ""), "start": hm(rec.at), "end": "", "minutes": "",
                   "clock_jump": rec.payload.get("clock_jump", ""), "correction": ctx.correct(rec.id)}
            open_[(rec.window, rec.kind)] = (rec, row)
            rows.append((rec, row))
        elif rec.kind in ends:
            found = open_.pop((rec.window, ends[rec.kind]), None)
            if found is not None:
                found[1].update(end=hm(rec.at), minutes=_minutes(found[0].at, rec.at))
                if not found[1]["clock_jump"]:   # a jump while paused: the resume carries it
                    found[1]["clock_jump"] = rec.payload.get("clock_jump", "")
    for rec, row in rows:
        if ctx.wanted(rec):
            table.add(row, rec.id)
    return table


def _overtime(ctx: _Ctx) -> Table:
    table = new_table("overtime")
    for rec in ctx.recs:
        if rec.kind == "overtime" and ctx.wanted(rec):
            p = rec.payload
            start, end = _dt(p.get("start")), _dt(p.get("end"))
            table.add({"event_id": rec.id, "date": (start or rec.at).date().isoformat(), "clerk": rec.clerk,
                       "window": rec.window, "start": hm(start), "end": hm(end),
                       "minutes": _minutes(start, end) if start and end else "", "served": p.get("served", 0),
                       "lead_comment": ctx.ack(rec.id), "clock_jump": p.get("clock_jump", ""),
                       "correction": ctx.correct(rec.id)}, rec.id)
    return table


def _interactions(ctx: _Ctx) -> Table:
    table = new_table("interactions")
    names = {s.id: s.name for s in (*ctx.scripts.flow.steps, ctx.scripts.flow.close)}
    referral_names = {e.id: f"{e.department}{e.window}" for e in ctx.scripts.directory.entries}
    current: dict[str, dict] = {}
    for rec in ctx.recs:
        p = rec.payload
        if rec.kind == "interaction_start":
            current[rec.window] = {"rec": rec, "steps": [(p.get("step", ""), rec.at)], "matters": [],
                                   "outcomes": [], "referrals": [], "person": p.get("person_id"),
                                   "jump": p.get("clock_jump", "")}
        elif rec.window in current and rec.kind in ("step", "matter", "escalate", "interaction_end"):
            it = current[rec.window]
            if it["person"] is None:
                it["person"] = p.get("person_id")
            if not it["jump"]:
                it["jump"] = p.get("clock_jump", "")
            if rec.kind == "step":
                it["steps"].append((p.get("step", ""), rec.at))
            elif rec.kind == "matter":
                it["matters"].append(p.get("title", ""))
                it["outcomes"].append(p.get("outcome", ""))
                if p.get("referral"):
                    it["referrals"].append(referral_names.get(p["referral"], p["referral"]))
            elif rec.kind == "escalate":
                it["referrals"].append(f"移交{p.get('to', '')}")
            else:
                del current[rec.window]
                start = it["rec"]
                if not ctx.wanted(start):
                    continue
                marks = it["steps"] + [("", rec.at)]
                steps = " · ".join(f"{names.get(s, s)} {int((marks[i + 1][1] - t).total_seconds())}s"
                                   for i, (s, t) in enumerate(marks[:-1]))
                table.add({"event_id": start.id, "number": start.payload.get("interaction", ""),
                           "clerk": start.clerk, "role": start.role, "window": start.window,
                           "started_at": hm(start.at), "ended_at": hm(rec.at),
                           "seconds": int((rec.at - start.at).total_seconds()), "steps": steps,
                           "matters": "；".join(it["matters"]), "outcomes": "；".join(it["outcomes"]),
                           "referrals": "；".join(it["referrals"]), "phone": ctx.phone(it["person"]),
                           "clock_jump": it["jump"], "correction": ctx.correct(start.id)}, start.id)
    return table


def _follow_up_recs(store: EventStore) -> list[Rec]:
    # Matters matter here only when answered 待答复 (the fold below skips the others), so only those are read.
    kinds = ("sign_in", "sign_out", "follow_up", "follow_up_close", "complaint", "complaint_update")
    return tag(_kinds(store, kinds, pending_matters=True))


def _follow_ups(ctx: _Ctx, recs: Iterable[Rec]) -> Table:
    """Follow-ups and complaints opened in the range, or opened before it and still open at its end."""
    table = new_table("follow_ups")
    hours = ctx.scripts.hours
    today = ctx.flt.today or min(ctx.flt.end, date.today())
    items: dict[tuple[str, int], dict] = {}
    order: list[tuple[str, int]] = []
    opened = 0
    working_days: dict[date, int] = {}
    for rec in recs:
        p = rec.payload
        if rec.at.date() > ctx.flt.end:
            continue
        if rec.kind == "follow_up" or (rec.kind == "matter" and p.get("outcome") == "待答复"):
            number = p.get("follow_up")
            if number is None:   # a matter answered 待答复 opens the next follow-up number (rules.evolve)
                number = opened + 1   # opened = how many 待答复 keys `order` holds so far
            key = ("待答复", int(number))
            opened += 1
            items[key] = {"rec": rec, "event_id": rec.id, "type": "待答复", "number": number, "clerk": rec.clerk,
                          "window": rec.window, "opened_at": hm(rec.at), "topic": p.get("topic", p.get("title", "")),
                          "forwarded_to": "", "due": p.get("due", ""), "status": "待答复", "closed": None,
                          "answer": "", "phone": ctx.phone(p.get("person_id")),
                          "clock_jump": p.get("clock_jump", ""), "correction": ctx.correct(rec.id)}
            order.append(key)
        elif rec.kind == "follow_up_close":
            it = items.get(("待答复", int(p.get("follow_up", 0))))
            if it:
                it.update(status="已答复", closed=rec.at, answer=p.get("answer", ""))
        elif rec.kind == "complaint":
            key = ("投诉", int(p.get("complaint", 0)))
            items[key] = {"rec": rec, "event_id": rec.id, "type": "投诉", "number": p.get("complaint"),
                          "clerk": rec.clerk, "window": rec.window, "opened_at": hm(rec.at),
                          "topic": p.get("content", ""), "forwarded_to": p.get("forwarded_to", ""),
                          "due": p.get("deadline", ""), "status": p.get("status", ""), "closed": None,
                          "answer": "", "phone": ctx.phone(p.get("person_id")),
                          "clock_jump": p.get("clock_jump", ""), "correction": ctx.correct(rec.id)}
            order.append(key)
        elif rec.kind == "complaint_update":
            it = items.get(("投诉", int(p.get("complaint", 0))))
            if it:
                it["status"] = p.get("status", it["status"])
                if it["status"] in ("已答复", "已办结"):
                    it["closed"] = rec.at
    rows = []
    for key in order:
        it = items[key]
        rec: Rec = it["rec"]
        in_range = ctx.flt.start <= rec.at.date()
        still_open = it["closed"] is None or it["closed"].date() >= ctx.flt.start
        if not (in_range or still_open):
            continue
        if not (ctx.wanted(rec) or (not in_range and _wanted(
                ReportFilter(rec.at.date(), rec.at.date(), ctx.flt.window, ctx.flt.clerk, ctx.flt.role))(rec))):
            continue
        due = date.fromisoformat(it["due"]) if it["due"] else None
        if due and due not in working_days:
            working_days[due] = _working_days_between(hours, today, due)
        left = working_days[due] if due else ""
        overdue = bool(due and it["closed"] is None and due < today)
        it.update(working_days_left=left if it["closed"] is None else "", overdue=_bool(overdue),
                  closed_at=hm(it["closed"]))
        rows.append((not overdue, it["closed"] is not None, it["due"] or "9999", it))
    for *_, it in sorted(rows, key=lambda r: r[:3]):
        table.add(it, it["event_id"])
    return table


class _WorkingDays:
    """_working_days_between(hours, today, due) for many due dates: a running count of working days from today,
    extended as far as the due dates reach (one calendar look-up a day, not one a day per due date)."""

    def __init__(self, hours: Any, today: date) -> None:
        self.hours, self.today = hours, today
        self.lo = self.hi = today
        self.cum: dict[date, int] = {today: 0}   # working days in [today, day), negative before today

    def _reach(self, day: date) -> None:
        one = timedelta(days=1)
        while self.hi < day:
            self.cum[self.hi + one] = self.cum[self.hi] + bool(self.hours.is_working_day(self.hi))
            self.hi += one
        while self.lo > day:
            self.cum[self.lo - one] = self.cum[self.lo] - bool(self.hours.is_working_day(self.lo - one))
            self.lo -= one

    def __call__(self, due: date) -> int:
        if due == self.today:
            return 0
        if due > self.today:   # working days in (today, due]
            after = due + timedelta(days=1)
            self._reach(after)
            return self.cum[after] - self.cum[self.today + timedelta(days=1)]
        self._reach(due)       # minus the working days in [due, today)
        return self.cum[due]


def _working_days_between(hours: Any, today: date, due: date) -> int:
    """Working days from today to due (negative when due is past), by the national calendar."""
    if due == today:
        return 0
    step = 1 if due > today else -1
    count, day = 0, today
    while day != due:
        day += timedelta(days=step)
        if hours.is_working_day(day):
            count += step
    return count


def _phrases(ctx: _Ctx) -> Table:
    table = new_table("phrases")
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rec in ctx.recs:
        if rec.kind == "phrase_used" and ctx.wanted(rec):
            counts[(rec.clerk, rec.payload.get("phrase", ""))][rec.payload.get("mode", "copy")] += 1
    _phrase_rows(table, ctx.scripts, counts)
    return table


def _phrase_rows(table: Table, scripts: Scripts, counts: Mapping[tuple[str, str], Mapping[str, int]]) -> None:
    for (clerk, phrase_id), modes in sorted(counts.items()):
        phrase = scripts.phrases.get(phrase_id)
        table.add({"clerk": clerk, "phrase": phrase_id, "category": phrase.category if phrase else "",
                   "text": phrase.template if phrase else "", "insert": modes.get("insert", 0),
                   "copy": modes.get("copy", 0), "speak": modes.get("speak", 0), "total": sum(modes.values())})


def _guard(ctx: _Ctx) -> Table:
    table = new_table("guard_alerts")
    for rec in ctx.recs:
        if rec.kind.startswith(GUARD_PREFIXES) and ctx.wanted(rec):
            detail = "；".join(f"{k}={v}" for k, v in sorted(rec.payload.items())
                              if k not in ("person_id", "clock_jump"))
            table.add({"event_id": rec.id, "at": hm(rec.at), "clerk": rec.clerk, "window": rec.window,
                       "kind": rec.kind, "detail": detail, "clock_jump": rec.payload.get("clock_jump", ""),
                       "correction": ctx.correct(rec.id)}, rec.id)
    return table


def _notes_and_exports(ctx: _Ctx) -> tuple[Table, Table]:
    notes, exports = new_table("notes"), new_table("exports")
    for rec in ctx.recs:
        if rec.kind not in (ACK_KIND, EXPLAIN_KIND, EXPORT_KIND) or not ctx.wanted(rec):
            continue
        p = rec.payload
        if rec.kind in (ACK_KIND, EXPLAIN_KIND):
            notes.add({"event_id": rec.id, "at": hm(rec.at), "type": "值班长批注" if rec.kind == ACK_KIND else "本人说明",
                       "by": p.get("by") or rec.clerk, "target": p.get("target", ""),
                       "text": p.get("comment", p.get("text", "")), "clock_jump": p.get("clock_jump", "")},
                      p.get("target"))
        elif rec.kind == EXPORT_KIND:
            exports.add({"event_id": rec.id, "at": hm(rec.at), "by": p.get("by") or rec.clerk,
                         "from": p.get("from", ""), "to": p.get("to", ""), "format": p.get("format", ""),
                         "masked": _bool(bool(p.get("masked", True))), "tables": "、".join(p.get("tables", ())),
                         "clock_jump": p.get("clock_jump", "")}, rec.id)
    return notes, exports


def _clock(ctx: _Ctx) -> Table:
    """时钟异常 (issue 8): jumps of the PC's wall clock against the monotonic clock, and differences from the
    hall server's clock beyond its tolerance."""
    table = new_table("clock")
    for rec in ctx.recs:
        if rec.kind not in CLOCK_KINDS or not ctx.wanted(rec):
            continue
        p = rec.payload
        if rec.kind == "clock_jump":
            delta = p.get("delta_seconds", "")
            way = "往回拨" if isinstance(delta, (int, float)) and delta < 0 else "往前拨"
            row = {"type": f"时钟跳变（{way}）", "wall_before": hm(_dt(p.get("wall_before"))) or p.get("wall_before", ""),
                   "wall_after": hm(_dt(p.get("wall_after"))) or p.get("wall_after", ""),
                   "monotonic_elapsed": p.get("monotonic_elapsed", ""), "delta_seconds": delta}
        else:
            row = {"type": "与大厅时钟不一致", "offset_seconds": p.get("offset_seconds", ""),
                   "tolerance_seconds": p.get("tolerance_seconds", ""),
                   "local_time": hm(_dt(p.get("local_time"))) or p.get("local_time", "")}
        table.add({**row, "event_id": rec.id, "at": hm(rec.at), "clerk": rec.clerk, "window": rec.window}, rec.id)
    return table


def _corrections(ctx: _Ctx, target_of: Callable[[Sequence[int]], Mapping[int, tuple[str, str]]]) -> Table:
    """更正: every correction with the record it corrects beside it (that record's kind and time)."""
    table = new_table("corrections")
    recs = [r for r in ctx.recs if r.kind == CORRECTION_KIND and ctx.wanted(r)]
    targets = target_of([r.payload["target"] for r in recs if isinstance(r.payload.get("target"), int)])
    for rec in recs:
        p = rec.payload
        kind, at = targets.get(p.get("target"), ("", ""))   # type: ignore[arg-type]
        table.add({"event_id": rec.id, "at": hm(rec.at), "by": p.get("by") or rec.clerk, "target": p.get("target", ""),
                   "target_kind": kind, "target_at": hm(at), "reason": p.get("reason", ""),
                   "changes": _changes(p.get("changes")), "clerk": rec.clerk, "window": rec.window,
                   "clock_jump": p.get("clock_jump", "")}, p.get("target"))
    return table


def _changes(changes: Any) -> str:
    return "，".join(f"{k}={v}" for k, v in changes.items()) if isinstance(changes, Mapping) else ""


def _purges(ctx: _Ctx) -> Table:
    """个人信息清除: who removed the personal data of people served before which date, and how many."""
    table = new_table("purges")
    for rec in ctx.recs:
        if rec.kind == PURGE_KIND and ctx.wanted(rec):
            p = rec.payload
            table.add({"event_id": rec.id, "at": hm(rec.at), "by": p.get("by") or rec.clerk,
                       "before": p.get("before", ""), "count": p.get("count", ""),
                       "retention_days": p.get("retention_days", ""), "clock_jump": p.get("clock_jump", "")}, rec.id)
    return table


def _event_targets(store: EventStore) -> Callable[[Sequence[int]], dict[int, tuple[str, str]]]:
    def targets(ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        out: dict[int, tuple[str, str]] = {}
        ids = sorted(set(ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for event_id, kind, at in store.conn.execute(
                    f"SELECT id, kind, at FROM events WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[event_id] = (kind, at)
        return out
    return targets


def _read_notes(store: EventStore) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, list[str]]]:
    """Acknowledgements, explanations and corrections by the event id they are about (all history: few)."""
    acks: dict[int, list[str]] = defaultdict(list)
    explanations: dict[int, list[str]] = defaultdict(list)
    corrections: dict[int, list[str]] = defaultdict(list)
    # without ORDER BY (sorted here) SQLite reads them through index events_kind, not by scanning the log
    notes = store.conn.execute("SELECT id, at, kind, payload FROM events WHERE kind IN (?, ?, ?)",
                               (ACK_KIND, EXPLAIN_KIND, CORRECTION_KIND)).fetchall()
    for event_id, _, kind, payload in sorted(notes):
        p = json.loads(payload)
        target = p.get("target")
        if kind == ACK_KIND:
            acks[target].append(p.get("comment", ""))
        elif kind == EXPLAIN_KIND:
            explanations[target].append(p.get("text", ""))
        else:
            changes = _changes(p.get("changes"))
            corrections[target].append(f"#{event_id} {p.get('reason', '')}" + (f"：{changes}" if changes else "")
                                       + (f"（{p['by']}）" if p.get("by") else ""))
    return acks, explanations, corrections


# ─── charts ───────────────────────────────────────────────────────────────────────────────────────

def _column(table: Table, key: str) -> Callable[[tuple], Any]:
    index = table.keys.index(key)
    return lambda row: row[index]


def _charts(tables: Mapping[str, Table]) -> dict[str, list[tuple[str, float]]]:
    """Series for the four charts: (label, value) pairs in display order."""
    by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    table = tables["checklist"]
    day, on_time = _column(table, "date"), _column(table, "on_time")
    for row in table.rows:
        by_day[day(row)][0] += on_time(row) == YES
        by_day[day(row)][1] += 1
    failures: dict[str, int] = defaultdict(int)
    table = tables["checklist_items"]
    ok, text = _column(table, "ok"), _column(table, "text")
    for row in table.rows:
        if ok(row) != "正常":
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


CHART_TITLES = {
    "on_time_by_day": "班前检查按时率（%，按日）",
    "failures_by_item": "检查不合格次数（按检查项）",
    "overtime_by_clerk": "延时服务分钟（按人员）",
    "served_per_hour": "每小时服务人数",
}


# ─── the entry point ──────────────────────────────────────────────────────────────────────────────

def head(store: EventStore) -> tuple[int, str]:
    """The latest event's id and chain hash (0 and the genesis hash for an empty log)."""
    row = store.conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def _phones(store: EventStore, ids: Iterable[Any]) -> dict[int, str]:
    """person_phone for many ids at once."""
    wanted = sorted(i for i in ids if isinstance(i, int) and not isinstance(i, bool))
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        out.update((pid, phone or "") for pid, phone in store.conn.execute(
            f"SELECT id, phone FROM persons WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return out


def person_phone(store: EventStore) -> Callable[[Any], str]:
    cache: dict[int, str] = {}

    def phone(person_id: Any) -> str:
        if not isinstance(person_id, int):
            return ""
        if person_id not in cache:
            found = store.person(person_id)
            cache[person_id] = (found or {}).get("phone", "") or ""
        return cache[person_id]

    return phone


# ─── reading the projections (assistant/projections.py; store migration 3) ────────────────────────

_PROJ_RECS = ("SELECT p.id, e.at, p.kind, e.payload, p.clerk, p.role, p.window "
              "FROM proj_events p JOIN events e ON e.id = p.id ")


def _recs(rows: Iterable[tuple]) -> list[Rec]:
    loads, parse = json.loads, datetime.fromisoformat
    return [Rec(i, parse(at), kind, loads(payload) if payload else {}, clerk, role, window)
            for i, at, kind, payload, clerk, role, window in rows]


def _proj_where(flt: ReportFilter, alias: str = "") -> tuple[str, list[Any]]:
    sql, args = f"{alias}day BETWEEN ? AND ?", [flt.start.isoformat(), flt.end.isoformat()]
    for column, value in (("clerk", flt.clerk), ("window", flt.window), ("role", flt.role)):
        if value:
            sql += f" AND {alias}{column} = ?"
            args.append(value)
    return sql, args


def _kinds_sql(kinds: Sequence[str], prefixes: Sequence[str] = (), alias: str = "p.") -> tuple[str, list[str]]:
    """`kind IN (…)` or starting with one of the prefixes (case-sensitive, as str.startswith)."""
    parts, args = [], list(kinds)
    if kinds:
        parts.append(f"{alias}kind IN ({','.join('?' * len(kinds))})")
    for prefix in prefixes:
        parts.append(f"substr({alias}kind, 1, {len(prefix)}) = ?")
        args.append(prefix)
    return "(" + " OR ".join(parts) + ")", args


class _FoldSource(RowSource):
    """A table built by its fold (the builders above) the first time a page is asked for; until then its row
    count comes from SQL over the projections when that count is known to equal the fold's (count=None: the
    count needs the fold)."""

    def __init__(self, build: Callable[[], Table], count: Callable[[], int] | None = None) -> None:
        self._make, self._count, self._table, self._counted = build, count, None, None

    def table(self) -> Table:
        if self._table is None:
            self._table = self._make()
        return self._table

    def count(self) -> int:
        if self._table is None and self._count is not None:
            if self._counted is None:
                self._counted = self._count()
            return self._counted
        return len(self.table().rows)

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        table = self.table()
        return table.rows[offset:offset + limit], table.targets[offset:offset + limit]


class _EventSource(RowSource):
    """A table whose every row is one wanted event of its kinds, made from that event alone (the items of the
    checklist, overtime, guard alerts, notes, exports, clock, corrections, purges): the count is SQL and a page
    is the builder run over that page's events only (keyset by event id after the previous page)."""

    def __init__(self, review: _Review, build: Callable[[_Ctx], Table], kinds: Sequence[str],
                 prefixes: Sequence[str] = ()) -> None:
        self.review, self.build, self.kinds, self.prefixes = review, build, kinds, prefixes
        self._next: tuple[int, int] | None = None

    def count(self) -> int:
        return self.review.count(self.kinds, self.prefixes)

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        review = self.review
        kind_sql, kind_args = _kinds_sql(self.kinds, self.prefixes)
        sql = (_PROJ_RECS + f"WHERE {review.where} AND {kind_sql}")
        args: list[Any] = [*review.args, *kind_args]
        if self._next is not None and self._next[0] == offset:
            rows = review.store.conn.execute(sql + " AND p.id > ? ORDER BY p.id LIMIT ?",
                                             [*args, self._next[1], limit]).fetchall()
        else:
            rows = review.store.conn.execute(sql + " ORDER BY p.id LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        if not rows:
            return [], []
        self._next = (offset + len(rows), rows[-1][0])
        table = self.build(review.ctx(_recs(rows)))
        return table.rows, table.targets


class _FollowUpSource(RowSource):
    """投诉与待答复 from the projections: _follow_ups' fold over every follow-up event up to the range's end, over
    the columns of proj_follow_ups (no JSON, no row formatted while folding: a month of a busy hall carries
    ~10,000 open ones), so the count and the order are known at once and a page formats only its own rows
    (their payloads and times read then) — the same rows, in the same order."""

    def __init__(self, review: _Review) -> None:
        self.review = review
        self._items: list[list] | None = None

    def items(self) -> list[list]:
        """The included items in table order: [event_id, day, clerk, role, window, type, number, status,
        closed day, closing event id, answer, due, working days left, overdue]."""
        if self._items is not None:
            return self._items
        review = self.review
        flt, hours = review.flt, review.scripts.hours
        today = flt.today or min(flt.end, date.today())
        start = flt.start.isoformat()
        rows = review.store.conn.execute(
            "SELECT id, day, kind, clerk, role, window, number, status, has_status, due, answer FROM proj_follow_ups"
            " WHERE day <= ? ORDER BY id", (flt.end.isoformat(),)).fetchall()
        items: dict[tuple[str, int], list] = {}
        order: list[tuple[str, int]] = []
        opened = 0
        for event_id, day, kind, clerk, role, window, number, status, has_status, due, answer in rows:
            if kind == "follow_up" or kind == "matter":   # (a matter here was answered 待答复)
                if number is None:
                    number = opened + 1
                key = ("待答复", int(number))
                opened += 1
                items[key] = [event_id, day, clerk, role, window, "待答复", number, "待答复", None, None, "", due]
                order.append(key)
            elif kind == "follow_up_close":
                it = items.get(("待答复", int(number)))
                if it:
                    it[7], it[8], it[9], it[10] = "已答复", day, event_id, answer
            elif kind == "complaint":
                key = ("投诉", int(number))
                items[key] = [event_id, day, clerk, role, window, "投诉", number, status if has_status else "",
                              None, None, "", due]
                order.append(key)
            elif kind == "complaint_update":
                it = items.get(("投诉", int(number)))
                if it:
                    if has_status:
                        it[7] = status
                    if it[7] in ("已答复", "已办结"):
                        it[8], it[9] = day, event_id
        working_days = _WorkingDays(hours, today)
        dues: dict[Any, tuple[date | None, Any]] = {}   # due text → (date, working days left)
        filtered = bool(flt.clerk or flt.window or flt.role)
        out = []
        for key in order:
            it = items[key]
            closed = it[8]
            if not (closed is None or start <= it[1] or closed >= start):
                continue
            if filtered and ((flt.clerk and it[2] != flt.clerk) or (flt.window and it[4] != flt.window)
                             or (flt.role and it[3] != flt.role)):
                continue
            due_text = it[11]
            if due_text not in dues:
                due = date.fromisoformat(due_text) if due_text else None
                dues[due_text] = (due, working_days(due) if due else "")
            due, left = dues[due_text]
            overdue = bool(due and closed is None and due < today)
            out.append((not overdue, closed is not None, due_text or "9999", [*it, left if closed is None else "",
                                                                             overdue]))
        out.sort(key=lambda r: r[:3])
        self._items = [r[3] for r in out]
        return self._items

    def count(self) -> int:
        return len(self.items())

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        review = self.review
        chunk = self.items()[offset:offset + limit]
        events: dict[int, tuple[str, str]] = {}
        ids = sorted({it[0] for it in chunk} | {it[9] for it in chunk if it[9] is not None})
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            events.update((e, (at, payload)) for e, at, payload in review.store.conn.execute(
                f"SELECT id, at, payload FROM events WHERE id IN ({','.join('?' * len(part))})", part))
        payloads = {it[0]: json.loads(events[it[0]][1]) for it in chunk}
        phones = _phones(review.store, {p.get("person_id") for p in payloads.values()})
        keys = SPECS["follow_ups"][1]
        rows, targets = [], []
        for (event_id, _, clerk, _, window, kind, number, status, _, closing, answer, due, left,
             overdue) in chunk:
            p = payloads[event_id]
            pending = kind == "待答复"
            person = p.get("person_id")
            row = {"event_id": event_id, "type": kind, "number": number, "clerk": clerk, "window": window,
                   "opened_at": hm(events[event_id][0]),
                   "topic": p.get("topic", p.get("title", "")) if pending else p.get("content", ""),
                   "forwarded_to": "" if pending else p.get("forwarded_to", ""), "due": due,
                   "working_days_left": left, "overdue": _bool(overdue), "status": status,
                   "closed_at": hm(events[closing][0]) if closing is not None else "", "answer": answer,
                   "phone": phones.get(person, "") if isinstance(person, int) else "",
                   "clock_jump": p.get("clock_jump", ""), "correction": "；".join(review.corrections.get(event_id, ()))}
            rows.append(tuple(row.get(c.key, "") for c in keys))
            targets.append(event_id)
        return rows, targets


_INTERACTION_KINDS = ("interaction_start", "step", "matter", "escalate", "interaction_end")


class _InteractionSource(RowSource):
    """服务记录 straight from proj_interactions, a page at a time in end_id order (the fold's order): the count
    and the pages are SQL (LIMIT after the last end_id of the previous page, else OFFSET), so a month of ~70,000
    rows is never built to show its first screen. Step and referral names come from the scripts of the moment,
    phones from ``persons``, the clock-jump mark from the interaction events projected with their jump."""

    def __init__(self, store: EventStore, scripts: Scripts, flt: ReportFilter,
                 corrections: Mapping[int, list[str]]) -> None:
        self.store, self.flt, self.corrections = store, flt, corrections
        self.names = {s.id: s.name for s in (*scripts.flow.steps, scripts.flow.close)}
        self.referral_names = {e.id: f"{e.department}{e.window}" for e in scripts.directory.entries}
        where, self.args = _proj_where(flt, "i.")
        self.where = where.replace("i.", "+i.")   # walk the end_id span in primary-key order, never sort
        self._span: tuple[int, int] | None = None
        self._count: int | None = None
        self._next: tuple[int, int] | None = None   # (offset, last end_id) after the previous page
        self._templates: dict[str, str] = {}

    def span(self) -> tuple[int, int]:
        """The end_ids of the range's days (rows are in end_id order and days follow it, almost)."""
        if self._span is None:
            lo, hi = self.store.conn.execute(
                "SELECT MIN(end_id), MAX(end_id) FROM proj_interactions WHERE day BETWEEN ? AND ?",
                self.args[:2]).fetchone()
            self._span = (lo or 0, hi or 0)
        return self._span

    def count(self) -> int:
        if self._count is None:
            where, args = _proj_where(self.flt, "i.")
            self._count = self.store.conn.execute(
                f"SELECT COUNT(*) FROM proj_interactions i WHERE {where}", args).fetchone()[0]
        return self._count

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        lo, hi = self.span()
        sql = ("SELECT i.end_id, i.start_id, i.number, i.clerk, i.role, i.window, i.started, i.ended, i.seconds,"
               " i.steps, i.durations, i.matters, i.outcomes, i.referrals, p.phone FROM proj_interactions i"
               " LEFT JOIN persons p ON p.id = i.person AND typeof(i.person) = 'integer'"
               f" WHERE i.end_id BETWEEN ? AND ? AND {self.where}")
        if self._next is not None and self._next[0] == offset:
            rows = self.store.conn.execute(sql + " AND i.end_id > ? ORDER BY i.end_id LIMIT ?",
                                           [lo, hi, *self.args, self._next[1], limit]).fetchall()
        else:
            rows = self.store.conn.execute(sql + " ORDER BY i.end_id LIMIT ? OFFSET ?",
                                           [lo, hi, *self.args, limit, offset]).fetchall()
        if rows:
            self._next = (offset + len(rows), rows[-1][0])
        return self._rows(rows)

    def _marks(self, rows: list[tuple]) -> dict[str, list[tuple[int, Any]]]:
        """Interaction events carrying a clock_jump key in the page's id span, by window, id order."""
        marks: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        if not rows:
            return marks
        first, last = min(r[1] for r in rows), max(r[0] for r in rows)
        for event_id, window, jump in self.store.conn.execute(
                "SELECT m.id, m.window, json_extract(e.payload, '$.clock_jump') FROM proj_events m"
                " JOIN events e ON e.id = m.id WHERE m.id BETWEEN ? AND ? AND m.kind IN (?, ?, ?, ?, ?)"
                " ORDER BY m.id", (first, last, *_INTERACTION_KINDS)):
            if jump:   # (a matter answered 待答复 is projected for the follow-ups, jump or not)
                marks[window].append((event_id, jump))
        return marks

    def _rows(self, rows: list[tuple]) -> tuple[list[tuple], list[Any]]:
        from assistant.projections import SEP

        names, referral_names, templates, corrections = (self.names, self.referral_names, self._templates,
                                                         self.corrections)
        marks = self._marks(rows)
        out, targets = [], []
        for (end_id, start_id, number, clerk, role, window, started, ended, seconds, steps, durations, matters,
             outcomes, referrals, phone) in rows:
            template = templates.get(steps)
            if template is None:
                template = templates[steps] = " · ".join(
                    str(names.get(s, s)).replace("{", "{{").replace("}", "}}") + " {}s" for s in steps.split(SEP))
            if referrals != "[]":
                referrals = "；".join(referral_names.get(v, v) if k == "r" else v for k, v in json.loads(referrals))
            else:
                referrals = ""
            jump: Any = ""
            if window in marks:
                jump = next((j for i, j in marks[window] if start_id <= i <= end_id), "")
            out.append((start_id, number, clerk, role, window, started, ended, seconds,
                        template.format(*durations.split(SEP)), matters, outcomes, referrals, phone or "", jump,
                        "；".join(corrections.get(start_id, ()))))
            targets.append(start_id)
        return out, targets


def _proj_phrases(store: EventStore, scripts: Scripts, flt: ReportFilter) -> Table:
    table = new_table("phrases")
    where, args = _proj_where(flt)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for clerk, phrase_id, mode, n in store.conn.execute(
            f"SELECT clerk, phrase, mode, SUM(n) FROM proj_phrases WHERE {where} GROUP BY clerk, phrase, mode", args):
        counts[(clerk, phrase_id)][mode] = n
    _phrase_rows(table, scripts, counts)
    return table


class _Review:
    """The lazy review over the projections: each table's fold reads only the kinds it folds, when first asked
    for; counts and chart series are SQL over proj_events (tagged, by recorded local day)."""

    def __init__(self, store: EventStore, scripts: Scripts, flt: ReportFilter, notes: tuple[dict, dict, dict]) -> None:
        self.store, self.scripts, self.flt = store, scripts, flt
        self.acks, self.explanations, self.corrections = notes
        # the events read for the folds: the range widened by a day each side (as _rows_in_range) …
        self.lo = (flt.start - timedelta(days=1)).isoformat()
        self.hi = (flt.end + timedelta(days=1)).isoformat()
        self.where, self.args = _proj_where(flt, "p.")
        self._context: list[Rec] | None = None
        self._kind_counts: dict[str, int] | None = None
        self.phone = person_phone(store)

    def context(self) -> list[Rec]:
        """… plus the sign-in/out before the first of them (what tags the range's first events)."""
        if self._context is None:
            conn = self.store.conn
            first = conn.execute("SELECT MIN(id) FROM proj_events WHERE day BETWEEN ? AND ?",
                                 (self.lo, self.hi)).fetchone()[0]
            row = None if first is None else conn.execute(
                _PROJ_RECS + "WHERE p.id < ? AND +p.kind IN ('sign_in', 'sign_out') ORDER BY p.id DESC LIMIT 1",
                (first,)).fetchone()
            self._context = _recs([row]) if row is not None else []
        return self._context

    def recs(self, kinds: Sequence[str], prefixes: Sequence[str] = (), bare: Sequence[str] = ()) -> list[Rec]:
        """The tagged events of these kinds the fold over all kinds would see, in id order; the payloads of the
        `bare` kinds are not read (empty)."""
        kind_sql, kind_args = _kinds_sql(kinds, prefixes)
        payload = "e.payload"
        if bare:
            payload = f"CASE WHEN p.kind IN ({','.join('?' * len(bare))}) THEN NULL ELSE e.payload END"
        rows = self.store.conn.execute(
            f"SELECT p.id, e.at, p.kind, {payload}, p.clerk, p.role, p.window FROM proj_events p"
            f" JOIN events e ON e.id = p.id WHERE p.day BETWEEN ? AND ? AND {kind_sql} ORDER BY p.id",
            [*bare, self.lo, self.hi, *kind_args]).fetchall()
        return [*self.context(), *_recs(rows)] if rows else []

    def ctx(self, recs: list[Rec]) -> _Ctx:
        return _Ctx(self.scripts, self.flt, recs, _wanted(self.flt), self.acks, self.explanations, self.phone,
                    self.corrections)

    def fold(self, build: Callable[[_Ctx], Table], kinds: Sequence[str], prefixes: Sequence[str] = (),
             bare: Sequence[str] = ()) -> Callable[[], Table]:
        return lambda: build(self.ctx(self.recs(kinds, prefixes, bare)))

    def checklist_runs(self) -> Table:
        """班前检查. A run's ticks count only for runs recorded without their timing (before issue 5: seconds,
        items); when every submit of the range has it, the ~10,000 ticks of a month are not read at all."""
        recs = self.recs(("sign_in", "late_arrival", "checklist_submit"))
        if any(r.kind == "checklist_submit" and not ("seconds" in r.payload and "items" in r.payload) for r in recs):
            recs = self.recs(("sign_in", "late_arrival", "checklist_item", "checklist_submit"),
                             bare=("checklist_item",))
        return _checklist(self.ctx(recs), runs_only=True)[0]

    def kind_counts(self) -> dict[str, int]:
        """How many wanted events of each kind (one pass over the range's day index, for every table's count)."""
        if self._kind_counts is None:
            self._kind_counts = dict(self.store.conn.execute(
                f"SELECT p.kind, COUNT(*) FROM proj_events p WHERE {self.where} GROUP BY p.kind", self.args))
        return self._kind_counts

    def count(self, kinds: Sequence[str], prefixes: Sequence[str] = ()) -> int:
        """Wanted events of these kinds (or kinds starting with a prefix)."""
        return sum(n for kind, n in self.kind_counts().items() if kind in kinds or kind.startswith(tuple(prefixes)))

    def counter(self, kinds: Sequence[str], prefixes: Sequence[str] = ()) -> Callable[[], int]:
        return lambda: self.count(kinds, prefixes)

    def fault_count(self) -> int:
        """As _faults: reports from service, equipment faults not recorded as fixed, and the failed ticks
        unless the range holds equipment_fault events (then those speak for the equipment)."""
        conn = self.store.conn
        equipment = conn.execute("SELECT 1 FROM proj_events WHERE day BETWEEN ? AND ? AND kind = 'equipment_fault'"
                                 " LIMIT 1", (self.lo, self.hi)).fetchone() is not None
        ticks = "" if equipment else (" OR (p.kind = 'checklist_item'"
                                      " AND NOT COALESCE(json_extract(e.payload, '$.ok'), 0))")
        return conn.execute(
            "SELECT COUNT(*) FROM proj_events p JOIN events e ON e.id = p.id"
            f" WHERE {self.where} AND (p.kind = 'fault_start' OR (p.kind = 'equipment_fault'"
            f" AND COALESCE(json_extract(e.payload, '$.status'), '') NOT IN ('{STATUS_FIXED}', 'fixed')){ticks})",
            self.args).fetchone()[0]

    def phrase_count(self) -> int:
        where, args = _proj_where(self.flt)
        return self.store.conn.execute(
            f"SELECT COUNT(*) FROM (SELECT DISTINCT clerk, phrase FROM proj_phrases WHERE {where})", args).fetchone()[0]

    def charts(self, tables: Mapping[str, Table]) -> dict[str, list[tuple[str, float]]]:
        """The series _charts computes from the tables' rows, by SQL over the projections (the overtime table,
        a few rows, is built)."""
        conn = self.store.conn
        by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        lates = conn.execute(
            "SELECT p.day, json_extract(e.payload, '$.late') FROM proj_events p JOIN events e ON e.id = p.id"
            f" WHERE {self.where} AND p.kind = 'checklist_submit'", self.args).fetchall()
        if any(late is None for _, late in lates):   # recorded before issue 5 (no timing in the event): the fold
            on_time_by_day = _charts({**tables, "interactions": new_table("interactions")})["on_time_by_day"]
        else:
            for day, late in lates:
                by_day[day][0] += not late
                by_day[day][1] += 1
            on_time_by_day = [(d, round(100 * ok / n, 1)) for d, (ok, n) in sorted(by_day.items())]
        texts = {i.id: i.text for i in self.scripts.checklist.items}
        failures: dict[str, list[int]] = {}
        for item, n, first in conn.execute(
                "SELECT json_extract(e.payload, '$.item') AS item, COUNT(*), MIN(p.id) FROM proj_events p"
                f" JOIN events e ON e.id = p.id WHERE {self.where} AND p.kind = 'checklist_item'"
                " AND NOT COALESCE(json_extract(e.payload, '$.ok'), 0) GROUP BY item", self.args):
            text = texts.get(item, "" if item is None else item)
            seen = failures.setdefault(text, [0, first])
            seen[0] += n
            seen[1] = min(seen[1], first)
        overtime: dict[str, int] = defaultdict(int)
        table = tables["overtime"]
        clerk, minutes = _column(table, "clerk"), _column(table, "minutes")
        for row in table.all_rows():
            overtime[clerk(row) or "（未签到）"] += int(minutes(row) or 0)
        where, args = _proj_where(self.flt, "")
        per_hour = conn.execute(f"SELECT substr(started, 12, 2) || ':00' AS h, COUNT(*) FROM proj_interactions"
                                f" WHERE {where} GROUP BY h ORDER BY h", args).fetchall()   # index *_hours
        return {
            "on_time_by_day": on_time_by_day,
            "failures_by_item": [(t, n) for t, (n, _) in sorted(failures.items(), key=lambda kv: (-kv[1][0], kv[1][1]))],
            "overtime_by_clerk": sorted(overtime.items()),
            "served_per_hour": [(h, n) for h, n in per_hour],
        }

    def tables(self) -> dict[str, Table]:
        faults = ("checklist_item", "equipment_fault", "fault_start", "fault_end")
        pauses = ("pause", "resume", "internal_start", "internal_end")
        folds: dict[str, RowSource] = {
            "checklist": _FoldSource(self.checklist_runs, self.counter(("checklist_submit",))),
            "checklist_items": _EventSource(self, lambda c: _checklist(c)[1], ("checklist_item",)),
            "faults": _FoldSource(self.fold(_faults, faults), self.fault_count),
            "pauses": _FoldSource(self.fold(_pauses, pauses), self.counter(("pause", "internal_start"))),
            "overtime": _EventSource(self, _overtime, ("overtime",)),
            "interactions": _InteractionSource(self.store, self.scripts, self.flt, self.corrections),
            "follow_ups": _FollowUpSource(self),
            "phrases": _FoldSource(lambda: _proj_phrases(self.store, self.scripts, self.flt), self.phrase_count),
            "guard_alerts": _EventSource(self, _guard, (), GUARD_PREFIXES),
            "notes": _EventSource(self, lambda c: _notes_and_exports(c)[0], (ACK_KIND, EXPLAIN_KIND)),
            "exports": _EventSource(self, lambda c: _notes_and_exports(c)[1], (EXPORT_KIND,)),
            "clock": _EventSource(self, _clock, CLOCK_KINDS),
            "corrections": _EventSource(self, lambda c: _corrections(c, _event_targets(self.store)), (CORRECTION_KIND,)),
            "purges": _EventSource(self, _purges, (PURGE_KIND,)),
        }
        return {key: Table(key, *SPECS[key], source=folds[key]) for key in SPECS}


SOURCES = ("projections", "events")


def build_report(store: EventStore, scripts: Scripts, flt: ReportFilter,
                 tables: Sequence[str] | None = None, source: str = "projections", lazy: bool = True) -> Report:
    """All review tables for the filter (or only those named), the chain head, and the chart series.

    source "projections" (the default) reads the query-side tables kept at append time and returns *lazy*
    tables: ``len(table)`` (a SQL count), ``table.page(offset, limit)`` (one page, built on demand) and
    ``table.all_rows()`` (page by page) never build a whole month; ``table.rows`` builds it (as before).
    A lazy table reads the store when it is read: keep the store open while using it, or pass lazy=False for
    tables built before returning (e.g. to read them after closing the store).
    "events" folds the raw events of the range, as before migration 3, into built tables (kept as the
    reference the projections are tested against)."""
    if source not in SOURCES:
        raise ValueError(source)
    if tables is not None:
        unknown = [t for t in tables if t not in SPECS]
        if unknown:
            raise KeyError(f"未知的表：{'、'.join(unknown)}，可选：{'、'.join(SPECS)}")
    if source == "projections":
        store.sync_projections()
    head_id, head_hash = head(store)
    notes = _read_notes(store)
    if source == "projections":
        review = _Review(store, scripts, flt, notes)
        out = review.tables()
        charts = review.charts(out)
    else:
        ctx = _Ctx(scripts, flt, tag(_rows_in_range(store, flt)), _wanted(flt), *notes[:2], person_phone(store),
                   notes[2])
        out = {}
        out["checklist"], out["checklist_items"] = _checklist(ctx)
        out["faults"] = _faults(ctx)
        out["pauses"] = _pauses(ctx)
        out["overtime"] = _overtime(ctx)
        out["interactions"] = _interactions(ctx)
        out["follow_ups"] = _follow_ups(ctx, _follow_up_recs(store))
        out["phrases"] = _phrases(ctx)
        out["guard_alerts"] = _guard(ctx)
        out["notes"], out["exports"] = _notes_and_exports(ctx)
        out["clock"] = _clock(ctx)
        out["corrections"] = _corrections(ctx, _event_targets(store))
        out["purges"] = _purges(ctx)
        charts = _charts(out)
    if tables is not None:
        out = {k: out[k] for k in tables}
    if not lazy:
        for table in out.values():
            table.rows   # noqa: B018 — built now
    windows, clerks = known_people(store)
    return Report(flt, out, head_id, head_hash, windows, clerks, charts)


def known_people(store: EventStore) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every window and clerk that ever signed in (for the filters; projection proj_people)."""
    rows = store.conn.execute("SELECT DISTINCT window, clerk FROM proj_people").fetchall()
    windows = sorted({w for w, _ in rows if w})
    clerks = sorted({c for _, c in rows if c})
    return tuple(windows), tuple(clerks)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """day / week / month ranges ending today (week from Monday, month from the 1st)."""
    if preset == "day":
        return today, today
    if preset == "week":
        return today - timedelta(days=today.weekday()), today
    if preset == "month":
        return today.replace(day=1), today
    raise ValueError(preset)
