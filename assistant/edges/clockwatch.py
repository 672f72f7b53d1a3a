"""Watching the PC's wall clock against a monotonic clock: a clerk who moves the clock is on the record.

Lateness, overtime and the 5-minute rules all read the wall clock, which anyone at the PC can change. Between
two checks the wall clock should advance as much as the monotonic clock (which nobody can set); the
difference ``delta = wall elapsed − monotonic elapsed`` is the jump:

* ``delta < -BACKWARD_SLACK_SECONDS``: the clock went back (even a little: a clock set back 3 minutes turns a
  late arrival into a punctual one);
* ``delta > tolerance``: the clock went forward by more than the drift tolerance (default 120 s, the hall's
  ``settings.toml`` ``[clock] drift_tolerance_seconds``).

Each jump is a :class:`ClockJump`; the desk records it as a ``clock_jump`` event with :meth:`ClockJump.payload`
``{wall_before, wall_after, monotonic_elapsed, delta_seconds}`` and then takes the new time as the baseline.

The default monotonic clock is ``CLOCK_BOOTTIME`` where the system has one (Linux): it keeps counting while
the PC sleeps, as the wall clock does, so a lunch-break suspend is not taken for a jump. Elsewhere it is
``time.monotonic``. Pure: no Qt, no I/O; both clocks are injected for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.edges.clock import Clock

DEFAULT_TOLERANCE_SECONDS = 120.0
# Reading the two clocks is not one atomic act and NTP slews by at most 0.5 ms/s: a second of slack backwards.
BACKWARD_SLACK_SECONDS = 1.0


def default_monotonic() -> Callable[[], float]:
    """A clock nobody can set that also counts while the PC sleeps, where the system offers one."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        try:
            time.clock_gettime(boottime)
        except OSError:
            return time.monotonic
        return lambda: time.clock_gettime(boottime)
    return time.monotonic


@dataclass(frozen=True)
class ClockJump:
    """The wall clock moved by `delta_seconds` more than the monotonic clock between two checks — or, found
    against the last recorded event (`detected`: "startup" when the program starts, "last_event" later), the
    wall clock is `delta_seconds` behind that event's time; then no monotonic figure is known."""

    wall_before: datetime
    wall_after: datetime
    monotonic_elapsed: float | None
    delta_seconds: float
    detected: str | None = None

    @property
    def backwards(self) -> bool:
        return self.delta_seconds < 0

    def payload(self) -> dict[str, Any]:
        """The `clock_jump` event's payload (times ISO 8601, seconds rounded to milliseconds)."""
        payload: dict[str, Any] = {
            "wall_before": self.wall_before.isoformat(timespec="microseconds"),
            "wall_after": self.wall_after.isoformat(timespec="microseconds"),
            "delta_seconds": round(self.delta_seconds, 3),
        }
        if self.monotonic_elapsed is not None:
            payload["monotonic_elapsed"] = round(self.monotonic_elapsed, 3)
        if self.detected is not None:
            payload["detected"] = self.detected
        return payload

    def describe(self) -> str:
        """One Chinese sentence for people: which way, by how much."""
        way = "调慢（往回拨）" if self.backwards else "调快（往前拨）"
        moved = f"{self.wall_before:%Y-%m-%d %H:%M:%S} → {self.wall_after:%Y-%m-%d %H:%M:%S}"
        if self.monotonic_elapsed is None:
            return f"电脑时钟比上一条记录的时间早约 {abs(self.delta_seconds):.0f} 秒（被往回拨过）：{moved}。"
        return f"电脑时钟被{way}约 {abs(self.delta_seconds):.0f} 秒：{moved}，实际只过了 {self.monotonic_elapsed:.0f} 秒。"


class ClockWatch:
    """Compares the wall clock with a monotonic clock between calls of :meth:`check`."""

    def __init__(
        self,
        clock: Clock,
        monotonic: Callable[[], float] | None = None,
        tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    ) -> None:
        if not tolerance_seconds > 0:
            raise ValueError("tolerance_seconds must be positive")
        self.clock = clock
        self.monotonic = monotonic or default_monotonic()
        self.tolerance_seconds = float(tolerance_seconds)
        self._wall: datetime | None = None
        self._mono = 0.0

    def check(self) -> ClockJump | None:
        """The jump since the previous check, if any; the first check only sets the baseline."""
        wall, mono = self.clock.now(), self.monotonic()
        before, before_mono = self._wall, self._mono
        self._wall, self._mono = wall, mono
        if before is None:
            return None
        elapsed = mono - before_mono
        delta = (wall - before).total_seconds() - elapsed
        if delta < -BACKWARD_SLACK_SECONDS or delta > self.tolerance_seconds:
            return ClockJump(before, wall, elapsed, delta)
        return None
