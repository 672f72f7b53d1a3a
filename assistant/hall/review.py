"""The lead's review over the hall database: every window, every clerk, one filter (Qt-free).

For a filter, each terminal of the hall is mirrored into a local cache (``data_dir()/hall-cache/<terminal>.db``,
brought up to date incrementally by :meth:`assistant.hall.reader.HallReader.mirror`; a cache that no longer matches the
hall's chain head is rebuilt), :func:`assistant.reports.build.build_report` runs on each copy unchanged, and the tables
are merged into one :class:`HallReport`:

* every table gets a leading column ``terminal`` 终端, rows terminal by terminal (terminal ids in order);
* a row's target (what an acknowledgement is about) becomes ``{"terminal": …, "target": event id}``; the lead's
  acknowledgement of such a row is the command ``hall_ack`` {terminal, target, comment}, recorded on the lead's own
  terminal and pushed to the hall like any event; the merge writes those comments into the ``lead_comment``
  columns of the rows they name and lists them in ``notes``;
* the filter lists (windows, clerks) are every one that signed in at any terminal (``known_people()``);
* ``head_hash`` names every terminal's chain head (``终端 #id 哈希；…``), ``head_id`` is the sum of the heads (the
  number of events merged); :func:`chain_line` is the line the CLI and the window show;
* two tables are added at the end: ``hall_terminals`` 大厅终端 (each terminal's head, what was merged, and how often someone signed in there
  under another window name than the enrolled one) and
  ``hall_rejections`` 大厅拒收 (events the hall refused: a forged, rewritten or reordered record). A terminal the
  hall refused events from is merged only up to the last event the hall accepted, and says so: nothing refused
  is merged, nothing refused is left unsaid.

:class:`LocalSource` and :class:`HallSource` are the two report sources the review window reads.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.config import paths
from assistant.config.schema import Scripts
from assistant.hall.config import (
    HallError,
    Login,
    hall_url,
    load_enrolment,
    safe_url,
    tty_login,
    url_without_password,
)
from assistant.hall.reader import HallReader, Rejection, TerminalInfo
from assistant.reports.build import build_report
from assistant.reports.model import SPECS, Column, Report, ReportFilter, Table
from assistant.store.event_log import GENESIS_HASH, EventStore, StoreError

CACHE_DIR = "hall-cache"
HALL_ACK_KIND = "hall_ack"
TERMINAL = Column("terminal", "终端")
YES, NO = "是", "否"

HALL_TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "hall_terminals": (
        "大厅终端",
        (
            TERMINAL,
            Column("head_id", "链尾事件号"),
            Column("head_hash", "链尾哈希"),
            Column("merged", "已合并至"),
            Column("refused", "有拒收"),
            Column("last_seen", "最后上传"),
            Column("window_mismatches", "签到窗口名与登记不符"),
        ),
    ),
    "hall_rejections": (
        "大厅拒收",
        (
            TERMINAL,
            Column("seq", "事件号"),
            Column("code", "类型"),
            Column("reason", "原因"),
            Column("hall_head_seq", "拒收时大厅已有"),
            Column("attempts", "尝试次数"),
            Column("first_at", "首次"),
            Column("last_at", "最近"),
        ),
    ),
}


@dataclass(frozen=True)
class TerminalHead:
    terminal: str
    head_id: int
    head_hash: str


@dataclass
class HallReport(Report):
    """A :class:`Report` of many terminals (tables with the 终端 column) plus what the hall says about them."""

    heads: tuple[TerminalHead, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    source: str = ""

    @property
    def refused_terminals(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.terminal_id for r in self.rejections))


def source_label(count: int | None) -> str:
    """What the review window says it reads: 本机 (count None) or 大厅：N 个终端."""
    return "本机" if count is None else f"大厅：{count} 个终端"


def all_rows(table: Table) -> list[tuple]:
    """Every row of a table (the one place that knows how a Table hands out its rows)."""
    for name in ("all_rows", "iter_rows"):
        method = getattr(table, name, None)
        if callable(method):
            return list(method())
    return list(table.rows)


def cache_path(cache_dir: Path, terminal: str) -> Path:
    """The cache file of a terminal: its id made safe for every file system (long or odd ids: a digest)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", terminal).strip(".")
    if safe != terminal or not safe or len(safe) > 120:
        safe = f"{safe[:80]}-{hashlib.sha256(terminal.encode()).hexdigest()[:16]}"
    return Path(cache_dir) / f"{safe}.db"


