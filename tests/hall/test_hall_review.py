"""The review and `export` over the hall database: every window, every clerk, one filter (real PostgreSQL)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QModelIndex, Qt

from assistant.desk import Desk
from assistant.edges.clock import FixedClock
from assistant.hall import config as hall_config
from assistant.hall import pusher as hall_pusher
from assistant.hall import reader as hall_reader
from assistant.hall import schema as hall_schema
from assistant.hall.review import (
    HallReport,
    HallSource,
    LocalSource,
    build_hall_report,
    cache_path,
    chain_line,
    rejection_lines,
)
from assistant.reports.build import build_report
from assistant.reports.model import ReportFilter
from assistant.store.event_log import EventStore
from tests.conftest import CST, ROOT

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the review window test (pytest-qt)

DAY = date(2026, 11, 26)
FLT = ReportFilter(DAY, DAY)
CLERKS = {"T-1": ("B001", "社保1号窗口"), "T-2": ("B002", "医保2号窗口")}


def serve(desk: Desk, times: int) -> None:
    for _ in range(times):
        for kind, data in (
            ("interaction_start", {}),
            ("phrase_used", {"phrase": "greet.welcome", "mode": "insert"}),
            ("matter", {"outcome": "办结", "matter": "社保转移"}),
            ("interaction_end", {}),
        ):
            assert desk.execute(kind, data).accepted, kind


def shift(path: Path, scripts, terminal: str, served: int) -> EventStore:
    """A terminal's morning: its clerk signs in at its window, passes the checklist, serves `served` people."""
    store = EventStore.open(path)
    desk = Desk(store, scripts, FixedClock(datetime(2026, 11, 26, 8, 40, tzinfo=CST)))
    clerk, window = CLERKS[terminal]
    assert desk.execute("sign_in", {"clerk": clerk, "role": "窗口人员", "window": window}).accepted
    for item in scripts.checklist.items:
        assert desk.execute("checklist_item", {"item": item.id, "ok": True}).accepted
    assert desk.execute("checklist_submit").accepted
    serve(desk, served)
    return store


def raw(store: EventStore, after: int = 0) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, at, kind, payload, prev_hash, hash FROM events WHERE id > ? ORDER BY id", (after,)
    ).fetchall()


def push(url: str, terminal: str, store: EventStore, upto: int | None = None) -> hall_pusher.PushResult:
    rows = raw(store)
    with hall_config.connect(url) as conn:
        hall_schema.install_schema(conn)
        return hall_pusher.push_rows(conn, terminal, rows if upto is None else rows[:upto])


@pytest.fixture
def two_terminals(hall_url, tmp_path, scripts):
    stores = {
        "T-1": shift(tmp_path / "t1.db", scripts, "T-1", 2),
        "T-2": shift(tmp_path / "t2.db", scripts, "T-2", 3),
    }
    for terminal, store in stores.items():
        assert push(hall_url, terminal, store).rejected_seq is None
    yield stores
    for store in stores.values():
        store.close()


def column(table, key: str) -> list:
    index = table.keys.index(key)
    return [row[index] for row in table.rows]


def test_the_merged_report_has_every_terminal_with_a_terminal_column(
    hall_url, tmp_path, scripts, two_terminals
):
    cache = tmp_path / "cache"
    with hall_reader.HallReader(hall_url) as reader:
        report = build_hall_report(reader, scripts, FLT, cache_dir=cache)
    assert isinstance(report, HallReport) and report.source == "大厅：2 个终端"
    for key, table in report.tables.items():
        assert table.columns[0].key == "terminal" and table.columns[0].label == "终端", key
    interactions = report.tables["interactions"]
    assert column(interactions, "terminal") == ["T-1"] * 2 + ["T-2"] * 3
    assert column(interactions, "clerk") == ["B001"] * 2 + ["B002"] * 3
    # each terminal's rows are exactly what that terminal's own review shows, behind its id
    for terminal, store in two_terminals.items():
        own = build_report(store, scripts, FLT)
        for key in ("checklist", "interactions", "phrases"):
            assert [r[1:] for r in report.tables[key].rows if r[0] == terminal] == own.tables[key].rows
        assert [
            t["target"] for t in report.tables["checklist"].targets if t["terminal"] == terminal
        ] == own.tables["checklist"].targets
    assert report.tables["checklist"].targets[0] == {
        "terminal": "T-1",
        "target": report.tables["checklist"].rows[0][1],
    }
    # every window and clerk in the filter lists; one filter across terminals
    assert report.windows == ("医保2号窗口", "社保1号窗口") and report.clerks == ("B001", "B002")
    with hall_reader.HallReader(hall_url) as reader:
        only = build_hall_report(reader, scripts, ReportFilter(DAY, DAY, clerk="B002"), cache_dir=cache)
    assert set(column(only.tables["interactions"], "terminal")) == {"T-2"}
    # the chain head line names every terminal's head
    heads = {t: (s.last_id(), raw(s)[-1][5]) for t, s in two_terminals.items()}
    line = chain_line(report)
    for terminal, (head_id, digest) in heads.items():
        assert (
            f"{terminal} #{head_id} {digest}" in line
            and f"{terminal} #{head_id} {digest}" in report.head_hash
        )
    assert report.head_id == sum(h for h, _ in heads.values())
    assert report.rejections == () and rejection_lines(report) == []
    assert column(report.tables["hall_terminals"], "terminal") == ["T-1", "T-2"]
    assert report.tables["hall_rejections"].rows == []
    assert sum(n for _, n in report.charts["served_per_hour"]) == 5


