"""The hall database on PostgreSQL: every terminal pushes its event log there; the lead reads all of them.

Each terminal keeps its own SQLite log (:mod:`assistant.store.event_log`, works offline). When a hall server is
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
(``sha256(prev_hash \n id \n at \n kind \n payload)``, the store's formula), the time must be ISO 8601
with an offset and the payload JSON. An event already received is skipped when identical and refused when
different. A refused event stops that terminal's stream at that point (what follows cannot chain) and is
recorded in ``hall.rejections`` with a code and a Chinese reason; repeated attempts count up in the same row.

Schema ``hall`` (created on first connection, guarded by an advisory lock; version in ``hall.meta``):
``terminals(terminal_id, head_seq, head_hash, first_seen, last_seen)``,
``events(terminal_id, seq, at, at_ts, kind, payload, data jsonb, prev_hash, hash, received_at)`` (append-only
by trigger), ``rejections(id, terminal_id, seq, code, reason, hall_head_seq, hall_head_hash, at, kind,
payload, prev_hash, hash, first_at, last_at, attempts)``. ``hall.receive`` is SECURITY DEFINER: a hall may
give the terminals' role only ``EXECUTE`` on it (and ``SELECT`` on ``hall.terminals``), not INSERT.

Reading: :class:`HallReader` gives, per terminal, the same :class:`assistant.store.event_log.Event` objects as
``EventStore.events()``, the rows the review reads (``rows_in_range``, ``rows_of_kinds``), the rejections, a
chain check, and ``mirror()`` — an incremental SQLite copy of one terminal that is a real ``EventStore``.

Personal data (``persons``) is not pushed: it stays on the terminal where it was recorded.

Qt-free; the GUI only shows :meth:`HallPusher.status`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.hall.config import HallError, check_url, connect, hall_url, terminal_id
from assistant.hall.schema import install_schema
from assistant.store.event_log import GENESIS_HASH
from assistant.store.event_log import reader as store_reader

BATCH = 500


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


ONLINE, CONNECTING, OFFLINE, REFUSED, STOPPED, LOCAL = (
    "online",
    "connecting",
    "offline",
    "refused",
    "stopped",
    "local",
)


@dataclass(frozen=True)
class HallStatus:
    """What the sidebar shows: state, a Chinese message, and the numbers behind it."""

    state: str = CONNECTING
    message: str = "正在连接大厅数据库…"
    terminal: str = ""
    hall_seq: int | None = None  # the hall's head for this terminal (None: not known yet)
    local_seq: int = 0  # the terminal's last event id
    pending: int = 0  # events not yet in the hall (when known)
    rejected_seq: int | None = None
    clock_offset: float | None = None  # hall server's clock minus this PC's, seconds, measured on connecting
    error: str = ""  # the last technical error, for the IT person
    since: float = field(default_factory=time.time)  # when the state began (time.time())

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

    def __init__(
        self,
        url: str,
        db_path: Path,
        terminal: str,
        *,
        batch: int = BATCH,
        poll: float = 2.0,
        retry_min: float = 1.0,
        retry_max: float = 30.0,
        refused_retry: float = 60.0,
        on_progress: Callable[[int, int], None] | None = None,
        connect_options: dict[str, Any] | None = None,
    ) -> None:
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
                    # is a short-lived SQLite connection the store knows of (assistant/store/event_log.py, reader()).
                    with store_reader(self.db_path) as local:
                        last = local.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
                        offer = local_rows(local, 0, self.batch) if last < head and last else []
                        rows = local_rows(local, head, self.batch) if last > head else []
                    if last < head:
                        # The hall holds more of this terminal than the file does: the data file was replaced
                        # (moved aside as corrupt, restored from a backup). Offer what we have so the hall
                        # records the conflict, then say so; nothing is lost locally.
                        result = push_rows(pg, self.terminal, offer) if last else None
                        why = (
                            result.reason
                            if result is not None and result.reason
                            else f"大厅已收到本终端 {head} 条，本机记录只有 {last} 条：本机数据文件可能被更换或从备份恢复"
                        )
                        self._set(
                            state=REFUSED,
                            hall_seq=head,
                            local_seq=last,
                            pending=0,
                            rejected_seq=result.rejected_seq if result else None,
                            error=why,
                            message=f"大厅数据库不接收本机记录：{why}。本机记录照常保存；请联系管理员。",
                        )
                        self._stop.wait(self.refused_retry)
                        pg = _close(pg)  # read the head again next time
                        continue
                    if not rows:
                        self._set(
                            state=ONLINE,
                            hall_seq=head,
                            local_seq=last,
                            pending=0,
                            rejected_seq=None,
                            error="",
                            message=f"大厅数据库：已同步（{last} 条）",
                        )
                        self._wake.wait(self.poll)
                        continue
                    result = push_rows(pg, self.terminal, rows)
                    head = result.head_seq
                    if result.accepted and self.on_progress is not None:
                        self.on_progress(head, result.accepted)
                    if result.rejected_seq is not None:
                        self._set(
                            state=REFUSED,
                            hall_seq=head,
                            local_seq=last,
                            pending=last - head,
                            rejected_seq=result.rejected_seq,
                            error=f"{result.code}: {result.reason}",
                            message=f"大厅数据库拒收：{result.reason}。自 #{result.rejected_seq} 起 {last - head} "
                            f"条暂不上传，本机记录照常保存；请联系管理员。",
                        )
                        self._stop.wait(self.refused_retry)
                        continue
                    pending = last - head
                    self._set(
                        state=ONLINE,
                        hall_seq=head,
                        local_seq=last,
                        pending=max(pending, 0),
                        rejected_seq=None,
                        error="",
                        message=(
                            f"大厅数据库：正在上传，还有 {pending} 条"
                            if pending > 0
                            else f"大厅数据库：已同步（{last} 条）"
                        ),
                    )
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
        self._set(
            state=OFFLINE, local_seq=last, pending=max(last - (known or 0), 0), error=error, message=message
        )


def _close(conn: Any) -> None:
    """Close a connection that may be broken already; never raises. Returns None (``pg = _close(pg)``)."""
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()


def start_for(url: str, db_path: Path, data_dir: Path, **options: Any) -> HallPusher:
    """The pusher of this terminal (id from the data folder), started."""
    return HallPusher(url, db_path, terminal_id(data_dir), **options).start()


# ─── for the GUI (Qt-free: ui/app.py shows what these return) ─────────────────────────────────────


def pusher_for_gui(
    url_option: str | None, scripts_dir: Path | None, db_path: Path, data_dir: Path
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
    if previous is not None and (previous.state, previous.rejected_seq) == (
        current.state,
        current.rejected_seq,
    ):
        return None
    return current.message
