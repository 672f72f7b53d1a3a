"""The shift lead's PIN: an scrypt hash in a settings file, and wrong PINs slowed down across restarts.

Where the hash lives (first found wins):

1. the hall's settings, deployed by the administrator: ``settings.toml`` in the hall's scripts folder with
   ``[lead] pin_hash = "scrypt$16384$8$1$<salt b64>$<hash b64>"`` (read only; change it there);
2. the data folder's ``lead_pin.json`` ``{"pin_hash": "scrypt$…"}``, written by ``main.py lead-pin set``.

A PIN is configured on purpose, never "on first use". Wrong PINs: after the k-th failure in a row the next
try waits ``min(2 ** (k - 1), 300)`` seconds (1, 2, 4 … 5 min); the count and the time are kept in the data
folder's ``lead_pin_attempts.json`` so restarting the program does not reset them; a right PIN does. A clock
set back never makes the wait longer than the delay itself (the lead is not locked out for days).

The same ``settings.toml`` holds the hall's other settings (issue 8); the built-in copy
``scripts_zh/settings.toml`` gives the defaults, the hall's copy overrides them key by key::

    schema = 1                       # optional
    [lead]
    pin_hash = "scrypt$…"            # optional, see above
    [privacy]
    retention_days = 180             # personal data of the people served is kept this long (1–3650)
    [clock]
    drift_tolerance_seconds = 120    # a forward jump of the PC clock beyond this is recorded (5–86400)
    [hall]
    url = "postgresql://…"           # optional: the hall server (read by assistant.hall)

:func:`load_settings` checks every key: a broken one is a :class:`~assistant.scripts.ScriptProblem` (file,
line, field, Chinese message) and that key keeps its default, the others still come from the hall's file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import scripts as _scripts
from assistant.scripts import ScriptProblem

N, R, P = 2 ** 14, 8, 1
MIN_LENGTH = 4
MAX_DELAY_SECONDS = 300
PIN_FILE = "lead_pin.json"
ATTEMPTS_FILE = "lead_pin_attempts.json"
HALL_SETTINGS = "settings.toml"
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
        got = hashlib.scrypt(pin.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def delay_after(failures: int) -> int:
    return 0 if failures <= 0 else min(2 ** (failures - 1), MAX_DELAY_SECONDS)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    wait_seconds: float = 0.0   # > 0: not checked, try again after this long
    message: str = ""


class LeadPin:
    """The PIN of one installation: data folder (+ optional hall folder)."""

    def __init__(self, data_dir: Path, hall_dir: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
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
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

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
                self._write_json(ATTEMPTS_FILE, {"failures": 0, "last": 0.0})
            return CheckResult(True)
        failures = self._attempts()["failures"] + 1
        self._write_json(ATTEMPTS_FILE, {"failures": failures, "last": self.clock()})
        return CheckResult(False, float(delay_after(failures)),
                           f"PIN 不正确（连续 {failures} 次），{delay_after(failures)} 秒后可再试。")

    # -- setting

    @staticmethod
    def validate(pin: str) -> None:
        if len(pin) < MIN_LENGTH:
            raise PinError(f"PIN 至少需要 {MIN_LENGTH} 位。")
        if pin != pin.strip():
            raise PinError("PIN 的开头和结尾不能是空格。")

    def set(self, pin: str) -> None:
        """Set the first PIN; refused when one exists (use change)."""
        if self.deployed:
            raise PinError(f"值班长 PIN 由大厅配置（{self.hall_dir / HALL_SETTINGS}）统一设置，请在那里修改。")
        if self.is_set():
            raise PinError("值班长 PIN 已设置；如需修改请运行 python main.py lead-pin change（需要原 PIN）。")
        self.validate(pin)
        self._write_json(PIN_FILE, {"pin_hash": hash_pin(pin)})

    def change(self, old: str, new: str) -> None:
        if self.deployed:
            raise PinError(f"值班长 PIN 由大厅配置（{self.hall_dir / HALL_SETTINGS}）统一设置，请在那里修改。")
        if not self.is_set():
            raise PinError(HOW_TO_SET)
        result = self.check(old)
        if not result.ok:
            raise PinError("原" + result.message)
        self.validate(new)
        self._write_json(PIN_FILE, {"pin_hash": hash_pin(new)})


# ─── settings.toml: the lead's PIN hash, retention of personal data, clock drift (issue 8) ──────────

@dataclass(frozen=True)
class _Setting:
    table: str
    key: str
    kind: str                 # "int" | "pin_hash"
    low: int = 0
    high: int = 0


_SETTINGS = (
    _Setting("lead", "pin_hash", "pin_hash"),
    _Setting("privacy", "retention_days", "int", 1, 3650),
    _Setting("clock", "drift_tolerance_seconds", "int", 5, 86400),
    _Setting("hall", "url", "str"),   # read by assistant.hall (the hall server); only checked here
)
SETTINGS_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Settings:
    """The hall's settings; every value already checked."""

    pin_hash: str | None = None
    retention_days: int = 180
    drift_tolerance_seconds: int = 120
    problems: tuple[ScriptProblem, ...] = field(default=())


