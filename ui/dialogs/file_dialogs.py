"""File dialogs that never open a file the user browses past — above all the database files.

On POSIX, closing ANY descriptor of a database file drops every lock this process holds on it (SQLite's "How To
Corrupt An SQLite Database File", §2.2): another process then deletes the -wal and -shm this process writes.
Qt's own dialog may open files to guess their type (MIME sniffing for icons and the type column) and a desktop's
native dialog (GTK) loads code that reads files in this process. So these dialogs:

* are Qt's widget dialog, never the native one;
* get icons and type names from the entry's kind alone (folder or file), never from its content;
* do not list the database and its companions at all, wherever the user browses;
* start in the user's documents folder, not in the data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QFileInfo,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    QStandardPaths,
)
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle, QWidget


class _IconsByKind(QAbstractFileIconProvider):
    """A folder or a file icon from the entry's kind (a stat), never from the file's content."""

    def __init__(self) -> None:
        super().__init__()
        style = QApplication.style()
        self._folder = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def icon(self, what: object) -> QIcon:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            return self._folder if what.isDir() else self._file
        if what == QAbstractFileIconProvider.IconType.File:
            return self._file
        return self._folder

    def type(self, info: QFileInfo) -> str:  # type: ignore[override]
        return (
            QCoreApplication.translate("FileDialogs", "文件夹")
            if info.isDir()
            else QCoreApplication.translate("FileDialogs", "文件")
        )


class _WithoutStoreFiles(QSortFilterProxyModel):
    """Hides the database and every file named after it (-wal, -shm, -journal, set-aside copies)."""

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folder = db_path.parent
        self._name = db_path.name

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        index = model.index(row, 0, parent)
        path = model.filePath(index) if hasattr(model, "filePath") else ""
        if not path or not os.path.basename(path).startswith(self._name):
            return True
        try:
            return not os.path.samefile(os.path.dirname(path), self._folder)
        except OSError:
            return True


def documents_folder() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(
        Path.home()
    )


def _dialog(parent: QWidget | None, title: str, db_path: Path) -> QFileDialog:
    dialog = QFileDialog(parent, title, documents_folder())
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setOption(QFileDialog.Option.DontUseCustomDirectoryIcons, True)
    dialog.setOption(QFileDialog.Option.DontResolveSymlinks, True)
    icons = _IconsByKind()
    dialog.setIconProvider(icons)
    dialog.setProxyModel(_WithoutStoreFiles(db_path, dialog))
    dialog._icons = icons  # type: ignore[attr-defined]  # the dialog does not own its icon provider
    return dialog


def save_file(parent: QWidget | None, title: str, suggested: str, pattern: str, db_path: Path) -> str:
    """The path the user chose to save to, or "" when cancelled."""
    dialog = _dialog(parent, title, db_path)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilter(pattern)
    dialog.selectFile(suggested)
    dialog.setObjectName("saveFileDialog")
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]


def choose_folder(parent: QWidget | None, title: str, db_path: Path) -> str:
    """The folder the user chose, or "" when cancelled."""
    dialog = _dialog(parent, title, db_path)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialog.setObjectName("chooseFolderDialog")
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]


def open_file(parent: QWidget | None, title: str, db_path: Path) -> str:
    """An existing file the user chose to read (the lead's verification key), or "" when cancelled."""
    dialog = _dialog(parent, title, db_path)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setObjectName("openFileDialog")
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]
