"""Where the app keeps its files on each system."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "window-assistant"


def data_dir() -> Path:
    """The user's data folder for this app (created on first use by the store)."""
    if override := os.environ.get("WA_DATA_DIR"):
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME


def default_db_path() -> Path:
    """The embedded SQLite database used when no --db is given."""
    return data_dir() / "assistant.db"