def _valid_hash(value: str) -> bool:
    parts = value.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        return False
    try:
        return bool(base64.b64decode(parts[4], validate=True)) and bool(base64.b64decode(parts[5], validate=True))
    except ValueError:
        return False


def _setting_issue(spec: _Setting, value: Any) -> str | None:
    if spec.kind == "pin_hash":
        if not isinstance(value, str) or not _valid_hash(value):
            return "不是有效的 PIN 哈希（格式：scrypt$16384$8$1$盐$哈希，由管理员生成）"
        return None
    if spec.kind == "str":
        return None if isinstance(value, str) else f"应为文本（带引号的字符串），收到 {_scripts._describe(value)}"
    if not isinstance(value, int) or isinstance(value, bool):
        return f"应为整数，收到 {_scripts._describe(value)}"
    if not spec.low <= value <= spec.high:
        return f"应在 {spec.low}–{spec.high} 之间，收到 {value}"
    return None


def _read_settings(path: Path, builtin: bool, problems: list[ScriptProblem]) -> dict[str, Any]:
    """The sound values of one settings file by "table.key"; every problem appended."""
    note = "（内置的默认文件损坏，请重新安装本程序）" if builtin else "；已全部改用默认值。"
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.append(ScriptProblem(str(path), None, "", f"无法读取文件：{error.strerror or error}{note}"))
        return {}
    text = _scripts._decode(raw)
    data = text if isinstance(text, _scripts._Failure) else _scripts._parse(text)
    if isinstance(data, _scripts._Failure):
        problems.append(ScriptProblem(str(path), data.line, data.field, data.message + note))
        return {}

    def problem(where: tuple, message: str) -> None:
        problems.append(ScriptProblem(str(path), _scripts._locate(text, where), _scripts._format_path(where), message))

    specs = {(s.table, s.key): s for s in _SETTINGS}
    tables = sorted({s.table for s in _SETTINGS})
    values: dict[str, Any] = {}
    for name, table in data.items():
        if name == "schema":
            if table != SETTINGS_SCHEMA_VERSION:
                problem((name,), f"不支持的格式版本 schema = {table!r}，本程序只认 schema = {SETTINGS_SCHEMA_VERSION}"
                                 "（已忽略）")
            continue
        if name not in tables:
            problem((name,), f"未知的项目 {name}（已忽略），可用的表：{'、'.join(f'[{t}]' for t in tables)}")
            continue
        if not isinstance(table, dict):
            problem((name,), f"应为表 [{name}]，收到 {_scripts._describe(table)}（已忽略）")
            continue
        for key, value in table.items():
            spec = specs.get((name, key))
            if spec is None:
                known = "、".join(s.key for s in _SETTINGS if s.table == name)
                problem((name, key), f"未知字段 {key}（已忽略），[{name}] 中可用：{known}")
                continue
            issue = _setting_issue(spec, value)
            if issue is not None:
                problem((name, key), issue + (note if builtin else f"；已改用默认值：{_default_of(spec)}。"))
                continue
            values[f"{name}.{key}"] = value
    return values


def _default_of(spec: _Setting) -> str:
    if spec.kind == "pin_hash":
        return "数据文件夹中的 PIN（如已设置）"
    return str(getattr(Settings(), spec.key))


def load_settings(hall_dir: Path | None = None) -> Settings:
    """The built-in ``scripts_zh/settings.toml`` overridden key by key by the hall's sound values."""
    builtin_problems: list[ScriptProblem] = []
    values = _read_settings(_scripts.default_dir() / HALL_SETTINGS, True, builtin_problems)
    if builtin_problems:
        raise RuntimeError(str(builtin_problems[0]))
    problems: list[ScriptProblem] = []
    hall = Path(hall_dir) / HALL_SETTINGS if hall_dir is not None else None
    if hall is not None and hall.exists():
        values.update(_read_settings(hall, False, problems))
    return Settings(
        pin_hash=values.get("lead.pin_hash"),
        retention_days=values.get("privacy.retention_days", Settings.retention_days),
        drift_tolerance_seconds=values.get("clock.drift_tolerance_seconds", Settings.drift_tolerance_seconds),
        problems=tuple(problems),
    )
