"""Where the hall database is and who this terminal is: URL, connection options, terminal id."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
from pathlib import Path
from typing import Any

TERMINAL_FILE = "hall_terminal_id"
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
    return os.environ.get(ENV_URL) or None


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
        except OSError:  # no hard links on this file system (FAT, some shares): publish by rename
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
