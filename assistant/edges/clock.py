"""The clock the rules read: the system clock in use, a settable one in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The PC's wall clock, in its local time zone."""

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()


class FixedClock:
    """A clock that stands still until told to move: tests set 16:59 and step to 17:00."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to `at`."""
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta given as keywords (minutes=1, seconds=5)."""
        self._at += timedelta(**delta)
        return self._at
