"""The review's sub-commands: export, lead-pin, review, demo-data (wired into assistant.cli.commands)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from assistant.cli.common import (
    UsageError,
    existing_db,
    front_of,
    load_scripts_reporting,
    open_store,
    parse_date,
)
from assistant.config import paths, registry

ENV_PIN, ENV_OLD_PIN, ENV_LEAD = "WA_LEAD_PIN", "WA_LEAD_PIN_OLD", "WA_LEAD_ID"


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "export",
        help="导出审阅报表（xlsx、csv、pdf）",
        description="导出值班长审阅的各表（含他人的记录，需要值班长工号和 PIN："
        f"终端输入，或环境变量 {ENV_LEAD}、{ENV_PIN}）。电话、证件号、邮箱默认遮蔽，"
        "--unmasked 输出完整信息。每次导出都记录为事件（含值班长工号）。配置了大厅数据库"
        "（--hall、settings.toml 或 WA_HALL）时导出大厅全部终端，各表首列为终端；"
        "--local 只导出本机。",
    )
    p.add_argument("--from", dest="start", type=parse_date, required=True, help="起始日期 YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=parse_date, required=True, help="截止日期 YYYY-MM-DD（含）")
    p.add_argument("--format", choices=("xlsx", "csv", "pdf"), required=True, help="xlsx | csv | pdf")
    p.add_argument("--out", type=Path, required=True, help="输出文件（csv 时为文件夹）")
    p.add_argument("--unmasked", action="store_true", help="输出完整的电话、证件号、邮箱")
    p.add_argument("--window", help="只导出该窗口")
    p.add_argument("--clerk", help="只导出该工作证编号")
    p.add_argument("--role", help="只导出该岗位")
    p.add_argument("--tables", help="只导出这些表（逗号分隔的表名，如 checklist,faults）")
    p.add_argument("--local", action="store_true", help="只导出本机记录（即使配置了大厅数据库 --hall）")

    p = sub.add_parser(
        "lead-pin",
        help="设置、修改或重置值班长 PIN（记录在本数据库中）",
        description=f"PIN 至少 6 位数字，记录在数据库的哈希链中（只存哈希）。set：本数据库的第一个 PIN"
        f"（终端输入两次；无终端时读取 {ENV_PIN}）。change：修改，需要原 PIN（无终端时读取 "
        f"{ENV_OLD_PIN} 与 {ENV_PIN}）。reset：忘记 PIN 时不用原 PIN 重设，会被永久记录并"
        "显示给值班长和大厅。",
    )
    p.add_argument("action", choices=("set", "change", "reset"), help="set | change | reset")

    p = sub.add_parser(
        "review",
        help="打开值班长审阅窗口（需要 PIN）",
        description="输入值班长 PIN 后打开审阅窗口。配置了大厅数据库（--hall、settings.toml 或 "
        "WA_HALL）时审阅大厅的全部终端，--local 只审阅本机。",
    )
    p.add_argument("--local", action="store_true", help="只审阅本机记录（即使配置了大厅数据库 --hall）")

    p = sub.add_parser(
        "demo-data",
        help="生成演示数据库",
        description="通过同一套规则生成演示记录。不带 --db 时写入数据文件夹中的 demo.db；"
        "拒绝写入已有真实记录的数据库。",
    )
    p.add_argument("--days", type=int, default=7, help="天数（默认 7）")
    p.add_argument("--windows", type=int, default=4, help="窗口数（默认 4）")
    p.add_argument("--end", type=parse_date, help="最后一天（默认今天）")
    p.add_argument("--seed", type=int, default=6, help="随机种子（默认 6）")


def lead_pin_for(args: argparse.Namespace, store):
    from assistant.edges.lead_pin import LeadPin

    return LeadPin(store, paths.data_dir(), getattr(args, "scripts", None))


def _ask(prompt: str, env: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    value = registry.env(env)
    if value is None:
        raise UsageError(f"没有终端可输入 PIN，请设置环境变量 {env}。")
    return value


def _ask_lead() -> str:
    if sys.stdin.isatty():
        return check_lead_id(input("值班长工号："))
    value = registry.env(ENV_LEAD)
    if value is None:
        raise UsageError(f"没有终端可输入值班长工号，请设置环境变量 {ENV_LEAD}。")
    return check_lead_id(value)


def check_lead_id(value: str) -> str:
    """The lead's 工号 as recorded with every export, acknowledgement and purge."""
    value = value.strip()
    if not value or len(value) > 20 or not value.isprintable():
        raise UsageError("值班长工号应为 1–20 个字符（如 L001）。")
    return value


