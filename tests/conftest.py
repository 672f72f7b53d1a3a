"""Shared fixtures: a fresh database per test, the default scripts, a clock that stands still."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.clock import FixedClock
from assistant.desk import Desk
from assistant.scripts import Scripts, load_scripts
from assistant.store import EventStore

ROOT = Path(__file__).resolve().parent.parent
CST = timezone(timedelta(hours=8))


@pytest.fixture(scope="session")
def scripts() -> Scripts:
    return load_scripts()


@pytest.fixture
def clock() -> FixedClock:
    """Thursday 2026-11-26, 08:40 China Standard Time: twenty minutes before the hall opens."""
    return FixedClock(datetime(2026, 11, 26, 8, 40, tzinfo=CST))


@pytest.fixture
def store(tmp_path: Path):
    with EventStore.open(tmp_path / "assistant.db") as opened:
        yield opened


@pytest.fixture
def desk(store: EventStore, scripts: Scripts, clock: FixedClock) -> Desk:
    return Desk(store, scripts, clock)


def ready_desk(desk: Desk) -> Desk:
    """Sign in and pass every checklist item, so that serving may begin."""
    assert desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"}).accepted
    for item in desk.scripts.checklist.items:
        assert desk.execute("checklist_item", {"item": item.id, "ok": True}).accepted
    assert desk.execute("checklist_submit").accepted
    return desk
