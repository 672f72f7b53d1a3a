"""A window manager's focus for tests: which window has it, and whether it gives it back when asked."""

from __future__ import annotations


class FakeDesktopFocus:
    """The focused window of a desktop; `obeys` False models a window manager that ignores
    `_NET_ACTIVE_WINDOW` requests (the focus stays where it is)."""

    def __init__(self, focused: int = 100) -> None:
        self.focused = focused
        self.obeys = True


class FakeFocusReturn:
    """FocusReturn's interface (remember / current / restore) over a FakeDesktopFocus."""

    def __init__(self, desktop: FakeDesktopFocus) -> None:
        self.desktop = desktop
        self.window: int | None = None
        self.restores = 0

    def remember(self) -> int | None:
        self.window = self.current()
        return self.window

    def current(self) -> int | None:
        return self.desktop.focused

    def restore(self) -> bool:
        self.restores += 1
        if self.window and self.desktop.obeys:
            self.desktop.focused = self.window
        return bool(self.window)
