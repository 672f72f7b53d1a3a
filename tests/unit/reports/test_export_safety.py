"""Exports that cannot destroy or mislead (issue 12 §4): written beside the target and renamed into place,
recorded only once in place, never over a link or a special file, text cells never formulas, control
characters never fatal."""

from __future__ import annotations

import csv
import os
import stat
from datetime import date, datetime

import openpyxl
import pytest

from assistant.reports.exporting import ExportCancelled, ExportError, export
from assistant.reports.model import SPECS, ReportFilter
from tests.conftest import CST

FLT = ReportFilter(date(2026, 11, 26), date(2026, 11, 26), today=date(2026, 11, 26))
EVIL = "=cmd|' /C calc'!A0"


@pytest.fixture
def served(desk, clock):
    """A day whose free text holds a formula, control characters and leading + - @ tab."""
    clock.set(datetime(2026, 11, 26, 8, 40, tzinfo=CST))
    assert desk.execute("sign_in", {"clerk": EVIL, "role": "窗口人员", "window": "@SUM(1+1)"}).accepted
    items = desk.scripts.checklist.items
    assert desk.execute(
        "checklist_item", {"item": items[0].id, "ok": False, "note": "打印机\x00卡纸\x1b[31m-坏了\x7f"}
    ).accepted
    for item in items[1:]:
        assert desk.execute("checklist_item", {"item": item.id, "ok": True, "note": "+1 正常"}).accepted
    assert desk.execute("checklist_submit").accepted
    clock.set(datetime(2026, 11, 26, 9, 1, tzinfo=CST))
    assert desk.execute("interaction_start", {"person": {"phone": "13812341234"}}).accepted
    assert desk.execute("interaction_end").accepted
    return desk


def _events(desk, after: int) -> list[str]:
    return [e.kind for e in desk.store.events(after=after)]


# --- formula injection and control characters ------------------------------------------------------


def test_a_clerk_id_that_is_a_formula_stays_text_in_csv(served, tmp_path):
    """Was: a clerk id =cmd|' /C calc'!A0 became a live formula."""
    folder = tmp_path / "csv"
    export(served, FLT, "csv", folder)
    cells = [
        c
        for p in folder.glob("*.csv")
        for row in csv.reader(p.read_text(encoding="utf-8-sig").splitlines())
        for c in row
    ]
    assert "'" + EVIL in cells and EVIL not in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c.startswith("-") and not c[1:].replace(".", "").isdigit()]


def test_a_clerk_id_that_is_a_formula_is_a_string_cell_in_xlsx(served, tmp_path):
    out = tmp_path / "r.xlsx"
    export(served, FLT, "xlsx", out)
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    evil = [c for c in cells if c.value == EVIL]
    assert evil and all(c.data_type == "s" for c in evil)
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_control_characters_in_a_note_never_make_an_export_fail(served, tmp_path, fmt):
    """Was: one NUL in a fault note made the xlsx export of that period impossible (IllegalCharacterError)."""
    out = tmp_path / ("r.xlsx" if fmt == "xlsx" else "csv")
    export(served, FLT, fmt, out)
    if fmt == "xlsx":
        text = " ".join(
            str(c.value) for ws in openpyxl.load_workbook(out) for row in ws.iter_rows() for c in row
        )
    else:
        text = " ".join(p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv"))
    assert "打印机␀卡纸␛[31m-坏了␡" in text and "\x00" not in text and "\x1b" not in text


# --- atomic: earlier output untouched, nothing partial under the final name -------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_failed_export_leaves_the_earlier_output_untouched(served, tmp_path, fmt, monkeypatch):
    out = tmp_path / ("r.xlsx" if fmt == "xlsx" else "csv")
    export(served, FLT, fmt, out)
    before = {p.name: p.read_bytes() for p in ([out] if fmt == "xlsx" else out.iterdir())}
    last = served.store.last_id()
    import assistant.reports.exporting as exporting

    real = exporting.iter_masked_rows

    def failing(table, masked, rows=None, personal=None):  # dies in the middle of the third table
        for i, row in enumerate(real(table, masked, rows, personal)):
            if table.key == list(SPECS)[2] or i > 0:
                raise OSError(28, "No space left on device")
            yield row

    monkeypatch.setattr(exporting, "iter_masked_rows", failing)
    with pytest.raises(ExportError, match="No space left|无法写入"):
        export(served, FLT, fmt, out)
    after = {p.name: p.read_bytes() for p in ([out] if fmt == "xlsx" else out.iterdir())}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("assistant.db")] == [out.name]
    assert served.store.last_id() == last  # a failed export is not recorded


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_cancelled_export_leaves_nothing_behind(served, tmp_path, fmt, monkeypatch):
    import assistant.reports.exporting as exporting

    real = exporting.iter_masked_rows

    def cancelled(table, masked, rows=None, personal=None):
        if table.key == list(SPECS)[3]:
            raise ExportCancelled("导出已取消。")
        yield from real(table, masked, rows, personal)

    monkeypatch.setattr(exporting, "iter_masked_rows", cancelled)
    out = tmp_path / "new" / ("r.xlsx" if fmt == "xlsx" else "csv")
    with pytest.raises(ExportCancelled):
        export(served, FLT, fmt, out)
    assert list(out.parent.iterdir()) == []


