"""The review's tables folded from the raw events of a range: the reference (oracle) that the SQL
readers are tested against (build_report(..., source="events"))."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from assistant.config.schema import Scripts
from assistant.domain.events import STATUS_FIXED, upcast
from assistant.reports.model import (
    ACK_KIND,
    CLOCK_KINDS,
    CORRECTION_KIND,
    EXPLAIN_KIND,
    EXPORT_KIND,
    GUARD_PREFIXES,
    PURGE_KIND,
    STATUS_OPEN,
    Rec,
    ReportFilter,
    Table,
    _bool,
    _dt,
    _minutes,
    _tick_word,
    duration_text,
    hm,
    new_table,
)
from assistant.store.event_log import EventStore

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
            "ORDER BY id DESC LIMIT 1",
            (rows[0][0],),
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
        sql += (
            " UNION ALL SELECT id, at, kind, payload FROM events"
            " WHERE kind = 'matter' AND json_extract(payload, '$.outcome') = '待答复'"
        )
    return store.conn.execute(sql + " ORDER BY id", tuple(kinds)).fetchall()


def tag(rows: Iterable[tuple]) -> list[Rec]:
    """Tag each (id, at, kind, payload-json) with the clerk, role and window signed in when it was recorded."""
    clerk = role = window = ""
    out: list[Rec] = []
    append, loads, parse = out.append, json.loads, datetime.fromisoformat
    for event_id, at, stored_kind, payload in rows:
        kind, p = upcast(stored_kind, loads(payload) if isinstance(payload, str) else payload)
        if kind == "sign_in":
            clerk, role, window = str(p.get("clerk", "")), str(p.get("role", "")), str(p.get("window", ""))
        if "clerk" in p or "role" in p or "window" in p:
            append(
                Rec(
                    event_id,
                    parse(at),
                    kind,
                    p,
                    str(p.get("clerk") or clerk),
                    str(p.get("role") or role),
                    str(p.get("window") or window),
                )
            )
        else:  # most events (steps, matters, phrases) name nobody: the session's context
            append(Rec(event_id, parse(at), kind, p, clerk, role, window))
        if kind == "sign_out":
            clerk = role = window = ""
    return out


def _wanted(flt: ReportFilter) -> Callable[[Rec], bool]:
    def wanted(rec: Rec) -> bool:
        return (
            flt.start <= rec.at.date() <= flt.end
            and (not flt.clerk or rec.clerk == flt.clerk)
            and (not flt.window or rec.window == flt.window)
            and (not flt.role or rec.role == flt.role)
        )

    return wanted


# ─── the builders ─────────────────────────────────────────────────────────────────────────────────


@dataclass
class _Ctx:
    scripts: Scripts
    flt: ReportFilter
    recs: list[Rec]  # all tagged events read (context included), id order
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
    from assistant.domain import shift

    runs, ticks_table = new_table("checklist"), new_table("checklist_items")
    hours = ctx.scripts.hours
    texts = {i.id: i.text for i in ctx.scripts.checklist.items}
    sections = {i.id: i.section for i in ctx.scripts.checklist.items}
    signed_in: datetime | None = None
    ticks: list[Rec] = []
    recorded_late = False  # issue 5 records a `late_arrival` event after a late sign-in
    for rec in ctx.recs:
        if rec.kind == "sign_in":
            signed_in, ticks, recorded_late = rec.at, [], bool(rec.payload.get("late"))
        elif rec.kind == "late_arrival":
            recorded_late = True
        elif rec.kind == "checklist_item":
            ticks.append(rec)
            if not runs_only and ctx.wanted(rec):
                p = rec.payload
                ticks_table.add(
                    {
                        "event_id": rec.id,
                        "at": hm(rec.at),
                        "clerk": rec.clerk,
                        "window": rec.window,
                        "item": p.get("item", ""),
                        "text": texts.get(str(p.get("item")), p.get("item", "")),
                        "ok": _tick_word(p, sections.get(str(p.get("item")))),
                        "note": p.get("note", ""),
                        "lead_comment": ctx.ack(rec.id),
                        "clock_jump": p.get("clock_jump", ""),
                        "correction": ctx.correct(rec.id),
                    },
                    rec.id,
                )
        elif rec.kind == "checklist_submit":
            if ctx.wanted(rec):
                p = rec.payload
                if "late" in p:  # issue 5 records the timing in the event itself
                    opening, deadline = _dt(p.get("opening")), _dt(p.get("deadline"))
                    late, late_minutes = bool(p["late"]), int(p.get("late_minutes", 0))
                else:
                    opening = shift.shift_opening(hours, signed_in or rec.at, rec.window or None)
                    t = shift.timing(rec.at, opening, hours.thresholds.checklist_lead_minutes)
                    opening, deadline, late, late_minutes = t.opening, t.deadline, t.late, t.late_minutes
                failed = list(p.get("failed", ()))
                notes = p.get("notes", {})
                short = [
                    f"{texts.get(f, f)}：{notes.get(f, '')}"
                    for f in failed
                    if sections.get(f) == "appearance"
                ]
                first = ticks[0].at.isoformat() if ticks else None
                seconds = p.get("seconds", shift.run_seconds(first, rec.at))
                fast = p.get(
                    "fast", shift.is_fast(not failed, float(seconds or 0), hours.thresholds.fast_run_seconds)
                )
                arrived_late = recorded_late or bool(signed_in and deadline and signed_in > deadline)
                runs.add(
                    {
                        "event_id": rec.id,
                        "date": rec.at.date().isoformat(),
                        "clerk": rec.clerk,
                        "role": rec.role,
                        "window": rec.window,
                        "signed_in_at": hm(signed_in),
                        "submitted_at": hm(rec.at),
                        "opening": hm(opening),
                        "deadline": hm(deadline),
                        "on_time": _bool(not late),
                        "late_minutes": late_minutes,
                        "late_arrival": _bool(arrived_late),
                        "items": int(p.get("items", len(ticks))),
                        "failed": "、".join(texts.get(f, f) for f in failed),
                        "seconds": int(float(seconds or 0)),
                        "fast": _bool(bool(fast)),
                        "lead_comment": ctx.ack(rec.id),
                        "explanation": ctx.explain(rec.id),
                        "clock_jump": p.get("clock_jump", ""),
                        "correction": ctx.correct(rec.id),
                        "provisional": _bool(hours.provisional(rec.at.date())),
                        "appearance_notes": "；".join(short),
                        "not_applicable": "、".join(texts.get(i, i) for i in p.get("not_applicable", ())),
                    },
                    rec.id,
                )
            ticks = []
    return runs, ticks_table


def _faults(ctx: _Ctx) -> Table:
    table = new_table("faults")
    texts = {i.id: i.text for i in ctx.scripts.checklist.items}
    open_items: dict[tuple[str, str], dict] = {}  # (window, item) → row of an unfixed checklist failure
    rows: list[tuple[dict, int, Rec]] = []
    open_fault: dict[str, dict] = {}
    has_equipment_events = any(r.kind == "equipment_fault" for r in ctx.recs)
    equipment = {i.id for i in ctx.scripts.checklist.items if i.section == "equipment"}
    for rec in ctx.recs:
        p = rec.payload
        # appearance that falls short is a note on the run, not a fault to repair (rules 41–47)
        failed_tick = (
            rec.kind == "checklist_item"
            and p.get("ok") is False
            and p.get("item") in equipment
            and not has_equipment_events
        )
        if failed_tick or rec.kind == "equipment_fault":
            if rec.kind == "equipment_fault" and p.get("status") == STATUS_FIXED:
                row = open_items.pop((rec.window, str(p.get("item"))), None)
                if row is not None:
                    row.update(
                        status=STATUS_FIXED,
                        fixed_at=hm(rec.at),
                        fixed_by=rec.clerk,
                        minutes=_minutes(datetime.fromisoformat(row["_at"]), rec.at),
                    )
                continue
            row = {
                "event_id": rec.id,
                "source": "班前检查",
                "item": texts.get(str(p.get("item")), p.get("item", "")),
                "note": p.get("note", ""),
                "clerk": rec.clerk,
                "window": rec.window,
                "reported_at": hm(rec.at),
                "status": p.get("status") or STATUS_OPEN,
                "_at": rec.at.isoformat(),
                "clock_jump": p.get("clock_jump", ""),
            }
            open_items[(rec.window, str(p.get("item")))] = row
            rows.append((row, rec.id, rec))
        elif rec.kind == "checklist_item" and p.get("ok"):
            row = open_items.pop((rec.window, str(p.get("item"))), None)
            if row is not None:  # a later run passed the item: fixed by then
                row.update(
                    status=STATUS_FIXED,
                    fixed_at=hm(rec.at),
                    fixed_by=rec.clerk,
                    minutes=_minutes(datetime.fromisoformat(row["_at"]), rec.at),
                )
        elif rec.kind == "fault_start":
            row = {
                "event_id": rec.id,
                "source": "服务中",
                "item": p.get("fault", ""),
                "note": "",
                "clerk": rec.clerk,
                "window": rec.window,
                "reported_at": hm(rec.at),
                "status": STATUS_OPEN,
                "_at": rec.at.isoformat(),
                "clock_jump": p.get("clock_jump", ""),
            }
            open_fault[rec.window] = row
            rows.append((row, rec.id, rec))
        elif rec.kind == "fault_end":
            row = open_fault.pop(rec.window, None)
            if row is not None:
                row.update(
                    status=STATUS_FIXED,
                    fixed_at=hm(rec.at),
                    fixed_by=rec.clerk,
                    minutes=p.get("minutes", _minutes(datetime.fromisoformat(row["_at"]), rec.at)),
                )
    for row, target, rec in rows:
        if ctx.wanted(rec):
            row.update(
                lead_comment=ctx.ack(target), explanation=ctx.explain(target), correction=ctx.correct(target)
            )
            table.add(row, target)
    return table


def _pauses(ctx: _Ctx) -> Table:
    table = new_table("pauses")
    starts = {
        "pause": ("暂停服务", "resume", "reason"),
        "internal_start": ("内部工作", "internal_end", "task"),
    }
    ends = {v[1]: k for k, v in starts.items()}
    open_: dict[tuple[str, str], tuple[Rec, dict]] = {}
    rows: list[tuple[Rec, dict]] = []
    for rec in ctx.recs:
        if rec.kind in starts:
            kind, _, key = starts[rec.kind]
            row = {
                "event_id": rec.id,
                "type": kind,
                "clerk": rec.clerk,
                "window": rec.window,
                "reason": rec.payload.get(key, ""),
                "start": hm(rec.at),
                "end": "",
                "minutes": "",
                "clock_jump": rec.payload.get("clock_jump", ""),
                "correction": ctx.correct(rec.id),
                "overtime": _bool(rec.payload["overtime"]) if "overtime" in rec.payload else "",
                "waiting": rec.payload.get("waiting", ""),
            }
            open_[(rec.window, rec.kind)] = (rec, row)
            rows.append((rec, row))
        elif rec.kind in ends:
            found = open_.pop((rec.window, ends[rec.kind]), None)
            if found is not None:
                found[1].update(end=hm(rec.at), minutes=_minutes(found[0].at, rec.at))
                if not found[1]["clock_jump"]:  # a jump while paused: the resume carries it
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
            table.add(
                {
                    "event_id": rec.id,
                    "date": (start or rec.at).date().isoformat(),
                    "clerk": rec.clerk,
                    "window": rec.window,
                    "start": hm(start),
                    "end": hm(end),
                    "minutes": _minutes(start, end) if start and end else "",
                    "served": p.get("served", 0),
                    "lead_comment": ctx.ack(rec.id),
                    "clock_jump": p.get("clock_jump", ""),
                    "correction": ctx.correct(rec.id),
                },
                rec.id,
            )
    return table


def _home_service_recs(store: EventStore) -> list[Rec]:
    """Every home-service request and update, tagged (a few a week: read from the first event)."""
    return tag(_kinds(store, ("sign_in", "sign_out", "home_service", "home_service_update")))


def _home_services(ctx: _Ctx, recs: Iterable[Rec]) -> Table:
    """Home-service requests (rule 25) registered in the range, or before it and still open at its end."""
    table = new_table("home_services")
    hours = ctx.scripts.hours
    today = ctx.flt.today or min(ctx.flt.end, date.today())
    rows: dict[int, tuple[Rec, dict]] = {}
    flt = ctx.flt
    for rec in recs:
        p = rec.payload
        if rec.at.date() > flt.end:
            continue
        if rec.kind == "home_service":
            number = p.get("home_service", len(rows) + 1)
            due = _dt(p.get("due"))
            left = _working_days_between(hours, today, due.date()) if due else ""
            rows[number] = (
                rec,
                {
                    "event_id": rec.id,
                    "number": number,
                    "clerk": rec.clerk,
                    "window": rec.window,
                    "opened_at": hm(rec.at),
                    "need": p.get("need", ""),
                    "due": p.get("due", ""),
                    "working_days_left": left,
                    "status": p.get("status", "待上门"),
                    "updated_at": "",
                    "phone": ctx.phone(p.get("person_id")),
                    "lead_comment": ctx.ack(rec.id),
                    "clock_jump": p.get("clock_jump", ""),
                    "correction": ctx.correct(rec.id),
                },
            )
        elif rec.kind == "home_service_update" and p.get("home_service") in rows:
            rows[p["home_service"]][1].update(status=p.get("status", ""), updated_at=hm(rec.at))
    for rec, row in rows.values():
        done = row["status"] in ("已办结", "已取消")
        earlier = rec.at.date() < flt.start
        same_desk = _wanted(ReportFilter(rec.at.date(), rec.at.date(), flt.window, flt.clerk, flt.role))
        if not (ctx.wanted(rec) or (earlier and not done and same_desk(rec))):
            continue
        due = _dt(row["due"])
        row["overdue"] = _bool(bool(due and not done and today > due.date()))
        if done:
            row["working_days_left"] = ""
        table.add(row, rec.id)
    return table


def _departures(ctx: _Ctx) -> Table:
    table = new_table("departures")
    for rec in ctx.recs:
        if rec.kind == "early_departure" and ctx.wanted(rec):
            p = rec.payload
            table.add(
                {
                    "event_id": rec.id,
                    "date": rec.at.date().isoformat(),
                    "at": hm(rec.at),
                    "clerk": rec.clerk,
                    "window": rec.window,
                    "reason": p.get("reason", ""),
                    "closing": hm(p.get("closing")),
                    "waiting": p.get("waiting", 0),
                    "lead_comment": ctx.ack(rec.id),
                    "explanation": ctx.explain(rec.id),
                    "clock_jump": p.get("clock_jump", ""),
                    "correction": ctx.correct(rec.id),
                },
                rec.id,
            )
    return table


def _interactions(ctx: _Ctx) -> Table:
    table = new_table("interactions")
    names = {s.id: s.name for s in (*ctx.scripts.flow.steps, ctx.scripts.flow.close)}
    referral_names = {e.id: f"{e.department}{e.window}" for e in ctx.scripts.directory.entries}
    current: dict[str, dict] = {}
    for rec in ctx.recs:
        p = rec.payload
        if rec.kind == "interaction_start":
            current[rec.window] = {
                "rec": rec,
                "steps": [(p.get("step", ""), rec.at)],
                "matters": [],
                "outcomes": [],
                "referrals": [],
                "person": p.get("person_id"),
                "jump": p.get("clock_jump", ""),
            }
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
                steps = " · ".join(
                    f"{names.get(s, s)} {duration_text((marks[i + 1][1] - t).total_seconds())}"
                    for i, (s, t) in enumerate(marks[:-1])
                )
                table.add(
                    {
                        "event_id": start.id,
                        "number": start.payload.get("interaction", ""),
                        "clerk": start.clerk,
                        "role": start.role,
                        "window": start.window,
                        "started_at": hm(start.at),
                        "ended_at": hm(rec.at),
                        "seconds": max(0, int((rec.at - start.at).total_seconds())),
                        "steps": steps,
                        "matters": "；".join(it["matters"]),
                        "outcomes": "；".join(it["outcomes"]),
                        "referrals": "；".join(it["referrals"]),
                        "phone": ctx.phone(it["person"]),
                        "clock_jump": it["jump"],
                        "correction": ctx.correct(start.id),
                    },
                    start.id,
                )
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
            if number is None:  # a matter answered 待答复 opens the next follow-up number (rules.evolve)
                number = opened + 1  # opened = how many 待答复 keys `order` holds so far
            key = ("待答复", int(number))
            opened += 1
            items[key] = {
                "rec": rec,
                "event_id": rec.id,
                "type": "待答复",
                "number": number,
                "clerk": rec.clerk,
                "window": rec.window,
                "opened_at": hm(rec.at),
                "topic": p.get("topic", p.get("title", "")),
                "forwarded_to": "",
                "due": p.get("due", ""),
                "status": "待答复",
                "closed": None,
                "answer": "",
                "phone": ctx.phone(p.get("person_id")),
                "clock_jump": p.get("clock_jump", ""),
                "correction": ctx.correct(rec.id),
            }
            order.append(key)
        elif rec.kind == "follow_up_close":
            it = items.get(("待答复", int(p.get("follow_up", 0))))
            if it:
                it.update(status="已答复", closed=rec.at, answer=p.get("answer", ""))
        elif rec.kind == "complaint":
            key = ("投诉", int(p.get("complaint", 0)))
            items[key] = {
                "rec": rec,
                "event_id": rec.id,
                "type": "投诉",
                "number": p.get("complaint"),
                "clerk": rec.clerk,
                "window": rec.window,
                "opened_at": hm(rec.at),
                "topic": p.get("content", ""),
                "forwarded_to": p.get("forwarded_to", ""),
                "due": p.get("deadline", ""),
                "status": p.get("status", ""),
                "closed": None,
                "answer": "",
                "phone": ctx.phone(p.get("person_id")),
                "clock_jump": p.get("clock_jump", ""),
                "correction": ctx.correct(rec.id),
            }
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
        rec = it["rec"]
        in_range = ctx.flt.start <= rec.at.date()
        still_open = it["closed"] is None or it["closed"].date() >= ctx.flt.start
        if not (in_range or still_open):
            continue
        if not (
            ctx.wanted(rec)
            or (
                not in_range
                and _wanted(
                    ReportFilter(rec.at.date(), rec.at.date(), ctx.flt.window, ctx.flt.clerk, ctx.flt.role)
                )(rec)
            )
        ):
            continue
        due = date.fromisoformat(it["due"]) if it["due"] else None
        if due and due not in working_days:
            working_days[due] = _working_days_between(hours, today, due)
        left = working_days[due] if due else ""
        overdue = bool(due and it["closed"] is None and due < today)
        it.update(
            working_days_left=left if it["closed"] is None else "",
            overdue=_bool(overdue),
            closed_at=hm(it["closed"]),
        )
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
        self.cum: dict[date, int] = {today: 0}  # working days in [today, day), negative before today

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
        if due > self.today:  # working days in (today, due]
            after = due + timedelta(days=1)
            self._reach(after)
            return self.cum[after] - self.cum[self.today + timedelta(days=1)]
        self._reach(due)  # minus the working days in [due, today)
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
        table.add(
            {
                "clerk": clerk,
                "phrase": phrase_id,
                "category": phrase.category if phrase else "",
                "text": phrase.template if phrase else "",
                "insert": modes.get("insert", 0),
                "copy": modes.get("copy", 0),
                "speak": modes.get("speak", 0),
                "total": sum(modes.values()),
            }
        )


def _guard(ctx: _Ctx) -> Table:
    table = new_table("guard_alerts")
    for rec in ctx.recs:
        if rec.kind.startswith(GUARD_PREFIXES) and ctx.wanted(rec):
            detail = "；".join(
                f"{k}={v}" for k, v in sorted(rec.payload.items()) if k not in ("person_id", "clock_jump")
            )
            table.add(
                {
                    "event_id": rec.id,
                    "at": hm(rec.at),
                    "clerk": rec.clerk,
                    "window": rec.window,
                    "kind": rec.kind,
                    "detail": detail,
                    "clock_jump": rec.payload.get("clock_jump", ""),
                    "correction": ctx.correct(rec.id),
                },
                rec.id,
            )
    return table


def _notes_and_exports(ctx: _Ctx) -> tuple[Table, Table]:
    notes, exports = new_table("notes"), new_table("exports")
    for rec in ctx.recs:
        if rec.kind not in (ACK_KIND, EXPLAIN_KIND, EXPORT_KIND) or not ctx.wanted(rec):
            continue
        p = rec.payload
        if rec.kind in (ACK_KIND, EXPLAIN_KIND):
            notes.add(
                {
                    "event_id": rec.id,
                    "at": hm(rec.at),
                    "type": "值班长批注" if rec.kind == ACK_KIND else "本人说明",
                    "by": p.get("by") or rec.clerk,
                    "target": p.get("target", ""),
                    "text": p.get("comment", p.get("text", "")),
                    "clock_jump": p.get("clock_jump", ""),
                },
                p.get("target"),
            )
        elif rec.kind == EXPORT_KIND:
            exports.add(
                {
                    "event_id": rec.id,
                    "at": hm(rec.at),
                    "by": p.get("by") or rec.clerk,
                    "from": p.get("from", ""),
                    "to": p.get("to", ""),
                    "format": p.get("format", ""),
                    "masked": _bool(bool(p.get("masked", True))),
                    "tables": "、".join(p.get("tables", ())),
                    "clock_jump": p.get("clock_jump", ""),
                },
                rec.id,
            )
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
            row = {
                "type": f"时钟跳变（{way}）",
                "wall_before": hm(_dt(p.get("wall_before"))) or p.get("wall_before", ""),
                "wall_after": hm(_dt(p.get("wall_after"))) or p.get("wall_after", ""),
                "monotonic_elapsed": p.get("monotonic_elapsed", ""),
                "delta_seconds": delta,
            }
        else:
            row = {
                "type": "与大厅时钟不一致",
                "offset_seconds": p.get("offset_seconds", ""),
                "tolerance_seconds": p.get("tolerance_seconds", ""),
                "local_time": hm(_dt(p.get("local_time"))) or p.get("local_time", ""),
            }
        table.add(
            {**row, "event_id": rec.id, "at": hm(rec.at), "clerk": rec.clerk, "window": rec.window}, rec.id
        )
    return table


def _corrections(ctx: _Ctx, target_of: Callable[[Sequence[int]], Mapping[int, tuple[str, str]]]) -> Table:
    """更正: every correction with the record it corrects beside it (that record's kind and time)."""
    table = new_table("corrections")
    recs = [r for r in ctx.recs if r.kind == CORRECTION_KIND and ctx.wanted(r)]
    targets = target_of([r.payload["target"] for r in recs if isinstance(r.payload.get("target"), int)])
    for rec in recs:
        p = rec.payload
        kind, at = targets.get(p.get("target"), ("", ""))  # type: ignore[arg-type]
        table.add(
            {
                "event_id": rec.id,
                "at": hm(rec.at),
                "by": p.get("by") or rec.clerk,
                "target": p.get("target", ""),
                "target_kind": kind,
                "target_at": hm(at),
                "reason": p.get("reason", ""),
                "changes": _changes(p.get("changes")),
                "clerk": rec.clerk,
                "window": rec.window,
                "clock_jump": p.get("clock_jump", ""),
            },
            p.get("target"),
        )
    return table


def _changes(changes: Any) -> str:
    return "，".join(f"{k}={v}" for k, v in changes.items()) if isinstance(changes, Mapping) else ""


def _purges(ctx: _Ctx) -> Table:
    """个人信息清除: who removed the personal data of people served before which date, and how many."""
    table = new_table("purges")
    for rec in ctx.recs:
        if rec.kind == PURGE_KIND and ctx.wanted(rec):
            p = rec.payload
            table.add(
                {
                    "event_id": rec.id,
                    "at": hm(rec.at),
                    "by": p.get("by") or rec.clerk,
                    "before": p.get("before", ""),
                    "count": p.get("count", ""),
                    "retention_days": p.get("retention_days", ""),
                    "clock_jump": p.get("clock_jump", ""),
                },
                rec.id,
            )
    return table


def _event_targets(store: EventStore) -> Callable[[Sequence[int]], dict[int, tuple[str, str]]]:
    def targets(ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        out: dict[int, tuple[str, str]] = {}
        ids = sorted(set(ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for event_id, kind, at in store.conn.execute(
                f"SELECT id, kind, at FROM events WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ):
                out[event_id] = (kind, at)
        return out

    return targets
