"""The scripts' schema: the typed shapes of scripts_zh/ and the per-table value checks."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.config import registry
from assistant.domain.hours import Hours

__all__ = [
    "FILE_NAMES",
    "Checklist",
    "ChecklistItem",
    "Directory",
    "DirectoryEntry",
    "Field",
    "FieldType",
    "Flow",
    "Phrase",
    "ScriptProblem",
    "Scripts",
    "Step",
    "Taboo",
]

FieldType = Literal["text", "choice", "date", "working-days", "number"]


# ─── public data ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Field:
    """A blank in a phrase template that the clerk fills in."""

    name: str
    type: FieldType
    label: str = ""
    options: tuple[str, ...] = ()
    multiple: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Phrase:
    """One standard phrase: the seed's sentence verbatim and its fill-in template."""

    id: str
    category: str
    rule: int
    seed: str
    template: str
    fields: tuple[Field, ...] = ()
    when: str = ""
    keywords: tuple[str, ...] = ()

    def field(self, name: str) -> Field | None:
        """The declared field called *name*, or None."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Step:
    """One step of the 迎问接听递送 flow (or the close step, rule 40)."""

    id: str
    name: str
    title: str
    rule: int
    prompt: str
    phrases: tuple[str, ...]
    reasons: tuple[str, ...] = ()  # the close step only: the pause reasons the clerk picks from (rule 40)


@dataclass(frozen=True)
class Flow:
    """The six reception steps in order, and the close step."""

    steps: tuple[Step, ...]
    close: Step

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        """The reasons offered when the window pauses its service (rule 40): [close] reasons in flow.toml."""
        return self.close.reasons

    def step(self, id: str) -> Step:
        """The step with this id (the close step included); KeyError if unknown."""
        for step in (*self.steps, self.close):
            if step.id == id:
                return step
        raise KeyError(id)


@dataclass(frozen=True)
class Taboo:
    """One forbidden phrase of rule 60 and what to say instead."""

    item: int
    seed: str
    instead: tuple[str, ...]
    advice: str = ""
    words: tuple[str, ...] = ()  # the item's lexicon: flagged wherever they occur (item 11's insults)
    harmless: tuple[str, ...] = ()  # words that contain one of them innocently ("滚动")

    @property
    def rule(self) -> str:
        """The rule reference, e.g. "60(3)"."""
        return f"60({self.item})"


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the start-of-shift checklist."""

    id: str
    section: str
    text: str
    rule: int
    seed: str
    may_not_apply: bool = False  # 不适用 is a choice (党员徽章 for a non-member, 西装 when none is worn)


@dataclass(frozen=True)
class Checklist:
    """The start-of-shift checklist (equipment, rule 19; appearance, rules 41–47)."""

    items: tuple[ChecklistItem, ...]

    def section(self, name: str) -> tuple[ChecklistItem, ...]:
        """The items of one section, in file order."""
        return tuple(item for item in self.items if item.section == name)


@dataclass(frozen=True)
class DirectoryEntry:
    """A department/window a person can be referred to (rule 10)."""

    id: str
    department: str
    window: str
    phone: str
    address: str
    matters: tuple[str, ...] = ()
    contact: str = ""  # 联系人 (rule 10: the contact person, phone and address)

    def card(self) -> str:
        """What the person referred is given: "市医疗保障局 联系人：王老师 电话：… 地址：…" (rule 10)."""
        contact = f" 联系人：{self.contact}" if self.contact else ""
        return f"{self.department}{contact} 电话：{self.phone} 地址：{self.address}"


@dataclass(frozen=True)
class Directory:
    """The referral directory; ``sample`` marks the built-in fictitious one."""

    sample: bool
    entries: tuple[DirectoryEntry, ...]


