"""Loading the scripts (话术) of the window assistant from ``scripts_zh/*.toml``.

Six files make up the scripts: phrases, flow, taboo, checklist, directory and hours. The built-in
copies live in ``<repo>/scripts_zh``; a service hall may put its own copies in a folder of its own.
Every hall file is checked against one explicit schema (declared below as data) plus the rules of
its content; a broken hall file yields exactly one :class:`ScriptProblem` (file, line, field, a Chinese
message) and that one file falls back to the built-in copy, while the other files still come from
the hall. Only the standard library is used (``tomllib``).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.hours import Calendar, Hours, Period, Season, Thresholds, WindowHours

__all__ = [
    "FILE_NAMES",
    "Checklist",
    "ChecklistItem",
    "Directory",
    "DirectoryEntry",
    "Field",
    "FieldType",
    "Flow",
    "Hours",
    "Period",
    "Phrase",
    "ScriptProblem",
    "Scripts",
    "Step",
    "Taboo",
    "Thresholds",
    "default_dir",
    "load_scripts",
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
    reasons: tuple[str, ...] = ()   # the close step only: the pause reasons the clerk picks from (rule 40)


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
    kind: str               # "str" "int" "bool" "str[]" "int[]" "table" "table[]"
    required: bool = True
    table: str = ""         # for "table" / "table[]": the name of the table's schema in _TABLES


_TABLES: dict[str, tuple[_Key, ...]] = {
    # the six files (their top level)
    "phrases.toml": (_Key("schema", "int"), _Key("phrase", "table[]", table="phrase")),
    "flow.toml": (_Key("schema", "int"), _Key("step", "table[]", table="step"),
                  _Key("close", "table", table="close")),
    "taboo.toml": (_Key("schema", "int"), _Key("taboo", "table[]", table="taboo")),
    "checklist.toml": (_Key("schema", "int"), _Key("item", "table[]", table="item")),
    "directory.toml": (_Key("schema", "int"), _Key("sample", "bool"),
                       _Key("entry", "table[]", table="entry")),
    "hours.toml": (_Key("schema", "int"), _Key("period", "table[]", table="period"),
                   _Key("season", "table[]", required=False, table="season"),
                   _Key("window", "table[]", required=False, table="window"),
                   _Key("thresholds", "table", required=False, table="thresholds")),
    # the yearly holiday calendar, calendar-YYYY.toml (not one of the six: there is one per year)
    "calendar.toml": (_Key("schema", "int"), _Key("year", "int"), _Key("source", "str", required=False),
                      _Key("holiday", "table[]", required=False, table="holiday"),
                      _Key("workday", "table[]", required=False, table="workday")),
    # the tables inside them
    "phrase": (_Key("id", "str"), _Key("category", "str"), _Key("rule", "int"), _Key("seed", "str"),
               _Key("template", "str"), _Key("fields", "table[]", required=False, table="field"),
               _Key("when", "str", required=False), _Key("keywords", "str[]", required=False)),
    "field": (_Key("name", "str"), _Key("type", "str"), _Key("label", "str", required=False),
              _Key("options", "str[]", required=False), _Key("multiple", "bool", required=False),
              _Key("hint", "str", required=False)),
    "step": (_Key("id", "str"), _Key("name", "str"), _Key("title", "str"), _Key("rule", "int"),
             _Key("prompt", "str"), _Key("phrases", "str[]")),
    "close": (_Key("id", "str"), _Key("name", "str"), _Key("title", "str"), _Key("rule", "int"),
              _Key("prompt", "str"), _Key("phrases", "str[]"), _Key("reasons", "str[]", required=False)),
    "taboo": (_Key("item", "int"), _Key("seed", "str"), _Key("instead", "str[]"),
              _Key("advice", "str", required=False)),
    "item": (_Key("id", "str"), _Key("section", "str"), _Key("text", "str"), _Key("rule", "int"),
             _Key("seed", "str")),
    "entry": (_Key("id", "str"), _Key("department", "str"), _Key("window", "str"), _Key("phone", "str"),
              _Key("address", "str"), _Key("matters", "str[]", required=False)),
    "period": (_Key("days", "int[]"), _Key("start", "str"), _Key("end", "str")),
    "season": (_Key("name", "str"), _Key("from", "str"), _Key("to", "str"),
               _Key("period", "table[]", table="period")),
    "window": (_Key("window", "str"), _Key("season", "str", required=False),
               _Key("period", "table[]", table="period")),
    "thresholds": tuple(_Key(name, "int", required=False) for name in (
        "checklist_lead_minutes", "ring_count", "ring_seconds", "call_while_serving_minutes",
        "long_wait_minutes", "reminder_minutes", "closing_warning_minutes", "fast_run_seconds",
        "fault_long_minutes")),
    "holiday": (_Key("name", "str"), _Key("from", "str"), _Key("to", "str")),
    "workday": (_Key("name", "str"), _Key("date", "str"), _Key("like", "int", required=False)),
}

_KIND_ZH = {
    "str": "文本（带引号的字符串）", "int": "整数", "bool": "true 或 false", "str[]": "文本列表",
    "int[]": "整数列表", "table": "表", "table[]": "表的数组（[[...]]）",
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

_DataPath = tuple[str | int, ...]   # a path into the data: ("phrase", 2, "fields", 0, "type"); ints 0-based


@dataclass(frozen=True)
class _Issue:
    """A problem found in the parsed data, before its line is known."""

    path: _DataPath
    message: str


def _format_path(path: _DataPath) -> str:
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
        ok = {"str": lambda v: isinstance(v, str), "int": _is_int,
              "bool": lambda v: isinstance(v, bool), "table": lambda v: isinstance(v, dict)}[key.kind]
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


# ─── content checks, one function per file ──────────────────────────────────────────────────────

@dataclass(frozen=True)
class _Context:
    """What the checks of one file need to know about the others."""

    phrase_ids: frozenset[str] = frozenset()        # phrases in use (for flow/taboo references)
    required_phrases: tuple[str, ...] = ()          # built-in ids a hall phrases file must keep
    hall: bool = False                              # a hall's own file: its phrases face the taboo guard


def _unique(tables: list[dict], key: str, name: str) -> Iterator[_Issue]:
    """Duplicate values of *key* among the [[name]] tables."""
    seen: dict[Any, int] = {}
    for i, table in enumerate(tables):
        value = table[key]
        if value in seen:
            yield _Issue((name, i, key), f"{key} “{value}” 与第 {seen[value] + 1} 个 [[{name}]] 重复")
        seen.setdefault(value, i)


def _not_blank(table: dict, keys: Iterable[str], path: _DataPath) -> Iterator[_Issue]:
    for key in keys:
        if isinstance(table.get(key), str) and not table[key].strip():
            yield _Issue(path + (key,), f"“{key}” 不能为空")


def _rule_number(table: dict, path: _DataPath) -> Iterator[_Issue]:
    if not 1 <= table["rule"] <= 62:
        yield _Issue(path + ("rule",), f"条文编号 {table['rule']} 不存在（规范共 62 条）")


def _phrase_refs(ids: list[str], path: _DataPath, ctx: _Context) -> Iterator[_Issue]:
    for i, pid in enumerate(ids):
        if pid not in ctx.phrase_ids:
            yield _Issue(path + (i,), f"引用了不存在的话术 “{pid}”（phrases.toml 中没有这个 id）")


def _phrases_issues(data: dict, ctx: _Context) -> Iterator[_Issue]:
    phrases = data["phrase"]
    for i, phrase in enumerate(phrases):
        at = ("phrase", i)
        if not _ID.fullmatch(phrase["id"]):
            yield _Issue(at + ("id",), f"id “{phrase['id']}” 不合规：只能用小写英文字母、数字、下划线和点，"
                                       "如 greet.welcome")
        if phrase["category"] not in CATEGORIES:
            yield _Issue(at + ("category",), f"未知的类别 “{phrase['category']}”（可用：{'、'.join(CATEGORIES)}）")
        yield from _rule_number(phrase, at)
        yield from _not_blank(phrase, ("seed", "template"), at)
        yield from _template_issues(phrase, at)
        if ctx.hall:
            yield from _taboo_issues_of_phrase(phrase, at)
    yield from _unique(phrases, "id", "phrase")
    present = {phrase["id"] for phrase in phrases}
    missing = [pid for pid in ctx.required_phrases if pid not in present]
    if missing:
        # other parts of the assistant call these ids directly (e.g. the 请稍候 hotkey)
        yield _Issue(("phrase",), f"缺少内置话术 {'、'.join(missing)}：可以改写内容，但不能删除这些 id")


def _taboo_issues_of_phrase(phrase: dict, at: _DataPath) -> Iterator[_Issue]:
    """A hall phrase that says what rule 60 forbids (issue 7): the same guard as the composer and `lint`."""
    from assistant.guard import shared_guard  # lazy: only hall files pay for building the guard

    texts: list[tuple[_DataPath, str]] = [(at + ("template",), phrase["template"]), (at + ("seed",), phrase["seed"])]
    for j, f in enumerate(phrase.get("fields", [])):
        texts += [(at + ("fields", j, "options", k), o) for k, o in enumerate(f.get("options", []))]
    for path, text in texts:
        filled = _PLACEHOLDER.sub("某", text)   # field names are not words the clerk says
        hits = shared_guard().check(filled)
        if hits:
            said = "、".join(f"“{filled[h.start:h.end]}”（{h.rule}）" for h in hits)
            yield _Issue(path, f"含第 60 条禁止的服务忌语：{said}，不能作为规范用语")


def _template_issues(phrase: dict, at: _DataPath) -> Iterator[_Issue]:
    """Placeholders well formed, every used field declared and every declared field used."""
    fields = phrase.get("fields", [])
    yield from _field_decl_issues(fields, at)
    template = phrase["template"]
    yield from _brace_issues(template, at + ("template",))
    if "..." in template or "…" in template:
        yield _Issue(at + ("template",), "模板里还有省略号：请把 “……” 改成 {字段名} 并在 fields 中声明")
    declared = {f["name"] for f in fields}
    used = set(_PLACEHOLDER.findall(template))
    for name in _PLACEHOLDER.findall(template):
        if name not in declared:
            yield _Issue(at + ("template",), f"模板用到未声明的字段 {{{name}}}")
    for j, f in enumerate(fields):
        for k, option in enumerate(f.get("options", [])):
            yield from _brace_issues(option, at + ("fields", j, "options", k))
            for name in _PLACEHOLDER.findall(option):
                used.add(name)
                if name not in declared:
                    yield _Issue(at + ("fields", j, "options", k), f"选项 “{option}” 用到未声明的字段 {{{name}}}")
    for j, f in enumerate(fields):
        if f["name"] not in used:
            yield _Issue(at + ("fields", j, "name"), f"声明了字段 {{{f['name']}}}，但模板和选项里都没有用到")


def _field_decl_issues(fields: list[dict], at: _DataPath) -> Iterator[_Issue]:
    """Each field declaration on its own: type known, options only (and always) for choice."""
    seen: set[str] = set()
    for j, f in enumerate(fields):
        fat = at + ("fields", j)
        if not f["name"].strip() or any(c in f["name"] for c in "{}"):
            yield _Issue(fat + ("name",), f"字段名 “{f['name']}” 无效：不能为空，也不能含花括号")
        if f["name"] in seen:
            yield _Issue(fat + ("name",), f"字段 {{{f['name']}}} 重复声明")
        seen.add(f["name"])
        if f["type"] not in FIELD_TYPES:
            yield _Issue(fat + ("type",), f"未知的字段类型 “{f['type']}”（可用：{'、'.join(FIELD_TYPES)}）")
        if f["type"] == "choice" and not f.get("options"):
            yield _Issue(fat + ("options",), "choice 类型的字段必须给出 options（至少一个选项）")
        for key in ("options", "multiple"):
            if f["type"] != "choice" and f.get(key):
                yield _Issue(fat + (key,), f"只有 choice 类型的字段才能有 {key}")


def _brace_issues(text: str, path: _DataPath) -> Iterator[_Issue]:
    """Stray or empty braces: {} and unmatched { or }."""
    rest = _PLACEHOLDER.sub(lambda m: "\0" if m.group(1).strip() else "{}", text)
    if "{}" in rest:
        yield _Issue(path, "花括号里缺少字段名：应写成 {字段名}")
    elif "{" in rest or "}" in rest:
        yield _Issue(path, "花括号不配对：字段应写成 {字段名}")


def _flow_issues(data: dict, ctx: _Context) -> Iterator[_Issue]:
    steps = data["step"]
    for i, step in enumerate(steps):
        at = ("step", i)
        if i >= len(STEP_IDS):
            yield _Issue(at, f"步骤太多：接待流程只有 {len(STEP_IDS)} 步（{'、'.join(STEP_NAMES.values())}）")
            continue
        expected = STEP_IDS[i]
        if step["id"] != expected:
            yield _Issue(at + ("id",), f"第 {i + 1} 步的 id 应为 “{expected}”，实际是 “{step['id']}”")
        elif step["name"] != STEP_NAMES[expected]:
            yield _Issue(at + ("name",), f"步骤 {expected} 的 name 应为 “{STEP_NAMES[expected]}”")
        yield from _rule_number(step, at)
        yield from _not_blank(step, ("title", "prompt"), at)
        yield from _phrase_refs(step["phrases"], at + ("phrases",), ctx)
    if len(steps) < len(STEP_IDS):
        yield _Issue(("step",), f"步骤不全：缺少 {'、'.join(STEP_IDS[len(steps):])}")
    close = data["close"]
    if close["id"] != "close":
        yield _Issue(("close", "id"), f"关闭步骤的 id 应为 “close”，实际是 “{close['id']}”")
    yield from _rule_number(close, ("close",))
    yield from _phrase_refs(close["phrases"], ("close", "phrases"), ctx)
    yield from _reason_issues(close.get("reasons"), ("close", "reasons"))


def _reason_issues(reasons: list[str] | None, at: _DataPath) -> Iterator[_Issue]:
    """The pause reasons of rule 40: absent (the defaults), or a list of distinct, non-blank texts."""
    if reasons is None:
        return
    if not reasons:
        yield _Issue(at, "reasons 不能是空列表：至少写一个暂停原因，如 reasons = [\"会议\", \"其他\"]；删去这一行则使用默认的六个原因")
    seen: set[str] = set()
    for k, reason in enumerate(reasons):
        if not reason.strip():
            yield _Issue(at + (k,), f"第 {k + 1} 个暂停原因是空的")
        elif reason.strip() in seen:
            yield _Issue(at + (k,), f"暂停原因 “{reason}” 重复")
        seen.add(reason.strip())


def _taboo_issues(data: dict, ctx: _Context) -> Iterator[_Issue]:
    for i, taboo in enumerate(data["taboo"]):
        at = ("taboo", i)
        if taboo["item"] < 1:
            yield _Issue(at + ("item",), f"项号应从 1 开始，实际是 {taboo['item']}")
        yield from _not_blank(taboo, ("seed",), at)
        yield from _phrase_refs(taboo["instead"], at + ("instead",), ctx)
    yield from _unique(data["taboo"], "item", "taboo")


def _checklist_issues(data: dict, ctx: _Context) -> Iterator[_Issue]:
    for i, item in enumerate(data["item"]):
        at = ("item", i)
        if item["section"] not in SECTIONS:
            yield _Issue(at + ("section",), f"未知的分组 “{item['section']}”（可用：{'、'.join(SECTIONS)}）")
        yield from _rule_number(item, at)
        yield from _not_blank(item, ("id", "text", "seed"), at)
    yield from _unique(data["item"], "id", "item")


def _directory_issues(data: dict, ctx: _Context) -> Iterator[_Issue]:
    for i, entry in enumerate(data["entry"]):
        yield from _not_blank(entry, ("id", "department", "window", "phone"), ("entry", i))
    yield from _unique(data["entry"], "id", "entry")


def _period_issues(periods: list[dict], at: _DataPath) -> Iterator[_Issue]:
    for i, period in enumerate(periods):
        here = at + (i,)
        if not period["days"]:
            yield _Issue(here + ("days",), "days 不能为空：至少写一天（1=星期一 … 7=星期日）")
        for k, day in enumerate(period["days"]):
            if not 1 <= day <= 7:
                yield _Issue(here + ("days", k), f"星期 {day} 无效：应为 1（星期一）到 7（星期日）")
        times = {}
        for key in ("start", "end"):
            times[key] = _parse_time(period[key])
            if times[key] is None:
                yield _Issue(here + (key,), f"时间 “{period[key]}” 无效：应写成 00:00–23:59 之间的 “时:分”，如 “09:00”")
        if None not in times.values() and times["end"] <= times["start"]:
            yield _Issue(here + ("end",), f"结束时间 {period['end']} 不晚于开始时间 {period['start']}")
    # two periods of one day that overlap would make "is the window open?" ambiguous
    for i, p in enumerate(periods):
        for j in range(i):
            q = periods[j]
            if set(p["days"]) & set(q["days"]) and p["start"] < q["end"] and q["start"] < p["end"]:
                yield _Issue(at + (i, "start"), f"时段 {p['start']}–{p['end']} 与时段 {q['start']}–{q['end']} 重叠")


def _hours_issues(data: dict, ctx: _Context) -> Iterator[_Issue]:
    yield from _period_issues(data["period"], ("period",))
    seasons = data.get("season", [])
    for i, season in enumerate(seasons):
        for key in ("from", "to"):
            if _parse_month_day(season[key]) is None:
                yield _Issue(("season", i, key), f"日期 “{season[key]}” 无效：应写成 “月-日”，如 “05-01”")
        yield from _not_blank(season, ("name",), ("season", i))
        yield from _period_issues(season["period"], ("season", i, "period"))
    yield from _unique(seasons, "name", "season")
    names = {s["name"] for s in seasons}
    for i, window in enumerate(data.get("window", [])):
        yield from _not_blank(window, ("window",), ("window", i))
        if window.get("season") and window["season"] not in names:
            yield _Issue(("window", i, "season"), f"作息 “{window['season']}” 不存在（[[season]] 中的 name）")
        yield from _period_issues(window["period"], ("window", i, "period"))
    for name, value in data.get("thresholds", {}).items():
        if value <= 0:
            yield _Issue(("thresholds", name), f"{name} 应为正整数，实际是 {value}")


def _calendar_issues(data: dict, ctx: _Context) -> Iterator[_Issue]:
    year = data["year"]
    for kind, keys in (("holiday", ("from", "to")), ("workday", ("date",))):
        for i, entry in enumerate(data.get(kind, [])):
            yield from _not_blank(entry, ("name",), (kind, i))
            days = {}
            for key in keys:
                days[key] = _parse_date(entry[key])
                if days[key] is None:
                    yield _Issue((kind, i, key), f"日期 “{entry[key]}” 无效：应写成 “年-月-日”，如 “{year}-10-01”")
                elif days[key].year != year:
                    yield _Issue((kind, i, key), f"日期 {entry[key]} 不在本文件的年份 {year} 内")
            if kind == "holiday" and None not in days.values() and days["to"] < days["from"]:
                yield _Issue((kind, i, "to"), f"放假结束日 {entry['to']} 早于开始日 {entry['from']}")
            if kind == "workday" and not 1 <= entry.get("like", 1) <= 7:
                yield _Issue((kind, i, "like"), f"like = {entry['like']} 无效：应为 1（星期一）到 7（星期日）")


def _parse_month_day(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if not match:
        return None
    try:
        datetime.date(2024, int(match[1]), int(match[2]))   # a leap year, so 02-29 is allowed
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


# ─── building the objects from checked data ─────────────────────────────────────────────────────

def _build_phrases(data: dict) -> dict[str, Phrase]:
    return {
        p["id"]: Phrase(
            id=p["id"], category=p["category"], rule=p["rule"], seed=p["seed"], template=p["template"],
            fields=tuple(Field(name=f["name"], type=f["type"], label=f.get("label", ""),
                               options=tuple(f.get("options", ())), multiple=f.get("multiple", False),
                               hint=f.get("hint", "")) for f in p.get("fields", ())),
            when=p.get("when", ""), keywords=tuple(p.get("keywords", ())))
        for p in data["phrase"]
    }


def _build_step(s: dict) -> Step:
    return Step(id=s["id"], name=s["name"], title=s["title"], rule=s["rule"], prompt=s["prompt"],
                phrases=tuple(s["phrases"]))


def _build_flow(data: dict) -> Flow:
    close = data["close"]
    reasons = tuple(r.strip() for r in close.get("reasons", DEFAULT_PAUSE_REASONS))
    return Flow(steps=tuple(_build_step(s) for s in data["step"]),
                close=dataclasses.replace(_build_step(close), reasons=reasons))


def _build_taboo(data: dict) -> tuple[Taboo, ...]:
    return tuple(Taboo(item=t["item"], seed=t["seed"], instead=tuple(t["instead"]), advice=t.get("advice", ""))
                 for t in data["taboo"])


def _build_checklist(data: dict) -> Checklist:
    return Checklist(items=tuple(ChecklistItem(**item) for item in data["item"]))


def _build_directory(data: dict) -> Directory:
    entries = tuple(DirectoryEntry(**{**e, "matters": tuple(e.get("matters", ()))}) for e in data["entry"])
    return Directory(sample=data["sample"], entries=entries)


def _build_periods(periods: list[dict]) -> tuple[Period, ...]:
    return tuple(Period(days=tuple(p["days"]), start=_parse_time(p["start"]), end=_parse_time(p["end"]))
                 for p in periods)


def _build_hours(data: dict) -> Hours:
    seasons = tuple(Season(name=s["name"], start=_parse_month_day(s["from"]), end=_parse_month_day(s["to"]),
                           periods=_build_periods(s["period"])) for s in data.get("season", ()))
    windows = tuple(WindowHours(window=w["window"].strip(), periods=_build_periods(w["period"]),
                                season=w.get("season", "")) for w in data.get("window", ()))
    return Hours(periods=_build_periods(data["period"]), thresholds=Thresholds(**data.get("thresholds", {})),
                 seasons=seasons, windows=windows)


def _build_calendar(data: dict) -> Calendar:
    holidays: dict[datetime.date, str] = {}
    for h in data.get("holiday", ()):
        day, last = _parse_date(h["from"]), _parse_date(h["to"])
        while day <= last:
            holidays[day] = h["name"]
            day += datetime.timedelta(days=1)
    workdays = {_parse_date(w["date"]): (w["name"], w.get("like", 1)) for w in data.get("workday", ())}
    return Calendar(years=(data["year"],), holidays=holidays, workdays=workdays)


def _merge_calendars(calendars: Iterable[Calendar]) -> Calendar:
    years: set[int] = set()
    holidays: dict[datetime.date, str] = {}
    workdays: dict[datetime.date, tuple[str, int]] = {}
    for cal in calendars:
        years.update(cal.years)
        holidays.update(cal.holidays)
        workdays.update(cal.workdays)
    return Calendar(years=tuple(sorted(years)), holidays=holidays, workdays=workdays)


@dataclass(frozen=True)
class _FileKind:
    """How one of the six files is checked and turned into objects."""

    issues: Callable[[dict, _Context], Iterator[_Issue]]
    build: Callable[[dict], Any]


_FILES: dict[str, _FileKind] = {
    "phrases.toml": _FileKind(_phrases_issues, _build_phrases),
    "flow.toml": _FileKind(_flow_issues, _build_flow),
    "taboo.toml": _FileKind(_taboo_issues, _build_taboo),
    "checklist.toml": _FileKind(_checklist_issues, _build_checklist),
    "directory.toml": _FileKind(_directory_issues, _build_directory),
    "hours.toml": _FileKind(_hours_issues, _build_hours),
    "calendar.toml": _FileKind(_calendar_issues, _build_calendar),
}


# ─── finding the line of a path in the TOML text (tomllib gives no positions) ──────────────────

_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\[\]#\n]+?)[ \t]*\]\]?[ \t]*(?:#[^\n]*)?$", re.MULTILINE)


@dataclass(frozen=True)
class _Header:
    start: int        # offset of the header line
    end: int          # offset just after the header text
    name: str         # dotted name without quotes or spaces, e.g. "phrase" or "thresholds"


def _headers(text: str) -> list[_Header]:
    out = []
    for m in _HEADER.finditer(text):
        name = ".".join(part.strip().strip("\"'") for part in m.group(2).split("."))
        out.append(_Header(m.start(), m.end(), name))
    return out


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _locate(text: str, path: _DataPath) -> int:
    """The 1-based line that best shows *path*: the key itself, else its nearest enclosing table."""
    text = text.replace("\r\n", "\n")
    headers = _headers(text)
    start, end, prefix, best = 0, len(text), "", 0
    i = 0
    while i < len(path) and isinstance(path[i], str):
        full = prefix + str(path[i])
        tables = [h for h in headers if start <= h.start < end and h.name == full]
        has_index = i + 1 < len(path) and isinstance(path[i + 1], int)
        if tables:
            index = path[i + 1] if has_index else 0
            if index >= len(tables):
                return _line_of(text, tables[-1].start)
            header = tables[index]
            best, start = header.start, header.end
            end = next((h.start for h in headers if h.start > header.start
                        and not h.name.startswith(full + ".")), end)
            prefix, i = full + ".", i + (2 if has_index else 1)
            continue
        own_end = next((h.start for h in headers if start <= h.start < end), end)
        key = re.compile(rf"^[ \t]*(?:{re.escape(str(path[i]))}|\"{re.escape(str(path[i]))}\")[ \t]*=[ \t]*", re.MULTILINE)
        m = key.search(text, start, own_end)
        if m:
            best = _descend(text, m.end(), path[i + 1:], m.start())
        break
    return _line_of(text, best)


def _descend(text: str, pos: int, rest: _DataPath, best: int) -> int:
    """Follow array indexes and inline-table keys inside a value; the offset of the deepest one found."""
    for seg in rest:
        if pos >= len(text) or text[pos] not in "[{":
            break
        items, _ = _items(text, pos)
        if isinstance(seg, int):
            if text[pos] != "[" or seg >= len(items):
                break
            best = pos = items[seg]
            continue
        if text[pos] != "{":
            break
        for item in items:
            name, after = _read_key(text, item)
            if name == seg:
                best, pos = item, _skip_blank(text, after + 1)   # after is at "="
                break
        else:
            break
    return best


def _skip_blank(text: str, pos: int) -> int:
    """Skip whitespace, newlines and comments."""
    while pos < len(text):
        if text[pos] in " \t\r\n":
            pos += 1
        elif text[pos] == "#":
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
        else:
            break
    return pos


def _read_key(text: str, pos: int) -> tuple[str, int]:
    """An inline-table key at *pos* (bare or quoted), and the offset of the "=" after it."""
    if text[pos] in "\"'":
        close = text.find(text[pos], pos + 1)
        name, pos = text[pos + 1:close], close + 1
    else:
        m = re.compile(r"[A-Za-z0-9_\-.]*").match(text, pos)
        name, pos = m.group(), m.end()
    pos = _skip_blank(text, pos)
    return name, pos


def _items(text: str, pos: int) -> tuple[list[int], int]:
    """Start offsets of the items of the array or inline table opening at *pos*, and the offset after it."""
    close = "]" if text[pos] == "[" else "}"
    starts: list[int] = []
    pos += 1
    while True:
        pos = _skip_blank(text, pos)
        if pos >= len(text) or text[pos] == close:
            return starts, pos + 1
        starts.append(pos)
        if close == "}":
            _, pos = _read_key(text, pos)
            pos = _skip_blank(text, pos + 1)
        pos = _skip_blank(text, _skip_value(text, pos))
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos >= len(text) or text[pos] != close:
            return starts, pos      # not valid TOML after all; stop rather than loop


def _skip_value(text: str, pos: int) -> int:
    """The offset just after the TOML value starting at *pos*."""
    for quote in ('"""', "'''"):
        if text.startswith(quote, pos):
            end = text.find(quote, pos + 3)
            return len(text) if end < 0 else end + 3
    if pos < len(text) and text[pos] == '"':
        m = re.compile(r'"(?:[^"\\\n]|\\.)*"').match(text, pos)
        return m.end() if m else pos + 1
    if pos < len(text) and text[pos] == "'":
        end = text.find("'", pos + 1)
        return len(text) if end < 0 else end + 1
    if pos < len(text) and text[pos] in "[{":
        return _items(text, pos)[1]
    return re.compile(r"[^,\]}\n#]*").match(text, pos).end()


