"""Snapshots of the rules' State (assistant/store/snapshots.py): a lossless JSON round trip, and a Desk restored
from snapshot + tail equals the full replay at every point; unusable snapshots are ignored."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest

from assistant.desk import Desk
from assistant.domain.rules import RULES, State, replay
from assistant.edges.clock import FixedClock
from assistant.store import snapshots
from assistant.store.event_log import EventStore
from assistant.store.snapshots import FORMAT, SnapshotError, Snapshots, from_json, to_json
from benchmarks.crash_harness import Reference, scripted_day, working_days
from tests.conftest import CST


@pytest.fixture(scope="module")
def harness_states(tmp_path_factory, scripts):
    """Every state after every line of three scripted days of the crash harness."""
    ref = Reference(tmp_path_factory.mktemp("ref") / "ref.db", scripts)
    for n, day in enumerate(working_days(scripts, date(2026, 11, 23), 3)):
        ref.extend(scripted_day(day, 8 + n, scripts, interactions=25))
    yield ref
    ref.close()


def test_round_trip_of_every_scripted_state(harness_states):
    states = harness_states.states
    assert len(states) > 300
    kinds = set()
    for state in states:
        text = to_json(state)
        assert from_json(text) == state
        assert to_json(from_json(text)) == text  # canonical: one spelling per state
        kinds.update(f for f in vars(state) if getattr(state, f) not in (None, (), {}, 0))
    # the days exercised the nested parts: open interactions with matters, served logs, the checklist
    assert {"interaction", "served", "waiting_log", "checklist", "follow_ups"} <= kinds


def _random_desk(store, scripts, seed, commands=400):
    rnd = random.Random(seed)
    clock = FixedClock(datetime(2026, 11, 26, 8, 30, tzinfo=CST))
    desk = Desk(store, scripts, clock)
    steps = [s.id for s in scripts.flow.steps]
    items = [i.id for i in scripts.checklist.items]
    pool = [
        ("sign_in", lambda: {"clerk": rnd.choice(("A1", "B2")), "window": "社保1号窗口"}),
        ("checklist_item", lambda: {"item": rnd.choice(items), "ok": rnd.random() < 0.8, "note": "坏了"}),
        ("checklist_submit", dict),
        ("interaction_start", dict),
        ("step", lambda: {"step": rnd.choice(steps)}),
        (
            "matter",
            lambda: {
                "title": "事项",
                "outcome": rnd.choice(("办结", "待答复", "退回")),
                "due": "2026-12-04",
                "faults": ["材料不全"],
            },
        ),
        ("interaction_end", dict),
        ("waiting_set", lambda: {"count": rnd.randint(0, 3)}),
        ("pause", lambda: {"reason": "会议"}),
        ("resume", dict),
        ("close_request", dict),
        ("sign_out", dict),
        ("follow_up_close", lambda: {"follow_up": rnd.randint(1, 3), "answer": "已电话答复"}),
        ("complaint", lambda: {"content": "投诉", "forwarded_to": "办公室", "deadline": "2026-12-01"}),
        ("call_ring", dict),
        ("call_start", dict),
        ("call_end", dict),
        ("internal_start", lambda: {"task": "整理"}),
        ("internal_end", dict),
        ("fault_start", lambda: {"fault": "断网"}),
        ("fault_end", dict),
    ]
    assert {k for k, _ in pool} <= set(RULES)
    states = []
    for _ in range(commands):
        clock.advance(minutes=rnd.randint(1, 20))
        kind, data = rnd.choice(pool)
        desk.execute(kind, data())
        states.append(desk.state)
    return desk, states


@pytest.mark.parametrize("seed", range(4))
def test_round_trip_of_random_command_sequences(tmp_path, scripts, seed):
    with EventStore.open(tmp_path / "r.db") as store:
        desk, states = _random_desk(store, scripts, seed)
        assert store.last_id() > 100
        for state in states:
            assert from_json(to_json(state)) == state
        assert desk.state == replay(store.events())


def test_restore_from_a_snapshot_and_the_tail_equals_the_full_replay(harness_states, tmp_path):
    events = list(harness_states.store.events())
    full = harness_states.store
    rnd = random.Random(5)
    points = sorted(rnd.sample(range(1, len(events)), 25))
    state = State()
    by_id = {}
    for e in events:
        state = snapshots.rules.evolve(state, e.kind, e.payload, e.at, e.id)
        by_id[e.id] = state
    for point in points:
        full.conn.execute("DELETE FROM state_snapshots")
        assert full.save_snapshot(point, FORMAT, to_json(by_id[point]))
        restorer = Snapshots(full)
        assert restorer.restore() == by_id[events[-1].id] == replay(events)
        assert restorer.base in (point, events[-1].id)


def test_unusable_snapshots_are_ignored(tmp_path, scripts):
    with EventStore.open(tmp_path / "s.db") as store:
        desk, _ = _random_desk(store, scripts, 9, commands=200)
        last = store.last_id()
        expected = replay(store.events())
        good = to_json(desk.state)
        # a snapshot is never ahead of the log it claims
        assert not store.save_snapshot(last + 1, FORMAT, good)
        assert store.save_snapshot(last, FORMAT, good)
        assert Snapshots(store).restore() == expected
        conn = store.conn
        for corrupt in ("{not json", '{"clerk": 1}', good.replace('"last_event_id"', '"last_id"'), "null"):
            conn.execute("UPDATE state_snapshots SET state = ? WHERE event_id = ?", (corrupt, last))
            with pytest.raises(SnapshotError):
                from_json(corrupt)
            restorer = Snapshots(store)
            assert restorer.restore() == expected and restorer.base == 0
        # another format, or a chain hash that is not the event's, is not used either
        conn.execute("UPDATE state_snapshots SET state = ?, format = 'old'", (good,))
        assert Snapshots(store).restore() == expected
        conn.execute("UPDATE state_snapshots SET format = ?, hash = ?", (FORMAT, "0" * 64))
        restorer = Snapshots(store)
        assert restorer.restore() == expected and restorer.base == 0
        # a state that does not follow the event it is filed under is not used
        conn.execute("DELETE FROM state_snapshots")
        conn.execute(
            "INSERT INTO state_snapshots SELECT id, hash, ?, ? FROM events WHERE id = ?",
            (FORMAT, good, last - 1),
        )
        restorer = Snapshots(store)
        assert restorer.restore() == expected and restorer.base == 0


def test_the_desk_snapshots_every_n_events_and_restores_from_the_newest(tmp_path, scripts, monkeypatch):
    monkeypatch.setattr(snapshots, "EVERY", 50)
    path = tmp_path / "d.db"
    with EventStore.open(path) as store:
        desk, _ = _random_desk(store, scripts, 2, commands=300)
        taken = [r[0] for r in store.conn.execute("SELECT event_id FROM state_snapshots ORDER BY event_id")]
        assert 1 <= len(taken) <= snapshots.KEEP and taken[-1] > store.last_id() - 50 - 10
        final = desk.state
    with EventStore.open(path) as store:
        restored = Desk(store, scripts, FixedClock(datetime(2026, 11, 27, 9, 0, tzinfo=CST)))
        assert restored.state == final == replay(store.events())
        assert restored._snapshots.base == taken[-1]


def test_a_desk_folds_another_writers_events_before_deciding_and_snapshots_the_whole_log(
    tmp_path, scripts, monkeypatch, clock
):
    monkeypatch.setattr(snapshots, "EVERY", 5)
    path = tmp_path / "two.db"
    with EventStore.open(path) as store, EventStore.open(path) as other:
        desk = Desk(store, scripts, clock)
        desk.execute("sign_in", {"clerk": "A1", "window": "社保1号窗口"})
        other.append([("waiting_set", {"count": 2})], clock.now())
        for _ in range(12):
            desk.execute("waiting_set", {"count": 1})
        assert desk.state == replay(store.events())
        taken = store.snapshots(FORMAT)
        assert taken and from_json(taken[0][1]) == replay(e for e in store.events() if e.id <= taken[0][0])


def test_format_names_the_shape(monkeypatch):
    assert FORMAT.startswith(f"{snapshots.FORMAT_VERSION}:") and len(FORMAT.split(":")[1]) == 16
    with pytest.raises(SnapshotError):
        from_json(to_json(State()).replace('"waiting":0', '"waiting":true'))
