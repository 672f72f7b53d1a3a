"""Personal data (PIPL), settings.toml, corrections and the append-only record (issue 8)."""

from __future__ import annotations

import math
import sqlite3
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cli import privacy
from assistant.config.scripts import default_dir
from assistant.config.settings import Settings, load_settings
from assistant.domain.rules import Command, Refusal, State, decide
from assistant.edges.lead_pin import LeadPin, hash_pin
from assistant.store.event_log import EventStore, purge_rows
from tests.conftest import ROOT, ready_desk


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ─── settings.toml ──────────────────────────────────────────────────────────────────────────────


def test_builtin_settings_defaults():
    assert load_settings() == Settings(pin_hash=None, retention_days=180, drift_tolerance_seconds=120)
    assert (default_dir() / "settings.toml").exists()


def test_hall_overrides_key_by_key_and_shares_the_pin(tmp_path):
    pin = hash_pin("8642")
    (tmp_path / "settings.toml").write_text(
        f'[lead]\npin_hash = "{pin}"\n[privacy]\nretention_days = 90\n', encoding="utf-8"
    )
    got = load_settings(tmp_path)
    assert (got.pin_hash, got.retention_days, got.drift_tolerance_seconds, got.problems) == (pin, 90, 120, ())
    with EventStore.open(tmp_path / "g.db") as store:  # adopted as the database's first PIN
        assert LeadPin(store, tmp_path / "data", tmp_path).check("8642").ok


def test_a_bad_value_names_file_line_field_and_keeps_the_rest(tmp_path):
    pin = hash_pin("8642")
    (tmp_path / "settings.toml").write_text(
        f'schema = 1\n[lead]\npin_hash = "{pin}"\n\n[privacy]\nretention_days = "半年"\n[clock]\nfoo = 1\n',
        encoding="utf-8",
    )
    got = load_settings(tmp_path)
    assert got.pin_hash == pin and got.retention_days == 180
    first, second = (str(p) for p in got.problems)
    assert first.startswith("settings.toml 第 6 行，字段 privacy.retention_days：应为整数")
    assert "已改用默认值：180" in first
    assert second.startswith("settings.toml 第 8 行，字段 clock.foo：未知字段 foo")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[privacy]\nretention_days = 0\n", 2, "应在 1–3650 之间"),
        ("[privacy]\nretention_days = 99999999999999999999\n", 2, "应在 1–3650 之间"),
        ("[clock]\ndrift_tolerance_seconds = true\n", 2, "应为整数"),
        ('[lead]\npin_hash = "1234"\n', 2, "不是有效的 PIN 哈希"),
        ("[privacy\nretention_days = 1\n", 1, "TOML 语法错误"),
        ("privacy = 3\n", 1, "应为表 [privacy]"),
        ("schema = 7\n", 1, "不支持的格式版本"),
        ("[\"__import__('os')\"]\nx = 1\n", 1, "未知的项目"),
    ],
)
def test_broken_settings_each_get_a_chinese_problem(tmp_path, text, line, words):
    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    got = load_settings(tmp_path)
    assert (got.retention_days, got.drift_tolerance_seconds) == (180, 120)
    assert len(got.problems) == 1 and got.problems[0].line == line and words in got.problems[0].message


def test_invalid_utf8_settings(tmp_path):
    (tmp_path / "settings.toml").write_bytes(b"[privacy]\nretention_days = 30 # \xff\xfe\n")
    problem = load_settings(tmp_path).problems[0]
    assert problem.line == 2 and "UTF-8" in problem.message and "默认值" in problem.message


_values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=20),
    st.booleans(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=3),
)
_keys = st.sampled_from(["retention_days", "drift_tolerance_seconds", "pin_hash", "x", "exec(1)"])


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    return repr(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=st.sampled_from(["lead", "privacy", "clock", "other"]),
    key=_keys,
    value=_values,
    garbage=st.binary(max_size=8),
)
def test_hostile_settings_never_crash(tmp_path, table, key, value, garbage):
    body = f"[{table}]\n{key} = {_toml_value(value)}\n".encode() + garbage
    (tmp_path / "settings.toml").write_bytes(body)
    got = load_settings(tmp_path)
    assert 1 <= got.retention_days <= 3650 and 5 <= got.drift_tolerance_seconds <= 86400
    for problem in got.problems:
        assert problem.file.endswith("settings.toml") and has_chinese(problem.message)
    sound = (
        (table, key) in {("privacy", "retention_days"), ("clock", "drift_tolerance_seconds")}
        and isinstance(value, int)
        and not isinstance(value, bool)
        and not garbage.strip()
    )
    if sound and not got.problems:
        assert value in (got.retention_days, got.drift_tolerance_seconds)


# ─── the counter notice ─────────────────────────────────────────────────────────────────────────


def test_notice_builtin_with_retention_and_docs_copy():
    text, problems = privacy.load_notice(None, 180)
    assert problems == () and "180 天" in text and "{retention_days}" not in text
    for words in ("记录什么", "为什么记录", "保存多久", "个人信息保护法", "遮蔽电话"):
        assert words in text
    docs = "\n".join(
        line.rstrip() for line in (ROOT / "docs" / "privacy-notice.md").read_text("utf-8").splitlines()
    )
    assert text.strip() in docs


def test_hall_notice_and_a_broken_one(tmp_path):
    (tmp_path / "privacy-notice.txt").write_text(
        "本厅告知：联系信息保存 {retention_days} 天。\n", encoding="utf-8"
    )
    assert privacy.load_notice(tmp_path, 30) == ("本厅告知：联系信息保存 30 天。\n", ())
    (tmp_path / "privacy-notice.txt").write_bytes(b"\xff\xfe\x00")
    text, problems = privacy.load_notice(tmp_path, 30)
    assert "30 天" in text and "记录什么" in text
    assert "UTF-8" in str(problems[0]) and "内置的告知文本" in str(problems[0])