def default_cache_dir() -> Path:
    return paths.data_dir() / CACHE_DIR


def mirror_terminal(reader: HallReader, info: TerminalInfo, path: Path) -> EventStore:
    """The terminal's up-to-date mirror. A cache that does not hold the hall's head read before (another hall
    under the same terminal id, a damaged or altered file) is thrown away and copied anew."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            store = reader.mirror(info.terminal_id, path)
        except (StoreError, sqlite3.Error, OSError) as exc:
            if attempt == 2:
                raise HallError(f"无法建立终端 {info.terminal_id} 的本机副本 {path}：{exc}") from exc
            _remove(path)
            continue
        if info.head_seq == 0:
            return store
        known = store.conn.execute("SELECT hash FROM events WHERE id = ?", (info.head_seq,)).fetchone()
        if known is not None and known[0] == info.head_hash:
            return store
        store.close()
        _remove(path)
    raise HallError(f"终端 {info.terminal_id} 的本机副本与大厅数据库不一致（{path}），请稍后再试。")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _empty(key: str, like: Table | None = None) -> Table:
    title, columns = (like.title, like.columns) if like is not None else SPECS[key]
    return Table(key, title, (TERMINAL, *columns), [], [])


def _append(merged: Table, terminal: str, table: Table) -> None:
    """The terminal's rows behind its id; targets become {terminal, target}. Read while its copy is open (a lazy
    table reads its store page by page)."""
    rows, targets = merged.rows, merged.targets
    for page_rows, page_targets in _pages(table):
        rows.extend((terminal, *row) for row in page_rows)
        targets.extend(None if t is None else {"terminal": terminal, "target": t} for t in page_targets)


def _pages(table: Table) -> Iterable[tuple[list[tuple], list[Any]]]:
    """(rows, targets) of a table page by page when it can (a lazy table is not built twice), else at once."""
    pages = getattr(table, "pages", None)
    if callable(pages):
        return pages()
    return [(list(table.rows), list(table.targets))]


def _hall_acks(
    reader: HallReader, local: EventStore | None, local_terminal: str | None
) -> list[tuple[str, int, str, dict]]:
    """(recorded at terminal, event id, at, payload) of every hall_ack: the hall's, and the lead's own ones not
    pushed yet."""
    out: dict[tuple[str, int], tuple[str, int, str, dict]] = {}
    for terminal, rows in reader.rows_of_kinds((HALL_ACK_KIND,)).items():
        for seq, at, _, payload in rows:
            out[(terminal, seq)] = (terminal, seq, at, json.loads(payload))
    if local is not None:
        name = local_terminal or "本机"
        for event_id, at, payload in local.conn.execute(
            "SELECT id, at, payload FROM events WHERE kind = ?", (HALL_ACK_KIND,)
        ):
            out.setdefault((name, event_id), (name, event_id, at, json.loads(payload)))
    return sorted(out.values(), key=lambda a: (a[2], a[0], a[1]))


def _apply_acks(
    tables: dict[str, Table], acks: Iterable[tuple[str, int, str, dict]], flt: ReportFilter
) -> None:
    comments: dict[tuple[str, Any], list[str]] = defaultdict(list)
    notes = tables.get("notes")
    for terminal, event_id, at, p in acks:
        target = (str(p.get("terminal", "")), p.get("target"))
        comments[target].append(str(p.get("comment", "")))
        when = datetime.fromisoformat(at)
        if notes is not None and flt.start <= when.date() <= flt.end:
            row = {
                "terminal": terminal,
                "event_id": event_id,
                "at": when.strftime("%Y-%m-%d %H:%M:%S"),
                "type": "值班长批注",
                "by": p.get("by", ""),
                "target": f"{target[0]} #{target[1]}",
                "text": p.get("comment", ""),
            }
            notes.rows.append(tuple(row.get(k, "") for k in notes.keys))
            notes.targets.append({"terminal": target[0], "target": target[1]})
    if not comments:
        return
    for table in tables.values():
        if "lead_comment" not in table.keys:
            continue
        column = table.keys.index("lead_comment")
        for i, target in enumerate(table.targets):
            if not isinstance(target, dict):
                continue
            extra = comments.get((target["terminal"], target["target"]))
            if extra:
                cells = list(table.rows[i])
                cells[column] = "；".join(x for x in (cells[column], *extra) if x)
                table.rows[i] = tuple(cells)


def _charts(tables: dict[str, Table]) -> dict[str, list[tuple[str, float]]]:
    """The review's four chart series over the merged tables (the same series as reports' charts)."""

    def col(key: str, name: str):
        table = tables[key]
        index = table.keys.index(name)
        return table, index

    by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    table, d = col("checklist", "date")
    o = table.keys.index("on_time")
    for row in table.rows:
        by_day[row[d]][0] += row[o] == YES
        by_day[row[d]][1] += 1
    failures: dict[str, int] = defaultdict(int)
    table, ok = col("checklist_items", "ok")
    text = table.keys.index("text")
    for row in table.rows:
        if row[ok] != "正常":
            failures[row[text]] += 1
    overtime: dict[str, int] = defaultdict(int)
    table, clerk = col("overtime", "clerk")
    minutes = table.keys.index("minutes")
    for row in table.rows:
        overtime[row[clerk] or "（未签到）"] += int(row[minutes] or 0)
    per_hour: dict[str, int] = defaultdict(int)
    table, started = col("interactions", "started_at")
    for row in table.rows:
        per_hour[str(row[started])[11:13] + ":00"] += 1
    return {
        "on_time_by_day": [(d, round(100 * k / n, 1)) for d, (k, n) in sorted(by_day.items())],
        "failures_by_item": sorted(failures.items(), key=lambda kv: -kv[1]),
        "overtime_by_clerk": sorted(overtime.items()),
        "served_per_hour": sorted(per_hour.items()),
    }


def _hall_tables(
    infos: Sequence[TerminalInfo],
    merged_to: dict[str, int],
    rejections: Sequence[Rejection],
    mismatches: dict[str, int],
) -> dict[str, Table]:
    def table(key: str) -> Table:
        title, columns = HALL_TABLES[key]
        return Table(key, title, columns)

    terminals, refused = table("hall_terminals"), table("hall_rejections")
    refusing = {r.terminal_id for r in rejections}
    for info in infos:
        terminals.add(
            {
                "terminal": info.terminal_id,
                "head_id": info.head_seq,
                "head_hash": info.head_hash,
                "merged": merged_to.get(info.terminal_id, 0),
                "refused": YES if info.terminal_id in refusing else NO,
                "last_seen": info.last_seen.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                "window_mismatches": mismatches.get(info.terminal_id, 0),
            }
        )
    for r in rejections:
        refused.add(
            {
                "terminal": r.terminal_id,
                "seq": r.seq,
                "code": r.code,
                "reason": r.reason,
                "hall_head_seq": r.hall_head_seq,
                "attempts": r.attempts,
                "first_at": r.first_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                "last_at": r.last_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
    return {"hall_terminals": terminals, "hall_rejections": refused}


def build_hall_report(
    reader: HallReader,
    scripts: Scripts,
    flt: ReportFilter,
    tables: Sequence[str] | None = None,
    *,
    cache_dir: Path | None = None,
    terminals: Sequence[str] | None = None,
    local: EventStore | None = None,
    local_terminal: str | None = None,
) -> HallReport:
    """The review of every terminal in the hall (or those named) for one filter, merged (see the module doc).

    `local` is the lead's own store: its ``hall_ack`` events not yet pushed count too."""
    if tables is not None:
        unknown = [t for t in tables if t not in SPECS and t not in HALL_TABLES]
        if unknown:
            raise KeyError(f"未知的表：{'、'.join(unknown)}，可选：{'、'.join((*SPECS, *HALL_TABLES))}")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    infos = [i for i in reader.terminals() if terminals is None or i.terminal_id in terminals]
    merged: dict[str, Table] = {}
    heads: list[TerminalHead] = []
    merged_to: dict[str, int] = {}
    for info in infos:
        with mirror_terminal(reader, info, cache_path(cache, info.terminal_id)) as copy:
            report = build_report(copy, scripts, flt)
            heads.append(TerminalHead(info.terminal_id, report.head_id, report.head_hash))
            merged_to[info.terminal_id] = report.head_id
            for key, table in report.tables.items():
                if key not in merged:
                    merged[key] = _empty(key, table)
                _append(merged[key], info.terminal_id, table)
    for key in SPECS:  # a hall without terminals still has every table
        merged.setdefault(key, _empty(key))
    _apply_acks(merged, _hall_acks(reader, local, local_terminal), flt)
    charts = _charts(merged)
    rejections = tuple(r for r in reader.rejections() if terminals is None or r.terminal_id in terminals)
    merged.update(_hall_tables(infos, merged_to, rejections, reader.window_mismatches()))
    if tables is not None:
        merged = {k: merged[k] for k in tables}
    windows, clerks = reader.known_people()
    head_hash = "；".join(f"{h.terminal} #{h.head_id} {h.head_hash}" for h in heads) or GENESIS_HASH
    return HallReport(
        flt,
        merged,
        sum(h.head_id for h in heads),
        head_hash,
        windows,
        clerks,
        charts,
        heads=tuple(heads),
        rejections=rejections,
        source=source_label(len(infos)),
    )


