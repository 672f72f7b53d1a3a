"""The hall database on PostgreSQL: every terminal pushes its event log there; the lead reads all of them.

Each terminal keeps its own SQLite log (:mod:`assistant.store`, works offline). When a hall server is
configured (``--hall postgresql://…``, ``[hall] url`` in the hall's ``settings.toml`` or ``WA_HALL``), a
:class:`HallPusher` thread copies the log to the hall:

* in order and idempotent: the key is (terminal id, sequence) where sequence = the local event id, and the
  row is sent exactly as stored (``at``, ``kind``, ``payload`` text, ``prev_hash``, ``hash``);
* resuming: the push cursor is the hall's own head for this terminal (``hall.terminals.head_seq``), read on
  every (re)connection, so nothing is kept locally and a lost answer is simply pushed again (duplicates are
  recognised and skipped);
* never blocking the clerk: its own thread and its own read-only SQLite connection; connection, keepalive
  and statement timeouts bound every network wait; ``stop()`` never waits more than a few seconds.

The hall verifies each terminal's chain as it receives it, inside PostgreSQL (``hall.receive``, one
transaction per batch, the terminal's row locked): the sequence must be the next one, ``prev_hash`` must be
the hash of the hall's previous event of that terminal, the hash must match the content
(``sha256(prev_hash \\n id \\n at \\n kind \\n payload)``, the store's formula), the time must be ISO 8601
with an offset and the payload JSON. An event already received is skipped when identical and refused when
different. A refused event stops that terminal's stream at that point (what follows cannot chain) and is
recorded in ``hall.rejections`` with a code and a Chinese reason; repeated attempts count up in the same row.

Schema ``hall`` (created on first connection, guarded by an advisory lock; version in ``hall.meta``):
``terminals(terminal_id, head_seq, head_hash, first_seen, last_seen)``,
``events(terminal_id, seq, at, at_ts, kind, payload, data jsonb, prev_hash, hash, received_at)`` (append-only
by trigger), ``rejections(id, terminal_id, seq, code, reason, hall_head_seq, hall_head_hash, at, kind,
payload, prev_hash, hash, first_at, last_at, attempts)``. ``hall.receive`` is SECURITY DEFINER: a hall may
give the terminals' role only ``EXECUTE`` on it (and ``SELECT`` on ``hall.terminals``), not INSERT.

Reading: :class:`HallReader` gives, per terminal, the same :class:`assistant.store.Event` objects as
``EventStore.events()``, the rows the review reads (``rows_in_range``, ``rows_of_kinds``), the rejections, a
chain check, and ``mirror()`` — an incremental SQLite copy of one terminal that is a real ``EventStore``.

Personal data (``persons``) is not pushed: it stays on the terminal where it was recorded.

Qt-free; the GUI only shows :meth:`HallPusher.status`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from assistant.store import GENESIS_HASH, Event, EventStore, VerifyReport, event_hash
from assistant.store import reader as store_reader

SCHEMA_VERSION = 1
TERMINAL_FILE = "hall_terminal_id"
ENV_URL = "WA_HALL"
BATCH = 500
_SCHEMA_LOCK = 0x57415348  # "WASH": advisory lock key while the schema is created

# Every network wait is bounded: connecting, a dead peer (keepalives, TCP user timeout), a statement.
CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20000,
    "application_name": "window-assistant",
    "options": "-c statement_timeout=30000",
}


class HallError(Exception):
    """str() is a Chinese message for the clerk, the lead or the hall's IT person."""


# ─── configuration ────────────────────────────────────────────────────────────────────────────────

def hall_url(cli_value: str | None = None, scripts_dir: Path | None = None) -> str | None:
    """The hall server to push to: ``--hall`` first, then the hall's ``settings.toml`` ``[hall] url``, then
    the environment variable ``WA_HALL``; None when no hall is configured."""
    if cli_value:
        return cli_value
    if scripts_dir is not None:
        from assistant.settings import load_settings

        if url := load_settings(scripts_dir).hall_url:
            return url
    return os.environ.get(ENV_URL) or None


