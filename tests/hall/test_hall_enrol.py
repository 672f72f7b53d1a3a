"""A hall that trusts no terminal blindly: init, enrol, join, forging refused, epochs, status, TLS (real PostgreSQL)."""

from __future__ import annotations

import json
import stat
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from assistant.cli.commands import main
from assistant.desk import Desk
from assistant.edges.clock import FixedClock
from assistant.hall import admin as hall_admin
from assistant.hall import config as hall_config
from assistant.hall import pusher as hall_pusher
from assistant.hall import schema as hall_schema
from assistant.store import event_log
from assistant.store.event_log import EventStore
from tests.conftest import CST

WAIT = 60.0


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def enrol(capsys, admin_url: str, window: str, *extra: str) -> str:
    code, out, err = cli(
        capsys, "hall", "enrol", "--window", window, "--sslmode", "disable", *extra, admin_url
    )
    assert code == 0, err
    return out.strip().splitlines()[-1]  # the code is the last line


def join(capsys, db: Path, code: str, *extra: str) -> hall_config.Enrolment:
    result = cli(capsys, "--db", str(db), "hall", "join", code, *extra)
    assert result[0] == 0, result[2]
    enrolment = hall_config.load_enrolment(db)
    assert enrolment is not None
    return enrolment


def serve(store: EventStore, scripts, window: str, clerk: str) -> Desk:
    desk = Desk(store, scripts, FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=CST)))
    assert desk.execute("sign_in", {"clerk": clerk, "role": "窗口人员", "window": window}).accepted
    for item in scripts.checklist.items:
        assert desk.execute("checklist_item", {"item": item.id, "ok": True}).accepted
    assert desk.execute("checklist_submit").accepted
    desk.execute("interaction_start")
    desk.execute("matter", {"outcome": "办结", "matter": "社保转移"})
    desk.execute("interaction_end")
    return desk


def raw(store: EventStore, after: int = 0) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, at, kind, payload, prev_hash, hash FROM events WHERE id > ? ORDER BY id", (after,)
    ).fetchall()


def admin_rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


# ─── init ─────────────────────────────────────────────────────────────────────────────────────────


def test_init_twice_then_least_grants_and_pinned_functions(capsys, pg_cluster):
    url = pg_cluster.create_database("hall_init")
    first = cli(capsys, "hall", "init", url)
    assert first[0] == 0 and "已升级到版本 1" in first[1] and "已升级到版本 2" in first[1], first
    second = cli(capsys, "hall", "init", url)
    assert second[0] == 0 and "已升级" not in second[1] and "已就绪" in second[1]
    assert admin_rows(url, "SELECT value FROM hall.meta WHERE key = 'schema_version'") == [
        (str(hall_schema.SCHEMA_VERSION),)
    ]
    functions = admin_rows(
        url,
        "SELECT p.oid::regprocedure::text, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner), "
        "has_function_privilege('public', p.oid, 'EXECUTE'), has_function_privilege('wa_terminal', p.oid, 'EXECUTE'),"
        "has_function_privilege('wa_lead', p.oid, 'EXECUTE') "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'hall'",
    )
    assert len(functions) >= 6
    for name, definer, config, owner, public, terminal, lead in functions:
        assert owner == "wa_hall_owner" and not public and not lead, name
        if definer:
            assert "search_path=pg_catalog, hall, pg_temp" in config, (name, config)
        assert terminal == (name in hall_schema.TERMINAL_FUNCTIONS), name
    tables = admin_rows(
        url,
        "SELECT c.oid::regclass::text, pg_get_userbyid(c.relowner), "
        "has_table_privilege('wa_terminal', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER'), "
        "has_table_privilege('public', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER'), "
        "has_table_privilege('wa_lead', c.oid, 'SELECT'), "
        "has_table_privilege('wa_lead', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'hall' AND c.relkind IN ('r', 'v')",
    )
    assert {t[0] for t in tables} >= {
        "hall.events",
        "hall.terminals",
        "hall.enrolments",
        "hall.meta",
        "hall.proj_interactions",
    }
    for name, owner, terminal, public, lead_reads, lead_writes in tables:
        assert owner == "wa_hall_owner" and not terminal and not public and lead_reads and not lead_writes, (
            name
        )
    database = admin_rows(
        url,
        "SELECT has_database_privilege('public', current_database(), 'CONNECT'), "
        "has_database_privilege('public', current_database(), 'TEMPORARY'), "
        "has_database_privilege('wa_terminal', current_database(), 'CONNECT')",
    )
    assert database == [(False, False, True)]


