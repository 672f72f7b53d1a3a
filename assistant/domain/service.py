"""What the sidebar offers and warns about, read from the state and the clock (pure; no Qt, no I/O).

The rules decide what is recorded; this module decides what the clerk is *offered*: the apology at 迎 when
internal work was open (rule 23) or the previous person took long (rule 26), the late-answer apology on the
phone (rule 29), the 3-minute warning for a call while serving (rule 37), overdue follow-ups (rules 18/30),
a long fault (rule 24), and which steps and phrases each role sees (rule 61).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from assistant.config.schema import Scripts, Step
from assistant.domain import shift
from assistant.domain.phrases import FIELD_RE
from assistant.domain.rules import FollowUp, State

# rule 61: the role selects its flow. Guidance staff (咨询引导人员) consult standing and refer: no 接/递.
ROLE_STEPS: dict[str, tuple[str, ...]] = {
    "窗口人员": ("ying", "wen", "jie", "ting", "di", "song"),
    "审批人员": ("ying", "wen", "jie", "ting", "di", "song"),
    "咨询引导人员": ("ying", "wen", "ting", "song"),
}
# …and its phrase set: phrases a role sees first at a step, beyond the step's own list in flow.toml.
ROLE_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "咨询引导人员": {"wen": ("greet.refer", "greet.rest_area"), "ting": ("greet.refer", "phone.confirm")},
    "审批人员": {"ting": ("receive.reply_days",), "di": ("receive.accepted",)},
}
WARN_BEFORE_SECONDS = 30  # the call-while-serving warning comes this long before the limit

APOLOGY_INTERNAL = (
    "greet.wait"  # rule 23: 先外后内 — "请稍候，我们马上为您办理！" when work cannot be dropped
)
APOLOGY_LONG_WAIT = "accept.sorry_wait"  # rule 26: "很抱歉，让您久等了。"
APOLOGY_LATE_CALL = "accept.sorry_wait"  # rule 29: answered after more than 5 rings — apologise first
APOLOGY_MISTAKE = "reception.apology"  # rule 17
SECOND_PERSON = "greet.wait"  # rule 14
FAULT_PHRASE = "handle.fault"  # rule 24 with the phrase of rule 55
COMPLAINT_THANKS = "reception.thanks_opinion"  # rule 31
PHONE_GREETING = "phone.greeting"  # rule 29
PHONE_CONFIRM = "phone.confirm"  # rule 29/33
PHONE_WRONG_NUMBER = "phone.wrong_number"  # rule 32: a wrong number, explained politely
PHONE_HARASSING = "phone.harassing"  # rule 32: a harassing call, told firmly, never rudely


@dataclass(frozen=True)
class Offer:
    """A phrase offered first, and why (the rule)."""

    phrase: str
    reason: str
    values: Mapping[str, str] = field(default_factory=dict)  # fields already known (e.g. the faults chosen)
    details: str = ""  # said after the sentence: the phone and address of the window referred to (转办)


def role_steps(role: str | None, scripts: Scripts) -> tuple[Step, ...]:
    """The steps of the flow this role walks through, in flow.toml's order."""
    wanted = ROLE_STEPS.get(role or "", ROLE_STEPS["窗口人员"])
    return tuple(s for s in scripts.flow.steps if s.id in wanted)


def role_phrases(role: str | None, step_id: str, scripts: Scripts) -> tuple[str, ...]:
    """The phrase ids shown at a step for this role: the role's own first, then the step's, each once."""
    step = scripts.flow.step(step_id)
    extra = ROLE_PHRASES.get(role or "", {}).get(step_id, ())
    return tuple(p for p in dict.fromkeys((*extra, *step.phrases)) if p in scripts.phrases)


def _minutes(start: str, end: str | datetime) -> float:
    end_at = end if isinstance(end, datetime) else datetime.fromisoformat(end)
    return (end_at - datetime.fromisoformat(start)).total_seconds() / 60


def offers_at_start(state: State, scripts: Scripts) -> list[Offer]:
    """Phrases to say first at 迎 of the interaction now open (or about to open)."""
    offers: list[Offer] = []
    if state.internal is not None:
        offers.append(
            Offer(APOLOGY_INTERNAL, f"先外后内：内部工作“{state.internal.reason}”未结束，先致歉（第 23 条）")
        )
    if state.last_served is not None:
        took = _minutes(*state.last_served)
        if took > scripts.hours.thresholds.long_wait_minutes:
            offers.append(
                Offer(APOLOGY_LONG_WAIT, f"前一位办理了 {int(took)} 分钟，向下一位致歉（第 26 条）")
            )
    return offers


def ring_seconds(state: State, now: datetime) -> float | None:
    """Seconds the phone has been ringing, if the ring was marked."""
    if state.call_ring_at is None:
        return None
    return (now - datetime.fromisoformat(state.call_ring_at)).total_seconds()


