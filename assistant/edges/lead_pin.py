"""The shift lead's PIN: an scrypt hash in a settings file, and wrong PINs slowed down across restarts.

Where the hash lives (first found wins):

1. the hall's settings, deployed by the administrator: ``settings.toml`` in the hall's scripts folder with
   ``[lead] pin_hash = "scrypt$16384$8$1$<salt b64>$<hash b64>"`` (read only; change it there);
2. the data folder's ``lead_pin.json`` ``{"pin_hash": "scrypt$…"}``, written by ``main.py lead-pin set``.

A PIN is configured on purpose, never "on first use". Wrong PINs: after the k-th failure in a row the next
try waits ``min(2 ** (k - 1), 300)`` seconds (1, 2, 4 … 5 min); the count and the time are kept in the data
folder's ``lead_pin_attempts.json`` so restarting the program does not reset them; a right PIN does. A clock
set back never makes the wait longer than the delay itself (the lead is not locked out for days).

The hash is read through :func:`assistant.config.settings.load_settings`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import paths
from assistant.config.paths import FileInUseError
from assistant.config.settings import HALL_SETTINGS, load_settings

N, R, P = 2**14, 8, 1
MIN_LENGTH = 4
MAX_DELAY_SECONDS = 300
PIN_FILE = "lead_pin.json"
ATTEMPTS_FILE = "lead_pin_attempts.json"
HOW_TO_SET = "尚未设置值班长 PIN。请由管理员在终端运行：python main.py lead-pin set（无终端时读取环境变量 WA_LEAD_PIN）。"


class PinError(Exception):
    """A Chinese message for the person at the keyboard."""


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def check_hash(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            pin.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def delay_after(failures: int) -> int:
    return 0 if failures <= 0 else min(2 ** (failures - 1), MAX_DELAY_SECONDS)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    wait_seconds: float = 0.0  # > 0: not checked, try again after this long
    message: str = ""


class LeadPin:
    """The PIN of one installation: data folder (+ optional hall folder)."""

    def __init__(
        self, data_dir: Path, hall_dir: Path | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.data_dir = Path(data_dir)
        self.hall_dir = Path(hall_dir) if hall_dir else None
        self.clock = clock

    # -- where the hash is

    def _hall_hash(self) -> str | None:
        if self.hall_dir is None:
            return None
        return load_settings(self.hall_dir).pin_hash

    def _file_hash(self) -> str | None:
        try:
            data = json.loads((self.data_dir / PIN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        value = data.get("pin_hash") if isinstance(data, dict) else None
        return value if isinstance(value, str) and value.startswith("scrypt$") else None

    def stored_hash(self) -> str | None:
        return self._hall_hash() or self._file_hash()

    def is_set(self) -> bool:
        return self.stored_hash() is not None

    @property
    def deployed(self) -> bool:
        return self._hall_hash() is not None

    # -- attempts

    def _attempts(self) -> dict:
        try:
            data = json.loads((self.data_dir / ATTEMPTS_FILE).read_text(encoding="utf-8"))
            return {"failures": int(data.get("failures", 0)), "last": float(data.get("last", 0.0))}
        except (OSError, ValueError, TypeError, AttributeError):
            return {"failures": 0, "last": 0.0}

    def _write_json(self, name: str, data: dict) -> None:
        """Write one of our files whole; PinError (Chinese) when it cannot be saved, e.g. held by antivirus."""
        path = self.data_dir / name
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            paths.replace_file(tmp, path)
        except FileInUseError as exc:
            raise PinError(str(exc)) from exc
        except OSError as exc:
            raise PinError(f"无法保存 {path}：{exc.strerror or exc}") from exc

    def wait_seconds(self) -> float:
        """How long before the next try is allowed (0 = now)."""
        a = self._attempts()
        delay = delay_after(a["failures"])
        # min(): a clock set back after a failure must not stretch the wait beyond the delay itself
        return min(float(delay), max(0.0, a["last"] + delay - self.clock()))

    def check(self, pin: str) -> CheckResult:
        stored = self.stored_hash()
        if stored is None:
            return CheckResult(False, message=HOW_TO_SET)
        wait = self.wait_seconds()
        if wait > 0:
            return CheckResult(False, wait, f"PIN 错误次数过多，请在 {int(wait + 0.999)} 秒后再试。")
        if check_hash(pin, stored):
            if self._attempts()["failures"]:
                with contextlib.suppress(PinError):  # the right PIN counts even if the count stays for now
                    self._write_json(ATTEMPTS_FILE, {"failures": 0, "last": 0.0})
            return CheckResult(True)
        failures = self._attempts()["failures"] + 1
        try:
            self._write_json(ATTEMPTS_FILE, {"failures": failures, "last": self.clock()})
        except PinError as exc:  # a failure that cannot be counted must not be retried at once
            return CheckResult(False, float(delay_after(failures)), str(exc))
        return CheckResult(
            False,
            float(delay_after(failures)),
            f"PIN 不正确（连续 {failures} 次），{delay_after(failures)} 秒后可再试。",
        )

    # -- setting

    @staticmethod
    def validate(pin: str) -> None:
        if len(pin) < MIN_LENGTH:
            raise PinError(f"PIN 至少需要 {MIN_LENGTH} 位。")
        if pin != pin.strip():
            raise PinError("PIN 的开头和结尾不能是空格。")

    def _deployed_error(self) -> PinError:
        return PinError(
            f"值班长 PIN 由大厅配置（{self.hall_dir} 中的 {HALL_SETTINGS}）统一设置，请在那里修改。"
        )

    def set(self, pin: str) -> None:
        """Set the first PIN; refused when one exists (use change)."""
        if self.deployed:
            raise self._deployed_error()
        if self.is_set():
            raise PinError("值班长 PIN 已设置；如需修改请运行 python main.py lead-pin change（需要原 PIN）。")
        self.validate(pin)
        self._write_json(PIN_FILE, {"pin_hash": hash_pin(pin)})

    def change(self, old: str, new: str) -> None:
        if self.deployed:
            raise self._deployed_error()
        if not self.is_set():
            raise PinError(HOW_TO_SET)
        result = self.check(old)
        if not result.ok:
            raise PinError("原" + result.message)
        self.validate(new)
        self._write_json(PIN_FILE, {"pin_hash": hash_pin(new)})
