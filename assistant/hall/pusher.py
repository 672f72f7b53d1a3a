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

Schema ``hall`` (``python main.py hall init``: :mod:`assistant.hall.schema`, versioned migrations, roles, least
grants): ``terminals(terminal_id, head_seq, head_hash, first_seen, last_seen)``,
``events(terminal_id, seq, at, at_ts, kind, payload, data jsonb, prev_hash, hash, received_at)`` (append-only
by trigger), ``rejections(…, code, reason, attempts, by_role)``, ``enrolments(terminal_id, role, window_name,
epoch, …)``. An enrolled terminal (:mod:`assistant.hall.admin`, ``hall join``) pushes through ``hall.push``:
the hall finds its stream (``<window>#<epoch>``) from the connection's role, never from a parameter; the
terminal id it sends is only a claim, refused and recorded when it is not its own. ``hall.receive`` (an explicit
stream) is for the hall's owner only: imports, tests, benchmarks.

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

from assistant.hall.config import Enrolment, HallError, check_url, connect, hall_url, load_enrolment
from assistant.hall.schema import SCHEMA_VERSION, schema_version
from assistant.store.event_log import GENESIS_HASH
from assistant.store.event_log import reader as store_reader

BATCH = 500
HEARTBEAT = 30.0  # seconds: an idle pusher still tells the hall it is there (``hall status``: online/offline)


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


def my_head(conn, terminal: str) -> tuple[int, str]:
    """An enrolled terminal's head, as the hall derives it from the connection's role (``hall.me()``);
    HallError when the hall knows this role under another stream (re-enrolled) or not at all."""
    row = conn.execute("SELECT terminal_id, head_seq, head_hash FROM hall.me()").fetchone()
    if row is None:
        raise HallError("大厅中本机的登记已被更换或撤销：请向管理员要新的登记码，再运行 hall join")
    if row[0] != terminal:
        raise HallError(
            f"大厅中本机现在登记为“{row[0]}”，本机登记文件却是“{terminal}”：请向管理员要新的登记码，再运行 hall join"
        )
    return int(row[1]), row[2]


def push_rows(conn, terminal: str, rows: Sequence[Row], *, enrolled: bool = False) -> PushResult:
    """Send rows (in id order, exactly as stored) to the hall in one transaction; the hall verifies them.

    enrolled: through ``hall.push``, where the hall derives the stream from the connection's role and `terminal`
    is only this terminal's claim (a claim that is not its own is refused and recorded). Otherwise through
    ``hall.receive`` with an explicit stream: only the hall's owner may (imports, benchmarks)."""
    cols: list[list[Any]] = [[], [], [], [], [], []]
    for row in rows:
        for col, value in zip(cols, row):
            col.append(value)
    seqs, ats, kinds, payloads, prevs, hashes = cols
    function = "hall.push" if enrolled else "hall.receive"
    result = conn.execute(
        f"SELECT * FROM {function}(%s, %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])",
        (terminal, seqs, ats, kinds, payloads, prevs, hashes),
    ).fetchone()
    accepted, duplicates, head_seq, head_hash, rejected_seq, code, reason = result
    return PushResult(accepted, duplicates, int(head_seq), head_hash, rejected_seq, code, reason)


def diverged(conn: sqlite3.Connection, head: int, head_hash: str) -> bool:
    """True when the local log is not the one the hall received: fewer events than the hall's head, or a
    different event at that head (the data file was set aside, replaced or restored from a backup)."""
    if head == 0:
        return False
    row = conn.execute("SELECT hash FROM events WHERE id = ?", (head,)).fetchone()
    return row is None or row[0] != head_hash


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
        target: str | Enrolment,
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
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self.target = target if isinstance(target, Enrolment) else check_url(target)
        self.enrolled = isinstance(target, Enrolment)
        self.db_path = Path(db_path)
        self.terminal = terminal
        self.batch = batch
        self.poll = poll
        self.retry_min, self.retry_max, self.refused_retry = retry_min, retry_max, refused_retry
        self.on_progress = on_progress
        self.connect_options = connect_options or {}
        self.heartbeat = heartbeat
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
        head_hash = GENESIS_HASH
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
                        pg = connect(self.target, **self.connect_options)
                        self._set(clock_offset=hall_clock_offset(pg))
                        head, head_hash = self._head(pg)
                        contact = time.monotonic()
                        delay = self.retry_min
                    assert head is not None
                    self._wake.clear()
                    # The recording process's own connection must never be the one closed under it: each read
                    # is a short-lived SQLite connection the store knows of (assistant/store/event_log.py, reader()).
                    with store_reader(self.db_path) as local:
                        last = local.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
                        replaced = diverged(local, head, head_hash)
                        offer = local_rows(local, 0, self.batch) if replaced and last else []
                        rows = local_rows(local, head, self.batch) if not replaced and last > head else []
                    if replaced:
                        # The hall holds another log of this terminal than the file: the data file was replaced
                        # (moved aside as corrupt, restored from a backup). Offer what we have so the hall
                        # records the conflict, then say so; nothing is lost locally. (hall enrol --replace.)
                        result = self._push(pg, offer) if last else None
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
                        _close(pg)  # read the head again next time
                        pg = None
                        continue
                    if not rows:
                        if time.monotonic() - contact > self.heartbeat:
                            # nothing to send: the hall still learns this terminal is there
                            self._push(pg, [])
                            contact = time.monotonic()
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
                    result = self._push(pg, rows)
                    contact = time.monotonic()
                    head, head_hash = result.head_seq, result.head_hash
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
                    _close(pg)
                    pg = None
                    self._offline(exc)
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.retry_max)
                except HallError as exc:
                    _close(pg)
                    pg = None
                    self._set(state=OFFLINE, error=str(exc), message=f"大厅数据库不可用：{exc}")
                    self._stop.wait(self.retry_max)
                except sqlite3.Error as exc:
                    self._set(state=LOCAL, error=str(exc), message=f"暂时读不到本机记录（{exc}），稍后重试。")
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.retry_max)
        finally:
            _close(pg)

    def _head(self, pg) -> tuple[int, str]:
        import psycopg

        try:
            if self.enrolled:
                return my_head(pg, self.terminal)
            if schema_version(pg) < SCHEMA_VERSION:
                raise HallError("大厅数据库尚未初始化或版本过旧：请管理员运行 hall init")
            return hall_head(pg, self.terminal)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise HallError(
                "本机没有上传到大厅的权限：请向管理员要登记码（hall enrol），在本机运行 hall join"
            ) from exc

    def _push(self, pg, rows: Sequence[Row]) -> PushResult:
        return push_rows(pg, self.terminal, rows, enrolled=self.enrolled)

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
    """Close a connection that may be broken already; never raises."""
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()