def ring_late(state: State, now: datetime, scripts: Scripts) -> bool:
    """Whether answering now is later than rule 29's 5 seconds."""
    waited = ring_seconds(state, now)
    return waited is not None and waited > scripts.hours.thresholds.ring_seconds


def ring_apology(state: State, now: datetime, scripts: Scripts) -> bool:
    """Whether answering now comes after more than 5 rings, so that the clerk apologises first (rule 29)."""
    waited = ring_seconds(state, now)
    return waited is not None and waited > scripts.hours.thresholds.apology_seconds


def call_warning(state: State, now: datetime, scripts: Scripts) -> str | None:
    """The rule 37 warning for a call taken while serving, from 30 s before the limit on."""
    if state.call is None or not state.call.serving:
        return None
    limit = scripts.hours.thresholds.call_while_serving_minutes * 60
    seconds = (now - datetime.fromisoformat(state.call.started_at)).total_seconds()
    if seconds < limit - WARN_BEFORE_SECONDS:
        return None
    if seconds >= limit:
        return f"通话已超过 {limit // 60} 分钟，请尽快结束，服务对象在等候（第 37 条）。"
    return f"通话即将满 {limit // 60} 分钟（还剩 {int(limit - seconds)} 秒），请尽快结束（第 37 条）。"


def fault_is_long(state: State, now: datetime, scripts: Scripts) -> bool:
    """Rule 24: a fault longer than the threshold — take a contact and re-book. Rule 24 names no number:
    the threshold is hours.toml's [thresholds] fault_long_minutes (10 by default)."""
    return (
        state.fault is not None
        and _minutes(state.fault.since, now) >= scripts.hours.thresholds.fault_long_minutes
    )


def overdue(follow_ups: tuple[FollowUp, ...], today: date) -> list[FollowUp]:
    """The follow-ups whose due date has passed."""
    return [f for f in follow_ups if f.due < today.isoformat()]


def shift_status(state: State) -> str:
    """One short Chinese word for the header: 未签到 / 待检查 / 暂停 / 故障 / 通话 / 接待中 / 已下班 / 空闲."""
    if state.clerk is None:
        return "未签到"
    if state.closed_at is not None and state.interaction is None:
        return "已下班"
    if state.checklist_submitted_at is None:
        return "班前检查未完成"
    if state.pause is not None:
        return "暂停服务"
    if state.fault is not None:
        return "系统故障"
    if state.call is not None:
        return "通话中"
    if state.interaction is not None:
        return "接待中"
    return "空闲"


def quit_refusal(state: State) -> str | None:
    """Why the assistant may not be closed now (rule 28: finish what is in hand, refuse nobody who waits);
    None when it may. Closing the program is not closing the window for the day: that is `close_request`."""
    if state.interaction is not None:
        return f"正在接待第 {state.interaction.number} 位服务对象，办完后才能退出助手（第 28 条）。"
    if state.waiting > 0:
        return f"仍有 {state.waiting} 人等候，不可拒绝，应延时服务；办完后才能退出助手（第 28 条）。"
    return None


# What the clerk reads after a command: the events in words (the kinds themselves are for programs).
EVENT_WORDS = {
    "sign_in": "签到",
    "sign_out": "签退",
    "late_arrival": "迟到",
    "checklist_item": "检查项",
    "checklist_submit": "班前检查提交",
    "equipment_fault": "设备故障",
    "appearance_note": "仪容备注",
    "interaction_start": "开始接待",
    "step": "环节",
    "matter": "办理事项",
    "interaction_end": "接待结束",
    "waiting_set": "等候人数",
    "pause": "暂停服务",
    "resume": "恢复服务",
    "phrase_used": "用语",
    "close_request": "下班",
    "overtime": "延时服务",
    "follow_up": "待答复",
    "follow_up_close": "答复完成",
    "call_ring": "来电",
    "call_start": "接听",
    "call_end": "通话结束",
    "fault_start": "系统故障",
    "fault_end": "故障恢复",
    "complaint": "投诉登记",
    "complaint_update": "投诉处理",
    "escalate": "专人接手",
    "home_service": "上门服务",
    "home_service_update": "上门服务进展",
    "early_departure": "提前签退",
    "internal_start": "内部工作",
    "internal_end": "内部工作结束",
    "guard_alert": "忌语提醒",
    "clock_jump": "时钟跳变",
    "hall_clock_offset": "时钟偏差",
    "correction": "更正",
}


def recorded_words(kinds: list[str]) -> str:
    """ "已记录：开始接待、用语" for the sidebar's message line."""
    words = list(dict.fromkeys(EVENT_WORDS.get(kind, "记录") for kind in kinds))
    return "已记录：" + "、".join(words)


