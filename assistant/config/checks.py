"""The scripts' content checks: what a schema cannot say (references, templates, rules, hours)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from assistant.config.schema import (
    _ID,
    _PLACEHOLDER,
    CATEGORIES,
    FIELD_TYPES,
    SECTIONS,
    STEP_IDS,
    STEP_NAMES,
    _DataPath,
    _Issue,
    _parse_date,
    _parse_month_day,
    _parse_time,
)

# ─── content checks, one function per file ──────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Context:
    """What the checks of one file need to know about the others."""

    phrase_ids: frozenset[str] = frozenset()  # phrases in use (for flow/taboo references)
    required_phrases: tuple[str, ...] = ()  # built-in ids a hall phrases file must keep
    hall: bool = False  # a hall's own file: its phrases face the taboo guard


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
            yield _Issue(
                at + ("id",),
                f"id “{phrase['id']}” 不合规：只能用小写英文字母、数字、下划线和点，如 greet.welcome",
            )
        if phrase["category"] not in CATEGORIES:
            yield _Issue(
                at + ("category",), f"未知的类别 “{phrase['category']}”（可用：{'、'.join(CATEGORIES)}）"
            )
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
    from assistant.domain.guard import shared_guard  # lazy: only hall files pay for building the guard

    texts: list[tuple[_DataPath, str]] = [
        (at + ("template",), phrase["template"]),
        (at + ("seed",), phrase["seed"]),
    ]
    for j, f in enumerate(phrase.get("fields", [])):
        texts += [(at + ("fields", j, "options", k), o) for k, o in enumerate(f.get("options", []))]
    for path, text in texts:
        filled = _PLACEHOLDER.sub("某", text)  # field names are not words the clerk says
        hits = shared_guard().check(filled)
        if hits:
            said = "、".join(f"“{filled[h.start : h.end]}”（{h.rule}）" for h in hits)
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
                    yield _Issue(
                        at + ("fields", j, "options", k), f"选项 “{option}” 用到未声明的字段 {{{name}}}"
                    )
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
        yield _Issue(("step",), f"步骤不全：缺少 {'、'.join(STEP_IDS[len(steps) :])}")
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
        yield _Issue(
            at,
            'reasons 不能是空列表：至少写一个暂停原因，如 reasons = ["会议", "其他"]；删去这一行则使用默认的六个原因',
        )
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
        yield from _lexicon_issues(taboo, at)
    yield from _unique(data["taboo"], "item", "taboo")


def _lexicon_issues(taboo: dict, at: _DataPath) -> Iterator[_Issue]:
    """The words of an item: not blank, not repeated; each harmless word contains one of them."""
    words = taboo.get("words", [])
    seen: set[str] = set()
    for k, word in enumerate(words):
        if not word.strip():
            yield _Issue(at + ("words", k), "词语不能为空")
        elif word in seen:
            yield _Issue(at + ("words", k), f"词语 “{word}” 重复")
        seen.add(word)
    for k, word in enumerate(taboo.get("harmless", [])):
        if not any(w.strip() and w in word for w in words):
            yield _Issue(at + ("harmless", k), f"无害词语 “{word}” 不含 words 中的任何词语，写了也不起作用")


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
        yield from _not_blank(entry, ("id", "department", "window", "phone", "contact"), ("entry", i))
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
                yield _Issue(
                    here + (key,), f"时间 “{period[key]}” 无效：应写成 00:00–23:59 之间的 “时:分”，如 “09:00”"
                )
        start, end = times["start"], times["end"]
        if start is not None and end is not None and end <= start:
            yield _Issue(here + ("end",), f"结束时间 {period['end']} 不晚于开始时间 {period['start']}")
    # two periods of one day that overlap would make "is the window open?" ambiguous
    for i, p in enumerate(periods):
        for j in range(i):
            q = periods[j]
            if set(p["days"]) & set(q["days"]) and p["start"] < q["end"] and q["start"] < p["end"]:
                yield _Issue(
                    at + (i, "start"), f"时段 {p['start']}–{p['end']} 与时段 {q['start']}–{q['end']} 重叠"
                )


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
    first: dict[tuple[str, str], int] = {}
    for i, window in enumerate(data.get("window", [])):
        yield from _not_blank(window, ("window",), ("window", i))
        if window.get("season") and window["season"] not in names:
            yield _Issue(("window", i, "season"), f"作息 “{window['season']}” 不存在（[[season]] 中的 name）")
        yield from _period_issues(window["period"], ("window", i, "period"))
        place = (window["window"].strip(), window.get("season", "").strip())
        if place in first:  # the same window and season twice: one of them could never apply
            when = f"“{place[1]}”期间" if place[1] else "全年"
            yield _Issue(
                ("window", i, "window"),
                f"窗口 “{place[0]}” {when}的时段与第 {first[place] + 1} 个 [[window]] "
                "重复，这一个永远不会生效（同一窗口、同一作息只能写一个）",
            )
        first.setdefault(place, i)
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
                day = days[key] = _parse_date(entry[key])
                if day is None:
                    yield _Issue(
                        (kind, i, key), f"日期 “{entry[key]}” 无效：应写成 “年-月-日”，如 “{year}-10-01”"
                    )
                elif day.year != year:
                    yield _Issue((kind, i, key), f"日期 {entry[key]} 不在本文件的年份 {year} 内")
            first, last = days.get("from"), days.get("to")
            if kind == "holiday" and first is not None and last is not None and last < first:
                yield _Issue((kind, i, "to"), f"放假结束日 {entry['to']} 早于开始日 {entry['from']}")
            if kind == "workday" and not 1 <= entry.get("like", 1) <= 7:
                yield _Issue(
                    (kind, i, "like"), f"like = {entry['like']} 无效：应为 1（星期一）到 7（星期日）"
                )
