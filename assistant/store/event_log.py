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
* Opening for recording (``EventStore.open``) never deletes a file. A damaged database that was ours (SQLite,
  our application id) is moved aside to ``<name>.corrupt-<YYYYmmdd-HHMMSS>`` (companions
  ``-wal``/``-shm``/``-journal`` follow with the same new name) and a notice in Chinese is appended to
  ``EventStore.notices``. Anything else is refused (StoreError) and left as it is: a file that never was ours,
  a directory, FIFO or device, and a database of a newer version (请使用新版本).
* ``EventStore.open_readonly`` (verify-log, status) changes nothing: no migration, no projection sync, no file
  created, renamed or deleted; a file that is not a readable database of ours raises StoreUnreadable.
* Files and folders the store creates are private to the user (0600 / 0700 on POSIX).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

from assistant.domain.events import upcast
from assistant.store import projections, sealing
from assistant.store.version import UserVersion

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


class StoreMissing(StoreError):
    """The database file does not exist (and the caller may not create it)."""


class StoreUnreadable(StoreError):
    """The file is not a readable database of ours (random bytes, cut short, another program's)."""


class HeadMoved(StoreError):
    """Another writer extended the log after the caller read it: decide again on the fresh state."""

    def __init__(self, path: Path, expected: int, found: int) -> None:
        super().__init__(f"数据文件 {path} 已被其他程序追加了记录（应在 #{expected} 之后，实为 #{found}）")
        self.expected = expected
        self.found = found


class StoreDetached(StoreError):
    """The files SQLite writes are no longer the ones at the store's path (deleted or replaced by another
    process): what was committed may not be in the file. `EventStore.reattach()` mends it."""


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    count: int  # events checked
    first_bad_id: int | None
    problems: tuple[str, ...]
    sealed: int = 0  # with keys: events whose seal holds
    unsealed: int = 0  # with keys: events before the first seal_init (the hash chain's word only)


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
# * The review's query-side projections (assistant/store/projections.py), kept by `append` in its transaction and
#   built here from the events already recorded. `proj_state` holds the projector's context and the last event
#   projected; whenever it lags the log (rows inserted without append: bulk loader, hall mirror) the store
#   catches up.
# * Snapshots of the rules' State (assistant/store/snapshots.py): the Desk replays only the events after the newest
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


# Version 5 (issue 16: evidence that holds against the person at the keyboard):
# * events.mac: the forward-secure seal of each event from `seal init` on (assistant/store/sealing.py), set when the
#   row is inserted (the triggers refuse any later change); NULL before sealing started (the key lives outside
#   the database, in <database>-seal);
# * persons: ID-card numbers and e-mail addresses found in free text (assistant/domain/personal_data.py).
_V5_SQL = (
    "ALTER TABLE events ADD COLUMN mac TEXT",
    "ALTER TABLE persons ADD COLUMN id_number TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE persons ADD COLUMN email TEXT NOT NULL DEFAULT ''",
)