INCOMPLETE = "资料不全"  # rule 56's first 退回 phrase; the others are the options of return.faults
OTHER = "其他……"  # the open "……" at the end of return.faults' seed: a fault the clerk types (rule 22)


def return_fault_choices(scripts: Scripts) -> dict[str, str]:
    """The faults a clerk ticks when handing papers back (rule 22), label → option of return.faults' 问题.

    The labels are the phrase's own options with their blanks shown as "……", plus 资料不全, so that the list
    ticked and the sentence said afterwards are one and the same."""
    field_ = scripts.phrase("return.faults").field("问题")
    options = field_.options if field_ is not None else ()
    # an option that is only a blank ("{其他问题}") is the seed's open "……": a fault the clerk types
    return {(OTHER if FIELD_RE.fullmatch(o) else FIELD_RE.sub("……", o)): o for o in options} | {
        INCOMPLETE: INCOMPLETE
    }


def returned(scripts: Scripts, labels: list[str], other: str = "") -> tuple[list[str], Offer] | str:
    """A 退回 with the faults ticked (labels of return_fault_choices) and the one typed for 其他……: the faults
    to record and the phrase to offer, or what is missing (rule 22)."""
    choices = return_fault_choices(scripts)
    chosen = [choices[label] for label in labels if label in choices]
    other = other.strip()
    if OTHER in labels and not other:
        return "选了“其他……”，请填写是什么问题（第 22 条）。"
    faults = [other if label == OTHER else label.replace("……", "") for label in labels if label in choices]
    blanks = {m.group(1): other for o in chosen if (m := FIELD_RE.fullmatch(o))}
    return faults, return_offer(chosen, blanks)


def return_offer(chosen: list[str], values: dict[str, str] | None = None) -> Offer:
    """The 退回 phrase of rule 56 for the options chosen, with them (and any typed blank) filled in."""
    faults = [o for o in chosen if o != INCOMPLETE]
    if not faults:
        return Offer("return.incomplete", "资料不全（第 56 条）")
    shown = [
        values.get(m.group(1), "") if (m := FIELD_RE.fullmatch(o)) and values else FIELD_RE.sub("", o)
        for o in faults
    ]
    return Offer("return.faults", "退回：" + "、".join(shown), {"问题": "、".join(faults), **(values or {})})


# ─── what the sidebar decides on a click, decided here (the widget only shows and sends) ──────────────


def next_step(state: State, scripts: Scripts) -> str | None:
    """The step after the current one in the signed-in role's flow; None when the interaction should end."""
    if state.interaction is None:
        return None
    ids = [s.id for s in role_steps(state.role, scripts)]
    current = state.interaction.step
    if current not in ids or ids.index(current) + 1 >= len(ids):
        return None
    return ids[ids.index(current) + 1]


def known_title(state: State) -> str:
    """The 业务事项 a form starts with: the one this interaction already recorded (a person usually comes for
    one matter), otherwise empty — never a placeholder that would be recorded as if the clerk had typed it."""
    if state.interaction is None or not state.interaction.matters:
        return ""
    return str(state.interaction.matters[-1].get("title", ""))


def matter(outcome: str, answer: Mapping[str, str], scripts: Scripts) -> tuple[dict, list[Offer]] | str:
    """The `matter` command for one outcome from what the clerk filled in (rules 13, 15, 18, 22, 10), and the
    sentence offered once it is recorded (the 退回 faults ticked, the 转办 window with its card); or what is
    still missing, in Chinese."""
    payload: dict = {"title": answer.get("title", "").strip(), "outcome": outcome}
    offers: list[Offer] = []
    if outcome == "退回":
        result = returned(scripts, answer.get("faults", "").split("、"), answer.get("other", ""))
        if isinstance(result, str):
            return result
        payload["faults"], offer = result
        offers.append(offer)
    elif outcome == "转办":
        try:
            entry = referral_entry(answer.get("to", ""), scripts)
        except KeyError:
            return f"转办窗口“{answer.get('to', '')}”不在 directory.toml 中（第 10 条）。"
        payload["referral"] = entry.id
        offers.append(
            Offer(
                "greet.refer",
                "转办：提供准确的窗口、电话和地址（第 10 条）",
                {"窗口": entry.window},
                entry.card(),
            )
        )
    elif outcome == "无法办理":
        payload["reason"] = answer.get("reason", "")
    elif outcome == "待答复":
        payload["due"] = answer.get("due", "")
        payload["person"] = {"phone": answer.get("phone", "")}
    return payload, offers


def referral_labels(scripts: Scripts) -> list[str]:
    """The 转办 choices: 窗口（部门）, in directory.toml's order."""
    return [f"{e.window}（{e.department}）" for e in scripts.directory.entries]


