"""Issue 14 item 18: in the pdf, value labels never overlap the chart's title; axis labels are whole numbers."""

from __future__ import annotations

import pytest

from ui.review.pdf_report import bar_chart, bar_layout


@pytest.mark.parametrize("series", [[("a", 1), ("b", 7)], [("09:00", 3)], [("x", 100), ("y", 99.5)]])
def test_value_labels_stay_below_the_title(series):
    title, _top, bars = bar_layout(series, 900, 300)
    for _bar, label, _category in bars:
        assert not label.intersects(title) and label.top() > title.bottom()


def test_the_chart_draws(qapp):
    image = bar_chart("每小时服务人数", [("09:00", 3), ("10:00", 7)])
    assert image.width() == 900 and not image.isNull()
