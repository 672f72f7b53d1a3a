"""Reloading the hall's scripts folder (--scripts) when the hall changes it: phrases, flow, checklist, hours…

A hall deploys its scripts from one shared path; an admin edits a file or copies a new set over it, and
every sidebar picks the change up without a restart. QFileSystemWatcher watches the folder and each of its
files; the reload waits until nothing has changed for DEBOUNCE_MS (an editor or a copy writes in bursts).
Editors and deploy tools often save by writing a temporary file and renaming it over the old one: the
watcher then forgets the old path, so every path is added again after each change. A folder that does not
exist yet is waited for through its parent.

Validation is assistant.config.scripts.load_scripts(): a broken file falls back to the built-in copy and comes back
as a ScriptProblem, shown in the sidebar's problems banner; nothing here raises into Qt's event loop.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from assistant.config.schema import Scripts
from assistant.config.scripts import load_scripts

DEBOUNCE_MS = 500

Loader = Callable[[Path], Scripts]


def snapshot(folder: Path) -> dict[str, str]:
    """What the scripts folder holds now: name → SHA-256 of each file's contents. Contents, not file
    attributes: st_ino is always 0 on Windows, and a copy that keeps times (robocopy) may leave size and
    mtime as they were. The files are small; hashing them all after a change costs a few milliseconds.
    Only the scripts' own files (*.toml) are read: a folder may hold anything else — the database among them,
    which nothing but SQLite may open in this process (closing any descriptor of it drops SQLite's locks).
    Dot-files are left out: the pinyin index cache (assistant/domain/search.py) is written beside the scripts."""
    files: dict[str, str] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return files
    for entry in entries:
        if entry.name.startswith(".") or not entry.name.endswith(".toml"):
            continue
        try:
            if entry.is_file():
                files[entry.name] = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
        except OSError:
            continue
    return files


class ScriptsWatcher(QObject):
    """Watches `folder`; after a change (debounced) loads the scripts again and emits `reloaded(scripts)`.

    `failed(message)` is emitted instead when loading raised (it should not: load_scripts() reports broken
    files as problems; this is the last line of defence so that a bug never takes the sidebar down).
    """

    reloaded = Signal(object)  # assistant.config.schema.Scripts
    failed = Signal(str)  # a Chinese message

    def __init__(
        self,
        folder: Path,
        parent: QObject | None = None,
        loader: Loader = load_scripts,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self._loader = loader
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_change)
        self._watcher.directoryChanged.connect(self._on_change)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.reload_if_changed)
        self._seen = snapshot(self.folder)
        self.rewatch()

    def watched(self) -> list[str]:
        return sorted(self._watcher.files() + self._watcher.directories())

    def rewatch(self) -> None:
        """Watch the folder and each of its files (again: a file renamed over is a new file to the watcher)."""
        wanted = [str(self.folder)] if self.folder.is_dir() else []
        if wanted:
            wanted += [str(self.folder / name) for name in sorted(snapshot(self.folder))]
        elif self.folder.parent.is_dir():
            wanted = [str(self.folder.parent)]  # the folder is not there (yet): notice it when it appears
        current = set(self._watcher.files()) | set(self._watcher.directories())
        stale = [p for p in current if p not in wanted]
        if stale:
            self._watcher.removePaths(stale)
        missing = [p for p in wanted if p not in current]
        if missing:
            self._watcher.addPaths(missing)  # a path that vanished meanwhile is skipped (returned as failed)

    def _on_change(self, _path: str) -> None:
        self.rewatch()
        self._timer.start()  # restarts: the reload happens DEBOUNCE_MS after the last change

    def reload_if_changed(self) -> bool:
        """Reload when the folder's files differ from the last load; whether it did."""
        self.rewatch()
        now = snapshot(self.folder)
        if now == self._seen:
            return False
        self._seen = now
        self.reload()
        return True

    def reload(self) -> None:
        """Load the scripts now and emit `reloaded` (or `failed`)."""
        try:
            scripts = self._loader(self.folder)
        except Exception as exc:  # noqa: BLE001 - the sidebar must survive whatever the hall's files contain
            self.failed.emit(f"话术文件夹 {self.folder} 重新载入失败：{exc}；继续使用原来的话术。")
            return
        self.reloaded.emit(scripts)
