"""The hall's settings file, ``settings.toml``: the lead's PIN hash, retention of personal data, clock drift,
how long a pasted phrase stays on the clipboard.

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
    [paste]
    restore_ms = 300                 # after Ctrl+V, the clerk's own clipboard comes back after this long (50–10000)
    remote_restore_ms = 1500         # … when the target is a remote desktop (RDP, Citrix), which reads late (50–30000)

:func:`load_settings` checks every key: a broken one is a :class:`~assistant.config.schema.ScriptProblem` (file,
line, field, Chinese message) and that key keeps its default, the others still come from the hall's file.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import registry
from assistant.config import schema as _schema
from assistant.config import scripts as _scripts
from assistant.config import toml_lines as _toml_lines
from assistant.config.schema import ScriptProblem

HALL_SETTINGS = "settings.toml"


SETTINGS_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Settings:
    """The hall's settings; every value already checked."""

    pin_hash: str | None = None
    retention_days: int = registry.setting("privacy.retention_days").default
    drift_tolerance_seconds: int = registry.setting("clock.drift_tolerance_seconds").default
    hall_url: str | None = None
    paste_restore_ms: int = registry.setting("paste.restore_ms").default
    paste_remote_restore_ms: int = registry.setting("paste.remote_restore_ms").default
    problems: tuple[ScriptProblem, ...] = field(default=())


def _valid_hash(value: str) -> bool:
    parts = value.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        return False
    try:
        return bool(base64.b64decode(parts[4], validate=True)) and bool(
            base64.b64decode(parts[5], validate=True)
        )
    except ValueError:
        return False


def _setting_issue(spec: registry.Setting, value: Any) -> str | None:
    if spec.type == "pin_hash":
        if not isinstance(value, str) or not _valid_hash(value):
            return "不是有效的 PIN 哈希（格式：scrypt$16384$8$1$盐$哈希，由管理员生成）"
        return None
    if spec.type == "text":
        return (
            None if isinstance(value, str) else f"应为文本（带引号的字符串），收到 {_schema._describe(value)}"
        )
    if not isinstance(value, int) or isinstance(value, bool):
        return f"应为整数，收到 {_schema._describe(value)}"
    try:
        registry.convert(spec, value)
    except ValueError as exc:
        return str(exc)
    return None


def _read_settings(path: Path, builtin: bool, problems: list[ScriptProblem]) -> dict[str, Any]:
    """The sound values of one settings file by "table.key"; every problem appended."""
    note = "（内置的默认文件损坏，请重新安装本程序）" if builtin else "；已全部改用默认值。"
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.append(ScriptProblem(str(path), None, "", f"无法读取文件：{error.strerror or error}{note}"))
        return {}
    text = _toml_lines.decode(raw)
    data = text if isinstance(text, _toml_lines.Failure) else _toml_lines.parse(text)
    if isinstance(data, _toml_lines.Failure):
        problems.append(ScriptProblem(str(path), data.line, data.field, data.message + note))
        return {}
    assert isinstance(text, str)  # a file that is not UTF-8 returned above

    def problem(where: tuple, message: str) -> None:
        problems.append(
            ScriptProblem(str(path), _toml_lines.locate(text, where), _schema.format_path(where), message)
        )

    specs = {tuple(s.key.split(".", 1)): s for s in registry.of(registry.HALL_FILE)}
    tables = sorted({table for table, _ in specs})
    values: dict[str, Any] = {}
    for name, table in data.items():
        if name == "schema":
            if table != SETTINGS_SCHEMA_VERSION:
                problem(
                    (name,),
                    f"不支持的格式版本 schema = {table!r}，本程序只认 schema = {SETTINGS_SCHEMA_VERSION}"
                    "（已忽略）",
                )
            continue
        if name not in tables:
            problem((name,), f"未知的项目 {name}（已忽略），可用的表：{'、'.join(f'[{t}]' for t in tables)}")
            continue
        if not isinstance(table, dict):
            problem((name,), f"应为表 [{name}]，收到 {_schema._describe(table)}（已忽略）")
            continue
        for key, value in table.items():
            spec = specs.get((name, key))
            if spec is None:
                known = "、".join(k for t, k in specs if t == name)
                problem((name, key), f"未知字段 {key}（已忽略），[{name}] 中可用：{known}")
                continue
            issue = _setting_issue(spec, value)
            if issue is not None:
                problem((name, key), issue + (note if builtin else f"；已改用默认值：{_default_of(spec)}。"))
                continue
            values[f"{name}.{key}"] = value
    return values


def _default_of(spec: registry.Setting) -> str:
    if spec.type == "pin_hash":
        return "数据文件夹中的 PIN（如已设置）"
    return str(spec.default) if spec.default is not None else "（无）"


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
        hall_url=(values.get("hall.url") or "").strip() or None,
        paste_restore_ms=values.get("paste.restore_ms", Settings.paste_restore_ms),
        paste_remote_restore_ms=values.get("paste.remote_restore_ms", Settings.paste_remote_restore_ms),
        problems=tuple(problems),
    )
