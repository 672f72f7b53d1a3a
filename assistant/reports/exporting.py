"""Exports of the review: xlsx (one sheet per table), csv (a folder, one UTF-8-with-BOM file per table).

The pdf writer is Qt's and lives in ``ui/review/pdf_report.py``; callers pass it to :func:`export` for ``pdf``.

* xlsx: first sheet ``说明`` (range, filter, masked or not, the chain head, the columns of every table), then
  one sheet per table titled as in ``reports.SPECS`` with the Chinese labels in a frozen, bold header row.
  openpyxl is imported only here, only when an xlsx is written (write-only mode: steady memory).
* csv: PATH is a folder (created if needed) holding ``<table key>.csv`` per table (e.g. ``checklist.csv``),
  header = the Chinese labels, plus ``about.csv`` with the same facts as the 说明 sheet. Encoding
  ``utf-8-sig`` so Excel opens Chinese correctly.
* Phone numbers in every cell are masked ``138****1234`` unless ``masked=False`` (which needs the lead PIN;
  the caller checks it).
* Every export is recorded through the desk as an ``export`` event {from, to, format, masked, tables, by,
  head_id, head_hash, rows} *before* the file is written, so no export goes unrecorded.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.reports.build import build_report
from assistant.reports.model import SPECS, Report, ReportFilter, Table

FORMATS = ("xlsx", "csv", "pdf")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_PHONE_KEYS = {"phone"}

Progress = Callable[[int, int], bool]  # (done, total) → False to cancel


class ExportError(Exception):
    """A Chinese message for the lead."""


class ExportCancelled(ExportError):
    pass


def mask_phone(text: str) -> str:
    """Mask every mobile number in text (138****1234); a whole phone field keeps only its ends."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _mask_field(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if not digits:
        return value
    masked = mask_phone(value)
    if masked != value:
        return masked
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def iter_masked_rows(table: Table, masked: bool, rows: Iterable[tuple] | None = None) -> Iterator[tuple]:
    """The table's rows (or the given ones), phones masked unless masked=False; streamed page by page from a lazy
    table (``Table.all_rows``), so an export holds one page, not the whole table."""
    rows = table.all_rows() if rows is None else rows
    if not masked:
        yield from rows
        return
    phone_cols = {i for i, key in enumerate(table.keys) if key in _PHONE_KEYS}
    for row in rows:
        yield tuple(
            (_mask_field(v) if i in phone_cols else mask_phone(v)) if isinstance(v, str) and v else v
            for i, v in enumerate(row)
        )


def masked_rows(table: Table, masked: bool) -> list[tuple]:
    return list(iter_masked_rows(table, masked))


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[Path, ...]
    rows: int
    head_id: int
    head_hash: str
    masked: bool


def about_rows(report: Report, masked: bool, generated: datetime) -> list[tuple[str, str]]:
    f = report.filter
    rows = [
        ("报告", "窗口服务助手 · 值班长审阅"),
        ("日期范围", f"{f.start.isoformat()} 至 {f.end.isoformat()}"),
        ("窗口", f.window or "全部"),
        ("工作证编号", f.clerk or "全部"),
        ("岗位", f.role or "全部"),
        ("电话号码", "已遮蔽（138****1234）" if masked else "完整（已验证值班长 PIN）"),
        ("生成时间", generated.isoformat(timespec="seconds")),
        ("链尾事件号", str(report.head_id)),
        ("链尾哈希", report.head_hash),
        (
            "核对方法",
            "python main.py verify-log；链尾事件的哈希应与上一行一致，打印件可作为记录未被改动的凭证",
        ),
    ]
    for table in report.tables.values():
        rows.append(
            (
                f"表 {table.title}（{table.key}）",
                f"{len(table)} 行；列：" + "、".join(f"{c.label}={c.key}" for c in table.columns),
            )
        )
    return rows


