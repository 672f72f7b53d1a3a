"""Starting the GUI: the application object, the store, the scripts, the main window."""
# ruff: noqa: I001  (the core is imported before PySide6 on purpose, see below)

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sqlite3
import tempfile
from pathlib import Path

# The core first: modules imported after PySide6 are each inspected by its feature hook, which costs
# start-up time for nothing (assistant/ never uses Qt).
from assistant.config import paths, registry
from assistant.edges.clock import SystemClock
from assistant.edges.clockwatch import ClockWatch
from assistant.config.settings import Settings, load_settings
from assistant.desk import Desk
from assistant.config.scripts import load_scripts
from assistant.store.event_log import EventStore, StoreError
from assistant.domain.hours import calendar_notice

from PySide6.QtCore import QEvent, QObject

from ui.application import make_application

log = logging.getLogger(__name__)


def _cannot_write(store: EventStore) -> str:
    """Why nothing could be recorded in `store` (Chinese), or "" when it takes writes.

    A file the user may read but not write opens fine and only fails at the first record: better to find
    out now, while another place can still be chosen. In WAL mode the write lock lives in the -shm file, so
    BEGIN IMMEDIATE alone succeeds on a read-only database: the probe rewrites the schema version with its
    own value and rolls back (nothing changes). It never waits for another writer (not a reason to move).
    """
    conn = store.conn
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("BEGIN IMMEDIATE")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return ""
        if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")):
            return f"数据文件 {store.path} 只能读取，不能写入（文件或所在文件夹只读）；原文件未改动"
        return f"数据文件 {store.path} 无法写入（{exc}）；原文件未改动"
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    return ""


def _memory_store() -> EventStore:
    """The last resort: a store in memory, so the sidebar still works; it is lost when the program ends."""
    from assistant.store import event_log as store_module

    conn = sqlite3.connect(":memory:", isolation_level=None)
    store_module._migrate(conn)
    return EventStore(Path(":memory:"), conn, [])


def open_store_for_gui(wanted: Path) -> tuple[EventStore, list[str]]:
    """Open the store at `wanted`; if it cannot be opened or written, record in a fallback file and say where.

    Nothing is deleted or changed at a place that cannot be used; when no place on disk can be written the
    sidebar still starts (in memory) and says plainly that nothing will be kept.
    """
    notices: list[str] = []
    candidates = [wanted, paths.default_db_path(), Path(tempfile.gettempdir()) / "window-assistant.db"]
    for path in dict.fromkeys(candidates):
        try:
            store = EventStore.open(path)
        except StoreError as exc:
            notices.append(str(exc))
            continue
        why = _cannot_write(store)
        if why:
            notices.extend(store.notices)
            store.close()
            notices.append(why)
            continue
        if path != wanted:
            notices.append(f"记录暂存到 {path}，请联系管理员处理上面的问题。")
        return store, notices + list(store.notices)
    notices.append("所有位置都无法保存记录：本次的记录只保存在内存中，关闭程序后将丢失。请立即联系管理员。")
    return _memory_store(), notices


class _FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            os._exit(0)  # the window is on screen: that is the moment the benchmark times
        return False


def exit_on_first_paint(widget) -> None:
    """End the process the moment `widget` first paints (benchmarks/startup.py times this)."""
    widget._first_paint = _FirstPaint(widget)
    widget.installEventFilter(widget._first_paint)


def start_hall_sync(args: argparse.Namespace, store: EventStore, desk: Desk, sidebar):
    """With a hall configured (--hall, settings, WA_HALL): push in the background and show its status
    changes on the sidebar's message line. Returns the pusher (stop it at exit) or None."""
    from assistant.hall import pusher as hall_pusher

    pusher, notice = hall_pusher.pusher_for_gui(getattr(args, "hall", None), args.scripts, store.path)
    if notice:
        sidebar.message.setText(notice)
    if pusher is None:
        return None
    desk.subscribe(pusher.wake)
    from PySide6.QtCore import QTimer

    shown: list = [None]

    tolerance = desk.watch.tolerance_seconds if desk.watch is not None else Settings.drift_tolerance_seconds
    noted_offset: list = [None]

    def show() -> None:
        status = pusher.status()
        offset = status.clock_offset
        # a reconnect measures a slightly different offset: record again only when it has really moved
        if offset is not None and (noted_offset[0] is None or abs(offset - noted_offset[0]) > tolerance):
            noted_offset[0] = offset
            if desk.note_hall_clock(status.clock_offset, tolerance) is not None:
                sidebar.message.setText(
                    f"本机时钟与大厅服务器相差 {status.clock_offset:+.0f} 秒，已记录；请联系管理员校准时间。"
                )
                return
        note = hall_pusher.sidebar_note(shown[0], status)
        if status.state not in (hall_pusher.CONNECTING, hall_pusher.STOPPED):
            shown[0] = status
        if note:
            sidebar.message.setText(note)

    sidebar.hall_timer = QTimer(sidebar)
    sidebar.hall_timer.timeout.connect(show)
    sidebar.hall_timer.start(1000)
    return pusher


def run_gui(args: argparse.Namespace) -> int:
    """Start the sidebar and run until it is closed."""
    from ui.shell import build_shell

    from ui.platform.single_instance import SingleInstance

    app = make_application()
    wanted = args.db or paths.default_db_path()
    instance = SingleInstance(wanted)
    if not instance.acquire():
        shown = instance.ask_running_to_show()
        message = (
            f"窗口服务助手已经在使用数据文件 {wanted}"
            + ("，已切换到正在运行的助手。" if shown else "（正在启动或没有响应，请稍候再试）。")
            + "同一个数据文件只能由一个助手使用。"
        )
        log.error("错误：%s", message)
        return 3
    scripts = load_scripts(args.scripts)
    store, notices = open_store_for_gui(wanted)
    notices = [*getattr(args, "startup_notices", ()), *notices]
    for line in [str(p) for p in scripts.problems] + notices:
        log.warning("注意：%s", line)
    clock = SystemClock()
    # the holiday calendar running out is also told to a console that starts the sidebar
    if calendar := calendar_notice(scripts.hours, clock.now().date()):
        log.warning("注意：%s", calendar)
    settings = load_settings(args.scripts)
    desk = Desk(
        store, scripts, clock, watch=ClockWatch(clock, tolerance_seconds=settings.drift_tolerance_seconds)
    )
    window = build_shell(
        app, desk, [str(p) for p in scripts.problems] + notices, args.lang, scripts_dir=args.scripts
    )
    if registry.env("WA_EXIT_AFTER_SHOWN"):  # the start-up benchmark's finishing lines
        exit_on_first_paint(window)
    if registry.env("WA_EXIT_AFTER_READY"):
        window.shell.ready.connect(lambda: os._exit(0))
    # the hall module (and psycopg) only where a hall is configured: most terminals start without it
    from assistant.hall.config import enrolment_path  # standard library only

    hall_wanted = (
        getattr(args, "hall", None)
        or settings.hall_url
        or registry.env("WA_HALL")
        or enrolment_path(store.path).exists()
    )
    pusher = start_hall_sync(args, store, desk, window) if hall_wanted else None
    instance.on_show = window.shell.show_to_clerk
    try:
        return app.exec()
    finally:
        if pusher is not None:
            pusher.stop()
        window.shell.close()
        store.close()
        instance.release()
        # The application (and with it the clipboard holding a phrase pasted last) is destroyed now, while Python
        # runs, not by Qt's exit handlers after Python has gone (which crashes the process on its way out).
        app.shutdown()
