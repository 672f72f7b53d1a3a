"""The service desk: one place where a command meets the rules, the clock and the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.config.schema import Scripts
from assistant.domain import personal_data
from assistant.domain.rules import Command, Refusal, State, decide, evolve
from assistant.edges.clock import Clock, SystemClock
from assistant.edges.clockwatch import BACKWARD_SLACK_SECONDS, ClockJump, ClockWatch
from assistant.store.event_log import (
    Event,
    EventStore,
    HeadMoved,
    StoreDetached,
    StoreError,
    canonical_json,
    format_at,
)
from assistant.store.snapshots import Snapshots

# Personal data of the person served never enters a hashed event: the desk files it in the store's
# persons table and hands the rules only its id (so it can be purged and the chain still verifies).
PERSON_KEYS = ("name", "phone", "address")

# Why a write failed, by SQLite's primary result code (sqlite3.Error.sqlite_errorname, e.g. SQLITE_IOERR_WRITE).
_NOT_SAVED_WHY = {
    "SQLITE_FULL": "磁盘已满（数据文件 {path}）。请联系管理员清理磁盘空间",
    "SQLITE_READONLY": "没有写入数据文件 {path} 的权限（文件或所在文件夹只读）。请联系管理员",
    "SQLITE_PERM": "没有写入数据文件 {path} 的权限。请联系管理员",
    "SQLITE_CANTOPEN": "无法打开数据文件 {path} 写入（文件夹不可写或已被移走）。请联系管理员",
    "SQLITE_BUSY": "数据文件 {path} 正被其他程序占用。请稍后再试",
    "SQLITE_LOCKED": "数据文件 {path} 正被其他程序占用。请稍后再试",
    "SQLITE_IOERR": "写入数据文件 {path} 时出错（磁盘可能已满、超出文件大小限制或出现故障）。请联系管理员",
    "SQLITE_NOMEM": "内存不足。请关闭其他程序后再试",
}


def not_saved(exc: Exception, path: object) -> Refusal:
    """The refusal for a command whose events could not be written: code `not_saved`, the reason in Chinese."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    why = _NOT_SAVED_WHY.get("_".join(name.split("_")[:2]))
    if why is None and "disk is full" in str(exc):
        why = _NOT_SAVED_WHY["SQLITE_FULL"]
    if why is None and "readonly" in str(exc):
        why = _NOT_SAVED_WHY["SQLITE_READONLY"]
    if why is None:
        why = (
            f"{exc}（数据文件 {{path}}）。请联系管理员"
            if isinstance(exc, sqlite3.Error)
            else f"{exc}。请联系管理员"
        )
    return Refusal("not_saved", "记录未能保存：" + why.format(path=path) + "；本次操作未生效。")


@dataclass(frozen=True)
class Outcome:
    """What became of a command: the events recorded, or the refusal."""

    events: tuple[Event, ...] = ()
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


Listener = Callable[[Outcome, State], None]

# Appends that lose the race to another writer are decided again; past this many, the command is refused.
_MAX_ATTEMPTS = 20