def test_the_cache_is_incremental_and_rebuilt_when_it_does_not_match(
    hall_url, tmp_path, scripts, two_terminals
):
    cache = tmp_path / "cache"
    reader = hall_reader.HallReader(hall_url)
    build_hall_report(reader, scripts, FLT, cache_dir=cache)
    path = cache_path(cache, "T-1")
    assert path.exists() and cache_path(cache, "T-2").exists()
    store = two_terminals["T-1"]
    serve(Desk(store, scripts, FixedClock(datetime(2026, 11, 26, 10, 0, tzinfo=CST))), 1)
    push(hall_url, "T-1", store)
    report = build_hall_report(reader, scripts, FLT, cache_dir=cache)
    assert column(report.tables["interactions"], "terminal").count("T-1") == 3
    with EventStore.open(path) as copy:
        assert list(copy.events()) == list(store.events())
    # a cache from elsewhere (another hall, an altered file) is thrown away, not merged
    path.unlink()
    with EventStore.open(path) as other:
        Desk(other, scripts, FixedClock(datetime(2026, 11, 27, 9, 0, tzinfo=CST))).execute(
            "sign_in", {"clerk": "X999", "role": "窗口人员", "window": "别处窗口"}
        )
        for _ in range(40):
            other.append([("note", {"text": "别处"})], datetime(2026, 11, 27, 9, 0, tzinfo=CST))
    report = build_hall_report(reader, scripts, FLT, cache_dir=cache)
    assert "X999" not in column(report.tables["checklist"], "clerk")
    with EventStore.open(path) as copy:
        assert list(copy.events()) == list(store.events())
    assert cache_path(cache, "../../etc/x").parent == cache and cache_path(cache, "a" * 200).name.endswith(
        ".db"
    )
    reader.close()


def test_the_lead_acknowledges_a_row_of_another_terminal(hall_url, tmp_path, scripts, two_terminals):
    lead_store = EventStore.open(tmp_path / "lead.db")
    lead = Desk(lead_store, scripts, FixedClock(datetime(2026, 11, 26, 17, 0, tzinfo=CST)))
    source = HallSource(hall_url, scripts, lead_store, "LEAD", cache_dir=tmp_path / "cache")
    try:
        report = source.report(FLT)
        checklist = report.tables["checklist"]
        target = checklist.targets[column(checklist, "terminal").index("T-2")]
        assert target["terminal"] == "T-2"
        assert lead.execute(*source.ack_command(target, "已核对", "L001")).accepted
        # not pushed yet: the lead's own unpushed acknowledgement counts
        after = source.report(FLT).tables["checklist"]
        comments = dict(zip((t["terminal"] for t in after.targets), column(after, "lead_comment")))
        assert comments == {"T-1": "", "T-2": "已核对"}
        # pushed from the lead's terminal: counted once, and listed in the notes
        push(hall_url, "LEAD", lead_store)
        again = source.report(FLT)
        assert column(again.tables["checklist"], "lead_comment").count("已核对") == 1
        notes = again.tables["notes"]
        assert [(r[0], r[notes.keys.index("target")]) for r in notes.rows] == [
            ("LEAD", f"T-2 #{target['target']}")
        ]
        # the local review of the lead's terminal does not attach it to its own record of that number
        own = build_report(lead_store, scripts, FLT)
        assert all(
            not c for t in own.tables.values() if "lead_comment" in t.keys for c in column(t, "lead_comment")
        )
        total = sum(s.last_id() for s in (*two_terminals.values(), lead_store))
        assert source.label == "大厅：3 个终端" and source.verify_text() == (True, f"完整（大厅 {total} 条）")
    finally:
        source.close()
        lead_store.close()
    local = LocalSource(two_terminals["T-1"], scripts)
    assert local.label == "本机" and local.verify_text()[0]


