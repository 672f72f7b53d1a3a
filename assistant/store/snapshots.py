"""Snapshots of the rules' State: a lossless JSON spelling, so a Desk replays only the events after one.

A snapshot is a cache, never a record: it lives in the store's ``state_snapshots`` table (migration 3), outside
the hash chain, and a missing, unreadable or foreign one only means a replay from further back (at worst from
the first event). Each row names the event it was taken after (``event_id``), that event's chain hash (so a
snapshot can never speak for a different history), and its ``format``.

The format
----------
:func:`to_json` / :func:`from_json` walk the type hints of :class:`assistant.domain.rules.State` (nested frozen
dataclasses, ``X | None``, ``tuple[X, ...]``, fixed tuples, ``Mapping[str, X]``, ``Any`` = a JSON value) —
no field is spelled out here, so a new field of State needs no code, only a default. The text is
:func:`assistant.store.event_log.canonical_json` of the tree. Decoding is strict: a value of the wrong type, a missing
or an unknown field raises :class:`SnapshotError`, and the Desk falls back to an older snapshot.

:data:`FORMAT` changes by itself whenever State's shape *or* the code that folds events into it
(``rules.evolve`` and its helpers) changes: old snapshots then stop matching and are ignored, one full replay
happens, and fresh snapshots follow. ``FORMAT_VERSION`` is bumped by hand for a change of this file's spelling.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import types
import typing
from collections.abc import Mapping
from typing import Any

from assistant.domain import rules
from assistant.domain.rules import State
from assistant.store.event_log import StoreError, canonical_json

FORMAT_VERSION = 1


class SnapshotError(ValueError):
    """The text is not a State of this format."""


# ─── type-hint driven encoding ────────────────────────────────────────────────────────────────────

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        module = __import__(cls.__module__, fromlist=["_"])
        _HINTS[cls] = typing.get_type_hints(cls, vars(module))
    return _HINTS[cls]


def _encode(value: Any, hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return _json_value(value)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise SnapshotError(f"unsupported union {hint}")
        return _encode(value, inner[0])
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise SnapshotError(f"expected {hint.__name__}, got {type(value).__name__}")
        hints = _hints(hint)
        return {f.name: _encode(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(hint)}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return [_encode(v, args[0]) for v in value]
        if len(value) != len(args):
            raise SnapshotError(f"expected {len(args)} items for {hint}, got {len(value)}")
        return [_encode(v, a) for v, a in zip(value, args)]
    if origin in (Mapping, dict, typing.Mapping):
        key_hint, value_hint = args
        if key_hint is not str:
            raise SnapshotError(f"mapping keys must be str: {hint}")
        return {_check(k, str): _encode(v, value_hint) for k, v in value.items()}
    if hint in (str, int, float, bool):
        return _check(value, hint)
    raise SnapshotError(f"unsupported type {hint}")


def _decode(value: Any, hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None:
            if type(None) not in args:
                raise SnapshotError(f"None for {hint}")
            return None
        inner = [a for a in args if a is not type(None)]
        return _decode(value, inner[0])
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise SnapshotError(f"expected an object for {hint.__name__}")
        hints = _hints(hint)
        names = {f.name for f in dataclasses.fields(hint)}
        if set(value) != names:
            raise SnapshotError(f"{hint.__name__}: fields {sorted(set(value) ^ names)} differ")
        return hint(**{name: _decode(value[name], hints[name]) for name in names})
    if origin is tuple:
        if not isinstance(value, list):
            raise SnapshotError(f"expected a list for {hint}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(v, args[0]) for v in value)
        if len(value) != len(args):
            raise SnapshotError(f"expected {len(args)} items for {hint}, got {len(value)}")
        return tuple(_decode(v, a) for v, a in zip(value, args))
    if origin in (Mapping, dict, typing.Mapping):
        if not isinstance(value, dict):
            raise SnapshotError(f"expected an object for {hint}")
        return {k: _decode(v, args[1]) for k, v in value.items()}
    if hint in (str, int, float, bool):
        return _check(value, hint)
    raise SnapshotError(f"unsupported type {hint}")


def _check(value: Any, kind: type) -> Any:
    # bool is an int in Python but not here; an int is accepted for a float (JSON does not keep 1.0 apart)
    ok = (isinstance(value, kind) and (kind is bool or not isinstance(value, bool))) or (
        kind is float and isinstance(value, int) and not isinstance(value, bool)
    )
    if not ok:
        raise SnapshotError(f"expected {kind.__name__}, got {value!r}")
    return value


def _json_value(value: Any) -> Any:
    """An Any field (a matter's payload): must survive JSON as itself (lists stay lists, no tuples)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_value(v) for k, v in value.items()}
    raise SnapshotError(f"not a JSON value: {value!r}")


def to_json(state: State) -> str:
    """The canonical JSON text of state (lossless: from_json(to_json(s)) == s)."""
    return canonical_json(_encode(state, State))


def from_json(text: str) -> State:
    """The State spelled by text; SnapshotError when it is not one (of this format)."""
    try:
        tree = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise SnapshotError(f"not JSON: {exc}") from exc
    try:
        return _decode(tree, State)
    except (TypeError, KeyError, AttributeError) as exc:
        raise SnapshotError(str(exc)) from exc


# ─── the format fingerprint ───────────────────────────────────────────────────────────────────────


def _shape(hint: Any, seen: set[type]) -> str:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if hint in seen:
            return hint.__name__
        seen.add(hint)
        hints = _hints(hint)
        return (
            hint.__name__
            + "{"
            + ",".join(f"{f.name}:{_shape(hints[f.name], seen)}" for f in dataclasses.fields(hint))
            + "}"
        )
    args = typing.get_args(hint)
    if args:
        return f"{typing.get_origin(hint)}[" + ",".join(_shape(a, seen) for a in args) + "]"
    return repr(hint)


def _code_digest(code: types.CodeType, out: hashlib._Hash) -> None:
    out.update(code.co_code)
    out.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, out)
        elif isinstance(const, frozenset):  # set order follows string hashing, which varies per process
            out.update(repr(sorted(repr(c) for c in const)).encode())
        else:
            out.update(repr(const).encode())


