"""The opening calendar: periods of a day, seasons, per-window overrides, holidays and make-up workdays (调休).

Pure data and arithmetic, no I/O: ``assistant.config.scripts`` reads ``hours.toml`` and the yearly
``calendar-YYYY.toml`` files and builds an :class:`Hours`. Which periods apply on a day, most specific first:

1. a holiday of the calendar → none (the hall is closed);
2. a per-window override (``[[window]]`` in hours.toml, e.g. 午间不打烊 or 错时服务) for the clerk's window:
   one limited to the season in force beats an all-year one, whatever their order in the file (two overrides
   of the same window and season are refused when the file is loaded);
3. the season whose date range holds the day (``[[season]]``, e.g. 夏季作息);
4. the default ``[[period]]`` list.

A make-up workday (调休上班, usually a Saturday or Sunday) runs the periods of the weekday named by its
``like`` (default 1 = Monday). Working days (for due dates in phrases, "N 个工作日") follow the national
calendar only: Monday–Friday, minus holidays, plus make-up workdays — not the hall's own opening hours.

A day no calendar file covers is *provisional*: its holidays come from the ``holidays`` library's computation
of China's statutory holidays (imported only then), and its make-up workdays are unknown (a weekend stays a
weekend). Records of such a day say so, and the review does not count lateness on it until a file covers it.
From ``CALENDAR_WARNING_DAYS`` before the last covered day, :func:`calendar_notice` tells people to install
next year's file.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

__all__ = [
    "Calendar",
    "Hours",
    "Period",
    "Season",
    "Thresholds",
    "WindowHours",
    "calendar_notice",
]

CALENDAR_WARNING_DAYS = 30


@functools.cache
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """China's statutory holidays of *year* as the ``holidays`` library computes them (names in Chinese)."""
    import holidays  # ~100 ms: only when a date outside every calendar file is asked about

    return dict(holidays.China(years=year, language="zh_CN"))


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
    ring_count: int = 3  # rule 29: answer within 3 rings or 5 s
    ring_seconds: int = 5  # rule 29
    apology_rings: int = 5  # rule 29: after more than 5 rings, apologise first
    apology_seconds: int = 8  # the same in seconds: 3 rings ≈ 5 s, so 5 rings ≈ 8 s
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

    def provisional(self, day: datetime.date) -> bool:
        """No calendar file covers *day*: its holidays are computed, its make-up workdays unknown."""
        return not self.calendar.covers(day)

    def holiday_on(self, day: datetime.date) -> str | None:
        """The holiday's name on *day*, from the calendar files or, past them, from the statutory computation."""
        if self.calendar.covers(day):
            return self.calendar.holidays.get(day)
        return statutory_holidays(day.year).get(day)

    def calendar_end(self) -> datetime.date | None:
        """The last day the calendar files cover (None without any)."""
        return datetime.date(max(self.calendar.years), 12, 31) if self.calendar.years else None

    def periods_on(self, day: datetime.date, window: str | None = None) -> tuple[Period, ...]:
        """The periods open on *day* at *window* (the hall's when None), earliest first."""
        if self.holiday_on(day) is not None:
            return ()
        weekday = day.isoweekday()
        if day in self.calendar.workdays:
            weekday = self.calendar.workdays[day][1]
        season = self.season_on(day)
        candidates = self.periods if season is None else season.periods
        if window:  # the most specific override wins: one for the season in force, else an all-year one
            overrides = [o for o in self.windows if o.window == window]
            chosen = next((o for o in overrides if season and o.season == season.name), None) or next(
                (o for o in overrides if not o.season), None
            )
            if chosen is not None:
                candidates = chosen.periods
        return tuple(sorted((p for p in candidates if weekday in p.days), key=lambda p: p.start))

    def is_working_day(self, day: datetime.date) -> bool:
        if self.calendar.covers(day):
            return self.calendar.is_working_day(day)
        return day.isoweekday() <= 5 and self.holiday_on(day) is None

    def add_working_days(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after *start* (before it when n < 0); *start* itself when n == 0."""
        step = 1 if n >= 0 else -1
        day, left = start, abs(n)
        while left:
            day += datetime.timedelta(days=step)
            if self.is_working_day(day):
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


def calendar_notice(hours: Hours, today: datetime.date) -> str | None:
    """What the clerk, the lead and the hall are told when the holiday calendar runs out (None while it is fine).

    From CALENDAR_WARNING_DAYS before its last day: next year's file is missing and how to install it; past it:
    today is provisional as well."""
    end = hours.calendar_end()
    if end is not None and (end - today).days > CALENDAR_WARNING_DAYS:
        return None
    year = today.year + 1 if end is not None and today <= end else today.year
    install = (
        f"请管理员按国务院办公厅公布的放假安排编写 calendar-{year}.toml（格式同 calendar-{year - 1}.toml），"
        "放进大厅话术文件夹（--scripts 指定的文件夹，放入后自动载入），或放进 scripts_zh/ 后重新启动助手。"
    )
    if end is not None and today <= end:
        return (
            f"节假日文件只到 {end:%Y-%m-%d}（还有 {(end - today).days} 天），{year} 年的文件还没有。{install}"
        )
    covered = f"节假日文件只到 {end:%Y-%m-%d}" if end is not None else "没有节假日文件"
    return (
        f"{covered}，今天 {today:%Y-%m-%d} 起的节假日按法定节假日推算，调休上班日未知，相关记录标为“暂定”，"
        f"暂定日的迟到在审阅统计中暂不计入。{install}"
    )
