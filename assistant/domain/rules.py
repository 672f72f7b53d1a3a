"""The rules of the regulation as pure functions: (state, command, time) → events to record, or a refusal.

No I/O and no clock of its own: the caller passes the time, so tests can set 16:59 and step to 17:00.
An accepted command is recorded as an event of the same name; `evolve` folds events into the state, and
`replay` rebuilds the state after a restart from the recorded events alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from assistant.config.schema import Scripts
from assistant.domain import shift
from assistant.domain.hours import Hours, Period

ROLES = ("窗口人员", "审批人员", "咨询引导人员")  # rule 61
OUTCOMES = ("办结", "退回", "转办", "无法办理", "待答复")  # rules 10, 13, 15, 18, 22, 30
PHRASE_MODES = ("insert", "copy", "speak")


@dataclass(frozen=True)
class Command:
    """What the clerk asked for: a name from the shared vocabulary and its data."""

    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewEvent:
    """An event the rules want recorded; the store gives it an id, a time and a hash."""

    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    """A command the rules refused: a stable code for programs and a Chinese reason for people."""

    code: str
    reason: str


@dataclass(frozen=True)
class Interaction:
    """One person served, from 迎 to 送; it may hold several matters (rule 13)."""

    number: int
    started_at: str
    step: str
    step_at: str
    matters: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Pause:
    """The window shows 暂停服务 (rule 40) since `since`, for `reason`."""

    reason: str
    since: str


@dataclass(frozen=True)
class FollowUp:
    """A question owed an answer (待答复, rules 18/30; fault re-booking, rule 24) until it is closed."""

    number: int
    topic: str
    due: str
    opened_at: str
    source: str = "matter"
    person_id: int | None = None


@dataclass(frozen=True)
class Call:
    """A phone call in progress (rules 29, 33, 37)."""

    started_at: str
    late: bool
    serving: bool
    apology: bool = False  # answered after more than 5 rings: apologise first (rule 29)


@dataclass(frozen=True)
class Complaint:
    """A complaint or report (rule 31): forwarded to someone, with a deadline and a status."""

    number: int
    content: str
    forwarded_to: str
    deadline: str
    status: str
    at: str


@dataclass(frozen=True)
class State:
    """Everything the rules need to know, rebuilt from the events."""

    clerk: str | None = None
    role: str | None = None
    window: str | None = None
    checklist: Mapping[str, bool | None] = field(default_factory=dict)  # None: 不适用
    checklist_submitted_at: str | None = None
    interaction: Interaction | None = None
    interactions_started: int = 0
    waiting: int = 0
    pause: Pause | None = None
    closed_at: str | None = None
    overtime_until: str | None = None  # when the last overtime record was written (rule 28)
    # start of shift and closing time (issue 5)
    opening: str | None = None  # the opening this shift's checklist is measured against (rule 19)
    checklist_notes: Mapping[str, str] = field(default_factory=dict)
    checklist_first_at: str | None = None
    served: tuple[tuple[int, str, str | None], ...] = ()  # interactions since the last close (rule 28)
    waiting_log: tuple[tuple[str, int], ...] = ()  # waiting counts since the last close (rule 28)
    # service helpers (issue 3): follow-ups, calls, fault mode, complaints, internal work, last serving time
    follow_ups: tuple[FollowUp, ...] = ()
    follow_ups_made: int = 0
    call: Call | None = None
    call_ring_at: str | None = None
    fault: Pause | None = None
    complaints: tuple[Complaint, ...] = ()
    internal: Pause | None = None
    home_services_made: int = 0  # home-service requests registered (rule 25), for their numbers
    last_served: tuple[str, str] | None = None
    last_event_id: int = 0


Decision = list[NewEvent] | Refusal
Rule = Callable[[State, Mapping[str, Any], datetime, Scripts], Decision]


NOT_SIGNED_IN = Refusal("not_signed_in", "请先签到（工作证编号，第 8、41 条）。")


def open_period(hours: Hours, now: datetime, window: str | None = None) -> Period | None:
    """The opening period that `now` falls in, if any."""
    for period in hours.periods_on(now.date(), window):
        if period.start <= now.time() < period.end:
            return period
    return None


# ─── start of shift and closing time (issue 5; rules 8, 19, 28, 40, 41–47) ─────────────────────────────
# When several refusals apply, the first of these wins: not_signed_in, paused, checklist_pending,
# before_closing_time, interaction_open, people_waiting.

PAUSED_REASON = "暂停服务中（{}），请先恢复服务（第 40 条）。"
CHECKLIST_PENDING = Refusal("checklist_pending", "请先完成并提交班前检查，再开始接待（第 19 条）。")
CHECKLIST_DONE = Refusal("checklist_submitted", "本班的班前检查已提交，不能再修改（第 19 条）。")


SIGN_OUT_REASONS = ("交接班", "签到有误", "请假", "公务外出")  # leaving before closing time, told to the lead


def _early(state: State, now: datetime, scripts: Scripts) -> datetime | None:
    """The closing time not yet reached when *now* is before the day's first opening or inside a period (rule 8).

    Between two periods (the noon break) and after the last one, leaving is not early."""
    openings = scripts.hours.openings(now.date(), state.window, now.tzinfo)
    for start, end in openings:
        if start <= now < end or (now < start and (start, end) == openings[0]):
            return end
    return None


def _closing_refusal(
    state: State,
    now: datetime,
    scripts: Scripts,
    leaving: str,
    early_ok: bool = False,
    waiting_ok: bool = False,
) -> Refusal | None:
    """Rule 8 (no leaving before closing time) and rule 28 (finish what is in hand, refuse nobody waiting)."""
    closing = _early(state, now, scripts)
    if closing is not None and not early_ok:
        return Refusal(
            "before_closing_time", f"未到下班时间 {closing:%H:%M}，不能{leaving}，不早退（第 8 条）。"
        )
    if state.interaction is not None:
        return Refusal(
            "interaction_open",
            f"第 {state.interaction.number} 位服务对象正在办理，应照常办理完毕后方可{leaving}（第 28 条）。",
        )
    if state.waiting > 0 and not waiting_ok:
        return Refusal(
            "people_waiting",
            f"仍有 {state.waiting} 人等候，不可拒绝，应延时服务完毕后方可{leaving}（第 28 条）。",
        )
    return None


def _overtime_events(state: State, now: datetime, scripts: Scripts) -> list[NewEvent]:
    """The overtime record of the last closing time, when there is service outside the periods not yet recorded
    (rule 28): written with the command that ends that service, whether or not anyone presses 下班."""
    if state.clerk is None:
        return []
    record = shift.overtime_due(state, now, scripts.hours)
    if record is None:
        return []
    return [NewEvent("overtime", {**record, "clerk": state.clerk, "window": state.window or ""})]


def _provisional(now: datetime, scripts: Scripts) -> dict[str, bool]:
    """{"provisional": True} on a day no calendar file covers: its opening hours rest on computed holidays."""
    return {"provisional": True} if scripts.hours.provisional(now.date()) else {}


def _sign_in(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is not None:
        return Refusal("already_signed_in", f"已由工作证编号 {state.clerk} 签到，请先签退。")
    clerk = str(data.get("clerk", "")).strip()
    if not clerk:
        return Refusal("missing_clerk", "签到需要工作证编号（第 41 条）。")
    role = str(data.get("role") or ROLES[0])
    if role not in ROLES:
        return Refusal("unknown_role", f"岗位“{role}”不存在，可选：{'、'.join(ROLES)}（第 61 条）。")
    window = str(data.get("window", "")).strip()
    # Sign-in is measured against the opening of the first period not yet closed (rules 8, 19).
    lead = scripts.hours.thresholds.checklist_lead_minutes
    timing = shift.timing(now, shift.shift_opening(scripts.hours, now, window or None), lead)
    payload = {
        "clerk": clerk,
        "role": role,
        "window": window,
        "opening": shift.iso(timing.opening) if timing.opening else None,
        "late": timing.late,
        "late_minutes": timing.late_minutes,
        **_provisional(now, scripts),
    }
    events = [NewEvent("sign_in", payload)]
    if timing.late and timing.deadline is not None:  # late means there was a deadline to miss
        events.append(
            NewEvent(
                "late_arrival",
                {
                    "clerk": clerk,
                    "window": window,
                    "opening": payload["opening"],
                    "deadline": shift.iso(timing.deadline),
                    "late_minutes": timing.late_minutes,
                    **_provisional(now, scripts),
                },
            )
        )
    return events


def _sign_out(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    # The same rule as close_request (rules 8, 28); an unsubmitted checklist does not keep anyone at the desk.
    # With a reason (SIGN_OUT_REASONS) a clerk may leave before closing time, recorded for the lead as leaving
    # early; the person in hand is still finished, and only a hand-over (交接班) leaves people waiting.
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.pause is not None:
        return Refusal("paused", PAUSED_REASON.format(state.pause.reason))
    reason = str(data.get("reason") or "").strip()
    if reason and reason not in SIGN_OUT_REASONS:
        return Refusal(
            "bad_value", f"签退原因“{reason}”无效，可选：{'、'.join(SIGN_OUT_REASONS)}（第 8 条）。"
        )
    refusal = _closing_refusal(
        state, now, scripts, "签退", early_ok=bool(reason), waiting_ok=reason == "交接班"
    )
    if refusal is not None:
        return refusal
    events = _overtime_events(state, now, scripts)
    closing = _early(state, now, scripts)
    if closing is not None:  # like late_arrival beside sign_in: its own record for the lead's review
        events.append(
            NewEvent(
                "early_departure",
                {
                    "clerk": state.clerk,
                    "window": state.window or "",
                    "reason": reason,
                    "closing": shift.iso(closing),
                    "waiting": state.waiting,
                },
            )
        )
    return [*events, NewEvent("sign_out", {"clerk": state.clerk, **({"reason": reason} if reason else {})})]


def _checklist_item(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.checklist_submitted_at is not None:
        return CHECKLIST_DONE
    item = str(data.get("item", ""))
    known = {i.id: i for i in scripts.checklist.items}
    if item not in known:
        return Refusal("unknown_item", f"检查项“{item}”不在 checklist.toml 中。")
    if data.get("na") is True:  # 不适用: only where checklist.toml allows it (党员徽章, 西装, 男士/女士条款)
        if not known[item].may_not_apply:
            return Refusal("not_optional", f"“{known[item].text}”不能选“不适用”（第 19、41–47 条）。")
        return [NewEvent("checklist_item", {"item": item, "ok": None, "na": True, "note": ""})]
    ok = data.get("ok")
    if not isinstance(ok, bool):
        return Refusal("bad_value", "检查项需要选择“正常”或“故障”。")
    note = str(data.get("note") or "").strip()
    if not ok and not note:
        return Refusal("note_required", "检查项不合格时需要填写说明（第 19 条）。")
    return [NewEvent("checklist_item", {"item": item, "ok": ok, "note": note})]


def _checklist_submit(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    """Items not ticked before are taken as passed unless listed in `failed`; each failed item needs a note
    and becomes an equipment-fault record (rule 19)."""
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.checklist_submitted_at is not None:
        return CHECKLIST_DONE
    items = {i.id: i for i in scripts.checklist.items}
    listed = data.get("failed") or []
    notes_in = data.get("notes") or {}
    if not isinstance(listed, list | tuple) or not isinstance(notes_in, Mapping):
        return Refusal("bad_value", "failed 应为检查项编号列表，notes 应为 编号→说明 的对应表。")
    unknown = [str(i) for i in [*listed, *notes_in] if str(i) not in items]
    if unknown:
        return Refusal("unknown_item", f"检查项“{'、'.join(unknown)}”不在 checklist.toml 中。")
    failed = [i for i in items if i in listed or state.checklist.get(i) is False]
    not_applicable = [
        i for i in items if i not in failed and i in state.checklist and state.checklist[i] is None
    ]
    notes = {i: str(notes_in.get(i) or state.checklist_notes.get(i) or "").strip() for i in failed}
    missing = [i for i in failed if not notes[i]]
    if missing:
        return Refusal(
            "note_required",
            f"不合格的检查项需要填写说明：{'、'.join(items[i].text for i in missing)}（第 19 条）。",
        )
    limits = scripts.hours.thresholds
    opening = datetime.fromisoformat(state.opening) if state.opening else None
    timing = shift.timing(now, opening, limits.checklist_lead_minutes)
    seconds = shift.run_seconds(state.checklist_first_at, now)
    payload = {
        "clerk": state.clerk,
        "items": len(items),
        "failed": failed,
        "notes": notes,
        "implicit": [i for i in items if i not in state.checklist and i not in failed],
        "not_applicable": not_applicable,
        "opening": state.opening,
        "deadline": shift.iso(timing.deadline) if timing.deadline else None,
        "late": timing.late,
        "late_minutes": timing.late_minutes,
        "seconds": round(seconds, 1),
        "fast": shift.is_fast(not failed, seconds, limits.fast_run_seconds),
        **_provisional(now, scripts),
    }
    # equipment that fails is a fault to repair (rule 19); appearance that falls short is a note (rules 41–47)
    faults = [
        NewEvent(
            "equipment_fault",
            {
                "item": i,
                "section": items[i].section,
                "text": items[i].text,
                "note": notes[i],
                "status": "待修复",
                "clerk": state.clerk,
                "window": state.window or "",
            },
        )
        if items[i].section == "equipment"
        else NewEvent(
            "appearance_note",
            {
                "item": i,
                "rule": items[i].rule,
                "text": items[i].text,
                "note": notes[i],
                "clerk": state.clerk,
                "window": state.window or "",
            },
        )
        for i in failed
    ]
    return [NewEvent("checklist_submit", payload), *faults]


def _interaction_start(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.pause is not None:
        return Refusal("paused", PAUSED_REASON.format(state.pause.reason))
    if state.checklist_submitted_at is None:
        return CHECKLIST_PENDING
    if state.interaction is not None:
        return Refusal("interaction_open", f"第 {state.interaction.number} 位服务对象尚未办完。")
    # Once the checklist is in, a person who comes before opening (or after closing: overtime) is served.
    first = scripts.flow.steps[0].id
    payload: dict[str, Any] = {"interaction": state.interactions_started + 1, "step": first}
    if state.waiting > 0:
        # the person called is one of those waiting: a forgotten "−" must not keep the window in overtime
        payload["waiting"] = state.waiting - 1
    return [NewEvent("interaction_start", payload)]


def _step(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.interaction is None:
        return Refusal("no_interaction", "当前没有正在接待的服务对象。")
    step = str(data.get("step", ""))
    known = [s.id for s in scripts.flow.steps]
    if step not in known:
        return Refusal("unknown_step", f"环节“{step}”不存在，可选：{'、'.join(known)}。")
    return [NewEvent("step", {"interaction": state.interaction.number, "step": step})]


def _matter(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.interaction is None:
        return Refusal("no_interaction", "当前没有正在接待的服务对象。")
    outcome = str(data.get("outcome", ""))
    if outcome not in OUTCOMES:
        return Refusal("unknown_outcome", f"办理结果“{outcome}”不存在，可选：{'、'.join(OUTCOMES)}。")
    title = str(data.get("title", "")).strip() or "业务事项"
    payload: dict[str, Any] = {"interaction": state.interaction.number, "title": title, "outcome": outcome}
    if outcome == "退回":
        faults = [str(f) for f in data.get("faults", ()) if str(f).strip()]
        if not faults:
            return Refusal("faults_required", "退回需要选择资料存在的问题（第 22 条）。")
        payload["faults"] = faults
    elif outcome == "转办":
        referral = str(data.get("referral", ""))
        if referral not in {e.id for e in scripts.directory.entries}:
            return Refusal("unknown_referral", f"转办窗口“{referral}”不在 directory.toml 中（第 10 条）。")
        payload["referral"] = referral
    elif outcome == "无法办理":
        reason = str(data.get("reason", "")).strip()
        if not reason:
            return Refusal("reason_required", "无法办理时需要说明原因（第 15 条）。")
        payload["reason"] = reason
    elif outcome == "待答复":
        try:
            payload["due"] = date.fromisoformat(str(data.get("due", ""))).isoformat()
        except ValueError:
            return Refusal("due_required", "待答复需要答复期限（日期，第 18、30 条）。")
    return [NewEvent("matter", payload)]


def _interaction_end(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.interaction is None:
        return Refusal("no_interaction", "当前没有正在接待的服务对象。")
    events = [NewEvent("interaction_end", {"interaction": state.interaction.number})]
    if state.waiting == 0:  # nobody left: the overtime, if any, ends here (rule 28)
        ended = tuple((n, s, e or shift.iso(now)) for n, s, e in state.served)  # this one ends now
        events += _overtime_events(replace(state, served=ended), now, scripts)
    return events


def _waiting_set(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    count = data.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 999:
        return Refusal("bad_value", f"等候人数“{count}”无效，应为 0 到 999 的整数。")
    events = [NewEvent("waiting_set", {"count": count})]
    if count == 0 and state.interaction is None:  # the last one served: the overtime, if any, ends here
        events += _overtime_events(state, now, scripts)
    return events


def _pause(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.pause is not None:
        return Refusal("already_paused", f"已在暂停服务中（{state.pause.reason}）。")
    if state.interaction is not None:
        return Refusal("interaction_open", "正在接待服务对象，办完后才能暂停服务。")
    reason = str(data.get("reason", "")).strip()
    if not reason:
        return Refusal("reason_required", "暂停服务需要填写原因（第 40 条）。")
    # Accepted in overtime with people waiting too (a fault, an urgent errand), but the lead is told so.
    status = shift.closing_status(state, now, scripts.hours)
    return [
        NewEvent(
            "pause",
            {"reason": reason, "overtime": bool(status and status.overtime), "waiting": state.waiting},
        )
    ]


def _resume(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.pause is None:
        return Refusal("not_paused", "当前没有暂停服务。")
    return [NewEvent("resume", {"reason": state.pause.reason})]


def _phrase_used(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    phrase = str(data.get("phrase", ""))
    if phrase not in scripts.phrases:
        return Refusal("unknown_phrase", f"短语“{phrase}”不存在。")
    mode = str(data.get("mode", "copy"))
    if mode not in PHRASE_MODES:
        return Refusal("bad_value", f"使用方式“{mode}”无效，可选：{'、'.join(PHRASE_MODES)}。")
    payload: dict[str, Any] = {"phrase": phrase, "mode": mode}
    if state.interaction is not None:
        payload["interaction"] = state.interaction.number
        payload["step"] = state.interaction.step
    return [NewEvent("phrase_used", payload)]


def _close_request(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.pause is not None:
        return Refusal("paused", PAUSED_REASON.format(state.pause.reason))
    if state.checklist_submitted_at is None:
        return Refusal("checklist_pending", "本班的班前检查尚未提交，请先提交再下班（第 19 条）。")
    refusal = _closing_refusal(state, now, scripts, "下班")
    if refusal is not None:
        return refusal
    closing = shift.last_closing(scripts.hours, now, state.window)
    payload = {"closing": shift.iso(closing) if closing else None}
    return [*_overtime_events(state, now, scripts), NewEvent("close_request", payload)]


# ─── service helpers (issue 3): follow-ups, phone, fault mode, complaints, escalation, home service ──────

FOLLOW_UP_SOURCES = ("consult", "matter", "fault", "call")
COMPLAINT_STATUSES = ("已转交", "处理中", "已答复", "已办结")  # rule 31
HOME_SERVICE_STATUSES = ("待上门", "已上门", "已办结", "已取消")  # rule 25
PERSONAL_KEYS = ("name", "phone", "address")


def _since(at: str, now: datetime) -> float:
    """Seconds from a recorded time to `now`."""
    return (now - datetime.fromisoformat(at)).total_seconds()


def _date_field(data: Mapping[str, Any], key: str) -> str | None:
    try:
        return date.fromisoformat(str(data.get(key, ""))).isoformat()
    except ValueError:
        return None


def _personal_refusal(data: Mapping[str, Any]) -> Refusal | None:
    if any(k in data for k in PERSONAL_KEYS):
        return Refusal("personal_data", "姓名、电话、地址请作为个人信息登记（person），不写入事件记录。")
    return None


def _follow_up(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if (refusal := _personal_refusal(data)) is not None:
        return refusal
    topic = str(data.get("topic", "")).strip()
    if not topic:
        return Refusal("topic_required", "待答复事项需要写明问题（第 18、30 条）。")
    due = _date_field(data, "due")
    if due is None:
        return Refusal("due_required", "待答复需要答复期限（日期，第 18、30 条）。")
    if due < now.date().isoformat():
        return Refusal("due_past", f"答复期限 {due} 已过，请选择今天或以后的日期。")
    source = str(data.get("source") or "consult")
    if source not in FOLLOW_UP_SOURCES:
        return Refusal("bad_value", f"来源“{source}”无效，可选：{'、'.join(FOLLOW_UP_SOURCES)}。")
    payload: dict[str, Any] = {
        "follow_up": state.follow_ups_made + 1,
        "topic": topic,
        "due": due,
        "source": source,
    }
    if state.interaction is not None:
        payload["interaction"] = state.interaction.number
    return [NewEvent("follow_up", payload)]


def _follow_up_close(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    number = data.get("follow_up")
    item = next((f for f in state.follow_ups if f.number == number), None)
    if item is None:
        return Refusal("unknown_follow_up", f"没有未关闭的待答复事项 {number}。")
    answer = str(data.get("answer", "")).strip()
    if not answer:
        return Refusal("answer_required", "关闭待答复事项需要写明答复情况（第 18 条）。")
    return [
        NewEvent(
            "follow_up_close",
            {"follow_up": item.number, "answer": answer, "late": now.date().isoformat() > item.due},
        )
    ]


def _call_ring(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.call is not None:
        return Refusal("call_open", "正在通话中，请先结束当前通话。")
    return [NewEvent("call_ring", {})]


def _call_start(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.call is not None:
        return Refusal("call_open", "正在通话中，请先结束当前通话。")
    limits = scripts.hours.thresholds
    payload: dict[str, Any] = {"serving": state.interaction is not None}
    late = apology = False
    if state.call_ring_at is not None:
        waited = _since(state.call_ring_at, now)
        payload["ring_seconds"] = round(waited, 1)
        late, apology = waited > limits.ring_seconds, waited > limits.apology_seconds
    rings = data.get("rings")
    if rings is not None:
        if not isinstance(rings, int) or isinstance(rings, bool) or rings < 0:
            return Refusal("bad_value", f"铃声次数“{rings}”无效。")
        payload["rings"] = rings
        late, apology = late or rings > limits.ring_count, apology or rings > limits.apology_rings
    payload["late"] = late  # rule 29: answered later than 3 rings / 5 s
    payload["apology"] = apology  # rule 29: more than 5 rings — apologise first
    if state.interaction is not None:
        payload["interaction"] = state.interaction.number
    return [NewEvent("call_start", payload)]


def _call_end(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.call is None:
        return Refusal("no_call", "当前没有通话。")
    seconds = _since(state.call.started_at, now)
    payload: dict[str, Any] = {"seconds": int(seconds), "serving": state.call.serving}
    if state.call.serving:  # rule 37: a call while serving stays under 3 minutes
        payload["over_limit"] = seconds > scripts.hours.thresholds.call_while_serving_minutes * 60
    note = str(data.get("note", "")).strip()
    if note:
        payload["note"] = note
    return [NewEvent("call_end", payload)]


def _fault_start(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.fault is not None:
        return Refusal("fault_open", f"故障处理中（{state.fault.reason}），请先结束。")
    fault = str(data.get("fault", "")).strip()
    if not fault:
        return Refusal("fault_required", "请说明故障情况，例如“系统出现故障”（第 24 条）。")
    return [NewEvent("fault_start", {"fault": fault})]


def _fault_end(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.fault is None:
        return Refusal("no_fault", "当前没有故障记录。")
    minutes = shift.minutes_shown(_since(state.fault.since, now))
    return [NewEvent("fault_end", {"fault": state.fault.reason, "minutes": minutes})]


def _complaint(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if (refusal := _personal_refusal(data)) is not None:
        return refusal
    content = str(data.get("content", "")).strip()
    forwarded_to = str(data.get("forwarded_to", "")).strip()
    deadline = _date_field(data, "deadline")
    if not content:
        return Refusal("content_required", "请记录投诉或举报的内容（第 31 条）。")
    if not forwarded_to:
        return Refusal("forward_required", "请填写转交的部门或领导（第 31 条）。")
    if deadline is None:
        return Refusal("deadline_required", "请填写答复期限（日期，第 31 条）。")
    payload: dict[str, Any] = {
        "complaint": len(state.complaints) + 1,
        "content": content,
        "forwarded_to": forwarded_to,
        "deadline": deadline,
        "status": COMPLAINT_STATUSES[0],
    }
    if state.interaction is not None:
        payload["interaction"] = state.interaction.number
    return [NewEvent("complaint", payload)]


def _complaint_update(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    number = data.get("complaint")
    if not any(c.number == number for c in state.complaints):
        return Refusal("unknown_complaint", f"没有编号为 {number} 的投诉记录。")
    status = str(data.get("status", ""))
    if status not in COMPLAINT_STATUSES:
        return Refusal("bad_value", f"状态“{status}”无效，可选：{'、'.join(COMPLAINT_STATUSES)}。")
    return [NewEvent("complaint_update", {"complaint": number, "status": status})]


def _escalate(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.interaction is None:
        return Refusal("no_interaction", "当前没有正在接待的服务对象。")
    to = str(data.get("to", "")).strip()
    if not to:
        return Refusal("to_required", "请填写接手处理的专人（第 27 条）。")
    return [
        NewEvent(
            "escalate",
            {
                "interaction": state.interaction.number,
                "to": to,
                "reason": str(data.get("reason", "")).strip(),
            },
        )
    ]


def _home_service(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if (refusal := _personal_refusal(data)) is not None:
        return refusal
    need = str(data.get("need", "")).strip()
    if not need:
        return Refusal("need_required", "请填写需要上门办理的事项（第 25 条）。")
    due = _date_field(data, "due")
    if due is None:
        return Refusal("due_required", "请填写上门服务的期限（日期，第 25 条）。")
    if due < now.date().isoformat():
        return Refusal("due_past", f"上门期限 {due} 已过，请选择今天或以后的日期。")
    payload: dict[str, Any] = {
        "home_service": state.home_services_made + 1,
        "need": need,
        "due": due,
        "status": HOME_SERVICE_STATUSES[0],
    }
    if state.interaction is not None:
        payload["interaction"] = state.interaction.number
    return [NewEvent("home_service", payload)]


def _home_service_update(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    number = data.get("home_service")
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= state.home_services_made:
        return Refusal("unknown_home_service", f"没有编号为 {number} 的上门服务登记。")
    status = str(data.get("status", ""))
    if status not in HOME_SERVICE_STATUSES:
        return Refusal(
            "bad_value", f"状态“{status}”无效，可选：{'、'.join(HOME_SERVICE_STATUSES)}（第 25 条）。"
        )
    return [NewEvent("home_service_update", {"home_service": number, "status": status})]


def _internal_start(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.internal is not None:
        return Refusal("internal_open", f"内部工作“{state.internal.reason}”尚未结束。")
    task = str(data.get("task", "")).strip() or "内部工作"
    return [NewEvent("internal_start", {"task": task})]


def _internal_end(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.internal is None:
        return Refusal("no_internal", "当前没有进行中的内部工作。")
    return [NewEvent("internal_end", {"task": state.internal.reason})]


def _follow_up_from_matter(state: State, payload: Mapping[str, Any], at: str) -> State:
    """A matter answered 待答复 opens a follow-up that reminds the clerk until it is closed (rules 18, 30)."""
    if payload.get("outcome") != "待答复":
        return state
    item = FollowUp(
        number=state.follow_ups_made + 1,
        topic=payload["title"],
        due=payload["due"],
        opened_at=at,
        source="matter",
        person_id=payload.get("person_id"),
    )
    return replace(state, follow_ups=(*state.follow_ups, item), follow_ups_made=item.number)


def _evolve_service(state: State, kind: str, payload: Mapping[str, Any], at: str) -> State:
    """The service helpers' part of evolve()."""
    if kind == "follow_up":
        item = FollowUp(
            number=payload["follow_up"],
            topic=payload["topic"],
            due=payload["due"],
            opened_at=at,
            source=payload.get("source", "consult"),
            person_id=payload.get("person_id"),
        )
        return replace(state, follow_ups=(*state.follow_ups, item), follow_ups_made=item.number)
    if kind == "follow_up_close":
        return replace(
            state, follow_ups=tuple(f for f in state.follow_ups if f.number != payload["follow_up"])
        )
    if kind == "call_ring":
        return replace(state, call_ring_at=at)
    if kind == "call_start":
        return replace(
            state,
            call=Call(
                started_at=at,
                late=payload["late"],
                serving=payload["serving"],
                apology=payload.get("apology", False),
            ),
            call_ring_at=None,
        )
    if kind == "call_end":
        return replace(state, call=None)
    if kind == "fault_start":
        return replace(state, fault=Pause(reason=payload["fault"], since=at))
    if kind == "fault_end":
        return replace(state, fault=None)
    if kind == "complaint":
        complaint = Complaint(
            number=payload["complaint"],
            content=payload["content"],
            forwarded_to=payload["forwarded_to"],
            deadline=payload["deadline"],
            status=payload["status"],
            at=at,
        )
        return replace(state, complaints=(*state.complaints, complaint))
    if kind == "complaint_update":
        complaints = tuple(
            replace(c, status=payload["status"]) if c.number == payload["complaint"] else c
            for c in state.complaints
        )
        return replace(state, complaints=complaints)
    if kind == "home_service":  # requests before rule 25's numbers had none: count them all the same
        return replace(state, home_services_made=payload.get("home_service", state.home_services_made + 1))
    if kind == "internal_start":
        return replace(state, internal=Pause(reason=payload["task"], since=at))
    if kind == "internal_end":
        return replace(state, internal=None)
    return state


