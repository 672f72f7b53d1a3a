"""What every sub-command shares: exit codes, the Chinese argument parser, the usage error, the scripts and
store of a call; and the `Front` through which `main.py` lends the command line its widgets."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from assistant.config import paths

if TYPE_CHECKING:
    from assistant.config.schema import Scripts
    from assistant.reports.exporting import PdfWriter
    from assistant.store.event_log import EventStore

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2

# argparse speaks English; the clerks and leads who read these messages do not.
_ARGPARSE_ZH = (
    (re.compile(r"the following arguments are required: (.+)"), r"缺少必需的参数：\1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"无法识别的参数：\1"),
    (
        re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"),
        r"参数 \1 的值 \2 无效，可选：\3",
    ),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1 需要一个值"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.+)"), r"参数 \1 的值 \3 无效"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), r"选项 \1 有歧义，可能是：\2"),
    (re.compile(r"argument (\S+): ignored explicit argument (.+)"), r"参数 \1 不接受值（收到 \2）"),
    (re.compile(r"argument (\S+): expected (.+) arguments?"), r"参数 \1 的值个数不对"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), r"参数 \1 不能与 \2 同时使用"),
)


class UsageError(Exception):
    """A call the program cannot carry out; the message is Chinese."""


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its error messages in Chinese and exit code 2."""

    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _ARGPARSE_ZH:
            message = pattern.sub(replacement, message)
        if not any("\u4e00" <= ch <= "\u9fff" for ch in message):  # a message argparse has not told us of
            message = f"命令行参数有误（{message}）"
        self.exit(EXIT_USAGE, f"错误：{message}\n查看用法：{self.prog} --help\n")


class Front(Protocol):
    """The widgets the command line may start; `main.py` supplies them, the core never imports them."""

    def run_gui(self, args: argparse.Namespace) -> int:
        """The sidebar (no sub-command)."""
        ...

    def run_review(self, args: argparse.Namespace) -> int:
        """The lead's review window (`review`)."""
        ...

    def pdf_writer(self) -> PdfWriter:
        """The writer of `export --format pdf` (Qt draws the PDF)."""
        ...


def front_of(args: argparse.Namespace) -> Front:
    """The widgets lent by `main.py`, or a usage error when the command line runs without them."""
    front = getattr(args, "front", None)
    if front is None:
        raise UsageError("这个操作需要图形界面，请用 main.py 运行。")
    return front


def parse_date(text: str) -> date:
    """A YYYY-MM-DD argument (argparse type); years 1900–2999."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期（YYYY-MM-DD）") from None
    if not 1900 <= value.year <= 2999:  # 0001-01-01 minus a day overflows the date arithmetic (issue 8)
        raise argparse.ArgumentTypeError(f"日期 {text} 超出范围（1900–2999 年）")
    return value


def load_scripts_reporting(args: argparse.Namespace) -> Scripts:
    """The scripts for this call; each problem in a hall's files is a warning on stderr."""
    from assistant.config.scripts import load_scripts

    scripts = load_scripts(args.scripts)
    for problem in scripts.problems:
        print(f"警告：{problem}", file=sys.stderr)
    return scripts


def existing_db(args: argparse.Namespace) -> Path:
    """The database of this call (--db or the default), which must exist: commands other than the sidebar,
    `replay`, `demo-data` and `lead-pin set` never create one. Checked before a PIN is asked for."""
    from assistant.store.event_log import StoreError, StoreMissing, check_path

    db = args.db or paths.default_db_path()
    try:
        if not check_path(db):
            raise StoreMissing(f"数据文件 {db} 不存在（没有可处理的记录）；请用 --db 指定数据文件。")
    except StoreError as exc:
        raise UsageError(str(exc)) from exc
    return db


def open_store(args: argparse.Namespace, *, create: bool = False) -> EventStore:
    """The event store at --db (or the default) for recording; created only when `create`. Notices such as a
    damaged file set aside go to stderr."""
    from assistant.store.event_log import EventStore, StoreError

    try:
        store = EventStore.open(args.db or paths.default_db_path(), create=create)
    except StoreError as exc:
        raise UsageError(str(exc)) from exc
    for notice in store.notices:
        print(f"注意：{notice}", file=sys.stderr)
    return store


def read_store(args: argparse.Namespace, read: Callable[[Any], Any]) -> Any:
    """read(store) on the database opened read-only (nothing migrated, created or moved); read again when a
    writer started meanwhile. StoreUnreadable goes to the caller; other StoreErrors are UsageErrors."""
    from assistant.store.event_log import EventStore, StoreError, StoreUnreadable

    db = args.db or paths.default_db_path()
    for _ in range(3):
        try:
            with EventStore.open_readonly(db) as store:
                result = read(store)
                if store.still_current():
                    return result
        except StoreUnreadable:
            raise
        except StoreError as exc:
            raise UsageError(str(exc)) from exc
    return result
