"""The one place where the desk meets Qt: every command's `Outcome` becomes one Qt signal.

DESIGN's "one signal, widgets redraw": widgets never subscribe to the desk themselves; they connect to
`DeskBridge.of(desk).executed` (like Anki's `operation_did_execute`), so every window that shows the state —
the sidebar, the phrase panel, the closing banner, the review — redraws from the same outcome, in the order
they connected, on the GUI thread.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, Signal

from assistant.desk import Desk, Outcome
from assistant.domain.rules import State


class DeskBridge(QObject):
    """`executed(outcome, state)` after every command the desk ran (accepted or refused)."""

    executed = Signal(object, object)

    _bridges: weakref.WeakKeyDictionary[Desk, DeskBridge] = weakref.WeakKeyDictionary()

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        desk.subscribe(self._relay)

    @classmethod
    def of(cls, desk: Desk) -> DeskBridge:
        """The bridge of `desk` (one per desk, made the first time it is asked for)."""
        bridge = cls._bridges.get(desk)
        if bridge is None:
            bridge = cls._bridges[desk] = cls(desk)
        return bridge

    def _relay(self, outcome: Outcome, state: State) -> None:
        self.executed.emit(outcome, state)
