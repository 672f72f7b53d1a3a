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

from assistant.scripts import Hours, Period, Scripts

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
class State:
    """Everything the rules need to know, rebuilt from the events."""

    clerk: str | None = None
    role: str | None = None
    window: str | None = None
    checklist: Mapping[str, bool] = field(default_factory=dict)
    checklist_submitted_at: str | None = None
    interaction: Interaction | None = None
    interactions_started: int = 0
    waiting: int = 0
    pause: Pause | None = None
    closed_at: str | None = None
    last_event_id: int = 0


Decision = list[NewEvent] | Refusal
Rule = Callable[[State, Mapping[str, Any], datetime, Scripts], Decision]


NOT_SIGNED_IN = Refusal("not_signed_in", "请先签到（工作证编号）。")


def open_period(hours: Hours, now: datetime) -> Period | None:
    """The opening period that `now` falls in, if any."""
    for period in hours.periods_on(now.date()):
        if period.start <= now.time() < period.end:
            return period
    return None


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
    return [NewEvent("sign_in", {"clerk": clerk, "role": role, "window": window})]


def _sign_out(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.interaction is not None:
        return Refusal("interaction_open", "正在接待服务对象，办完后才能签退（第 28 条）。")
    return [NewEvent("sign_out", {"clerk": state.clerk})]


def _checklist_item(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    item = str(data.get("item", ""))
    if item not in {i.id for i in scripts.checklist.items}:
        return Refusal("unknown_item", f"检查项“{item}”不在 checklist.toml 中。")
    ok = data.get("ok")
    if not isinstance(ok, bool):
        return Refusal("bad_value", "检查项需要选择“正常”或“故障”。")
    note = str(data.get("note", "")).strip()
    if not ok and not note:
        return Refusal("note_required", "检查项不合格时需要填写说明。")
    return [NewEvent("checklist_item", {"item": item, "ok": ok, "note": note})]


def _checklist_submit(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    missing = [i.id for i in scripts.checklist.items if i.id not in state.checklist]
    if missing:
        return Refusal("checklist_incomplete", f"还有 {len(missing)} 项未检查：{'、'.join(missing)}。")
    failed = sorted(item for item, ok in state.checklist.items() if not ok)
    return [NewEvent("checklist_submit", {"items": len(state.checklist), "failed": failed})]


def _interaction_start(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    if state.clerk is None:
        return NOT_SIGNED_IN
    if state.checklist_submitted_at is None:
        return Refusal("checklist_pending", "请先完成班前检查，再开始接待（第 19 条）。")
    if state.interaction is not None:
        return Refusal("interaction_open", f"第 {state.interaction.number} 位服务对象尚未办完。")
    if state.pause is not None:
        return Refusal("paused", f"暂停服务中（{state.pause.reason}），请先恢复服务（第 40 条）。")
    first = scripts.flow.steps[0].id
    return [NewEvent("interaction_start", {"interaction": state.interactions_started + 1, "step": first})]


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
    return [NewEvent("interaction_end", {"interaction": state.interaction.number})]


def _waiting_set(state: State, data: Mapping[str, Any], now: datetime, scripts: Scripts) -> Decision:
    count = data.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 999:
        return Refusal("bad_value", f"等候人数“{count}”无效，应为 0 到 999 的整数。")
    return [NewEvent("waiting_set", {"count": count})]


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
    return [NewEvent("pause", {"reason": reason})]


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
    if state.interaction is not None:
        return Refusal("interaction_open", "正在办理的业务应照常办理完毕后方可下班（第 28 条）。")
    if state.waiting > 0:
        return Refusal("people_waiting", f"仍有 {state.waiting} 人等候，不可拒绝，应延时服务（第 28 条）。")
    period = open_period(scripts.hours, now)
    if period is not None:
        return Refusal("before_closing", f"未到下班时间 {period.end:%H:%M}，不早退（第 8 条）。")
    return [NewEvent("close", {})]


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
}


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
            state, clerk=payload["clerk"], role=payload["role"], window=payload.get("window") or None,
            checklist={}, checklist_submitted_at=None, closed_at=None,
        )
    if kind == "sign_out":
        return replace(state, clerk=None, role=None, window=None, checklist={}, checklist_submitted_at=None)
    if kind == "checklist_item":
        return replace(state, checklist={**state.checklist, payload["item"]: payload["ok"]})
    if kind == "checklist_submit":
        return replace(state, checklist_submitted_at=at)
    if kind == "interaction_start":
        number = payload["interaction"]
        started = Interaction(number=number, started_at=at, step=payload["step"], step_at=at)
        return replace(state, interaction=started, interactions_started=number)
    if kind == "step" and state.interaction is not None:
        return replace(state, interaction=replace(state.interaction, step=payload["step"], step_at=at))
    if kind == "matter" and state.interaction is not None:
        matters = (*state.interaction.matters, dict(payload))
        return replace(state, interaction=replace(state.interaction, matters=matters))
    if kind == "interaction_end":
        return replace(state, interaction=None)
    if kind == "waiting_set":
        return replace(state, waiting=payload["count"])
    if kind == "pause":
        return replace(state, pause=Pause(reason=payload["reason"], since=at))
    if kind == "resume":
        return replace(state, pause=None)
    if kind == "close":
        return replace(state, closed_at=at)
    return state


def replay(events: Iterable[Any]) -> State:
    """The state rebuilt from recorded events (objects with id, kind, payload and at)."""
    state = State()
    for event in events:
        state = evolve(state, event.kind, event.payload, event.at, event.id)
    return state
