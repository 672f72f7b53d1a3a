"""Personal data of the people served (PIPL) and corrections of past records (issue 8).

* ``purge-personal [--before DATE]``: the lead (PIN from the terminal, or ``WA_LEAD_PIN`` without one; wrong
  PINs are slowed as everywhere) blanks the names, phones, addresses, ID numbers and e-mails of the persons registered before
  DATE (local midnight; default: today − ``[privacy] retention_days`` of ``settings.toml``, 180). The events —
  the statistics — stay untouched, so ``verify-log`` still passes; a ``purge_personal`` event records
  {before, count, by, retention_days?}, never the data.
* ``privacy-notice``: prints the counter notice, ``privacy-notice.txt`` of the hall's scripts folder (else the
  built-in one), with ``{retention_days}`` filled in.
* ``correction EVENT_ID --reason 原因 [--set 字段=值]``: past records are never changed or deleted (the store's
  triggers refuse it); a correction is a new ``correction`` event that names the old one.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

from assistant.cli.common import UsageError, existing_db, load_scripts_reporting, open_store, parse_date
from assistant.cli.review import ENV_LEAD, ENV_PIN, require_pin
from assistant.config import scripts as _scripts
from assistant.config import toml_lines as _toml_lines
from assistant.config.schema import ScriptProblem

NOTICE_FILE = "privacy-notice.txt"
NOTICE_PLACEHOLDER = "{retention_days}"
_NOTICE_FALLBACK = "；已改用内置的告知文本。"


def default_before(today: date, retention_days: int) -> date:
    """The purge date when none is given: personal data older than the retention period goes."""
    return today - timedelta(days=retention_days)


def cutoff(before: date) -> datetime:
    """Local midnight at the start of `before`: persons registered earlier are purged."""
    return datetime.combine(before, time()).astimezone()


def load_notice(hall_dir: Path | None, retention_days: int) -> tuple[str, tuple[ScriptProblem, ...]]:
    """The counter notice (the hall's copy when sound, else the built-in one) and the problems met."""
    problems: list[ScriptProblem] = []
    candidates = [_scripts.default_dir() / NOTICE_FILE]
    if hall_dir is not None and (Path(hall_dir) / NOTICE_FILE).exists():
        candidates.insert(0, Path(hall_dir) / NOTICE_FILE)
    for path in candidates:
        builtin = path == candidates[-1]
        note = "（内置的默认文件损坏，请重新安装本程序）" if builtin else _NOTICE_FALLBACK
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(
                ScriptProblem(str(path), None, "", f"无法读取文件：{error.strerror or error}{note}")
            )
            continue
        text = _toml_lines.decode(raw)
        if isinstance(text, _toml_lines.Failure):
            problems.append(ScriptProblem(str(path), text.line, "", text.message + note))
            continue
        if not text.strip():
            problems.append(ScriptProblem(str(path), 1, "", "文件是空的" + note))
            continue
        return text.replace(NOTICE_PLACEHOLDER, str(retention_days)).rstrip() + "\n", tuple(problems)
    raise RuntimeError(str(problems[-1]))


# ─── the command line ───────────────────────────────────────────────────────────────────────────


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "purge-personal",
        help="删除保存期满的服务对象个人信息（需要 PIN）",
        description="删除 DATE 之前登记的服务对象姓名、电话、地址、证件号、邮箱（含从备注等文字中提取的）；"
        "服务统计保留，哈希链仍可校验。"
        f"需要值班长工号和 PIN（终端输入，或环境变量 {ENV_LEAD}、{ENV_PIN}）。"
        "不带 --before 时按 settings.toml 的 [privacy] retention_days（默认 180 天）计算。",
    )
    p.add_argument("--before", type=parse_date, help="删除这一天之前登记的个人信息（YYYY-MM-DD，不含当天）")

    sub.add_parser(
        "privacy-notice",
        help="打印窗口张贴用的个人信息告知",
        description="打印个人信息告知文本（大厅话术文件夹中的 privacy-notice.txt，缺少时用内置文本）。",
    )

    p = sub.add_parser(
        "correction",
        help="更正一条记录（追加更正记录，原记录不变）",
        description="原记录不能修改或删除；更正作为新记录追加，指明被更正的记录编号和原因。",
    )
    p.add_argument("event", type=_event_id, help="被更正的记录（事件）编号")
    p.add_argument("--reason", required=True, help="更正原因（中文，必填）")
    p.add_argument("--set", action="append", default=[], metavar="字段=值", help="正确的值，可重复")
    p.add_argument("--by", help="更正人的工作证编号（默认：当前签到的人）")


