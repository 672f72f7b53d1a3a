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

Personal data stays in ``persons``; the ``phone`` columns read it from there (masked by the exporter).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from assistant.scripts import Scripts
from assistant.store import GENESIS_HASH, EventStore

ACK_KIND = "review_ack"       # the lead acknowledges a record with a comment {target, comment}
EXPLAIN_KIND = "explain"      # a clerk explains a late run or a fault {target, text}
EXPORT_KIND = "export"
GUARD_PREFIXES = ("guard", "taboo")
STATUS_OPEN, STATUS_FIXED = "未修复", "已修复"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)
    # the event id each row is about (for acknowledging / explaining it), parallel to rows; None if none
    targets: list[int | None] = field(default_factory=list)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)

    def dicts(self) -> list[dict[str, Any]]:
        keys = self.keys
        return [dict(zip(keys, row)) for row in self.rows]

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
        "lead_comment|值班长批注", "explanation|本人说明")),
    "checklist_items": ("检查项明细", _cols(
        "event_id|记录号", "at|时间", "clerk|工作证编号", "window|窗口", "item|检查项编号", "text|检查项",
        "ok|结果", "note|说明", "lead_comment|值班长批注")),
    "faults": ("设备故障", _cols(
        "event_id|记录号", "source|来源", "item|设备或故障", "note|情况说明", "clerk|发现人", "window|窗口",
        "reported_at|发现时间", "status|状态", "fixed_at|修复时间", "fixed_by|修复确认人", "minutes|持续分钟",
        "lead_comment|值班长批注", "explanation|本人说明")),
    "pauses": ("暂停服务", _cols(
        "event_id|记录号", "type|类型", "clerk|工作证编号", "window|窗口", "reason|原因", "start|开始",
        "end|结束", "minutes|时长（分钟）")),
    "overtime": ("延时服务", _cols(
        "event_id|记录号", "date|日期", "clerk|工作证编号", "window|窗口", "start|开始", "end|结束",
        "minutes|延时分钟", "served|延时服务人数", "lead_comment|值班长批注")),
    "interactions": ("服务记录", _cols(
        "event_id|记录号", "number|序号", "clerk|工作证编号", "role|岗位", "window|窗口", "started_at|开始",
        "ended_at|结束", "seconds|用时（秒）", "steps|各环节用时", "matters|事项", "outcomes|办理结果",
        "referrals|转办", "phone|联系电话")),
    "follow_ups": ("投诉与待答复", _cols(
        "event_id|记录号", "type|类型", "number|编号", "clerk|工作证编号", "window|窗口", "opened_at|登记时间",
        "topic|内容", "forwarded_to|转交", "due|答复期限", "working_days_left|剩余工作日", "overdue|逾期",
        "status|状态", "closed_at|办结时间", "answer|答复情况", "phone|联系电话")),
    "phrases": ("用语使用", _cols(
        "clerk|工作证编号", "phrase|用语编号", "category|类别", "text|用语", "insert|插入", "copy|复制",
        "speak|朗读", "total|合计")),
    "guard_alerts": ("忌语提醒", _cols(
        "event_id|记录号", "at|时间", "clerk|工作证编号", "window|窗口", "kind|类型", "detail|内容")),
    "notes": ("批注与说明", _cols(
        "event_id|记录号", "at|时间", "type|类型", "by|记录人", "target|针对记录号", "text|内容")),
    "exports": ("导出记录", _cols(
        "event_id|记录号", "at|时间", "by|导出人", "from|起始日期", "to|截止日期", "format|格式",
        "masked|电话已遮蔽", "tables|表")),
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

    def ack(self, event_id: int) -> str:
        return "；".join(self.acks.get(event_id, ()))

    def explain(self, event_id: int) -> str:
        return "；".join(self.explanations.get(event_id, ()))


