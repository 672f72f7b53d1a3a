"""The opening calendar: periods, seasons, per-window overrides, holidays and make-up workdays (调休)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.config.scripts import default_dir, load_scripts
from assistant.domain.hours import calendar_notice
from tests import builtin_hours


def hall_with(tmp_path: Path, extra: str) -> Path:
    hall = tmp_path / "hall"
    hall.mkdir()
    text = (default_dir() / "hours.toml").read_text(encoding="utf-8")
    head, sep, tail = text.partition("[thresholds]")
    (hall / "hours.toml").write_text(head + extra + "\n" + sep + tail, encoding="utf-8")
    return hall


def spans(periods) -> list[tuple[str, str]]:
    return [(f"{p.start:%H:%M}", f"{p.end:%H:%M}") for p in periods]


def test_default_two_periods_on_weekdays_none_at_weekend(scripts):
    h = scripts.hours
    assert spans(h.periods_on(date(2026, 11, 26))) == [("09:00", "12:00"), ("13:00", "17:00")]
    assert h.periods_on(date(2026, 11, 28)) == ()  # Saturday


def test_2026_holidays_and_make_up_workdays(scripts):
    h = scripts.hours
    assert 2026 in h.calendar.years
    assert h.periods_on(date(2026, 10, 1)) == () and h.periods_on(date(2026, 2, 16)) == ()
    # 10-10 is a Saturday worked in exchange for the National Day holiday: the hall opens as on a Monday
    assert spans(h.periods_on(date(2026, 10, 10))) == [("09:00", "12:00"), ("13:00", "17:00")]
    assert h.is_working_day(date(2026, 1, 4)) and not h.is_working_day(date(2026, 1, 2))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 26), 0, date(2026, 11, 26)),
        (date(2026, 11, 26), 1, date(2026, 11, 27)),
        (date(2026, 11, 26), 2, date(2026, 11, 30)),  # over the weekend
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # over National Day
        (date(2026, 9, 30), 2, date(2026, 10, 9)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # Saturday 10-10 is a make-up workday
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Sunday 9-20 too
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # the Spring Festival
        (date(2026, 10, 8), -1, date(2026, 9, 30)),
    ],
)
def test_add_working_days_follows_the_calendar(scripts, start, n, expected):
    assert scripts.hours.add_working_days(start, n) == expected
    assert builtin_hours.add_working_days(start, n) == expected


def test_module_level_periods_on_uses_the_built_in_files():
    assert spans(builtin_hours.periods_on(date(2026, 11, 26), "任意窗口")) == [
        ("09:00", "12:00"),
        ("13:00", "17:00"),
    ]


def test_season_and_window_overrides(tmp_path):
    hall = hall_with(
        tmp_path,
        """
[[season]]
name = "夏季作息"
from = "05-01"
to = "09-30"
[[season.period]]
days = [1, 2, 3, 4, 5]
start = "09:00"
end = "12:00"
[[season.period]]
days = [1, 2, 3, 4, 5]
start = "13:30"
end = "17:30"

[[window]]
window = "综合受理1号窗口"
[[window.period]]
days = [1, 2, 3, 4, 5, 6]
start = "09:00"
end = "17:00"

[[window]]
window = "错时2号窗口"
season = "夏季作息"
[[window.period]]
days = [1, 2, 3, 4, 5]
start = "10:00"
end = "18:30"
""",
    )
    scripts = load_scripts(hall)
    assert scripts.problems == ()
    h = scripts.hours
    summer, winter = date(2026, 7, 1), date(2026, 11, 26)
    assert spans(h.periods_on(summer)) == [("09:00", "12:00"), ("13:30", "17:30")]
    assert spans(h.periods_on(winter)) == [("09:00", "12:00"), ("13:00", "17:00")]
    assert spans(h.periods_on(winter, "综合受理1号窗口")) == [("09:00", "17:00")]  # 午间不打烊
    assert spans(h.periods_on(date(2026, 11, 28), "综合受理1号窗口")) == [("09:00", "17:00")]
    assert spans(h.periods_on(summer, "错时2号窗口")) == [("10:00", "18:30")]  # 错时服务, summer only
    assert spans(h.periods_on(winter, "错时2号窗口")) == [("09:00", "12:00"), ("13:00", "17:00")]
    assert h.periods_on(date(2026, 10, 1), "综合受理1号窗口") == ()  # holidays close every window


def test_season_may_wrap_over_the_new_year(tmp_path):
    hall = hall_with(
        tmp_path,
        """
