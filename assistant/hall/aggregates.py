"""The lead's month read from the projections the hall keeps as events arrive (hall schema version 3).

``hall.receive`` projects every event it accepts with ``hall.project`` (the local
:func:`assistant.store.projections.project` in PL/pgSQL, keyed by terminal; tests/hall/test_hall_projections.py
is the oracle), so the lead reads the month as rows ready for the review, by SQL, page by page: nothing of the
hall is copied to the lead's PC. What needs the scripts (step, referral and phrase names, phrase categories) is
applied here from the lead's scripts, as the local review applies them; phones stay on the terminals.

Built so far: 服务记录 (interactions, lazy: count and pages are SQL) and 常用语使用 (phrases), merged terminal by
terminal with the leading 终端 column exactly as :func:`assistant.hall.review.build_hall_report` merges them,
and the month's event counts by kind. The other review tables still come from the per-terminal mirror
(:mod:`assistant.hall.review`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from assistant.config.schema import Scripts
from assistant.hall.review import TERMINAL
from assistant.reports.model import SPECS, ReportFilter, Table, new_table
from assistant.reports.oracle import _phrase_rows
from assistant.reports.sql import _INTERACTION_KINDS, _FoldSource, _InteractionSource

COLUMNS = (
    "i.end_seq, i.start_seq, i.number, i.clerk, i.role, i.window_name, i.started, i.ended, i.seconds,"
    " i.steps, i.durations, i.matters, i.outcomes, i.referrals::text, ''"
)


def where(flt: ReportFilter, alias: str = "") -> tuple[str, list[Any]]:
    """The filter over a projection table (``day`` and the tags), as the local review's ``_proj_where``."""
    sql = f"{alias}day BETWEEN %s AND %s"
    args: list[Any] = [flt.start, flt.end]
    for column, value in (("clerk", flt.clerk), ("window_name", flt.window), ("role", flt.role)):
        if value:
            sql += f" AND {alias}{column} = %s"
            args.append(value)
    return sql, args


class HallInteractions(_InteractionSource):
    """服务记录 of every terminal from ``hall.proj_interactions``: terminal by terminal, each in its end order
    (keyset pages after the previous page's last row, else OFFSET), formatted as the local review does."""

    def __init__(
        self, conn, scripts: Scripts, flt: ReportFilter, terminals: Sequence[str] | None = None
    ) -> None:
        # no store: no phones, no corrections
        super().__init__(None, scripts, flt, {})  # type: ignore[arg-type]
        self.conn = conn
        self.where, self.args = where(flt, "i.")
        if terminals is not None:
            self.where += " AND i.terminal_id = ANY(%s)"
            self.args.append(list(terminals))
        self._after: tuple[int, str, int] | None = None  # (offset, terminal, end_seq) after the previous page
        self._terminal = ""

    def count(self) -> int:
        if self._count is None:
            self._count = self.conn.execute(
                f"SELECT count(*) FROM hall.proj_interactions i WHERE {self.where}", self.args
            ).fetchone()[0]
        return self._count

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        sql = f"SELECT i.terminal_id, {COLUMNS} FROM hall.proj_interactions i WHERE {self.where}"
        if self._after is not None and self._after[0] == offset:
            rows = self.conn.execute(
                sql + " AND (i.terminal_id, i.end_seq) > (%s, %s) ORDER BY i.terminal_id, i.end_seq LIMIT %s",
                [*self.args, *self._after[1:], limit],
            ).fetchall()
        else:
            rows = self.conn.execute(
                sql + " ORDER BY i.terminal_id, i.end_seq LIMIT %s OFFSET %s", [*self.args, limit, offset]
            ).fetchall()
        if rows:
            self._after = (offset + len(rows), rows[-1][0], rows[-1][1])
        out: list[tuple] = []
        targets: list[Any] = []
        start = 0
        while start < len(rows):  # each terminal's run of rows, with that terminal's clock-jump marks
            self._terminal = rows[start][0]
            end = start
            while end < len(rows) and rows[end][0] == self._terminal:
                end += 1
            part, part_targets = self._rows([r[1:] for r in rows[start:end]])
            out.extend((self._terminal, *r) for r in part)
            targets.extend({"terminal": self._terminal, "target": t} for t in part_targets)
            start = end
        return out, targets

    def _marks(self, rows: list[tuple]) -> dict[str, list[tuple[int, Any]]]:
        marks: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        if not rows:
            return marks
        first, last = min(r[1] for r in rows), max(r[0] for r in rows)
        for seq, window, jump in self.conn.execute(
            "SELECT m.seq, m.window_name, e.data -> 'clock_jump' FROM hall.proj_events m"
            " JOIN hall.events e ON e.terminal_id = m.terminal_id AND e.seq = m.seq"
            " WHERE m.terminal_id = %s AND m.seq BETWEEN %s AND %s AND m.kind = ANY(%s) ORDER BY m.seq",
            (self._terminal, first, last, list(_INTERACTION_KINDS)),
        ):
            if jump:
                marks[window].append((seq, jump))
        return marks


def phrases(conn, scripts: Scripts, flt: ReportFilter, terminals: Sequence[str] | None = None) -> Table:
    """常用语使用 of every terminal from ``hall.proj_phrases``; names and categories from the lead's scripts."""
    sql, args = where(flt)
    if terminals is not None:
        sql += " AND terminal_id = ANY(%s)"
        args.append(list(terminals))
    counts: dict[str, dict[tuple[str, str], dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for terminal, clerk, phrase, mode, n in conn.execute(
        f"SELECT terminal_id, clerk, phrase #>> '{{}}', mode #>> '{{}}', sum(n)::bigint FROM hall.proj_phrases"
        f" WHERE {sql} GROUP BY 1, 2, 3, 4 ORDER BY 1",
        args,
    ):
        counts[terminal][(clerk, phrase)][mode] = n
    title, columns = SPECS["phrases"]
    merged = Table("phrases", title, (TERMINAL, *columns), [], [])
    for terminal, by_phrase in counts.items():
        own = new_table("phrases")
        _phrase_rows(own, scripts, by_phrase)
        merged.rows.extend((terminal, *row) for row in own.rows)
        merged.targets.extend(None if t is None else {"terminal": terminal, "target": t} for t in own.targets)
    return merged


def kind_counts(conn, flt: ReportFilter) -> dict[str, int]:
    """The month's projected events by kind over every terminal (what the review's tabs count)."""
    sql, args = where(flt)
    return dict(conn.execute(f"SELECT kind, count(*) FROM hall.proj_events WHERE {sql} GROUP BY kind", args))


def month_tables(
    conn, scripts: Scripts, flt: ReportFilter, terminals: Sequence[str] | None = None
) -> dict[str, Table]:
    """The tables read from the hall's projections for a filter (see the module doc), both lazy."""
    title, columns = SPECS["interactions"]
    return {
        "interactions": Table(
            "interactions",
            title,
            (TERMINAL, *columns),
            source=HallInteractions(conn, scripts, flt, terminals),
        ),
        # built when first shown or counted: its GROUP BY reads every day's counts of the month
        "phrases": Table(
            "phrases",
            SPECS["phrases"][0],
            (TERMINAL, *SPECS["phrases"][1]),
            source=_FoldSource(lambda: phrases(conn, scripts, flt, terminals)),
        ),
    }


__all__ = ["HallInteractions", "kind_counts", "month_tables", "phrases", "where"]
