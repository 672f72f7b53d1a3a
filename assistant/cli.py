"""The command line: `python main.py [--db PATH] [--scripts DIR] SUBCOMMAND …`; no sub-command starts the GUI."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from assistant import paths

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2

# argparse speaks English; the clerks and leads who read these messages do not.
_ARGPARSE_ZH = (
    (re.compile(r"the following arguments are required: (.+)"), r"缺少必需的参数：\1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"无法识别的参数：\1"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"), r"参数 \1 的值 \2 无效，可选：\3"),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1 需要一个值"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.+)"), r"参数 \1 的值 \3 无效"),
)


class UsageError(Exception):
    """A call the program cannot carry out; the message is Chinese."""


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its error messages in Chinese and exit code 2."""

    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _ARGPARSE_ZH:
            message = pattern.sub(replacement, message)
        self.exit(EXIT_USAGE, f"错误：{message}\n查看用法：{self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, declared once."""
    parser = ChineseArgumentParser(
        prog="main.py",
        description="窗口服务助手：政务服务窗口人员的桌面助手。不带子命令时启动侧边栏。",
    )
    parser.add_argument("--db", type=Path, help=f"数据库文件（默认：{paths.default_db_path()}）")
    parser.add_argument("--scripts", type=Path, help="本大厅的话术文件夹（缺少的文件用内置默认）")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="界面语言（默认 zh）")
    sub = parser.add_subparsers(dest="command", metavar="子命令", parser_class=ChineseArgumentParser)

    p = sub.add_parser("phrases", help="列出规范用语", description="列出规范用语（第 52–59 条等）。")
    p.add_argument("--category", help="只列出该类别，如 问候、受理、退回")
    p.add_argument("--search", help="按文字、编号或关键词查找")
    p.add_argument("--json", action="store_true", help="以 JSON 数组输出")

    p = sub.add_parser("render", help="填写字段并输出一句用语", description="填写用语中的字段并输出。")
    p.add_argument("id", help="用语编号，如 greet.refer")
    p.add_argument("--set", action="append", default=[], metavar="字段=值", help="填写一个字段，可重复")

    sub.add_parser("verify-log", help="校验记录的哈希链", description="校验事件记录未被篡改：完整时退出码 0，否则 1。")

    p = sub.add_parser("replay", help="按顺序执行 JSONL 文件中的操作",
                       description='每行一个操作：{"at": "2026-11-26T09:00:00+08:00", "command": "sign_in", '
                                   '"data": {"clerk": "A001"}}；“-”表示标准输入。')
    p.add_argument("file", help="JSONL 文件，或 - 表示标准输入")
    p.add_argument("--json", action="store_true", help="每个操作输出一行 JSON")

    p = sub.add_parser("status", help="显示当前状态", description="显示签到、班前检查、接待、等候、暂停的当前状态。")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python main.py` and of the `window-assistant` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            from ui.app import run_gui  # Qt only when the GUI is asked for

            return run_gui(args)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def load_scripts_reporting(args: argparse.Namespace):
    """The scripts for this call; each problem in a hall's files is a warning on stderr."""
    from assistant.scripts import load_scripts

    scripts = load_scripts(args.scripts)
    for problem in scripts.problems:
        print(f"警告：{problem}", file=sys.stderr)
    return scripts


def open_store(args: argparse.Namespace):
    """The event store at --db (or the default); notices such as a moved-aside corrupt file go to stderr."""
    from assistant.store import EventStore, StoreError

    try:
        store = EventStore.open(args.db or paths.default_db_path())
    except StoreError as exc:
        raise UsageError(str(exc)) from exc
    for notice in store.notices:
        print(f"注意：{notice}", file=sys.stderr)
    return store


def cmd_phrases(args: argparse.Namespace) -> int:
    from assistant.phrases import search

    scripts = load_scripts_reporting(args)
    categories = list(dict.fromkeys(p.category for p in scripts.phrases.values()))
    if args.category and args.category not in categories:
        raise UsageError(f"类别“{args.category}”不存在，可选：{'、'.join(categories)}")
    found = search(scripts.phrases.values(), args.search or "", args.category or "")
    if args.json:
        print(json.dumps([phrase_record(p) for p in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    for phrase in found:
        print(f"{phrase.id:<24}【{phrase.category}】{phrase.template}")
    if not found:
        print("没有找到符合条件的用语。", file=sys.stderr)
    return EXIT_OK


def phrase_record(phrase) -> dict[str, Any]:
    """A phrase as the JSON the command line prints."""
    return {
        "id": phrase.id,
        "category": phrase.category,
        "rule": phrase.rule,
        "text": phrase.template,
        "seed": phrase.seed,
        "when": phrase.when,
        "fields": [
            {"name": f.name, "type": f.type, "label": f.label, "options": list(f.options), "multiple": f.multiple}
            for f in phrase.fields
        ],
    }


def cmd_render(args: argparse.Namespace) -> int:
    from assistant.phrases import RenderError, render

    scripts = load_scripts_reporting(args)
    if args.id not in scripts.phrases:
        raise UsageError(f"用语编号“{args.id}”不存在；用 phrases 子命令查看全部编号。")
    values: dict[str, str] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set 的格式应为 字段=值，收到“{item}”。")
        values[name.strip()] = value
    try:
        print(render(scripts.phrases[args.id], values))
    except RenderError as exc:
        raise UsageError(str(exc)) from exc
    return EXIT_OK


def cmd_verify_log(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        report = store.verify()
    if report.ok:
        print(f"完整：{report.count} 条事件，哈希链校验通过。")
        return EXIT_OK
    print(f"不完整：共检查 {report.count} 条事件，首个问题在事件 #{report.first_bad_id}。", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_FLAGGED


def cmd_replay(args: argparse.Namespace) -> int:
    from assistant.clock import FixedClock, SystemClock
    from assistant.desk import Desk

    source = sys.stdin if args.file == "-" else _open_text(Path(args.file))
    scripts = load_scripts_reporting(args)
    with open_store(args) as store:
        clock = FixedClock(SystemClock().now())
        desk = Desk(store, scripts, clock)
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            kind, data, at = _parse_replay_line(line, number, args.file)
            clock.set(at or SystemClock().now())
            outcome = desk.execute(kind, data)
            _print_outcome(number, kind, outcome, args.json)
    return EXIT_OK


def _open_text(path: Path):
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc


def _parse_replay_line(line: str, number: int, name: str) -> tuple[str, dict[str, Any], datetime | None]:
    where = f"{name} 第 {number} 行"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）") from exc
    if not isinstance(record, dict) or not isinstance(record.get("command"), str):
        raise UsageError(f"{where}缺少字符串字段 command。")
    data = record.get("data", {})
    if not isinstance(data, dict):
        raise UsageError(f"{where}的 data 应为对象。")
    at = None
    if "at" in record:
        try:
            at = datetime.fromisoformat(str(record["at"]))
        except ValueError as exc:
            raise UsageError(f"{where}的 at“{record['at']}”不是 ISO 8601 时间。") from exc
        if at.tzinfo is None:
            at = at.astimezone()
    return record["command"], data, at


def _print_outcome(number: int, kind: str, outcome, as_json: bool) -> None:
    if as_json:
        record: dict[str, Any] = {"line": number, "command": kind, "accepted": outcome.accepted}
        if outcome.accepted:
            record["events"] = [e.id for e in outcome.events]
        else:
            record["refused"] = outcome.refusal.code
            record["reason"] = outcome.refusal.reason
        print(json.dumps(record, ensure_ascii=False), flush=True)
    elif outcome.accepted:
        print(f"第 {number} 行 {kind}：已记录事件 {', '.join(f'#{e.id}' for e in outcome.events)}", flush=True)
    else:
        print(f"第 {number} 行 {kind}：被拒绝（{outcome.refusal.code}）{outcome.refusal.reason}", flush=True)


def cmd_status(args: argparse.Namespace) -> int:
    from assistant.rules import replay

    with open_store(args) as store:
        state = replay(store.events())
    record = {
        "clerk": state.clerk,
        "role": state.role,
        "window": state.window,
        "checklist_submitted_at": state.checklist_submitted_at,
        "interaction": state.interaction.number if state.interaction else None,
        "step": state.interaction.step if state.interaction else None,
        "waiting": state.waiting,
        "paused": state.pause.reason if state.pause else None,
        "last_event_id": state.last_event_id,
    }
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
        return EXIT_OK
    print(f"签到：{state.clerk or '未签到'}" + (f"（{state.role}，{state.window or '未设窗口'}）" if state.clerk else ""))
    print(f"班前检查：{'已提交 ' + state.checklist_submitted_at if state.checklist_submitted_at else '未完成'}")
    if state.interaction:
        print(f"接待中：第 {state.interaction.number} 位，环节 {state.interaction.step}")
    print(f"等候人数：{state.waiting}")
    if state.pause:
        print(f"暂停服务：{state.pause.reason}（自 {state.pause.since}）")
    return EXIT_OK


COMMANDS = {
    "phrases": cmd_phrases,
    "render": cmd_render,
    "verify-log": cmd_verify_log,
    "replay": cmd_replay,
    "status": cmd_status,
}
