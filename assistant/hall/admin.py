"""Administering the hall: enrolling terminals and leads, joining, and the status of every terminal (Qt-free).

* ``enrol`` (the administrator, on a superuser connection): one LOGIN role per terminal, member of
  ``wa_terminal``, with a generated secret sent to the server only as a SCRAM verifier; a row in
  ``hall.enrolments`` (window, epoch, who, when, why). The enrolment code printed for the terminal carries the
  hall's address, the role and that secret.
* ``join`` (on the terminal): connects with the code, replaces the secret at once by a new one only this
  terminal knows (so the code works once), and writes the settings beside the database (0600).
* ``enrol(replace=True)``: a new epoch for a window whose database was set aside or restored, or whose PC was
  swapped: the old epoch is retired (kept, readable), the role gets a new secret (the old PC's no longer works),
  the new stream starts at #1.
* ``status``: every terminal with its window, epoch, last event, lag, last contact and refusals.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.hall.config import Enrolment, HallError, connect, enrolment_path, save_enrolment
from assistant.hall.schema import LEADS, SCHEMA_VERSION, TERMINALS, schema_version

CODE_PREFIX = "WA1-"
TERMINAL_ROLE_PREFIX = "wa_t_"
TERMINAL_CONNECTION_LIMIT = 4  # the sidebar's pusher, a CLI push, a join: a few at most
OFFLINE_AFTER = 120  # seconds without contact before `hall status` calls a terminal offline


def _require_schema(conn) -> None:
    version = schema_version(conn)
    if version < SCHEMA_VERSION:
        raise HallError(
            f"大厅数据库尚未初始化或版本过旧（版本 {version}，需要 {SCHEMA_VERSION}）：请先运行 hall init"
        )


def _verifier(conn, role: str, secret: str) -> str:
    """The SCRAM verifier of a secret: the server never sees (nor logs) the secret itself."""
    return conn.pgconn.encrypt_password(secret.encode(), role.encode(), b"scram-sha-256").decode()


@dataclass(frozen=True)
class Enrolled:
    terminal_id: str
    role: str
    epoch: int
    code: str


def enrol(
    conn,
    window: str,
    *,
    host: str,
    port: int,
    sslmode: str,
    replace: bool = False,
    reason: str = "",
) -> Enrolled:
    """Enrol a terminal for `window` (or start its next epoch with replace=True); its one-time code."""
    from psycopg import sql

    window = window.strip()
    if not window or len(window) > 100:
        raise HallError("窗口名称不能为空，且不超过 100 个字")
    if replace and not reason.strip():
        raise HallError("重新登记（--replace）需要说明原因：--reason “……”")
    _require_schema(conn)
    with conn.transaction():
        current = conn.execute(
            "SELECT role, epoch FROM hall.enrolments WHERE window_name = %s AND retired_at IS NULL FOR UPDATE",
            (window,),
        ).fetchone()
        if current and not replace:
            raise HallError(
                f"窗口“{window}”已登记（第 {current[1]} 期，数据库角色 {current[0]}）。数据文件被搁置或从备份恢复、"
                "或更换了电脑时，请用 --replace --reason “原因” 开始新的一期"
            )
        if replace and not current:
            raise HallError(f"窗口“{window}”尚未登记，无需 --replace")
        secret = secrets.token_urlsafe(24)
        if current:
            role, epoch = current[0], current[1] + 1
            conn.execute(
                "UPDATE hall.enrolments SET retired_at = now(), retired_by = session_user "
                "WHERE role = %s AND retired_at IS NULL",
                (role,),
            )
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(_verifier(conn, role, secret))
                )
            )
        else:
            role, epoch = f"{TERMINAL_ROLE_PREFIX}{secrets.token_hex(5)}", 1
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT {} PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(role),
                    sql.Literal(TERMINAL_CONNECTION_LIMIT),
                    sql.Literal(_verifier(conn, role, secret)),
                    sql.Identifier(TERMINALS),
                )
            )
        terminal = f"{window}#{epoch}"
        conn.execute("INSERT INTO hall.terminals (terminal_id) VALUES (%s)", (terminal,))
        conn.execute(
            "INSERT INTO hall.enrolments (terminal_id, role, window_name, epoch, reason) VALUES (%s, %s, %s, %s, %s)",
            (terminal, role, window, epoch, reason.strip()),
        )
    code = {"h": host, "p": port, "d": conn.info.dbname, "u": role, "s": secret, "m": sslmode}
    encoded = base64.urlsafe_b64encode(json.dumps(code, ensure_ascii=False).encode()).decode().rstrip("=")
    return Enrolled(terminal, role, epoch, CODE_PREFIX + encoded)


def add_lead(conn, name: str) -> str:
    """A LOGIN role for a shift lead, member of wa_lead (reads the hall, writes nothing); its password."""
    from psycopg import sql

    if not re.fullmatch(r"[a-z][a-z0-9_]{1,40}", name):
        raise HallError(f"值班长的数据库用户名“{name}”应为小写字母开头的字母、数字、下划线（2–41 个）")
    _require_schema(conn)
    password = secrets.token_urlsafe(12)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = "ALTER ROLE {} LOGIN PASSWORD {}" if exists else "CREATE ROLE {} LOGIN PASSWORD {}"
    with conn.transaction():
        conn.execute(sql.SQL(verb).format(sql.Identifier(name), sql.Literal(_verifier(conn, name, password))))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(LEADS), sql.Identifier(name)))
    return password


def decode_code(code: str) -> dict[str, Any]:
    code = code.strip()
    if not code.startswith(CODE_PREFIX):
        raise HallError(f"登记码应以 {CODE_PREFIX} 开头（由管理员运行 hall enrol 得到）")
    body = code[len(CODE_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k] for k in "hdusm"):
            raise ValueError("缺少字段")
        if not isinstance(data.get("p"), int) or not 0 < data["p"] < 65536:
            raise ValueError("端口")
        return data
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise HallError("登记码不完整或有误：请完整复制管理员给出的最后一行") from exc


def join(code: str, db_path: Path, ca_file: Path | None = None, **options: Any) -> Enrolment:
    """Join the hall with an enrolment code: replace the code's secret by one only this terminal knows, and
    write the settings beside the database (0600). The CA certificate, when given, is copied beside it."""
    import psycopg
    from psycopg import sql

    data = decode_code(code)
    sslmode = str(data["m"])
    rootcert: str | None = None
    if ca_file is not None:
        if not Path(ca_file).is_file():
            raise HallError(f"找不到大厅的 CA 证书文件 {ca_file}")
        target = Path(db_path).with_name(Path(db_path).name + ".hall-ca.crt")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ca_file, target)
        except OSError as exc:
            raise HallError(f"无法把大厅的 CA 证书复制到 {target}：{exc}（登记码仍可再用）") from exc
        rootcert = str(target.resolve())
    elif sslmode in ("verify-ca", "verify-full"):
        raise HallError(f"大厅要求校验服务器证书（sslmode={sslmode}）：请用 --ca 给出大厅的 CA 证书文件")
    first = Enrolment(
        data["h"], int(data["p"]), data["d"], data["u"], data["s"], sslmode, rootcert, "", "", 0
    )
    try:
        conn = connect(first, **options)
    except psycopg.Error as exc:
        raise HallError(
            f"无法用登记码连接大厅 {first.describe()}：{' '.join(str(exc).split())}"
            "（登记码只能用一次；已用过或已被重新登记时请管理员重新 hall enrol）"
        ) from exc
    try:
        with conn:
            me = conn.execute("SELECT terminal_id, window_name, epoch FROM hall.me()").fetchone()
            if me is None:
                raise HallError("这个登记码对应的登记已被更换（--replace）：请管理员给出新的登记码")
            secret = secrets.token_urlsafe(32)
            enrolment = Enrolment(
                first.host,
                first.port,
                first.dbname,
                first.user,
                secret,
                sslmode,
                rootcert,
                me[0],
                me[1],
                int(me[2]),
            )
            # The file first, then the new secret: a folder that cannot be written leaves the code usable.
            try:
                path = save_enrolment(db_path, enrolment)
            except OSError as exc:
                raise HallError(f"无法把登记写入 {enrolment_path(db_path)}：{exc}（登记码仍可再用）") from exc
            try:
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(first.user), sql.Literal(_verifier(conn, first.user, secret))
                    )
                )
                conn.execute("SELECT hall.joined()")
            except BaseException:
                path.unlink(missing_ok=True)
                raise
    except psycopg.Error as exc:
        raise HallError(
            f"大厅 {first.describe()} 不接受这个登记：{' '.join(str(exc).split())}（请确认已运行 hall init）"
        ) from exc
    return enrolment


# ─── status ───────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class TerminalStatus:
    terminal_id: str
    window: str | None
    epoch: int | None
    retired: bool
    head_seq: int
    last_event_at: datetime | None
    lag_seconds: float | None  # how long the last event took to reach the hall
    last_contact: datetime
    offline_seconds: float | None  # None: in contact within OFFLINE_AFTER
    refusals: int
    window_mismatches: int
    joined: bool


_STATUS_SQL = """
SELECT t.terminal_id, n.window_name, n.epoch, n.retired_at IS NOT NULL, t.head_seq, last.at_ts,
       extract(epoch FROM last.received_at - last.at_ts), t.last_seen,
       CASE WHEN now() - t.last_seen > make_interval(secs => %s) THEN extract(epoch FROM now() - t.last_seen) END,
       (SELECT coalesce(sum(r.attempts), 0) FROM hall.rejections r WHERE r.terminal_id = t.terminal_id),
       (SELECT count(*) FROM hall.window_mismatches m WHERE m.terminal_id = t.terminal_id),
       n.joined_at IS NOT NULL
  FROM hall.terminals t
  LEFT JOIN hall.enrolments n ON n.terminal_id = t.terminal_id
  LEFT JOIN LATERAL (SELECT e.at_ts, e.received_at FROM hall.events e
                      WHERE e.terminal_id = t.terminal_id ORDER BY e.seq DESC LIMIT 1) last ON true
 ORDER BY n.window_name NULLS LAST, n.epoch, t.terminal_id
