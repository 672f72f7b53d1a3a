"""The opening calendar: periods of a day, seasons, per-window overrides, holidays and make-up workdays (调休).

Pure data and arithmetic, no I/O: ``assistant.config.scripts`` reads ``hours.toml`` and the yearly
``calendar-YYYY.toml`` files and builds an :class:`Hours`. Which periods apply on a day, most specific first:

1. a holiday of the calendar → none (the hall is closed);
2. a per-window override (``[[window]]`` in hours.toml, e.g. 午间不打烊 or 错时服务) for the clerk's window;
3. the season whose date range holds the day (``[[season]]``, e.g. 夏季作息);
4. the default ``[[period]]`` list.

A make-up workday (调休上班, usually a Saturday or Sunday) runs the periods of the weekday named by its
``like`` (default 1 = Monday). Working days (for due dates in phrases, "N 个工作日") follow the national
calendar only: Monday–Friday, minus holidays, plus make-up workdays — not the hall's own opening hours.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

__all__ = [
    "Calendar",
    "Hours",
    "Period",
    "Season",
    "Thresholds",
    "WindowHours",
]


@dataclass(frozen=True)
class Period:
    """An opening period on some ISO weekdays (1=Mon..7=Sun)."""

    days: tuple[int, ...]
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class Season:
    """A schedule used between two month-days of every year (inclusive; may wrap over the new year)."""

    name: str
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]
    periods: tuple[Period, ...]

    def holds(self, day: datetime.date) -> bool:
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


@dataclass(frozen=True)
class WindowHours:
    """Periods of one window that differ from the hall's (午间不打烊, 错时服务)."""

    window: str
    periods: tuple[Period, ...]
    season: str = ""  # only during this season when set


@dataclass(frozen=True)
class Calendar:
    """Public holidays and make-up workdays (调休上班) of the years it covers; the admin replaces it yearly."""

    years: tuple[int, ...] = ()
    holidays: dict[datetime.date, str] = field(default_factory=dict)
    workdays: dict[datetime.date, tuple[str, int]] = field(
        default_factory=dict
    )  # date → (name, like-weekday)

    def is_holiday(self, day: datetime.date) -> bool:
        return day in self.holidays

    def is_working_day(self, day: datetime.date) -> bool:
        """A working day of the national calendar: Mon–Fri not a holiday, or a make-up workday."""
        if day in self.workdays:
            return True
        return day.isoweekday() <= 5 and day not in self.holidays

    def covers(self, day: datetime.date) -> bool:
        return day.year in self.years

    def __hash__(self) -> int:
        return hash((self.years, tuple(sorted(self.holidays)), tuple(sorted(self.workdays))))


@dataclass(frozen=True)
class Thresholds:
    """Numbers the assistant takes from the rules (and a few of its own defaults)."""

    checklist_lead_minutes: int = 5  # rule 19: on post at least 5 minutes before opening
    ring_count: int = 3  # rule 29
    ring_seconds: int = 5  # rule 29
    call_while_serving_minutes: int = 3  # rule 37
    long_wait_minutes: int = 15  # rule 26: a wait longer than this offers 很抱歉，让您久等了。
    reminder_minutes: int = 15  # checklist reminders start this long before opening
    closing_warning_minutes: int = 10  # the sidebar shows who is waiting this long before closing
    fast_run_seconds: int = 30  # an all-pass checklist run quicker than this is flagged
    fault_long_minutes: int = 10  # rule 24 names no number: a fault this long → take a contact, re-book


@dataclass(frozen=True)
class Hours:
    """Opening hours, thresholds and the holiday calendar."""

    periods: tuple[Period, ...]
    thresholds: Thresholds
    seasons: tuple[Season, ...] = ()
    windows: tuple[WindowHours, ...] = ()
    calendar: Calendar = field(default_factory=Calendar)

    def season_on(self, day: datetime.date) -> Season | None:
        return next((s for s in self.seasons if s.holds(day)), None)

    def periods_on(self, day: datetime.date, window: str | None = None) -> tuple[Period, ...]:
        """The periods open on *day* at *window* (the hall's when None), earliest first."""
        if self.calendar.is_holiday(day):
            return ()
        weekday = day.isoweekday()
        if day in self.calendar.workdays:
            weekday = self.calendar.workdays[day][1]
        season = self.season_on(day)
        candidates = self.periods if season is None else season.periods
        if window:
            for override in self.windows:
                if override.window == window and (
                    not override.season or (season and season.name == override.season)
                ):
                    candidates = override.periods
                    break
        return tuple(sorted((p for p in candidates if weekday in p.days), key=lambda p: p.start))

    def is_working_day(self, day: datetime.date) -> bool:
        return self.calendar.is_working_day(day)

    def add_working_days(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after *start* (before it when n < 0); *start* itself when n == 0."""
        step = 1 if n >= 0 else -1
        day, left = start, abs(n)
        while left:
            day += datetime.timedelta(days=step)
            if self.calendar.is_working_day(day):
                left -= 1
        return day

    def openings(
        self, day: datetime.date, window: str | None, tz: datetime.tzinfo | None
    ) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The periods of *day* as (opening, closing) datetimes in *tz*."""
        return [
            (datetime.datetime.combine(day, p.start, tz), datetime.datetime.combine(day, p.end, tz))
            for p in self.periods_on(day, window)
        ]