def push_pending(db_path: Path, **options: Any) -> str | None:
    """For a process that recorded and exits (replay, correction, export, acknowledgements): push what the hall
    lacks of this database under its enrolment, once, with bounded waits. A line for stderr, or None when the
    database is not enrolled. Whatever cannot go now stays in the local log for the next push."""
    import psycopg

    enrolment = load_enrolment(db_path)
    if enrolment is None:
        return None
    pushed = 0
    try:
        with connect(enrolment, **options) as pg:
            head, head_hash = my_head(pg, enrolment.terminal_id)
            while True:
                with store_reader(db_path) as local:
                    replaced = diverged(local, head, head_hash)
                    rows = local_rows(local, 0 if replaced else head)
                if replaced:
                    result = push_rows(pg, enrolment.terminal_id, rows, enrolled=True) if rows else None
                    why = result.reason if result and result.reason else "本机记录少于大厅已收到的"
                    return (
                        f"大厅数据库拒收：{why}。本机数据文件可能被更换或从备份恢复；"
                        "本机记录照常保存，请管理员运行 hall enrol --replace。"
                    )
                if not rows:
                    return f"已上传大厅数据库（{enrolment.terminal_id}）：本次 {pushed} 条，共 {head} 条。"
                result = push_rows(pg, enrolment.terminal_id, rows, enrolled=True)
                pushed += result.accepted
                head, head_hash = result.head_seq, result.head_hash
                if result.rejected_seq is not None:
                    return f"大厅数据库拒收：{result.reason}。本机记录照常保存；请联系管理员。"
    except (psycopg.Error, OSError, HallError, sqlite3.Error) as exc:
        why = " ".join(str(exc).split())[:200]
        return f"暂时没有上传大厅数据库（{why}）：记录已保存在本机，下次上传时补传。"


# ─── for the GUI (Qt-free: ui/app.py shows what these return) ─────────────────────────────────────


def pusher_for_gui(
    url_option: str | None, scripts_dir: Path | None, db_path: Path
) -> tuple[HallPusher | None, str | None]:
    """The started pusher when this database is enrolled in a hall (else None), and a notice for the clerk."""
    configured = hall_url(url_option, scripts_dir)
    if str(db_path) == ":memory:":
        return None, "记录只保存在内存中，不上传大厅数据库。" if configured else None
    try:
        enrolment = load_enrolment(db_path)
    except HallError as exc:
        return None, f"不上传大厅数据库：{exc}"
    if enrolment is not None:
        return HallPusher(enrolment, db_path, enrolment.terminal_id).start(), None
    if configured:
        return (
            None,
            "本机尚未登记到大厅数据库，记录只保存在本机：请管理员运行 hall enrol，再在本机运行 hall join。",
        )
    return None, None


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