[[season]]
name = "冬季作息"
from = "11-01"
to = "02-28"
[[season.period]]
days = [1, 2, 3, 4, 5]
start = "09:30"
end = "16:30"
""",
    )
    h = load_scripts(hall).hours
    assert spans(h.periods_on(date(2026, 11, 26))) == [("09:30", "16:30")]
    assert spans(h.periods_on(date(2026, 1, 6))) == [("09:30", "16:30")]
    assert spans(h.periods_on(date(2026, 3, 2))) == [("09:00", "12:00"), ("13:00", "17:00")]


@pytest.mark.parametrize(
    ("extra", "field", "needle"),
    [
        (
            (
                '[[season]]\nname = "夏"\nfrom = "13-01"\nto = "09-30"\n[[season.period]]\ndays = [1]\nstart = "09:00"\n'
                'end = "10:00"\n'
            ),
            "season[1].from",
            "月-日",
        ),
        (
            (
                '[[window]]\nwindow = "A"\nseason = "无此作息"\n[[window.period]]\ndays = [1]\nstart = "09:00"\n'
                'end = "10:00"\n'
            ),
            "window[1].season",
            "不存在",
        ),
        (
            (
                '[[window]]\nwindow = "A"\n[[window.period]]\ndays = [1]\nstart = "09:00"\nend = "12:00"\n'
                '[[window.period]]\ndays = [1]\nstart = "11:00"\nend = "13:00"\n'
            ),
            "window[1].period[2].start",
            "重叠",
        ),
    ],
)
def test_bad_hall_hours_fall_back_with_a_chinese_problem(tmp_path, scripts, extra, field, needle):
    loaded = load_scripts(hall_with(tmp_path, extra))
    (problem,) = loaded.problems
    assert problem.field == field and needle in problem.message and problem.line
    assert loaded.hours == scripts.hours


def test_new_thresholds_have_defaults(scripts):
    t = scripts.hours.thresholds
    assert (t.reminder_minutes, t.closing_warning_minutes, t.fast_run_seconds) == (15, 10, 30)
    assert t.checklist_lead_minutes == 5


def test_hall_calendar_replaces_or_adds_a_year(tmp_path):
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "calendar-2027.toml").write_text(
        'schema = 1\nyear = 2027\n[[holiday]]\nname = "元旦"\nfrom = "2027-01-01"\nto = "2027-01-01"\n'
        '[[workday]]\nname = "调休"\ndate = "2027-01-09"\nlike = 5\n',
        encoding="utf-8",
    )
    h = load_scripts(hall).hours
    assert h.calendar.years == (2026, 2027)
    assert h.periods_on(date(2027, 1, 1)) == () and h.periods_on(date(2026, 10, 1)) == ()
    assert len(h.periods_on(date(2027, 1, 9))) == 2
    (hall / "calendar-2026.toml").write_text("schema = 1\nyear = 2026\n", encoding="utf-8")
    # the hall's own 2026 file replaces the built-in one: here it lists no holidays, so 10-01 (Thursday) opens
    assert len(load_scripts(hall).hours.periods_on(date(2026, 10, 1))) == 2


def test_broken_hall_calendar_is_reported_and_the_built_in_one_kept(tmp_path):
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "calendar-2026.toml").write_text(
        'schema = 1\nyear = 2026\n[[holiday]]\nname = "国庆"\nfrom = "2027-10-01"\nto = "2027-10-07"\n',
        encoding="utf-8",
    )
    loaded = load_scripts(hall)
    (problem,) = loaded.problems
    assert problem.field == "holiday[1].from" and "2026" in problem.message and problem.line == 5
    assert loaded.hours.periods_on(date(2026, 10, 1)) == ()


SUMMER = """
[[season]]
name = "夏季作息"
from = "05-01"
to = "09-30"
[[season.period]]
days = [1, 2, 3, 4, 5]
start = "09:00"
end = "12:00"
"""
ALL_YEAR = """
[[window]]
window = "综合受理1号窗口"
[[window.period]]
days = [1, 2, 3, 4, 5]
start = "09:00"
end = "17:00"
"""
SUMMER_ONLY = """
[[window]]
window = "综合受理1号窗口"
season = "夏季作息"
[[window.period]]
days = [1, 2, 3, 4, 5]
start = "08:30"
end = "18:00"
"""


@pytest.mark.parametrize("order", ["all-year first", "season first"])
def test_the_most_specific_window_override_wins_whatever_the_order(tmp_path, order):
    extra = SUMMER + (ALL_YEAR + SUMMER_ONLY if order == "all-year first" else SUMMER_ONLY + ALL_YEAR)
    scripts = load_scripts(hall_with(tmp_path, extra))
    assert scripts.problems == ()
    h = scripts.hours
    assert spans(h.periods_on(date(2026, 7, 1), "综合受理1号窗口")) == [("08:30", "18:00")]  # the season's
    assert spans(h.periods_on(date(2026, 11, 26), "综合受理1号窗口")) == [("09:00", "17:00")]  # all year


@pytest.mark.parametrize(
    ("extra", "when"), [(ALL_YEAR + ALL_YEAR, "全年"), (SUMMER_ONLY + SUMMER_ONLY, "夏季作息")]
)
def test_a_shadowed_window_override_is_a_load_problem_with_file_and_line(tmp_path, extra, when):
    hall = hall_with(tmp_path, SUMMER + extra)
    (problem,) = load_scripts(hall).problems
    text = (hall / "hours.toml").read_text(encoding="utf-8").splitlines()
    second = [n for n, line in enumerate(text, start=1) if line.startswith("window = ")][1]
    assert problem.file == str(hall / "hours.toml") and problem.line == second
    assert (
        problem.field == "window[2].window" and when in problem.message and "永远不会生效" in problem.message
    )


# ── past the calendar files: computed statutory holidays, provisional days, the warning ───────────────


def test_past_the_calendar_the_statutory_holidays_close_the_hall(scripts):
    h = scripts.hours
    new_year = date(2027, 1, 1)
    assert h.provisional(new_year) and not h.provisional(date(2026, 12, 31))
    assert h.holiday_on(new_year) == "元旦" and h.periods_on(new_year) == ()  # nobody is late on 元旦
    assert spans(h.periods_on(date(2027, 1, 4))) == [("09:00", "12:00"), ("13:00", "17:00")]
    assert h.periods_on(date(2027, 10, 1)) == ()  # 国庆节
    # 调休 is unknown: a weekend stays a weekend, a computed holiday is not a working day
    assert not h.is_working_day(date(2027, 1, 2)) and not h.is_working_day(date(2027, 1, 1))
    assert h.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_a_calendar_file_for_the_year_replaces_the_computation(tmp_path, scripts):
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "calendar-2027.toml").write_text(
        'schema = 1\nyear = 2027\n[[holiday]]\nname = "元旦"\nfrom = "2027-01-01"\nto = "2027-01-03"\n'
        '[[workday]]\nname = "元旦调休上班"\ndate = "2027-01-09"\n',
        encoding="utf-8",
    )
    h = load_scripts(hall).hours
    assert not h.provisional(date(2027, 1, 1)) and h.calendar_end() == date(2027, 12, 31)
    assert h.periods_on(date(2027, 1, 3)) == () and spans(h.periods_on(date(2027, 1, 9)))  # the file's 调休
    assert calendar_notice(h, date(2026, 12, 20)) is None


@pytest.mark.parametrize(
    ("today", "needle"),
    [
        (date(2026, 11, 30), None),  # 31 days before the end: nothing yet
        (date(2026, 12, 1), "还有 30 天"),
        (date(2026, 12, 31), "还有 0 天"),
        (date(2027, 1, 1), "暂定"),
    ],
)
def test_the_calendar_warning_starts_thirty_days_before_it_runs_out(scripts, today, needle):
    notice = calendar_notice(scripts.hours, today)
    if needle is None:
        assert notice is None
    else:
        assert needle in notice and "calendar-2027.toml" in notice and "2026-12-31" in notice


def test_the_holidays_library_is_not_imported_for_covered_days():
    import subprocess
    import sys

    code = (
        "import sys, datetime; from assistant.config.scripts import load_scripts; h = load_scripts().hours; "
        "h.periods_on(datetime.date(2026, 11, 26)); h.add_working_days(datetime.date(2026, 11, 26), 20); "
        "print('holidays' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
