"""Where the hall database is and who this terminal is: URL, connection options, terminal id."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.config import registry

ENV_URL = "WA_HALL"

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
        from assistant.config.settings import load_settings

        if url := load_settings(scripts_dir).hall_url:
            return url
    return registry.env(ENV_URL) or None


def check_url(url: str) -> str:
    """The URL if it names a PostgreSQL server; HallError (Chinese) if not."""
    if not re.match(r"^postgres(ql)?://", url):
        raise HallError(
            f"大厅数据库地址应以 postgresql:// 开头，例如 postgresql://用户@服务器:5432/数据库；收到“{safe_url(url)}”"
        )
    return url


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def connect(target: str | Enrolment, **options: Any):
    """A psycopg connection (autocommit; transactions are explicit) with bounded network waits, to a URL or
    with an enrolment's settings."""
    import psycopg

    if isinstance(target, Enrolment):
        return psycopg.connect(autocommit=True, **{**CONNECT_OPTIONS, **target.params(), **options})
    return psycopg.connect(check_url(target), autocommit=True, **{**CONNECT_OPTIONS, **options})


def url_without_password(url: str) -> str:
    """The URL if it carries no password; HallError otherwise (a command line is seen by every process on the
    PC and kept in the shell's history): the password comes from a prompt, PGPASSFILE or a service file."""
    check_url(url)
    if re.match(r"^postgres(ql)?://[^/@?]*:[^/@?]*@", url) or re.search(r"[?&]password=", url):
        raise HallError(
            "命令行上的数据库地址不能带密码（会留在进程列表和命令历史中）：去掉地址中的密码，"
            "运行时按提示输入，或写在 PGPASSFILE 指向的密码文件、libpq 服务文件中"
        )
    return url


# Asks for a login when the server wants a password: (URL without password, user named in it or None) →
# (user, password), or None when the person declined. The password is used for this connection only.
Login = Callable[[str, "str | None"], "tuple[str, str] | None"]


def tty_login(shown_url: str, user: str | None) -> tuple[str, str] | None:
    """Ask on the terminal (None without one)."""
    import getpass
    import sys

    if not sys.stdin.isatty():
        return None
    if not user:
        user = input(f"大厅数据库 {shown_url} 的用户名：").strip()
    return user, getpass.getpass(f"用户 {user} 的密码：")


def connect_prompting(url: str, ask: Login = tty_login, **options: Any):
    """connect(url); when the server asks for a password that neither PGPASSFILE nor a service file gave, ask
    for a login (never stored). For the administrator's and the lead's connections."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        return connect(url, **options)
    except psycopg.OperationalError as exc:
        text = " ".join(str(exc).split())
        if "password" not in text:
            raise HallError(f"无法连接大厅数据库 {safe_url(url)}：{text}") from exc
    user = conninfo_to_dict(check_url(url)).get("user")
    login = ask(safe_url(url), None if user is None else str(user))
    if login is None:
        raise HallError(
            f"连接大厅数据库 {safe_url(url)} 需要用户名和密码：请在终端中运行以便输入，或设置 PGPASSFILE"
        )
    user, password = login
    try:
        return connect(url, user=user, password=password, **options)
    except psycopg.OperationalError as exc:
        raise HallError(f"无法连接大厅数据库 {safe_url(url)}：{' '.join(str(exc).split())}") from exc


# ─── enrolment: this database's terminal identity and credentials, in its data folder ─────────────

ENROLMENT_SUFFIX = ".hall.json"


@dataclass(frozen=True)
class Enrolment:
    """What ``hall join`` wrote next to a database: where the hall is, this terminal's role and secret, and the
    stream the hall keeps for it (``<window>#<epoch>``)."""

    host: str
    port: int
    dbname: str
    user: str
    password: str
    sslmode: str
    sslrootcert: str | None
    terminal_id: str
    window: str
    epoch: int

    def params(self) -> dict[str, Any]:
        params = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "password": self.password,
            "sslmode": self.sslmode,
        }
        if self.sslrootcert:
            params["sslrootcert"] = self.sslrootcert
        return params

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"


def enrolment_path(db_path: Path) -> Path:
    """Where a database's enrolment lives: beside it, named after it (two databases in one folder, two files)."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ENROLMENT_SUFFIX)


def load_enrolment(db_path: Path) -> Enrolment | None:
    path = enrolment_path(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Enrolment(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        raise HallError(f"大厅登记文件 {path} 无法读取（{exc}）：请重新运行 hall join") from exc


def save_enrolment(db_path: Path, enrolment: Enrolment) -> Path:
    """Write the enrolment beside the database, readable by its owner only (0600), atomically."""
    path = enrolment_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(enrolment), out, ensure_ascii=False, indent=1)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return path