# Each migration with the version it brings the database to, in order (assistant/store/version.py says when a
# step is minor, when major). Append-only: never edit a released version, add the next one.
MIGRATIONS: tuple[tuple[UserVersion, Callable[[sqlite3.Connection], None]], ...] = (
    (UserVersion(0, 1), _run(_V1)),
    (UserVersion(0, 2), _run(_V2)),
    (UserVersion(0, 3), _v3),
    (UserVersion(0, 4), _v4),
    (UserVersion(0, 5), _run(_V5_SQL)),  # additive: an older build still reads it
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


# --- projections (derived, in the same transaction as the events they derive from) ---------------

_PROJ_TABLES = ("proj_events", "proj_interactions", "proj_phrases", "proj_people", "proj_follow_ups")
_CATCH_UP_BATCH = 20_000


def _save_context(conn: sqlite3.Connection, ctx: dict) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO proj_state (id, last_id, context) VALUES (1, ?, ?)",
        (ctx["last_id"], projections.context_to_json(ctx)),
    )


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
    if ctx.get("last_id") != row[0] or row[0] > tail:  # ahead of the log it claims to follow: not ours
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
        rows = conn.execute(
            "SELECT id, at, kind, payload FROM events WHERE id > ? ORDER BY id LIMIT ?",
            (last, _CATCH_UP_BATCH),
        ).fetchall()
        if not rows:
            break
        batch: dict[str, list[tuple]] = {}
        for event_id, at, stored_kind, payload in rows:
            kind, parsed = upcast(stored_kind, loads(payload))
            if not needs(kind):
                continue
            for key, params in project(ctx, event_id, at, kind, parsed):
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

    def __init__(self, reason: str, newer: bool = False, ours: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.newer = newer
        self.ours = ours  # the file carries our application id: damaged, not foreign (may be set aside)


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so every transaction is explicit.
    return sqlite3.connect(str(path), timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)


# Errors that say nothing about the file's content (locks, permissions, disk): never move the file for these.
_ENVIRONMENTAL = {
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_READONLY",
    "SQLITE_PERM",
    "SQLITE_NOMEM",
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_AUTH",
    "SQLITE_INTERRUPT",
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
        return not header  # no file yet: nothing to check
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


def _read_header(path: Path) -> bytes | None:
    """The file's first 100 bytes (b"" when there is no file yet), read BEFORE SQLite opens it — or None
    when a connection of this process is open on the file already.

    On POSIX, closing ANY descriptor of a database file drops every lock this process holds on it (SQLite's
    "How To Corrupt An SQLite Database File", §2.2): another process then believes itself the last one,
    deletes the -wal and -shm, and what this process goes on writing is lost. So this is the only place our
    code opens a database file by itself, and it does not while this process has a connection on it (the
    file was judged when that connection was opened)."""
    if _held(path):
        return None
    try:
        with path.open("rb") as f:
            return f.read(100)
    except FileNotFoundError:
        return b""  # sqlite creates the file on first write
    except OSError as exc:
        raise StoreError(f"无法读取数据文件 {path}：{exc}") from exc


def _classify(conn: sqlite3.Connection, path: Path, header: bytes | None) -> None:
    """Raise _Unusable unless conn is a fresh database or one of ours we can migrate (header: _read_header's)."""
    if header is None:
        header = b""
    ours = _ours_by_header(header)
    if header and not header.startswith(_SQLITE_MAGIC):
        raise _Unusable("不是 SQLite 数据库文件")
    if 0 < len(header) < 100:
        raise _Unusable("文件被截断，连文件头都不完整", ours=ours)
    app_id = None
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
        raise _Unusable(f"数据库无法读取（{exc}）", ours=ours or app_id == APPLICATION_ID) from exc
    if check != ["ok"]:
        raise _Unusable(
            "完整性检查未通过（" + "；".join(str(c) for c in check[:3]) + "）",
            ours=ours or app_id == APPLICATION_ID,
        )
    if app_id == 0:
        if names:
            raise _Unusable("是其他程序的数据库（没有本程序的标记，却已有数据表）")
        if version != 0:
            raise _Unusable(f"是其他程序的数据库（没有本程序的标记，数据库版本却为 {version}）")
        return
    if app_id != APPLICATION_ID:
        raise _Unusable(f"是其他程序的数据库（application_id = {app_id:#010x}）")
    try:
        found = UserVersion.from_int(version)
    except ValueError as exc:
        raise _Unusable(str(exc)) from None
    if not SCHEMA_VERSION.opens(found):  # a newer minor only added what this build can ignore: it opens
        raise _Unusable(
            f"来自更新版本的程序（数据库版本 {found}，本程序只支持 {SCHEMA_VERSION.major}.x 版）", newer=True
        )


def _ours_by_header(header: bytes) -> bool:
    """The header names our application id (bytes 68–71): the file was ours, whatever happened to it since."""
    return (
        header.startswith(_SQLITE_MAGIC)
        and len(header) >= 72
        and int.from_bytes(header[68:72], "big") == APPLICATION_ID
    )


def _kind_of(path: Path) -> str | None:
    """None when path is a regular file or nothing; else what it is (Chinese), never opening it."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # nothing there (making the folder will say why not)
        return None
    except OSError as exc:  # a name too long, a folder we may not enter…
        raise StoreError(f"无法访问数据文件 {path}：{exc.strerror or exc}") from exc
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "文件夹"
    if stat.S_ISFIFO(st.st_mode):
        return "管道（FIFO）"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "设备"
    return "特殊文件"


def check_path(path: Path) -> bool:
    """True when a regular file is at path, False when nothing is; StoreError for anything else."""
    kind = _kind_of(path)
    if kind is not None:
        raise StoreError(
            f"数据文件路径 {path} 是一个{kind}，不是普通文件，不能用作数据库文件（未作任何改动）"
        )
    return path.exists()


def _create_private(path: Path) -> None:
    """Create path empty with mode 0600 (SQLite gives its -wal/-shm/-journal the database file's mode).

    Only while no connection of this process is on it: there is no file yet, so there is none."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"无法创建数据文件 {path}：{exc.strerror or exc}") from exc
    os.close(fd)


def _newer_message(path: Path, reason: str) -> str:
    return f"数据文件 {path} {reason}，本版本无法打开；请使用新版本的窗口服务助手打开它（文件未作任何改动）。"


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
    """Bring the database to SCHEMA_VERSION, one transaction per step; one of a newer minor stays as it is."""
    for version, migration in MIGRATIONS:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            current = UserVersion.from_int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current < version:
                migration(conn)
                conn.execute(f"PRAGMA user_version = {version.to_int()}")
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
    # What is deleted or overwritten (a purged name or phone) is zeroed in the page, not left in free space.
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA foreign_keys=ON")


# --- who in this process has the file open ---------------------------------------------------------
#
# POSIX locks belong to the process, not to the descriptor: SQLite keeps them right only when it is the one
# that opens and closes the files. The registry tells _read_header when not to touch the file, and one lock
# per file lets `EventStore.reattach` close every connection of this process on a file before reopening it
# (SQLite shares a file's -shm mapping among the connections of one process).

_REGISTRY_LOCK = threading.Lock()
_LIVE: dict[tuple[int, int], int] = {}
_GUARDS: dict[str, threading.RLock] = {}


def _file_id(path: Path | str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _held(path: Path) -> bool:
    key = _file_id(path)
    with _REGISTRY_LOCK:
        return key is not None and _LIVE.get(key, 0) > 0


def _register(key: tuple[int, int] | None, delta: int) -> None:
    if key is None:
        return
    with _REGISTRY_LOCK:
        count = _LIVE.get(key, 0) + delta
        if count > 0:
            _LIVE[key] = count
        else:
            _LIVE.pop(key, None)


def _guard(path: Path) -> threading.RLock:
    name = os.path.abspath(path)
    with _REGISTRY_LOCK:
        return _GUARDS.setdefault(name, threading.RLock())


@contextmanager
def reader(path: Path) -> Iterator[sqlite3.Connection]:
    """A short-lived read-only connection to the log at path, for another thread of this process (the hall
    pusher): opened and closed by SQLite only, and never while the store is reopening the file."""
    with _guard(path):
        uri = "file:" + _uri_path(path) + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=False)
        key = _file_id(path)
        _register(key, +1)
        try:
            conn.execute("PRAGMA query_only = ON")
            yield conn
        finally:
            conn.close()
            _register(key, -1)


def _uri_path(path: Path) -> str:
    return quote(str(Path(path).resolve()))


def _no_checkpoint_on_close(conn: sqlite3.Connection) -> bool:
    """Make closing conn leave the files alone (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE): a connection whose -wal
    was deleted under it must not checkpoint that orphaned log into the live database, nor delete the -wal
    another process now uses. True when set."""
    setconfig = getattr(conn, "setconfig", None)  # Python 3.12+
    option = getattr(sqlite3, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE", 1006)
    if setconfig is not None:
        setconfig(option, True)
        return True
    import _sqlite3
    import ctypes

    try:
        lib = ctypes.CDLL(_sqlite3.__file__)
        # CPython's pysqlite_Connection starts with PyObject_HEAD, then `sqlite3 *db` (3.11–3.13); the
        # pointer is used only if SQLite itself confirms it is this connection's database.
        db = ctypes.c_void_p.from_address(id(conn) + 2 * ctypes.sizeof(ctypes.c_void_p)).value
        lib.sqlite3_db_filename.restype = ctypes.c_char_p
        lib.sqlite3_db_filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        name = lib.sqlite3_db_filename(db, b"main")
        main = conn.execute("PRAGMA database_list").fetchone()[2]
        if not db or name is None or os.fsdecode(name) != main:
            return False
        lib.sqlite3_db_config.restype = ctypes.c_int
        lib.sqlite3_db_config.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
        return lib.sqlite3_db_config(db, option, 1, None) == 0
    except (OSError, AttributeError, ValueError, sqlite3.Error):
        return False


# --- the store ----------------------------------------------------------------------------------

_PERSON_COLUMNS = ("name", "phone", "address", "id_number", "email")


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
        # Which files SQLite writes (device, inode) of the database and its -wal, checked after every commit.
        self._files = self._identify()
        _register(self._files.get(""), +1)
        # Which events this store recorded since it opened (id and hash, 40 bytes each: a replay of a million
        # lines stays small), and the persons they refer to: what `reattach` re-appends when the file lost
        # them, reading their rows through the old connection, which still sees them.
        self._session_ids = array("q")
        self._session_hashes = bytearray()
        self._session_persons: dict[int, dict] = {}
        self._detached: str | None = None
        self._immutable = False  # open_readonly without locks (see still_current)

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Self:
        """Open the store at path for recording; create it (private to the user) when `create`, else
        StoreMissing. A damaged database of ours is moved aside, never deleted; anything else that is not a
        usable database of ours (another program's file, a folder, FIFO or device, a newer version) is
        refused with StoreError and left untouched."""
        path = Path(path)
        parent = path.parent
        exists = check_path(path)
        if not exists and not create:
            raise StoreMissing(f"数据文件 {path} 不存在（没有可处理的记录）；请用 --db 指定数据文件。")
        if not exists:
            try:
                parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建数据文件夹 {parent}：{exc.strerror or exc}") from exc
            if not parent.is_dir():
                raise StoreError(f"无法创建数据文件夹 {parent}：该路径已存在，但不是文件夹")
            _create_private(path)
        notices: list[str] = []
        conn = cls._open_checked(path)
        if isinstance(conn, _Unusable):
            if conn.newer:
                raise StoreError(_newer_message(path, conn.reason))
            if not conn.ours:
                raise StoreError(
                    f"数据文件 {path} {conn.reason}，不是本助手的数据文件；未作任何改动。"
                    f"请用 --db 指定本助手的数据文件。"
                )
            moved = _move_aside(path)
            notices.append(
                f"数据文件 {path} 无法使用：{conn.reason}。原文件已原样移到 {moved}（未删除）；"
                f"已新建空的数据文件。"
            )
            _create_private(path)
            conn = cls._open_checked(path)
            if isinstance(conn, _Unusable):
                raise StoreError(f"无法在 {path} 新建数据文件：{conn.reason}")
        return cls(path, conn, notices)

    @classmethod
    def open_readonly(cls, path: Path) -> Self:
        """Open the log at path only to read it: no migration, no projection sync, nothing created, renamed or
        deleted. StoreMissing when there is no file; StoreUnreadable when it is not a readable database of
        ours; StoreError for a newer version or a path that is not a regular file."""
        path = Path(path)
        if not check_path(path):
            raise StoreMissing(f"数据文件 {path} 不存在（没有可检查的记录）；请用 --db 指定数据文件。")
        header = _read_header(path)
        # A read-only connection to a WAL database creates the -wal and -shm when they are missing (and leaves
        # them): without a -wal nobody is writing, so the file is read as it is (immutable, no locks).
        immutable = not Path(str(path) + "-wal").exists()
        uri = "file:" + _uri_path(path) + "?mode=ro" + ("&immutable=1" if immutable else "")
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"无法打开数据文件 {path}：{exc}") from exc
        try:
            conn.execute("PRAGMA query_only = ON")
            _classify(conn, path, header)
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise _Unusable("是空文件，不是本助手的数据文件" if not header else "不是本助手的数据文件")
        except _Unusable as unusable:
            conn.close()
            if unusable.newer:
                raise StoreError(_newer_message(path, unusable.reason)) from None
            raise StoreUnreadable(f"数据文件 {path} {unusable.reason}。") from None
        except BaseException:
            conn.close()
            raise
        store = cls(path, conn, [])
        store._immutable = immutable
        return store

    def still_current(self) -> bool:
        """False when this read-only store read the file without locks and a writer has started since (its
        reads may be stale: read again)."""
        return not self._immutable or not Path(str(self.path) + "-wal").exists()

    @staticmethod
    def _open_checked(path: Path) -> sqlite3.Connection | _Unusable:
        """A configured, migrated connection, or the reason the file is unusable (connection closed)."""
        header = _read_header(path)
        try:
            conn = _connect(path)
        except sqlite3.Error as exc:
            raise StoreError(f"无法打开数据文件 {path}：{exc}") from exc
        try:
            _classify(conn, path, header)
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
            if self._detached is not None or self.check_files() is not None:
                _no_checkpoint_on_close(self._conn)  # never fold an orphaned -wal into the live file
            self._conn.close()
            self._conn = None
            _register(self._files.get(""), -1)

    # -- the files on disk are the ones we write

    def _identify(self) -> dict[str, tuple[int, int] | None]:
        return {suffix: _file_id(str(self.path) + suffix) for suffix in ("", "-wal")}

    @property
    def detached(self) -> str | None:
        """Why the store refuses to write until `reattach()` succeeds (Chinese), or None."""
        return self._detached

    def check_files(self) -> str | None:
        """None while the database and its -wal at our path are the files SQLite writes; otherwise why not.

        Another process that believed itself the last connection (because something in this process dropped
        our locks) deletes the -wal and -shm: our later commits then go into a deleted file."""
        if self._conn is None:
            return None
        for suffix, known in self._files.items():
            if known is None:
                continue
            now = _file_id(str(self.path) + suffix)
            if now != known:
                gone = "已被删除" if now is None else "已被替换"
                why = (
                    f"数据文件 {self.path}{suffix} {gone}（可能有其他程序在本助手运行时打开过它）；"
                    f"最近的记录可能没有写进文件"
                )
                self._detached = why
                return why
        if self._files.get("-wal") is None:
            self._files["-wal"] = _file_id(str(self.path) + "-wal")
        return None

    def reattach(self) -> list[Event]:
        """Reopen the database by path after `check_files()` found it deleted or replaced; re-append, in order,
        every event this store recorded that the file lacks, each marked ``recovered`` with its original id,
        hash and time. Returns the re-appended events; raises StoreError (still detached) when it cannot."""
        with _guard(self.path):
            old = self._conn
            notices: list[str] = []
            session: list[tuple[Event, dict | None]] = []
            if old is not None:
                if not _no_checkpoint_on_close(old):
                    # Closing would fold the orphaned -wal into the live file: keep refusing instead.
                    raise StoreError(
                        f"{self._detached or self.path}；无法安全地重新打开数据文件，请退出助手后"
                        f"联系管理员（请勿删除 {self.path.parent} 中的任何文件）"
                    )
                try:
                    session = self._session_events(old)
                except sqlite3.Error as exc:
                    raise StoreError(f"{self._detached or self.path}；无法读出本次记录的内容：{exc}") from exc
                if _file_id(self.path) != self._files.get(""):
                    # The database itself is gone or replaced: keep everything this connection still sees.
                    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
                    copy = self.path.with_name(f"{self.path.name}.recovered-{stamp}")
                    dest = sqlite3.connect(str(copy))
                    try:
                        old.backup(dest)
                        notices.append(f"数据文件 {self.path} 被删除或替换；此前的全部记录已另存到 {copy}。")
                    except sqlite3.Error as exc:
                        notices.append(f"数据文件 {self.path} 被删除或替换，且无法另存此前的记录：{exc}")
                    finally:
                        dest.close()
                old.close()
                self._conn = None
                _register(self._files.get(""), -1)
            conn = self._open_checked(self.path)
            if isinstance(conn, _Unusable):
                raise StoreError(f"数据文件 {self.path} 无法重新打开：{conn.reason}")
            self._conn, self._proj = conn, None
            self._files = self._identify()
            _register(self._files.get(""), +1)
            missing: list[tuple[Event, dict | None]] = []
            for event, person in session:
                row = conn.execute("SELECT hash FROM events WHERE id = ?", (event.id,)).fetchone()
                if row is None or row[0] != event.hash:
                    missing.append((event, person))
            items = [
                (
                    e.kind,
                    {
                        **{k: v for k, v in e.payload.items() if k != "person_id"},
                        "recovered": {"id": e.id, "hash": e.hash, "at": e.at},
                    },
                    e.at,
                    person,
                )
                for e, person in missing
            ]
            recovered = self._write(items, None) if items else []
            lost = {e.id for e, _ in missing}
            self._forget_session()
            self._remember(
                [e for e, _ in session if e.id not in lost], [p for e, p in session if e.id not in lost]
            )
            self._remember(recovered, [person for *_, person in items])
            self._detached = None
            if recovered:
                notices.append(
                    f"数据文件 {self.path} 曾被其他程序改动；{len(recovered)} 条记录已重新写入"
                    f"（标记为“已恢复”）。"
                )
            self.notices.extend(notices)
            return recovered

    def _remember(self, events: Sequence[Event], persons: Sequence[dict | None]) -> None:
        for event, person in zip(events, persons):
            self._session_ids.append(event.id)
            self._session_hashes += bytes.fromhex(event.hash)
            if person is not None:
                self._session_persons[event.id] = person

    def _forget_session(self) -> None:
        self._session_ids, self._session_hashes, self._session_persons = array("q"), bytearray(), {}

    def _session_events(self, conn: sqlite3.Connection) -> list[tuple[Event, dict | None]]:
        """The events this store recorded since it opened, as `conn` (the old connection) still sees them."""
        if not self._session_ids:
            return []
        wanted = {
            i: bytes(self._session_hashes[n * 32 : n * 32 + 32]).hex()
            for n, i in enumerate(self._session_ids)
        }
        out = []
        rows = conn.execute(
            "SELECT id, at, kind, payload, prev_hash, hash FROM events WHERE id >= ? ORDER BY id",
            (min(self._session_ids),),
        )
        for event_id, at, kind, payload, prev_hash, digest in rows:
            if wanted.get(event_id) == digest:
                event = Event(event_id, at, kind, json.loads(payload), prev_hash, digest)
                out.append((event, self._session_persons.get(event_id)))
        return out

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- events

    def append(
        self,
        events: Sequence[tuple[str, dict]],
        at: datetime,
        *,
        expected_last_id: int | None = None,
        persons: Sequence[dict | None] | None = None,
        prepare: Callable[[sqlite3.Connection], Mapping[str, Any]] | None = None,
    ) -> list[Event]:
        """Append events in one BEGIN IMMEDIATE transaction; all share the time `at`.

        expected_last_id: the last event the caller's decision was made on; when another writer appended
        since, nothing is written and HeadMoved is raised (decide again on the fresh state).
        persons: for each event, the personal data it refers to, or None (see `_write`); each distinct form
        dict becomes one `persons` row in the same transaction, and its id goes into the payload as
        ``person_id``; personal data found in free text becomes rows and placeholders. prepare: run first inside
        the transaction (a purge of personal data); the fields it returns are merged into every event's payload,
        so the change and its record commit together. Raises StoreDetached when the commit went into files no
        longer at our path."""
        if persons is not None and len(persons) != len(events):
            raise ValueError("persons must have one entry per event")
        stamp = format_at(at)
        items = [
            (kind, payload, stamp, persons[i] if persons else None)
            for i, (kind, payload) in enumerate(events)
        ]
        for kind, *_ in items:
            if not isinstance(kind, str) or not kind:
                raise StoreError(f"数据文件 {self.path}：事件类型必须是非空字符串，收到 {kind!r}")
        if self._detached is not None:
            raise StoreDetached(self._detached)
        out = self._write(items, expected_last_id, prepare)
        self._remember(out, [person for *_, person in items])
        why = self.check_files()
        if why is not None:
            raise StoreDetached(why)
        return out

    def _write(
        self,
        items: Sequence[tuple[str, dict, str, dict | None]],
        expected_last_id: int | None,
        prepare: Callable[[sqlite3.Connection], Mapping[str, Any]] | None = None,
        seal_with: bytes | None = None,
    ) -> list[Event]:
        """Insert (kind, payload, at, person) rows at the end of the chain, in one transaction.

        A person dict (a form's name/phone/address/id_number/email; the same dict for several events: one row)
        becomes one `persons` row and the payload's ``person_id``. A dict {"form": person or None, "found":
        items} also carries the personal data found in the event's free text (assistant/domain/personal_data.py): one
        row per item, and the item's token in the payload becomes ``〔label#row id〕``.
        Events are sealed when the terminal holds a key for this database (assistant/store/sealing.py), or from the
        first one on with `seal_with` (k₀); the key is evolved past them in its file after the commit."""
        conn = self.conn
        # BEGIN IMMEDIATE takes the write lock before we read the chain's tail, so two writers
        # (threads or processes) cannot both extend the same tail.
        conn.execute("BEGIN IMMEDIATE")
        placed: list[tuple[dict, str]] = []
        try:
            row = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
            last_id, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
            if expected_last_id is not None and last_id != expected_last_id:
                raise HeadMoved(self.path, expected_last_id, last_id)
            if prepare is not None:
                extra = dict(prepare(conn))
                items = [
                    (kind, {**payload, **extra}, stamp, person) for kind, payload, stamp, person in items
                ]
            key, key_id, init = self._seal_key(last_id, seal_with)
            # The projections follow the log in this same transaction: from the context cached after our own
            # last write when nobody wrote since, else from the persisted one (caught up if it lags).
            ctx = self._proj
            self._proj = None  # until COMMIT: a failed transaction leaves no half-advanced context behind
            if ctx is None or ctx["last_id"] != last_id:
                ctx = _catch_up(conn, None)
            out: list[Event] = []
            sql = projections.SQL
            person_ids: dict[int, int] = {}
            for kind, payload, stamp, person in items:
                text = None
                if person is not None:
                    form = person.get("form") if "found" in person else person
                    if form and any(form.get(k) for k in _PERSON_COLUMNS) and id(form) not in person_ids:
                        person_ids[id(form)] = self._insert_person(stamp, form)
                    if form and id(form) in person_ids:
                        payload = {**payload, "person_id": person_ids[id(form)]}
                    text = canonical_json(payload)
                    for item in person.get("found", ()):
                        mark = f"〔{item['label']}#{self._insert_person(stamp, {item['column']: item['value']})}〕"
                        text = text.replace(item.get("placed") or item["token"], mark)
                        placed.append((item, mark))
                if text is None:
                    text = canonical_json(payload)
                last_id += 1
                digest = event_hash(prev, last_id, stamp, kind, text)
                seal = None
                if key is not None:
                    while key_id < last_id:
                        key, key_id = sealing.evolve(key), key_id + 1
                    # key_id > last_id: the key has sealed this id before, so events were removed from the log's
                    # end; the event stays unsealed and `verify-log --key` names it.
                    if key_id == last_id:
                        seal = sealing.mac(key, digest)
                        key, key_id = sealing.evolve(key), key_id + 1
                    if init is None:
                        init = (last_id, digest)  # this is the seal_init event
                conn.execute(
                    "INSERT INTO events (id, at, kind, payload, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (last_id, stamp, kind, text, prev, digest, seal),
                )
                parsed = json.loads(text)
                if projections.needs(kind):
                    for key_, params in projections.project(ctx, last_id, stamp, kind, parsed):
                        conn.execute(sql[key_], params)
                ctx["last_id"] = last_id
                out.append(Event(last_id, stamp, kind, parsed, prev, digest))
                prev = digest
            _save_context(conn, ctx)
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        self._proj = ctx
        for item, mark in placed:
            item["placed"] = mark  # a re-append by `reattach` gets fresh persons rows for the same items
        if key is not None and init is not None:
            sealing.write_terminal_key(
                sealing.key_file_for(self.path),
                sealing.TerminalKey(*init, key_id, key),
                fresh=seal_with is not None,
            )
        return out

    def _seal_key(
        self, last_id: int, seal_with: bytes | None
    ) -> tuple[bytes | None, int, tuple[int, str] | None]:
        """(key, the event id it seals, (seal_init id, hash)) for the events after last_id: k₀ for a new
        seal_init, else the terminal's key when it belongs to this database's log, else (None, 0, None)."""
        if seal_with is not None:
            return seal_with, last_id + 1, None
        held = sealing.read_terminal_key(sealing.key_file_for(self.path))
        if held is None:
            return None, 0, None
        row = self.conn.execute(
            "SELECT hash FROM events WHERE id = ? AND kind = 'seal_init'", (held.init_id,)
        ).fetchone()
        if row is None or row[0] != held.init_hash:
            return None, 0, None  # a key of another database (this one was replaced or moved aside)
        return held.key, held.next_id, (held.init_id, held.init_hash)

    def _insert_person(self, stamp: str, person: dict) -> int:
        cursor = self.conn.execute(
            "INSERT INTO persons (added_at, name, phone, address, id_number, email) VALUES (?, ?, ?, ?, ?, ?)",
            (stamp, *(str(person.get(k, "")) for k in _PERSON_COLUMNS)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def start_sealing(self, key: bytes, payload: dict, at: datetime) -> Event:
        """Record the `seal_init` event, sealed with k₀ (which is not kept), and seal every event after it."""
        if self._detached is not None:
            raise StoreDetached(self._detached)
        event = self._write([("seal_init", payload, format_at(at), None)], None, seal_with=key)[0]
        self._remember([event], [None])
        return event

    def sync_projections(self) -> None:
        """Bring the query-side projections up to the last event (readers call this before reading them)."""
        _sync_projections(self.conn)
        self._proj = None

    def events(self, after: int = 0) -> Iterator[Event]:
        """Events with id > after, in id order, in their current shape (assistant.domain.events.upcast; the
        stored rows, which the hash chain covers, are never changed)."""
        # In pages, so replaying a hall-year (millions of events) holds one page at a time, not the whole log.
        while True:
            rows = self.conn.execute(
                "SELECT id, at, kind, payload, prev_hash, hash FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (after, _EVENTS_PAGE),
            ).fetchall()
            for event_id, at, kind, payload, prev_hash, digest in rows:
                yield Event(event_id, at, *upcast(kind, json.loads(payload)), prev_hash, digest)
            if len(rows) < _EVENTS_PAGE:
                return
            after = rows[-1][0]

    # -- snapshots of derived state (a cache: outside the chain; see assistant/store/snapshots.py)

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
            conn.execute(
                "INSERT OR REPLACE INTO state_snapshots (event_id, hash, format, state) VALUES (?, ?, ?, ?)",
                (event_id, row[0], fmt, state),
            )
            conn.execute(
                "DELETE FROM state_snapshots WHERE event_id NOT IN "
                "(SELECT event_id FROM state_snapshots ORDER BY event_id DESC LIMIT ?)",
                (keep,),
            )
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
            "WHERE s.format = ? ORDER BY s.event_id DESC",
            (fmt,),
        ).fetchall()

    def last_at(self) -> str | None:
        """The time of the last recorded event (the floor of the desk's clock), or None for an empty log."""
        row = self.conn.execute("SELECT at FROM events ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def last_id(self) -> int:
        row = self.conn.execute("SELECT MAX(id) FROM events").fetchone()
        return row[0] or 0

    def verify(
        self, keys: Sequence[sealing.VerificationKey] = (), anchors: Sequence[tuple[int, str]] = ()
    ) -> VerifyReport:
        """Walk all events in id order, recomputing the chain; with `keys`, check every seal from the first key's
        seal_init on (assistant/store/sealing.py); each anchor (id, hash) must be in the log as it was."""
        problems: list[str] = []
        bad: list[int] = []
        count = 0
        wanted = dict(anchors)
        found_anchors: set[int] = set()

        def walk() -> Iterator[tuple[int, str, str, str | None]]:
            nonlocal count
            prev_id = 0
            prev_hash = GENESIS_HASH
            first_bad: int | None = None
            mac = "mac" if self._has_seals() else "NULL"  # read-only on a database not yet migrated
            cursor = self.conn.execute(
                f"SELECT id, at, kind, payload, prev_hash, hash, {mac} FROM events ORDER BY id"
            )
            for event_id, at, kind, payload, stored_prev, digest, seal in cursor:
                count += 1
                wrong = False
                if event_id != prev_id + 1:
                    if prev_id == 0:
                        problems.append(f"事件编号应从 #1 开始，第一条却是 #{event_id}")
                    elif event_id - prev_id == 2:
                        problems.append(f"事件编号 #{prev_id} 之后缺少 #{prev_id + 1}")
                    else:
                        problems.append(f"事件编号 #{prev_id} 之后缺少 #{prev_id + 1}～#{event_id - 1}")
                    wrong = True
                if stored_prev != prev_hash:
                    if prev_id == 0:
                        problems.append(f"事件 #{event_id} 是第一条，其 prev_hash 应为 64 个 0")
                    else:
                        problems.append(f"事件 #{event_id} 的 prev_hash 与 #{prev_id} 不符")
                    wrong = True
                if event_hash(stored_prev, event_id, at, kind, payload) != digest:
                    problems.append(f"事件 #{event_id} 的哈希值不符（内容被改动过）")
                    wrong = True
                if wrong and first_bad is None:
                    first_bad = event_id
                    bad.append(event_id)
                if event_id in wanted:
                    found_anchors.add(event_id)
                    if wanted[event_id] != digest:
                        problems.append(
                            f"事件 #{event_id} 的哈希与所给锚点不符（该事件或其前的记录被改写过）"
                        )
                        bad.append(event_id)
                yield event_id, kind, digest, seal
                prev_id, prev_hash = event_id, digest

        seals = None
        if keys:
            seals = sealing.check_seals(walk(), keys)
            problems.extend(seals.problems)
            if seals.first_bad_id is not None:
                bad.append(seals.first_bad_id)
        else:
            for _ in walk():
                pass
        for event_id in sorted(set(wanted) - found_anchors):
            problems.append(f"锚点事件 #{event_id} 不在数据文件中（其后的记录被截去，或数据文件被替换）")
            bad.append(event_id)
        return VerifyReport(
            ok=not problems,
            count=count,
            first_bad_id=min(bad) if bad else None,
            problems=tuple(problems),
            sealed=seals.sealed if seals else 0,
            unsealed=seals.unsealed_before if seals else 0,
        )

    def seal_state(self) -> tuple[int | None, int]:
        """(id of the newest seal_init event or None, how many events carry a seal): what plain verify-log says
        of sealing. It proves nothing by itself: only the key file can tell a seal from a forged one."""
        if not self._has_seals():
            return None, 0
        row = self.conn.execute("SELECT MAX(id) FROM events WHERE kind = 'seal_init'").fetchone()
        sealed = self.conn.execute("SELECT COUNT(*) FROM events WHERE mac IS NOT NULL").fetchone()[0]
        return row[0], sealed

    def _has_seals(self) -> bool:
        return any(r[1] == "mac" for r in self.conn.execute("PRAGMA table_info(events)"))

    # -- persons (the only place personal data lives)

    def add_person(
        self, name: str = "", phone: str = "", address: str = "", at: datetime | None = None
    ) -> int:
        """Record a person's contact data; returns the id events use to refer to them."""
        stamp = format_at(at if at is not None else datetime.now().astimezone())
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            person_id = self._insert_person(stamp, {"name": name, "phone": phone, "address": address})
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return person_id

    def person(self, person_id: int) -> dict | None:
        """{id, added_at, name, phone, address, id_number, email, purged_at} or None."""
        row = self.conn.execute(
            "SELECT id, added_at, name, phone, address, id_number, email, purged_at FROM persons WHERE id = ?",
            (person_id,),
        ).fetchone()
        if row is None:
            return None
        keys = ("id", "added_at", *_PERSON_COLUMNS, "purged_at")
        return dict(zip(keys, row))

    def scrub(self) -> bool:
        """Leave no copy of overwritten data in the files: fold the -wal into the database and truncate it
        (old page images of a purged row live in the -wal until then; secure_delete zeroed the pages).
        A reader in the middle of a read (a sidebar's review) makes SQLite wait up to the busy timeout;
        False when the -wal could still not be truncated."""
        busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy


def purge_rows(conn: sqlite3.Connection, before: datetime) -> int:
    """Blank the personal data of persons added before `before`, inside the caller's transaction."""
    limit = datetime.fromisoformat(format_at(before))
    now = format_at(datetime.now().astimezone())
    rows = conn.execute("SELECT id, added_at FROM persons WHERE purged_at IS NULL").fetchall()
    # Compare as datetimes, not text: stored times may carry different UTC offsets.
    ids = [pid for pid, added in rows if datetime.fromisoformat(added) < limit]
    conn.executemany(
        "UPDATE persons SET name = '', phone = '', address = '', id_number = '', email = '', purged_at = ? "
        "WHERE id = ?",
        [(now, pid) for pid in ids],
    )
    return len(ids)
