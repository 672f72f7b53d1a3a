"""The event store: one SQLite file, one append-only hash-chained `events` table, plus query views.

Decisions other modules rely on:

* ``Event.at`` is ISO-8601 with the UTC offset of the datetime given to ``append`` and microsecond
  precision, always the same shape: ``2024-05-06T09:00:00.000000+08:00``. A naive datetime is taken
  as local time (``datetime.astimezone()``). ``datetime.fromisoformat(event.at)`` gives the value back
  exactly.
* ``payload`` is stored as :func:`canonical_json`; the hash covers the row exactly as stored:
  ``sha256(prev_hash + "\\n" + str(id) + "\\n" + at + "\\n" + kind + "\\n" + payload)`` hex; the first
  event's ``prev_hash`` is 64 zeros.
* Personal data of the people served lives only in ``persons``; events refer to a person by id.
* A file that is not a usable database of ours is never deleted: it is moved aside to
  ``<name>.corrupt-<YYYYmmdd-HHMMSS>`` (companions ``-wal``/``-shm``/``-journal`` follow with the same
  new name) and a notice in Chinese is appended to ``EventStore.notices``.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from assistant import projections

SCHEMA_VERSION = 4
APPLICATION_ID = 0x57415353  # "WASS": marks a database as ours (PRAGMA application_id)

GENESIS_HASH = "0" * 64
_SQLITE_MAGIC = b"SQLite format 3\x00"
_COMPANIONS = ("-wal", "-shm", "-journal")
_BUSY_TIMEOUT_SECONDS = 30.0
_EVENTS_PAGE = 10_000


def canonical_json(obj: Any) -> str:
    """The one JSON spelling we store and hash: sorted keys, no spaces, Chinese kept as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(prev_hash: str, event_id: int, at: str, kind: str, payload: str) -> str:
    """Hash of one row exactly as stored."""
    text = prev_hash + "\n" + str(event_id) + "\n" + at + "\n" + kind + "\n" + payload
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def format_at(at: datetime) -> str:
    """The stored spelling of a time: ISO-8601, microseconds, with UTC offset (naive = local time)."""
    if at.tzinfo is None or at.utcoffset() is None:
        at = at.astimezone()
    return at.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    kind: str
    payload: dict
    prev_hash: str
    hash: str


class StoreError(Exception):
    """str() is a Chinese message naming the path and what is wrong."""


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    count: int  # events checked
    first_bad_id: int | None
    problems: tuple[str, ...]


# --- schema -------------------------------------------------------------------------------------