def chain_line(report: Report, short: int | None = None) -> str:
    """The chain head line: one terminal's (本机) or every terminal's in the hall."""
    if isinstance(report, HallReport):
        if not report.heads:
            return "链尾：大厅中还没有终端"
        return "链尾：" + "；".join(
            f"{h.terminal} #{h.head_id} {h.head_hash[:short] if short else h.head_hash}"
            + ("…" if short else "")
            for h in report.heads
        )
    return f"链尾：事件 #{report.head_id} 哈希 {report.head_hash[:short] if short else report.head_hash}" + (
        "…" if short else ""
    )


def rejection_lines(report: Report) -> list[str]:
    """One Chinese line per terminal whose events the hall refused (empty for a local report)."""
    if not isinstance(report, HallReport):
        return []
    heads = {h.terminal: h.head_id for h in report.heads}
    lines = []
    for r in report.rejections:
        lines.append(
            f"大厅拒收终端 {r.terminal_id} 的事件 #{r.seq}：{r.reason}（已尝试 {r.attempts} 次）；"
            f"该终端只合并了大厅已接收的 #{heads.get(r.terminal_id, r.hall_head_seq)} 之前的记录。"
        )
    return lines


# ─── the review window's report sources ───────────────────────────────────────────────────────────


class LocalSource:
    """This terminal's own log (本机)."""

    hall = False

    def __init__(self, store: EventStore, scripts: Scripts) -> None:
        self.store, self.scripts = store, scripts

    @property
    def label(self) -> str:
        return source_label(None)

    def report(self, flt: ReportFilter, tables: Sequence[str] | None = None) -> Report:
        return build_report(self.store, self.scripts, flt, tables)

    def ack_command(self, target: Any, comment: str, by: str) -> tuple[str, dict]:
        return "review_ack", {"target": target, "comment": comment, "by": by}

    def verify_text(
        self, keys: Sequence[Any] = (), anchors: Sequence[tuple[int, str]] = ()
    ) -> tuple[bool, str]:
        """The verdict of `verify-log` (with the lead's keys and anchors), and what it could not prove."""
        from assistant.edges.lead_pin import resets_text

        report = self.store.verify(keys, anchors)
        resets = "；".join(resets_text(self.store))
        if not report.ok:
            return False, f"不完整：首个问题在事件 #{report.first_bad_id}：{report.problems[0]}" + (
                f"；{resets}" if resets else ""
            )
        checked = ["哈希链"] + (["封印"] if keys else []) + (["锚点"] if anchors else [])
        text = f"完整（{report.count} 条；已校验{'、'.join(checked)}"
        if not keys:
            text += "；未用校验密钥：持有数据文件的人可以重算整条链"
        elif report.unsealed:
            text += f"；封印开始前的 {report.unsealed} 条未封印"
        return True, text + "）" + (f"；{resets}" if resets else "")

    def close(self) -> None:
        pass


