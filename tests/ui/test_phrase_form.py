"""The phrase form's "N 个工作日内" date follows the national calendar of the loaded scripts."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest
from PySide6.QtWidgets import QComboBox, QSpinBox

from assistant.domain.hours import Period
from ui.dialogs.phrase_form import PhraseForm, RecentValues, add_working_days


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WA_DATA_DIR", str(tmp_path / "data"))


def form_for(qtbot, scripts, today: date, days: int) -> tuple[PhraseForm, QSpinBox]:
    phrase = next(p for p in scripts.phrases.values() if any(f.type == "working-days" for f in p.fields))
    form = PhraseForm(phrase, scripts, today, RecentValues(None))
    qtbot.addWidget(form)
    choice = next(f for f in phrase.fields if f.type == "choice")
    form.findChild(QComboBox, f"field_{choice.name}").setCurrentText(
        next(o for o in choice.options if "工作日" in o)
    )
    field = next(f for f in phrase.fields if f.type == "working-days")
    spin = form.findChild(QSpinBox, f"field_{field.name}")
    spin.setValue(days)
    return form, spin


def test_due_date_skips_holidays_and_counts_make_up_workdays(qtbot, scripts):
    form, spin = form_for(qtbot, scripts, date(2026, 9, 30), 3)
    # 10-1…10-7 National Day; 10-8, 10-9, then Saturday 10-10 is a 调休 make-up workday
    assert "10月10日" in form.preview.text(), form.preview.text()
    assert "10月10日" in spin.toolTip()
    assert add_working_days(scripts.hours, date(2026, 9, 30), 3) == scripts.hours.add_working_days(
        date(2026, 9, 30), 3
    )


def test_due_date_ignores_the_halls_own_opening_days(qtbot, scripts):
    """A hall open on Saturdays and closed on Mondays still counts working days by the calendar."""
    days = (2, 3, 4, 5, 6)
    hours = dataclasses.replace(scripts.hours, periods=(Period(days, time(9), time(12)),), seasons=())
    hall = dataclasses.replace(scripts, hours=hours)
    assert hall.hours.periods_on(date(2026, 11, 28)) and not hall.hours.periods_on(date(2026, 11, 30))
    form, _spin = form_for(qtbot, hall, date(2026, 11, 26), 2)  # Thursday + 2 = Fri 27, Mon 30
    assert "11月30日" in form.preview.text(), form.preview.text()
    assert add_working_days(hall.hours, date(2026, 11, 26), 2) == date(2026, 11, 30)