def test_a_tampered_terminal_is_reported_not_silently_merged(hall_url, tmp_path, scripts, two_terminals):
    forged = two_terminals["T-2"]
    with hall_config.connect(
        hall_url
    ) as conn:  # start over with T-3: its first 5 events reach the hall, then a forgery
        t3 = shift(tmp_path / "t3.db", scripts, "T-2", 2)
        hall_pusher.push_rows(conn, "T-3", raw(t3)[:5])
        rows = raw(t3)
        bad = list(rows[5])
        bad[3] = bad[3].replace("}", ',"clerk":"FORGED"}', 1) if bad[3] != "{}" else '{"clerk":"FORGED"}'
        result = hall_pusher.push_rows(conn, "T-3", [tuple(bad), *rows[6:]])
    assert result.rejected_seq == 6 and result.code == "hash"
    with hall_reader.HallReader(hall_url) as reader:
        report = build_hall_report(reader, scripts, FLT, cache_dir=tmp_path / "cache")
    assert [r.terminal_id for r in report.rejections] == ["T-3"]
    [line] = rejection_lines(report)
    assert "T-3" in line and "#6" in line and "内容被改动过" in line
    refused = report.tables["hall_rejections"]
    assert column(refused, "terminal") == ["T-3"] and column(refused, "seq") == [6]
    terminals = report.tables["hall_terminals"]
    assert dict(zip(column(terminals, "terminal"), column(terminals, "refused"))) == {
        "T-1": "否",
        "T-2": "否",
        "T-3": "是",
    }
    assert dict(zip(column(terminals, "terminal"), column(terminals, "merged")))["T-3"] == 5
    # nothing refused is merged: T-3 contributes only what the hall accepted (before any interaction)
    assert "T-3" not in column(report.tables["interactions"], "terminal")
    assert all("FORGED" not in str(row) for t in report.tables.values() for row in t.rows)
    assert forged.verify().ok
    t3.close()


# ─── the command line ─────────────────────────────────────────────────────────────────────────────

LEAD_PIN = "583920"


def set_pin(data: Path, db: Path) -> None:
    assert run(data, "--db", str(db), "lead-pin", "set").returncode == 0