_V1 = (
    """CREATE TABLE events (
        id        INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        kind      TEXT NOT NULL,
        payload   TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    )""",
    "CREATE INDEX events_kind ON events(kind, id)",
    # The chain is the audit trail: refuse changes at the database itself, not only in our code.
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, '事件记录只能追加，不允许修改（events 表）'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, '事件记录只能追加，不允许删除（events 表）'); END""",
    """CREATE TABLE persons (
        id        INTEGER PRIMARY KEY,
        added_at  TEXT NOT NULL,
        name      TEXT NOT NULL DEFAULT '',
        phone     TEXT NOT NULL DEFAULT '',
        address   TEXT NOT NULL DEFAULT '',
        purged_at TEXT
    )""",
    # Phrase usage: events of kind 'phrase_used'.
    """CREATE VIEW v_phrase_usage AS
       SELECT id AS event_id, at,
              json_extract(payload, '$.phrase') AS phrase_id,
              json_extract(payload, '$.mode') AS mode,
              json_extract(payload, '$.interaction') AS interaction_id
       FROM events WHERE kind = 'phrase_used'""",
    """CREATE VIEW v_interactions AS
       SELECT json_extract(s.payload, '$.interaction') AS interaction_id,
              s.id AS started_event_id,
              s.at AS started_at,
              (SELECT e.at FROM events e
                WHERE e.kind = 'interaction_end'
                  AND json_extract(e.payload, '$.interaction') = json_extract(s.payload, '$.interaction')
                ORDER BY e.id LIMIT 1) AS ended_at
       FROM events s
       WHERE s.kind = 'interaction_start' AND json_extract(s.payload, '$.interaction') IS NOT NULL""",
    """CREATE VIEW v_checklist AS
       SELECT id AS event_id, at, kind,
              json_extract(payload, '$.item') AS item,
              json_extract(payload, '$.ok') AS ok,
              json_extract(payload, '$.note') AS note,
              payload
       FROM events WHERE kind LIKE 'checklist%'""",
)


def _run(statements: Sequence[str]) -> Callable[[sqlite3.Connection], None]:
    def migrate(conn: sqlite3.Connection) -> None:
        for sql in statements:
            conn.execute(sql)

    return migrate


# Version 2: indexes for the review at hall scale (millions of events). The review reads a date range by
# `at` text (then filters by the exact local date), and the follow-ups table needs every matter answered
# 待答复 without reading every matter: a partial index over exactly that (payload is canonical JSON).
_V2 = (
    "CREATE INDEX events_at ON events(at)",
    """CREATE INDEX events_pending_matter ON events(id)
       WHERE kind = 'matter' AND json_extract(payload, '$.outcome') = '待答复'""",
)

# Version 3: derived data, outside the hash chain (no triggers: they may be rebuilt, pruned or dropped).
# * The review's query-side projections (assistant/projections.py), kept by `append` in its transaction and
#   built here from the events already recorded. `proj_state` holds the projector's context and the last event
#   projected; whenever it lags the log (rows inserted without append: bulk loader, hall mirror) the store
#   catches up.
# * Snapshots of the rules' State (assistant/snapshots.py): the Desk replays only the events after the newest
#   usable one. `hash` is the chain hash of event `event_id`, so a snapshot never speaks for another history.
# * The v2 indexes served the review's raw-event reads, which the projections replace; each cost every append
#   a b-tree write (docs/performance.md), so they go. events_kind stays (v_phrase_usage, acknowledgements).
_V3_SQL = (
    """CREATE TABLE proj_state (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        last_id INTEGER NOT NULL,
        context TEXT NOT NULL
    )""",
    """CREATE TABLE proj_events (
        id     INTEGER PRIMARY KEY,
        day    TEXT NOT NULL,
        kind   TEXT NOT NULL,
        clerk  TEXT NOT NULL,
        role   TEXT NOT NULL,
        window TEXT NOT NULL,
        fu     INTEGER NOT NULL
    )""",
    "CREATE INDEX proj_events_day ON proj_events(day)",
    "CREATE INDEX proj_events_fu ON proj_events(id) WHERE fu = 1",
    """CREATE TABLE proj_interactions (
        start_id  INTEGER NOT NULL,
        end_id    INTEGER PRIMARY KEY,
        day       TEXT NOT NULL,
        number,
        clerk     TEXT NOT NULL,
        role      TEXT NOT NULL,
        window    TEXT NOT NULL,
        started   TEXT NOT NULL,
        ended     TEXT NOT NULL,
        seconds   INTEGER NOT NULL,
        steps     TEXT NOT NULL,
        durations TEXT NOT NULL,
        matters   TEXT NOT NULL,
        outcomes  TEXT NOT NULL,
        referrals TEXT NOT NULL,
        person
    )""",
    "CREATE INDEX proj_interactions_day ON proj_interactions(day)",
    """CREATE TABLE proj_phrases (
        day    TEXT NOT NULL,
        clerk  TEXT NOT NULL,
        role   TEXT NOT NULL,
        window TEXT NOT NULL,
        phrase,
        mode,
        n      INTEGER NOT NULL,
        PRIMARY KEY (day, clerk, role, window, phrase, mode)
    ) WITHOUT ROWID""",
    "CREATE TABLE proj_people (window, clerk, UNIQUE (window, clerk))",
    """CREATE TABLE state_snapshots (
        event_id INTEGER PRIMARY KEY,
        hash     TEXT NOT NULL,
        format   TEXT NOT NULL,
        state    TEXT NOT NULL
    )""",
    "DROP INDEX events_at",
    "DROP INDEX events_pending_matter",
)


def _v3(conn: sqlite3.Connection) -> None:
    _run(_V3_SQL)(conn)
    _catch_up(conn, None)


# Version 4 (the review reads pages, counts and chart series by SQL; issue 8's events in the review):
# * proj_follow_ups: the follow-up events with the payload fields the follow-ups fold reads, so that fold over
#   all history reads one short table, not ~10,000 rows scattered over the log;
# * proj_interactions_hours: people served per hour (a chart) from the index alone;
# * proj_events_kind_day: a table's events of a month by kind (the checklist's ~800 runs among ~18,000 events);
# * the projections are rebuilt from event 1 (they now also hold the clock, correction and purge events).
_V4_SQL = (
    """CREATE TABLE proj_follow_ups (
        id         INTEGER PRIMARY KEY,
        day        TEXT NOT NULL,
        kind       TEXT NOT NULL,
        clerk      TEXT NOT NULL,
        role       TEXT NOT NULL,
        window     TEXT NOT NULL,
        number,
        status,
        has_status INTEGER NOT NULL,
        due,
        answer
    )""",
    "CREATE INDEX proj_interactions_hours ON proj_interactions(day, started)",
    "CREATE INDEX proj_events_kind_day ON proj_events(kind, day)",
)


def _v4(conn: sqlite3.Connection) -> None:
    _run(_V4_SQL)(conn)
    conn.execute("DELETE FROM proj_state")
    _catch_up(conn, None)


# Index = the version a migration brings the database to; index 0 is the empty database.
# Append-only: never edit a released version, add the next one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None] | None] = [None, _run(_V1), _run(_V2), _v3, _v4]
assert len(MIGRATIONS) == SCHEMA_VERSION + 1


# --- projections (derived, in the same transaction as the events they derive from) ---------------

_PROJ_TABLES = ("proj_events", "proj_interactions", "proj_phrases", "proj_people", "proj_follow_ups")
_CATCH_UP_BATCH = 20_000


def _save_context(conn: sqlite3.Connection, ctx: dict) -> None:
    conn.execute("INSERT OR REPLACE INTO proj_state (id, last_id, context) VALUES (1, ?, ?)",
                 (ctx["last_id"], projections.context_to_json(ctx)))


def _load_context(conn: sqlite3.Connection) -> dict | None:
    """The projector's persisted context, or None when the projections must be rebuilt from the first event."""
    row = conn.execute("SELECT last_id, context FROM proj_state WHERE id = 1").fetchone()
    if row is None:
        return None
    try:
        ctx = projections.context_from_json(row[1])
    except ValueError:
        return None
    tail = conn.execute("SELECT MAX(id) FROM events").fetchone()[0] or 0
    if ctx.get("last_id") != row[0] or row[0] > tail:   # ahead of the log it claims to follow: not ours
        return None
    return ctx