SERVICE_KINDS = frozenset(
    {
        "follow_up",
        "follow_up_close",
        "call_ring",
        "call_start",
        "call_end",
        "fault_start",
        "fault_end",
        "complaint",
        "complaint_update",
        "internal_start",
        "internal_end",
        "home_service",
    }
)


RULES: dict[str, Rule] = {
    "sign_in": _sign_in,
    "sign_out": _sign_out,
    "checklist_item": _checklist_item,
    "checklist_submit": _checklist_submit,
    "interaction_start": _interaction_start,
    "step": _step,
    "matter": _matter,
    "interaction_end": _interaction_end,
    "waiting_set": _waiting_set,
    "pause": _pause,
    "resume": _resume,
    "phrase_used": _phrase_used,
    "close_request": _close_request,
    # service helpers (issue 3)
    "follow_up": _follow_up,
    "follow_up_close": _follow_up_close,
    "call_ring": _call_ring,
    "call_start": _call_start,
    "call_end": _call_end,
    "fault_start": _fault_start,
    "fault_end": _fault_end,
    "complaint": _complaint,
    "complaint_update": _complaint_update,
    "escalate": _escalate,
    "home_service": _home_service,
    "home_service_update": _home_service_update,
    "internal_start": _internal_start,
    "internal_end": _internal_end,
}


