"""`python main.py hall init|enrol|lead|join|status`: administering the hall database (docs/hall-admin.md).

Addresses on the command line carry no password: it comes from a prompt, PGPASSFILE or a libpq service file.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from assistant.cli.common import ChineseArgumentParser, UsageError
from assistant.config import paths

SSLMODES = ("verify-full", "verify-ca", "require", "prefer", "disable")


def add_parsers(sub) -> None:
    hall = sub.add_parser(
        "hall",
        help="大厅数据库的管理：初始化、登记终端和值班长、加入、状态",
        description="地址中不要写密码：运行时按提示输入，或用 PGPASSFILE、libpq 服务文件。步骤见 docs/hall-admin.md。",
    )

    actions = hall.add_subparsers(dest="hall_command", metavar="操作", parser_class=ChineseArgumentParser)
    actions.required = True

    p = actions.add_parser(
        "init",
        help="创建或升级大厅数据库（可重复运行）",
        description="创建或升级 hall 架构（按版本迁移）、终端和值班长的组角色、函数和最小权限。用超级用户运行。",
    )
    p.add_argument("admin_url", metavar="ADMIN_URL", help="管理员连接，如 postgresql://postgres@服务器/hall")

    p = actions.add_parser(
        "enrol",
        help="登记一个窗口的终端，输出一次性登记码",
        description="为窗口建立一个只能上传本窗口记录的数据库用户，最后一行输出一次性登记码，在该终端上运行 "
        "hall join 登记码。--replace 为数据文件被搁置、从备份恢复或更换电脑的窗口开始新的一期。",
    )
    p.add_argument("--window", required=True, help="窗口名称，如 社保3号窗口（终端在大厅中的身份）")
    p.add_argument("--replace", action="store_true", help="该窗口已登记：开始新的一期（旧一期保留可查）")
    p.add_argument("--reason", default="", help="--replace 的原因（记录在大厅）")
    p.add_argument("--host", help="终端连接大厅所用的服务器名（默认取 ADMIN_URL 中的；TLS 时须与证书一致）")
    p.add_argument("--port", type=int, help="终端连接大厅所用的端口（默认取 ADMIN_URL 中的）")
    p.add_argument(
        "--sslmode", choices=SSLMODES, default="verify-full", help="终端的 TLS 要求（默认 verify-full）"
    )
    p.add_argument("admin_url", metavar="ADMIN_URL", help="管理员连接")

    p = actions.add_parser(
        "lead",
        help="建立或重置一个值班长的数据库用户，输出其密码",
        description="值班长用户只能读取大厅（审阅、导出、状态），不能写入；密码只输出这一次，不保存在任何电脑上。",
    )
    p.add_argument("name", help="用户名（小写字母、数字、下划线），如 lead_zhang")
    p.add_argument("admin_url", metavar="ADMIN_URL", help="管理员连接")

    p = actions.add_parser(
        "join",
        help="在终端上用登记码加入大厅",
        description="用管理员给出的登记码加入大厅：连接设置写入本机数据文件旁（只有本用户可读）。"
        "不写登记码时按提示输入（不会留在命令历史中）。",
    )
    p.add_argument("code", nargs="?", help="登记码（WA1-…）")
    p.add_argument("--ca", type=Path, help="大厅的 CA 证书文件（sslmode 为 verify-full/verify-ca 时必需）")

    p = actions.add_parser(
        "status",
        help="大厅中每个终端的状态",
        description="每个终端：窗口、期数、最后事件时间、延迟、离线时长、拒收次数。用值班长或管理员的用户。",
    )
    p.add_argument("url", nargs="?", help="大厅地址（默认：--hall、settings.toml 或 WA_HALL）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")


def cmd_hall(args: argparse.Namespace) -> int:
    import psycopg

    from assistant.hall.config import HallError

    try:
        return _ACTIONS[args.hall_command](args)
    except HallError as exc:
        raise UsageError(str(exc)) from exc
    except psycopg.Error as exc:  # e.g. an administrator's user that may not create roles
        raise UsageError(f"大厅数据库出错：{' '.join(str(exc).split())[:300]}") from exc


def _admin(url: str):
    from assistant.hall.config import connect_prompting, url_without_password

    return connect_prompting(url_without_password(url))


def _init(args: argparse.Namespace) -> int:
    from assistant.hall.schema import SCHEMA_VERSION, install_schema

    with _admin(args.admin_url) as conn:
        done = install_schema(conn)
        database = conn.info.dbname
    for line in done:
        print(line)
    print(f"大厅数据库 {database} 已就绪（版本 {SCHEMA_VERSION}，角色 wa_terminal、wa_lead，最小权限）。")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    from assistant.hall.admin import enrol

    with _admin(args.admin_url) as conn:
        host = args.host or conn.info.host
        if not host or host.startswith("/"):
            raise UsageError("ADMIN_URL 经本机套接字连接：请用 --host 给出终端连接大厅所用的服务器名")
        result = enrol(
            conn,
            args.window,
            host=host,
            port=args.port or conn.info.port,
            sslmode=args.sslmode,
            replace=args.replace,
            reason=args.reason,
        )
    print(f"已登记：{result.terminal_id}（第 {result.epoch} 期，数据库角色 {result.role}）。")
    print("在该终端上运行 python main.py hall join 登记码（只能用一次）：")
    print(result.code)
    return 0


def _lead(args: argparse.Namespace) -> int:
    from assistant.hall.admin import add_lead

    with _admin(args.admin_url) as conn:
        password = add_lead(conn, args.name)
    print(f"值班长用户 {args.name} 的密码（只显示这一次，请交给本人，不要保存在终端电脑上）：")
    print(password)
    return 0


def _join(args: argparse.Namespace) -> int:
    from assistant.hall.admin import join
    from assistant.hall.config import enrolment_path

    code = args.code
    if not code or code == "-":
        code = getpass.getpass("登记码：") if sys.stdin.isatty() else sys.stdin.readline()
    db = args.db or paths.default_db_path()
    enrolment = join(code, db, args.ca)
    print(
        f"已加入大厅 {enrolment.host}:{enrolment.port}/{enrolment.dbname}，本机为“{enrolment.terminal_id}”。"
    )
    print(f"连接设置已写入 {enrolment_path(db)}（只有本用户可读）。")
    return 0


def _status(args: argparse.Namespace) -> int:
    from assistant.hall.admin import status, status_lines
    from assistant.hall.config import connect_prompting, hall_url, url_without_password

    url = args.url or hall_url(getattr(args, "hall", None), getattr(args, "scripts", None))
    if not url:
        raise UsageError(
            "没有大厅地址：写在命令后，或用 --hall、settings.toml 的 [hall] url、环境变量 WA_HALL"
        )
    with connect_prompting(url_without_password(url)) as conn:
        rows = status(conn)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "terminal": s.terminal_id,
                        "window": s.window,
                        "epoch": s.epoch,
                        "retired": s.retired,
                        "joined": s.joined,
                        "events": s.head_seq,
                        "last_event_at": s.last_event_at.isoformat() if s.last_event_at else None,
                        "lag_seconds": s.lag_seconds,
                        "last_contact": s.last_contact.isoformat(),
                        "offline_seconds": s.offline_seconds,
                        "refusals": s.refusals,
                        "window_mismatches": s.window_mismatches,
                    }
                    for s in rows
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        for line in status_lines(rows):
            print(line)
    return 0


_ACTIONS = {"init": _init, "enrol": _enrol, "lead": _lead, "join": _join, "status": _status}

COMMANDS = {"hall": cmd_hall}
