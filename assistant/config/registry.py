"""Every setting of the assistant, declared once: key, type, default, description and where it comes from.

Five places set something (as qutebrowser's configdata declares its options):

* ``命令行`` — the global flags of ``main.py`` (``--db``, ``--scripts``, ``--lang``, ``--hall``);
* ``环境变量`` — the ``WA_*`` variables, read only through :func:`env`;
* ``settings.toml`` — the hall's settings file (``assistant.config.settings`` checks it against these entries);
* ``界面`` — what the sidebar remembers on this PC (QSettings keys), read through :func:`stored` so that a
  hand-edited value falls back to its default instead of crashing the sidebar;
* ``hours.toml`` — the ``[thresholds]`` of the opening hours (``assistant.domain.hours.Thresholds``).

The README's table of settings lists every key here (a test keeps the two in step).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CLI, ENV, HALL_FILE, WIDGET, HOURS = "命令行", "环境变量", "settings.toml", "界面", "hours.toml"
SOURCES = (CLI, ENV, HALL_FILE, WIDGET, HOURS)


@dataclass(frozen=True)
class Setting:
    """One setting. `type`: "text", "int" (within `low`–`high`), "flag" ("1" switches it on), "bool"
    (true/false, 1/0), "choice" (one of `choices`), "path", "pin_hash"."""

    key: str
    type: str
    default: Any
    description: str
    source: str
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()


REGISTRY: tuple[Setting, ...] = (
    Setting("--db", "path", None, "数据库文件（默认：数据文件夹中的 assistant.db）", CLI),
    Setting("--scripts", "path", None, "本大厅的话术文件夹（缺少的文件用内置默认）", CLI),
    Setting("--lang", "choice", "zh", "界面语言", CLI, choices=("zh", "en")),
    Setting("--hall", "text", None, "大厅数据库（PostgreSQL）地址", CLI),
    Setting("WA_DATA_DIR", "path", None, "数据文件夹（默认：系统的用户数据位置下的 window-assistant）", ENV),
    Setting("WA_HALL", "text", None, "大厅数据库地址（--hall 与 settings.toml 的 [hall] url 优先）", ENV),
    Setting("WA_LEAD_PIN", "text", None, "值班长 PIN：没有终端可输入时使用", ENV),
    Setting("WA_LEAD_PIN_OLD", "text", None, "修改 PIN 时的原 PIN：没有终端可输入时使用", ENV),
    Setting("WA_LEAD_ID", "text", None, "值班长工号（记入每次导出、批注、清除）：没有终端可输入时使用", ENV),
    Setting("WA_NO_SPEECH", "flag", False, "为 1 时不朗读（没有语音的电脑）", ENV),
    Setting("WA_NO_HOTKEYS", "flag", False, "为 1 时不注册全局热键", ENV),
    Setting("WA_NO_VENV", "flag", False, "为 1 时不创建、不进入 .venv（用当前 Python 运行）", ENV),
    Setting("WA_EXIT_AFTER_SHOWN", "flag", False, "为 1 时侧边栏第一次画出后立即退出（启动测速用）", ENV),
    Setting(
        "WA_EXIT_AFTER_READY",
        "flag",
        False,
        "为 1 时侧边栏完全可用（用语面板、粘贴、热键就绪）后立即退出（启动测速用）",
        ENV,
    ),
    Setting(
        "WA_TESTS_IN_VENV", "flag", False, "run_tests.py 内部使用：已在 .venv 中，不再安装系统软件包", ENV
    ),
    Setting("lead.pin_hash", "pin_hash", None, "值班长 PIN 的哈希，由大厅统一设置（scrypt$…）", HALL_FILE),
    Setting("privacy.retention_days", "int", 180, "服务对象个人信息的保存天数", HALL_FILE, 1, 3650),
    Setting(
        "clock.drift_tolerance_seconds", "int", 120, "本机时钟向前跳动超过这么多秒即记录", HALL_FILE, 5, 86400
    ),
    Setting("hall.url", "text", None, "大厅数据库（PostgreSQL）地址", HALL_FILE),
    Setting("paste.restore_ms", "int", 300, "粘贴后多少毫秒恢复剪贴板原有内容", HALL_FILE, 50, 10000),
    Setting(
        "paste.remote_restore_ms", "int", 1500, "粘贴到远程桌面时多少毫秒后恢复剪贴板", HALL_FILE, 50, 30000
    ),
    Setting("dock/edge", "choice", "right", "侧边栏停靠在屏幕的哪一边", WIDGET, choices=("left", "right")),
    Setting("dock/width", "int", 380, "侧边栏宽度（像素，至少 300）", WIDGET, 300),
    Setting("dock/screen", "int", 0, "侧边栏所在的屏幕（从 0 数起）", WIDGET, 0),
    Setting("dock/floating", "bool", False, "侧边栏是否浮动（不停靠）", WIDGET),
    Setting("queue/file", "path", None, "排队叫号系统的等候人数文件", WIDGET),
    Setting("window", "text", "", "上次签到的窗口名称", WIDGET),
    Setting("sign/screen", "int", None, "“暂停服务”牌显示在哪个屏幕（从 0 数起；默认最后一个）", WIDGET, 0),
    Setting("sign/full_screen", "bool", True, "“暂停服务”牌是否全屏", WIDGET),
    Setting(
        "thresholds.checklist_lead_minutes", "int", 5, "开门前多少分钟须完成班前检查（第 19 条）", HOURS, 1
    ),
    Setting("thresholds.ring_count", "int", 3, "电话须在几声内接听（第 29 条）", HOURS, 1),
    Setting("thresholds.ring_seconds", "int", 5, "电话须在几秒内接听（第 29 条）", HOURS, 1),
    Setting("thresholds.apology_rings", "int", 5, "响铃超过几声须先致歉（第 29 条）", HOURS, 1),
    Setting("thresholds.apology_seconds", "int", 8, "响铃超过几秒须先致歉", HOURS, 1),
    Setting(
        "thresholds.call_while_serving_minutes", "int", 3, "接待中接电话最长几分钟（第 37 条）", HOURS, 1
    ),
    Setting("thresholds.long_wait_minutes", "int", 15, "等候超过几分钟提示致歉（第 26 条）", HOURS, 1),
    Setting("thresholds.reminder_minutes", "int", 15, "开门前多少分钟开始提醒班前检查", HOURS, 1),
    Setting("thresholds.closing_warning_minutes", "int", 10, "下班前多少分钟显示仍在等候的人", HOURS, 1),
    Setting("thresholds.fast_run_seconds", "int", 30, "全部合格的班前检查快于几秒即标记", HOURS, 1),
    Setting(
        "thresholds.fault_long_minutes",
        "int",
        10,
        "设备故障超过几分钟请留联系方式、改约（第 24 条）",
        HOURS,
        1,
    ),
)
_BY_KEY = {s.key: s for s in REGISTRY}


def setting(key: str) -> Setting:
    """The declaration of `key` (KeyError for a key nobody declared)."""
    return _BY_KEY[key]


def of(source: str) -> tuple[Setting, ...]:
    return tuple(s for s in REGISTRY if s.source == source)


def convert(spec: Setting, raw: Any) -> Any:
    """`raw` as the setting's type; ValueError (Chinese) when it is not one."""
    if spec.type == "flag":
        return str(raw).strip() == "1"
    if spec.type == "bool":
        word = str(raw).strip().lower()
        if word not in ("true", "false", "1", "0"):
            raise ValueError(f"应为 true 或 false，收到“{raw}”")
        return word in ("true", "1")
    if spec.type == "int":
        if isinstance(raw, bool):
            raise ValueError(f"应为整数，收到 {raw}")
        try:
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except ValueError:
            raise ValueError(f"应为整数，收到“{raw}”") from None
        if spec.low is not None and spec.high is not None and not spec.low <= value <= spec.high:
            raise ValueError(f"应在 {spec.low}–{spec.high} 之间，收到 {value}")
        if spec.low is not None and value < spec.low:
            raise ValueError(f"应不小于 {spec.low}，收到 {value}")
        return value
    text = str(raw)
    if spec.type == "choice" and text not in spec.choices:
        raise ValueError(f"应为 {'、'.join(spec.choices)} 之一，收到“{text}”")
    return text


def read(key: str, raw: Any) -> Any:
    """The value of `key` from `raw` (None: not set), or its default when `raw` is not a sound value."""
    spec = setting(key)
    if raw is None or (raw == "" and spec.type != "text"):
        return spec.default
    try:
        return convert(spec, raw)
    except ValueError:
        return spec.default


def env(key: str, environ: Mapping[str, str] | None = None) -> Any:
    """The environment variable `key` (declared with source 环境变量), as its type; its default when unset."""
    spec = setting(key)
    assert spec.source == ENV, key
    return read(key, (os.environ if environ is None else environ).get(key))


def stored(settings: Any, key: str) -> Any:
    """What the sidebar remembered under `key` (a QSettings, or anything with `value(key)`), as its type;
    the default when nothing or something unsound (a hand-edited width "wide") is there."""
    spec = setting(key)
    assert spec.source == WIDGET, key
    return read(key, settings.value(key) if settings is not None else None)