"""


def status(conn) -> list[TerminalStatus]:
    """Every terminal the hall knows (the lead's or the administrator's connection)."""
    import psycopg

    try:
        _require_schema(conn)
        rows = conn.execute(_STATUS_SQL, (OFFLINE_AFTER,)).fetchall()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise HallError("这个数据库用户不能读取大厅（终端的用户只能上传）：请用值班长或管理员的用户") from exc
    return [
        TerminalStatus(
            r[0],
            r[1],
            r[2],
            bool(r[3]),
            int(r[4]),
            r[5],
            None if r[6] is None else float(r[6]),
            r[7],
            None if r[8] is None else float(r[8]),
            int(r[9]),
            int(r[10]),
            bool(r[11]),
        )
        for r in rows
    ]


def status_lines(rows: list[TerminalStatus]) -> list[str]:
    """`hall status` as text, one terminal a line."""
    if not rows:
        return ["大厅中还没有终端：用 hall enrol 登记。"]
    lines = []
    for s in rows:
        name = f"{s.window} 第{s.epoch}期" if s.window else f"{s.terminal_id}（未登记）"
        parts = [name + ("（已更换）" if s.retired else "")]
        if s.window and not s.joined:
            parts.append("尚未 join")
        parts.append(f"{s.head_seq} 条")
        if s.last_event_at is not None:
            parts.append(f"最后事件 {s.last_event_at.astimezone():%Y-%m-%d %H:%M:%S}")
        if s.lag_seconds is not None:
            parts.append(f"延迟 {s.lag_seconds:.1f} 秒")
        parts.append(
            f"离线 {_duration(s.offline_seconds)}（自 {s.last_contact.astimezone():%m-%d %H:%M}）"
            if s.offline_seconds is not None
            else "在线"
        )
        if s.refusals:
            parts.append(f"拒收 {s.refusals} 次")
        if s.window_mismatches:
            parts.append(f"签到窗口名与登记不符 {s.window_mismatches} 次")
        lines.append("  ".join(parts))
    return lines


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"
