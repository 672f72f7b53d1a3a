"""Opening hours of the built-in scripts_zh/ (tests only: the core always passes its Hours)."""

from __future__ import annotations

import datetime

from assistant.domain.hours import Hours, Period


def _default_hours() -> Hours:
    from assistant.config.scripts import load_scripts

    return load_scripts().hours


def periods_on(
    day: datetime.date, window: str | None = None, hours: Hours | None = None
) -> tuple[Period, ...]:
    """The periods open on *day* at *window*, from *hours* or the built-in hours.toml and calendar."""
    return (hours or _default_hours()).periods_on(day, window)


def add_working_days(start: datetime.date, n: int, hours: Hours | None = None) -> datetime.date:
    """The n-th working day after *start*, by *hours*' calendar or the built-in one (for 'N 个工作日')."""
    return (hours or _default_hours()).add_working_days(start, n)