def write_csv(
    report: Report, folder: Path, masked: bool, generated: datetime, progress: Progress | None = None
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    about = folder / "about.csv"
    with about.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(("项目", "内容"))
        writer.writerows(about_rows(report, masked, generated))
    files.append(about)
    total, done = sum(len(t) for t in report.tables.values()), 0
    for table in report.tables.values():
        path = folder / f"{table.key}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(table.labels)
            for row in iter_masked_rows(table, masked):
                writer.writerow(row)
                done += 1
                if progress and done % 2000 == 0 and not progress(done, total):
                    raise ExportCancelled("导出已取消。")
        files.append(path)
    return files


def write_xlsx(
    report: Report, path: Path, masked: bool, generated: datetime, progress: Progress | None = None
) -> list[Path]:
    from openpyxl import Workbook  # lazy: only an xlsx export pays for openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def header(ws, labels: Sequence[str]) -> None:
        cells = []
        for label in labels:
            cell = WriteOnlyCell(ws, value=label)
            cell.font, cell.fill = bold, fill
            cells.append(cell)
        ws.append(cells)

    ws = wb.create_sheet("说明")
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    header(ws, ("项目", "内容"))
    for row in about_rows(report, masked, generated):
        ws.append(row)
    total, done = sum(len(t) for t in report.tables.values()), 0
    for table in report.tables.values():
        ws = wb.create_sheet(table.title[:31])
        ws.freeze_panes = "A2"
        for i, column in enumerate(table.columns):
            ws.column_dimensions[_letter(i)].width = max(10, min(40, 2 * len(column.label) + 4))
        header(ws, table.labels)
        for row in iter_masked_rows(table, masked):
            ws.append(row)
            done += 1
            if progress and done % 2000 == 0 and not progress(done, total):
                raise ExportCancelled("导出已取消。")
    wb.save(path)
    return [path]


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _refuse_store_files(out: Path, db: Path) -> None:
    """An export never writes over the database or its companions (judged by stat: nothing here opens them)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = Path(str(db) + suffix)
        same = out.absolute() == target.absolute()
        if not same and out.exists() and target.exists():
            try:
                same = os.path.samefile(out, target)
            except OSError:
                same = False
        if same:
            raise ExportError(f"不能导出到 {out}：这是本助手的数据文件，请另选一个文件名。")


def export(
    desk: Any,
    flt: ReportFilter,
    fmt: str,
    out: Path,
    *,
    masked: bool = True,
    tables: Sequence[str] | None = None,
    by: str = "",
    progress: Progress | None = None,
    report: Report | None = None,
    pdf_writer: Callable[..., list[Path]] | None = None,
) -> ExportResult:
    """Build the report, record the export through the desk's rules, then write the file(s)."""
    if fmt not in FORMATS:
        raise ExportError(f"导出格式“{fmt}”无效，可选：{'、'.join(FORMATS)}。")
    out = Path(out)
    _refuse_store_files(out, Path(desk.store.path))
    if fmt == "csv" and out.exists() and not out.is_dir():
        raise ExportError(f"csv 导出需要一个文件夹，{out} 是文件。")
    if fmt != "csv" and out.is_dir():
        raise ExportError(f"{fmt} 导出需要一个文件路径，{out} 是文件夹。")
    if report is None:
        report = build_report(desk.store, desk.scripts, flt, tables)
    rows = sum(len(t) for t in report.tables.values())
    outcome = desk.execute(
        "export",
        {
            "from": flt.start.isoformat(),
            "to": flt.end.isoformat(),
            "format": fmt,
            "masked": masked,
            "tables": list(report.tables),
            "by": by,
            "head_id": report.head_id,
            "head_hash": report.head_hash,
            "rows": rows,
        },
    )
    if not outcome.accepted:
        raise ExportError(outcome.refusal.reason)
    generated = desk.clock.now()
    try:
        if fmt == "csv":
            files = write_csv(report, out, masked, generated, progress)
        elif fmt == "xlsx":
            files = write_xlsx(report, out, masked, generated, progress)
        else:  # Qt's PDF writer (ui.review.pdf_report.write_pdf), passed in: assistant/ never imports Qt
            if pdf_writer is None:
                raise ExportError("pdf 导出需要图形界面组件（ui.review.pdf_report）。")
            files = pdf_writer(report, out, masked, generated)
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{exc.strerror or exc}") from exc
    return ExportResult(out, tuple(files), rows, report.head_id, report.head_hash, masked)


__all__ = [
    "FORMATS",
    "SPECS",
    "ExportCancelled",
    "ExportError",
    "ExportResult",
    "export",
    "iter_masked_rows",
    "mask_phone",
    "masked_rows",
    "write_csv",
    "write_xlsx",
]
