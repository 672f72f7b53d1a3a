"""Event payloads declared per kind, and the upcasters that bring old stored shapes up as they are read."""

from __future__ import annotations

import re
import sqlite3
import types
import typing
from contextlib import closing
from datetime import date, datetime, timedelta, timezone

from assistant.cli.demo import fill_demo
from assistant.domain import events
from assistant.domain.rules import replay
from assistant.reports.build import build_report
from assistant.reports.model import ReportFilter
from assistant.store.event_log import EventStore
from tests.conftest import ROOT

CST = timezone(timedelta(hours=8))


def conforms(value, hint) -> bool:
    origin = typing.get_origin(hint)
    if origin is typing.NotRequired:
        return conforms(value, typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, h) for h in typing.get_args(hint))
    if hint is type(None) or hint is None:
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, origin or hint)


def problems_of(kind: str, payload: dict) -> list[str]:
    if kind not in events.PAYLOADS:
        return [f"{kind}: not declared"]
    required, optional = events.payload_keys(kind)
    hints = events.payload_types(kind)
    out = [f"{kind}: {k} missing" for k in required - payload.keys()]
    out += [f"{kind}: {k} not declared" for k in payload.keys() - required - optional]
    out += [f"{kind}.{k} = {v!r}" for k, v in payload.items() if k in hints and not conforms(v, hints[k])]
    return out


def test_every_kind_the_rules_record_is_declared():
    source = (ROOT / "assistant" / "domain" / "rules.py").read_text(encoding="utf-8")
    recorded = set(re.findall(r'NewEvent\(\s*"(\w+)"', source)) | {"equipment_fault", "late_arrival"}
    assert recorded - events.PAYLOADS.keys() == set()


def test_every_event_of_a_demo_month_has_its_declared_shape(tmp_path, scripts):
    with EventStore.open(tmp_path / "demo.db") as store:
        fill_demo(store, scripts, days=12, windows=3, end=date(2026, 11, 27), seed=3)
        found = [p for e in store.events() for p in problems_of(e.kind, e.payload)]
        kinds = {e.kind for e in store.events()}
    assert found == []
    assert {"sign_in", "checklist_submit", "matter", "phrase_used", "overtime", "pause"} <= kinds


def test_upcast_leaves_current_shapes_alone_and_is_the_identity_without_an_upcaster():
    assert events.upcast("step", {"interaction": 1, "step": "ting"}) == (
        "step",
        {"interaction": 1, "step": "ting"},
    )
    assert events.upcast("close", {}) == ("close_request", {})
    status = {"item": "x", "status": "待修复"}
    assert events.upcast("equipment_fault", status) == ("equipment_fault", status)


def test_old_stored_shapes_are_read_in_their_current_shape_and_the_stored_rows_stay(tmp_path, scripts):
    path = tmp_path / "old.db"
    at = datetime(2026, 11, 26, 17, 0, tzinfo=CST)
    fault = {"item": "printer", "section": "equipment", "text": "打印机", "note": "", "clerk": "A0123"}
    with EventStore.open(path) as store:
        store.append([("sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"})], at)
        store.append([("equipment_fault", {**fault, "window": "社保3号窗口", "status": "待修复"})], at)
        store.append([("equipment_fault", {**fault, "window": "社保3号窗口", "status": "fixed"})], at)
        store.append([("close", {})], at + timedelta(minutes=5))  # as the first builds recorded it
    with EventStore.open(path) as store:
        read = list(store.events())
        assert [e.kind for e in read][-1] == "close_request"
        assert read[2].payload["status"] == events.STATUS_FIXED
        assert replay(read).closed_at is not None  # the rules know only close_request
        assert store.verify().ok  # the chain covers the rows as stored
        report = build_report(
            store, scripts, ReportFilter(date(2026, 11, 26), date(2026, 11, 26)), source="events"
        )
        statuses = [
            dict(zip(report.tables["faults"].keys, r))["status"] for r in report.tables["faults"].rows
        ]
        assert statuses == [events.STATUS_FIXED]
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT kind FROM events ORDER BY id DESC LIMIT 1").fetchone() == ("close",)
