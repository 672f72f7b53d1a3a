"""From 30 days before the holiday calendar runs out, the sidebar and the review say that next year's file is
missing and how to install it (the text is the core's: assistant.hours.calendar_notice)."""

from __future__ import annotations

from datetime import date, datetime

from assistant.domain.hours import calendar_notice
from tests.conftest import CST
from ui.review.window import ReviewWindow
from ui.sidebar.window import Sidebar


def test_the_sidebar_banner_tells_the_clerk(qtbot, desk, clock):
    clock.set(datetime(2026, 12, 10, 8, 40, tzinfo=CST))
    sidebar = Sidebar(desk, problems=["hours.toml 第 3 行：示例问题"])
    qtbot.addWidget(sidebar)
    sidebar.show()
    text = sidebar.problems_banner.text()
    assert sidebar.problems_banner.isVisible() and "示例问题" in text
    assert calendar_notice(desk.scripts.hours, date(2026, 12, 10)) in text and "calendar-2027.toml" in text


def test_no_banner_while_the_calendar_is_far_from_its_end(qtbot, desk, clock):
    sidebar = Sidebar(desk)  # the clock stands at 2026-11-26
    qtbot.addWidget(sidebar)
    sidebar.show()
    assert not sidebar.problems_banner.isVisible()


def test_the_review_tells_the_lead(qtbot, desk):
    window = ReviewWindow(desk, today=date(2027, 1, 4))
    qtbot.addWidget(window)
    window.show()
    assert window.calendar_label.isVisible() and "暂定" in window.calendar_label.text()
    assert window.calendar_label.accessibleName()
