"""Where the app keeps its files on each system, and writing a file over another that may be in use.

Windows: `%LOCALAPPDATA%\\window-assistant`. Not the roaming `%APPDATA%`: domains often redirect it to a
network share (SMB), where SQLite's WAL mode does not work and a lost connection corrupts the database.
Earlier versions used `%APPDATA%`; `migrate_legacy_data()` moves that folder on the first start (database
with its `-wal`/`-shm`, PIN, terminal id, favourites, caches) and leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from assistant.config import registry

APP_DIR_NAME = "window-assistant"
_MIGRATING = ".migrating"
_MOVING = ".moving"

# os.replace over a file another process holds open fails on Windows with ERROR_SHARING_VIOLATION
# (winerror 32) or ERROR_ACCESS_DENIED (5), both PermissionError; antivirus scanners and indexers hold
# files for a moment after they are written. Retry with doubling waits, about 2.5 seconds in all.
REPLACE_ATTEMPTS = 8
REPLACE_FIRST_DELAY_S = 0.02
# What the packaged app carries beside its programs for PCs that lack them (packaging/build.py puts them there):
# espeak-ng as a program of its own with its Mandarin data, and a CJK font for the UI and the pdf writer.
BUNDLED_SPEECH = "espeak-ng"
BUNDLED_FONT = "fonts/NotoSansCJK-Regular.ttc"


def data_dir(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The user's data folder for this app (created on first use by the store)."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    if override := registry.env("WA_DATA_DIR", env):
        return Path(override)
    if platform == "win32":
        local = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / APP_DIR_NAME
        legacy = legacy_data_dir(platform, env)
        if legacy is not None and legacy.is_dir() and not local.exists():
            return legacy  # not moved yet (it was in use at start): keep to it rather than split the records
        return local
    if platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP_DIR_NAME


def default_db_path() -> Path:
    """The embedded SQLite database used when no --db is given."""
    return data_dir() / "assistant.db"


def legacy_data_dir(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """Where earlier versions kept the data (the roaming %APPDATA% on Windows); None elsewhere."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    if platform != "win32" or env.get("WA_DATA_DIR") or not env.get("APPDATA"):
        return None
    return Path(env["APPDATA"]) / APP_DIR_NAME


def migrate_legacy_data(platform: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """Move the roaming data folder to the local one, once; a Chinese notice of what happened, or None.

    1. The old folder is renamed to `<name>.moving`: Windows refuses to rename a folder while a file in it is
       open, so a copy of the program still running on it is noticed, nothing is moved, and `data_dir()` keeps
       to the old folder for this run.
    2. It is copied whole into a staging folder beside the new place, which is then renamed into place (the
       database never arrives without its `-wal`), and only then is the old copy removed.
    When the new folder already exists the old one is left untouched and named, never merged over newer data.
    """
    old = legacy_data_dir(platform, environ)
    if old is None:
        return None
    moving = old.with_name(old.name + _MOVING)
    if moving.is_dir() and not old.exists():  # a move cut off before it finished: start it again
        os.rename(moving, old)
    if not old.is_dir():
        return None
    local = (
        Path(
            (os.environ if environ is None else environ).get("LOCALAPPDATA")
            or Path.home() / "AppData" / "Local"
        )
        / APP_DIR_NAME
    )
    if local.exists():
        return f"旧的数据文件夹 {old} 仍在，而新的数据文件夹 {local} 已有数据，未合并；请管理员核对后删除旧文件夹。"
    try:
        os.rename(old, moving)
    except OSError as exc:
        return (
            f"旧的数据文件夹 {old} 正被使用（{exc.strerror or exc}），本次仍用它；"
            f"关闭所有助手窗口后重新启动，数据会移到 {local}。"
        )
    staging = local.with_name(local.name + _MIGRATING)
    try:
        shutil.rmtree(staging, ignore_errors=True)  # left by an attempt that was cut off
        shutil.copytree(moving, staging)
        os.replace(staging, local)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        os.rename(moving, old)
        return f"无法把数据从 {old} 移到 {local}（{exc.strerror or exc}），本次仍用原位置；请检查磁盘空间后重新启动。"
    try:
        shutil.rmtree(moving)
    except OSError as exc:
        return (
            f"数据已移到 {local}，但旧文件夹 {moving} 未能删除（{exc.strerror or exc}），请管理员手工删除。"
        )
    return f"数据文件夹已从 {old} 移到 {local}（本机目录，不随漫游配置同步）。"


class FileInUseError(OSError):
    """A file could not be replaced because another program holds it; the message is Chinese."""


def replace_file(source: Path | str, target: Path | str, attempts: int = REPLACE_ATTEMPTS) -> None:
    """`os.replace(source, target)`, retried while another program holds the target; then FileInUseError
    (and `source` removed). Every write of ours that publishes a finished file goes through here."""
    delay = REPLACE_FIRST_DELAY_S
    for attempt in range(attempts):
        try:
            os.replace(source, target)
            return
        except PermissionError as exc:
            if attempt == attempts - 1:
                Path(source).unlink(missing_ok=True)
                winerror = getattr(exc, "winerror", None)  # set on Windows only
                code = f"，Windows 错误 {winerror}" if winerror else ""
                raise FileInUseError(
                    f"文件 {target} 正被其他程序占用（如杀毒软件或打开它的程序{code}），"
                    "未能保存；请关闭占用它的程序后重试。"
                ) from exc
            time.sleep(delay)
            delay *= 2


def bundle_dir() -> Path | None:
    """The packaged app's folder (packaging/, docs/packaging.md); None when run from the sources."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return None


def bundled(name: str) -> Path | None:
    """A file or folder that the packaged app carries beside its programs (the speech engine, the CJK font)."""
    folder = bundle_dir()
    if folder is None or not (folder / name).exists():
        return None
    return folder / name


def build_info() -> dict:
    """The packaged app's BUILD-INFO.json (empty when run from the sources or when it cannot be read)."""
    import json

    path = bundled("BUILD-INFO.json")
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