@dataclass(frozen=True)
class ScriptProblem:
    """Something wrong in a scripts file, said in Chinese with file, line and field."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = Path(self.file).name
        if self.line is not None:
            where += f" 第 {self.line} 行"
        if self.field:
            where += f"，字段 {self.field}"
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class Scripts:
    """Everything loaded from the six scripts files."""

    phrases: dict[str, Phrase]
    flow: Flow
    taboo: tuple[Taboo, ...]
    checklist: Checklist
    directory: Directory
    hours: Hours
    problems: tuple[ScriptProblem, ...] = ()

    def phrase(self, id: str) -> Phrase:
        """The phrase with this id; KeyError if unknown."""
        return self.phrases[id]


# ─── the schema, declared once as data ──────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Key:
    """One key of a table: its name, kind and whether it must be present."""

    name: str
    kind: str  # "str" "int" "bool" "str[]" "int[]" "table" "table[]"
    required: bool = True
    table: str = ""  # for "table" / "table[]": the name of the table's schema in _TABLES


_TABLES: dict[str, tuple[_Key, ...]] = {
    # the six files (their top level)
    "phrases.toml": (_Key("schema", "int"), _Key("phrase", "table[]", table="phrase")),
    "flow.toml": (
        _Key("schema", "int"),
        _Key("step", "table[]", table="step"),
        _Key("close", "table", table="close"),
    ),
    "taboo.toml": (_Key("schema", "int"), _Key("taboo", "table[]", table="taboo")),
    "checklist.toml": (_Key("schema", "int"), _Key("item", "table[]", table="item")),
    "directory.toml": (
        _Key("schema", "int"),
        _Key("sample", "bool"),
        _Key("entry", "table[]", table="entry"),
    ),
    "hours.toml": (
        _Key("schema", "int"),
        _Key("period", "table[]", table="period"),
        _Key("season", "table[]", required=False, table="season"),
        _Key("window", "table[]", required=False, table="window"),
        _Key("thresholds", "table", required=False, table="thresholds"),
    ),
    # the yearly holiday calendar, calendar-YYYY.toml (not one of the six: there is one per year)
    "calendar.toml": (
        _Key("schema", "int"),
        _Key("year", "int"),
        _Key("source", "str", required=False),
        _Key("holiday", "table[]", required=False, table="holiday"),
        _Key("workday", "table[]", required=False, table="workday"),
    ),
    # the tables inside them
    "phrase": (
        _Key("id", "str"),
        _Key("category", "str"),
        _Key("rule", "int"),
        _Key("seed", "str"),
        _Key("template", "str"),
        _Key("fields", "table[]", required=False, table="field"),
        _Key("when", "str", required=False),
        _Key("keywords", "str[]", required=False),
    ),
    "field": (
        _Key("name", "str"),
        _Key("type", "str"),
        _Key("label", "str", required=False),
        _Key("options", "str[]", required=False),
        _Key("multiple", "bool", required=False),
        _Key("hint", "str", required=False),
    ),
    "step": (
        _Key("id", "str"),
        _Key("name", "str"),
        _Key("title", "str"),
        _Key("rule", "int"),
        _Key("prompt", "str"),
        _Key("phrases", "str[]"),
    ),
    "close": (
        _Key("id", "str"),
        _Key("name", "str"),
        _Key("title", "str"),
        _Key("rule", "int"),
        _Key("prompt", "str"),
        _Key("phrases", "str[]"),
        _Key("reasons", "str[]", required=False),
    ),
    "taboo": (
        _Key("item", "int"),
        _Key("seed", "str"),
        _Key("instead", "str[]"),
        _Key("advice", "str", required=False),
        _Key("words", "str[]", required=False),
        _Key("harmless", "str[]", required=False),
    ),
    "item": (
        _Key("id", "str"),
        _Key("section", "str"),
        _Key("text", "str"),
        _Key("rule", "int"),
        _Key("seed", "str"),
        _Key("may_not_apply", "bool", required=False),
    ),
    "entry": (
        _Key("id", "str"),
        _Key("department", "str"),
        _Key("window", "str"),
        _Key("phone", "str"),
        _Key("address", "str"),
        _Key("matters", "str[]", required=False),
        _Key("contact", "str", required=False),
    ),
    "period": (_Key("days", "int[]"), _Key("start", "str"), _Key("end", "str")),
    "season": (
        _Key("name", "str"),
        _Key("from", "str"),
        _Key("to", "str"),
        _Key("period", "table[]", table="period"),
    ),
    "window": (
        _Key("window", "str"),
        _Key("season", "str", required=False),
        _Key("period", "table[]", table="period"),
    ),
    "thresholds": tuple(  # declared in the settings registry
        _Key(s.key.removeprefix("thresholds."), "int", required=False) for s in registry.of(registry.HOURS)
    ),
    "holiday": (_Key("name", "str"), _Key("from", "str"), _Key("to", "str")),
    "workday": (_Key("name", "str"), _Key("date", "str"), _Key("like", "int", required=False)),
}

_KIND_ZH = {
    "str": "文本（带引号的字符串）",
    "int": "整数",
    "bool": "true 或 false",
    "str[]": "文本列表",
    "int[]": "整数列表",
    "table": "表",
    "table[]": "表的数组（[[...]]）",
}

FILE_NAMES = ("phrases.toml", "flow.toml", "taboo.toml", "checklist.toml", "directory.toml", "hours.toml")
SCHEMA_VERSION = 1
CATEGORIES = ("问候", "受理", "接收", "办理", "退回", "回执", "告别", "接待", "电话", "流程")
FIELD_TYPES = ("text", "choice", "date", "working-days", "number")
STEP_IDS = ("ying", "wen", "jie", "ting", "di", "song")
STEP_NAMES = {"ying": "迎", "wen": "问", "jie": "接", "ting": "听", "di": "递", "song": "送"}
SECTIONS = ("equipment", "appearance")
# rule 40 names no reasons for 暂停服务: these are the software's own, used when flow.toml's [close] has none
DEFAULT_PAUSE_REASONS = ("会议", "培训", "系统维护", "临时离岗", "就餐", "其他")
_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TIME = re.compile(r"(\d{2}):(\d{2})")
_FALLBACK = "；已改用内置的默认文件。"

_DataPath = tuple[str | int, ...]  # a path into the data: ("phrase", 2, "fields", 0, "type"); ints 0-based


@dataclass(frozen=True)
class _Issue:
    """A problem found in the parsed data, before its line is known."""

    path: _DataPath
    message: str


def format_path(path: _DataPath) -> str:
    """("phrase", 2, "template") → "phrase[3].template" (1-based, as people count)."""
    out = ""
    for seg in path:
        out += f"[{seg + 1}]" if isinstance(seg, int) else (f".{seg}" if out else seg)
    return out


# ─── schema check ───────────────────────────────────────────────────────────────────────────────


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_table(data: dict, schema: str, path: _DataPath) -> Iterator[_Issue]:
    """Unknown keys, missing keys and wrong kinds in one table, recursively."""
    keys = {key.name: key for key in _TABLES[schema]}
    for name in data:
        if name not in keys:
            yield _Issue(path + (name,), f"未知的键 “{name}”（这里可用的键：{'、'.join(keys)}）")
    for key in keys.values():
        if key.name in data:
            yield from _check_value(data[key.name], key, path + (key.name,))
        elif key.required:
            yield _Issue(path + (key.name,), f"缺少必填的键 “{key.name}”")


def _check_value(value: Any, key: _Key, path: _DataPath) -> Iterator[_Issue]:
    """Whether *value* is of the kind *key* declares."""
    wrong = _Issue(path, f"“{key.name}” 应为{_KIND_ZH[key.kind]}，实际是 {_describe(value)}")
    if key.kind in ("str", "int", "bool", "table"):
        ok = {
            "str": lambda v: isinstance(v, str),
            "int": _is_int,
            "bool": lambda v: isinstance(v, bool),
            "table": lambda v: isinstance(v, dict),
        }[key.kind]
        if not ok(value):
            yield wrong
        elif key.kind == "table":
            yield from _check_table(value, key.table, path)
        return
    if not isinstance(value, list):
        yield wrong
        return
    for i, element in enumerate(value):
        if key.kind == "table[]":
            if not isinstance(element, dict):
                yield _Issue(path + (i,), f"“{key.name}” 的第 {i + 1} 项应为表，实际是 {_describe(element)}")
            else:
                yield from _check_table(element, key.table, path + (i,))
        elif not (isinstance(element, str) if key.kind == "str[]" else _is_int(element)):
            kind = "文本" if key.kind == "str[]" else "整数"
            yield _Issue(path + (i,), f"“{key.name}” 的第 {i + 1} 项应为{kind}，实际是 {_describe(element)}")


def _describe(value: Any) -> str:
    """A short Chinese description of a TOML value, for messages."""
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, int | float):
        return f"数字 {value}"
    if isinstance(value, str):
        return f"文本 “{value}”"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "表"
    return f"{type(value).__name__} {value}"


def _parse_month_day(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if not match:
        return None
    try:
        datetime.date(2024, int(match[1]), int(match[2]))  # a leap year, so 02-29 is allowed
    except ValueError:
        return None
    return int(match[1]), int(match[2])


def _parse_date(text: str) -> datetime.date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _parse_time(text: str) -> datetime.time | None:
    match = _TIME.fullmatch(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return datetime.time(int(match[1]), int(match[2]))
