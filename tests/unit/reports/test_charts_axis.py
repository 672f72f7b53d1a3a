"""Issue 14 item 18: count axes show whole numbers, percentages 0–100."""

from __future__ import annotations

import pytest

from assistant.reports.charts import value_axis


@pytest.mark.parametrize("peak", [0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 17, 23, 58, 99, 101, 250, 999, 12_345])
def test_count_ticks_are_whole_numbers_covering_the_peak(peak):
    top, steps = value_axis(peak)
    step = top / steps
    assert 1 <= steps <= 6 and top >= peak
    assert step == int(step) and step >= 1
    assert str(int(step))[0] in "125" and set(str(int(step))[1:]) <= {"0"}


def test_percentages_run_from_0_to_100_in_fives():
    assert value_axis(37.5, percent=True) == (100.0, 5)