# ─── reading one file ───────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class _Failure:
    """Why a file could not be used: its line, field path and a Chinese message."""

    line: int | None
    field: str
    message: str


_SYNTAX_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _decode(raw: bytes) -> str | _Failure:
    try:
        return raw.decode("utf-8-sig")      # a BOM from Windows Notepad is harmless
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return _Failure(line, "", f"文件不是有效的 UTF-8 编码（第 {error.start + 1} 个字节出错），请用 UTF-8 编码保存")


def _parse(text: str) -> dict | _Failure:
    if not text.strip():
        return _Failure(1, "", "文件是空的")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        detail = str(error)
        m = _SYNTAX_AT.search(detail)
        line = int(m[1]) if m else None
        where = f"第 {m[1]} 行第 {m[2]} 列" if m else "位置不明"
        return _Failure(line, "", f"TOML 语法错误（{where}）：{_SYNTAX_AT.sub('', detail).strip()}")


def _read(path: Path, name: str, ctx: _Context) -> Any | _Failure:
    """Read, parse, check and build one file; a _Failure says what was wrong."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return _Failure(None, "", f"无法读取文件：{error.strerror or error}")
    text = _decode(raw)
    if isinstance(text, _Failure):
        return text
    data = _parse(text)
    if isinstance(data, _Failure):
        return data
    issue = next(_check_table(data, name, ()), None) or next(_content_issues(data, name, ctx), None)
    if issue is not None:
        return _Failure(_locate(text, issue.path), _format_path(issue.path), issue.message)
    return _FILES[name].build(data)


def _content_issues(data: dict, name: str, ctx: _Context) -> Iterator[_Issue]:
    if data["schema"] != SCHEMA_VERSION:
        yield _Issue(("schema",), f"不支持的格式版本 schema = {data['schema']}，本程序只认 schema = {SCHEMA_VERSION}")
    yield from _FILES[name].issues(data, ctx)


# ─── loading all six ────────────────────────────────────────────────────────────────────────────

def default_dir() -> Path:
    """The built-in scripts folder: <repo>/scripts_zh, or scripts_zh/ inside the packaged app (PyInstaller
    unpacks the bundle's data under sys._MEIPASS; see packaging/)."""
    root = getattr(sys, "_MEIPASS", None) or Path(__file__).resolve().parent.parent
    return Path(root) / "scripts_zh"


def _default(name: str, ctx: _Context) -> Any:
    """The built-in copy of a file; it must always load, so a failure is a packaging bug."""
    path = default_dir() / name
    result = _read(path, name, ctx)
    if not isinstance(result, _Failure):
        return result
    problem = ScriptProblem(str(path), result.line, result.field, result.message + "（内置的默认文件损坏，请重新安装本程序）")
    raise RuntimeError(str(problem))


def _load(name: str, hall: Path | None, ctx: _Context, problems: list[ScriptProblem]) -> Any:
    """The hall's copy of *name* if it exists and is sound, else the built-in one."""
    if hall is not None and (hall / name).exists():
        result = _read(hall / name, name, dataclasses.replace(ctx, hall=True))
        if not isinstance(result, _Failure):
            return result
        problems.append(ScriptProblem(str(hall / name), result.line, result.field, result.message + _FALLBACK))
    return _default(name, ctx)


CALENDAR_GLOB = "calendar-*.toml"


def _with_calendar(hours: Hours, hall: Path | None, ctx: _Context, problems: list[ScriptProblem]) -> Hours:
    """*hours* with the yearly calendars: each built-in calendar-YYYY.toml, replaced by the hall's copy of the
    same name when sound; a hall may add years of its own (the admin drops in next year's file)."""
    by_name: dict[str, Calendar] = {}
    for path in sorted(default_dir().glob(CALENDAR_GLOB)):
        result = _read(path, "calendar.toml", ctx)
        if isinstance(result, _Failure):
            problem = ScriptProblem(str(path), result.line, result.field, result.message + "（内置的默认文件损坏，请重新安装本程序）")
            raise RuntimeError(str(problem))
        by_name[path.name] = result
    if hall is not None:
        for path in sorted(hall.glob(CALENDAR_GLOB)):
            result = _read(path, "calendar.toml", ctx)
            if isinstance(result, _Failure):
                fallback = "；已改用内置的同名文件。" if path.name in by_name else "；这一年的节假日未载入。"
                problems.append(ScriptProblem(str(path), result.line, result.field, result.message + fallback))
            else:
                by_name[path.name] = result
    return dataclasses.replace(hours, calendar=_merge_calendars(by_name.values()))


def load_scripts(hall_dir: Path | None = None) -> Scripts:
    """Load the six scripts files: the hall's copy of each where present and sound, else the built-in one."""
    problems: list[ScriptProblem] = []
    hall = Path(hall_dir) if hall_dir is not None else None
    if hall is not None and not hall.is_dir():
        problems.append(ScriptProblem(str(hall), None, "", f"找不到大厅话术文件夹 {hall.resolve()}（或它不是文件夹），"
                                                            "已全部使用内置的默认文件。"))
        hall = None
    builtin_ids = tuple(_default("phrases.toml", _Context()))
    phrases = _load("phrases.toml", hall, _Context(required_phrases=builtin_ids), problems)
    ctx = _Context(phrase_ids=frozenset(phrases), required_phrases=builtin_ids)
    return Scripts(
        phrases=phrases,
        flow=_load("flow.toml", hall, ctx, problems),
        taboo=_load("taboo.toml", hall, ctx, problems),
        checklist=_load("checklist.toml", hall, ctx, problems),
        directory=_load("directory.toml", hall, ctx, problems),
        hours=_with_calendar(_load("hours.toml", hall, ctx, problems), hall, ctx, problems),
        problems=tuple(problems),
    )
