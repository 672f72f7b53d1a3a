"""The events the assistant records, each kind's payload declared, and the upcasters that bring old shapes up.

An event is stored as (kind, payload JSON) and never rewritten: the hash chain covers it as it was. When a kind
or its payload changes shape, the old rows stay as they are and an **upcaster** turns them into the current shape
as they are read (the eventsourcing library's ``upcast_v1_v2``): `assistant.store.event_log.EventStore` applies
:func:`upcast` to every event it hands out, so the rules, the views and the reports only ever see the shapes
declared here. What reads the stored JSON in SQL (the review's readers) sees the stored shape; it names the old
values it accepts next to its query.

Every event may also carry ``clock_jump`` (the id of the ``clock_jump`` event recorded just before it, when the
wall clock jumped) and an ``interaction_start`` carries ``person_id`` when a person was registered.
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired from the evaluated annotations
from collections.abc import Callable
from typing import Any, NotRequired, TypedDict, get_type_hints

STATUS_FIXED = "已修复"


class SignIn(TypedDict):
    clerk: str
    role: str
    window: str
    opening: str
    late: bool
    late_minutes: int
    provisional: NotRequired[bool]


class SignOut(TypedDict):
    clerk: str
    reason: NotRequired[str]


class LateArrival(TypedDict):
    clerk: str
    window: str
    opening: str
    deadline: str
    late_minutes: int
    provisional: NotRequired[bool]


class ChecklistItem(TypedDict):
    item: str
    ok: bool | None
    note: str
    na: NotRequired[bool]


class ChecklistSubmit(TypedDict):
    clerk: str
    items: int
    failed: list
    notes: dict
    implicit: list
    not_applicable: list
    opening: str
    deadline: str
    late: bool
    late_minutes: int
    seconds: float
    fast: bool
    provisional: NotRequired[bool]


class EquipmentFault(TypedDict):
    item: str
    section: str
    text: str
    note: str
    status: str
    clerk: str
    window: str


class AppearanceNote(TypedDict):
    item: str
    rule: int
    text: str
    note: str
    clerk: str
    window: str


class InteractionStart(TypedDict):
    interaction: int
    step: str
    waiting: NotRequired[int]
    person_id: NotRequired[int]


class Interaction(TypedDict):
    interaction: int


class Step(TypedDict):
    interaction: int
    step: str


class Matter(TypedDict):
    interaction: int
    title: str
    outcome: str
    faults: NotRequired[list]
    referral: NotRequired[str]
    due: NotRequired[str]


class Escalate(TypedDict):
    interaction: int
    to: str
    reason: str


class PhraseUsed(TypedDict):
    phrase: str
    mode: str
    interaction: NotRequired[int]
    step: NotRequired[str]


class WaitingSet(TypedDict):
    count: int


class Pause(TypedDict):
    reason: str
    overtime: bool
    waiting: int


class Reason(TypedDict):
    reason: str


class Overtime(TypedDict):
    start: str
    end: str
    served: int
    closing: str
    clerk: str
    window: str


class CloseRequest(TypedDict):
    closing: NotRequired[str]  # absent from the first builds' ``close`` events


class EarlyDeparture(TypedDict):
    clerk: str
    window: str
    reason: str
    closing: str
    waiting: int


class CallStart(TypedDict):
    serving: bool
    late: bool
    apology: bool
    ring_seconds: NotRequired[float]
    interaction: NotRequired[int]
    rings: NotRequired[int]


class CallRing(TypedDict):
    pass


class CallEnd(TypedDict):
    seconds: int
    serving: bool
    over_limit: NotRequired[bool]
    note: NotRequired[str]


class Fault(TypedDict):
    fault: str


class FaultEnd(TypedDict):
    fault: str
    minutes: int


class Internal(TypedDict):
    task: str


class FollowUp(TypedDict):
    follow_up: int
    topic: str
    due: str
    source: str
    interaction: NotRequired[int]


class FollowUpClose(TypedDict):
    follow_up: int
    answer: str
    late: bool


class Complaint(TypedDict):
    complaint: int
    content: str
    forwarded_to: str
    deadline: str
    status: str


class ComplaintUpdate(TypedDict):
    complaint: int
    status: str


class HomeService(TypedDict):
    home_service: int
    need: str
    due: str
    status: str


class HomeServiceUpdate(TypedDict):
    home_service: int
    status: str


class GuardAlert(TypedDict):
    rules: list
    action: str
    clerk: NotRequired[str]
    interaction: NotRequired[int]


class ClockJump(TypedDict):
    wall_before: str
    wall_after: str
    monotonic_elapsed: float
    delta_seconds: float


class HallClockOffset(TypedDict):
    offset_seconds: float
    tolerance_seconds: float
    local_time: str


# "from" is a Python keyword: the functional form names it as stored
Export = TypedDict(
    "Export",
    {
        "from": str,
        "to": str,
        "format": str,
        "masked": bool,
        "tables": list,
        "by": str,
        "head_id": int,
        "head_hash": str,
        "rows": int,
    },
)


class Correction(TypedDict):
    target: int
    reason: str
    by: str
    changes: dict


class Explain(TypedDict):
    target: int
    text: str
    by: str


class ReviewAck(TypedDict):
    target: int
    comment: str
    by: str


class HallAck(TypedDict):
    terminal: str
    target: int
    comment: str
    by: NotRequired[str]


class PurgePersonal(TypedDict):
    before: str
    count: int
    by: str
    retention_days: NotRequired[int]


class DemoData(TypedDict):
    days: int
    windows: int


PAYLOADS: dict[str, type] = {
    "sign_in": SignIn,
    "sign_out": SignOut,
    "late_arrival": LateArrival,
    "checklist_item": ChecklistItem,
    "checklist_submit": ChecklistSubmit,
    "equipment_fault": EquipmentFault,
    "appearance_note": AppearanceNote,
    "interaction_start": InteractionStart,
    "interaction_end": Interaction,
    "step": Step,
    "matter": Matter,
    "escalate": Escalate,
    "phrase_used": PhraseUsed,
    "waiting_set": WaitingSet,
    "pause": Pause,
    "resume": Reason,
    "overtime": Overtime,
    "close_request": CloseRequest,
    "early_departure": EarlyDeparture,
    "call_start": CallStart,
    "call_ring": CallRing,
    "call_end": CallEnd,
    "fault_start": Fault,
    "fault_end": FaultEnd,
    "internal_start": Internal,
    "internal_end": Internal,
    "follow_up": FollowUp,
    "follow_up_close": FollowUpClose,
    "complaint": Complaint,
    "complaint_update": ComplaintUpdate,
    "home_service": HomeService,
    "home_service_update": HomeServiceUpdate,
    "guard_alert": GuardAlert,
    "clock_jump": ClockJump,
    "hall_clock_offset": HallClockOffset,
    "export": Export,
    "correction": Correction,
    "explain": Explain,
    "review_ack": ReviewAck,
    "hall_ack": HallAck,
    "purge_personal": PurgePersonal,
    "demo_data": DemoData,
}
COMMON_KEYS = frozenset({"clock_jump"})  # any event recorded right after a jump of the wall clock


def payload_keys(kind: str) -> tuple[frozenset[str], frozenset[str]]:
    """(required, optional) payload keys of `kind`."""
    declared: Any = PAYLOADS[kind]
    return frozenset(declared.__required_keys__), frozenset(declared.__optional_keys__) | COMMON_KEYS


def payload_types(kind: str) -> dict[str, Any]:
    """The declared type of each payload key of `kind`."""
    return {**get_type_hints(PAYLOADS[kind]), "clock_jump": int}


# ─── upcasters: (stored kind) → functions that each bring one old shape one step up ─────────────────

Payload = dict[str, Any]
Upcaster = Callable[[str, Payload], tuple[str, Payload]]


def _close_renamed(kind: str, payload: Payload) -> tuple[str, Payload]:
    """The first builds recorded closing the window as ``close`` {} (no ``closing``); ``close_request`` since."""
    return "close_request", payload


def _fixed_in_chinese(kind: str, payload: Payload) -> tuple[str, Payload]:
    """An equipment fault whose status says ``fixed`` (the English word the review has always accepted) is
    已修复, the word the lead reads; the SQL readers accept both in their query."""
    if payload.get("status") == "fixed":
        return kind, {**payload, "status": STATUS_FIXED}
    return kind, payload


UPCASTERS: dict[str, tuple[Upcaster, ...]] = {
    "close": (_close_renamed,),
    "equipment_fault": (_fixed_in_chinese,),
}


def upcast(kind: str, payload: Payload) -> tuple[str, Payload]:
    """The current shape of a stored event: every upcaster of its kind applied in turn (a renamed kind's
    upcasters too). The stored row is not changed."""
    seen: set[str] = set()
    while kind in UPCASTERS and kind not in seen:
        seen.add(kind)
        for step in UPCASTERS[kind]:
            kind, payload = step(kind, payload)
    return kind, payload
