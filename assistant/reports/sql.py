"""The review's tables read from the query-side projections in SQL, lazily, page by page."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from assistant.config.schema import Scripts
from assistant.domain.events import STATUS_FIXED, upcast
from assistant.reports.charts import _charts, _column
from assistant.reports.model import (
    ACK_KIND,
    CLOCK_KINDS,
    CORRECTION_KIND,
    EXPLAIN_KIND,
    EXPORT_KIND,
    GUARD_PREFIXES,
    PURGE_KIND,
    SPECS,
    Rec,
    ReportFilter,
    RowSource,
    Table,
    _bool,
    duration_text,
    hm,
    new_table,
)
from assistant.reports.oracle import (
    _checklist,
    _clock,
    _corrections,
    _Ctx,
    _departures,
    _event_targets,
    _faults,
    _guard,
    _home_service_recs,
    _home_services,
    _notes_and_exports,
    _overtime,
    _pauses,
    _phrase_rows,
    _purges,
    _wanted,
    _WorkingDays,
)
from assistant.store.event_log import EventStore


def _phones(store: EventStore, ids: Iterable[Any]) -> dict[int, str]:
    """person_phone for many ids at once."""
    wanted = sorted(i for i in ids if isinstance(i, int) and not isinstance(i, bool))
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        out.update(
            (pid, phone or "")
            for pid, phone in store.conn.execute(
                f"SELECT id, phone FROM persons WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
        )
    return out


def person_phone(store: EventStore) -> Callable[[Any], str]:
    cache: dict[int, str] = {}

    def phone(person_id: Any) -> str:
        if not isinstance(person_id, int):
            return ""
        if person_id not in cache:
            found = store.person(person_id)
            cache[person_id] = (found or {}).get("phone", "") or ""
        return cache[person_id]

    return phone


# ─── reading the projections (assistant/store/projections.py; store migration 3) ────────────────────────

_PROJ_RECS = (
    "SELECT p.id, e.at, p.kind, e.payload, p.clerk, p.role, p.window "
    "FROM proj_events p JOIN events e ON e.id = p.id "
)


def _recs(rows: Iterable[tuple]) -> list[Rec]:
    loads, parse = json.loads, datetime.fromisoformat
    return [
        Rec(i, parse(at), *upcast(kind, loads(payload) if payload else {}), clerk, role, window)
        for i, at, kind, payload, clerk, role, window in rows
    ]


def _proj_where(flt: ReportFilter, alias: str = "") -> tuple[str, list[Any]]:
    sql, args = f"{alias}day BETWEEN ? AND ?", [flt.start.isoformat(), flt.end.isoformat()]
    for column, value in (("clerk", flt.clerk), ("window", flt.window), ("role", flt.role)):
        if value:
            sql += f" AND {alias}{column} = ?"
            args.append(value)
    return sql, args


def _kinds_sql(
    kinds: Sequence[str], prefixes: Sequence[str] = (), alias: str = "p."
) -> tuple[str, list[str]]:
    """`kind IN (…)` or starting with one of the prefixes (case-sensitive, as str.startswith)."""
    parts, args = [], list(kinds)
    if kinds:
        parts.append(f"{alias}kind IN ({','.join('?' * len(kinds))})")
    for prefix in prefixes:
        parts.append(f"substr({alias}kind, 1, {len(prefix)}) = ?")
        args.append(prefix)
    return "(" + " OR ".join(parts) + ")", args


class _FoldSource(RowSource):
    """A table built by its fold (the builders above) the first time a page is asked for; until then its row
    count comes from SQL over the projections when that count is known to equal the fold's (count=None: the
    count needs the fold)."""

    def __init__(self, build: Callable[[], Table], count: Callable[[], int] | None = None) -> None:
        self._make, self._count = build, count
        self._table: Table | None = None
        self._counted: int | None = None

    def table(self) -> Table:
        if self._table is None:
            self._table = self._make()
        return self._table

    def count(self) -> int:
        if self._table is None and self._count is not None:
            if self._counted is None:
                self._counted = self._count()
            return self._counted
        return len(self.table().rows)

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        table = self.table()
        return table.rows[offset : offset + limit], table.targets[offset : offset + limit]


class _EventSource(RowSource):
    """A table whose every row is one wanted event of its kinds, made from that event alone (the items of the
    checklist, overtime, guard alerts, notes, exports, clock, corrections, purges): the count is SQL and a page
    is the builder run over that page's events only (keyset by event id after the previous page)."""

    def __init__(
        self,
        review: _Review,
        build: Callable[[_Ctx], Table],
        kinds: Sequence[str],
        prefixes: Sequence[str] = (),
    ) -> None:
        self.review, self.build, self.kinds, self.prefixes = review, build, kinds, prefixes
        self._next: tuple[int, int] | None = None

    def count(self) -> int:
        return self.review.count(self.kinds, self.prefixes)

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        review = self.review
        kind_sql, kind_args = _kinds_sql(self.kinds, self.prefixes)
        sql = _PROJ_RECS + f"WHERE {review.where} AND {kind_sql}"
        args: list[Any] = [*review.args, *kind_args]
        if self._next is not None and self._next[0] == offset:
            rows = review.store.conn.execute(
                sql + " AND p.id > ? ORDER BY p.id LIMIT ?", [*args, self._next[1], limit]
            ).fetchall()
        else:
            rows = review.store.conn.execute(
                sql + " ORDER BY p.id LIMIT ? OFFSET ?", [*args, limit, offset]
            ).fetchall()
        if not rows:
            return [], []
        self._next = (offset + len(rows), rows[-1][0])
        table = self.build(review.ctx(_recs(rows)))
        return table.rows, table.targets