def _checklist(ctx: _Ctx) -> tuple[Table, Table]:
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
            if ctx.wanted(rec):
                p = rec.payload
                ticks_table.add({"event_id": rec.id, "at": hm(rec.at), "clerk": rec.clerk, "window": rec.window,
                                 "item": p.get("item", ""), "text": texts.get(p.get("item"), p.get("item", "")),
                                 "ok": "正常" if p.get("ok") else "故障", "note": p.get("note", ""),
                                 "lead_comment": ctx.ack(rec.id)}, rec.id)
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
                          "lead_comment": ctx.ack(rec.id), "explanation": ctx.explain(rec.id)}, rec.id)
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
                   "status": p.get("status") or STATUS_OPEN, "_at": rec.at.isoformat()}
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
                   "_at": rec.at.isoformat()}
            open_fault[rec.window] = row
            rows.append((row, rec.id, rec))
        elif rec.kind == "fault_end":
            row = open_fault.pop(rec.window, None)
            if row is not None:
                row.update(status=STATUS_FIXED, fixed_at=hm(rec.at), fixed_by=rec.clerk,
                           minutes=p.get("minutes", _minutes(_dt(row["_at"]), rec.at)))
    for row, target, rec in rows:
        if ctx.wanted(rec):
            row.update(lead_comment=ctx.ack(target), explanation=ctx.explain(target))
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
                   "reason": rec.payload.get(key, ""), "start": hm(rec.at), "end": "", "minutes": ""}
            open_[(rec.window, rec.kind)] = (rec, row)
            rows.append((rec, row))
        elif rec.kind in ends:
            found = open_.pop((rec.window, ends[rec.kind]), None)
            if found is not None:
                found[1].update(end=hm(rec.at), minutes=_minutes(found[0].at, rec.at))
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
                       "lead_comment": ctx.ack(rec.id)}, rec.id)
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
                                   "outcomes": [], "referrals": [], "person": p.get("person_id")}
        elif rec.window in current and rec.kind in ("step", "matter", "escalate", "interaction_end"):
            it = current[rec.window]
            if it["person"] is None:
                it["person"] = p.get("person_id")
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
                           "referrals": "；".join(it["referrals"]), "phone": ctx.phone(it["person"])}, start.id)
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
                          "answer": "", "phone": ctx.phone(p.get("person_id"))}
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
                          "answer": "", "phone": ctx.phone(p.get("person_id"))}
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
            detail = "；".join(f"{k}={v}" for k, v in sorted(rec.payload.items()) if k != "person_id")
            table.add({"event_id": rec.id, "at": hm(rec.at), "clerk": rec.clerk, "window": rec.window,
                       "kind": rec.kind, "detail": detail}, rec.id)
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
                       "text": p.get("comment", p.get("text", ""))}, p.get("target"))
        elif rec.kind == EXPORT_KIND:
            exports.add({"event_id": rec.id, "at": hm(rec.at), "by": p.get("by") or rec.clerk,
                         "from": p.get("from", ""), "to": p.get("to", ""), "format": p.get("format", ""),
                         "masked": _bool(bool(p.get("masked", True))), "tables": "、".join(p.get("tables", ()))},
                        rec.id)
    return notes, exports


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
    return [Rec(i, parse(at), kind, loads(payload), clerk, role, window)
            for i, at, kind, payload, clerk, role, window in rows]


def _proj_in_range(store: EventStore, flt: ReportFilter) -> list[Rec]:
    """The tagged events the builders fold, recorded in the range (widened by a day each side as
    _rows_in_range), plus the sign-in/out before the first of them — the same Recs _rows_in_range + tag give
    for these kinds."""
    conn = store.conn
    lo, hi = (flt.start - timedelta(days=1)).isoformat(), (flt.end + timedelta(days=1)).isoformat()
    rows = conn.execute(_PROJ_RECS + "WHERE p.day BETWEEN ? AND ? ORDER BY p.id", (lo, hi)).fetchall()
    if rows:
        first = conn.execute(_PROJ_RECS + "WHERE p.id < ? AND p.kind IN ('sign_in', 'sign_out') "
                             "ORDER BY p.id DESC LIMIT 1", (rows[0][0],)).fetchone()
        if first is not None:
            rows.insert(0, first)
    return _recs(rows)


def _proj_follow_up_recs(store: EventStore, flt: ReportFilter) -> list[Rec]:
    rows = store.conn.execute(_PROJ_RECS + "WHERE p.fu = 1 AND p.day <= ? ORDER BY p.id",
                              (flt.end.isoformat(),)).fetchall()
    return _recs(rows)


def _proj_where(flt: ReportFilter, alias: str = "") -> tuple[str, list[Any]]:
    sql, args = f"{alias}day BETWEEN ? AND ?", [flt.start.isoformat(), flt.end.isoformat()]
    for column, value in (("clerk", flt.clerk), ("window", flt.window), ("role", flt.role)):
        if value:
            sql += f" AND {alias}{column} = ?"
            args.append(value)
    return sql, args


