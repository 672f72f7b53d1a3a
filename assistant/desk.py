"""The service desk: one place where a command meets the rules, the clock and the store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant.clock import Clock
from assistant.rules import Command, Refusal, State, decide, evolve, replay
from assistant.scripts import Scripts
from assistant.store import Event, EventStore

# Personal data of the person served never enters a hashed event: the desk files it in the store's
# persons table and hands the rules only its id (so it can be purged and the chain still verifies).
PERSON_KEYS = ("name", "phone", "address")


@dataclass(frozen=True)
class Outcome:
    """What became of a command: the events recorded, or the refusal."""

    events: tuple[Event, ...] = ()
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


Listener = Callable[[Outcome, State], None]


class Desk:
    """Runs commands for one terminal: decide, record, fold into the state, tell the listeners."""

    def __init__(self, store: EventStore, scripts: Scripts, clock: Clock) -> None:
        self.store = store
        self.scripts = scripts
        self.clock = clock
        self.state: State = replay(store.events())
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(outcome, state)` after every command."""
        self._listeners.append(listener)

    def execute(self, kind: str, data: Mapping[str, Any] | None = None) -> Outcome:
        """Run one command now; accepted events are in the store before this returns."""
        now = self.clock.now()
        data = dict(data or {})
        person = data.pop("person", None)
        decision = decide(self.state, Command(kind, data), now, self.scripts)
        if isinstance(decision, Refusal):
            outcome = Outcome(refusal=decision)
        else:
            if person and any(str(person.get(k, "")).strip() for k in PERSON_KEYS):
                person_id = self.store.add_person(
                    **{k: str(person.get(k, "")) for k in PERSON_KEYS}, at=now
                )
                for event in decision:
                    event.payload["person_id"] = person_id
            recorded = self.store.append([(e.kind, e.payload) for e in decision], at=now)
            for event in recorded:
                self.state = evolve(self.state, event.kind, event.payload, event.at, event.id)
            outcome = Outcome(events=tuple(recorded))
        for listener in self._listeners:
            listener(outcome, self.state)
        return outcome
