"""A PDF export over a report the lead still has open in a viewer (Windows: the file is held, os.replace fails
with winerror 32; tests/fakes/win32.py): a Chinese error, the open file untouched, nothing left behind."""

from __future__ import annotations

import os
from datetime import date

import pytest

from assistant.config import paths
from assistant.reports.exporting import ExportError, export
from assistant.reports.model import ReportFilter
from tests.conftest import ready_desk
from tests.fakes.win32 import SharingViolation
from ui.review.pdf_report import write_pdf


def test_a_pdf_held_open_by_a_viewer_is_named_not_silently_kept(qapp, desk, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPLACE_FIRST_DELAY_S", 0.0)
    ready_desk(desk)
    day = date(2026, 11, 26)
    (tmp_path / "exports").mkdir()
    out = tmp_path / "exports" / "十一月.pdf"
    out.write_bytes(b"%PDF- the copy open in the viewer")
    monkeypatch.setattr(os, "replace", SharingViolation(out, held=-1))
    with pytest.raises(ExportError, match="正被其他程序占用"):
        export(desk, ReportFilter(day, day, today=day), "pdf", out, pdf_writer=write_pdf)
    assert out.read_bytes() == b"%PDF- the copy open in the viewer"
    assert sorted(p.name for p in out.parent.iterdir()) == ["十一月.pdf"]
    monkeypatch.setattr(os, "replace", SharingViolation(out, held=2))  # the viewer closed it a moment later
    export(desk, ReportFilter(day, day, today=day), "pdf", out, pdf_writer=write_pdf)
    assert out.read_bytes().startswith(b"%PDF-1")