def test_a_terminal_cannot_push_before_init_and_is_told_why(pg_cluster, tmp_path):
    url = pg_cluster.create_database("hall_uninit")
    with EventStore.open(tmp_path / "t.db") as store:
        store.append([("note", {"text": "x"})], datetime.now().astimezone())
    pusher = hall_pusher.HallPusher(url, tmp_path / "t.db", "T", poll=0.05, retry_max=0.1).start()
    try:
        deadline = datetime.now().timestamp() + WAIT
        while "hall init" not in pusher.status().message and datetime.now().timestamp() < deadline:
            pusher.wake()
            pusher._stop.wait(0.02)
        assert "hall init" in pusher.status().message
    finally:
        pusher.stop()


# ─── enrol, join, forging ─────────────────────────────────────────────────────────────────────────


@pytest.fixture
def two_enrolled(capsys, hall_url, tmp_path, scripts):
    """Windows A and B enrolled and joined, each with its own database."""
    joined = {}
    for window, clerk in (("社保3号窗口", "A001"), ("医保1号窗口", "B002")):
        db = tmp_path / f"{clerk}.db"
        code = enrol(capsys, hall_url, window)
        joined[window] = (join(capsys, db, code), EventStore.open(db), clerk)
    yield joined
    for _, store, _ in joined.values():
        store.close()