@dataclass
class HallSource:
    """Every terminal in the hall database (大厅：N 个终端); acknowledgements are recorded on the lead's desk."""

    url: str
    scripts: Scripts
    local: EventStore | None = None
    local_terminal: str | None = None
    cache_dir: Path | None = None
    ask: Login = tty_login
    reader: HallReader = field(init=False)
    hall = True

    def __post_init__(self) -> None:
        self.reader = HallReader(self.url, self.ask)
        self._count: int | None = None

    @property
    def label(self) -> str:
        if self._count is None:
            self._count = len(self.reader.terminals())
        return source_label(self._count)

    def report(self, flt: ReportFilter, tables: Sequence[str] | None = None) -> HallReport:
        import psycopg

        try:
            report = build_hall_report(
                self.reader,
                self.scripts,
                flt,
                tables,
                cache_dir=self.cache_dir,
                local=self.local,
                local_terminal=self.local_terminal,
            )
        except psycopg.Error as exc:
            self.reader.close()  # reconnect next time
            raise HallError(f"读取大厅数据库时出错：{' '.join(str(exc).split())[:200]}") from exc
        self._count = len(report.heads)
        return report

    def ack_command(self, target: Any, comment: str, by: str) -> tuple[str, dict]:
        if not isinstance(target, dict):
            raise TypeError(target)
        return HALL_ACK_KIND, {
            "terminal": target["terminal"],
            "target": target["target"],
            "comment": comment,
            "by": by,
        }

    def verify_text(
        self, keys: Sequence[Any] = (), anchors: Sequence[tuple[int, str]] = ()
    ) -> tuple[bool, str]:
        """Every terminal's chain as the hall holds it, and the events the hall refused. (The seals of each
        terminal's epochs are the hall issue's: assistant.store.sealing.check_seals with the keys the hall holds.)"""
        problems, count = [], 0
        for info in self.reader.terminals():
            check = self.reader.verify(info.terminal_id)
            count += check.count
            if not check.ok:
                problems.append(
                    f"终端 {info.terminal_id} 首个问题在事件 #{check.first_bad_id}：{check.problems[0]}"
                )
        refused = {r.terminal_id: r for r in self.reader.rejections()}
        problems += [f"终端 {t} 的事件 #{r.seq} 被大厅拒收：{r.reason}" for t, r in refused.items()]
        if problems:
            return False, "不完整：" + "；".join(problems)
        return True, f"完整（大厅 {count} 条）"

    def close(self) -> None:
        self.reader.close()


