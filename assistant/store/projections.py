"""Query-side projections: what the review reads, kept at append time (pure: event + context → rows).

DESIGN.md: "Query-side tables or views hold what the review reads". Folding a hall's month of raw events
(~740,000) in Python takes 13 s; these tables hold the review's rows ready, so a month is ~60,000 interaction
rows plus ~12,000 tagged events. They are *derived* data: outside the hash chain, rebuilt from the events by
store migration 3, and brought up to date by the store whenever they lag the log (a file written by the bulk
loader or the hall mirror, which insert events without ``append``).

The store calls :func:`project` for every event inside ``append``'s BEGIN IMMEDIATE transaction and executes
the rows it returns with :data:`SQL`; this module does no I/O and knows nothing about the store's tables
beyond these statements. The context is a small JSON-able dict persisted with the projections
(``proj_state``), so projecting never needs to read events back.

Tables (created by ``store._V3``):

* ``proj_events`` (id, day, kind, clerk, role, window, fu) — the events the review folds itself (sign-ins,
  checklists, faults, pauses, overtime, guard alerts, notes, exports, follow-ups and complaints, and the matters
  answered 待答复), each tagged with the clerk/role/window exactly as ``reports.tag`` does (the last
  ``sign_in`` before it; the event's own clerk/role/window wins). ``day`` is the recorded local date; ``fu``
  marks what the follow-ups table reads over all history.
* ``proj_interactions`` — one row per finished interaction (written at its ``interaction_end``): the start
  event id, number, clerk, role, window, start/end times, seconds, step ids and their durations (each joined
  by :data:`SEP`, the first being the step the interaction started at), matters,
  outcomes, referrals by directory id, person id. Names of steps and referrals are applied by the review from
  the scripts of the moment (they may be edited); phones are read from ``persons`` (they may be purged).
  Interaction events (``interaction_start`` … ``interaction_end``) that carry a ``clock_jump`` key (recorded
  right after a jump of the PC's clock, issue 8) are tagged here too, so the review can mark their interaction.
* ``proj_follow_ups`` (id, day, kind, clerk, role, window, number, status, has_status, due, answer) — the ``fu``
  events again with the payload fields the follow-ups fold reads (store migration 4): that fold runs over every
  one of them up to the range's end, and reading them from here is one short walk, no JSON, instead of ~10,000
  reads scattered over the log.
* ``proj_phrases`` (day, clerk, role, window, phrase, mode) → n — phrase usage counts.
* ``proj_people`` (window, clerk) — every window and clerk that signed in (the review's filters).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

# 2: also the clock/correction/purge events (issue 8) and the interaction events that carry a ``clock_jump`` key;
# a context of version 1 is unreadable to this code, so a file projected by version 1 is re-projected from event 1.
# 3: also home_service and home_service_update (rule 25's review table) and early_departure (rule 8).
CONTEXT_VERSION = 3

# Kinds the review folds from the events themselves (small in number: a few dozen per window and day).
FOLDED_KINDS = frozenset(
    {
        "sign_in",
        "sign_out",
        "late_arrival",
        "early_departure",
        "checklist_item",
        "checklist_submit",
        "equipment_fault",
        "fault_start",
        "fault_end",
        "pause",
        "resume",
        "internal_start",
        "internal_end",
        "overtime",
        "home_service",
        "home_service_update",
        "review_ack",
        "explain",
        "export",
        "follow_up",
        "follow_up_close",
        "complaint",
        "complaint_update",
        "clock_jump",
        "hall_clock_offset",
        "correction",
        "purge_personal",
    }
)
GUARD_PREFIXES = ("guard", "taboo")
FOLLOW_UP_KINDS = frozenset({"follow_up", "follow_up_close", "complaint", "complaint_update"})
PENDING = "待答复"
SEP = "\x1f"  # between the step ids / the step durations of an interaction row
INTERACTION_KINDS = frozenset({"interaction_start", "step", "matter", "escalate", "interaction_end"})

SQL: dict[str, str] = {
    "event": "INSERT INTO proj_events (id, day, kind, clerk, role, window, fu) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "interaction": (
        "INSERT INTO proj_interactions (start_id, end_id, day, number, clerk, role, window, started, ended,"
        " seconds, steps, durations, matters, outcomes, referrals, person)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "phrase": (
        "INSERT INTO proj_phrases (day, clerk, role, window, phrase, mode, n) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (day, clerk, role, window, phrase, mode) DO UPDATE SET n = n + excluded.n"
    ),
    "person": "INSERT OR IGNORE INTO proj_people (window, clerk) VALUES (?, ?)",
    "follow_up": (
        "INSERT INTO proj_follow_ups (id, day, kind, clerk, role, window, number, status, has_status, due,"
        " answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
}

Op = tuple[str, tuple]


def new_context() -> dict[str, Any]:
    """The context before the first event: nobody signed in, no interaction open."""
    return {"v": CONTEXT_VERSION, "last_id": 0, "tag": ["", "", ""], "open": {}}


def context_from_json(text: str) -> dict[str, Any]:
    ctx = json.loads(text)
    if not isinstance(ctx, dict) or ctx.get("v") != CONTEXT_VERSION:
        raise ValueError("projection context of another version")
    return ctx


def context_to_json(ctx: Mapping[str, Any]) -> str:
    return json.dumps(ctx, ensure_ascii=False, separators=(",", ":"))


def hm(at: str) -> str:
    """reports.hm of a stored time: "2026-11-26 08:52:03"."""
    return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M:%S")


def tag(ctx: dict[str, Any], kind: str, p: Mapping[str, Any]) -> tuple[str, str, str]:
    """Who recorded the event (as reports.tag), advancing the sign-in context in ctx."""
    t = ctx["tag"]
    if kind == "sign_in":
        t[0], t[1], t[2] = str(p.get("clerk", "")), str(p.get("role", "")), str(p.get("window", ""))
    if "clerk" in p or "role" in p or "window" in p:
        out = (str(p.get("clerk") or t[0]), str(p.get("role") or t[1]), str(p.get("window") or t[2]))
    else:
        out = (t[0], t[1], t[2])
    if kind == "sign_out":
        t[0] = t[1] = t[2] = ""
    return out


def project(ctx: dict[str, Any], event_id: int, at: str, kind: str, payload: Mapping[str, Any]) -> list[Op]:
    """The rows event `event_id` adds to the projections; ctx is advanced in place."""
    ctx["last_id"] = event_id
    clerk, role, window = tag(ctx, kind, payload)
    ops: list[Op] = []
    pending = kind == "matter" and payload.get("outcome") == PENDING
    if kind in FOLDED_KINDS or pending or kind.startswith(GUARD_PREFIXES):
        fu = 1 if (kind in FOLLOW_UP_KINDS or pending) else 0
        ops.append(("event", (event_id, _day(at), kind, clerk, role, window, fu)))
        if fu:  # the follow-ups table folds these over all history: what its fold reads, kept together (v4)
            ops.append(("follow_up", _follow_up(event_id, _day(at), kind, clerk, role, window, payload)))
        if kind == "sign_in":
            ops.append(("person", (payload.get("window"), payload.get("clerk"))))
    elif kind in INTERACTION_KINDS and "clock_jump" in payload:
        # made across a clock jump: the review marks the interaction's row with the jump (reports.Marks)
        ops.append(("event", (event_id, _day(at), kind, clerk, role, window, 0)))
    if kind == "phrase_used":
        ops.append(
            (
                "phrase",
                (_day(at), clerk, role, window, payload.get("phrase", ""), payload.get("mode", "copy"), 1),
            )
        )
    elif kind in INTERACTION_KINDS:
        _interaction(ctx, event_id, at, kind, payload, clerk, role, window, ops)
    return ops


def _follow_up(
    event_id: int, day: str, kind: str, clerk: str, role: str, window: str, p: Mapping[str, Any]
) -> tuple:
    """The proj_follow_ups row: what reports._follow_ups reads from the payload (number, status, due, answer)."""
    if kind in ("follow_up", "matter"):
        number, due = p.get("follow_up"), p.get("due", "")
    elif kind == "follow_up_close":
        number, due = p.get("follow_up", 0), None
    else:
        number, due = p.get("complaint", 0), (p.get("deadline", "") if kind == "complaint" else None)
    return (
        event_id,
        day,
        kind,
        clerk,
        role,
        window,
        number,
        p.get("status"),
        int("status" in p),
        due,
        p.get("answer", ""),
    )


def _day(at: str) -> str:
    return datetime.fromisoformat(at).date().isoformat()


def _interaction(
    ctx: dict[str, Any],
    event_id: int,
    at: str,
    kind: str,
    p: Mapping[str, Any],
    clerk: str,
    role: str,
    window: str,
    ops: list[Op],
) -> None:
    """reports._interactions, one event at a time: the open interaction of each window in ctx["open"]."""
    current = ctx["open"]
    if kind == "interaction_start":
        current[window] = {
            "id": event_id,
            "at": at,
            "number": p.get("interaction", ""),
            "clerk": clerk,
            "role": role,
            "window": window,
            "steps": [[p.get("step", ""), at]],
            "matters": [],
            "outcomes": [],
            "referrals": [],
            "person": p.get("person_id"),
        }
        return
    it = current.get(window)
    if it is None:
        return
    if it["person"] is None:
        it["person"] = p.get("person_id")
    if kind == "step":
        it["steps"].append([p.get("step", ""), at])
    elif kind == "matter":
        it["matters"].append(p.get("title", ""))
        it["outcomes"].append(p.get("outcome", ""))
        if p.get("referral"):
            it["referrals"].append(["r", p["referral"]])
    elif kind == "escalate":
        it["referrals"].append(["t", f"移交{p.get('to', '')}"])
    else:  # interaction_end
        del current[window]
        start, end = datetime.fromisoformat(it["at"]), datetime.fromisoformat(at)
        marks = [(s, datetime.fromisoformat(t)) for s, t in it["steps"]] + [("", end)]
        steps = SEP.join(str(s) for s, _ in marks[:-1])
        durations = SEP.join(
            str(int((marks[i + 1][1] - t).total_seconds())) for i, (_, t) in enumerate(marks[:-1])
        )
        ops.append(
            (
                "interaction",
                (
                    it["id"],
                    event_id,
                    start.date().isoformat(),
                    it["number"],
                    it["clerk"],
                    it["role"],
                    it["window"],
                    start.strftime("%Y-%m-%d %H:%M:%S"),
                    end.strftime("%Y-%m-%d %H:%M:%S"),
                    int((end - start).total_seconds()),
                    steps,
                    durations,
                    "；".join(it["matters"]),
                    "；".join(it["outcomes"]),
                    _text(it["referrals"]),
                    it["person"],
                ),
            )
        )


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def needs(kind: str) -> bool:
    """Whether the event's kind can add a row or move the context (else project() may be skipped for it)."""
    return (
        kind in FOLDED_KINDS
        or kind in INTERACTION_KINDS
        or kind == "phrase_used"
        or kind.startswith(GUARD_PREFIXES)
    )