class _FollowUpSource(RowSource):
    """投诉与待答复 from the projections: _follow_ups' fold over every follow-up event up to the range's end, over
    the columns of proj_follow_ups (no JSON, no row formatted while folding: a month of a busy hall carries
    ~10,000 open ones), so the count and the order are known at once and a page formats only its own rows
    (their payloads and times read then) — the same rows, in the same order."""

    def __init__(self, review: _Review) -> None:
        self.review = review
        self._items: list[list] | None = None

    def items(self) -> list[list]:
        """The included items in table order: [event_id, day, clerk, role, window, type, number, status,
        closed day, closing event id, answer, due, working days left, overdue]."""
        if self._items is not None:
            return self._items
        review = self.review
        flt, hours = review.flt, review.scripts.hours
        today = flt.today or min(flt.end, date.today())
        start = flt.start.isoformat()
        rows = review.store.conn.execute(
            "SELECT id, day, kind, clerk, role, window, number, status, has_status, due, answer FROM proj_follow_ups"
            " WHERE day <= ? ORDER BY id",
            (flt.end.isoformat(),),
        ).fetchall()
        items: dict[tuple[str, int], list] = {}
        order: list[tuple[str, int]] = []
        opened = 0
        for event_id, day, kind, clerk, role, window, number, status, has_status, due, answer in rows:
            if kind == "follow_up" or kind == "matter":  # (a matter here was answered 待答复)
                if number is None:
                    number = opened + 1
                key = ("待答复", int(number))
                opened += 1
                items[key] = [
                    event_id,
                    day,
                    clerk,
                    role,
                    window,
                    "待答复",
                    number,
                    "待答复",
                    None,
                    None,
                    "",
                    due,
                ]
                order.append(key)
            elif kind == "follow_up_close":
                it = items.get(("待答复", int(number)))
                if it:
                    it[7], it[8], it[9], it[10] = "已答复", day, event_id, answer
            elif kind == "complaint":
                key = ("投诉", int(number))
                items[key] = [
                    event_id,
                    day,
                    clerk,
                    role,
                    window,
                    "投诉",
                    number,
                    status if has_status else "",
                    None,
                    None,
                    "",
                    due,
                ]
                order.append(key)
            elif kind == "complaint_update":
                it = items.get(("投诉", int(number)))
                if it:
                    if has_status:
                        it[7] = status
                    if it[7] in ("已答复", "已办结"):
                        it[8], it[9] = day, event_id
        working_days = _WorkingDays(hours, today)
        dues: dict[Any, tuple[date | None, Any]] = {}  # due text → (date, working days left)
        filtered = bool(flt.clerk or flt.window or flt.role)
        out = []
        for key in order:
            it = items[key]
            closed = it[8]
            if not (closed is None or start <= it[1] or closed >= start):
                continue
            if filtered and (
                (flt.clerk and it[2] != flt.clerk)
                or (flt.window and it[4] != flt.window)
                or (flt.role and it[3] != flt.role)
            ):
                continue
            due_text = it[11]
            if due_text not in dues:
                due = date.fromisoformat(due_text) if due_text else None
                dues[due_text] = (due, working_days(due) if due else "")
            due, left = dues[due_text]
            overdue = bool(due and closed is None and due < today)
            out.append(
                (
                    not overdue,
                    closed is not None,
                    due_text or "9999",
                    [*it, left if closed is None else "", overdue],
                )
            )
        out.sort(key=lambda r: r[:3])
        self._items = [r[3] for r in out]
        return self._items

    def count(self) -> int:
        return len(self.items())

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        review = self.review
        chunk = self.items()[offset : offset + limit]
        events: dict[int, tuple[str, str]] = {}
        ids = sorted({it[0] for it in chunk} | {it[9] for it in chunk if it[9] is not None})
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            events.update(
                (e, (at, payload))
                for e, at, payload in review.store.conn.execute(
                    f"SELECT id, at, payload FROM events WHERE id IN ({','.join('?' * len(part))})", part
                )
            )
        payloads = {it[0]: json.loads(events[it[0]][1]) for it in chunk}
        phones = _phones(review.store, {p.get("person_id") for p in payloads.values()})
        keys = SPECS["follow_ups"][1]
        rows, targets = [], []
        for (
            event_id,
            _,
            clerk,
            _,
            window,
            kind,
            number,
            status,
            _,
            closing,
            answer,
            due,
            left,
            overdue,
        ) in chunk:
            p = payloads[event_id]
            pending = kind == "待答复"
            person = p.get("person_id")
            row = {
                "event_id": event_id,
                "type": kind,
                "number": number,
                "clerk": clerk,
                "window": window,
                "opened_at": hm(events[event_id][0]),
                "topic": p.get("topic", p.get("title", "")) if pending else p.get("content", ""),
                "forwarded_to": "" if pending else p.get("forwarded_to", ""),
                "due": due,
                "working_days_left": left,
                "overdue": _bool(overdue),
                "status": status,
                "closed_at": hm(events[closing][0]) if closing is not None else "",
                "answer": answer,
                "phone": phones.get(person, "") if isinstance(person, int) else "",
                "clock_jump": p.get("clock_jump", ""),
                "correction": "；".join(review.corrections.get(event_id, ())),
            }
            rows.append(tuple(row.get(c.key, "") for c in keys))
            targets.append(event_id)
        return rows, targets