def test_the_export_is_recorded_only_once_the_output_is_in_place(served, tmp_path):
    out = tmp_path / "r.xlsx"
    seen = []
    real = served.execute

    def execute(kind, data=None, **kw):
        if kind == "export":
            wb = openpyxl.load_workbook(out, read_only=True)  # complete, under its final name
            seen.append(wb.sheetnames)
            wb.close()
        return real(kind, data, **kw)

    served.execute = execute
    export(served, FLT, "xlsx", out)
    assert seen and seen[0][0] == "说明"


@pytest.mark.parametrize("hard_links", [True, False], ids=["hard-links", "fat-usb-stick"])
def test_an_export_that_cannot_be_recorded_puts_the_earlier_output_back(
    served, tmp_path, hard_links, monkeypatch
):
    from assistant.desk import Outcome
    from assistant.domain.rules import Refusal

    if not hard_links:  # a file system without hard links: the earlier file is moved aside instead
        monkeypatch.setattr(
            os, "link", lambda *a, **k: (_ for _ in ()).throw(OSError(1, "Operation not permitted"))
        )

    out = tmp_path / "r.xlsx"
    out.write_bytes(b"the earlier export")
    served.execute = lambda kind, data=None, **kw: Outcome(
        refusal=Refusal("not_saved", "记录未能保存：磁盘已满")
    )
    with pytest.raises(ExportError, match="未能记录"):
        export(served, FLT, "xlsx", out)
    assert out.read_bytes() == b"the earlier export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_exports_are_private_to_the_user(served, tmp_path):
    old = os.umask(0o022)
    try:
        export(served, FLT, "xlsx", tmp_path / "r.xlsx")
        export(served, FLT, "csv", tmp_path / "csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.xlsx").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "csv").stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "csv").iterdir()} == {0o600}


# --- refused targets ----------------------------------------------------------------------------------


def test_a_symlink_is_refused_and_its_target_untouched(served, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "r.xlsx"
    link.symlink_to(victim)
    with pytest.raises(ExportError, match="符号链接"):
        export(served, FLT, "xlsx", link)
    assert victim.read_text() == "keep me" and link.is_symlink()


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_an_existing_special_file_is_refused(served, tmp_path):
    fifo = tmp_path / "r.pdf"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match="不是普通文件"):
        export(served, FLT, "xlsx", fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_folder_of_other_things_is_never_replaced_by_a_csv_export(served, tmp_path):
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "letter.docx").write_bytes(b"precious")
    with pytest.raises(ExportError, match="其他文件"):
        export(served, FLT, "csv", docs)
    assert (docs / "letter.docx").read_bytes() == b"precious"