# ─── the lead's review (issue 6): exports, acknowledgements, explanations, demo marker ─────────────
# None of these change the State: evolve() passes them through; the review reads them from the events.
EXPORT_FORMATS = ("xlsx", "csv", "pdf")


def _export(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    start, end = _date_field(data, "from"), _date_field(data, "to")
    if start is None or end is None or start > end:
        return Refusal("bad_range", "导出需要起止日期（from ≤ to）。")
    fmt = str(data.get("format", ""))
    if fmt not in EXPORT_FORMATS:
        return Refusal("bad_value", f"导出格式“{fmt}”无效，可选：{'、'.join(EXPORT_FORMATS)}。")
    tables = [str(t) for t in data.get("tables", ())]
    payload: dict[str, Any] = {
        "from": start,
        "to": end,
        "format": fmt,
        "masked": data.get("masked") is not False,
        "tables": tables,
        "by": str(data.get("by") or state.clerk or ""),
    }
    for key in ("head_id", "head_hash", "rows"):
        if key in data:
            payload[key] = data[key]
    return [NewEvent("export", payload)]


def _target(data: Mapping[str, Any]) -> int | None:
    target = data.get("target")
    return target if isinstance(target, int) and not isinstance(target, bool) and target > 0 else None


def _review_ack(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    target, comment = _target(data), str(data.get("comment", "")).strip()
    if target is None:
        return Refusal("bad_target", "请选择要确认的记录。")
    if not comment:
        return Refusal("comment_required", "确认记录需要填写批注。")
    return [
        NewEvent("review_ack", {"target": target, "comment": comment, "by": str(data.get("by") or "值班长")})
    ]


def _explain(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    target, text = _target(data), str(data.get("text", "")).strip()
    if target is None:
        return Refusal("bad_target", "请选择要说明的记录。")
    if not text:
        return Refusal("text_required", "请填写说明。")
    return [
        NewEvent("explain", {"target": target, "text": text, "by": str(data.get("by") or state.clerk or "")})
    ]


def _hall_ack(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    # the lead acknowledges a record of another terminal read from the hall database (assistant/hall/review.py):
    # its own kind, so the local review never attaches it to this terminal's record of the same number
    target, comment = _target(data), str(data.get("comment", "")).strip()
    terminal = str(data.get("terminal") or "").strip()
    if target is None or not terminal:
        return Refusal("bad_target", "请选择要确认的记录。")
    if not comment:
        return Refusal("comment_required", "确认记录需要填写批注。")
    return [
        NewEvent(
            "hall_ack",
            {
                "terminal": terminal,
                "target": target,
                "comment": comment,
                "by": str(data.get("by") or "值班长"),
            },
        )
    ]


def _demo_data(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    # marks the database as demo; `demo-data` refuses a database whose first event is not this marker
    return [NewEvent("demo_data", {"days": int(data.get("days", 0)), "windows": int(data.get("windows", 0))})]


RULES.update(
    {
        "export": _export,
        "review_ack": _review_ack,
        "explain": _explain,
        "demo_data": _demo_data,
        "hall_ack": _hall_ack,
    }
)


# ─── the taboo guard (issue 7): a flagged draft inserted or copied anyway ──────────────────────────
# Only which items of rule 60 were flagged and what was done: never the text, which may hold personal data.
GUARD_ACTIONS = ("copy", "insert")
GUARD_RULE_IDS = tuple(f"60({n})" for n in range(1, 12))


def _guard_alert(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    rules = data.get("rules")
    if not isinstance(rules, (list, tuple)) or not rules or any(r not in GUARD_RULE_IDS for r in rules):
        return Refusal(
            "bad_value", f"忌语条目应为 {GUARD_RULE_IDS[0]}…{GUARD_RULE_IDS[-1]} 中的一项或多项（第 60 条）。"
        )
    action = str(data.get("action", ""))
    if action not in GUARD_ACTIONS:
        return Refusal("bad_value", f"操作“{action}”无效，可选：{'、'.join(GUARD_ACTIONS)}。")
    payload: dict[str, Any] = {"rules": sorted(set(rules), key=GUARD_RULE_IDS.index), "action": action}
    if state.clerk:
        payload["clerk"] = state.clerk
    if state.interaction is not None:
        payload["interaction"] = state.interaction.number
    return [NewEvent("guard_alert", payload)]


RULES["guard_alert"] = _guard_alert


# ─── corrections and personal-data purges (issue 8) ─────────────────────────────────────────────
# Past events are never changed or deleted (the store's triggers refuse it, whoever asks): a correction is a
# new event naming the event it corrects, why (in Chinese), and optionally the right values; the review shows
# each event with its corrections. A purge of personal data records who, up to which date and how many
# persons — never the data itself.
CORRECTION_MAX_REASON = 500


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _correction(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    target = _target(data)
    if target is None or target > state.last_event_id:
        return Refusal("unknown_target", f"没有编号为“{data.get('target')}”的记录；更正只能针对已有的记录。")
    reason = str(data.get("reason", "")).strip()
    if not _has_chinese(reason):
        return Refusal("reason_required", "更正需要用中文写明原因；原记录不会被修改或删除。")
    if len(reason) > CORRECTION_MAX_REASON:
        return Refusal("bad_value", f"更正原因不超过 {CORRECTION_MAX_REASON} 字。")
    changes = data.get("changes") or {}
    if not isinstance(changes, Mapping) or not all(
        isinstance(k, str) and k.strip() and isinstance(v, (str, int, float, bool))
        for k, v in changes.items()
    ):
        return Refusal("bad_value", "更正内容应为“字段=值”（值为文字或数字）。")
    if (refusal := _personal_refusal(data) or _personal_refusal(changes)) is not None:
        return refusal
    payload: dict[str, Any] = {
        "target": target,
        "reason": reason,
        "by": str(data.get("by") or state.clerk or ""),
    }
    if changes:
        payload["changes"] = {str(k).strip(): v for k, v in changes.items()}
    return [NewEvent("correction", payload)]


def _purge_personal(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    before = _date_field(data, "before")
    if before is None:
        return Refusal("bad_value", "删除个人信息需要截止日期（YYYY-MM-DD）。")
    if before > now.date().isoformat():
        return Refusal("bad_range", f"截止日期 {before} 晚于今天。")
    count = data.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return Refusal("bad_value", "删除人数应为不小于 0 的整数。")
    payload: dict[str, Any] = {"before": before, "count": count, "by": str(data.get("by") or "值班长")}
    days = data.get("retention_days")
    if isinstance(days, int) and not isinstance(days, bool) and days > 0:
        payload["retention_days"] = days
    return [NewEvent("purge_personal", payload)]


RULES.update({"correction": _correction, "purge_personal": _purge_personal})


def decide(state: State, command: Command, now: datetime, scripts: Scripts) -> Decision:
    """The events that `command` leads to at time `now`, or the reason it is refused."""
    rule = RULES.get(command.kind)
    if rule is None:
        return Refusal("unknown_command", f"未知的操作“{command.kind}”，可选：{'、'.join(RULES)}。")
    return rule(state, command.data, now, scripts)


def evolve(state: State, kind: str, payload: Mapping[str, Any], at: str, event_id: int = 0) -> State:
    """The state after one recorded event."""
    state = replace(state, last_event_id=event_id or state.last_event_id)
    if kind == "sign_in":
        return replace(
            state,
            clerk=payload["clerk"],
            role=payload["role"],
            window=payload.get("window") or None,
            checklist={},
            checklist_submitted_at=None,
            closed_at=None,
            opening=payload.get("opening"),
            checklist_notes={},
            checklist_first_at=None,
            served=_still_open(state),
            waiting_log=((at, state.waiting),),
        )
    if kind == "sign_out":
        return replace(
            state,
            clerk=None,
            role=None,
            window=None,
            checklist={},
            checklist_submitted_at=None,
            opening=None,
            checklist_notes={},
            checklist_first_at=None,
            closed_at=at,
        )
    if kind == "checklist_item":
        return replace(
            state,
            checklist={**state.checklist, payload["item"]: payload["ok"]},
            checklist_notes={**state.checklist_notes, payload["item"]: payload.get("note", "")},
            checklist_first_at=state.checklist_first_at or at,
        )
    if kind == "checklist_submit":
        return replace(
            state,
            checklist_submitted_at=at,
            checklist={
                **state.checklist,
                **{
                    i: i not in payload.get("failed", ())
                    for i in (*payload.get("implicit", ()), *payload.get("failed", ()))
                },
            },
        )
    if kind == "interaction_start":
        number = payload["interaction"]
        started = Interaction(number=number, started_at=at, step=payload["step"], step_at=at)
        return replace(
            state,
            interaction=started,
            interactions_started=number,
            served=(*state.served, (number, at, None)),
            waiting=payload.get("waiting", state.waiting),
            # the count called down is logged like any other: overtime asks who waited at a closing time
            waiting_log=(*state.waiting_log, (at, payload["waiting"]))
            if "waiting" in payload
            else state.waiting_log,
        )
    if kind == "step" and state.interaction is not None:
        return replace(state, interaction=replace(state.interaction, step=payload["step"], step_at=at))
    if kind == "matter" and state.interaction is not None:
        interaction = replace(state.interaction, matters=(*state.interaction.matters, dict(payload)))
        return replace(_follow_up_from_matter(state, payload, at), interaction=interaction)
    if kind == "interaction_end":
        served = (state.interaction.started_at, at) if state.interaction is not None else state.last_served
        log = tuple((n, s, at if e is None else e) for n, s, e in state.served)
        return replace(state, interaction=None, last_served=served, served=log)
    if kind in SERVICE_KINDS:
        return _evolve_service(state, kind, payload, at)
    if kind == "waiting_set":
        return replace(
            state, waiting=payload["count"], waiting_log=(*state.waiting_log, (at, payload["count"]))
        )
    if kind == "pause":
        return replace(state, pause=Pause(reason=payload["reason"], since=at))
    if kind == "resume":
        return replace(state, pause=None)
    if kind == "overtime":
        return replace(
            state, overtime_until=at, served=_still_open(state), waiting_log=((at, state.waiting),)
        )
    if kind == "close_request":
        return replace(state, closed_at=at, served=_still_open(state), waiting_log=((at, state.waiting),))
    return state


def _still_open(state: State) -> tuple[tuple[int, str, str | None], ...]:
    """The served log trimmed to the interaction still open, if any (a close or sign-in starts it afresh)."""
    return tuple(entry for entry in state.served if entry[2] is None)


def replay(events: Iterable[Any]) -> State:
    """The state rebuilt from recorded events (objects with id, kind, payload and at)."""
    state = State()
    for event in events:
        state = evolve(state, event.kind, event.payload, event.at, event.id)
    return state