def require_pin(args: argparse.Namespace, store) -> str:
    """Ask for the lead's 工号 and PIN (terminal, or WA_LEAD_ID / WA_LEAD_PIN); the 工号, or a UsageError when
    the PIN is not right (each failure recorded in the chain, waits growing)."""
    from assistant.edges.lead_pin import HOW_TO_SET

    pin = lead_pin_for(args, store)
    if not pin.is_set():
        raise UsageError(HOW_TO_SET)
    for source in pin.foreign_sources():
        print(
            f"警告：{source} 中的值班长 PIN 哈希与本数据库记录的不同，已拒绝（此次尝试已记录）。",
            file=sys.stderr,
        )
    wait = pin.wait_seconds()
    if wait > 0:
        raise UsageError(f"PIN 错误次数过多，请在 {int(wait + 0.999)} 秒后再试。")
    lead = _ask_lead()
    result = pin.check(_ask("值班长 PIN：", ENV_PIN), lead)
    if not result.ok:
        raise UsageError(result.message)
    if result.warning:
        print(f"警告：{result.warning}", file=sys.stderr)
    return lead


def _ask_new(what: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("新的值班长 PIN（至少 6 位数字）：")
        if getpass.getpass("再输入一次：") != first:
            raise UsageError(f"两次输入的 PIN 不一致，未{what}。")
        return first
    return _ask("", ENV_PIN)


def cmd_lead_pin(args: argparse.Namespace) -> int:
    from assistant.edges.lead_pin import HOW_TO_SET, PinError

    with open_store(args, create=args.action == "set") as store:
        pin = lead_pin_for(args, store)
        try:
            if args.action == "set":
                if pin.is_set():  # say so before asking for anything
                    pin.set("")
                pin.set(_ask_new("设置"))
                print("值班长 PIN 已设置（记录在本数据库中）。")
            elif args.action == "change":
                if not pin.is_set():
                    raise PinError(HOW_TO_SET)
                old = _ask("原值班长 PIN：", ENV_OLD_PIN)
                pin.change(old, _ask_new("修改"))
                print("值班长 PIN 已修改。")
            else:
                event_id = pin.reset(_ask_new("重置"))
                print(f"值班长 PIN 已重置（事件 #{event_id}）。这次重置已永久记录，值班长和大厅都会看到。")
        except PinError as exc:
            raise UsageError(str(exc)) from exc
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from assistant.desk import Desk
    from assistant.edges.clock import SystemClock
    from assistant.hall.config import HallError
    from assistant.hall.review import HallReport, HallSource, chain_line, open_source, rejection_lines
    from assistant.reports.exporting import ExportError, export
    from assistant.reports.model import ReportFilter

    if args.start > args.end:
        raise UsageError("--from 不能晚于 --to。")
    existing_db(args)  # an export reads records: it never creates a database
    tables = [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else None
    pdf_writer = None
    if args.format == "pdf":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        pdf_writer = front_of(args).pdf_writer()
    scripts = load_scripts_reporting(args)
    flt = ReportFilter(args.start, args.end, args.window, args.clerk, args.role)
    with open_store(args) as store:
        lead = require_pin(args, store)  # every export holds other people's records, masked or not
        desk = Desk(store, scripts, SystemClock())
        report: HallReport | None = None
        try:
            source = open_source(args, store, scripts)  # this terminal, or every terminal in the hall
            try:
                if isinstance(source, HallSource):
                    report = source.report(flt, tables)
                    for line in rejection_lines(report):
                        print(f"警告：{line}", file=sys.stderr)
            finally:
                source.close()
            result = export(
                desk,
                flt,
                args.format,
                args.out,
                masked=not args.unmasked,
                tables=tables,
                by=lead,
                pdf_writer=pdf_writer,
                report=report,
            )
        except (ExportError, KeyError, HallError) as exc:
            raise UsageError(str(exc).strip("'\"")) from exc
    print(
        f"已导出 {result.rows} 行到 {result.path}（{'个人信息已遮蔽' if result.masked else '完整个人信息'}）。"
    )
    if report is not None:
        print(f"来源：{report.source}")
        print(chain_line(report))
    else:
        print(f"链尾：事件 #{result.head_id} 哈希 {result.head_hash}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    existing_db(args)  # before the PIN and the window: the review never creates a database
    return front_of(args).run_review(args)


def cmd_demo_data(args: argparse.Namespace) -> int:
    from assistant.cli.demo import DemoError, fill_demo
    from assistant.store.event_log import EventStore, StoreError

    if not 1 <= args.days <= 366 or not 1 <= args.windows <= 60:
        raise UsageError("--days 应为 1–366，--windows 应为 1–60。")
    path = args.db or paths.data_dir() / "demo.db"
    if args.db is None and path.resolve() == paths.default_db_path().resolve():
        raise UsageError("演示数据不能写入真实记录的数据库。")
    scripts = load_scripts_reporting(args)
    try:
        with EventStore.open(path) as store:
            count, seconds = fill_demo(
                store,
                scripts,
                days=args.days,
                windows=args.windows,
                end=args.end or date.today(),
                seed=args.seed,
            )
    except (StoreError, DemoError) as exc:
        raise UsageError(str(exc)) from exc
    print(
        f"已在 {path} 生成 {args.days} 天 × {args.windows} 个窗口的演示数据：{count} 条事件，用时 {seconds:.1f} 秒。"
    )
    return 0


COMMANDS = {"export": cmd_export, "lead-pin": cmd_lead_pin, "review": cmd_review, "demo-data": cmd_demo_data}