def check_url(url: str) -> str:
    """The URL if it names a PostgreSQL server; HallError (Chinese) if not."""
    if not re.match(r"^postgres(ql)?://", url):
        raise HallError(f"大厅数据库地址应以 postgresql:// 开头，例如 postgresql://用户@服务器:5432/数据库；收到“{safe_url(url)}”")
    return url


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def terminal_id(data_dir: Path) -> str:
    """This terminal's stable id: made once (host name + random) and kept in the data folder."""
    path = Path(data_dir) / TERMINAL_FILE
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    except OSError as exc:
        raise HallError(f"无法读取终端编号文件 {path}：{exc}") from exc
    if existing:
        return existing
    host = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname()).strip("-")[:40] or "terminal"
    new = f"{host}-{secrets.token_hex(6)}"
    temp = path.with_name(f".{TERMINAL_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(new + "\n", encoding="utf-8")
        # link() publishes the complete file or fails if one exists: programs starting together agree.
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        except OSError:   # no hard links on this file system (FAT, some shares): publish by rename
            if not path.exists():
                os.replace(temp, path)
        return path.read_text(encoding="utf-8").strip() or new
    except OSError as exc:
        raise HallError(f"无法保存终端编号到 {path}：{exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def connect(url: str, **options: Any):
    """A psycopg connection (autocommit; transactions are explicit) with bounded network waits."""
    import psycopg

    return psycopg.connect(check_url(url), autocommit=True, **{**CONNECT_OPTIONS, **options})


# ─── schema ───────────────────────────────────────────────────────────────────────────────────────

_SCHEMA = r"""
CREATE SCHEMA IF NOT EXISTS hall;
CREATE TABLE IF NOT EXISTS hall.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS hall.terminals (
    terminal_id text PRIMARY KEY CHECK (terminal_id <> '' AND length(terminal_id) <= 200),
    head_seq    bigint NOT NULL DEFAULT 0,
    head_hash   text NOT NULL DEFAULT repeat('0', 64),
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS hall.events (
    terminal_id text NOT NULL REFERENCES hall.terminals,
    seq         bigint NOT NULL,
    at          text NOT NULL,
    at_ts       timestamptz NOT NULL,
    kind        text NOT NULL,
    payload     text NOT NULL,
    data        jsonb,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (terminal_id, seq)
);
CREATE INDEX IF NOT EXISTS events_at ON hall.events (at_ts);
CREATE INDEX IF NOT EXISTS events_kind ON hall.events (kind, terminal_id, seq);
CREATE TABLE IF NOT EXISTS hall.rejections (
    id             bigserial PRIMARY KEY,
    terminal_id    text NOT NULL,
    seq            bigint NOT NULL,
    code           text NOT NULL,
    reason         text NOT NULL,
    hall_head_seq  bigint NOT NULL,
    hall_head_hash text NOT NULL,
    at text, kind text, payload text, prev_hash text, hash text,
    first_at       timestamptz NOT NULL DEFAULT now(),
    last_at        timestamptz NOT NULL DEFAULT now(),
    attempts       integer NOT NULL DEFAULT 1,
    CONSTRAINT rejections_once UNIQUE (terminal_id, seq, code, hash)
);

CREATE OR REPLACE FUNCTION hall.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION '大厅事件记录只能追加，不允许修改或删除（hall.events）';
END $f$;
DROP TRIGGER IF EXISTS events_append_only ON hall.events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON hall.events
    FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();
DROP TRIGGER IF EXISTS events_no_truncate ON hall.events;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON hall.events
    FOR EACH STATEMENT EXECUTE FUNCTION hall.refuse_change();

-- Receive a batch of one terminal's events, in order. One row back:
-- accepted, duplicates, head_seq, head_hash, rejected_seq, code, reason (the last three NULL when none).
CREATE OR REPLACE FUNCTION hall.receive(
    p_terminal text, p_seq bigint[], p_at text[], p_kind text[], p_payload text[], p_prev text[], p_hash text[])
RETURNS TABLE (accepted integer, duplicates integer, head_seq bigint, head_hash text,
               rejected_seq bigint, code text, reason text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hall, pg_temp AS $f$
#variable_conflict use_column
DECLARE
    h_seq  bigint;
    h_hash text;
    n      integer := coalesce(array_length(p_seq, 1), 0);
    acc    integer := 0;
    dup    integer := 0;
    bad    integer;
    r_code text;
    r_why  text;
    old    hall.events%ROWTYPE;
    want   text;
    ts     timestamptz;
    js     jsonb;
BEGIN
    IF p_terminal IS NULL OR p_terminal = '' THEN
        RAISE EXCEPTION '终端编号不能为空';
    END IF;
    IF array_length(p_at, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_kind, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_payload, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_prev, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_hash, 1) IS DISTINCT FROM array_length(p_seq, 1) THEN
        RAISE EXCEPTION '一批事件的各列长度不一致';
    END IF;
    INSERT INTO hall.terminals (terminal_id) VALUES (p_terminal) ON CONFLICT DO NOTHING;
    SELECT t.head_seq, t.head_hash INTO h_seq, h_hash
      FROM hall.terminals t WHERE t.terminal_id = p_terminal FOR UPDATE;
    FOR i IN 1 .. n LOOP
        IF p_seq[i] IS NULL OR p_at[i] IS NULL OR p_kind[i] IS NULL OR p_payload[i] IS NULL
           OR p_prev[i] IS NULL OR p_hash[i] IS NULL THEN
            bad := i; r_code := 'incomplete';
            r_why := format('事件 #%s 缺少字段，拒收', coalesce(p_seq[i]::text, '?'));
            EXIT;
        END IF;
        IF p_seq[i] <= h_seq THEN
            SELECT * INTO old FROM hall.events e WHERE e.terminal_id = p_terminal AND e.seq = p_seq[i];
            IF FOUND AND old.hash = p_hash[i] AND old.prev_hash = p_prev[i] AND old.at = p_at[i]
               AND old.kind = p_kind[i] AND old.payload = p_payload[i] THEN
                dup := dup + 1;
                CONTINUE;
            END IF;
            bad := i; r_code := 'conflict';
            r_why := format('事件 #%s 与大厅已收到的同号事件不同（大厅：%s…，本次：%s…）：终端上的记录被改动过，'
                            '或数据文件被更换', p_seq[i], left(coalesce(old.hash, '?'), 12), left(p_hash[i], 12));
            EXIT;
        END IF;
        IF p_seq[i] <> h_seq + 1 THEN
            bad := i; r_code := 'gap';
            r_why := format('事件 #%s 不接续大厅已收到的 #%s：缺少 #%s%s（顺序被打乱，或记录被删除）',
                            p_seq[i], h_seq, h_seq + 1,
                            CASE WHEN p_seq[i] - h_seq > 2 THEN '～#' || (p_seq[i] - 1) ELSE '' END);
            EXIT;
        END IF;
        IF p_prev[i] <> h_hash THEN
            bad := i; r_code := 'prev_hash';
            r_why := CASE WHEN h_seq = 0
                THEN format('事件 #%s 是本终端的第一条，其 prev_hash 应为 64 个 0', p_seq[i])
                ELSE format('事件 #%s 的 prev_hash 与大厅已收到的 #%s 的哈希不符（链被改写，或插入、删除了记录）',
                            p_seq[i], h_seq) END;
            EXIT;
        END IF;
        want := encode(sha256(convert_to(p_prev[i] || E'\n' || p_seq[i]::text || E'\n' || p_at[i] || E'\n'
                                         || p_kind[i] || E'\n' || p_payload[i], 'UTF8')), 'hex');
        IF want <> p_hash[i] THEN
            bad := i; r_code := 'hash';
            r_why := format('事件 #%s 的哈希值与内容不符（内容被改动过）', p_seq[i]);
            EXIT;
        END IF;
        IF p_at[i] !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d:\d\d$' THEN
            bad := i; r_code := 'time';
            r_why := format('事件 #%s 的时间“%s”不是带时区的 ISO 8601 时间', p_seq[i], p_at[i]);
            EXIT;
        END IF;
        BEGIN
            ts := p_at[i]::timestamptz;
        EXCEPTION WHEN others THEN
            bad := i; r_code := 'time';
            r_why := format('事件 #%s 的时间“%s”无效', p_seq[i], p_at[i]);
            EXIT;
        END;
        BEGIN
            PERFORM p_payload[i]::json;
        EXCEPTION WHEN others THEN
            bad := i; r_code := 'payload';
            r_why := format('事件 #%s 的内容不是 JSON', p_seq[i]);
            EXIT;
        END;
        BEGIN
            js := p_payload[i]::jsonb;
        EXCEPTION WHEN others THEN
            js := NULL;  -- valid JSON that jsonb cannot hold (\u0000): kept as text only
        END;
        INSERT INTO hall.events (terminal_id, seq, at, at_ts, kind, payload, data, prev_hash, hash)
        VALUES (p_terminal, p_seq[i], p_at[i], ts, p_kind[i], p_payload[i], js, p_prev[i], p_hash[i]);
        h_seq := p_seq[i];
        h_hash := p_hash[i];
        acc := acc + 1;
    END LOOP;
    UPDATE hall.terminals t SET head_seq = h_seq, head_hash = h_hash, last_seen = now()
     WHERE t.terminal_id = p_terminal;
    IF bad IS NOT NULL THEN
        INSERT INTO hall.rejections AS r (terminal_id, seq, code, reason, hall_head_seq, hall_head_hash,
                                          at, kind, payload, prev_hash, hash)
        VALUES (p_terminal, coalesce(p_seq[bad], -1), r_code, r_why, h_seq, h_hash,
                p_at[bad], p_kind[bad], p_payload[bad], p_prev[bad], coalesce(p_hash[bad], ''))
        ON CONFLICT ON CONSTRAINT rejections_once
        DO UPDATE SET attempts = r.attempts + 1, last_at = now(), reason = excluded.reason,
                      hall_head_seq = excluded.hall_head_seq, hall_head_hash = excluded.hall_head_hash;
        RETURN QUERY SELECT acc, dup, h_seq, h_hash, p_seq[bad], r_code, r_why;
    ELSE
        RETURN QUERY SELECT acc, dup, h_seq, h_hash, NULL::bigint, NULL::text, NULL::text;
    END IF;
END $f$;
"""


def install_schema(conn) -> None:
    """Create (or bring up to date) the hall schema; safe when many terminals connect at once."""
    import psycopg

    row = conn.execute(
        "SELECT to_regclass('hall.meta') IS NOT NULL, current_setting('server_encoding')"
    ).fetchone()
    exists, encoding = row
    if encoding != "UTF8":
        raise HallError(f"大厅数据库的编码是 {encoding}，需要 UTF8（createdb -E UTF8 …）")
    if exists:
        version = conn.execute("SELECT value FROM hall.meta WHERE key = 'schema_version'").fetchone()
        if version and int(version[0]) >= SCHEMA_VERSION:
            if int(version[0]) > SCHEMA_VERSION:
                raise HallError(f"大厅数据库来自更新版本的程序（版本 {version[0]}，本程序只支持到 {SCHEMA_VERSION}）")
            return
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            conn.execute(_SCHEMA)
            conn.execute(
                "INSERT INTO hall.meta (key, value) VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),)
            )
    except psycopg.errors.InsufficientPrivilege as exc:
        raise HallError(f"没有在大厅数据库中建表的权限，请由管理员先初始化（{exc}）") from exc


# ─── pushing ──────────────────────────────────────────────────────────────────────────────────────

Row = tuple[int, str, str, str, str, str]  # id, at, kind, payload (stored text), prev_hash, hash


@dataclass(frozen=True)
class PushResult:
    accepted: int
    duplicates: int
    head_seq: int
    head_hash: str
    rejected_seq: int | None = None
    code: str | None = None
    reason: str | None = None


def hall_clock_offset(conn) -> float:
    """The hall server's clock minus this PC's, in seconds (half the round trip is allowed for)."""
    before = time.time()
    server = conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0]
    after = time.time()
    return float(server) - (before + after) / 2


def hall_head(conn, terminal: str) -> tuple[int, str]:
    """The hall's last event of this terminal: (sequence, hash); (0, genesis) when it has none."""
    row = conn.execute(
        "SELECT head_seq, head_hash FROM hall.terminals WHERE terminal_id = %s", (terminal,)
    ).fetchone()
    return (int(row[0]), row[1]) if row else (0, GENESIS_HASH)


def push_rows(conn, terminal: str, rows: Sequence[Row]) -> PushResult:
    """Send rows (in id order, exactly as stored) to the hall in one transaction; the hall verifies them."""
    cols: list[list[Any]] = [[], [], [], [], [], []]
    for row in rows:
        for col, value in zip(cols, row):
            col.append(value)
    seqs, ats, kinds, payloads, prevs, hashes = cols
    result = conn.execute(
        "SELECT * FROM hall.receive(%s, %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])",
        (terminal, seqs, ats, kinds, payloads, prevs, hashes),
    ).fetchone()
    accepted, duplicates, head_seq, head_hash, rejected_seq, code, reason = result
    return PushResult(accepted, duplicates, int(head_seq), head_hash, rejected_seq, code, reason)


def local_rows(conn: sqlite3.Connection, after: int, limit: int = BATCH) -> list[Row]:
    """Up to `limit` events of a terminal's SQLite log after id `after`, exactly as stored."""
    return conn.execute(
        "SELECT id, at, kind, payload, prev_hash, hash FROM events WHERE id > ? ORDER BY id LIMIT ?",
        (after, limit),
    ).fetchall()


ONLINE, CONNECTING, OFFLINE, REFUSED, STOPPED, LOCAL = "online", "connecting", "offline", "refused", "stopped", "local"


@dataclass(frozen=True)
class HallStatus:
    """What the sidebar shows: state, a Chinese message, and the numbers behind it."""

    state: str = CONNECTING
    message: str = "正在连接大厅数据库…"
    terminal: str = ""
    hall_seq: int | None = None      # the hall's head for this terminal (None: not known yet)
    local_seq: int = 0               # the terminal's last event id
    pending: int = 0                 # events not yet in the hall (when known)
    rejected_seq: int | None = None
    clock_offset: float | None = None  # hall server's clock minus this PC's, seconds, measured on connecting
    error: str = ""                  # the last technical error, for the IT person
    since: float = field(default_factory=time.time)   # when the state began (time.time())

    @property
    def ok(self) -> bool:
        return self.state == ONLINE


class HallPusher:
    """Pushes one terminal's SQLite log to the hall in a background thread (no Qt).

    ``wake()`` after an append makes it push at once (else it looks every ``poll`` seconds); ``status()`` is
    safe from any thread; ``on_progress(head_seq, accepted)`` is called from the pusher's thread after each
    batch the hall committed. Reconnects with backoff ``retry_min`` … ``retry_max`` seconds; after a refusal
    it tries again every ``refused_retry`` seconds (the rejection row counts the attempts).
    """

    def __init__(self, url: str, db_path: Path, terminal: str, *, batch: int = BATCH, poll: float = 2.0,
                 retry_min: float = 1.0, retry_max: float = 30.0, refused_retry: float = 60.0,
                 on_progress: Callable[[int, int], None] | None = None,
                 connect_options: dict[str, Any] | None = None) -> None:
        self.url = check_url(url)
        self.db_path = Path(db_path)
        self.terminal = terminal
        self.batch = batch
        self.poll = poll
        self.retry_min, self.retry_max, self.refused_retry = retry_min, retry_max, refused_retry
        self.on_progress = on_progress
        self.connect_options = connect_options or {}
        self._status = HallStatus(terminal=terminal)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- control (any thread)

    def start(self) -> HallPusher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"hall-push-{self.terminal}", daemon=True)
            self._thread.start()
        return self

    def wake(self, *_: object) -> None:
        """Push now (a Desk listener: ``desk.subscribe(pusher.wake)``)."""
        self._wake.set()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop pushing; waits at most `timeout` seconds (the thread is a daemon: exit is never held up)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._set(state=STOPPED, message="大厅同步已停止。")

    def status(self) -> HallStatus:
        with self._lock:
            return self._status

    def wait_synced(self, timeout: float) -> bool:
        """True once the hall holds every local event (for tests and tools; the GUI never waits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.status()
            if s.state == ONLINE and s.hall_seq is not None and s.hall_seq >= self._local_last():
                return True
            self.wake()
            time.sleep(0.02)
        return False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the thread

    def _set(self, **changes: Any) -> None:
        with self._lock:
            old = self._status
            if "state" in changes and changes["state"] != old.state:
                changes.setdefault("since", time.time())
            self._status = replace(old, **changes)

    def _local_last(self) -> int:
        try:
            with store_reader(self.db_path) as conn:
                return conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
        except sqlite3.Error:
            return 0

    def _run(self) -> None:
        import psycopg

        pg = None
        head: int | None = None
        delay = self.retry_min
        try:
            while not self._stop.is_set():
                try:
                    if not self.db_path.exists():
                        self._set(state=LOCAL, message="等待本机记录文件创建…")
                        self._stop.wait(self.poll)
                        continue
                    if pg is None:
                        self._set(state=CONNECTING if self.status().state != OFFLINE else OFFLINE)
                        pg = connect(self.url, **self.connect_options)
                        install_schema(pg)
                        self._set(clock_offset=hall_clock_offset(pg))
                        head = hall_head(pg, self.terminal)[0]
                        delay = self.retry_min
                    assert head is not None
                    self._wake.clear()
                    # The recording process's own connection must never be the one closed under it: each read
                    # is a short-lived SQLite connection the store knows of (assistant/store.py, reader()).
                    with store_reader(self.db_path) as local:
                        last = local.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
                        offer = local_rows(local, 0, self.batch) if last < head and last else []
                        rows = local_rows(local, head, self.batch) if last > head else []
                    if last < head:
                        # The hall holds more of this terminal than the file does: the data file was replaced
                        # (moved aside as corrupt, restored from a backup). Offer what we have so the hall
                        # records the conflict, then say so; nothing is lost locally.
                        result = push_rows(pg, self.terminal, offer) if last else None
                        why = (result.reason if result is not None and result.reason else
                               f"大厅已收到本终端 {head} 条，本机记录只有 {last} 条：本机数据文件可能被更换或从备份恢复")
                        self._set(state=REFUSED, hall_seq=head, local_seq=last, pending=0,
                                  rejected_seq=result.rejected_seq if result else None, error=why,
                                  message=f"大厅数据库不接收本机记录：{why}。本机记录照常保存；请联系管理员。")
                        self._stop.wait(self.refused_retry)
                        pg = _close(pg)   # read the head again next time
                        continue
                    if not rows:
                        self._set(state=ONLINE, hall_seq=head, local_seq=last, pending=0, rejected_seq=None,
                                  error="", message=f"大厅数据库：已同步（{last} 条）")
                        self._wake.wait(self.poll)
                        continue
                    result = push_rows(pg, self.terminal, rows)
                    head = result.head_seq
                    if result.accepted and self.on_progress is not None:
                        self.on_progress(head, result.accepted)
                    if result.rejected_seq is not None:
                        self._set(state=REFUSED, hall_seq=head, local_seq=last, pending=last - head,
                                  rejected_seq=result.rejected_seq, error=f"{result.code}: {result.reason}",
                                  message=f"大厅数据库拒收：{result.reason}。自 #{result.rejected_seq} 起 {last - head} "
                                          f"条暂不上传，本机记录照常保存；请联系管理员。")
                        self._stop.wait(self.refused_retry)
                        continue
                    pending = last - head
                    self._set(state=ONLINE, hall_seq=head, local_seq=last, pending=max(pending, 0),
                              rejected_seq=None, error="",
                              message=(f"大厅数据库：正在上传，还有 {pending} 条" if pending > 0
                                       else f"大厅数据库：已同步（{last} 条）"))
                except (psycopg.Error, OSError) as exc:
                    pg = _close(pg)
                    self._offline(exc)
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.retry_max)
                except HallError as exc:
                    pg = _close(pg)
                    self._set(state=OFFLINE, error=str(exc), message=f"大厅数据库不可用：{exc}")
                    self._stop.wait(self.retry_max)
                except sqlite3.Error as exc:
                    self._set(state=LOCAL, error=str(exc), message=f"暂时读不到本机记录（{exc}），稍后重试。")
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.retry_max)
        finally:
            _close(pg)

    def _offline(self, exc: BaseException) -> None:
        last = self._local_last()
        known = self.status().hall_seq
        pending = f"，还有 {last - known} 条未上传" if known is not None and last > known else ""
        error = " ".join(str(exc).split())[:300]
        import psycopg

        if isinstance(exc, psycopg.Error) and not isinstance(exc, psycopg.OperationalError):
            message = f"大厅数据库出错（{error[:80]}），记录照常保存在本机，稍后自动重试{pending}。"
        else:
            message = f"大厅数据库暂时连不上，记录照常保存在本机，恢复后自动补传{pending}。"
        self._set(state=OFFLINE, local_seq=last, pending=max(last - (known or 0), 0), error=error,
                  message=message)


def _close(conn: Any) -> None:
    """Close a connection that may be broken already; never raises. Returns None (``pg = _close(pg)``)."""
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()


def start_for(url: str, db_path: Path, data_dir: Path, **options: Any) -> HallPusher:
    """The pusher of this terminal (id from the data folder), started."""
    return HallPusher(url, db_path, terminal_id(data_dir), **options).start()


# ─── reading ──────────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class TerminalInfo:
    terminal_id: str
    head_seq: int
    head_hash: str
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class Rejection:
    id: int
    terminal_id: str
    seq: int
    code: str
    reason: str
    hall_head_seq: int
    attempts: int
    first_at: datetime
    last_at: datetime
    kind: str | None
    payload: str | None
    hash: str | None


def verify_rows(rows: Iterable[tuple]) -> VerifyReport:
    """The store's chain check over (id, at, kind, payload text, prev_hash, hash) rows in id order."""
    problems: list[str] = []
    first_bad: int | None = None
    count, prev_id, prev_hash = 0, 0, GENESIS_HASH
    for event_id, at, kind, payload, stored_prev, digest in rows:
        count += 1
        bad = []
        if event_id != prev_id + 1:
            bad.append(f"事件编号 #{prev_id} 之后缺少 #{prev_id + 1}" if prev_id else f"事件编号应从 #1 开始，第一条却是 #{event_id}")
        if stored_prev != prev_hash:
            bad.append(f"事件 #{event_id} 的 prev_hash 与 #{prev_id} 不符" if prev_id
                       else f"事件 #{event_id} 是第一条，其 prev_hash 应为 64 个 0")
        if event_hash(stored_prev, event_id, at, kind, payload) != digest:
            bad.append(f"事件 #{event_id} 的哈希值不符（内容被改动过）")
        if bad and first_bad is None:
            first_bad = event_id
        problems.extend(bad)
        prev_id, prev_hash = event_id, digest
    return VerifyReport(ok=not problems, count=count, first_bad_id=first_bad, problems=tuple(problems))