def _event_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < len(text) <= 18 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"“{text}”不是记录编号（正整数）")
    return int(text)


def _settings(args: argparse.Namespace):
    from assistant.config.settings import load_settings

    settings = load_settings(args.scripts)
    for problem in settings.problems:
        print(f"警告：{problem}", file=sys.stderr)
    return settings


def cmd_purge_personal(args: argparse.Namespace) -> int:
    from assistant.desk import Desk
    from assistant.edges.clock import SystemClock
    from assistant.store.event_log import purge_rows

    settings = _settings(args)
    clock = SystemClock()
    today = clock.now().date()
    before = args.before or default_before(today, settings.retention_days)
    if before > today:
        raise UsageError(f"--before {before} 晚于今天（{today}），不能删除今天以后的个人信息。")
    existing_db(args)
    scripts = load_scripts_reporting(args)
    with open_store(args) as store:
        lead = require_pin(args, store)  # wrong PIN: exit 2 with the reason; failures recorded, waits growing
        desk = Desk(store, scripts, clock)
        data = {"before": before.isoformat(), "count": 0, "by": lead}
        if args.before is None:
            data["retention_days"] = settings.retention_days
        # The persons are blanked in the transaction that records the purge (and its count): both or neither.
        outcome = desk.execute(
            "purge_personal", data, prepare=lambda conn: {"count": purge_rows(conn, cutoff(before))}
        )
        scrubbed = outcome.accepted and store.scrub()
    if outcome.refusal is not None:
        raise UsageError(f"未删除任何个人信息：{outcome.refusal.reason}")
    event = outcome.events[-1]
    print(
        f"已删除 {before} 之前登记的 {event.payload['count']} 条个人信息（姓名、电话、地址、证件号、邮箱）；"
        f"服务统计保留。记录：事件 #{event.id}。"
    )
    if not scrubbed:
        print(
            f"警告：数据文件 {store.path} 正被其他程序读取，旧数据的副本尚未从日志文件（-wal）中清除；"
            "请关闭侧边栏后再运行一次本命令。",
            file=sys.stderr,
        )
    return 0


def cmd_privacy_notice(args: argparse.Namespace) -> int:
    settings = _settings(args)
    hall = args.scripts if args.scripts is not None and Path(args.scripts).is_dir() else None
    if args.scripts is not None and hall is None:
        print(
            f"警告：找不到大厅话术文件夹 {args.scripts}（或它不是文件夹），使用内置的告知文本。",
            file=sys.stderr,
        )
    text, problems = load_notice(hall, settings.retention_days)
    for problem in problems:
        print(f"警告：{problem}", file=sys.stderr)
    sys.stdout.write(text)
    return 0


def cmd_correction(args: argparse.Namespace) -> int:
    from assistant.desk import Desk
    from assistant.edges.clock import SystemClock

    changes: dict[str, str] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set 的格式应为 字段=值，收到“{item}”。")
        changes[name.strip()] = value
    existing_db(args)
    scripts = load_scripts_reporting(args)
    with open_store(args) as store:
        desk = Desk(store, scripts, SystemClock())
        data: dict = {"target": args.event, "reason": args.reason, "changes": changes}
        if args.by:
            data["by"] = args.by
        outcome = desk.execute("correction", data)
    if outcome.refusal is not None:
        raise UsageError(outcome.refusal.reason)
    event = outcome.events[-1]
    print(f"已追加更正记录：事件 #{event.id} 更正事件 #{args.event}（原记录保持不变）。")
    return 0


COMMANDS = {
    "purge-personal": cmd_purge_personal,
    "privacy-notice": cmd_privacy_notice,
    "correction": cmd_correction,
}
