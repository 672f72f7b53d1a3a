"""Start the docked sidebar for the Xvfb tests and screenshots: python sidebar_app.py DB SETTINGS [state].

Prints "READY <window id>" once shown. `state` prepares the desk: idle, serving (at 听), paused, collapsed.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

from assistant.config.scripts import load_scripts
from assistant.desk import Desk
from assistant.edges.clock import FixedClock, SystemClock
from assistant.store.event_log import EventStore
from ui.application import make_application
from ui.shell import build_shell


def prepare(desk: Desk, state: str) -> None:
    desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"})
    for item in desk.scripts.checklist.items:
        desk.execute("checklist_item", {"item": item.id, "ok": True})
    desk.execute("checklist_submit")
    desk.execute("waiting_set", {"count": 3})
    if state == "serving":
        desk.execute("interaction_start")
        desk.execute("step", {"step": "ting"})
        desk.execute("matter", {"title": "社保登记", "outcome": "办结"})
        desk.execute("matter", {"title": "退休认定", "outcome": "待答复", "due": "2026-12-01"})
    if state == "paused":
        desk.execute("pause", {"reason": "会议"})


def main() -> int:
    db, settings_path = Path(sys.argv[1]), sys.argv[2]
    state = sys.argv[3] if len(sys.argv) > 3 else "idle"
    lang = sys.argv[4] if len(sys.argv) > 4 else "zh"
    app = make_application()
    store = EventStore.open(db)
    # Screenshots show a working morning, whatever the time they are taken at.
    at = os.environ.get("WA_SCREENSHOT_AT")
    desk = Desk(store, load_scripts(), FixedClock(datetime.fromisoformat(at)) if at else SystemClock())
    if state != "none":
        prepare(desk, state)
    settings = QSettings(settings_path, QSettings.IniFormat)
    settings.setValue("sign/screen", 0)
    sidebar = build_shell(app, desk, [], lang, settings)
    if state == "collapsed":
        sidebar.set_collapsed(True)

    def ready() -> None:
        print("READY", int(sidebar.winId()), datetime.now().isoformat(), flush=True)

    QTimer.singleShot(300, ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
