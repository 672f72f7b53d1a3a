"""A key sender for tests."""

from __future__ import annotations

from ui.platform.paste import KeySender


class FakeSender(KeySender):
    """For tests: records what would have been sent."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def release_modifiers(self) -> None:
        self.calls.append("release")

    def send_paste(self, shift: bool = False) -> None:
        self.calls.append("ctrl+shift+v" if shift else "ctrl+v")