def run(data: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {
        **os.environ,
        "WA_NO_VENV": "1",
        "WA_DATA_DIR": str(data),
        "QT_QPA_PLATFORM": "offscreen",
        "WA_LEAD_ID": "L001",
        "WA_LEAD_PIN": LEAD_PIN,
        **(env or {}),
    }
    if not env or "WA_HALL" not in env:
        full.pop("WA_HALL", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_export_from_the_hall_xlsx_and_csv(hall_url, tmp_path, two_terminals):
    data, lead_db = tmp_path / "data", tmp_path / "lead.db"
    EventStore.open(lead_db).close()  # the lead's PC has its own terminal database (export never creates one)
    args = ["--db", str(lead_db), "--hall", hall_url, "export", "--from", "2026-11-26", "--to", "2026-11-26"]
    set_pin(data, lead_db)
    done = run(data, *args, "--format", "xlsx", "--out", str(tmp_path / "hall.xlsx"))
    assert done.returncode == 0, done.stderr
    assert "来源：大厅：2 个终端" in done.stdout
    about = dict(list(openpyxl.load_workbook(tmp_path / "hall.xlsx")["说明"].iter_rows(values_only=True))[1:])
    assert "不含服务对象的姓名、电话、地址" in about["个人信息"]
    head = next(line for line in done.stdout.splitlines() if line.startswith("链尾"))
    assert "T-1 #" in head and "T-2 #" in head
    wb = openpyxl.load_workbook(tmp_path / "hall.xlsx")
    sheet = list(wb["服务记录"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("终端", "记录号", "序号")
    assert [r[0] for r in sheet[1:]] == ["T-1"] * 2 + ["T-2"] * 3
    assert {r[sheet[0].index("工作证编号")] for r in sheet[1:]} == {"B001", "B002"}
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert "T-1 #" in about["链尾哈希"] and "T-2 #" in about["链尾哈希"]
    assert "大厅终端" in wb.sheetnames and "大厅拒收" in wb.sheetnames

    done = run(
        data, *args, "--format", "csv", "--out", str(tmp_path / "csv"), "--tables", "checklist,interactions"
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "csv" / "checklist.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "终端" and sorted(r[0] for r in rows[1:]) == ["T-1", "T-2"]
    # each export is recorded on the lead's own terminal
    with EventStore.open(lead_db) as lead:
        assert [e.kind for e in lead.events() if e.kind != "lead_pin_set"] == ["export", "export"]

    # --local: this terminal only, even with a hall configured (here through WA_HALL)
    set_pin(data, two_terminals["T-1"].path)
    local = run(
        data,
        "--db",
        str(two_terminals["T-1"].path),
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "local"),
        "--local",
        env={"WA_HALL": hall_url},
    )
    assert local.returncode == 0, local.stderr
    with (tmp_path / "local" / "checklist.csv").open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[0] == "记录号"
    via_env = run(
        data,
        "--db",
        str(lead_db),
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "env"),
        env={"WA_HALL": hall_url},
    )
    assert via_env.returncode == 0 and "大厅：2 个终端" in via_env.stdout


def test_export_warns_of_a_refused_terminal_and_of_an_unreachable_hall(
    hall_url, tmp_path, scripts, two_terminals
):
    t3 = shift(tmp_path / "t3.db", scripts, "T-1", 1)
    rows = raw(t3)
    with hall_config.connect(hall_url) as conn:
        hall_pusher.push_rows(conn, "T-3", [rows[0], rows[2]])  # #2 missing: a gap
    t3.close()
    set_pin(tmp_path / "data", tmp_path / "lead.db")
    done = run(
        tmp_path / "data",
        "--db",
        str(tmp_path / "lead.db"),
        "--hall",
        hall_url,
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "r.xlsx"),
    )
    assert done.returncode == 0, done.stderr
    assert "警告：大厅拒收终端 T-3 的事件 #3" in done.stderr
    sheet = list(openpyxl.load_workbook(tmp_path / "r.xlsx")["大厅拒收"].iter_rows(values_only=True))
    assert sheet[1][:3] == ("T-3", 3, "gap")

    from tests.hall.pgcluster import free_port

    down = run(
        tmp_path / "data",
        "--db",
        str(tmp_path / "lead.db"),
        "--hall",
        f"postgresql://u@127.0.0.1:{free_port()}/hall",
        "export",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "down"),
    )
    assert down.returncode == 2 and "无法连接大厅数据库" in down.stderr
    assert not (tmp_path / "down").exists()


# ─── the review window ────────────────────────────────────────────────────────────────────────────


def test_the_review_window_reads_the_hall_and_says_so(qtbot, hall_url, tmp_path, scripts, two_terminals):
    from ui.review.window import ReviewWindow

    lead_store = EventStore.open(tmp_path / "lead.db")
    desk = Desk(lead_store, scripts, FixedClock(datetime(2026, 11, 26, 17, 0, tzinfo=CST)))
    source = HallSource(hall_url, scripts, lead_store, "LEAD", cache_dir=tmp_path / "cache")
    try:
        window = ReviewWindow(desk, today=DAY, source=source)
        qtbot.addWidget(window)
        assert window.source_label.text() == "数据来源：大厅：2 个终端"

        def rows(key: str) -> int:  # every page of the (paged) table model
            model = window.views[key].model()
            while model.canFetchMore(QModelIndex()):
                model.fetchMore(QModelIndex())
            return model.rowCount()

        assert rows("interactions") == 5
        assert window.views["interactions"].model().headerData(0, Qt.Orientation.Horizontal) == "终端"
        assert "T-1 #" in window.head_label.text() and "T-2 #" in window.head_label.text()
        window.clerk_box.setCurrentText("B002")
        window.refresh()
        assert rows("interactions") == 3
        window.tabs.setCurrentWidget(window.views["checklist"])
        assert rows("checklist") == 1
        window.views["checklist"].selectRow(0)
        target = window.selected_target()
        assert target["terminal"] == "T-2"
        assert window.acknowledge(target, "已核对") is None
        assert "已核对" in window.report.tables["checklist"].rows[0]
        assert window.verify().startswith("完整")
        local = ReviewWindow(desk, today=DAY)
        qtbot.addWidget(local)
        assert local.source_label.text() == "数据来源：本机"
    finally:
        source.close()
        lead_store.close()
