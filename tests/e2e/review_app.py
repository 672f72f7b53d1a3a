"""The lead's review window on a real X server, for the strace test: python review_app.py DB.

Prints "READY x y" (the global centre of the 导出… button) once shown, then runs until the window closes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer

from assistant.config.scripts import load_scripts
from assistant.desk import Desk
from assistant.edges.clock import SystemClock
from assistant.store.event_log import EventStore
from ui.application import make_application
from ui.review.window import ReviewWindow


def main() -> int:
    app = make_application()
    store = EventStore.open(Path(sys.argv[1]))
    desk = Desk(store, load_scripts(), SystemClock())
    desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"})
    window = ReviewWindow(desk)
    window.move(0, 0)
    window.show()

    def ready() -> None:
        button = window.export_button
        centre = button.mapToGlobal(QPoint(button.width() // 2, button.height() // 2))
        print(f"READY {centre.x()} {centre.y()}", flush=True)

    QTimer.singleShot(300, ready)
    try:
        return app.exec()
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
