"""The clock watch (issue 8): wall clock against a monotonic clock; jumps recorded by the desk and marked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.desk import Desk
from assistant.edges.clock import SystemClock
from assistant.edges.clockwatch import ClockWatch, default_monotonic
from assistant.store.event_log import format_at
from tests.conftest import ready_desk


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 5000.0

    def __call__(self) -> float:
        return self.t


def both(clock, mono, seconds: float) -> None:
    """Time passes for real: both clocks move together."""
    clock.advance(seconds=seconds)
    mono.t += seconds


def test_time_passing_normally_is_no_jump(clock):
    mono = FakeMonotonic()
    watch = ClockWatch(clock, mono, tolerance_seconds=120)
    assert watch.check() is None  # the baseline
    for _ in range(5):
        both(clock, mono, 3600)
        assert watch.check() is None
    clock.advance(seconds=100)  # drift within tolerance
    assert watch.check() is None


def test_backwards_is_a_jump_with_the_payload(clock):
    mono = FakeMonotonic()
    watch = ClockWatch(clock, mono)
    watch.check()
    before = clock.now()
    mono.t += 60
    clock.advance(minutes=-9)  # one minute passed, the clock shows nine earlier
    jump = watch.check()
    assert jump is not None and jump.backwards
    assert jump.payload() == {
        "wall_before": before.isoformat(timespec="microseconds"),
        "wall_after": clock.now().isoformat(timespec="microseconds"),
        "monotonic_elapsed": 60.0,
        "delta_seconds": -600.0,
    }
    assert "调慢" in jump.describe()
    assert watch.check() is None  # the new time is the new baseline


def test_forward_beyond_the_tolerance_only(clock):
    mono = FakeMonotonic()
    watch = ClockWatch(clock, mono, tolerance_seconds=120)
    watch.check()
    mono.t += 10
    clock.advance(seconds=10 + 120)
    assert watch.check() is None  # exactly the tolerance: not a jump
    mono.t += 10
    clock.advance(seconds=10 + 121)
    jump = watch.check()
    assert jump is not None and jump.delta_seconds == pytest.approx(121) and not jump.backwards


def test_a_small_step_back_is_a_jump_but_not_jitter(clock):
    mono = FakeMonotonic()
    watch = ClockWatch(clock, mono)
    watch.check()
    clock.advance(seconds=-0.5)
    assert watch.check() is None
    clock.advance(seconds=-3)
    assert watch.check() is not None


def test_tolerance_must_be_positive(clock):
    with pytest.raises(ValueError):
        ClockWatch(clock, FakeMonotonic(), tolerance_seconds=0)


def test_default_monotonic_never_goes_back():
    tick = default_monotonic()
    a = tick()
    assert tick() >= a


def test_desk_records_the_jump_first_and_marks_the_command(store, scripts, clock):
    mono = FakeMonotonic()
    desk = ready_desk(Desk(store, scripts, clock, watch=ClockWatch(clock, mono)))
    both(clock, mono, 60)
    assert desk.execute("waiting_set", {"count": 2}).events[0].payload.get("clock_jump") is None
    heard = []
    desk.subscribe(lambda outcome, state: heard.append([e.kind for e in outcome.events]))
    clock.advance(minutes=-30)  # the clerk sets the clock back half an hour
    outcome = desk.execute("waiting_set", {"count": 3})
    events = list(store.events())
    jump, command = events[-2], events[-1]
    assert jump.kind == "clock_jump" and jump.payload["delta_seconds"] == -1800.0
    assert command.kind == "waiting_set" and command.payload["clock_jump"] == jump.id
    assert outcome.events == (command,)
    assert heard == [["clock_jump"], ["waiting_set"]]
    assert store.verify().ok
    both(clock, mono, 5)
    assert "clock_jump" not in desk.execute("waiting_set", {"count": 4}).events[0].payload


def test_a_refused_command_still_records_the_jump(store, scripts, clock):
    mono = FakeMonotonic()
    desk = Desk(store, scripts, clock, watch=ClockWatch(clock, mono))
    clock.advance(hours=3)
    outcome = desk.execute("interaction_start")  # not signed in: refused
    assert not outcome.accepted
    assert [e.kind for e in store.events()] == ["clock_jump"]


def test_idle_check_records_the_jump(store, scripts, clock):
    mono = FakeMonotonic()
    desk = Desk(store, scripts, clock, watch=ClockWatch(clock, mono))
    both(clock, mono, 1)
    assert desk.check_clock() is None
    clock.set(clock.now() + timedelta(days=1))  # tomorrow already
    event = desk.check_clock()
    assert event is not None and event.kind == "clock_jump" and event.payload["delta_seconds"] == 86400.0
    assert desk.state.last_event_id == event.id
    assert desk.check_clock() is None


def test_unsaved_jump_is_tried_again(store, scripts, clock, monkeypatch):
    import sqlite3

    mono = FakeMonotonic()
    desk = Desk(store, scripts, clock, watch=ClockWatch(clock, mono))
    clock.advance(hours=-1)
    real = store.append

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "append", full)
    assert desk.check_clock() is None
    monkeypatch.setattr(store, "append", real)
    event = desk.check_clock()
    assert event is not None and event.payload["delta_seconds"] == -3600.0


def test_only_the_system_clock_is_watched_by_default(store, scripts, clock):
    assert Desk(store, scripts, clock).watch is None  # tests and replay set their own times
    watched = Desk(store, scripts, SystemClock())
    assert isinstance(watched.watch, ClockWatch)
    assert watched.check_clock() is None


def test_a_pc_clock_off_from_the_hall_server_is_recorded_for_the_lead(desk):
    assert desk.note_hall_clock(30.0, tolerance_seconds=120) is None  # within tolerance: nothing to say
    before = desk.store.last_id()
    event = desk.note_hall_clock(-600.4, tolerance_seconds=120)
    assert event is not None and event.kind == "hall_clock_offset" and event.id == before + 1
    assert event.payload["offset_seconds"] == -600.4 and event.payload["tolerance_seconds"] == 120
    assert desk.store.verify().ok


# --- issue 12 §5: the last recorded event's time is a floor ------------------------------------------


def test_a_clock_set_back_while_the_program_was_closed_is_recorded_at_start_up(store, scripts, clock):
    """Was: nothing recorded; the next command went into the log dated hours before the one before it."""
    ready_desk(Desk(store, scripts, clock))
    last = store.last_at()
    clock.advance(hours=-3)  # set back while closed
    mono = FakeMonotonic()
    desk = Desk(store, scripts, clock, watch=ClockWatch(clock, mono))  # start-up
    (jump,) = [e for e in store.events() if e.kind == "clock_jump"]
    assert jump.payload["detected"] == "startup" and "monotonic_elapsed" not in jump.payload
    assert jump.payload["wall_before"] == last and jump.payload["delta_seconds"] < -10000
    assert jump.at == format_at(clock.now())  # recorded at its wall time
    outcome = desk.execute("interaction_start")
    assert outcome.accepted and outcome.events[0].at == format_at(clock.now())
    assert outcome.events[0].payload.get("clock_jump") is None  # the jump is already on record before it
    assert [e.kind for e in store.events()].count("clock_jump") == 1


def test_a_clock_behind_the_last_event_unseen_by_the_watch_precedes_the_command(store, scripts, clock):
    mono = FakeMonotonic()
    desk = Desk(store, scripts, clock, watch=ClockWatch(clock, mono))
    ready_desk(desk)
    other = Desk(store, scripts, clock)  # another process recorded an hour ahead (its clock, not ours)
    clock.advance(hours=1)
    assert other.execute("waiting_set", {"count": 2}).accepted
    clock.advance(hours=-1)
    outcome = desk.execute("interaction_start")
    jump = next(e for e in store.events() if e.kind == "clock_jump")
    assert jump.payload["detected"] == "last_event" and jump.id < outcome.events[0].id
    assert outcome.events[0].payload["clock_jump"] == jump.id


def test_within_a_second_of_the_last_event_is_no_jump(store, scripts, clock):
    mono = FakeMonotonic()
    ready_desk(Desk(store, scripts, clock))
    clock.advance(seconds=-0.9)
    Desk(store, scripts, clock, watch=ClockWatch(clock, mono))
    assert "clock_jump" not in [e.kind for e in store.events()]


def test_durations_across_a_clock_set_back_are_clamped_at_zero_and_flagged(store, scripts, clock, tmp_path):
    """Was: the review and the exports showed "问 −10799s" and a negative 用时."""
    from datetime import date

    from assistant.reports.build import build_report
    from assistant.reports.exporting import export
    from assistant.reports.model import CLOCK_BACK, ReportFilter

    mono = FakeMonotonic()
    desk = Desk(store, scripts, clock, watch=ClockWatch(clock, mono))
    ready_desk(desk)
    clock.set(clock.now().replace(hour=12))
    mono.t += 3 * 3600
    assert desk.execute("interaction_start").accepted
    clock.advance(hours=-3)  # set back in the middle of serving
    mono.t += 1
    assert desk.execute("step", {"step": scripts.flow.steps[1].id}).accepted
    clock.advance(seconds=30)
    mono.t += 30
    assert desk.execute("interaction_end").accepted
    flt = ReportFilter(date(2026, 11, 26), date(2026, 11, 26), today=date(2026, 11, 26))
    table = build_report(store, scripts, flt, ["interactions"]).tables["interactions"]
    (row,) = table.dicts()
    assert row["seconds"] == 0 and CLOCK_BACK in row["steps"] and "-" not in row["steps"]
    assert row["clock_jump"]
    export(desk, flt, "csv", tmp_path / "csv", tables=["interactions"])
    text = (tmp_path / "csv" / "interactions.csv").read_text(encoding="utf-8-sig")
    assert CLOCK_BACK in text and ",-" not in text
