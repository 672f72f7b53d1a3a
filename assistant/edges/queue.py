"""Reading the number of people waiting from a queue system (叫号系统): a small interface and a file adapter.

A hall's queue system can usually write a text file or be wrapped in a few lines; the sidebar polls
`QueueSource.waiting()` and records `waiting_set` when the number changes. Without an adapter the clerk
sets the number with + and −.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol


class QueueSource(Protocol):
    """Anything that can say how many people are waiting for this window; None = unknown right now."""

    def waiting(self) -> int | None: ...


class FileQueue:
    """Reads the waiting count from a file: a bare integer ("3") or JSON ({"waiting": 3}, optionally per window).

    A JSON object may hold `{"windows": {"社保3号窗口": 3, ...}}`; then the count of `window` is used.
    Missing, unreadable or malformed files give None, so a broken queue system never stops the sidebar.
    """

    def __init__(self, path: Path, window: str | None = None) -> None:
        self.path = Path(path)
        self.window = window

    def waiting(self) -> int | None:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        if isinstance(value, dict):
            windows = value.get("windows")
            if self.window and isinstance(windows, dict) and self.window in windows:
                value = windows[self.window]
            else:
                value = value.get("waiting")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
            return None
        return value
