"""The shift lead's PIN, per database, in its hash chain: events, not files a clerk can delete or replace.

* ``lead_pin_set {kdf, source, replaces}``: the PIN's KDF hash (never the PIN). Accepted only as the first PIN
  of a database (``lead-pin set``; or, adopted once, the hash of a hall's ``settings.toml`` ``[lead] pin_hash`` or
  of an older installation's ``lead_pin.json``), or through ``lead-pin change`` with the old PIN. (Over the
  terminal's enrolled hall connection: the hall issue.)
* A hash in ``settings.toml`` or ``lead_pin.json`` that differs from the one on record is refused; the attempt is
  recorded once per hash as ``lead_pin_refused {source, fingerprint}``.
* ``lead_pin_reset {kdf, source, replaces}``: a forgotten PIN replaced without the old one. It cannot be
  prevented on a PC the clerk controls, so it is made evident: ``verify-log`` and the review name every reset.
* ``lead_pin_failed {failures, wait_s}``: the k-th wrong PIN in a row; the next try waits
  ``min(2 ** (k - 1), 300)`` s from that event's time (a clock set back never makes it longer). A right PIN after
  failures records ``lead_pin_ok {lead}``, which starts the count again.
* None of these events can be written by ``replay`` (they are no rules' commands).

KDF: scrypt (stdlib ``hashlib``, OpenSSL) with N = 2^17, r = 8, p = 1: 128 MiB and 0.41 s of CPU per guess on
this 2-core machine (N = 2^16 measured 0.21 s idle, under the 0.25 s asked for; benchmarks/sealing.py).
Memory-hard like argon2id, without a new dependency; argon2id's edge (tuning memory and time apart,
side-channel resistance) does not matter for a hash whose whole search space is 10^6 PINs — what matters is
the work per guess, which both set by memory. A 6-digit PIN then costs an attacker with the file about two and
a half days on 2 cores for all of them, half that on average (README): it slows one down, it does not stop one.
New PINs: at least 6 digits, the commonest refused; an existing shorter PIN keeps working, with a warning.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.config.settings import HALL_SETTINGS, load_settings

if TYPE_CHECKING:
    from assistant.store.event_log import EventStore

N, R, P = 2**17, 8, 1
_MAXMEM = 2**28
MIN_LENGTH = 6
MAX_DELAY_SECONDS = 300
LEGACY_PIN_FILE = "lead_pin.json"
EVENT_KINDS = ("lead_pin_set", "lead_pin_reset", "lead_pin_failed", "lead_pin_ok", "lead_pin_refused")
HOW_TO_SET = "尚未设置值班长 PIN。请由值班长在终端运行：python main.py lead-pin set（无终端时读取环境变量 WA_LEAD_PIN）。"
# The PINs people pick first (leaked-PIN studies put these at the top); with sequences and repeats refused too.
COMMON_PINS = frozenset(
    {
        "123123",
        "112233",
        "121212",
        "123321",
        "520520",
        "520131",
        "131420",
        "666888",
        "888666",
        "168168",
        "147258",
        "258369",
        "159357",
        "159753",
        "147369",
        "110110",
        "101010",
        "131313",
        "123654",
        "654123",
        "100200",
        "102030",
        "123000",
        "000123",
        "111222",
        "222333",
        "789456",
        "456789",
        "456123",
        "987654",
    }
)


class PinError(Exception):
    """A Chinese message for the person at the keyboard."""


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    import secrets

    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=_MAXMEM, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def check_hash(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or int(n) * int(r) * 128 > _MAXMEM // 2:
            return False
        got = hashlib.scrypt(
            pin.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(base64.b64decode(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def delay_after(failures: int) -> int:
    return 0 if failures <= 0 else min(2 ** (failures - 1), MAX_DELAY_SECONDS)


def fingerprint(pin_hash: str) -> str:
    return hashlib.sha256(pin_hash.encode("utf-8")).hexdigest()[:16]


def validate(pin: str) -> None:
    """A new PIN: at least 6 digits, not one of the commonest."""
    if not (pin.isascii() and pin.isdigit()):
        raise PinError("PIN 只能由数字组成。")
    if len(pin) < MIN_LENGTH:
        raise PinError(f"PIN 至少需要 {MIN_LENGTH} 位数字。")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    if len(set(pin)) == 1 or steps in ({1}, {-1}) or pin in COMMON_PINS or pin[: len(pin) // 2] * 2 == pin:
        raise PinError("这个 PIN 太常见（重复、顺序或常用数字），请换一个。")


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    wait_seconds: float = 0.0  # > 0: not checked, try again after this long
    message: str = ""
    warning: str = ""  # ok, but the PIN is shorter than new PINs may be


@dataclass
class _Record:
    """What the chain says of the PIN."""

    pin_hash: str | None = None
    set_id: int | None = None
    failures: int = 0
    last_failure: float = 0.0
    refused: set[str] = field(default_factory=set)
    resets: list[tuple[int, str]] = field(default_factory=list)  # (event id, time)


def read_record(store: EventStore) -> _Record:
    record = _Record()
    marks = ",".join("?" * len(EVENT_KINDS))
    rows = store.conn.execute(
        f"SELECT id, at, kind, payload FROM events WHERE kind IN ({marks}) ORDER BY id", EVENT_KINDS
    )
    for event_id, at, kind, text in rows:
        payload = json.loads(text)
        if kind in ("lead_pin_set", "lead_pin_reset"):
            record.pin_hash, record.set_id, record.failures = payload.get("kdf"), event_id, 0
            if kind == "lead_pin_reset":
                record.resets.append((event_id, at))
        elif kind == "lead_pin_failed":
            record.failures = int(payload.get("failures", record.failures + 1))
            record.last_failure = datetime.fromisoformat(at).timestamp()
        elif kind == "lead_pin_ok":
            record.failures = 0
        elif kind == "lead_pin_refused":
            record.refused.add(str(payload.get("fingerprint")))
    return record


def resets_text(store: EventStore) -> list[str]:
    """One line per PIN reset ever recorded in this database (shown to the lead, forever)."""
    return [
        f"值班长 PIN 曾在 {at[:16].replace('T', ' ')} 被重置（事件 #{event_id}，未使用原 PIN）"
        for event_id, at in read_record(store).resets
    ]


class LeadPin:
    """The lead PIN of one database (its store), with the files older installations and halls kept it in."""

    def __init__(
        self,
        store: EventStore,
        data_dir: Path | None = None,
        hall_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.data_dir = Path(data_dir) if data_dir else None
        self.hall_dir = Path(hall_dir) if hall_dir else None
        self.clock = clock

    def _append(self, kind: str, payload: dict) -> None:
        self.store.append([(kind, payload)], at=datetime.fromtimestamp(self.clock()).astimezone())

    # -- hashes found in files: adopted as the first PIN, refused (and recorded) when they differ

    def _file_hashes(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if self.hall_dir is not None:
            value = load_settings(self.hall_dir).pin_hash
            if value:
                found.append((str(self.hall_dir / HALL_SETTINGS), value))
        if self.data_dir is not None:
            try:
                data = json.loads((self.data_dir / LEGACY_PIN_FILE).read_text(encoding="utf-8"))
                value = data.get("pin_hash") if isinstance(data, dict) else None
            except (OSError, ValueError):
                value = None
            if isinstance(value, str) and value.startswith("scrypt$"):
                found.append((str(self.data_dir / LEGACY_PIN_FILE), value))
        return found

    def record(self) -> _Record:
        """The chain's record, after adopting a file's hash as the first PIN or recording a foreign one."""
        record = read_record(self.store)
        for source, value in self._file_hashes():
            if record.pin_hash is None:
                self._append("lead_pin_set", {"kdf": value, "source": source, "replaces": None})
                record = read_record(self.store)
            elif value != record.pin_hash and fingerprint(value) not in record.refused:
                self._append("lead_pin_refused", {"source": source, "fingerprint": fingerprint(value)})
                record.refused.add(fingerprint(value))
        return record

    def foreign_sources(self) -> list[str]:
        """Files holding a PIN hash other than the one on record (refused)."""
        record = read_record(self.store)
        return [
            source for source, value in self._file_hashes() if record.pin_hash and value != record.pin_hash
        ]

    def is_set(self) -> bool:
        return self.record().pin_hash is not None

    # -- checking

    def _wait(self, record: _Record) -> float:
        delay = delay_after(record.failures)
        # min(): a clock set back after a failure must not stretch the wait beyond the delay itself
        return min(float(delay), max(0.0, record.last_failure + delay - self.clock()))

    def wait_seconds(self) -> float:
        """How long before the next try is allowed (0 = now)."""
        return self._wait(read_record(self.store))

    def check(self, pin: str, lead: str = "") -> CheckResult:
        record = self.record()
        if record.pin_hash is None:
            return CheckResult(False, message=HOW_TO_SET)
        wait = self._wait(record)
        if wait > 0:
            return CheckResult(False, wait, f"PIN 错误次数过多，请在 {int(wait + 0.999)} 秒后再试。")
        if check_hash(pin, record.pin_hash):
            if record.failures:
                self._append("lead_pin_ok", {"lead": lead})
            warning = (
                f"值班长 PIN 少于 {MIN_LENGTH} 位，容易被猜出；请尽快运行 python main.py lead-pin change 修改。"
                if len(pin) < MIN_LENGTH
                else ""
            )
            return CheckResult(True, warning=warning)
        failures = record.failures + 1
        self._append("lead_pin_failed", {"failures": failures, "wait_s": delay_after(failures)})
        return CheckResult(
            False,
            float(delay_after(failures)),
            f"PIN 不正确（连续 {failures} 次），{delay_after(failures)} 秒后可再试。",
        )

    # -- setting

    def set(self, pin: str) -> None:
        """Set the first PIN of this database; refused when one exists (use change, or reset)."""
        if self.is_set():
            raise PinError(
                "本数据库已设置值班长 PIN；如需修改请运行 python main.py lead-pin change（需要原 PIN），"
                "忘记时运行 lead-pin reset（会被永久记录）。"
            )
        validate(pin)
        self._append("lead_pin_set", {"kdf": hash_pin(pin), "source": "lead-pin set", "replaces": None})

    def change(self, old: str, new: str) -> None:
        record = self.record()
        if record.pin_hash is None:
            raise PinError(HOW_TO_SET)
        result = self.check(old)
        if not result.ok:
            raise PinError("原" + result.message)
        validate(new)
        self._append(
            "lead_pin_set", {"kdf": hash_pin(new), "source": "lead-pin change", "replaces": record.set_id}
        )

    def reset(self, new: str) -> int:
        """Replace a forgotten PIN without the old one: recorded as lead_pin_reset, shown forever. Returns its id."""
        record = self.record()
        validate(new)
        self._append(
            "lead_pin_reset", {"kdf": hash_pin(new), "source": "lead-pin reset", "replaces": record.set_id}
        )
        return read_record(self.store).set_id or 0
