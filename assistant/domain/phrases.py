"""Filling a phrase's fields and finding phrases: the same code for the CLI and the sidebar."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from assistant.config.schema import Field, Phrase

FIELD_RE = re.compile(r"\{([^{}]+)\}")
CHOICE_SEPARATORS = re.compile(r"[、,，/]")
# Options nest at most this deep ("将于{日期}前通知您" inside a choice); a guard against a self-referring file.
MAX_NESTING = 3


class RenderError(ValueError):
    """A phrase could not be filled in; the message is Chinese and names the phrase and the field."""

    def __init__(self, phrase: Phrase, field: str, message: str) -> None:
        super().__init__(f"短语 {phrase.id}：字段“{field}”{message}")
        self.phrase_id = phrase.id
        self.field = field


def fields_in(text: str) -> list[str]:
    """The field names a template or option uses, in order of appearance, each once."""
    return list(dict.fromkeys(FIELD_RE.findall(text)))


def required_fields(phrase: Phrase, values: Mapping[str, str]) -> list[str]:
    """The fields still to fill, given the choices already made in `values`."""
    needed: list[str] = []
    pending = fields_in(phrase.template)
    for _ in range(MAX_NESTING + 1):
        nested: list[str] = []
        for name in pending:
            if name in needed:
                continue
            needed.append(name)
            field = phrase.field(name)
            if field is not None and field.type == "choice" and name in values:
                for option in _chosen_options(phrase, field, values[name]):
                    nested.extend(fields_in(option))
        if not nested:
            break
        pending = nested
    return needed


def render(phrase: Phrase, values: Mapping[str, str]) -> str:
    """The phrase's template with every field filled; RenderError names the first wrong or missing field."""
    for name in values:
        if phrase.field(name) is None:
            known = "、".join(f.name for f in phrase.fields) or "无"
            raise RenderError(phrase, name, f"不存在（此短语的字段：{known}）")
    text = phrase.template
    for _ in range(MAX_NESTING + 1):
        names = fields_in(text)
        if not names:
            return text
        for name in names:
            field = phrase.field(name)
            if field is None:  # scripts validation forbids this; keep the message clear anyway
                raise RenderError(phrase, name, "在模板中使用但未声明")
            raw = values.get(name, "")
            if not str(raw).strip():
                raise RenderError(phrase, name, f"未填写（{field.label or field.type}）")
            text = _fill(text, name, _format(phrase, field, str(raw)))
    raise RenderError(phrase, fields_in(text)[0], "嵌套过深")


def _fill(text: str, name: str, value: str) -> str:
    """*text* with {name} replaced by *value*; a value ending in 窗口 takes the place of a following "窗口" or
    "办事窗口": "这里是{窗口}办事窗口" with 社保3号窗口 reads "这里是社保3号窗口" (rule 29), not "…窗口办事窗口"."""
    if value.endswith("窗口"):
        text = re.sub(r"\{" + re.escape(name) + r"\}(?:办事)?窗口", lambda _: value, text)
    return text.replace("{" + name + "}", value)


def _chosen_options(phrase: Phrase, field: Field, raw: str) -> list[str]:
    chosen = [part.strip() for part in CHOICE_SEPARATORS.split(raw)] if field.multiple else [raw.strip()]
    chosen = [c for c in chosen if c]
    for option in chosen:
        if option not in field.options:
            allowed = " / ".join(field.options)
            raise RenderError(phrase, field.name, f"的值“{option}”不在可选项中（{allowed}）")
    return chosen


def _format(phrase: Phrase, field: Field, raw: str) -> str:
    value = raw.strip()
    if field.type == "choice":
        return "、".join(_chosen_options(phrase, field, value))
    if field.type == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise RenderError(phrase, field.name, f"的值“{value}”不是日期（格式 2026-12-01）") from None
        return f"{day.month}月{day.day}日"
    if field.type in ("working-days", "number"):
        if not value.isdigit() or int(value) < (1 if field.type == "working-days" else 0):
            raise RenderError(phrase, field.name, f"的值“{value}”不是有效的天数")
        return str(int(value))
    if "{" in value or "}" in value:
        raise RenderError(phrase, field.name, "的值不能包含花括号")
    return value


def search(phrases: Iterable[Phrase], query: str = "", category: str = "") -> list[Phrase]:
    """Phrases of `category` (all when empty) whose text, seed, id or keywords contain `query`."""
    needle = query.strip().lower()
    found = []
    for phrase in phrases:
        if category and phrase.category != category:
            continue
        haystack = " ".join((phrase.template, phrase.seed, phrase.id, phrase.category, *phrase.keywords))
        if needle in haystack.lower():
            found.append(phrase)
    return found
