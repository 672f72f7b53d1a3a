"""The hall's projections (schema version 3, kept by hall.receive as events arrive) equal the local ones.

The oracle: the same events recorded through the real rules into a terminal's SQLite store (whose projections
``assistant.store.projections.project`` keeps) and pushed to a real PostgreSQL; every projection table of the
hall, for that terminal, holds the same rows with the same values."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from assistant.cli.demo import fill_demo
from assistant.hall import aggregates
from assistant.hall import config as hall_config
from assistant.hall import pusher as hall_pusher
from assistant.hall import reader as hall_reader
from assistant.hall import schema as hall_schema
from assistant.hall.admin import add_lead
from assistant.hall.review import build_hall_report
from assistant.reports.model import ReportFilter
from assistant.store.event_log import EventStore
from tests.conftest import CST

END = date(2026, 11, 27)


def local_tables(store: EventStore) -> dict[str, list[tuple]]:
    q = store.conn.execute
    return {
        "events": q("SELECT id, day, kind, clerk, role, window, fu FROM proj_events ORDER BY id").fetchall(),
        "interactions": [
            (*r[:14], json.loads(r[14]), r[15])
            for r in q(
                "SELECT start_id, end_id, day, number, clerk, role, window, started, ended, seconds, steps,"
                " durations, matters, outcomes, referrals, person FROM proj_interactions ORDER BY end_id"
            )
        ],
        "phrases": sorted(
            q("SELECT day, clerk, role, window, phrase, mode, n FROM proj_phrases").fetchall(), key=repr
        ),
        "people": sorted(q("SELECT window, clerk FROM proj_people").fetchall(), key=repr),
        "follow_ups": q(
            "SELECT id, day, kind, clerk, role, window, number, status, has_status, due, answer"
            " FROM proj_follow_ups ORDER BY id"
        ).fetchall(),
    }


def hall_tables(conn, terminal: str) -> dict[str, list[tuple]]:
    def q(sql: str) -> list[tuple]:
        return conn.execute(sql, (terminal,)).fetchall()

    return {
        "events": [
            (s, d.isoformat(), k, c, r, w, int(fu))
            for s, d, k, c, r, w, fu in q(
                "SELECT seq, day, kind, clerk, role, window_name, fu FROM hall.proj_events"
                " WHERE terminal_id = %s ORDER BY seq"
            )
        ],
        "interactions": [
            (r[0], r[1], r[2].isoformat(), *r[3:])
            for r in q(
                "SELECT start_seq, end_seq, day, number, clerk, role, window_name, started, ended, seconds, steps,"
                " durations, matters, outcomes, referrals, person FROM hall.proj_interactions"
                " WHERE terminal_id = %s ORDER BY end_seq"
            )
        ],
        "phrases": sorted(
            (
                (d.isoformat(), *rest)
                for d, *rest in q(
                    "SELECT day, clerk, role, window_name, phrase, mode, n FROM hall.proj_phrases"
                    " WHERE terminal_id = %s"
                )
            ),
            key=repr,
        ),
        "people": sorted(
            q("SELECT window_name, clerk FROM hall.proj_people WHERE terminal_id = %s"), key=repr
        ),
        "follow_ups": [
            (s, d.isoformat(), k, c, r, w, n, st, int(hs), due, a)
            for s, d, k, c, r, w, n, st, hs, due, a in q(
                "SELECT seq, day, kind, clerk, role, window_name, number, status, has_status, due, answer"
                " FROM hall.proj_follow_ups WHERE terminal_id = %s ORDER BY seq"
            )
        ],
    }


# What the demo does not make, and payloads the rules would not write but a log may hold (an older version, an
# import): escalations, follow-ups closed, complaints updated, guard alerts, clock jumps, an event's own tags
# against the signed-in ones, null, numeric, boolean and empty values, an interaction left open by a sign-out.
ODD_CASES: tuple[tuple[str, dict], ...] = (
    ("sign_in", {"clerk": "B007", "role": None, "window": "窗口'三\"号"}),
    ("interaction_start", {"interaction": 41, "step": "greet", "clock_jump": "+00:05"}),
    ("step", {"step": 3}),
    ("matter", {"title": "补证", "outcome": "待答复", "follow_up": "9", "due": "2026-12-01", "referral": ""}),
    ("matter", {"title": "转办", "outcome": "办结", "referral": "tax-1", "person_id": 5}),
    ("escalate", {"to": 0}),
    ("phrase_used", {"phrase": "greet.welcome"}),
    ("interaction_end", {"person_id": 8}),
    ("follow_up", {"topic": "待补材料", "due": ""}),
    ("follow_up_close", {"follow_up": 9, "answer": "已电话告知"}),
    ("complaint", {"complaint": 1, "content": "等候过久", "status": "受理", "deadline": "2026-12-03"}),
    ("complaint_update", {"complaint": 1, "status": "已办结", "clerk": "B099", "window": False}),
    ("complaint_update", {"complaint": 1}),
    ("guard_alert", {"word": "不知道", "clerk": 12}),
    ("taboo_hit", {"role": "值班长", "window": 0.0}),
    ("interaction_start", {"interaction": "A-2"}),
    ("sign_out", {}),
    ("interaction_end", {}),
    ("pause", {"reason": "午休"}),
    ("sign_in", {"clerk": "", "window": "综合窗口"}),
    ("interaction_start", {"step": "greet"}),
    ("interaction_end", {"clock_jump": "-00:03"}),
    ("sign_out", {"window": "综合窗口"}),
)


def record_odd_cases(store: EventStore) -> None:
    at = datetime(2026, 11, 27, 18, 0, tzinfo=CST)
    for i, event in enumerate(ODD_CASES):
        store.append([event], at + timedelta(seconds=37 * i, microseconds=500_000 * (i % 2)))


def rows(store: EventStore) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, at, kind, payload, prev_hash, hash FROM events ORDER BY id"
    ).fetchall()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, scripts):
    """Two terminals' weeks recorded through the real Desk and rules (two windows each: open interactions
    are per window), with every kind the demo makes: sign-ins, checklists, interactions with steps, matters,
    referrals and escalations, follow-ups, complaints, pauses, faults, phrases."""
    folder = tmp_path_factory.mktemp("recorded")
    out = {}
    for terminal, seed in (("社保1号窗口#1", 11), ("医保2号窗口#1", 12)):
        store = EventStore.open(folder / f"{seed}.db")
        fill_demo(store, scripts, days=5, windows=2, end=END, seed=seed)
        record_odd_cases(store)
        out[terminal] = store
    yield out
    for store in out.values():
        store.close()


def push_all(url: str, stores: dict[str, EventStore], batch: int) -> None:
    with hall_config.connect(url) as conn:
        for terminal, store in stores.items():
            everything = rows(store)
            for i in range(0, len(everything), batch):
                result = hall_pusher.push_rows(conn, terminal, everything[i : i + batch])
                assert result.rejected_seq is None, result.reason
            conn.commit()


def assert_equal(url: str, stores: dict[str, EventStore]) -> None:
    with hall_config.connect(url) as conn:
        for terminal, store in stores.items():
            local, hall = local_tables(store), hall_tables(conn, terminal)
            assert {k: len(v) for k, v in hall.items()} == {k: len(v) for k, v in local.items()}
            for key in local:
                assert hall[key] == local[key], (terminal, key)


def test_the_hall_projects_as_the_local_projection_version_it_was_written_for():
    from assistant.store.projections import CONTEXT_VERSION

    assert hall_schema.PROJECTION_CONTEXT == CONTEXT_VERSION, (
        "the local projection changed: add a hall migration re-creating hall.project and re-projecting"
    )


def test_the_halls_projections_equal_the_local_ones(hall_url, recorded):
    local = local_tables(next(iter(recorded.values())))
    assert all(local[k] for k in local), {k: len(v) for k, v in local.items()}  # the oracle is not empty
    push_all(hall_url, recorded, batch=97)  # batches cut anywhere: an interaction open across two pushes
    assert_equal(hall_url, recorded)


def test_an_upgraded_hall_projects_what_it_already_held(pg_cluster, recorded, monkeypatch):
    url = pg_cluster.create_database("hall_upgraded")
    with monkeypatch.context() as m:  # a version-2 hall (before the projections) receives the weeks …
        m.setattr(hall_schema, "MIGRATIONS", hall_schema.MIGRATIONS[:2])
        m.setattr(hall_schema, "SCHEMA_VERSION", 2)
        with hall_config.connect(url) as conn:
            hall_schema.install_schema(conn)
    push_all(url, recorded, batch=500)
    with hall_config.connect(url) as conn:  # … and `hall init` upgrades it: what it held is projected
        assert "已升级到版本 3" in hall_schema.install_schema(conn)
        conn.commit()
    assert_equal(url, recorded)


def test_the_leads_month_from_the_projections_equals_the_mirrored_review(
    hall_url, recorded, scripts, tmp_path
):
    push_all(hall_url, recorded, batch=500)
    flt = ReportFilter(date(2026, 11, 20), END)
    with hall_reader.HallReader(hall_url) as reader:
        mirrored = build_hall_report(
            reader, scripts, flt, ("interactions", "phrases"), cache_dir=tmp_path / "c"
        )
    with hall_config.connect(hall_url) as conn:
        add_lead(conn, "lead_month")
        conn.commit()
    lead = hall_url.replace("postgresql://postgres@", "postgresql://lead_month@")  # (the test cluster trusts)
    with hall_config.connect(lead) as conn:  # the lead's own role: wa_lead reads the projections
        assert conn.execute("SELECT current_user").fetchone() == ("lead_month",)
        tables = aggregates.month_tables(conn, scripts, flt)
        interactions = tables["interactions"]
        assert len(interactions) == len(mirrored.tables["interactions"].rows) > 300
        # page by page (keyset after the first page), as the review window and the export read it
        rows = list(interactions.all_rows(size=97))
        assert rows == mirrored.tables["interactions"].rows
        assert list(interactions.all_targets(size=97)) == mirrored.tables["interactions"].targets
        assert any(row[14] for row in rows)  # a clock jump marked, from the hall's events
        assert tables["phrases"].rows == mirrored.tables["phrases"].rows
        assert tables["phrases"].columns == mirrored.tables["phrases"].columns
        one = next(iter(recorded))
        window = ReportFilter(flt.start, flt.end, window="综合窗口")
        only = aggregates.month_tables(conn, scripts, window, terminals=[one])["interactions"]
        assert {(row[0], row[5]) for row in only.all_rows()} == {(one, "综合窗口")}
        counts = aggregates.kind_counts(conn, flt)
        assert counts["sign_in"] == sum(
            s.conn.execute(
                "SELECT count(*) FROM proj_events WHERE kind = 'sign_in' AND day >= '2026-11-20'"
            ).fetchone()[0]
            for s in recorded.values()
        )
