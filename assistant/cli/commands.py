"""The command line: `python main.py [--db PATH] [--scripts DIR] SUBCOMMAND …`; no sub-command starts the GUI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.cli import hall, privacy
from assistant.cli import review as review_cli
from assistant.cli.common import (
    EXIT_FLAGGED,
    EXIT_OK,
    EXIT_USAGE,
    ChineseArgumentParser,
    Front,
    UsageError,
    front_of,
    load_scripts_reporting,
    open_store,
    read_store,
)
from assistant.config import paths


def program_name() -> str:
    """The name a user types: the bundle's program (window-assistant), the installed command, or main.py."""
    return Path(sys.argv[0]).name or "window-assistant"


def version_text() -> str:
    """`--version`: the version and, in the packaged app, the build it is (from BUILD-INFO.json)."""
    from assistant import __version__

    lines = [f"窗口服务助手 window-assistant {__version__}"]
    info = paths.build_info()
    if info:
        libraries = info.get("libraries", {})
        lines.append(
            f"打包于 {info.get('built_at', '?')}（{info.get('system', '?')} {info.get('machine', '?')}，"
            f"Python {info.get('python', '?')}，Qt {libraries.get('Qt', '?')}，"
            f"PySide6 {libraries.get('PySide6', '?')}）"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, declared once."""
    parser = ChineseArgumentParser(
        prog=program_name(),
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps the lines of --version
        description="窗口服务助手：政务服务窗口人员的桌面助手。不带子命令时启动侧边栏。",
    )
    parser.add_argument("--version", action="version", version=version_text(), help="显示版本信息后退出")
    parser.add_argument("--db", type=Path, help=f"数据库文件（默认：{paths.default_db_path()}）")
    parser.add_argument("--scripts", type=Path, help="本大厅的话术文件夹（缺少的文件用内置默认）")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="界面语言（默认 zh）")
    parser.add_argument(
        "--hall",
        metavar="postgresql://…",
        help="大厅数据库（PostgreSQL）：本机记录在后台上传到这里，值班长可审阅全部窗口"
        "（也可在话术文件夹 settings.toml 的 [hall] url 或环境变量 WA_HALL 中设置）",
    )
    sub = parser.add_subparsers(dest="command", metavar="子命令", parser_class=ChineseArgumentParser)

    p = sub.add_parser("phrases", help="列出规范用语", description="列出规范用语（第 52–59 条等）。")
    p.add_argument("--category", help="只列出该类别，如 问候、受理、退回")
    p.add_argument("--search", help="按汉字、全拼或首字母查找（如 qsh），最匹配的在前")
    p.add_argument("--json", action="store_true", help="以 JSON 数组输出")

    p = sub.add_parser(
        "say", help="把一句话朗读为 WAV 文件", description="用普通话语音合成，写出 16 位 PCM WAV。"
    )
    p.add_argument("text", help="要朗读的文字")
    p.add_argument("--care", action="store_true", help="关怀模式：更慢、更大声（第 25 条）")
    p.add_argument("--out", type=Path, required=True, help="输出的 WAV 文件")

    p = sub.add_parser("render", help="填写字段并输出一句用语", description="填写用语中的字段并输出。")
    p.add_argument("id", help="用语编号，如 greet.refer")
    p.add_argument("--set", action="append", default=[], metavar="字段=值", help="填写一个字段，可重复")

    p = sub.add_parser(
        "verify-log",
        help="校验记录的哈希链、封印和锚点",
        description="校验事件记录：完整时退出码 0，否则 1 并指出首个问题事件。只校验哈希链时，持有数据文件的人"
        "可以改写后重算整条链；--key 用值班长保管的校验密钥检查封印（seal init 之后的每条记录），"
        "--anchor 检查导出或审阅时记下的链尾（发现被截去的记录）。",
    )
    p.add_argument(
        "--key",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="seal init 写出的校验密钥文件；重新初始化过封印时可给多个",
    )
    p.add_argument(
        "--anchor",
        type=_anchor,
        action="append",
        default=[],
        metavar="ID:HASH",
        help="记下的链尾（事件编号:哈希），可给多个",
    )

    p = sub.add_parser(
        "seal",
        help="封印记录（前向安全，需要值班长 PIN）",
        description="init：生成校验密钥并写到 FILE（只有本人可读），从此每条记录都带封印，密钥每条记录后"
        "向前演进、旧密钥不留在本机。请把 FILE 移出本机由值班长保管，用 verify-log --key FILE 校验。",
    )
    p.add_argument("action", choices=("init",), help="init")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="校验密钥文件（请保存到本机以外）")

    p = sub.add_parser(
        "replay",
        help="按时间顺序执行 JSONL 文件中的操作并输出结果和记录",
        description='每行一个 JSON 对象：{"at": "2026-11-30T08:50:00", "cmd": "sign_in", '
        '"clerk": "A0123", "window": "社保3号窗口"}。at 为本地时间；其余键为该操作的字段。'
        "不指定 --db 时使用一个新的临时数据库。“-”表示标准输入。",
    )
    p.add_argument("file", help="JSONL 文件，或 - 表示标准输入")
    p.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help="写入这个数据库（默认：新的临时数据库）"
    )
    p.add_argument(
        "--json", action="store_true", help="输出一个 JSON 对象：results（每行的结果）和 records（记录）"
    )
    p.add_argument(
        "--ack",
        action="store_true",
        help="每行写入数据库后立即输出一行 JSON 确认（含事件编号 events），不输出汇总；用于崩溃测试和续传",
    )

    p = sub.add_parser(
        "status", help="显示当前状态", description="显示签到、班前检查、接待、等候、暂停的当前状态。"
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出")

    p = sub.add_parser(
        "lint",
        help="检查一段文字是否含服务忌语（第 60 条）",
        description="检查文字中的服务忌语（第 60 条）并给出应改用的规范用语：有问题退出码 1，没有 0。"
        "--jsonl 从标准输入每行读一段文字，每行输出一个 JSON 对象，退出码 0。",
    )
    p.add_argument("text", nargs="?", help="要检查的文字")
    p.add_argument("--jsonl", action="store_true", help="从标准输入逐行读取，逐行输出 JSON")
    p.add_argument("--json", action="store_true", help="检查 TEXT 时以 JSON 输出")
    sub.add_parser(
        "diagnostics",
        help="输出诊断信息（交给技术支持）",
        description="输出版本、数据文件夹、数据文件大小、日志最后几十行等，供技术支持使用；"
        "与托盘菜单“复制诊断信息”相同。不读取数据库内容，不显示 PIN 等设置的值。",
    )
    review_cli.add_parsers(sub)  # export, lead-pin, review, demo-data (issue 6)
    privacy.add_parsers(sub)  # purge-personal, privacy-notice, correction (issue 8)
    hall.add_parsers(sub)  # hall init, enrol, lead, join, status (issue 17)
    return parser


def main(argv: Sequence[str] | None = None, front: Front | None = None) -> int:
    """The command line; `front` holds the widgets (`main.py` lends them; without them, GUI commands refuse)."""
    setup_streams()
    argv = list(sys.argv[1:] if argv is None else argv)
    for arg in argv:  # bytes that are not UTF-8 arrive as lone surrogates; they cannot be stored or hashed
        if not _is_utf8(arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            print(
                f"错误：参数“{shown}”不是有效的 UTF-8 文本（终端或文件名的编码有误），请改用 UTF-8。",
                file=sys.stderr,
            )
            return EXIT_USAGE
    # The database, the PIN files, exports and their folders: the user's only (the caller's umask comes back
    # afterwards, for a test calling main() in its own process).
    umask = os.umask(0o077) if os.name == "posix" else None
    try:
        return _main(argv, front)
    finally:
        if umask is not None:
            os.umask(umask)


def _main(argv: list[str], front: Front | None) -> int:
    args = build_parser().parse_args(argv)
    args.front = front
    args.startup_notices = []
    if notice := paths.migrate_legacy_data():  # Windows: %APPDATA% → %LOCALAPPDATA%, once
        args.startup_notices.append(notice)  # the GUI shows it in the sidebar (and on stderr)
        if args.command is not None:
            print(f"注意：{notice}", file=sys.stderr)
    try:
        if args.command is None:
            from assistant.edges.system_libs import check_before_qt, input_method_module

            if refused := check_before_qt():  # what Qt would abort on (a core dump), said in Chinese
                print(f"错误：{refused[1]}", file=sys.stderr)
                return refused[0]
            if module := input_method_module():  # fcitx5 through its ibus frontend (docs/packaging.md)
                os.environ["QT_IM_MODULE"] = module
            return front_of(args).run_gui(args)
        code = COMMANDS[args.command](args)
        if args.command in RECORDING_COMMANDS:
            push_recorded(args.db or paths.default_db_path())
        return code
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def setup_streams() -> None:
    """UTF-8 on stdout/stderr when they are pipes or files; never a UnicodeEncodeError on a console.

    On Chinese Windows a redirected stream is cp936 (GBK) with strict errors, and a rare character such as
    䶮 would end the command with a traceback. A console is left in its encoding (Python writes to the Windows
    console in UTF-16 anyway) but replaces what it cannot show instead of failing.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # None in a windowed program, or replaced by a test harness: leave it alone
            continue
        try:
            console = stream.isatty()
        except (OSError, ValueError):
            console = False
        if console:
            reconfigure(errors="replace")
        else:
            reconfigure(encoding="utf-8", errors="replace")


# Sub-commands that record events: they push them to the hall before exiting when the database is enrolled.
RECORDING_COMMANDS = frozenset({"replay", "correction", "export", "purge-personal", "review", "demo-data"})


def push_recorded(db: Path) -> None:
    """Push what this process recorded to the hall (when the database is enrolled); what cannot go now is
    pushed next time by whichever process pushes from this database."""
    from assistant.hall.config import enrolment_path  # standard library only: psycopg only when enrolled

    if enrolment_path(db).exists():
        from assistant.hall.pusher import push_pending

        if line := push_pending(db):
            print(line, file=sys.stderr)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cmd_phrases(args: argparse.Namespace) -> int:
    from assistant.domain.phrases import search

    scripts = load_scripts_reporting(args)
    categories = list(dict.fromkeys(p.category for p in scripts.phrases.values()))
    if args.category and args.category not in categories:
        raise UsageError(f"类别“{args.category}”不存在，可选：{'、'.join(categories)}")
    found = search(scripts.phrases.values(), "", args.category or "")
    if args.search:
        found = _search_ranked(args, scripts, found)
    if args.json:
        print(json.dumps([phrase_record(p) for p in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    for phrase in found:
        print(f"{phrase.id:<24}【{phrase.category}】{phrase.template}")
    if not found:
        print("没有找到符合条件的用语。", file=sys.stderr)
    return EXIT_OK


def _search_ranked(args: argparse.Namespace, scripts, allowed) -> list:
    """The pinyin-aware search of assistant.search, best first (the sidebar also ranks by use; the command line
    never opens the database)."""
    from assistant.domain.search import PhraseIndex

    index = PhraseIndex.for_phrases(scripts.phrases.values(), args.scripts)
    ids = {p.id for p in allowed}
    return [scripts.phrases[h.id] for h in index.search(args.search) if h.id in ids]


def cmd_say(args: argparse.Namespace) -> int:
    from assistant.edges import speech

    if not args.text.strip():
        raise UsageError("没有要朗读的文字。")
    ok, reason = speech.save(args.text, args.out, care=args.care)
    if not ok:
        raise UsageError(reason)
    print(f"已写出 {args.out}")
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
            {
                "name": f.name,
                "type": f.type,
                "label": f.label,
                "options": list(f.options),
                "multiple": f.multiple,
            }
            for f in phrase.fields
        ],
    }


def cmd_render(args: argparse.Namespace) -> int:
    from assistant.domain.phrases import RenderError, render

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


def _anchor(text: str) -> tuple[int, str]:
    number, sep, digest = text.partition(":")
    digest = digest.strip().lower()
    if (
        not sep
        or not number.isascii()
        or not number.isdigit()
        or int(number) < 1
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise argparse.ArgumentTypeError(f"“{text}”不是锚点（事件编号:64 位十六进制哈希，如 120:3fa4…）")
    return int(number), digest


def cmd_verify_log(args: argparse.Namespace) -> int:
    from assistant.edges.lead_pin import resets_text
    from assistant.store.event_log import StoreUnreadable
    from assistant.store.sealing import SealError, read_key_file

    try:
        keys = [read_key_file(path) for path in args.key]
    except SealError as exc:
        raise UsageError(str(exc)) from exc
    try:
        report, (sealed_from, sealed_count), resets = read_store(
            args, lambda store: (store.verify(keys, args.anchor), store.seal_state(), resets_text(store))
        )
    except StoreUnreadable as exc:
        print(f"无法校验：{exc}", file=sys.stderr)
        return EXIT_FLAGGED
    checked = ["哈希链"]
    if keys:
        checked.append(f"封印（{report.sealed} 条）")
    if args.anchor:
        checked.append("锚点 " + "、".join(f"#{i}" for i, _ in args.anchor))
    if report.ok:
        print(f"完整：{report.count} 条事件，已校验：{'、'.join(checked)}。")
    else:
        print(
            f"不完整：共检查 {report.count} 条事件，首个问题在事件 #{report.first_bad_id}。", file=sys.stderr
        )
        for problem in report.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        if len(report.problems) > 20:
            print(f"  ……另有 {len(report.problems) - 20} 个问题", file=sys.stderr)
    if keys and report.unsealed:
        print(f"未封印：封印开始前的 {report.unsealed} 条事件只有哈希链校验，不能证明未被重写。")
    if not keys:
        state = (
            f"自事件 #{sealed_from} 起封印（{sealed_count} 条带封印），但没有校验密钥无法确认封印"
            if sealed_from
            else "本数据库没有封印（python main.py seal init）"
        )
        print(
            f"无法证明：持有数据文件的人可以改写记录后重算整条哈希链；{state}。"
            "请用 --key（值班长保管的校验密钥）或 --anchor（记下的链尾）校验。"
        )
    for line in resets:
        print(f"注意：{line}。")
    return EXIT_OK if report.ok else EXIT_FLAGGED


def cmd_seal(args: argparse.Namespace) -> int:
    from assistant.cli.review import require_pin
    from assistant.store import sealing

    out = Path(args.out)
    db = Path(args.db or paths.default_db_path()).resolve()
    if out.resolve().parent == db.parent or out.exists() and out.is_dir():
        raise UsageError(
            f"校验密钥文件 {out} 不能放在数据文件夹中，也不能是文件夹；请写到 U 盘等本机以外的位置。"
        )
    with open_store(args) as store:
        lead = require_pin(args, store)
        key = sealing.new_key()
        try:  # written first: the key never seals anything the lead does not hold
            sealing.write_key_file(out, sealing.VerificationKey(key, 0, "0" * 64), str(db))
            event = store.start_sealing(
                key, {"fingerprint": sealing.fingerprint(key), "lead": lead}, datetime.now().astimezone()
            )
            sealing.write_key_file(out, sealing.VerificationKey(key, event.id, event.hash), str(db))
        except sealing.SealError as exc:
            raise UsageError(str(exc)) from exc
    print(f"已开始封印：事件 #{event.id}（seal_init）。校验密钥已写到 {out}（只有本人可读）。")
    print("请把这个文件移出本机，由值班长保管；校验：python main.py verify-log --key 文件。")
    print(f"链尾：事件 #{event.id} 哈希 {event.hash}")
    return EXIT_OK


# ─── replay (issue 5) ───────────────────────────────────────────────────────────────────────────
# One JSON object per line: {"at": "2026-11-30T08:50:00", "cmd": "sign_in", "clerk": "A0123", ...}.
# `at` is local time (an offset is allowed); the other keys are the command's fields. Lines run through the
# same rules as the GUI, at the times they carry. Bad input exits 2 before anything is recorded.

# command → fields that must be present (a missing one is bad input, not a refusal)
REPLAY_REQUIRED: dict[str, tuple[str, ...]] = {
    "sign_in": ("clerk",),
    "checklist_item": ("item", "ok"),
    "step": ("name",),
    "matter": ("outcome",),
    "waiting_set": ("count",),
    "pause": ("reason",),
    "phrase_used": ("phrase",),
}


# What only the shift lead (behind the PIN) or the program itself records: a replay file must not forge them.
NOT_REPLAYABLE = frozenset({"export", "review_ack", "hall_ack", "purge_personal", "demo_data"})


def _replay_commands() -> set[str]:
    from assistant.domain.rules import RULES

    return set(RULES) - NOT_REPLAYABLE


# A replay line longer than this is refused (`replay /dev/zero` would otherwise read forever into memory).
MAX_REPLAY_LINE = 1 << 20

ReplayLine = tuple[int, str, dict[str, Any], datetime]


def _read_replay(source, name: str) -> Iterator[ReplayLine]:
    """Every non-blank line as (line number, command, fields, time), one at a time; UsageError naming the first
    bad line. `source`: a binary file or any iterable of lines (str or bytes)."""
    known = _replay_commands()
    previous: datetime | None = None
    for number, line in enumerate(_lines(source, name), start=1):
        parsed = _parse_replay_line(line, number, name, known)
        if parsed is None:
            continue
        if previous is not None and parsed[3] < previous:
            raise UsageError(
                f"{name} 第 {number} 行的时间 {parsed[3].isoformat()} 早于上一行，时间不能倒流。"
            )
        previous = parsed[3]
        yield parsed


def _lines(source, name: str) -> Iterator[str | bytes]:
    """The lines of source, none longer than MAX_REPLAY_LINE (read in bounded pieces: a file without line
    breaks is never held whole); a read error (a device, /proc/self/mem) is a UsageError."""
    readline = getattr(source, "readline", None)
    if readline is None:
        yield from source
        return
    number = 0
    while True:
        number += 1
        try:
            line = readline(MAX_REPLAY_LINE + 1)
        except OSError as exc:
            raise UsageError(f"无法读取 {name}（第 {number} 行）：{exc.strerror or exc}") from exc
        if not line:
            return
        if len(line) > MAX_REPLAY_LINE:
            raise UsageError(f"{name} 第 {number} 行超过 1 MiB，不是操作记录；请检查文件。")
        yield line


def _parse_replay_line(line: str | bytes, number: int, name: str, known: set[str]) -> ReplayLine | None:
    """One line as (line number, command, fields, time), None when blank; UsageError naming what is wrong."""
    if isinstance(line, bytes):  # read as bytes, so that a bad byte is reported with its line (issue 8)
        try:
            line = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{name} 第 {number} 行不是有效的 UTF-8 文本（该行第 {exc.start + 1} 个字节），请用 UTF-8 编码保存。"
            ) from exc
    if not line.strip():
        return None
    where = f"{name} 第 {number} 行"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）") from exc
    except (ValueError, RecursionError) as exc:  # a number of over 4300 digits, nesting too deep
        raise UsageError(f"{where}的 JSON 数字过长或嵌套过深，无法读取。") from exc
    if not isinstance(record, dict):
        raise UsageError(f"{where}应为一个 JSON 对象。")
    try:  # "\ud800" is valid JSON but no text: it could be neither stored nor hashed
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UsageError(
            f"{where}含有无效的 Unicode 字符（单独的代理项 \\u{ord(exc.object[exc.start]):04x}）。"
        ) from exc
    cmd = record.pop("cmd", None)
    if not isinstance(cmd, str) or not cmd:
        raise UsageError(f"{where}缺少字段 cmd（操作名称）。")
    if cmd not in known:
        raise UsageError(f"{where}的操作“{cmd}”未知，可选：{'、'.join(sorted(known))}。")
    if "at" not in record:
        raise UsageError(f"{where}缺少字段 at（本地时间，如 2026-11-30T08:50:00）。")
    raw_at = record.pop("at")
    try:
        at = datetime.fromisoformat(str(raw_at))
    except ValueError as exc:
        raise UsageError(f"{where}的 at“{raw_at}”不是 ISO 8601 时间。") from exc
    if at.tzinfo is None:
        at = at.astimezone()  # local time of this computer, as the hall's clock shows it
    missing = [f for f in REPLAY_REQUIRED.get(cmd, ()) if f not in record]
    if missing:
        raise UsageError(f"{where}的操作 {cmd} 缺少字段：{'、'.join(missing)}。")
    if "person" in record and not isinstance(record["person"], dict):
        raise UsageError(f'{where}的 person 应为 JSON 对象，如 {{"name": "张三", "phone": "138…"}}。')
    return number, cmd, record, at


def _replay_steps(cmd: str, fields: dict[str, Any], scripts) -> list[tuple[str, dict[str, Any]]]:
    """The desk commands one replay line stands for."""
    if cmd == "step":
        name = str(fields.get("name", ""))
        ids = {s.name: s.id for s in scripts.flow.steps}
        return [("step", {**{k: v for k, v in fields.items() if k != "name"}, "step": ids.get(name, name)})]
    if cmd == "interaction_end" and fields.get("outcome"):
        # interaction_end {outcome}: record the outcome as the interaction's matter, then end it
        return [("matter", dict(fields)), ("interaction_end", {})]
    return [(cmd, dict(fields))]


def cmd_replay(args: argparse.Namespace) -> int:
    """A file is checked whole in a first pass (a bad file records nothing), then run in a second; standard
    input runs line by line (a bad line ends it, exit 2, after the earlier lines were recorded). Neither pass
    nor the output holds the whole file."""
    import tempfile

    if args.file != "-":
        with _open_text(Path(args.file)) as source:
            for _ in _read_replay(source, args.file):
                pass
    scripts = load_scripts_reporting(args)
    with tempfile.TemporaryDirectory(prefix="wa-replay-") as temp:
        if args.db is None:
            args.db = Path(temp) / "replay.db"  # a fresh database unless --db is given
        with open_store(args, create=True) as store:
            if args.file == "-":
                return _run_replay(args, store, scripts, _read_replay(sys.stdin.buffer, "标准输入"))
            with _open_text(Path(args.file)) as source:
                return _run_replay(args, store, scripts, _read_replay(source, args.file))


def _run_replay(args: argparse.Namespace, store, scripts, lines: Iterator[ReplayLine]) -> int:
    from assistant.desk import Desk
    from assistant.domain import shift
    from assistant.edges.clock import FixedClock

    first_id = store.last_id()
    clock = FixedClock(datetime.now().astimezone())
    desk = Desk(store, scripts, clock)
    if args.json:
        sys.stdout.write('{"results": [')
    separator = ""
    for number, cmd, fields, at in lines:
        clock.set(at)
        result: dict[str, Any] = {
            "line": number,
            "cmd": cmd,
            "at": at.replace(tzinfo=None).isoformat(timespec="seconds"),
        }
        behind = _behind_the_log(store, at)
        if behind:  # never recorded before what is already in the log: the log's order is its time order
            result.update(ok=False, reason="clock_behind", message=behind)
            events: tuple = ()
        else:
            outcome = desk.execute_all(_replay_steps(cmd, fields, scripts))  # a line: all or nothing
            result["ok"] = outcome.accepted
            if outcome.refusal is not None:
                result["reason"] = outcome.refusal.code
                result["message"] = outcome.refusal.reason
            events = outcome.events
        if args.ack:  # printed only once the line's events are committed: an ack is a promise
            print(json.dumps({**result, "events": [e.id for e in events]}, ensure_ascii=False), flush=True)
        elif args.json:
            sys.stdout.write(separator + "\n  " + json.dumps(result, ensure_ascii=False))
            separator = ","
        else:
            _print_replay_result(result)
    if args.ack:
        return EXIT_OK
    records = {
        "checklist_runs": shift.checklist_runs(store.events(after=first_id)),
        "overtime": shift.overtime_records(store.events(after=first_id)),
        "late_arrivals": shift.late_arrivals(store.events(after=first_id)),
        "equipment_faults": shift.equipment_faults(store.events(after=first_id)),
        "early_departures": shift.early_departures(store.events(after=first_id)),
        "pauses": shift.pauses(store.events(after=first_id)),
    }
    if args.json:
        sys.stdout.write("\n], " + json.dumps({"records": records}, ensure_ascii=False, indent=2)[1:] + "\n")
        return EXIT_OK
    for run in records["checklist_runs"]:
        verdict = f"迟 {run['late_minutes']} 分钟" if run["late"] else "按时"
        failed = f"，不合格：{'、'.join(run['failed'])}" if run["failed"] else ""
        fast = "，用时过短（请班组长复核）" if run["fast"] else ""
        print(f"班前检查：{run['clerk']} {run['submitted_at']} 提交，{verdict}{failed}{fast}")
    for record in records["overtime"]:
        print(f"延时服务：{record['start']} 至 {record['end']}，服务 {record['served']} 人")
    for arrival in records["late_arrivals"]:
        print(f"迟到：{arrival['clerk']} {arrival['signed_in_at']} 签到，迟 {arrival['late_minutes']} 分钟")
    for leaving in records["early_departures"]:
        print(
            f"提前签退：{leaving['clerk']} {leaving['at']}（{leaving['reason']}），未到下班时间 {leaving['closing']}"
        )
    for pause in records["pauses"]:
        if pause["overtime"]:
            print(f"延时服务中暂停：{pause['at']}（{pause['reason']}），仍有 {pause['waiting']} 人等候")
    return EXIT_OK


def _behind_the_log(store, at: datetime) -> str:
    """Why a line dated more than a second before the last recorded event is not run ("" when it may be)."""
    from assistant.edges.clockwatch import BACKWARD_SLACK_SECONDS

    last = store.last_at()
    if last is None or (at - datetime.fromisoformat(last)).total_seconds() >= -BACKWARD_SLACK_SECONDS:
        return ""
    return f"时间 {at.isoformat(timespec='seconds')} 早于数据文件中最后一条记录（{last[:19]}），不能补记到它之前。"


def _print_replay_result(result: dict[str, Any]) -> None:
    head = f"第 {result['line']} 行 {result['at']} {result['cmd']}："
    if result["ok"]:
        print(head + "已接受", flush=True)
    else:
        print(head + f"被拒绝（{result['reason']}）{result['message']}", flush=True)


def _open_text(path: Path):
    try:
        return path.open("rb")  # decoded line by line in _read_replay
    except OSError as exc:
        raise UsageError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc


def cmd_status(args: argparse.Namespace) -> int:
    from assistant.domain.rules import replay
    from assistant.store.event_log import StoreUnreadable

    try:
        state = read_store(args, lambda store: replay(store.events()))
    except StoreUnreadable as exc:
        raise UsageError(str(exc)) from exc
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
    print(
        f"签到：{state.clerk or '未签到'}"
        + (f"（{state.role}，{state.window or '未设窗口'}）" if state.clerk else "")
    )
    print(
        f"班前检查：{'已提交 ' + state.checklist_submitted_at if state.checklist_submitted_at else '未完成'}"
    )
    if state.interaction:
        print(f"接待中：第 {state.interaction.number} 位，环节 {state.interaction.step}")
    print(f"等候人数：{state.waiting}")
    if state.pause:
        print(f"暂停服务：{state.pause.reason}（自 {state.pause.since}）")
    return EXIT_OK


# ─── lint (issue 7) ─────────────────────────────────────────────────────────────────────────────


def cmd_lint(args: argparse.Namespace) -> int:
    from assistant.domain.guard import Guard, lint_record

    if args.jsonl == (args.text is not None):
        raise UsageError("请给出要检查的文字，或用 --jsonl 从标准输入逐行读取（二者选一）。")
    guard = Guard.from_scripts(load_scripts_reporting(args))
    if args.jsonl:
        for raw in sys.stdin.buffer:  # UTF-8 whatever the locale says
            text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff").rstrip("\r\n")
            sys.stdout.write(json.dumps(lint_record(guard, text), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return EXIT_OK
    record = lint_record(guard, args.text)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
        return EXIT_FLAGGED if record["flagged"] else EXIT_OK
    if not record["flagged"]:
        print("未发现服务忌语。")
    for hit in record["hits"]:
        said = args.text[hit["start"] : hit["end"]]
        print(
            f"{hit['rule']} 第 {hit['start'] + 1}–{hit['end']} 字“{said}”：第 60 条禁止的服务忌语；"
            f"请改用：{hit['suggestion']}"
        )
    return EXIT_FLAGGED if record["flagged"] else EXIT_OK


def cmd_diagnostics(args: argparse.Namespace) -> int:
    from assistant.edges.logbook import diagnostics

    print(diagnostics(paths.data_dir(), args.db or paths.default_db_path(), args.scripts), end="")
    return EXIT_OK


COMMANDS = {
    "phrases": cmd_phrases,
    "render": cmd_render,
    "say": cmd_say,
    "verify-log": cmd_verify_log,
    "seal": cmd_seal,
    "replay": cmd_replay,
    "status": cmd_status,
    "lint": cmd_lint,
    "diagnostics": cmd_diagnostics,
    **review_cli.COMMANDS,
    **privacy.COMMANDS,
    **hall.COMMANDS,
}