def configured_url(args: Any) -> str | None:
    """The hall the review and `export` read: --hall, the settings or WA_HALL, unless --local was given."""
    if getattr(args, "local", False):
        return None
    return hall_url(getattr(args, "hall", None), getattr(args, "scripts", None))


def open_source(
    args: Any, store: EventStore, scripts: Scripts, ask: Login = tty_login
) -> LocalSource | HallSource:
    """The review's source for these command-line arguments (HallError when the hall cannot be read); the
    lead's login is asked with `ask` when the server wants a password (never stored)."""
    url = configured_url(args)
    if not url:
        return LocalSource(store, scripts)
    try:
        enrolment = load_enrolment(store.path)
    except HallError:
        enrolment = None
    source = HallSource(
        url_without_password(url), scripts, store, enrolment.terminal_id if enrolment else None, ask=ask
    )
    try:
        source.label  # connect now: an unreachable hall is said before a window opens   # noqa: B018
    except HallError:
        source.close()
        raise
    except Exception as exc:
        source.close()
        raise HallError(f"无法读取大厅数据库 {safe_url(url)}：{' '.join(str(exc).split())}") from exc
    return source


__all__ = [
    "HALL_ACK_KIND",
    "HALL_TABLES",
    "TERMINAL",
    "HallReport",
    "HallSource",
    "LocalSource",
    "TerminalHead",
    "all_rows",
    "build_hall_report",
    "cache_path",
    "chain_line",
    "configured_url",
    "mirror_terminal",
    "open_source",
    "rejection_lines",
    "source_label",
]
