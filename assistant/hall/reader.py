"""Reading the hall database: every terminal's rows, verified against its chain."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from assistant.domain.events import upcast
from assistant.hall.config import HallError, Login, check_url, connect_prompting, safe_url, tty_login
from assistant.hall.pusher import Row, _close, hall_head
from assistant.hall.schema import SCHEMA_VERSION, schema_version
from assistant.store.event_log import GENESIS_HASH, Event, EventStore, VerifyReport, event_hash

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
            bad.append(
                f"事件编号 #{prev_id} 之后缺少 #{prev_id + 1}"
                if prev_id
                else f"事件编号应从 #1 开始，第一条却是 #{event_id}"
            )
        if stored_prev != prev_hash:
            bad.append(
                f"事件 #{event_id} 的 prev_hash 与 #{prev_id} 不符"
                if prev_id
                else f"事件 #{event_id} 是第一条，其 prev_hash 应为 64 个 0"
            )
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
        return None  # personal data stays on the terminal

    def close(self) -> None:
        pass


class HallReader:
    """Read the hall database: every terminal's events as :class:`Event`, and the review's rows."""

    PAGE = 5000

    def __init__(self, url: str, ask: Login = tty_login, **options: Any) -> None:
        self.url = check_url(url)
        self.ask = ask  # the lead's own login, asked for when the server wants it; never stored
        self._options = options
        self._conn = None

    @property
    def conn(self):
        if self._conn is None or self._conn.closed:
            try:
                self._conn = connect_prompting(
                    self.url, self.ask, **self._options
                )  # the lead's own credentials
                version = schema_version(self._conn)
            except HallError:
                raise
            except Exception as exc:
                self.close()
                raise HallError(
                    f"无法读取大厅数据库 {safe_url(self.url)}：{' '.join(str(exc).split())}"
                    "（终端自己的登记用户不能读取大厅：请用值班长的用户）"
                ) from exc
            if version < SCHEMA_VERSION:
                self.close()
                raise HallError("大厅数据库尚未初始化或版本过旧：请管理员运行 hall init")
        return self._conn

    def close(self) -> None:
        _close(self._conn)
        self._conn = None

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
                "WHERE terminal_id = %s AND seq > %s ORDER BY seq LIMIT %s",
                (terminal, after, self.PAGE),
            ).fetchall()
            yield from page
            if len(page) < self.PAGE:
                return
            after = page[-1][0]

    def events(self, terminal: str, after: int = 0) -> Iterator[Event]:
        """The same Event objects as ``EventStore.events(after)`` on that terminal."""
        for seq, at, kind, payload, prev_hash, digest in self.raw_rows(terminal, after):
            yield Event(int(seq), at, *upcast(kind, json.loads(payload)), prev_hash, digest)

    def verify(self, terminal: str) -> VerifyReport:
        """Walk the terminal's chain as stored in the hall (as ``EventStore.verify``)."""
        return verify_rows(self.raw_rows(terminal))

    def window_mismatches(self) -> dict[str, int]:
        """Per enrolled terminal, the sign-ins under another window name than the enrolled one."""
        rows = self.conn.execute(
            "SELECT terminal_id, count(*) FROM hall.window_mismatches GROUP BY terminal_id"
        )
        return {terminal: int(n) for terminal, n in rows}

    def rejections(self, terminal: str | None = None) -> list[Rejection]:
        sql = (
            "SELECT id, terminal_id, seq, code, reason, hall_head_seq, attempts, first_at, last_at, kind, "
            "payload, hash FROM hall.rejections"
        )
        params: tuple = ()
        if terminal is not None:
            sql += " WHERE terminal_id = %s"
            params = (terminal,)
        rows = self.conn.execute(sql + " ORDER BY id", params).fetchall()
        return [Rejection(*r) for r in rows]

    # -- what the review reads (the shapes of reports._rows_in_range / reports._kinds, per terminal)

    def rows_in_range(
        self, start: date, end: date, terminals: Sequence[str] | None = None
    ) -> dict[str, list[tuple[int, str, str, str]]]:
        """Per terminal: (id, at, kind, payload text) of events whose time is within a day of [start, end]
        (filter by the exact local date afterwards), preceded by the last sign_in/sign_out before them."""
        lo = datetime.combine(start - timedelta(days=1), dtime(), tzinfo=UTC)
        hi = datetime.combine(end + timedelta(days=2), dtime(), tzinfo=UTC)
        sql = "SELECT terminal_id, seq, at, kind, payload FROM hall.events WHERE at_ts >= %s AND at_ts < %s"
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
                "AND kind IN ('sign_in', 'sign_out') ORDER BY seq DESC LIMIT 1",
                (tid, rows[0][0]),
            ).fetchone()
            if ctx is not None:
                rows.insert(0, (int(ctx[0]), ctx[1], ctx[2], ctx[3]))
        return out

    def rows_of_kinds(
        self, kinds: Sequence[str], pending_matters: bool = False
    ) -> dict[str, list[tuple[int, str, str, str]]]:
        """Per terminal: (id, at, kind, payload text) of the kinds, plus with pending_matters every matter
        answered 待答复 (as reports._kinds)."""
        sql = "SELECT terminal_id, seq, at, kind, payload FROM hall.events WHERE kind = ANY(%s)"
        if pending_matters:
            sql += " OR (kind = 'matter' AND data->>'outcome' = '待答复')"
        out: dict[str, list[tuple[int, str, str, str]]] = {}
        for tid, seq, at, kind, payload in self.conn.execute(
            sql + " ORDER BY terminal_id, seq", (list(kinds),)
        ):
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
                        batch,
                    )
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