def test_default_before_and_cutoff():
    assert privacy.default_before(date(2026, 11, 26), 180) == date(2026, 5, 30)
    cut = privacy.cutoff(date(2026, 5, 30))
    assert cut.tzinfo is not None and (cut.hour, cut.minute) == (0, 0)


# ─── corrections and purges as rules ────────────────────────────────────────────────────────────


def _decide(kind, data, last_id=10, clerk="A0123"):
    now = datetime.fromisoformat("2026-11-26T10:00:00+08:00")
    return decide(State(clerk=clerk, last_event_id=last_id), Command(kind, data), now, None)


def test_correction_refers_to_an_existing_event_with_a_chinese_reason():
    ok = _decide("correction", {"target": 7, "reason": "结果录错，应为办结", "changes": {"outcome": "办结"}})
    assert not isinstance(ok, Refusal)
    assert ok[0].kind == "correction"
    assert ok[0].payload == {
        "target": 7,
        "reason": "结果录错，应为办结",
        "by": "A0123",
        "changes": {"outcome": "办结"},
    }
    for data, code in [
        ({"target": 11, "reason": "错了"}, "unknown_target"),
        ({"target": 0, "reason": "错了"}, "unknown_target"),
        ({"target": True, "reason": "错了"}, "unknown_target"),
        ({"target": "7", "reason": "错了"}, "unknown_target"),
        ({"target": 7}, "reason_required"),
        ({"target": 7, "reason": "   "}, "reason_required"),
        ({"target": 7, "reason": "typo"}, "reason_required"),
        ({"target": 7, "reason": "错" * 501}, "bad_value"),
        ({"target": 7, "reason": "错了", "changes": {"x": [1]}}, "bad_value"),
        ({"target": 7, "reason": "错了", "changes": {"phone": "13800138000"}}, "personal_data"),
    ]:
        refusal = _decide("correction", data)
        assert isinstance(refusal, Refusal) and refusal.code == code and has_chinese(refusal.reason), data


def test_purge_personal_rule():
    ok = _decide("purge_personal", {"before": "2026-05-30", "count": 3, "retention_days": 180})
    assert ok[0].payload == {"before": "2026-05-30", "count": 3, "by": "值班长", "retention_days": 180}
    for data in (
        {"count": 3},
        {"before": "2026-12-01", "count": 1},
        {"before": "2026-05-30", "count": -1},
        {"before": "2026-05-30", "count": "3"},
    ):
        assert isinstance(_decide("purge_personal", data), Refusal)


def test_correction_through_the_desk_and_the_record_stays(desk):
    ready_desk(desk)
    first = list(desk.store.events())
    outcome = desk.execute(
        "correction",
        {"target": 1, "reason": "签到窗口填错，应为社保5号窗口", "changes": {"window": "社保5号窗口"}},
    )
    assert outcome.accepted
    assert list(desk.store.events())[: len(first)] == first
    assert desk.store.verify().ok
    assert not desk.execute("correction", {"target": outcome.events[0].id + 1, "reason": "错了"}).accepted


def test_the_database_refuses_changes_to_events(desk):
    ready_desk(desk)
    conn = desk.store.conn
    for sql in (
        "UPDATE events SET payload = '{}' WHERE id = 1",
        "DELETE FROM events WHERE id = 1",
        "DELETE FROM events",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="只能追加"):
            conn.execute(sql)
    assert desk.store.verify().ok


def test_purge_keeps_events_and_statistics(desk, clock):
    ready_desk(desk)
    desk.execute("interaction_start")
    old = desk.execute(
        "follow_up",
        {
            "topic": "补材料",
            "due": "2026-11-30",
            "person": {"name": "张三", "phone": "13800138000", "address": "某路1号"},
        },
    )
    pid = old.events[0].payload["person_id"]
    clock.advance(days=200)
    new = desk.execute(
        "follow_up",
        {
            "topic": "回访",
            "due": (clock.now().date() + timedelta(days=2)).isoformat(),
            "person": {"name": "李四", "phone": "13900139000"},
        },
    )
    before = [(e.id, e.hash) for e in desk.store.events()]
    limit = privacy.default_before(clock.now().date(), 180)
    outcome = desk.execute(
        "purge_personal",
        {"before": limit.isoformat(), "count": 0},
        prepare=lambda conn: {"count": purge_rows(conn, privacy.cutoff(limit))},
    )
    assert outcome.events[0].payload["count"] == 1
    assert desk.store.person(pid)["name"] == "" and desk.store.person(pid)["purged_at"]
    assert desk.store.person(new.events[0].payload["person_id"])["name"] == "李四"
    after = [(e.id, e.hash) for e in desk.store.events()]
    assert (
        after[: len(before)] == before and desk.store.verify().ok
    )  # the events stay; one purge record added


def test_the_paste_restore_delays_come_from_the_hall_and_a_bad_one_keeps_its_default(tmp_path):
    assert (Settings.paste_restore_ms, Settings.paste_remote_restore_ms) == (300, 1500)
    (tmp_path / "settings.toml").write_text(
        "[paste]\nrestore_ms = 600\nremote_restore_ms = 0\n", encoding="utf-8"
    )
    got = load_settings(tmp_path)
    assert (got.paste_restore_ms, got.paste_remote_restore_ms) == (600, 1500)
    assert len(got.problems) == 1 and "paste.remote_restore_ms" in str(got.problems[0])
    assert "应在 50–30000 之间" in str(got.problems[0]) and "已改用默认值：1500" in str(got.problems[0])
