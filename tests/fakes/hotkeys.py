"""A hotkey backend for tests: `trigger(combo)` acts as if the clerk pressed it."""

from __future__ import annotations

from assistant.edges.hotkeys import Callback, HotkeyBackend, parse_combo


class FakeBackend(HotkeyBackend):
    """For tests: `trigger(combo)` acts as if the clerk pressed it; `taken` simulates other programs' grabs."""

    name = "fake"

    def __init__(self, taken: tuple[str, ...] = ()) -> None:
        self.taken = {parse_combo(c) for c in taken}
        self.registered: dict[tuple[frozenset[str], str], tuple[str, Callback]] = {}

    def register(self, combo: str, action: str, callback: Callback) -> str | None:
        key = parse_combo(combo)
        if key in self.taken or key in self.registered:
            return f"热键 {combo} 已被其他程序占用，未能注册。"
        self.registered[key] = (action, callback)
        return None

    def unregister_all(self) -> None:
        self.registered.clear()

    def trigger(self, combo: str) -> bool:
        found = self.registered.get(parse_combo(combo))
        if found is None:
            return False
        action, callback = found
        callback(action)
        return True