def referral_entry(label: str, scripts: Scripts):
    """The directory entry a referral label names (KeyError when none does)."""
    labels = referral_labels(scripts)
    if label not in labels:
        raise KeyError(label)
    return scripts.directory.entries[labels.index(label)]


def offers_after_answer(state: State, scripts: Scripts) -> list[Offer]:
    """Phrases to say once the phone is picked up (rules 29, 32, 33): an apology after more than 5 rings, the
    greeting, the confirmation, and the answers to a wrong number and a harassing call. The ring limits are
    hours.toml's, not fixed numbers."""
    offers: list[Offer] = []
    limits = scripts.hours.thresholds
    if state.call is not None and state.call.apology:
        offers.append(Offer(APOLOGY_LATE_CALL, f"超过 {limits.apology_rings} 声才接听，先致歉（第 29 条）"))
    offers.append(Offer(PHONE_GREETING, "电话问候（第 29 条）"))
    offers.append(Offer(PHONE_CONFIRM, "复述确认（第 29、33 条）"))
    offers.append(Offer(PHONE_WRONG_NUMBER, "打错电话：礼貌说明（第 32 条）"))
    offers.append(Offer(PHONE_HARASSING, "骚扰电话：严正指出，不用脏话（第 32 条）"))
    return offers


def ring_note(state: State, now: datetime, scripts: Scripts) -> str | None:
    """The line shown while the phone rings (rule 29, limits from hours.toml)."""
    ringing = ring_seconds(state, now)
    if ringing is None:
        return None
    limits = scripts.hours.thresholds
    if ring_apology(state, now, scripts):
        return f"铃响 {int(ringing)} 秒，已超过 {limits.apology_rings} 声，接听后先致歉"
    if ring_late(state, now, scripts):
        return f"铃响 {int(ringing)} 秒，已超过 {limits.ring_seconds} 秒，请马上接听"
    return f"铃响 {int(ringing)} 秒，请在 {limits.ring_count} 声/{limits.ring_seconds} 秒内接听"


def fault_offer() -> Offer:
    return Offer(FAULT_PHRASE, "系统故障（第 24 条）")


def complaint_offer() -> Offer:
    return Offer(COMPLAINT_THANKS, "感谢意见（第 31 条）")


def known_values(phrase_id: str, state: State, scripts: Scripts) -> dict[str, str]:
    """The fields of a phrase the state already knows: this window's name in the phone greeting, the fault
    being handled in the fault apology."""
    if phrase_id in (PHONE_GREETING, PHONE_WRONG_NUMBER) and state.window:
        return {"窗口": state.window}
    if phrase_id == FAULT_PHRASE and state.fault is not None:
        field_ = scripts.phrase(phrase_id).field("故障")
        if field_ is not None and state.fault.reason in field_.options:
            return {"故障": state.fault.reason}
    return {}


def checklist_result(payload: Mapping) -> str:
    """What the clerk reads once the checklist is submitted: on time or how late (rule 19)."""
    deadline = payload.get("deadline")
    by = f"（应在 {datetime.fromisoformat(deadline):%H:%M} 前完成，第 19 条）" if deadline else ""
    failed = len(payload.get("failed", ()))
    tail = f"；{failed} 项不合格，已登记" if failed else ""
    if payload.get("late"):
        return f"班前检查已提交：晚了 {payload.get('late_minutes', 0)} 分钟{by}{tail}。"
    return f"班前检查已提交：按时完成{by}{tail}。"


def checklist_reminder(state: State, now: datetime, scripts: Scripts) -> str | None:
    """The reminder shown from hours.toml's reminder_minutes before opening until the checklist is in."""
    if state.clerk is None:
        return None
    due = shift.checklist_due(state, now, scripts.hours)
    if due is None:
        return None
    if due.minutes_left >= 0:
        return f"{due.opening:%H:%M} 开门：请在 {due.deadline:%H:%M} 前完成班前检查（还有 {due.minutes_left} 分钟，第 19 条）"
    return f"班前检查已超过 {due.deadline:%H:%M} 的期限 {-due.minutes_left} 分钟，请尽快完成（第 19 条）"


CLAUSE_ENDS = "，。！？；,.!?;\n"


def clause_around(text: str, start: int, end: int, replacement: str) -> tuple[int, int]:
    """The span a guard suggestion replaces (rule 60): the whole clause holding text[start:end] — from the
    previous punctuation to the next — and the next punctuation mark too when the suggestion ends with its own,
    so that "这不归我管吧。" becomes the suggestion, not "这<suggestion>吧".
    """
    left = max((text.rfind(c, 0, start) for c in CLAUSE_ENDS), default=-1) + 1
    ends = [i for i in (text.find(c, end) for c in CLAUSE_ENDS) if i != -1]
    right = min(ends) if ends else len(text)
    if right < len(text) and replacement[-1:] in CLAUSE_ENDS and text[right] != "\n":
        right += 1
    return left, right
