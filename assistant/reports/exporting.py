"""Exports of the review: xlsx (one sheet per table), csv (a folder, one UTF-8-with-BOM file per table).

The pdf writer is Qt's and lives in ``ui/review/pdf_report.py``; callers pass it to :func:`export` for ``pdf``.

* xlsx: first sheet ``说明`` (range, filter, masked or not, the chain head, the columns of every table), then
  one sheet per table titled as in ``reports.SPECS`` with the Chinese labels in a frozen, bold header row.
  openpyxl is imported only here, only when an xlsx is written (write-only mode: steady memory).
* csv: PATH is a folder (created if needed) holding ``<table key>.csv`` per table (e.g. ``checklist.csv``),
  header = the Chinese labels, plus ``about.csv`` with the same facts as the 说明 sheet. Encoding
  ``utf-8-sig`` so Excel opens Chinese correctly.
* Phone numbers in every cell are masked ``138****1234``, and the personal data behind the placeholders of
  free text (``〔证件号#17〕``, assistant/domain/personal_data.py) shown masked, unless ``masked=False``. Every export
  holds other people's records and needs the lead PIN (the caller checks it).
* Every export is recorded through the desk as an ``export`` event {from, to, format, masked, tables, by,
  head_id, head_hash, rows} once the output is in place; when it cannot be recorded, the earlier output is put
  back, so no export goes unrecorded.
* Atomic: the output is written to a temporary file (csv: folder) beside the target, fsynced and checked (the
  xlsx opens, the pdf is complete, every csv table has its rows), and only then renamed into place; an existing
  output is kept under a backup name until the new one is in place and recorded. Killed or failed midway, the
  earlier output is untouched and nothing partial is left under the final name.
* Refused: the database and its companions, a symbolic link, anything that is not a regular file (csv: a
  folder holding anything but an earlier export).
* Cells as text: a text cell starting with = + - @ tab or CR gets a leading apostrophe in csv and is an explicit
  string cell in xlsx (OWASP CSV injection); control characters are shown as their visible symbols (␀, ␛…),
  which also keeps openpyxl from refusing them.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from assistant.config import paths
from assistant.domain import personal_data
from assistant.reports.build import build_report
from assistant.reports.model import SPECS, Report, ReportFilter, Table

FORMATS = ("xlsx", "csv", "pdf")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_KEYS = {"phone"}

Progress = Callable[[int, int], bool]  # (done, total) → False to cancel


class PdfWriter(Protocol):
    """Qt's pdf writer (ui.review.pdf_report.write_pdf), passed in: assistant/ never imports Qt."""

    def refusal(self) -> str:
        """Why no pdf can be written here (Chinese; "" when one can), asked before anything is written."""

    def __call__(self, report: Report, path: Path, masked: bool, generated: datetime) -> list[Path]:
        """Write the pdf; the files written."""


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


def visible(text: str) -> str:
    """Control characters (NUL, ESC…) as their visible Unicode symbols (␀, ␛…); tab and line breaks stay."""
    return _CONTROL.sub(lambda m: "\u2421" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)


def is_formula_like(value: Any) -> bool:
    """A text a spreadsheet would run as a formula (OWASP CSV injection)."""
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def iter_masked_rows(
    table: Table,
    masked: bool,
    rows: Iterable[tuple] | None = None,
    personal: Callable[[int], dict | None] | None = None,
) -> Iterator[tuple]:
    """The table's rows (or the given ones), phones masked unless masked=False, control characters made visible;
    streamed page by page from a lazy table (``Table.all_rows``), so an export holds one page, not the whole
    table. With `personal` (the store's persons lookup), the placeholders of personal data found in free text
    (〔证件号#17〕) show it, masked or not."""
    rows = table.all_rows() if rows is None else rows
    phone_cols = {i for i, key in enumerate(table.keys) if key in _PHONE_KEYS} if masked else set()
    for row in rows:
        yield tuple(_cell(v, masked, i in phone_cols, personal) for i, v in enumerate(row))