def _proj_interactions(store: EventStore, scripts: Scripts, flt: ReportFilter) -> Table:
    """The interactions table from proj_interactions: the rows _interactions folds, in the same order."""
    from assistant.projections import SEP

    table = new_table("interactions")
    names = {s.id: s.name for s in (*scripts.flow.steps, scripts.flow.close)}
    referral_names = {e.id: f"{e.department}{e.window}" for e in scripts.directory.entries}
    where, args = _proj_where(flt, "i.")
    # Rows are in end_id order and days follow it (almost): find the end_id span of the days through the day
    # index, then read that span in primary-key order (no sort of ~60,000 rows), still filtered by day.
    lo, hi = store.conn.execute("SELECT MIN(end_id), MAX(end_id) FROM proj_interactions WHERE day BETWEEN ? AND ?",
                                args[:2]).fetchone()
    rows = store.conn.execute(
        "SELECT i.start_id, i.number, i.clerk, i.role, i.window, i.started, i.ended, i.seconds, i.steps, "
        "i.durations, i.matters, i.outcomes, i.referrals, p.phone FROM proj_interactions i "
        "LEFT JOIN persons p ON p.id = i.person AND typeof(i.person) = 'integer' "
        f"WHERE i.end_id BETWEEN ? AND ? AND {where} ORDER BY i.end_id", [lo or 0, hi or 0, *args]).fetchall()
    templates: dict[str, str] = {}
    out, targets = table.rows, table.targets
    for (start_id, number, clerk, role, window, started, ended, seconds, steps, durations, matters, outcomes,
         referrals, phone) in rows:
        template = templates.get(steps)
        if template is None:
            template = templates[steps] = " · ".join(
                str(names.get(s, s)).replace("{", "{{").replace("}", "}}") + " {}s" for s in steps.split(SEP))
        if referrals != "[]":
            referrals = "；".join(referral_names.get(v, v) if k == "r" else v for k, v in json.loads(referrals))
        else:
            referrals = ""
        out.append((start_id, number, clerk, role, window, started, ended, seconds,
                    template.format(*durations.split(SEP)), matters, outcomes, referrals, phone or ""))
        targets.append(start_id)
    return table


def _proj_phrases(store: EventStore, scripts: Scripts, flt: ReportFilter) -> Table:
    table = new_table("phrases")
    where, args = _proj_where(flt)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for clerk, phrase_id, mode, n in store.conn.execute(
            f"SELECT clerk, phrase, mode, SUM(n) FROM proj_phrases WHERE {where} GROUP BY clerk, phrase, mode", args):
        counts[(clerk, phrase_id)][mode] = n
    _phrase_rows(table, scripts, counts)
    return table


SOURCES = ("projections", "events")


def build_report(store: EventStore, scripts: Scripts, flt: ReportFilter,
                 tables: Sequence[str] | None = None, source: str = "projections") -> Report:
    """All review tables for the filter (or only those named), the chain head, and the chart series.

    source "projections" (the default) reads the query-side tables kept at append time; "events" folds the raw
    events of the range, as before migration 3 (kept as the reference the projections are tested against)."""
    if source not in SOURCES:
        raise ValueError(source)
    if source == "projections":
        store.sync_projections()
    head_id, head_hash = head(store)
    recs = tag(_rows_in_range(store, flt)) if source == "events" else _proj_in_range(store, flt)
    acks: dict[int, list[str]] = defaultdict(list)
    explanations: dict[int, list[str]] = defaultdict(list)
    # without ORDER BY (sorted here) SQLite reads them through index events_kind, not by scanning the log
    notes = store.conn.execute("SELECT id, at, kind, payload FROM events WHERE kind IN (?, ?)",
                               (ACK_KIND, EXPLAIN_KIND)).fetchall()
    for _, _, kind, payload in sorted(notes):
        p = json.loads(payload)
        target = p.get("target")
        if kind == ACK_KIND:
            acks[target].append(p.get("comment", ""))
        else:
            explanations[target].append(p.get("text", ""))
    ctx = _Ctx(scripts, flt, recs, _wanted(flt), acks, explanations, person_phone(store))
    out: dict[str, Table] = {}
    out["checklist"], out["checklist_items"] = _checklist(ctx)
    out["faults"] = _faults(ctx)
    out["pauses"] = _pauses(ctx)
    out["overtime"] = _overtime(ctx)
    if source == "events":
        out["interactions"] = _interactions(ctx)
        out["follow_ups"] = _follow_ups(ctx, _follow_up_recs(store))
        out["phrases"] = _phrases(ctx)
    else:
        out["interactions"] = _proj_interactions(store, scripts, flt)
        out["follow_ups"] = _follow_ups(ctx, _proj_follow_up_recs(store, flt))
        out["phrases"] = _proj_phrases(store, scripts, flt)
    out["guard_alerts"] = _guard(ctx)
    out["notes"], out["exports"] = _notes_and_exports(ctx)
    charts = _charts(out)
    if tables is not None:
        unknown = [t for t in tables if t not in SPECS]
        if unknown:
            raise KeyError(f"未知的表：{'、'.join(unknown)}，可选：{'、'.join(SPECS)}")
        out = {k: out[k] for k in tables}
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
