"""One sidebar per database: a second start is refused with a Chinese message, and the running one shows itself.

Two sidebars recording into one file would each show a desk the other changes under it (and two clerks'
records under one window). The lock is a QLockFile in the user's runtime folder, named after the database's
full path (never a file next to the database: nothing but SQLite touches the data folder's database files);
a lock left by a crashed sidebar is taken over (QLockFile checks that its process is gone). The running
sidebar listens on a local socket of the same name and answers "shown" when asked to show itself.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QLockFile, QObject, QStandardPaths
from PySide6.QtNetwork import QLocalServer, QLocalSocket

_ASK = b"show\n"
_SHOWN = b"shown\n"
_WAIT_MS = 2000


def _name(db: Path) -> str:
    digest = hashlib.sha256(os.path.abspath(db).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"window-assistant-{digest}"


class SingleInstance(QObject):
    """Hold it for as long as the sidebar runs on `db`."""

    def __init__(self, db: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = _name(db)
        folder = (
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.RuntimeLocation)
            or tempfile.gettempdir()
        )
        self._lock = QLockFile(str(Path(folder) / f"{self.name}.lock"))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, however long it ran
        self._server: QLocalServer | None = None
        self.on_show: Callable[[], None] | None = None

    def acquire(self) -> bool:
        """True when this is the only sidebar on the database (then it listens for later starts)."""
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by a sidebar that crashed
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)
        self._server.listen(self.name)
        return True

    def ask_running_to_show(self) -> bool:
        """Ask the sidebar that holds the database to show itself; True when it answered."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(_WAIT_MS):
            return False
        socket.write(QByteArray(_ASK))
        socket.flush()
        answered = socket.waitForReadyRead(_WAIT_MS) and bytes(socket.readAll().data()) == _SHOWN
        socket.disconnectFromServer()
        return answered

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_ask(s))

    def _on_ask(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()) != _ASK:
            socket.disconnectFromServer()
            return
        if self.on_show is not None:
            self.on_show()
        socket.write(QByteArray(_SHOWN))
        socket.flush()
        socket.disconnectFromServer()

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
        self._lock.unlock()