# The functions whose code decides what a State is after an event.
_FOLDS = ("evolve", "_evolve_service", "_follow_up_from_matter", "_still_open")


def _fingerprint() -> str:
    digest = hashlib.sha256(_shape(State, set()).encode())
    for name in _FOLDS:
        fn = getattr(rules, name, None)
        if fn is not None:
            _code_digest(fn.__code__, digest)
    return digest.hexdigest()[:16]


FORMAT = f"{FORMAT_VERSION}:{_fingerprint()}"


# ─── restoring and keeping snapshots (the Desk's start-up) ───────────────────────────────────────

EVERY = 2000  # events between snapshots: a start-up replays at most about this many (~0.1 s)
KEEP = 3  # snapshots kept: an unreadable newest one falls back to the one before, not to event 1


class Snapshots:
    """The Desk's snapshots: restore the State at start-up, take a new one every EVERY events.

    A snapshot is written *after* the transaction of the events it follows has committed, in its own
    transaction: a crash between the two only loses the snapshot (the next start replays a little more), and a
    snapshot can never claim events that are not in the log (``EventStore.save_snapshot`` checks the event and
    keeps its chain hash). The Desk's state is snapshotted only while it is the fold of the whole log: if
    another writer's events came between ours, this Desk never writes one again."""

    def __init__(self, store: Any, every: int | None = None) -> None:
        self.store = store
        self.every = every or EVERY
        self.base = 0  # the event the newest snapshot follows
        self.last = 0  # the event the Desk's state follows
        self.whole = True  # the Desk's state is the fold of events 1..last

    def restore(self) -> State:
        """The newest usable snapshot, then the events after it (a snapshot is written when many were)."""
        state, self.base = State(), 0
        for event_id, text in self.store.snapshots(FORMAT):
            try:
                candidate = from_json(text)
            except SnapshotError:
                continue  # unreadable: a cache miss, never an error
            if candidate.last_event_id == event_id:
                state, self.base = candidate, event_id
                break
        folded = 0
        for event in self.store.events(after=self.base):
            state = rules.evolve(state, event.kind, event.payload, event.at, event.id)
            folded += 1
        self.last = state.last_event_id
        if folded >= self.every:
            self._save(state)
        return state

    def followed(self, events: Any, state: State) -> None:
        """The Desk folded `events` (just recorded) into `state`: take a snapshot when it is time."""
        if not events:
            return
        if events[0].id != self.last + 1:
            self.whole = False
        self.last = events[-1].id
        if self.whole and state.last_event_id == self.last and self.last - self.base >= self.every:
            self._save(state)

    def _save(self, state: State) -> None:
        try:
            if self.store.save_snapshot(state.last_event_id, FORMAT, to_json(state), keep=KEEP):
                self.base = state.last_event_id
        except (sqlite3.Error, StoreError, SnapshotError):
            pass  # only a cache: the next start replays from further back