_INTERACTION_KINDS = ("interaction_start", "step", "matter", "escalate", "interaction_end")


class _InteractionSource(RowSource):
    """服务记录 straight from proj_interactions, a page at a time in end_id order (the fold's order): the count
    and the pages are SQL (LIMIT after the last end_id of the previous page, else OFFSET), so a month of ~70,000
    rows is never built to show its first screen. Step and referral names come from the scripts of the moment,
    phones from ``persons``, the clock-jump mark from the interaction events projected with their jump."""

    def __init__(
        self, store: EventStore, scripts: Scripts, flt: ReportFilter, corrections: Mapping[int, list[str]]
    ) -> None:
        self.store, self.flt, self.corrections = store, flt, corrections
        self.names = {s.id: s.name for s in (*scripts.flow.steps, scripts.flow.close)}
        self.referral_names = {e.id: f"{e.department}{e.window}" for e in scripts.directory.entries}
        where, self.args = _proj_where(flt, "i.")
        self.where = where.replace("i.", "+i.")  # walk the end_id span in primary-key order, never sort
        self._span: tuple[int, int] | None = None
        self._count: int | None = None
        self._next: tuple[int, int] | None = None  # (offset, last end_id) after the previous page
        self._templates: dict[str, str] = {}

    def span(self) -> tuple[int, int]:
        """The end_ids of the range's days (rows are in end_id order and days follow it, almost)."""
        if self._span is None:
            lo, hi = self.store.conn.execute(
                "SELECT MIN(end_id), MAX(end_id) FROM proj_interactions WHERE day BETWEEN ? AND ?",
                self.args[:2],
            ).fetchone()
            self._span = (lo or 0, hi or 0)
        return self._span

    def count(self) -> int:
        if self._count is None:
            where, args = _proj_where(self.flt, "i.")
            self._count = self.store.conn.execute(
                f"SELECT COUNT(*) FROM proj_interactions i WHERE {where}", args
            ).fetchone()[0]
        return self._count

    def page(self, offset: int, limit: int) -> tuple[list[tuple], list[Any]]:
        lo, hi = self.span()
        sql = (
            "SELECT i.end_id, i.start_id, i.number, i.clerk, i.role, i.window, i.started, i.ended, i.seconds,"
            " i.steps, i.durations, i.matters, i.outcomes, i.referrals, p.phone FROM proj_interactions i"
            " LEFT JOIN persons p ON p.id = i.person AND typeof(i.person) = 'integer'"
            f" WHERE i.end_id BETWEEN ? AND ? AND {self.where}"
        )
        if self._next is not None and self._next[0] == offset:
            rows = self.store.conn.execute(
                sql + " AND i.end_id > ? ORDER BY i.end_id LIMIT ?",
                [lo, hi, *self.args, self._next[1], limit],
            ).fetchall()
        else:
            rows = self.store.conn.execute(
                sql + " ORDER BY i.end_id LIMIT ? OFFSET ?", [lo, hi, *self.args, limit, offset]
            ).fetchall()
        if rows:
            self._next = (offset + len(rows), rows[-1][0])
        return self._rows(rows)

    def _marks(self, rows: list[tuple]) -> dict[str, list[tuple[int, Any]]]:
        """Interaction events carrying a clock_jump key in the page's id span, by window, id order."""
        marks: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        if not rows:
            return marks
        first, last = min(r[1] for r in rows), max(r[0] for r in rows)
        for event_id, window, jump in self.store.conn.execute(
            "SELECT m.id, m.window, json_extract(e.payload, '$.clock_jump') FROM proj_events m"
            " JOIN events e ON e.id = m.id WHERE m.id BETWEEN ? AND ? AND m.kind IN (?, ?, ?, ?, ?)"
            " ORDER BY m.id",
            (first, last, *_INTERACTION_KINDS),
        ):
            if jump:  # (a matter answered 待答复 is projected for the follow-ups, jump or not)
                marks[window].append((event_id, jump))
        return marks

    def _rows(self, rows: list[tuple]) -> tuple[list[tuple], list[Any]]:
        from assistant.store.projections import SEP

        names, referral_names, templates, corrections = (
            self.names,
            self.referral_names,
            self._templates,
            self.corrections,
        )
        marks = self._marks(rows)
        out, targets = [], []
        for (
            end_id,
            start_id,
            number,
            clerk,
            role,
            window,
            started,
            ended,
            seconds,
            steps,
            durations,
            matters,
            outcomes,
            referrals,
            phone,
        ) in rows:
            template = templates.get(steps)
            if template is None:
                template = templates[steps] = " · ".join(
                    str(names.get(s, s)).replace("{", "{{").replace("}", "}}") + " {}"
                    for s in steps.split(SEP)
                )
            if referrals != "[]":
                referrals = "；".join(
                    referral_names.get(v, v) if k == "r" else v for k, v in json.loads(referrals)
                )
            else:
                referrals = ""
            jump: Any = ""
            if window in marks:
                jump = next((j for i, j in marks[window] if start_id <= i <= end_id), "")
            out.append(
                (
                    start_id,
                    number,
                    clerk,
                    role,
                    window,
                    started,
                    ended,
                    max(0, seconds),  # the clock set back within it: 0, and the step says so
                    template.format(*map(duration_text, durations.split(SEP))),
                    matters,
                    outcomes,
                    referrals,
                    phone or "",
                    jump,
                    "；".join(corrections.get(start_id, ())),
                )
            )
            targets.append(start_id)
        return out, targets