def test_join_writes_the_connection_beside_the_database_readable_by_its_owner_only(
    capsys, hall_url, tmp_path, two_enrolled
):
    a, store, _ = two_enrolled["社保3号窗口"]
    path = hall_config.enrolment_path(store.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert a.terminal_id == "社保3号窗口#1" and a.window == "社保3号窗口" and a.epoch == 1
    assert a.user.startswith("wa_t_") and json.loads(path.read_text())["password"] == a.password
    # two databases in one folder: two enrolments, two identities
    assert two_enrolled["医保1号窗口"][0].terminal_id == "医保1号窗口#1"
    assert hall_config.enrolment_path(two_enrolled["医保1号窗口"][1].path) != path
    # the same window twice: refused with the way out
    code, _, err = cli(capsys, "hall", "enrol", "--window", "社保3号窗口", "--sslmode", "disable", hall_url)
    assert code == 2 and "已登记" in err and "--replace" in err


def test_forging_under_another_terminal_is_refused_recorded_and_the_honest_one_keeps_pushing(
    hall_url, scripts, two_enrolled
):
    a, a_store, a_clerk = two_enrolled["社保3号窗口"]
    b, b_store, _ = two_enrolled["医保1号窗口"]
    a_desk = serve(a_store, scripts, a.window, a_clerk)
    assert hall_pusher.push_pending(a_store.path).startswith("已上传")
    head = admin_rows(
        hall_url, "SELECT head_seq, head_hash FROM hall.terminals WHERE terminal_id = %s", (a.terminal_id,)
    )[0]
    at = "2026-11-26T10:00:00+08:00"
    payload = json.dumps({"outcome": "办结", "matter": "伪造"}, ensure_ascii=False)
    forged = (
        head[0] + 1,
        at,
        "matter",
        payload,
        head[1],
        event_log.event_hash(head[1], head[0] + 1, at, "matter", payload),
    )
    cols = ([forged[0]], [at], ["matter"], [payload], [head[1]], [forged[5]])
    with hall_config.connect(b) as conn:
        # the one function that takes a terminal id: refused, recorded, nothing written for A
        result = hall_pusher.push_rows(conn, a.terminal_id, [forged], enrolled=True)
        assert (
            result.code == "impostor"
            and result.accepted == 0
            and "试图以“社保3号窗口#1”的身份" in result.reason
        )
        assert result.head_seq == 0  # B's own head: nothing of A is told to B
        # every other way in: refused by PostgreSQL itself
        attempts = [
            ("SELECT * FROM hall.receive(%s, %s, %s, %s, %s, %s, %s)", (a.terminal_id, *cols)),
            ("INSERT INTO hall.events (terminal_id, seq, at, at_ts, kind, payload, prev_hash, hash) "
             "VALUES (%s, %s, %s, now(), 'matter', %s, %s, %s)", (a.terminal_id, forged[0], at, payload, head[1], forged[5])),
            ("UPDATE hall.terminals SET head_seq = 0 WHERE terminal_id = %s", (a.terminal_id,)),
            ("UPDATE hall.enrolments SET role = current_user WHERE terminal_id = %s", (a.terminal_id,)),
            ("DELETE FROM hall.rejections", ()),
            ("SELECT count(*) FROM hall.events WHERE terminal_id = %s", (a.terminal_id,)),
            ("SELECT * FROM hall.terminals", ()),
            ("SELECT * FROM hall.enrolments", ()),
            ("SELECT * FROM hall.meta", ()),
            ("SELECT * FROM hall.window_mismatches", ()),
            ("ALTER TABLE hall.events DISABLE TRIGGER events_append_only", ()),
            ("SELECT hall.refuse_change()", ()),
            ("SELECT * FROM hall.proj_interactions", ()),
            ("UPDATE hall.proj_state SET open = '{}' WHERE terminal_id = %s", (a.terminal_id,)),
            ("SELECT hall.project(%s, 999, %s, 'sign_in', '{}')", (a.terminal_id, at)),
            ("SET ROLE " + a.user, ()),
            ("CREATE TEMP TABLE t (x int)", ()),
            ("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", ()),
        ]  # fmt: skip
        for sql, params in attempts:
            with pytest.raises(psycopg.Error) as caught:
                conn.execute(sql, params)
            assert isinstance(
                caught.value,
                psycopg.errors.InsufficientPrivilege
                | psycopg.errors.FeatureNotSupported
                | psycopg.errors.UndefinedFunction,
            ), (sql, caught.value)
        # what it may call concerns itself only
        assert conn.execute("SELECT terminal_id FROM hall.me()").fetchall() == [(b.terminal_id,)]
        conn.execute("SELECT hall.set_key('b-key')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="需要管理员"):
            conn.execute("SELECT hall.set_key('another key')")
    recorded = admin_rows(
        hall_url, "SELECT terminal_id, code, by_role, attempts FROM hall.rejections WHERE code = 'impostor'"
    )
    assert recorded == [(b.terminal_id, "impostor", b.user, 1)]
    assert admin_rows(
        hall_url, "SELECT terminal_id, verify_key FROM hall.enrolments WHERE verify_key IS NOT NULL"
    ) == [(b.terminal_id, "b-key")]
    # A keeps pushing, its chain intact
    a_desk.execute("interaction_start")
    assert hall_pusher.push_pending(a_store.path).startswith("已上传")
    assert admin_rows(
        hall_url, "SELECT head_seq FROM hall.terminals WHERE terminal_id = %s", (a.terminal_id,)
    ) == [(a_store.last_id(),)]
    assert admin_rows(
        hall_url, "SELECT count(*) FROM hall.rejections WHERE terminal_id = %s", (a.terminal_id,)
    ) == [(0,)]


def test_the_sidebar_pusher_pushes_under_the_enrolment(hall_url, scripts, two_enrolled):
    a, store, clerk = two_enrolled["社保3号窗口"]
    desk = serve(store, scripts, a.window, clerk)
    pusher, notice = hall_pusher.pusher_for_gui(None, None, store.path)
    assert notice is None and pusher is not None and pusher.terminal == a.terminal_id
    desk.subscribe(pusher.wake)
    try:
        assert pusher.wait_synced(WAIT), pusher.status()
    finally:
        pusher.stop()
    assert admin_rows(
        hall_url, "SELECT count(*) FROM hall.events WHERE terminal_id = %s", (a.terminal_id,)
    ) == [(store.last_id(),)]


def test_a_code_works_once(capsys, hall_url, tmp_path, secure_cluster):
    url = secure_cluster.create_database("hall_once")
    assert cli(capsys, "hall", "init", url)[0] == 0
    code, out, err = cli(capsys, "hall", "enrol", "--window", "综合窗口", "--host", "localhost", url)
    assert code == 0, err
    enrolment_code = out.strip().splitlines()[-1]
    (tmp_path / "afile").write_text("x")
    unwritable = cli(
        capsys,
        "--db",
        str(tmp_path / "afile" / "t.db"),
        "hall",
        "join",
        enrolment_code,
        "--ca",
        str(secure_cluster.ca_file),
    )
    assert unwritable[0] == 2 and "仍可再用" in unwritable[2], unwritable  # the code is not used up
    join(capsys, tmp_path / "t.db", enrolment_code, "--ca", str(secure_cluster.ca_file))
    again = cli(
        capsys,
        "--db",
        str(tmp_path / "other.db"),
        "hall",
        "join",
        enrolment_code,
        "--ca",
        str(secure_cluster.ca_file),
    )
    assert again[0] == 2 and "只能用一次" in again[2]
    assert not hall_config.enrolment_path(tmp_path / "other.db").exists()
    # a PC swapped: the new epoch's secret replaces the old one, which no longer logs in
    old = hall_config.load_enrolment(tmp_path / "t.db")
    with hall_config.connect(old) as conn:
        assert conn.execute("SELECT epoch FROM hall.me()").fetchone() == (1,)
    code, out, err = cli(
        capsys,
        "hall",
        "enrol",
        "--window",
        "综合窗口",
        "--host",
        "localhost",
        "--replace",
        "--reason",
        "换电脑",
        url,
    )
    assert code == 0, err
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        hall_config.connect(old)


# ─── epochs ───────────────────────────────────────────────────────────────────────────────────────


def test_replace_starts_a_new_epoch_and_the_old_one_stays_readable(
    capsys, hall_url, tmp_path, scripts, two_enrolled
):
    a, store, clerk = two_enrolled["社保3号窗口"]
    serve(store, scripts, a.window, clerk)
    assert hall_pusher.push_pending(store.path).startswith("已上传")
    old_count = store.last_id()
    store.close()
    # the database is set aside (corrupt) and a fresh one begins: the hall refuses it under the old epoch
    store.path.rename(store.path.with_name("set-aside.db"))
    with EventStore.open(store.path) as fresh:
        serve(fresh, scripts, a.window, "A009")  # not the log the hall has: another clerk signed in
        assert "拒收" in hall_pusher.push_pending(fresh.path)
        code, _, err = cli(
            capsys, "hall", "enrol", "--window", a.window, "--replace", "--sslmode", "disable", hall_url
        )
        assert code == 2 and "--reason" in err
        new_code = enrol(capsys, hall_url, a.window, "--replace", "--reason", "数据文件损坏后搁置")
        # the old PC's secret no longer works; the old epoch's file can no longer push
        assert "现在登记为“社保3号窗口#2”" in hall_pusher.push_pending(store.path)
        second = join(capsys, fresh.path, new_code)
        assert second.terminal_id == "社保3号窗口#2" and second.epoch == 2 and second.user == a.user
        assert hall_pusher.push_pending(fresh.path).startswith("已上传")
        assert admin_rows(
            hall_url, "SELECT head_seq FROM hall.terminals WHERE terminal_id = '社保3号窗口#2'"
        ) == [(fresh.last_id(),)]
    assert admin_rows(
        hall_url, "SELECT head_seq FROM hall.terminals WHERE terminal_id = '社保3号窗口#1'"
    ) == [(old_count,)]
    epochs = admin_rows(
        hall_url,
        "SELECT epoch, reason, retired_at IS NOT NULL, enrolled_by FROM hall.enrolments "
        "WHERE window_name = '社保3号窗口' ORDER BY epoch",
    )
    assert epochs == [(1, "", True, "postgres"), (2, "数据文件损坏后搁置", False, "postgres")]
    code, out, _ = cli(capsys, "hall", "status", hall_url)
    assert code == 0 and "社保3号窗口 第1期（已更换）" in out and "社保3号窗口 第2期" in out


# ─── status ───────────────────────────────────────────────────────────────────────────────────────


def test_status_lists_every_terminal_for_the_lead_not_for_a_terminal(capsys, hall_url, scripts, two_enrolled):
    a, store, clerk = two_enrolled["社保3号窗口"]
    serve(store, scripts, "别的窗口名", clerk)  # signs in under another name than enrolled
    hall_pusher.push_pending(store.path)
    code, out, _ = cli(capsys, "hall", "lead", "lead_zhang", hall_url)
    assert code == 0 and len(out.strip().splitlines()[-1]) >= 12
    code, out, err = cli(capsys, "hall", "status", "--json", hall_url)
    assert code == 0, err
    rows = {r["terminal"]: r for r in json.loads(out)}
    assert set(rows) == {"社保3号窗口#1", "医保1号窗口#1"}
    assert rows["社保3号窗口#1"]["events"] == store.last_id() and rows["社保3号窗口#1"]["joined"]
    assert (
        rows["社保3号窗口#1"]["window_mismatches"] == 1 and rows["社保3号窗口#1"]["lag_seconds"] is not None
    )
    assert rows["医保1号窗口#1"]["events"] == 0
    code, out, _ = cli(capsys, "hall", "status", hall_url)
    assert "签到窗口名与登记不符 1 次" in out
    from assistant.hall.reader import HallReader
    from assistant.hall.review import build_hall_report
    from assistant.reports.model import ReportFilter

    with HallReader(hall_url) as reader:
        day = datetime(2026, 11, 26).date()
        report = build_hall_report(
            reader, scripts, ReportFilter(day, day), cache_dir=store.path.parent / "cache"
        )
    table = report.tables["hall_terminals"]
    rows = {r[0]: dict(zip(table.keys, r)) for r in table.rows}
    assert rows["社保3号窗口#1"]["window_mismatches"] == 1 and rows["医保1号窗口#1"]["window_mismatches"] == 0
    with hall_config.connect(a) as conn, pytest.raises(hall_config.HallError, match="终端的用户只能上传"):
        hall_admin.status(conn)


def test_passwords_never_on_the_command_line(capsys):
    for argv in (
        ("hall", "init", "postgresql://postgres:pw@h/db"),
        ("hall", "status", "postgresql://lead@h/db?password=pw"),
        ("hall", "enrol", "--window", "W", "postgresql://postgres:pw@h/db"),
    ):
        code, _, err = cli(capsys, *argv)
        assert code == 2 and "不能带密码" in err and "pw" not in err.replace("密码", "")


# ─── every recording process pushes ───────────────────────────────────────────────────────────────


def test_a_cli_recording_and_a_lead_export_reach_the_hall(
    capsys, pg_cluster, hall_url, tmp_path, scripts, two_enrolled, monkeypatch
):
    a, store, clerk = two_enrolled["社保3号窗口"]
    serve(store, scripts, a.window, clerk)
    store.close()
    code, _, err = cli(
        capsys, "--db", str(store.path), "correction", "3", "--reason", "录错", "--set", "matter=医保转移"
    )
    assert code == 0 and "已上传大厅数据库" in err, err
    last = EventStore.open(store.path)
    try:
        assert admin_rows(
            hall_url,
            "SELECT kind FROM hall.events WHERE terminal_id = %s ORDER BY seq DESC LIMIT 1",
            (a.terminal_id,),
        ) == [("correction",)]
        # the lead's PC: a database no sidebar opens, under its own enrolment
        lead_db = tmp_path / "lead.db"
        EventStore.open(lead_db).close()
        monkeypatch.setenv("WA_LEAD_PIN", "583920")  # every export needs the lead's 工号 and PIN
        monkeypatch.setenv("WA_LEAD_ID", "L001")
        assert cli(capsys, "--db", str(lead_db), "lead-pin", "set")[0] == 0
        join(capsys, lead_db, enrol(capsys, hall_url, "值班长台"))
        code, _, err = cli(
            capsys,
            "--db",
            str(lead_db),
            "export",
            "--local",
            "--from",
            "2026-11-26",
            "--to",
            "2026-11-26",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "out"),
        )
        assert code == 0 and "已上传大厅数据库" in err, err
        assert admin_rows(
            hall_url, "SELECT kind FROM hall.events WHERE terminal_id = '值班长台#1' ORDER BY seq"
        ) == [("lead_pin_set",), ("export",)]
        # the hall down: the event stays for the next push
        pg_cluster.stop()
        try:
            code, _, err = cli(
                capsys, "--db", str(store.path), "correction", "3", "--reason", "再改", "--set", "matter=养老"
            )
            assert code == 0 and "下次上传时补传" in err, err
        finally:
            pg_cluster.start()
        assert hall_pusher.push_pending(store.path).startswith("已上传")
        assert admin_rows(
            hall_url, "SELECT max(seq) FROM hall.events WHERE terminal_id = %s", (a.terminal_id,)
        ) == [(last.last_id(),)]
    finally:
        last.close()


# ─── TLS ──────────────────────────────────────────────────────────────────────────────────────────


def test_tls_verify_full_against_the_halls_ca(capsys, tmp_path, scripts, secure_cluster):
    url = secure_cluster.create_database("hall_tls")
    assert cli(capsys, "hall", "init", url)[0] == 0
    code = enrol(capsys, url, "社保3号窗口", "--host", "localhost", "--sslmode", "verify-full")
    # without the CA: refused before anything is sent
    no_ca = cli(capsys, "--db", str(tmp_path / "t.db"), "hall", "join", code)
    assert no_ca[0] == 2 and "--ca" in no_ca[2]
    # another CA (a server in the middle): the certificate does not verify
    from tests.hall.pgcluster import make_ca

    rogue, _ = make_ca(tmp_path, "rogue-ca")
    bad = cli(capsys, "--db", str(tmp_path / "t.db"), "hall", "join", code, "--ca", str(rogue))
    assert bad[0] == 2 and "certificate verify failed" in bad[2], bad[2]
    enrolment = join(capsys, tmp_path / "t.db", code, "--ca", str(secure_cluster.ca_file))
    assert (
        enrolment.sslmode == "verify-full"
        and Path(enrolment.sslrootcert).read_bytes() == secure_cluster.ca_file.read_bytes()
    )
    with EventStore.open(tmp_path / "t.db") as store:
        serve(store, scripts, enrolment.window, "A001")
        assert hall_pusher.push_pending(store.path).startswith("已上传")
        with hall_config.connect(enrolment) as conn:
            assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (
                True,
            )
    # plain TCP is refused by pg_hba
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(**{**enrolment.params(), "sslmode": "disable"}, connect_timeout=5)


def test_the_lead_reads_the_hall_with_the_leads_own_login_never_stored(
    capsys, tmp_path, scripts, secure_cluster
):
    from assistant.hall.reader import HallReader

    url = secure_cluster.create_database("hall_lead")
    assert cli(capsys, "hall", "init", url)[0] == 0
    code = enrol(capsys, url, "社保3号窗口", "--host", "localhost", "--sslmode", "verify-full")
    clerk_db = tmp_path / "clerk.db"
    terminal = join(capsys, clerk_db, code, "--ca", str(secure_cluster.ca_file))
    password = cli(capsys, "hall", "lead", "lead_zhang", url)[1].strip().splitlines()[-1]
    hall = f"postgresql://localhost:{secure_cluster.port}/hall_lead?sslmode=verify-full&sslrootcert={secure_cluster.ca_file}"
    asked: list = []

    def lead_login(shown: str, user: str | None):
        asked.append((shown, user))
        return "lead_zhang", password

    before = sorted(p.name for p in tmp_path.rglob("*"))
    with HallReader(hall, lead_login) as reader:
        assert [t.terminal_id for t in reader.terminals()] == ["社保3号窗口#1"]
    assert asked == [(hall, None)] and sorted(p.name for p in tmp_path.rglob("*")) == before
    with pytest.raises(hall_config.HallError, match="password authentication failed"):
        HallReader(hall, lambda *_: ("lead_zhang", "wrong")).terminals()
    with pytest.raises(hall_config.HallError, match="请在终端中运行"):
        HallReader(hall, lambda *_: None).terminals()
    # the terminal's own login cannot read the hall
    with pytest.raises(hall_config.HallError, match="值班长的用户"):
        HallReader(hall, lambda *_: (terminal.user, terminal.password)).terminals()


def test_status_says_offline_and_an_idle_pusher_reports_back(hall_url, scripts, two_enrolled):
    a, store, clerk = two_enrolled["社保3号窗口"]
    serve(store, scripts, a.window, clerk)
    assert hall_pusher.push_pending(store.path).startswith("已上传")
    with psycopg.connect(hall_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE hall.terminals SET last_seen = now() - interval '3 hours' WHERE terminal_id = %s",
            (a.terminal_id,),
        )
        (offline,) = [s for s in hall_admin.status(conn) if s.terminal_id == a.terminal_id]
        assert offline.offline_seconds is not None and offline.offline_seconds >= 3 * 3600
        assert "离线 3.0 小时" in "\n".join(hall_admin.status_lines([offline]))
        # nothing to push: the pusher still reports, and the terminal is online again
        pusher = hall_pusher.HallPusher(a, store.path, a.terminal_id, poll=0.05, heartbeat=0.1).start()
        try:
            assert pusher.wait_synced(WAIT)
            deadline = datetime.now().timestamp() + WAIT
            while datetime.now().timestamp() < deadline:
                (now,) = [s for s in hall_admin.status(conn) if s.terminal_id == a.terminal_id]
                if now.offline_seconds is None:
                    break
                pusher._stop.wait(0.05)
            assert now.offline_seconds is None and now.head_seq == store.last_id()
        finally:
            pusher.stop()


def test_a_join_that_cannot_save_leaves_the_code_usable(capsys, tmp_path, secure_cluster):
    url = secure_cluster.create_database("hall_unwritable")
    assert cli(capsys, "hall", "init", url)[0] == 0
    code = enrol(capsys, url, "综合窗口", "--host", "localhost", "--sslmode", "require")
    (tmp_path / "afile").write_text("x")
    failed = cli(capsys, "--db", str(tmp_path / "afile" / "t.db"), "hall", "join", code)
    assert failed[0] == 2 and "无法把登记写入" in failed[2] and "仍可再用" in failed[2], failed
    assert join(capsys, tmp_path / "t.db", code).terminal_id == "综合窗口#1"  # the secret was not changed


def test_init_upgrades_a_version_1_hall_and_drops_grants_made_by_hand(capsys, pg_cluster):
    url = pg_cluster.create_database("hall_v1")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(hall_schema.MIGRATIONS[0])
        conn.execute("INSERT INTO hall.meta VALUES ('schema_version', '1')")
        conn.execute("DO $$ BEGIN CREATE ROLE old_clerks; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.execute("GRANT USAGE ON SCHEMA hall TO old_clerks")
        conn.execute(
            "GRANT EXECUTE ON FUNCTION hall.receive(text, bigint[], text[], text[], text[], text[], text[]) TO old_clerks"
        )
        conn.execute("GRANT SELECT, INSERT ON hall.terminals, hall.events TO old_clerks")
        conn.execute("GRANT USAGE ON SEQUENCE hall.rejections_id_seq TO old_clerks")
    code, out, err = cli(capsys, "hall", "init", url)
    assert code == 0 and "已升级到版本 2" in out and "版本 1" not in out, err
    left = admin_rows(
        url,
        "SELECT has_function_privilege('old_clerks', 'hall.receive(text, bigint[], text[], text[], text[], text[], text[])', 'EXECUTE'), "
        "has_table_privilege('old_clerks', 'hall.events', 'SELECT,INSERT'), "
        "has_sequence_privilege('old_clerks', 'hall.rejections_id_seq', 'USAGE'), "
        "(SELECT proconfig FROM pg_proc WHERE oid = 'hall.receive(text, bigint[], text[], text[], text[], text[], text[])'::regprocedure)",
    )
    assert left == [(False, False, False, ["search_path=pg_catalog, hall, pg_temp"])]
