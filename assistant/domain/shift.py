"""Start of shift and closing time, as pure arithmetic (rules 8, 19, 28).

* The checklist deadline is the opening of the shift's period minus ``checklist_lead_minutes`` (5, rule 19):
  submitted at or before it is on time (exactly 5 minutes before opening is on time); after it, late by
  the whole minutes past it, rounded up (one second late is one minute late).
* The shift's opening is that of the first period of the day (at the clerk's window) not yet closed when the
  clerk signs in: 09:00 for a sign-in at 08:40 or 09:10, 13:00 for one after the lunch break.
* Overtime (rule 28), at every closing time ``C`` of a period, whether or not anyone presses 下班: if at ``C``
  an interaction was open or anyone was waiting, or someone was served after ``C`` (outside any period), there
  is one record: start ``C``, end = the command that ended that service (``interaction_end`` with nobody waiting,
  ``waiting_set 0``, or the accepted close), served = the interactions open at ``C`` plus those started after.
  Once that record is written or a close accepted ("settled"), service started later outside the periods is a
  record of its own, from the start of its first interaction.

The rules (``assistant.domain.rules``) call these when a command is decided and record the results in the events;
``checklist_runs`` and ``overtime_records`` read them back from the events for reports and ``replay``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from assistant.domain.hours import Hours

# (at ISO, waiting count)
WaitingLog = Sequence[tuple[str, int]]


def iso(at: datetime) -> str:
    """A time as recorded in payloads: ISO 8601 to the second, with its UTC offset."""
    return at.isoformat(timespec="seconds")


def local_iso(text: str | None) -> str | None:
    """A recorded time as local wall-clock ISO without offset ("2026-11-30T17:00:00"), for people and replay."""
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=None, microsecond=0).isoformat()


# ─── periods around a moment ────────────────────────────────────────────────────────────────────


def open_period(hours: Hours, now: datetime, window: str | None = None) -> tuple[datetime, datetime] | None:
    """The (opening, closing) of the period that *now* falls in, if the window is open."""
    for start, end in hours.openings(now.date(), window, now.tzinfo):
        if start <= now < end:
            return start, end
    return None


def shift_opening(hours: Hours, now: datetime, window: str | None = None) -> datetime | None:
    """The opening of the first period today that has not closed at *now* (None when none is left)."""
    for start, end in hours.openings(now.date(), window, now.tzinfo):
        if now < end:
            return start
    return None


def last_closing(hours: Hours, now: datetime, window: str | None = None) -> datetime | None:
    """The latest closing time today at or before *now*."""
    closings = [end for _, end in hours.openings(now.date(), window, now.tzinfo) if end <= now]
    return max(closings, default=None)


# ─── the checklist ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Timing:
    """A moment measured against a checklist deadline (opening − lead minutes)."""

    opening: datetime | None
    deadline: datetime | None
    late: bool
    late_minutes: int


def timing(at: datetime, opening: datetime | None, lead_minutes: int) -> Timing:
    """On time when *at* ≤ opening − lead; else late by the whole minutes past the deadline, rounded up."""
    if opening is None:
        return Timing(None, None, False, 0)
    deadline = opening - timedelta(minutes=lead_minutes)
    if at <= deadline:
        return Timing(opening, deadline, False, 0)
    return Timing(opening, deadline, True, math.ceil((at - deadline) / timedelta(minutes=1)))


def minutes_shown(seconds: float) -> int:
    """A duration as people see it (pauses, internal work, faults, overtime): to the nearest minute, half up —
    1 min 10 s is 1 minute, 1 min 30 s is 2. Lateness alone is rounded up (timing())."""
    return max(0, math.floor(seconds / 60 + 0.5))


def run_seconds(first_tick: str | None, submitted: datetime) -> float:
    """How long the run took, from the first tick to the submit (0 when nothing was ticked one by one)."""
    if first_tick is None:
        return 0.0
    return max(0.0, (submitted - datetime.fromisoformat(first_tick)).total_seconds())


def is_fast(all_passed: bool, seconds: float, threshold_seconds: int) -> bool:
    """An all-pass run quicker than the threshold: flagged for the lead as possibly pencil-whipped."""
    return all_passed and seconds < threshold_seconds


# ─── closing time and overtime ──────────────────────────────────────────────────────────────────


def waiting_at(log: WaitingLog, moment: datetime) -> int:
    """The waiting count in force at *moment* (the last one set at or before it)."""
    count = 0
    for at, value in log:
        if datetime.fromisoformat(at) <= moment:
            count = value
    return count


def _outside(hours: Hours, at: datetime, window: str | None) -> bool:
    return open_period(hours, at, window) is None


def overtime_due(state: Any, now: datetime, hours: Hours) -> dict[str, Any] | None:
    """The overtime record of the last closing time not yet recorded, as of *now* (None when there is none).

    *state* is an ``assistant.rules.State`` (served, waiting_log, closed_at, overtime_until, window).
    """
    window = getattr(state, "window", None)
    closing = last_closing(hours, now, window)
    if closing is None:
        return None
    settled = max(
        (datetime.fromisoformat(t) for t in (state.closed_at, state.overtime_until) if t), default=None
    )
    starts: list[datetime] = []
    for _, started, ended in state.served:
        start = datetime.fromisoformat(started)
        if settled is not None and settled >= closing:
            counted = start > settled and _outside(hours, start, window)
        else:  # open at the closing time, or started after it outside the periods
            ends_after = ended is None or datetime.fromisoformat(ended) > closing
            counted = (start > closing and _outside(hours, start, window)) or (
                start <= closing and ends_after
            )
        if counted:
            starts.append(start)
    unsettled = settled is None or settled < closing
    if not starts and not (unsettled and waiting_at(state.waiting_log, closing) > 0):
        return None
    begin = closing if unsettled else min(starts)
    current = open_period(hours, now, window)  # service that ran into the next period ends at its opening
    end = current[0] if current is not None and current[0] > begin else now
    return {"start": iso(begin), "end": iso(end), "served": len(starts), "closing": iso(closing)}


@dataclass(frozen=True)
class ClosingStatus:
    """What the closing banner shows."""

    closing: datetime
    waiting: int
    overtime: bool
    served: int = 0


def closing_status(state: Any, now: datetime, hours: Hours) -> ClosingStatus | None:
    """Near closing (≤ closing_warning_minutes before) or in overtime (延时服务中); None otherwise.

    *state* is an ``assistant.domain.rules.State`` (read by attribute, to keep this module free of the rules).
    """
    window = getattr(state, "window", None)
    current = open_period(hours, now, window)
    if current is not None:
        closes = current[1]
        if closes - now <= timedelta(minutes=hours.thresholds.closing_warning_minutes):
            return ClosingStatus(closes, state.waiting, False)
        return None
    closing = last_closing(hours, now, window)
    if closing is None or state.clerk is None:
        return None
    record = overtime_due(state, now, hours)
    if record is None and state.interaction is None and state.waiting == 0:
        return None
    return ClosingStatus(closing, state.waiting, True, record["served"] if record else 0)


@dataclass(frozen=True)
class ChecklistDue:
    """The checklist still to do: its deadline and how many minutes are left (negative when late)."""

    opening: datetime
    deadline: datetime
    minutes_left: int


def checklist_due(state: Any, now: datetime, hours: Hours) -> ChecklistDue | None:
    """A reminder, from ``reminder_minutes`` before opening until the checklist is submitted."""
    if getattr(state, "checklist_submitted_at", None) is not None:
        return None
    opening = shift_opening(hours, now, getattr(state, "window", None))
    if opening is None or now < opening - timedelta(minutes=hours.thresholds.reminder_minutes):
        return None
    deadline = opening - timedelta(minutes=hours.thresholds.checklist_lead_minutes)
    return ChecklistDue(opening, deadline, math.floor((deadline - now) / timedelta(minutes=1)))


# ─── records read back from the events ──────────────────────────────────────────────────────────


def checklist_runs(events: Iterable[Any]) -> list[dict[str, Any]]:
    """One record per submitted checklist run (events: objects with kind, payload and at)."""
    runs = []
    for event in events:
        if event.kind != "checklist_submit":
            continue
        p = event.payload
        runs.append(
            {
                "clerk": p.get("clerk"),
                "submitted_at": local_iso(event.at),
                "opening": local_iso(p.get("opening")),
                "deadline": local_iso(p.get("deadline")),
                "late": bool(p.get("late", False)),
                "late_minutes": int(p.get("late_minutes", 0)),
                "failed": list(p.get("failed", ())),
                "notes": dict(p.get("notes", {})),
                "seconds": p.get("seconds"),
                "fast": bool(p.get("fast", False)),
            }
        )
    return runs


def overtime_records(events: Iterable[Any]) -> list[dict[str, Any]]:
    """One record per stretch of service outside the periods (rule 28)."""
    return [
        {
            "clerk": e.payload.get("clerk"),
            "window": e.payload.get("window"),
            "start": local_iso(e.payload["start"]),
            "end": local_iso(e.payload["end"]),
            "served": e.payload["served"],
        }
        for e in events
        if e.kind == "overtime"
    ]


def late_arrivals(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Sign-ins after the checklist deadline of the shift's opening (rules 8, 19)."""
    return [
        {
            "clerk": e.payload.get("clerk"),
            "signed_in_at": local_iso(e.at),
            "opening": local_iso(e.payload.get("opening")),
            "late_minutes": e.payload.get("late_minutes", 0),
        }
        for e in events
        if e.kind == "late_arrival"
    ]


def equipment_faults(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Failed checklist items, each an equipment fault with its status (rule 19)."""
    return [
        {
            "item": e.payload.get("item"),
            "note": e.payload.get("note"),
            "status": e.payload.get("status"),
            "clerk": e.payload.get("clerk"),
            "at": local_iso(e.at),
        }
        for e in events
        if e.kind == "equipment_fault"
    ]


def early_departures(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Sign-outs before closing time with a reason (交接班, 签到有误, 请假, 公务外出), shown to the lead (rule 8)."""
    return [
        {
            "clerk": e.payload.get("clerk"),
            "at": local_iso(e.at),
            "reason": e.payload.get("reason"),
            "closing": local_iso(e.payload.get("closing")),
        }
        for e in events
        if e.kind == "early_departure"
    ]


def pauses(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Every 暂停服务 (rule 40), with whether it came during overtime and how many were waiting then."""
    return [
        {
            "at": local_iso(e.at),
            "reason": e.payload.get("reason"),
            "overtime": bool(e.payload.get("overtime")),
            "waiting": e.payload.get("waiting", 0),
        }
        for e in events
        if e.kind == "pause"
    ]
