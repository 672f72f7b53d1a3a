"""The rules through the desk, on a real database: what is recorded, what is refused and why."""

from datetime import datetime

import pytest

from assistant.desk import Desk
from assistant.domain.rules import Command, Refusal, State, decide, replay
from assistant.store.event_log import EventStore
from tests.conftest import CST, ready_desk


def kinds(desk: Desk) -> list[str]:
    return [e.kind for e in desk.store.events()]


def test_serving_needs_sign_in_and_the_checklist(desk):
    assert desk.execute("interaction_start").refusal.code == "not_signed_in"
    desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员"})
    assert desk.execute("interaction_start").refusal.code == "checklist_pending"
    for item in desk.scripts.checklist.items:
        desk.execute("checklist_item", {"item": item.id, "ok": True})
    assert desk.execute("checklist_submit").accepted
    outcome = desk.execute("interaction_start")
    assert outcome.accepted
    assert outcome.events[0].payload == {"interaction": 1, "step": "ying"}


def test_failed_checklist_item_needs_a_note(desk):
    desk.execute("sign_in", {"clerk": "A0123"})
    refused = desk.execute("checklist_item", {"item": "printer", "ok": False})
    assert refused.refusal.code == "note_required"
    assert desk.execute("checklist_item", {"item": "printer", "ok": False, "note": "卡纸"}).accepted
    assert desk.execute("checklist_item", {"item": "no-such-item", "ok": True}).refusal.code == "unknown_item"


def test_a_whole_interaction_is_recorded_as_it_happened(desk, clock):
    ready_desk(desk)
    desk.execute("interaction_start")
    for step in ("wen", "jie", "ting"):
        clock.advance(seconds=30)
        assert desk.execute("step", {"step": step}).accepted
    assert desk.execute("step", {"step": "ying"}).accepted  # steps guide, they do not force
    assert desk.execute("step", {"step": "later"}).refusal.code == "unknown_step"
    assert desk.execute("matter", {"title": "社保卡补办", "outcome": "办结"}).accepted
    assert desk.execute("matter", {"outcome": "退回"}).refusal.code == "faults_required"
    assert desk.execute("matter", {"outcome": "退回", "faults": ["未签章"]}).accepted
    assert desk.execute("phrase_used", {"phrase": "receipt.done", "mode": "speak"}).accepted
    assert desk.execute("interaction_end").accepted
    assert kinds(desk)[-9:] == [
        "interaction_start",
        "step",
        "step",
        "step",
        "step",
        "matter",
        "matter",
        "phrase_used",
        "interaction_end",
    ]
    used = next(e for e in desk.store.events() if e.kind == "phrase_used")
    assert used.payload == {"phrase": "receipt.done", "mode": "speak", "interaction": 1, "step": "ying"}
    assert desk.state.interaction is None


def test_referral_must_name_a_directory_entry(desk, scripts):
    ready_desk(desk)
    desk.execute("interaction_start")
    assert (
        desk.execute("matter", {"outcome": "转办", "referral": "nowhere"}).refusal.code == "unknown_referral"
    )
    entry = scripts.directory.entries[0].id
    assert desk.execute("matter", {"outcome": "转办", "referral": entry}).accepted
    assert desk.execute("matter", {"outcome": "待答复", "due": "明天"}).refusal.code == "due_required"
    assert desk.execute("matter", {"outcome": "无法办理"}).refusal.code == "reason_required"


@pytest.mark.parametrize(
    ("hhmm", "interaction", "waiting", "code"),
    [
        ("16:59", False, 0, "before_closing_time"),  # rule 8: no leaving early
        ("17:00", True, 0, "interaction_open"),  # rule 28: finish what is in hand
        ("17:00", False, 2, "people_waiting"),  # rule 28: nobody waiting is refused
        ("17:00", False, 0, None),
        ("12:00", False, 0, None),  # the lunch break closes the morning period
    ],
)
def test_close_request_follows_rules_8_and_28(desk, clock, hhmm, interaction, waiting, code):
    ready_desk(desk)
    if interaction:
        desk.execute("interaction_start")
    desk.execute("waiting_set", {"count": waiting})
    hour, minute = map(int, hhmm.split(":"))
    clock.set(datetime(2026, 11, 26, hour, minute, tzinfo=CST))
    outcome = desk.execute("close_request")
    assert (outcome.refusal.code if outcome.refusal else None) == code
    if code:
        assert outcome.refusal.reason and "第" in outcome.refusal.reason


def test_pause_needs_a_reason_and_blocks_serving(desk):
    ready_desk(desk)
    assert desk.execute("pause", {"reason": " "}).refusal.code == "reason_required"
    assert desk.execute("pause", {"reason": "系统维护"}).accepted
    assert desk.execute("interaction_start").refusal.code == "paused"
    assert desk.execute("resume").accepted
    assert desk.execute("resume").refusal.code == "not_paused"


@pytest.mark.parametrize("count", [-1, 1000, "3", True, None])
def test_waiting_count_must_be_a_sane_integer(desk, count):
    assert desk.execute("waiting_set", {"count": count}).refusal.code == "bad_value"


def test_unknown_command_is_refused_with_the_known_ones(scripts, clock):
    decision = decide(State(), Command("fly"), clock.now(), scripts)
    assert isinstance(decision, Refusal) and "close_request" in decision.reason


def test_refusals_record_nothing(desk):
    before = desk.store.last_id()
    desk.execute("interaction_end")
    assert desk.store.last_id() == before


def test_state_after_restart_is_rebuilt_from_the_events(tmp_path, scripts, clock):
    path = tmp_path / "a.db"
    with EventStore.open(path) as store:
        desk = ready_desk(Desk(store, scripts, clock))
        desk.execute("interaction_start")
        desk.execute("step", {"step": "jie"})
        desk.execute("waiting_set", {"count": 3})
        before = desk.state
    with EventStore.open(path) as store:
        after = Desk(store, scripts, clock).state
        assert after == before == replay(store.events())
    assert after.interaction.number == 1 and after.interaction.step == "jie" and after.waiting == 3


def test_personal_data_stays_out_of_the_chain(desk):
    ready_desk(desk)
    desk.execute("interaction_start", {"person": {"name": "张三", "phone": "13800000000"}})
    started = next(e for e in desk.store.events() if e.kind == "interaction_start")
    assert "张三" not in started.payload.values() and "13800000000" not in str(started.payload)
    assert desk.store.person(started.payload["person_id"])["name"] == "张三"


def test_calling_in_a_waiting_person_lowers_the_waiting_count(desk, clock):
    """Issue 14 item 12: 来人 takes one of those waiting; a forgotten "−" no longer keeps the window in overtime."""
    ready_desk(desk)
    clock.set(datetime(2026, 11, 26, 16, 50, tzinfo=CST))
    assert desk.execute("waiting_set", {"count": 2}).accepted
    started = desk.execute("interaction_start")
    assert started.events[0].payload["waiting"] == 1 and desk.state.waiting == 1
    desk.execute("interaction_end")
    desk.execute("interaction_start")
    assert desk.state.waiting == 0
    clock.set(datetime(2026, 11, 26, 17, 5, tzinfo=CST))
    desk.execute("interaction_end")
    last = desk.execute("interaction_start")  # nobody was waiting: stays at 0, the payload says nothing
    assert desk.state.waiting == 0 and "waiting" not in last.events[0].payload
    assert replay(desk.store.events()) == desk.state
