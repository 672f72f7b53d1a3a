"""Desk.execute_all: several commands (one replay line) are recorded in one transaction — all or none."""

from __future__ import annotations

from tests.conftest import ready_desk


def _kinds(store):
    return [e.kind for e in store.events()]


def test_a_replay_line_of_two_commands_is_one_commit(desk, store):
    ready_desk(desk)
    desk.execute("interaction_start")
    before = store.last_id()
    outcome = desk.execute_all(
        [("matter", {"title": "社保卡补办", "outcome": "办结"}), ("interaction_end", {})]
    )
    assert outcome.accepted and [e.kind for e in outcome.events] == ["matter", "interaction_end"]
    assert [e.id for e in outcome.events] == [before + 1, before + 2]
    assert len({e.at for e in outcome.events}) == 1
    assert desk.state.interaction is None and desk.state.last_event_id == before + 2


def test_a_failed_write_of_the_second_command_records_the_first_neither(desk, store):
    """A crash (here: a write refused by the database) between the two commands of a line must not leave the
    matter alone in the log: re-sending the line after the restart would then record it twice."""
    ready_desk(desk)
    desk.execute("interaction_start")
    before = store.last_id()
    store.conn.execute(
        "CREATE TEMP TRIGGER fail_end BEFORE INSERT ON events WHEN NEW.kind = 'interaction_end' "
        "BEGIN SELECT RAISE(ABORT, 'simulated crash'); END"
    )
    outcome = desk.execute_all(
        [("matter", {"title": "社保卡补办", "outcome": "办结"}), ("interaction_end", {})]
    )
    assert not outcome.accepted and outcome.refusal.code == "not_saved"
    assert store.last_id() == before and "matter" not in _kinds(store)[before:]
    assert desk.state.interaction is not None and desk.state.interaction.matters == ()
    store.conn.execute("DROP TRIGGER fail_end")
    assert desk.execute_all(
        [("matter", {"title": "社保卡补办", "outcome": "办结"}), ("interaction_end", {})]
    ).accepted
    assert _kinds(store)[before:] == ["matter", "interaction_end"]


def test_a_refusal_of_a_later_command_records_nothing(desk, store):
    ready_desk(desk)
    desk.execute("interaction_start")
    before = store.last_id()
    outcome = desk.execute_all([("step", {"step": "wen"}), ("step", {"step": "nowhere"})])
    assert outcome.refusal is not None and outcome.refusal.code == "unknown_step"
    assert store.last_id() == before and desk.state.interaction.step == "ying"


def test_later_commands_are_decided_on_the_state_the_earlier_ones_leave(desk, store):
    ready_desk(desk)
    outcome = desk.execute_all([("interaction_start", {}), ("step", {"step": "jie"})])
    assert outcome.accepted and desk.state.interaction.step == "jie"
    refused = desk.execute_all([("interaction_end", {}), ("interaction_end", {})])
    assert refused.refusal.code == "no_interaction" and desk.state.interaction is not None
