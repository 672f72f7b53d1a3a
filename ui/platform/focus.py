"""Handing the keyboard focus back to the program the clerk was typing in (X11; elsewhere a no-op).

The sidebar never takes the focus; the few windows that need typing (sign-in, forms) do, and before
anything is inserted they give it back to the window that had it: `remember()` before showing them,
`restore()` after closing them. On X11 this uses python-xlib: `_NET_ACTIVE_WINDOW` (or the input focus)
is read, then asked back for with a `_NET_ACTIVE_WINDOW` client message and `XSetInputFocus`.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication


class FocusReturn:
    """Remembers which X11 window had the focus and gives it back later."""

    def __init__(self) -> None:
        self.window: int | None = None
        self._display = None

    def _open(self):  # pragma: no cover - only under X11
        if QGuiApplication.platformName() != "xcb":
            return None
        if self._display is None:
            try:
                from Xlib import display

                self._display = display.Display()
            except Exception:  # noqa: BLE001 - no X, no python-xlib: nothing to hand back
                return None
        return self._display

    def remember(self) -> int | None:
        """Note the window that has the focus now (None when unknown)."""
        d = self._open()
        self.window = None
        if d is None:
            return None
        try:  # pragma: no cover - only under X11
            from Xlib import X

            root = d.screen().root
            active = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
            wid = int(active.value[0]) if active is not None and len(active.value) else 0
            if not wid:
                focus = d.get_input_focus().focus
                wid = focus.id if hasattr(focus, "id") else 0
            self.window = wid or None
        except Exception:  # noqa: BLE001
            self.window = None
        return self.window

    def restore(self) -> bool:
        """Give the focus back to the remembered window; False when there was none."""
        d = self._open()
        if d is None or not self.window:
            return False
        try:  # pragma: no cover - only under X11
            from Xlib import X, protocol

            root = d.screen().root
            target = d.create_resource_object("window", self.window)
            message = protocol.event.ClientMessage(
                window=target,
                client_type=d.intern_atom("_NET_ACTIVE_WINDOW"),
                data=(32, [2, X.CurrentTime, 0, 0, 0]),
            )
            root.send_event(message, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
            target.set_input_focus(X.RevertToParent, X.CurrentTime)
            d.sync()
            return True
        except Exception:  # noqa: BLE001
            return False
