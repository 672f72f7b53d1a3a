"""The schema version of the event store as (major, minor), kept in SQLite's `PRAGMA user_version`.

As qutebrowser's `UserVersion`: user_version = major << 16 | minor. A **minor** step only adds what an older
build can ignore while it reads and records — a table, a column with a default, an index, a view — so a build
that knows the same major opens a database whose minor is newer and works on it. A **major** step changes what
is there (a column renamed, a table rewritten, a payload re-shaped in place): a build that knows an older major
refuses such a database and leaves it as it is. The first releases counted 1, 2, 3, 4: read as 0.1 … 0.4.
"""

from __future__ import annotations

from dataclasses import dataclass

_MINOR_BITS = 16
_MAX_MAJOR = 0x7FFF  # user_version is a signed 32-bit integer


@dataclass(frozen=True, order=True)
class UserVersion:
    """A schema version; ordered as (major, minor)."""

    major: int
    minor: int

    def __post_init__(self) -> None:
        if not (0 <= self.major <= _MAX_MAJOR and 0 <= self.minor < 1 << _MINOR_BITS):
            raise ValueError(f"数据库版本 {self.major}.{self.minor} 超出范围")

    @classmethod
    def from_int(cls, value: int) -> UserVersion:
        """The version stored as `value`; ValueError for a negative number (never written by this program)."""
        if value < 0:
            raise ValueError(f"数据库版本 {value} 无效")
        return cls(value >> _MINOR_BITS, value & ((1 << _MINOR_BITS) - 1))

    def to_int(self) -> int:
        """The value for `PRAGMA user_version`."""
        return self.major << _MINOR_BITS | self.minor

    def opens(self, found: UserVersion) -> bool:
        """Whether a build at this version may open a database at `found`: same or older major."""
        return found.major <= self.major

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"
