"""build_report: the review's entry point (SQL projections by default, the event folds on request)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from assistant.config.schema import Scripts
from assistant.reports.charts import _charts
from assistant.reports.model import ACK_KIND, CORRECTION_KIND, EXPLAIN_KIND, SPECS, Report, ReportFilter
from assistant.reports.oracle import (
    _changes,
    _checklist,
    _clock,
    _corrections,
    _Ctx,
    _departures,
    _event_targets,
    _faults,
    _follow_up_recs,
    _follow_ups,
    _guard,
    _home_service_recs,
    _home_services,
    _interactions,
    _notes_and_exports,
    _overtime,
    _pauses,
    _phrases,
    _purges,
    _rows_in_range,
    _wanted,
    tag,
)
from assistant.reports.sql import _Review, person_phone
from assistant.store.event_log import GENESIS_HASH, EventStore


def _read_notes(store: EventStore) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, list[str]]]:
    """Acknowledgements, explanations and corrections by the event id they are about (all history: few)."""
    acks: dict[int, list[str]] = defaultdict(list)
    explanations: dict[int, list[str]] = defaultdict(list)
    corrections: dict[int, list[str]] = defaultdict(list)
    # without ORDER BY (sorted here) SQLite reads them through index events_kind, not by scanning the log
    notes = store.conn.execute(
        "SELECT id, at, kind, payload FROM events WHERE kind IN (?, ?, ?)",
        (ACK_KIND, EXPLAIN_KIND, CORRECTION_KIND),
    ).fetchall()
    for event_id, _, kind, payload in sorted(notes):
        p = json.loads(payload)
        target = p.get("target")
        if kind == ACK_KIND:
            acks[target].append(p.get("comment", ""))
        elif kind == EXPLAIN_KIND:
            explanations[target].append(p.get("text", ""))
        else:
            changes = _changes(p.get("changes"))
            corrections[target].append(
                f"#{event_id} {p.get('reason', '')}"
                + (f"：{changes}" if changes else "")
                + (f"（{p['by']}）" if p.get("by") else "")
            )
    return acks, explanations, corrections


# ─── the entry point ──────────────────────────────────────────────────────────────────────────────


def head(store: EventStore) -> tuple[int, str]:
    """The latest event's id and chain hash (0 and the genesis hash for an empty log)."""
    row = store.conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


SOURCES = ("projections", "events")


def build_report(
    store: EventStore,
    scripts: Scripts,
    flt: ReportFilter,
    tables: Sequence[str] | None = None,
    source: str = "projections",
    lazy: bool = True,
) -> Report:
    """All review tables for the filter (or only those named), the chain head, and the chart series.

    source "projections" (the default) reads the query-side tables kept at append time and returns *lazy*
    tables: ``len(table)`` (a SQL count), ``table.page(offset, limit)`` (one page, built on demand) and
    ``table.all_rows()`` (page by page) never build a whole month; ``table.rows`` builds it (as before).
    A lazy table reads the store when it is read: keep the store open while using it, or pass lazy=False for
    tables built before returning (e.g. to read them after closing the store).
    "events" folds the raw events of the range, as before migration 3, into built tables (kept as the
    reference the projections are tested against)."""
    if source not in SOURCES:
        raise ValueError(source)
    if tables is not None:
        unknown = [t for t in tables if t not in SPECS]
        if unknown:
            raise KeyError(f"未知的表：{'、'.join(unknown)}，可选：{'、'.join(SPECS)}")
    if source == "projections":
        store.sync_projections()
    head_id, head_hash = head(store)
    notes = _read_notes(store)
    if source == "projections":
        review = _Review(store, scripts, flt, notes)
        out = review.tables()
        charts = review.charts(out)
    else:
        ctx = _Ctx(
            scripts,
            flt,
            tag(_rows_in_range(store, flt)),
            _wanted(flt),
            *notes[:2],
            person_phone(store),
            notes[2],
        )
        out = {}
        out["checklist"], out["checklist_items"] = _checklist(ctx)
        out["faults"] = _faults(ctx)
        out["pauses"] = _pauses(ctx)
        out["overtime"] = _overtime(ctx)
        out["departures"] = _departures(ctx)
        out["home_services"] = _home_services(ctx, _home_service_recs(store))
        out["interactions"] = _interactions(ctx)
        out["follow_ups"] = _follow_ups(ctx, _follow_up_recs(store))
        out["phrases"] = _phrases(ctx)
        out["guard_alerts"] = _guard(ctx)
        out["notes"], out["exports"] = _notes_and_exports(ctx)
        out["clock"] = _clock(ctx)
        out["corrections"] = _corrections(ctx, _event_targets(store))
        out["purges"] = _purges(ctx)
        charts = _charts(out)
    if tables is not None:
        out = {k: out[k] for k in tables}
    if not lazy:
        for table in out.values():
            table.rows  # noqa: B018 — built now
    windows, clerks = known_people(store)
    return Report(flt, out, head_id, head_hash, windows, clerks, charts)


def known_people(store: EventStore) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every window and clerk that ever signed in (for the filters; projection proj_people)."""
    rows = store.conn.execute("SELECT DISTINCT window, clerk FROM proj_people").fetchall()
    windows = sorted({w for w, _ in rows if w})
    clerks = sorted({c for _, c in rows if c})
    return tuple(windows), tuple(clerks)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """day / week / month ranges ending today (week from Monday, month from the 1st)."""
    if preset == "day":
        return today, today
    if preset == "week":
        return today - timedelta(days=today.weekday()), today
    if preset == "month":
        return today.replace(day=1), today
    raise ValueError(preset)
