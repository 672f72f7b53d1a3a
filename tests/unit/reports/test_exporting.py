"""xlsx and csv exports: sheets, frozen header, masking, BOM, chain hash, the export event."""

from __future__ import annotations

import csv
from datetime import date, datetime

import openpyxl
import pytest

from assistant.reports.exporting import ExportError, export, mask_phone
from assistant.reports.model import SPECS, ReportFilter
from tests.conftest import CST, ready_desk

FLT = ReportFilter(date(2026, 11, 26), date(2026, 11, 26), today=date(2026, 11, 26))


@pytest.fixture
def served(desk, clock):
    ready_desk(desk)
    clock.set(datetime(2026, 11, 26, 9, 1, tzinfo=CST))
    assert desk.execute("interaction_start", {"person": {"phone": "13812341234"}}).accepted
    assert desk.execute("interaction_end").accepted
    return desk


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("请拨 138 1234 1234 联系") == "请拨 138****1234 联系"
    assert mask_phone("12345678901234") == "12345678901234"


def test_xlsx_one_sheet_per_table_frozen_header_masked(served, tmp_path):
    out = tmp_path / "r.xlsx"
    result = export(served, FLT, "xlsx", out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["说明"] + [title for title, _ in SPECS.values()]
    sheet = wb["服务记录"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    phone = sheet.cell(row=2, column=header.index("联系电话") + 1).value
    assert phone == "138****1234"
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert about["链尾哈希"] == result.head_hash
    assert "13812341234" not in str([list(ws.values) for ws in wb])


def test_export_is_recorded_as_an_event(served, tmp_path):
    before = served.store.last_id()
    result = export(served, FLT, "csv", tmp_path / "out")
    events = list(served.store.events(after=before))
    assert [e.kind for e in events] == ["export"]
    p = events[0].payload
    assert (p["from"], p["to"], p["format"], p["masked"]) == ("2026-11-26", "2026-11-26", "csv", True)
    assert p["tables"] == list(SPECS) and p["head_hash"] == result.head_hash


def test_csv_folder_bom_and_unmasked(served, tmp_path):
    folder = tmp_path / "new" / "csv"
    export(served, FLT, "csv", folder, masked=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["about.csv", *(f"{k}.csv" for k in SPECS)])
    raw = (folder / "interactions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader((folder / "interactions.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "记录号" and "13812341234" in rows[1]


def test_bad_paths_are_refused(served, tmp_path):
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ExportError):
        export(served, FLT, "csv", tmp_path / "f.txt")
    with pytest.raises(ExportError):
        export(served, FLT, "xlsx", tmp_path)


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_an_export_never_writes_over_the_database_files(served, suffix):
    target = type(served.store.path)(str(served.store.path) + suffix)
    before = served.store.last_id()
    with pytest.raises(ExportError, match="数据文件"):
        export(served, FLT, "xlsx", target)
    assert served.store.last_id() == before and served.store.check_files() is None
    assert served.store.verify().ok
