"""The sidebar shows the hall's status (pytest-qt, offscreen) while the pusher works in the background."""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QLabel, QWidget  # noqa: E402

from assistant.hall import admin as hall_admin
from assistant.hall import config as hall_config
from assistant.hall import pusher as hall_pusher  # noqa: E402
from tests.conftest import ready_desk  # noqa: E402


def test_the_sidebar_message_shows_sync_and_outage(qtbot, pg_cluster, hall_url, desk, store):
    from ui.app import start_hall_sync

    with hall_config.connect(hall_url) as conn:
        code = hall_admin.enrol(
            conn, "社保3号窗口", host="127.0.0.1", port=pg_cluster.port, sslmode="disable"
        ).code
    hall_admin.join(code, store.path)
    sidebar = QWidget()
    sidebar.message = QLabel()
    qtbot.addWidget(sidebar)
    ready_desk(desk)
    pusher = start_hall_sync(argparse.Namespace(scripts=None), store, desk, sidebar)
    try:
        assert pusher is not None and pusher.terminal == "社保3号窗口#1"
        qtbot.waitUntil(lambda: "已同步" in sidebar.message.text(), timeout=60000)
        pg_cluster.stop()
        try:
            desk.execute("interaction_start")  # wakes the pusher, which finds the hall gone
            qtbot.waitUntil(lambda: "连不上" in sidebar.message.text(), timeout=60000)
        finally:
            pg_cluster.start()
    finally:
        pusher.stop()
    assert pusher.status().state == hall_pusher.STOPPED


def test_no_hall_configured_no_pusher(qtbot, monkeypatch, desk, store):
    from ui.app import start_hall_sync

    monkeypatch.delenv(hall_config.ENV_URL, raising=False)
    sidebar = QWidget()
    sidebar.message = QLabel("之前的提示")
    qtbot.addWidget(sidebar)
    assert start_hall_sync(argparse.Namespace(scripts=None), store, desk, sidebar) is None
    assert sidebar.message.text() == "之前的提示"


def test_the_lead_logs_in_to_the_hall_through_dialogs_password_hidden(qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

    from ui.review.window import ask_hall_login

    answers = ["lead_zhang", "s3cret"]
    seen: list[tuple[str, QLineEdit.EchoMode]] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog) and answers:
            seen.append((dialog.labelText(), dialog.textEchoMode()))
            dialog.setTextValue(answers.pop(0))
            dialog.accept()

    timer = QTimer()
    timer.timeout.connect(answer)
    timer.start(20)
    try:
        assert ask_hall_login("postgresql://srv/hall", None) == ("lead_zhang", "s3cret")
        answers.append("again")
        assert ask_hall_login("postgresql://lead_wang@srv/hall", "lead_wang") == ("lead_wang", "again")
    finally:
        timer.stop()
    assert [echo for _, echo in seen] == [
        QLineEdit.EchoMode.Normal,
        QLineEdit.EchoMode.Password,
        QLineEdit.EchoMode.Password,
    ]
    assert "lead_zhang" in seen[1][0] and "lead_wang" in seen[2][0]