def _catch_up(conn: sqlite3.Connection, ctx: dict | None) -> dict:
    """Project every event after ctx's last one (ctx None: the persisted context, or a rebuild from scratch).

    Runs inside the caller's write transaction; returns the context after the last event."""
    # migration 3 catches up before migration 4 has made proj_follow_ups (4 then rebuilds everything)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    skip = {"follow_up"} if "proj_follow_ups" not in tables else set()
    if ctx is None:
        ctx = _load_context(conn)
        if ctx is None:
            for table in _PROJ_TABLES:
                if table in tables:
                    conn.execute(f"DELETE FROM {table}")
            ctx = projections.new_context()
    start = ctx["last_id"]
    phrases: dict[tuple, int] = {}
    last = start
    project, needs, loads, sql = projections.project, projections.needs, json.loads, projections.SQL
    while True:
        rows = conn.execute("SELECT id, at, kind, payload FROM events WHERE id > ? ORDER BY id LIMIT ?",
                            (last, _CATCH_UP_BATCH)).fetchall()
        if not rows:
            break
        batch: dict[str, list[tuple]] = {}
        for event_id, at, kind, payload in rows:
            if not needs(kind):
                continue
            for key, params in project(ctx, event_id, at, kind, loads(payload)):
                if key in skip:
                    continue
                if key == "phrase":
                    phrases[params[:-1]] = phrases.get(params[:-1], 0) + params[-1]
                else:
                    batch.setdefault(key, []).append(params)
        for key, params_list in batch.items():
            conn.executemany(sql[key], params_list)
        last = rows[-1][0]
    conn.executemany(sql["phrase"], [(*k, n) for k, n in phrases.items()])
    ctx["last_id"] = last
    if last != start or conn.execute("SELECT 1 FROM proj_state").fetchone() is None:
        _save_context(conn, ctx)
    return ctx