def _proj_phrases(store: EventStore, scripts: Scripts, flt: ReportFilter) -> Table:
    table = new_table("phrases")
    where, args = _proj_where(flt)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for clerk, phrase_id, mode, n in store.conn.execute(
        f"SELECT clerk, phrase, mode, SUM(n) FROM proj_phrases WHERE {where} GROUP BY clerk, phrase, mode",
        args,
    ):
        counts[(clerk, phrase_id)][mode] = n
    _phrase_rows(table, scripts, counts)
    return table


class _Review:
    """The lazy review over the projections: each table's fold reads only the kinds it folds, when first asked
    for; counts and chart series are SQL over proj_events (tagged, by recorded local day)."""

    def __init__(
        self, store: EventStore, scripts: Scripts, flt: ReportFilter, notes: tuple[dict, dict, dict]
    ) -> None:
        self.store, self.scripts, self.flt = store, scripts, flt
        self.acks, self.explanations, self.corrections = notes
        # the events read for the folds: the range widened by a day each side (as _rows_in_range) …
        self.lo = (flt.start - timedelta(days=1)).isoformat()
        self.hi = (flt.end + timedelta(days=1)).isoformat()
        self.where, self.args = _proj_where(flt, "p.")
        self._context: list[Rec] | None = None
        self._kind_counts: dict[str, int] | None = None
        self.phone = person_phone(store)

    def context(self) -> list[Rec]:
        """… plus the sign-in/out before the first of them (what tags the range's first events)."""
        if self._context is None:
            conn = self.store.conn
            first = conn.execute(
                "SELECT MIN(id) FROM proj_events WHERE day BETWEEN ? AND ?", (self.lo, self.hi)
            ).fetchone()[0]
            row = (
                None
                if first is None
                else conn.execute(
                    _PROJ_RECS
                    + "WHERE p.id < ? AND +p.kind IN ('sign_in', 'sign_out') ORDER BY p.id DESC LIMIT 1",
                    (first,),
                ).fetchone()
            )
            self._context = _recs([row]) if row is not None else []
        return self._context

    def recs(self, kinds: Sequence[str], prefixes: Sequence[str] = (), bare: Sequence[str] = ()) -> list[Rec]:
        """The tagged events of these kinds the fold over all kinds would see, in id order; the payloads of the
        `bare` kinds are not read (empty)."""
        kind_sql, kind_args = _kinds_sql(kinds, prefixes)
        payload = "e.payload"
        if bare:
            payload = f"CASE WHEN p.kind IN ({','.join('?' * len(bare))}) THEN NULL ELSE e.payload END"
        rows = self.store.conn.execute(
            f"SELECT p.id, e.at, p.kind, {payload}, p.clerk, p.role, p.window FROM proj_events p"
            f" JOIN events e ON e.id = p.id WHERE p.day BETWEEN ? AND ? AND {kind_sql} ORDER BY p.id",
            [*bare, self.lo, self.hi, *kind_args],
        ).fetchall()
        return [*self.context(), *_recs(rows)] if rows else []

    def ctx(self, recs: list[Rec]) -> _Ctx:
        return _Ctx(
            self.scripts,
            self.flt,
            recs,
            _wanted(self.flt),
            self.acks,
            self.explanations,
            self.phone,
            self.corrections,
        )

    def fold(
        self,
        build: Callable[[_Ctx], Table],
        kinds: Sequence[str],
        prefixes: Sequence[str] = (),
        bare: Sequence[str] = (),
    ) -> Callable[[], Table]:
        return lambda: build(self.ctx(self.recs(kinds, prefixes, bare)))

    def checklist_runs(self) -> Table:
        """班前检查. A run's ticks count only for runs recorded without their timing (before issue 5: seconds,
        items); when every submit of the range has it, the ~10,000 ticks of a month are not read at all."""
        recs = self.recs(("sign_in", "late_arrival", "checklist_submit"))
        if any(
            r.kind == "checklist_submit" and not ("seconds" in r.payload and "items" in r.payload)
            for r in recs
        ):
            recs = self.recs(
                ("sign_in", "late_arrival", "checklist_item", "checklist_submit"), bare=("checklist_item",)
            )
        return _checklist(self.ctx(recs), runs_only=True)[0]

    def kind_counts(self) -> dict[str, int]:
        """How many wanted events of each kind (one pass over the range's day index, for every table's count)."""
        if self._kind_counts is None:
            self._kind_counts = dict(
                self.store.conn.execute(
                    f"SELECT p.kind, COUNT(*) FROM proj_events p WHERE {self.where} GROUP BY p.kind",
                    self.args,
                )
            )
        return self._kind_counts

    def count(self, kinds: Sequence[str], prefixes: Sequence[str] = ()) -> int:
        """Wanted events of these kinds (or kinds starting with a prefix)."""
        return sum(
            n for kind, n in self.kind_counts().items() if kind in kinds or kind.startswith(tuple(prefixes))
        )

    def counter(self, kinds: Sequence[str], prefixes: Sequence[str] = ()) -> Callable[[], int]:
        return lambda: self.count(kinds, prefixes)

    def fault_count(self) -> int:
        """As _faults: reports from service, equipment faults not recorded as fixed, and the failed ticks
        unless the range holds equipment_fault events (then those speak for the equipment)."""
        conn = self.store.conn
        equipment = (
            conn.execute(
                "SELECT 1 FROM proj_events WHERE day BETWEEN ? AND ? AND kind = 'equipment_fault' LIMIT 1",
                (self.lo, self.hi),
            ).fetchone()
            is not None
        )
        items = ",".join(
            "'" + i.id.replace("'", "''") + "'"
            for i in self.scripts.checklist.items
            if i.section == "equipment"
        )
        ticks = (  # only equipment: appearance that falls short is a note, not a fault (rules 41–47)
            ""
            if equipment
            else (
                " OR (p.kind = 'checklist_item' AND json_extract(e.payload, '$.ok') = 0"
                f" AND json_extract(e.payload, '$.item') IN ({items or 'NULL'}))"
            )
        )
        return conn.execute(
            "SELECT COUNT(*) FROM proj_events p JOIN events e ON e.id = p.id"
            f" WHERE {self.where} AND (p.kind = 'fault_start' OR (p.kind = 'equipment_fault'"
            f" AND COALESCE(json_extract(e.payload, '$.status'), '') NOT IN ('{STATUS_FIXED}', 'fixed')){ticks})",
            self.args,
        ).fetchone()[0]

    def phrase_count(self) -> int:
        where, args = _proj_where(self.flt)
        return self.store.conn.execute(
            f"SELECT COUNT(*) FROM (SELECT DISTINCT clerk, phrase FROM proj_phrases WHERE {where})", args
        ).fetchone()[0]

    def charts(self, tables: Mapping[str, Table]) -> dict[str, list[tuple[str, float]]]:
        """The series _charts computes from the tables' rows, by SQL over the projections (the overtime table,
        a few rows, is built)."""
        conn = self.store.conn
        by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        lates = conn.execute(
            "SELECT p.day, json_extract(e.payload, '$.late') FROM proj_events p JOIN events e ON e.id = p.id"
            f" WHERE {self.where} AND p.kind = 'checklist_submit'",
            self.args,
        ).fetchall()
        if any(
            late is None for _, late in lates
        ):  # recorded before issue 5 (no timing in the event): the fold
            on_time_by_day = _charts({**tables, "interactions": new_table("interactions")})["on_time_by_day"]
        else:
            for day, late in lates:
                if self.scripts.hours.provisional(
                    date.fromisoformat(day)
                ):  # not counted until a file covers it
                    continue
                by_day[day][0] += not late
                by_day[day][1] += 1
            on_time_by_day = [(d, round(100 * ok / n, 1)) for d, (ok, n) in sorted(by_day.items())]
        texts = {i.id: i.text for i in self.scripts.checklist.items}
        failures: dict[str, list[int]] = {}
        for item, n, first in conn.execute(
            "SELECT json_extract(e.payload, '$.item') AS item, COUNT(*), MIN(p.id) FROM proj_events p"
            f" JOIN events e ON e.id = p.id WHERE {self.where} AND p.kind = 'checklist_item'"
            " AND json_extract(e.payload, '$.ok') = 0 GROUP BY item",
            self.args,
        ):
            text = texts.get(item, "" if item is None else item)
            seen = failures.setdefault(text, [0, first])
            seen[0] += n
            seen[1] = min(seen[1], first)
        overtime: dict[str, int] = defaultdict(int)
        table = tables["overtime"]
        clerk, minutes = _column(table, "clerk"), _column(table, "minutes")
        for row in table.all_rows():
            overtime[clerk(row) or "（未签到）"] += int(minutes(row) or 0)
        where, args = _proj_where(self.flt, "")
        per_hour = conn.execute(
            f"SELECT substr(started, 12, 2) || ':00' AS h, COUNT(*) FROM proj_interactions"
            f" WHERE {where} GROUP BY h ORDER BY h",
            args,
        ).fetchall()  # index *_hours
        return {
            "on_time_by_day": on_time_by_day,
            "failures_by_item": [
                (t, n) for t, (n, _) in sorted(failures.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
            ],
            "overtime_by_clerk": sorted(overtime.items()),
            "served_per_hour": [(h, n) for h, n in per_hour],
        }

    def tables(self) -> dict[str, Table]:
        faults = ("checklist_item", "equipment_fault", "fault_start", "fault_end")
        pauses = ("pause", "resume", "internal_start", "internal_end")
        folds: dict[str, RowSource] = {
            "checklist": _FoldSource(self.checklist_runs, self.counter(("checklist_submit",))),
            "checklist_items": _EventSource(self, lambda c: _checklist(c)[1], ("checklist_item",)),
            "faults": _FoldSource(self.fold(_faults, faults), self.fault_count),
            "pauses": _FoldSource(self.fold(_pauses, pauses), self.counter(("pause", "internal_start"))),
            "overtime": _EventSource(self, _overtime, ("overtime",)),
            "departures": _EventSource(self, _departures, ("early_departure",)),
            "home_services": _FoldSource(
                lambda: _home_services(self.ctx([]), _home_service_recs(self.store))
            ),  # counted by the fold: requests opened before the range and still open are shown too
            "interactions": _InteractionSource(self.store, self.scripts, self.flt, self.corrections),
            "follow_ups": _FollowUpSource(self),
            "phrases": _FoldSource(
                lambda: _proj_phrases(self.store, self.scripts, self.flt), self.phrase_count
            ),
            "guard_alerts": _EventSource(self, _guard, (), GUARD_PREFIXES),
            "notes": _EventSource(self, lambda c: _notes_and_exports(c)[0], (ACK_KIND, EXPLAIN_KIND)),
            "exports": _EventSource(self, lambda c: _notes_and_exports(c)[1], (EXPORT_KIND,)),
            "clock": _EventSource(self, _clock, CLOCK_KINDS),
            "corrections": _EventSource(
                self, lambda c: _corrections(c, _event_targets(self.store)), (CORRECTION_KIND,)
            ),
            "purges": _EventSource(self, _purges, (PURGE_KIND,)),
        }
        return {key: Table(key, *SPECS[key], source=folds[key]) for key in SPECS}