class Desk:
    """Runs commands for one terminal: decide, record, fold into the state, tell the listeners."""

    def __init__(
        self, store: EventStore, scripts: Scripts, clock: Clock, watch: ClockWatch | None = None
    ) -> None:
        self.store = store
        self.scripts = scripts
        self._exempt = personal_data.exempt_numbers(scripts)  # the scripts' office phones are not personal
        self.clock = clock
        # The PC's clock is watched against a monotonic one (issue 8); a test's FixedClock is not, unless asked.
        self.watch = (
            watch if watch is not None else (ClockWatch(clock) if isinstance(clock, SystemClock) else None)
        )
        self._unsaved_jump: ClockJump | None = None
        if self.watch is not None:
            self.watch.check()  # the baseline: from now on every move of the clock is measured
        # The newest usable snapshot of the state, then only the events after it (assistant/store/snapshots.py).
        self._snapshots = Snapshots(store)
        self.state: State = self._snapshots.restore()
        self._listeners: list[Listener] = []
        if self.watch is not None:
            # The clock set back while the program was closed: the watch cannot see it, the last record can.
            self._unsaved_jump = self._behind_last_event("startup")
            if self._unsaved_jump is not None:
                self.check_clock()

    def reload_scripts(self, scripts: Scripts) -> None:
        """Use newly loaded scripts (the hall changed its scripts folder) from the next command on; the
        recorded state is not touched."""
        self.scripts = scripts
        self._exempt = personal_data.exempt_numbers(scripts)
        self._exempt = personal_data.exempt_numbers(scripts)

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(outcome, state)` after every command."""
        self._listeners.append(listener)

    def execute(
        self,
        kind: str,
        data: Mapping[str, Any] | None = None,
        *,
        prepare: Callable[[sqlite3.Connection], Mapping[str, Any]] | None = None,
    ) -> Outcome:
        """Run one command now; accepted events are in the store before this returns. prepare: a change of the
        store's own tables made in the events' transaction (``EventStore.append``)."""
        return self.execute_all([(kind, data)], prepare=prepare)

    def execute_all(
        self,
        commands: Iterable[tuple[str, Mapping[str, Any] | None]],
        *,
        prepare: Callable[[sqlite3.Connection], Mapping[str, Any]] | None = None,
    ) -> Outcome:
        """Run several commands now as one: each is decided on the state the ones before it leave, and all
        their events are recorded in ONE transaction — all or none; a refusal of any records nothing.

        Why: a replay line `interaction_end {outcome}` stands for two commands (matter, interaction_end).
        Recorded in two transactions, a crash between them left half a line, and re-sending the line after
        the restart recorded the matter twice (found by benchmarks/crash_harness.py).

        Another process may record into the same file (a CLI command, a replay): the decision is made on the
        state after the last event in the file, and if the file moved on before the events are written, the
        commands are decided again on the fresh state (optimistic concurrency, as event stores do).
        """
        commands = [(kind, dict(data or {})) for kind, data in commands]
        jump = self.check_clock()  # a jump is recorded before the command, and the command's events say so
        now = self.clock.now()

        def decide_all() -> tuple[list[tuple[str, dict]], list[dict | None]] | Refusal:
            state = self.state
            events: list[tuple[str, dict]] = []
            persons: list[dict | None] = []
            for kind, data in commands:
                data = dict(data or {})
                person = data.pop("person", None)
                found: list[dict] = []
                data = personal_data.scan(data, self._exempt, found)  # personal data in free text: out
                decided = decide(state, Command(kind, data), now, self.scripts)
                if isinstance(decided, Refusal):
                    return decided
                keep = isinstance(person, Mapping) and any(
                    str(person.get(k, "")).strip() for k in PERSON_KEYS
                )
                for event in decided:  # provisional: the next command is decided on this state
                    state = evolve(state, event.kind, event.payload, format_at(now))
                    payload = {**event.payload, "clock_jump": jump.id} if jump else event.payload
                    events.append((event.kind, payload))
                    text = canonical_json(payload)
                    items = [item for item in found if item["token"] in text]
                    form = person if keep else None
                    persons.append({"form": form, "found": items} if items else form)
            return events, persons

        outcome = self._record(decide_all, now, prepare)
        self._tell(outcome)
        return outcome

    def _record(
        self,
        decide_all: Callable[[], tuple[list[tuple[str, dict]], list[dict | None]] | Refusal],
        at: Any,
        prepare: Callable[[sqlite3.Connection], Mapping[str, Any]] | None = None,
    ) -> Outcome:
        """Decide on the freshest state and append; again on a moved head; mend a detached store."""
        for _ in range(_MAX_ATTEMPTS):
            try:
                self._catch_up()
                self._reattach_if_needed()
            except (sqlite3.Error, StoreError) as exc:
                return Outcome(refusal=not_saved(exc, self.store.path))
            decided = decide_all()
            if isinstance(decided, Refusal):
                return Outcome(refusal=decided)
            events, persons = decided
            if not events:
                return Outcome()
            try:
                recorded = self.store.append(
                    events, at=at, expected_last_id=self.state.last_event_id, persons=persons, prepare=prepare
                )
            except HeadMoved:
                continue  # another process recorded meanwhile: fold its events in, decide again
            except StoreDetached:
                # Committed, but into files another process deleted: put them back into the file first.
                try:
                    recovered = self._reattach_if_needed() or []
                except (sqlite3.Error, StoreError) as exc:
                    return Outcome(refusal=not_saved(exc, self.store.path))
                return Outcome(events=tuple(recovered))
            except (sqlite3.Error, StoreError) as exc:
                # Disk full, read-only file, lock held elsewhere…: nothing was recorded, so nothing is folded
                # in either; the clerk is told the record was not saved, and the program runs on.
                return Outcome(refusal=not_saved(exc, self.store.path))
            for event in recorded:
                self.state = evolve(self.state, event.kind, event.payload, event.at, event.id)
            self._snapshots.followed(recorded, self.state)
            return Outcome(events=tuple(recorded))
        return Outcome(
            refusal=Refusal(
                "not_saved", "记录未能保存：其他程序正在连续写入同一数据文件；本次操作未生效，请稍后再试。"
            )
        )

    def _catch_up(self) -> None:
        """Fold in the events other processes recorded since our last one."""
        fresh = list(self.store.events(after=self.state.last_event_id))
        for event in fresh:
            self.state = evolve(self.state, event.kind, event.payload, event.at, event.id)
        self._snapshots.followed(fresh, self.state)

    def _reattach_if_needed(self) -> list[Event] | None:
        """When the store's files were deleted or replaced under it: reopen, re-append what the file lost, and
        rebuild the state from the file; the re-appended events, or None when the files were fine. Raises
        StoreError (nothing can be recorded) while that cannot be done."""
        if self.store.detached is None and self.store.check_files() is None:
            return None
        recovered = self.store.reattach()
        self._snapshots = Snapshots(self.store)
        self.state = self._snapshots.restore()
        return recovered

    def check_store(self) -> Outcome | None:
        """Check that the store still writes the files at its path (the GUI's ticker calls this every second)
        and mend it when not: the outcome (what was re-appended, or why nothing can be recorded) also goes to
        the listeners; None when all is well."""
        try:
            recovered = self._reattach_if_needed()
        except (sqlite3.Error, StoreError) as exc:
            outcome = Outcome(refusal=not_saved(exc, self.store.path))
        else:
            if recovered is None:
                return None
            outcome = Outcome(events=tuple(recovered))
        self._tell(outcome)
        return outcome

    def _tell(self, outcome: Outcome) -> None:
        for listener in self._listeners:
            listener(outcome, self.state)

    def note_hall_clock(self, offset_seconds: float, tolerance_seconds: float) -> Event | None:
        """Record that the PC's clock differs from the hall server's by more than the tolerance (issue 8);
        the recorded `hall_clock_offset` event, or None when the clocks agree or the disk refuses."""
        if abs(offset_seconds) <= tolerance_seconds:
            return None
        now = self.clock.now()
        payload = {
            "offset_seconds": round(offset_seconds, 3),
            "tolerance_seconds": tolerance_seconds,
            "local_time": now.isoformat(timespec="seconds"),
        }
        outcome = self._record(lambda: ([("hall_clock_offset", payload)], [None]), now)
        if not outcome.events:
            return None
        self._tell(outcome)
        return outcome.events[-1]

    def check_clock(self) -> Event | None:
        """Record a jump of the wall clock since the last check as a `clock_jump` event (before every command,
        and once a second from the GUI's ticker while idle); the recorded event, or None."""
        if self.watch is None:
            return None
        jump = self.watch.check() or self._unsaved_jump or self._behind_last_event("last_event")
        if jump is None:
            return None
        outcome = self._record(lambda: ([("clock_jump", jump.payload())], [None]), jump.wall_after)
        if not outcome.events:
            self._unsaved_jump = jump  # tried again at the next check; the command itself reports the disk
            return None
        self._unsaved_jump = None
        self._tell(outcome)
        return outcome.events[-1]

    def _behind_last_event(self, detected: str) -> ClockJump | None:
        """The time of the last recorded event is a floor: a wall clock more than a second before it was set
        back (while the program was closed, or unseen by the watch), and the jump is recorded before anything
        is recorded at the wall time."""
        try:
            last = self.store.last_at()
        except (sqlite3.Error, StoreError):
            return None
        if last is None:
            return None
        before, now = datetime.fromisoformat(last), self.clock.now()
        if now.tzinfo is None:
            now = now.astimezone()
        delta = (now - before).total_seconds()
        if delta >= -BACKWARD_SLACK_SECONDS:
            return None
        return ClockJump(before, now, None, delta, detected)
