"""The program's own log, for support: the Windows build is windowed, so what goes to stderr is lost.

`start` routes the standard `logging` to a rotating file in the data folder (`logs/window-assistant.log`, 5 × 1 MiB)
and to stderr, logs every uncaught exception of every thread (`sys.excepthook`, `threading.excepthook`) and has
`faulthandler` write the stacks of a hard crash (a segfault in Qt, a hang killed by a watchdog) to
`logs/faults.log`. `diagnostics` is what "复制诊断信息" copies: versions, paths, the log's tail. It never opens a
database file (SQLite alone may, in a process that records: closing any other descriptor drops its locks); their
sizes come from `os.stat`.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import platform
import sys
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TextIO

LOG_FILE = "window-assistant.log"
FAULT_FILE = "faults.log"
_MAX_BYTES, _BACKUPS = 2**20, 4
_TAIL_LINES = 80

log = logging.getLogger("window_assistant")
_fault_file: TextIO | None = None  # kept open: faulthandler writes to its descriptor when the process dies


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "logs"


def start(data_dir: Path, program: str) -> Path | None:
    """Log to `<data_dir>/logs` (and stderr) from now on; the log file, or None when it cannot be written."""
    global _fault_file
    root = logging.getLogger()
    if any(getattr(h, "_window_assistant", False) for h in root.handlers):
        return _current_file(root.handlers)
    root.setLevel(logging.INFO)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(message)s"))
    console._window_assistant = True  # type: ignore[attr-defined]
    root.addHandler(console)
    folder = log_dir(data_dir)
    path: Path | None = folder / LOG_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / LOG_FILE, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s")
        )
        handler._window_assistant = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        _fault_file = (folder / FAULT_FILE).open("a", encoding="utf-8")
        _fault_file.write(f"--- {datetime.now().isoformat(timespec='seconds')} {program} pid {os.getpid()}\n")
        _fault_file.flush()
        faulthandler.enable(_fault_file, all_threads=True)
    except OSError as exc:
        log.warning("注意：日志无法写入 %s（%s），只输出到终端。", folder, exc.strerror or exc)
        path = None
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    # cheap at start-up: platform.platform() reads the interpreter's binary, metadata scans sys.path
    log.info(
        "%s 启动：Python %s，%s %s", program, platform.python_version(), platform.system(), platform.release()
    )
    return path


def _current_file(handlers: Iterable[logging.Handler]) -> Path | None:
    for handler in handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    log.critical("未处理的异常", exc_info=(kind, value, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    log.critical("线程 %s 中未处理的异常", name, exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def _versions() -> str:
    try:
        from importlib.metadata import version

        ours = version("window-assistant")
    except Exception:  # the packaged app carries no metadata
        ours = "未知"
    frozen = "，打包版" if getattr(sys, "frozen", False) else ""
    return f"窗口服务助手 {ours}{frozen}；Python {platform.python_version()}；{platform.platform()}"


def _size(path: Path) -> str:
    try:
        return f"{os.stat(path).st_size} 字节"  # stat only: the file itself is never opened here
    except OSError as exc:
        return f"无（{exc.strerror or exc}）"


def _tail(path: Path, lines: int = _TAIL_LINES) -> list[str]:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 200 * lines))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def diagnostics(data_dir: Path, db: Path, scripts_dir: Path | None, extra: Iterable[str] = ()) -> str:
    """What support needs to know, as text to paste: versions, paths and sizes, the WA_* variables set (names
    only: a PIN or a hall password is never shown), and the tail of the log and of the fault log."""
    folder = log_dir(data_dir)
    lines = [
        f"时间：{datetime.now().astimezone().isoformat(timespec='seconds')}",
        _versions(),
        *extra,
        f"数据文件夹：{data_dir}",
        f"数据文件：{db}（{_size(db)}；-wal {_size(Path(str(db) + '-wal'))}）",
        f"话术文件夹：{scripts_dir or '内置'}",
        f"日志：{folder / LOG_FILE}",
        "已设置的环境变量：" + ("、".join(sorted(k for k in os.environ if k.startswith("WA_"))) or "无"),
        "",
        f"--- 日志最后 {_TAIL_LINES} 行 ---",
        *_tail(folder / LOG_FILE),
    ]
    faults = _tail(folder / FAULT_FILE, 40)
    if any(not line.startswith("---") for line in faults):
        lines += ["", "--- 崩溃记录 ---", *faults]
    return "\n".join(lines) + "\n"