class HallTerminalStore:
    """One terminal's log in the hall, read like an EventStore (no ``conn``): events, last_id, verify."""

    def __init__(self, reader: HallReader, terminal: str) -> None:
        self.reader = reader
        self.terminal_id = terminal
        self.path = f"hall:{terminal}"
        self.notices: list[str] = []

    def events(self, after: int = 0) -> Iterator[Event]:
        return self.reader.events(self.terminal_id, after)

    def last_id(self) -> int:
        return self.reader.head(self.terminal_id)[0]

    def verify(self) -> VerifyReport:
        return self.reader.verify(self.terminal_id)

    def person(self, person_id: int) -> dict | None:
        return None   # personal data stays on the terminal

    def close(self) -> None:
        pass


class HallReader:
    """Read the hall database: every terminal's events as :class:`Event`, and the review's rows."""

    PAGE = 5000

    def __init__(self, url: str, **options: Any) -> None:
        self.url = check_url(url)
        self._options = options
        self._conn = None

    @property
    def conn(self):
        if self._conn is None or self._conn.closed:
            try:
                self._conn = connect(self.url, **self._options)
            except Exception as exc:
                raise HallError(f"无法连接大厅数据库 {safe_url(self.url)}：{' '.join(str(exc).split())}") from exc
            exists = self._conn.execute("SELECT to_regclass('hall.events') IS NOT NULL").fetchone()[0]
            if not exists:
                install_schema(self._conn)
        return self._conn

    def close(self) -> None:
        self._conn = _close(self._conn)

    def __enter__(self) -> HallReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- terminals and chains

    def terminals(self) -> list[TerminalInfo]:
        rows = self.conn.execute(
            "SELECT terminal_id, head_seq, head_hash, first_seen, last_seen FROM hall.terminals ORDER BY terminal_id"
        ).fetchall()
        return [TerminalInfo(t, int(s), h, f, la) for t, s, h, f, la in rows]

    def head(self, terminal: str) -> tuple[int, str]:
        return hall_head(self.conn, terminal)

    def store(self, terminal: str) -> HallTerminalStore:
        return HallTerminalStore(self, terminal)

    def stores(self) -> list[HallTerminalStore]:
        return [self.store(t.terminal_id) for t in self.terminals()]

    def raw_rows(self, terminal: str, after: int = 0) -> Iterator[Row]:
        """(seq, at, kind, payload text, prev_hash, hash) in seq order, read page by page."""
        while True:
            page = self.conn.execute(
                "SELECT seq, at, kind, payload, prev_hash, hash FROM hall.events "
                "WHERE terminal_id = %s AND seq > %s ORDER BY seq LIMIT %s", (terminal, after, self.PAGE)
            ).fetchall()
            yield from page
            if len(page) < self.PAGE:
                return
            after = page[-1][0]

    def events(self, terminal: str, after: int = 0) -> Iterator[Event]:
        """The same Event objects as ``EventStore.events(after)`` on that terminal."""
        for seq, at, kind, payload, prev_hash, digest in self.raw_rows(terminal, after):
            yield Event(int(seq), at, kind, json.loads(payload), prev_hash, digest)

    def verify(self, terminal: str) -> VerifyReport:
        """Walk the terminal's chain as stored in the hall (as ``EventStore.verify``)."""
        return verify_rows(self.raw_rows(terminal))

    def rejections(self, terminal: str | None = None) -> list[Rejection]:
        sql = ("SELECT id, terminal_id, seq, code, reason, hall_head_seq, attempts, first_at, last_at, kind, "
               "payload, hash FROM hall.rejections")
        params: tuple = ()
        if terminal is not None:
            sql += " WHERE terminal_id = %s"
            params = (terminal,)
        rows = self.conn.execute(sql + " ORDER BY id", params).fetchall()
        return [Rejection(*r) for r in rows]

    # -- what the review reads (the shapes of reports._rows_in_range / reports._kinds, per terminal)

    def rows_in_range(self, start: date, end: date, terminals: Sequence[str] | None = None
                      ) -> dict[str, list[tuple[int, str, str, str]]]:
        """Per terminal: (id, at, kind, payload text) of events whose time is within a day of [start, end]
        (filter by the exact local date afterwards), preceded by the last sign_in/sign_out before them."""
        lo = datetime.combine(start - timedelta(days=1), dtime(), tzinfo=UTC)
        hi = datetime.combine(end + timedelta(days=2), dtime(), tzinfo=UTC)
        sql = ("SELECT terminal_id, seq, at, kind, payload FROM hall.events WHERE at_ts >= %s AND at_ts < %s")
        params: list[Any] = [lo, hi]
        if terminals is not None:
            sql += " AND terminal_id = ANY(%s)"
            params.append(list(terminals))
        out: dict[str, list[tuple[int, str, str, str]]] = {}
        for tid, seq, at, kind, payload in self.conn.execute(sql + " ORDER BY terminal_id, seq", params):
            out.setdefault(tid, []).append((int(seq), at, kind, payload))
        for tid, rows in out.items():
            ctx = self.conn.execute(
                "SELECT seq, at, kind, payload FROM hall.events WHERE terminal_id = %s AND seq < %s "
                "AND kind IN ('sign_in', 'sign_out') ORDER BY seq DESC LIMIT 1", (tid, rows[0][0])
            ).fetchone()
            if ctx is not None:
                rows.insert(0, (int(ctx[0]), ctx[1], ctx[2], ctx[3]))
        return out

    def rows_of_kinds(self, kinds: Sequence[str], pending_matters: bool = False
                      ) -> dict[str, list[tuple[int, str, str, str]]]:
        """Per terminal: (id, at, kind, payload text) of the kinds, plus with pending_matters every matter
        answered 待答复 (as reports._kinds)."""
        sql = "SELECT terminal_id, seq, at, kind, payload FROM hall.events WHERE kind = ANY(%s)"
        if pending_matters:
            sql += " OR (kind = 'matter' AND data->>'outcome' = '待答复')"
        out: dict[str, list[tuple[int, str, str, str]]] = {}
        for tid, seq, at, kind, payload in self.conn.execute(sql + " ORDER BY terminal_id, seq", (list(kinds),)):
            out.setdefault(tid, []).append((int(seq), at, kind, payload))
        return out

    def known_people(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Every window and clerk that ever signed in at any terminal (for the filters)."""
        rows = self.conn.execute(
            "SELECT DISTINCT data->>'window', data->>'clerk' FROM hall.events WHERE kind = 'sign_in'"
        ).fetchall()
        return (tuple(sorted({w for w, _ in rows if w})), tuple(sorted({c for _, c in rows if c})))

    # -- a real EventStore per terminal, for code that reads store.conn

    def mirror(self, terminal: str, path: Path) -> EventStore:
        """An SQLite copy of the terminal's hall log at `path` (brought up to date incrementally, chain
        and ids as in the hall): a real EventStore, so ``reports.build_report`` works on it unchanged."""
        store = EventStore.open(path)
        try:
            after = store.last_id()
            conn = store.conn
            batch: list[Row] = []

            def flush() -> None:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.executemany(
                        "INSERT INTO events (id, at, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                        batch)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                batch.clear()

            for row in self.raw_rows(terminal, after):
                batch.append(row)
                if len(batch) >= self.PAGE:
                    flush()
            if batch:
                flush()
        except BaseException:
            store.close()
            raise
        return store


# ─── for the GUI (Qt-free: ui/app.py shows what these return) ─────────────────────────────────────

def pusher_for_gui(url_option: str | None, scripts_dir: Path | None, db_path: Path, data_dir: Path
                   ) -> tuple[HallPusher | None, str | None]:
    """The started pusher when a hall is configured (else None), and a notice for the clerk if any."""
    url = hall_url(url_option, scripts_dir)
    if not url:
        return None, None
    if str(db_path) == ":memory:":
        return None, "记录只保存在内存中，不上传大厅数据库。"
    try:
        return start_for(url, db_path, data_dir), None
    except HallError as exc:
        return None, f"不上传大厅数据库：{exc}"


def sidebar_note(previous: HallStatus | None, current: HallStatus) -> str | None:
    """What the sidebar's message line should say now, or None to leave it to the clerk's last action.

    `previous` is the last status given here that was not connecting/stopped (the caller keeps it): the
    message is shown once per change — first connected, went offline, refused, came back — never repeated
    on every retry."""
    if current.state in (CONNECTING, STOPPED):
        return None
    if previous is not None and (previous.state, previous.rejected_seq) == (current.state, current.rejected_seq):
        return None
    return current.message
