"""The bridge from a global-hotkey backend to Qt: activations arrive as the `activated` signal.

A backend with a file descriptor (X11) is watched by a QSocketNotifier, so its events are read on the GUI
thread; a backend that reads Windows messages (RegisterHotKey) gets WM_HOTKEY through the application's native
event filter (ui/platform/native_messages.py), also on the GUI thread. Either way `activated` is emitted there,
directly: on Windows the slot runs inside the handling of WM_HOTKEY, while the system still lets us take the
foreground.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from assistant.edges.hotkeys import DEFAULT_HOTKEYS, HotkeyBackend, choose_backend, register_map


class HotkeyBridge(QObject):
    """Registers the hotkey map; `activated(action)` on the GUI thread; `problems` lists conflicts."""

    activated = Signal(str)

    def __init__(
        self,
        backend: HotkeyBackend | None,
        mapping: Mapping[str, str] = DEFAULT_HOTKEYS,
        reason: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.problems: list[str] = (
            [] if backend is not None else [reason or "全局热键不可用，请使用窗口内快捷键。"]
        )
        self._notifier: QSocketNotifier | None = None
        self._native = None
        if backend is None:
            return
        self.problems = register_map(backend, mapping, self._deliver)
        if backend.native_messages:
            from ui.platform import native_messages

            self._native = native_messages.shared()
            self._native.handlers.append(self._on_native)
        fd = backend.fileno()
        if fd is not None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Read, self)
            self._notifier.activated.connect(self._dispatch)
            backend.dispatch()  # anything already queued before the notifier existed

    @classmethod
    def for_this_desktop(
        cls, mapping: Mapping[str, str] = DEFAULT_HOTKEYS, parent: QObject | None = None
    ) -> HotkeyBridge:
        backend, reason = choose_backend()
        return cls(backend, mapping, reason, parent)

    @property
    def status(self) -> str:
        """One Chinese line for the status bar: empty when every hotkey works."""
        return "；".join(self.problems)

    def _dispatch(self, *_args) -> None:
        if self.backend is not None:
            self.backend.dispatch()

    def _on_native(self, _hwnd: int, message: int, wparam: int, _lparam: int) -> bool:
        return self.backend is not None and self.backend.native_message(message, wparam)

    def _deliver(self, action: str) -> None:
        self.activated.emit(action)

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
        if self._native is not None and self._on_native in self._native.handlers:
            self._native.handlers.remove(self._on_native)
        if self.backend is not None:
            self.backend.close()
            self.backend = None