def _projections_lag(conn: sqlite3.Connection) -> bool:
    """The projections do not follow the log to its last event (or their context is unreadable)."""
    ctx = _load_context(conn)
    tail = conn.execute("SELECT MAX(id) FROM events").fetchone()[0] or 0
    return ctx is None or ctx["last_id"] != tail


# --- opening ------------------------------------------------------------------------------------

class _Unusable(Exception):
    """The file is not a usable database of ours; args[0] says why (Chinese)."""

    def __init__(self, reason: str, newer: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.newer = newer


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so every transaction is explicit.
    return sqlite3.connect(str(path), timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)


# Errors that say nothing about the file's content (locks, permissions, disk): never move the file for these.
_ENVIRONMENTAL = {
    "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM",
    "SQLITE_NOMEM", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_AUTH", "SQLITE_INTERRUPT",
}


def _is_environmental(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    primary = "_".join(name.split("_")[:2])
    if primary == "SQLITE_IOERR" and name == "SQLITE_IOERR_SHORT_READ":
        return False  # a short read means the file is truncated
    return primary in _ENVIRONMENTAL


# PRAGMA quick_check reads the whole file (≈ 1 s per GB). Files up to this size get it on every open; bigger
# ones (a hall's year is gigabytes) get the cheap checks — header, application_id, user_version, schema, a
# probe of the events table — and quick_check only when the header looks inconsistent or a probe fails.
_QUICK_CHECK_MAX_BYTES = 64 * 2**20


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _header_consistent(header: bytes, path: Path) -> bool:
    """The 100-byte header agrees with the file: page size valid, the file holds the pages it claims."""
    if len(header) < 100:
        return not header   # no file yet: nothing to check
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return False
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    change_counter = int.from_bytes(header[24:28], "big")
    size = _size(path)
    if size % page_size:
        return False
    # The in-header page count is trusted only when current (SQLite's own rule); then the file must hold it.
    return not (pages and valid_for == change_counter and size < pages * page_size)


def _classify(conn: sqlite3.Connection, path: Path) -> None:
    """Raise _Unusable unless conn is a fresh database or one of ours we can migrate."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except FileNotFoundError:
        header = b""  # sqlite creates the file on first write
    except OSError as exc:
        raise StoreError(f"无法读取数据文件 {path}：{exc}") from exc
    if header and not header.startswith(_SQLITE_MAGIC):
        raise _Unusable("不是 SQLite 数据库文件")
    if 0 < len(header) < 100:
        raise _Unusable("文件被截断，连文件头都不完整")
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        full = not _header_consistent(header, path) or _size(path) <= _QUICK_CHECK_MAX_BYTES
        if not full and "events" in names:
            # The cheap probe of a big file: the chain's first and last rows walk the left- and rightmost
            # b-tree paths of the events table, where a truncated or torn file usually shows first.
            conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchall()
            conn.execute("SELECT id FROM events ORDER BY id LIMIT 1").fetchall()
        check = [r[0] for r in conn.execute("PRAGMA quick_check")] if full else ["ok"]
    except sqlite3.DatabaseError as exc:
        if _is_environmental(exc):
            raise StoreError(f"无法打开数据文件 {path}（文件被占用、只读或磁盘出错）：{exc}") from exc
        raise _Unusable(f"数据库无法读取（{exc}）") from exc
    if check != ["ok"]:
        raise _Unusable("完整性检查未通过（" + "；".join(str(c) for c in check[:3]) + "）")
    if app_id == 0:
        if names:
            raise _Unusable("是其他程序的数据库（没有本程序的标记，却已有数据表）")
        if version != 0:
            raise _Unusable(f"是其他程序的数据库（没有本程序的标记，数据库版本却为 {version}）")
        return
    if app_id != APPLICATION_ID:
        raise _Unusable(f"是其他程序的数据库（application_id = {app_id:#010x}）")
    if version > SCHEMA_VERSION:
        raise _Unusable(
            f"来自更新版本的程序（数据库版本 {version}，本程序只支持到 {SCHEMA_VERSION}）", newer=True
        )


def _aside_name(path: Path) -> Path:
    """A free `<name>.corrupt-<YYYYmmdd-HHMMSS>[-N]` next to path (checked for companions too)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{path.name}.corrupt-{stamp}"
    counter = 1
    while True:
        name = base if counter == 1 else f"{base}-{counter}"
        candidate = path.with_name(name)
        if not any(Path(str(candidate) + s).exists() for s in ("",) + _COMPANIONS):
            return candidate
        counter += 1


def _move_aside(path: Path) -> Path:
    """Move path and its companions to a fresh aside name; never delete anything."""
    target = _aside_name(path)
    try:
        os.rename(path, target)
        for suffix in _COMPANIONS:
            companion = Path(str(path) + suffix)
            if companion.exists():
                os.rename(companion, Path(str(target) + suffix))
    except OSError as exc:
        raise StoreError(f"数据文件 {path} 无法使用，且无法移到 {target}：{exc}") from exc
    return target


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to SCHEMA_VERSION, one transaction per version."""
    for version in range(1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current < version:
                migration = MIGRATIONS[version]
                assert migration is not None
                migration(conn)
                conn.execute(f"PRAGMA user_version = {int(version)}")
                conn.execute(f"PRAGMA application_id = {int(APPLICATION_ID)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _sync_projections(conn: sqlite3.Connection) -> None:
    """Bring the projections up to the log's last event (a no-op unless events were inserted around append)."""
    if not _projections_lag(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _projections_lag(conn):
            _catch_up(conn, None)
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")


# --- the store ----------------------------------------------------------------------------------

def _rollback(conn: sqlite3.Connection) -> None:
    """End a failed write transaction without hiding why it failed.

    SQLite rolls back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…); a ROLLBACK then
    would raise "cannot rollback - no transaction is active" in place of "database or disk is full". A
    ROLLBACK that fails is not raised either: the caller re-raises the error that mattered, and the
    connection is usable for the next transaction.
    """
    if not conn.in_transaction:
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


class EventStore:
    """One SQLite file of events (append-only, hash-chained) and persons."""

    path: Path
    notices: list[str]

    def __init__(self, path: Path, conn: sqlite3.Connection, notices: list[str]) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = conn
        self.notices = notices
        # The projector's context after the last event this connection wrote (valid while nobody else wrote).
        self._proj: dict | None = None

    @classmethod
    def open(cls, path: Path) -> Self:
        """Open (or create) the store at path; unusable files are moved aside, never deleted."""
        path = Path(path)
        parent = path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"无法创建数据文件夹 {parent}：{exc}") from exc
        if not parent.is_dir():
            raise StoreError(f"无法创建数据文件夹 {parent}：该路径已存在，但不是文件夹")
        if path.is_dir():
            raise StoreError(f"数据文件路径 {path} 是一个文件夹，不能用作数据库文件")
        notices: list[str] = []
        conn = cls._open_checked(path)
        if isinstance(conn, _Unusable):
            moved = _move_aside(path)
            if conn.newer:
                notices.append(
                    f"数据文件 {path} {conn.reason}，无法在本版本中打开。原文件已原样移到 {moved}，"
                    f"请用新版本程序打开它；已新建空的数据文件。"
                )
            else:
                notices.append(
                    f"数据文件 {path} 无法使用：{conn.reason}。原文件已原样移到 {moved}（未删除）；"
                    f"已新建空的数据文件。"
                )
            conn = cls._open_checked(path)
            if isinstance(conn, _Unusable):
                raise StoreError(f"无法在 {path} 新建数据文件：{conn.reason}")
        return cls(path, conn, notices)

    @staticmethod
    def _open_checked(path: Path) -> sqlite3.Connection | _Unusable:
        """A configured, migrated connection, or the reason the file is unusable (connection closed)."""
        try:
            conn = _connect(path)
        except sqlite3.Error as exc:
            raise StoreError(f"无法打开数据文件 {path}：{exc}") from exc
        try:
            _classify(conn, path)
            _configure(conn)
            _migrate(conn)
            _sync_projections(conn)
        except _Unusable as unusable:
            conn.close()
            return unusable
        except sqlite3.Error as exc:
            # Not moved aside: the checks passed, so this is a lock/disk problem, not a foreign file.
            conn.close()
            raise StoreError(f"无法打开数据文件 {path}：{exc}") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    # -- lifecycle

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"数据文件 {self.path} 已关闭，不能再读写")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- events

    def append(self, events: Sequence[tuple[str, dict]], at: datetime) -> list[Event]:
        """Append events in one BEGIN IMMEDIATE transaction; all share the time `at`."""
        stamp = format_at(at)
        rows = [(kind, canonical_json(payload), payload) for kind, payload in events]
        for kind, _, _ in rows:
            if not isinstance(kind, str) or not kind:
                raise StoreError(f"数据文件 {self.path}：事件类型必须是非空字符串，收到 {kind!r}")
        conn = self.conn
        # BEGIN IMMEDIATE takes the write lock before we read the chain's tail, so two writers
        # (threads or processes) cannot both extend the same tail.
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
            last_id, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
            # The projections follow the log in this same transaction: from the context cached after our own
            # last write when nobody wrote since, else from the persisted one (caught up if it lags).
            ctx = self._proj
            self._proj = None   # until COMMIT: a failed transaction leaves no half-advanced context behind
            if ctx is None or ctx["last_id"] != last_id:
                ctx = _catch_up(conn, None)
            out: list[Event] = []
            sql = projections.SQL
            for kind, text, payload in rows:
                last_id += 1
                digest = event_hash(prev, last_id, stamp, kind, text)
                conn.execute(
                    "INSERT INTO events (id, at, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                    (last_id, stamp, kind, text, prev, digest),
                )
                parsed = json.loads(text)
                if projections.needs(kind):
                    for key, params in projections.project(ctx, last_id, stamp, kind, parsed):
                        conn.execute(sql[key], params)
                ctx["last_id"] = last_id
                out.append(Event(last_id, stamp, kind, parsed, prev, digest))
                prev = digest
            _save_context(conn, ctx)
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        self._proj = ctx
        return out

    def sync_projections(self) -> None:
        """Bring the query-side projections up to the last event (readers call this before reading them)."""
        _sync_projections(self.conn)
        self._proj = None

    def events(self, after: int = 0) -> Iterator[Event]:
        """Events with id > after, in id order, payload parsed."""
        # In pages, so replaying a hall-year (millions of events) holds one page at a time, not the whole log.
        while True:
            rows = self.conn.execute(
                "SELECT id, at, kind, payload, prev_hash, hash FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (after, _EVENTS_PAGE),
            ).fetchall()
            for event_id, at, kind, payload, prev_hash, digest in rows:
                yield Event(event_id, at, kind, json.loads(payload), prev_hash, digest)
            if len(rows) < _EVENTS_PAGE:
                return
            after = rows[-1][0]

    # -- snapshots of derived state (a cache: outside the chain; see assistant/snapshots.py)

    def save_snapshot(self, event_id: int, fmt: str, state: str, keep: int = 3) -> bool:
        """Keep `state` (text in format `fmt`) as taken after event `event_id`; keep only the newest `keep`.

        Refused (False) when that event is not in the log: a snapshot is never ahead of the events it claims."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT hash FROM events WHERE id = ?", (event_id,)).fetchone()
            if row is None:
                conn.execute("ROLLBACK")
                return False
            conn.execute("INSERT OR REPLACE INTO state_snapshots (event_id, hash, format, state) VALUES (?, ?, ?, ?)",
                         (event_id, row[0], fmt, state))
            conn.execute("DELETE FROM state_snapshots WHERE event_id NOT IN "
                         "(SELECT event_id FROM state_snapshots ORDER BY event_id DESC LIMIT ?)", (keep,))
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return True

    def snapshots(self, fmt: str) -> list[tuple[int, str]]:
        """(event_id, state text) of format `fmt`, newest first, only those whose event is in the log with the
        chain hash the snapshot was taken at."""
        return self.conn.execute(
            "SELECT s.event_id, s.state FROM state_snapshots s JOIN events e ON e.id = s.event_id AND e.hash = s.hash "
            "WHERE s.format = ? ORDER BY s.event_id DESC", (fmt,)).fetchall()

    def last_id(self) -> int:
        row = self.conn.execute("SELECT MAX(id) FROM events").fetchone()
        return row[0] or 0

    def verify(self) -> VerifyReport:
        """Walk all events in id order, recomputing the chain."""
        problems: list[str] = []
        first_bad: int | None = None
        count = 0
        prev_id = 0
        prev_hash = GENESIS_HASH
        cursor = self.conn.execute("SELECT id, at, kind, payload, prev_hash, hash FROM events ORDER BY id")
        for event_id, at, kind, payload, stored_prev, digest in cursor:
            count += 1
            bad = False
            if event_id != prev_id + 1:
                if prev_id == 0:
                    problems.append(f"事件编号应从 #1 开始，第一条却是 #{event_id}")
                elif event_id - prev_id == 2:
                    problems.append(f"事件编号 #{prev_id} 之后缺少 #{prev_id + 1}")
                else:
                    problems.append(f"事件编号 #{prev_id} 之后缺少 #{prev_id + 1}～#{event_id - 1}")
                bad = True
            if stored_prev != prev_hash:
                if prev_id == 0:
                    problems.append(f"事件 #{event_id} 是第一条，其 prev_hash 应为 64 个 0")
                else:
                    problems.append(f"事件 #{event_id} 的 prev_hash 与 #{prev_id} 不符")
                bad = True
            if event_hash(stored_prev, event_id, at, kind, payload) != digest:
                problems.append(f"事件 #{event_id} 的哈希值不符（内容被改动过）")
                bad = True
            if bad and first_bad is None:
                first_bad = event_id
            prev_id, prev_hash = event_id, digest
        return VerifyReport(ok=not problems, count=count, first_bad_id=first_bad, problems=tuple(problems))

    # -- persons (the only place personal data lives)

    def add_person(
        self, name: str = "", phone: str = "", address: str = "", at: datetime | None = None
    ) -> int:
        """Record a person's contact data; returns the id events use to refer to them."""
        stamp = format_at(at if at is not None else datetime.now().astimezone())
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = conn.execute(
                "INSERT INTO persons (added_at, name, phone, address) VALUES (?, ?, ?, ?)",
                (stamp, name, phone, address),
            )
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def person(self, person_id: int) -> dict | None:
        """{id, added_at, name, phone, address, purged_at} or None."""
        row = self.conn.execute(
            "SELECT id, added_at, name, phone, address, purged_at FROM persons WHERE id = ?", (person_id,)
        ).fetchone()
        if row is None:
            return None
        keys = ("id", "added_at", "name", "phone", "address", "purged_at")
        return dict(zip(keys, row))

    def purge_personal(self, before: datetime) -> int:
        """Blank name/phone/address of persons added before `before`; returns how many were blanked."""
        limit = datetime.fromisoformat(format_at(before))
        now = format_at(datetime.now().astimezone())
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            rows = conn.execute("SELECT id, added_at FROM persons WHERE purged_at IS NULL").fetchall()
            # Compare as datetimes, not text: stored times may carry different UTC offsets.
            ids = [pid for pid, added in rows if datetime.fromisoformat(added) < limit]
            for pid in ids:
                conn.execute(
                    "UPDATE persons SET name = '', phone = '', address = '', purged_at = ? WHERE id = ?",
                    (now, pid),
                )
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return len(ids)