def _cell(value: Any, masked: bool, phone: bool, personal: Callable[[int], dict | None] | None) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if personal is not None and "〔" in value:
        value = personal_data.fill(value, personal, masked)
    if masked:
        value = _mask_field(value) if phone else mask_phone(value)
    return visible(value)


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
        ("个人信息遮蔽", "已遮蔽（电话 138****1234，证件号 1101**********002X）" if masked else "完整"),
    ]
    if getattr(
        report, "source", ""
    ):  # a hall report (assistant.hall.review.HallReport): personal data never leaves
        rows.append(
            ("个人信息", "来自大厅数据库：不含服务对象的姓名、电话、地址，这些只保存在记录它们的终端上")
        )
    rows += [
        ("生成时间", generated.isoformat(timespec="seconds")),
        ("链尾事件号", str(report.head_id)),
        ("链尾哈希", report.head_hash),
        (
            "核对方法",
            "python main.py verify-log --anchor 链尾事件号:链尾哈希（再加 --key 值班长的校验密钥）；"
            "链尾之前的记录被改写或截去时校验不通过",
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


def _csv_text(value: Any) -> Any:
    return "'" + value if is_formula_like(value) else value


def _private(path: str, flags: int) -> int:
    """open() for the export's files: readable by the user only."""
    return os.open(path, flags, 0o600)


def write_csv(
    report: Report, folder: Path, masked: bool, generated: datetime, progress: Progress | None = None
) -> list[Path]:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = []
    about = folder / "about.csv"
    with open(about, "w", encoding="utf-8-sig", newline="", opener=_private) as f:
        writer = csv.writer(f)
        writer.writerow(("项目", "内容"))
        writer.writerows(
            tuple(_csv_text(visible(v)) for v in row) for row in about_rows(report, masked, generated)
        )
    files.append(about)
    total, done = sum(len(t) for t in report.tables.values()), 0
    for table in report.tables.values():
        path = folder / f"{table.key}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="", opener=_private) as f:
            writer = csv.writer(f)
            writer.writerow(table.labels)
            for row in iter_masked_rows(table, masked, personal=report.personal):
                writer.writerow(tuple(_csv_text(v) for v in row))
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

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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

    def text_cells(row: Sequence[Any]) -> list[Any]:
        out = []
        for value in row:
            if is_formula_like(value):  # openpyxl would write "=…" as a live formula
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                value = cell
            out.append(value)
        return out

    header(ws, ("项目", "内容"))
    for row in about_rows(report, masked, generated):
        ws.append(text_cells([visible(v) for v in row]))
    total, done = sum(len(t) for t in report.tables.values()), 0
    try:
        for table in report.tables.values():
            ws = wb.create_sheet(table.title[:31])
            ws.freeze_panes = "A2"
            for i, column in enumerate(table.columns):
                ws.column_dimensions[_letter(i)].width = max(10, min(40, 2 * len(column.label) + 4))
            header(ws, table.labels)
            for row in iter_masked_rows(table, masked, personal=report.personal):
                ws.append(text_cells(row))
                done += 1
                if progress and done % 2000 == 0 and not progress(done, total):
                    raise ExportCancelled("导出已取消。")
    except BaseException as exc:
        # Each write-only sheet streams into a temporary file of openpyxl's: end them and remove them.
        for sheet in wb.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()
            written = getattr(getattr(sheet, "_writer", None), "out", None)
            if written:
                with contextlib.suppress(OSError):
                    os.remove(written)
        if type(exc).__module__.startswith(
            "lxml"
        ):  # lxml reports a full disk as SerialisationError(IO_EFBIG…)
            raise OSError(f"写入 xlsx 的临时文件失败（{exc}，磁盘可能已满）") from exc
        raise
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


def _check_target(out: Path, fmt: str) -> None:
    """Refuse what an export must not replace: a symlink, a non-regular file, a folder of other things."""
    if out.is_symlink():
        raise ExportError(f"不能导出到 {out}：这是一个符号链接，请另选一个文件名。")
    if not out.exists():
        return
    if fmt == "csv":
        if not out.is_dir():
            raise ExportError(f"csv 导出需要一个文件夹，{out} 是文件。")
        foreign = [p.name for p in out.iterdir() if p.suffix != ".csv" or not p.is_file() or p.is_symlink()]
        if foreign or (any(out.iterdir()) and not (out / "about.csv").is_file()):
            raise ExportError(
                f"文件夹 {out} 已存在，且不是以前导出的 csv 文件夹（含有其他文件）；"
                "请另选一个新的或空的文件夹。"
            )
    elif out.is_dir():
        raise ExportError(f"{fmt} 导出需要一个文件路径，{out} 是文件夹。")
    elif not out.is_file():
        raise ExportError(f"不能导出到 {out}：它不是普通文件（可能是设备或管道），请另选一个文件名。")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_written(fmt: str, temp: Path, report: Report) -> None:
    """The output is whole: the xlsx opens, the pdf ends with its trailer, every csv table has its rows."""
    if fmt == "xlsx":
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = load_workbook(temp, read_only=True)
            names = wb.sheetnames
            wb.close()
        except (
            OSError,
            InvalidFileException,
            KeyError,
            ValueError,
        ) as exc:  # zipfile.BadZipFile is an OSError
            raise ExportError(f"写出的 xlsx 文件不完整（{exc}）") from exc
        if len(names) != len(report.tables) + 1:
            raise ExportError(
                f"写出的 xlsx 文件不完整：应有 {len(report.tables) + 1} 张表，只有 {len(names)} 张"
            )
    elif fmt == "pdf":
        with open(temp, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 1024))
            tail = f.read()
        if b"%%EOF" not in tail:
            raise ExportError("写出的 pdf 文件不完整（可能磁盘已满）")
    else:
        for table in report.tables.values():
            with open(temp / f"{table.key}.csv", encoding="utf-8-sig", newline="") as f:
                found = sum(1 for _ in csv.reader(f)) - 1
            if found != len(table):
                raise ExportError(f"写出的 {table.key}.csv 不完整：应有 {len(table)} 行，只有 {found} 行")


def _linked(existing: Path, new: Path) -> bool:
    try:
        os.link(existing, new)
    except OSError:
        return False
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


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
    pdf_writer: PdfWriter | None = None,
) -> ExportResult:
    """Build the report, write it beside `out`, check it, put it in place, then record the export through the
    desk's rules (the earlier output comes back when the record cannot be saved)."""
    if fmt not in FORMATS:
        raise ExportError(f"导出格式“{fmt}”无效，可选：{'、'.join(FORMATS)}。")
    out = Path(out)
    try:
        _refuse_store_files(out, Path(desk.store.path))
        _check_target(out, fmt)
    except OSError as exc:  # a name too long, a folder that cannot be read
        raise ExportError(f"不能导出到 {out}：{exc.strerror or exc}") from exc
    if fmt == "pdf":
        if pdf_writer is None:
            raise ExportError("pdf 导出需要图形界面组件（ui.review.pdf_report）。")
        if why := pdf_writer.refusal():  # no Chinese font: a pdf of boxes is refused, not written
            raise ExportError(why)
    if report is None:
        report = build_report(desk.store, desk.scripts, flt, tables)
        report.personal = desk.store.person
    rows = sum(len(t) for t in report.tables.values())
    generated = desk.clock.now()
    temp: Path | None = None
    backup: Path | None = None
    placed = False
    try:
        out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        hidden = f".{out.name[:100]}."
        if fmt == "csv":
            temp = Path(tempfile.mkdtemp(prefix=hidden, suffix=".part", dir=out.parent))  # mode 0700
            files = write_csv(report, temp, masked, generated, progress)
            for path in files:
                _fsync(path)
        else:
            fd, name = tempfile.mkstemp(prefix=hidden, suffix=f".part.{fmt}", dir=out.parent)  # mode 0600
            os.close(fd)
            temp = Path(name)
            if fmt == "xlsx":
                write_xlsx(report, temp, masked, generated, progress)
            else:  # Qt's PDF writer (ui.review.pdf_report.write_pdf), passed in: assistant/ never imports Qt
                assert pdf_writer is not None  # refused above
                pdf_writer(report, temp, masked, generated)
            _fsync(temp)
        _check_written(fmt, temp, report)
        if out.exists():  # kept until the new output is in place and recorded
            backup = out.with_name(f".{out.name[:100]}.{uuid.uuid4().hex[:8]}.old")
            # a file stays at its name (a second link; it is replaced in one step below); a folder, or a file
            # on a file system without hard links (a FAT USB stick), moves aside
            if fmt == "csv" or not _linked(out, backup):
                os.rename(out, backup)
        paths.replace_file(temp, out)  # retried while Excel or a scanner holds `out` (Windows)
        placed = True
        temp = None
        if os.name == "posix":  # the rename itself on disk (Windows cannot open a folder to flush it)
            _fsync(out.parent)
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
            raise ExportError(f"导出未能记录，已撤回：{outcome.refusal.reason}")
    except BaseException as exc:
        if placed:  # the new output is not recorded: the earlier one (or nothing) goes back
            _remove(out)
        if backup is not None:
            if out.exists():
                _remove(backup)
            else:
                os.rename(backup, out)
        if temp is not None:
            _remove(temp)
        if isinstance(exc, OSError):
            raise ExportError(f"无法写入 {out}：{exc.strerror or exc}；原有文件未改动。") from exc
        raise
    if backup is not None:
        _remove(backup)
    final = [out / p.name for p in files] if fmt == "csv" else [out]
    return ExportResult(out, tuple(final), rows, report.head_id, report.head_hash, masked)


__all__ = [
    "FORMATS",
    "SPECS",
    "ExportCancelled",
    "ExportError",
    "ExportResult",
    "PdfWriter",
    "export",
    "is_formula_like",
    "iter_masked_rows",
    "mask_phone",
    "masked_rows",
    "visible",
    "write_csv",
    "write_xlsx",
]
