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
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from assistant.config.checks import (
    _calendar_issues,
    _checklist_issues,
    _Context,
    _directory_issues,
    _flow_issues,
    _hours_issues,
    _phrases_issues,
    _taboo_issues,
)
from assistant.config.schema import (
    _FALLBACK,
    DEFAULT_PAUSE_REASONS,
    SCHEMA_VERSION,
    Checklist,
    ChecklistItem,
    Directory,
    DirectoryEntry,
    Field,
    Flow,
    Phrase,
    ScriptProblem,
    Scripts,
    Step,
    Taboo,
    _check_table,
    _Issue,
    _parse_date,
    _parse_month_day,
    _parse_time,
    format_path,
)
from assistant.config.toml_lines import Failure, decode, locate, parse
from assistant.domain.hours import Calendar, Hours, Period, Season, Thresholds, WindowHours

__all__ = [
    "default_dir",
    "load_scripts",
]

# ─── building the objects from checked data ─────────────────────────────────────────────────────


def _build_phrases(data: dict) -> dict[str, Phrase]:
    return {
        p["id"]: Phrase(
            id=p["id"],
            category=p["category"],
            rule=p["rule"],
            seed=p["seed"],
            template=p["template"],
            fields=tuple(
                Field(
                    name=f["name"],
                    type=f["type"],
                    label=f.get("label", ""),
                    options=tuple(f.get("options", ())),
                    multiple=f.get("multiple", False),
                    hint=f.get("hint", ""),
                )
                for f in p.get("fields", ())
            ),
            when=p.get("when", ""),
            keywords=tuple(p.get("keywords", ())),
        )
        for p in data["phrase"]
    }


def _build_step(s: dict) -> Step:
    return Step(
        id=s["id"],
        name=s["name"],
        title=s["title"],
        rule=s["rule"],
        prompt=s["prompt"],
        phrases=tuple(s["phrases"]),
    )


def _build_flow(data: dict) -> Flow:
    close = data["close"]
    reasons = tuple(r.strip() for r in close.get("reasons", DEFAULT_PAUSE_REASONS))
    return Flow(
        steps=tuple(_build_step(s) for s in data["step"]),
        close=dataclasses.replace(_build_step(close), reasons=reasons),
    )


def _build_taboo(data: dict) -> tuple[Taboo, ...]:
    return tuple(
        Taboo(
            item=t["item"],
            seed=t["seed"],
            instead=tuple(t["instead"]),
            advice=t.get("advice", ""),
            words=tuple(t.get("words", ())),
            harmless=tuple(t.get("harmless", ())),
        )
        for t in data["taboo"]
    )


def _build_checklist(data: dict) -> Checklist:
    return Checklist(items=tuple(ChecklistItem(**item) for item in data["item"]))


def _build_directory(data: dict) -> Directory:
    entries = tuple(DirectoryEntry(**{**e, "matters": tuple(e.get("matters", ()))}) for e in data["entry"])
    return Directory(sample=data["sample"], entries=entries)


_T = TypeVar("_T")


def _checked(value: _T | None) -> _T:
    """A value the content checks have accepted already: the builders below never see a None."""
    assert value is not None
    return value


def _build_periods(periods: list[dict]) -> tuple[Period, ...]:
    return tuple(
        Period(
            days=tuple(p["days"]),
            start=_checked(_parse_time(p["start"])),
            end=_checked(_parse_time(p["end"])),
        )
        for p in periods
    )


def _build_hours(data: dict) -> Hours:
    seasons = tuple(
        Season(
            name=s["name"],
            start=_checked(_parse_month_day(s["from"])),
            end=_checked(_parse_month_day(s["to"])),
            periods=_build_periods(s["period"]),
        )
        for s in data.get("season", ())
    )
    windows = tuple(
        WindowHours(
            window=w["window"].strip(), periods=_build_periods(w["period"]), season=w.get("season", "")
        )
        for w in data.get("window", ())
    )
    return Hours(
        periods=_build_periods(data["period"]),
        thresholds=Thresholds(**data.get("thresholds", {})),
        seasons=seasons,
        windows=windows,
    )


def _build_calendar(data: dict) -> Calendar:
    holidays: dict[datetime.date, str] = {}
    for h in data.get("holiday", ()):
        day, last = _checked(_parse_date(h["from"])), _checked(_parse_date(h["to"]))
        while day <= last:
            holidays[day] = h["name"]
            day += datetime.timedelta(days=1)
    workdays = {
        _checked(_parse_date(w["date"])): (w["name"], w.get("like", 1)) for w in data.get("workday", ())
    }
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


def _read(path: Path, name: str, ctx: _Context) -> Any | Failure:
    """Read, parse, check and build one file; a Failure says what was wrong."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Failure(None, "", f"无法读取文件：{error.strerror or error}")
    text = decode(raw)
    if isinstance(text, Failure):
        return text
    data = parse(text)
    if isinstance(data, Failure):
        return data
    issue = next(_check_table(data, name, ()), None) or next(_content_issues(data, name, ctx), None)
    if issue is not None:
        return Failure(locate(text, issue.path), format_path(issue.path), issue.message)
    return _FILES[name].build(data)


def _content_issues(data: dict, name: str, ctx: _Context) -> Iterator[_Issue]:
    if data["schema"] != SCHEMA_VERSION:
        yield _Issue(
            ("schema",), f"不支持的格式版本 schema = {data['schema']}，本程序只认 schema = {SCHEMA_VERSION}"
        )
    yield from _FILES[name].issues(data, ctx)


# ─── loading all six ────────────────────────────────────────────────────────────────────────────


def default_dir() -> Path:
    """The built-in scripts folder: <repo>/scripts_zh, or scripts_zh/ inside the packaged app (PyInstaller
    unpacks the bundle's data under sys._MEIPASS; see packaging/)."""
    root = getattr(sys, "_MEIPASS", None) or Path(__file__).resolve().parent.parent.parent
    return Path(root) / "scripts_zh"


def _default(name: str, ctx: _Context) -> Any:
    """The built-in copy of a file; it must always load, so a failure is a packaging bug."""
    path = default_dir() / name
    result = _read(path, name, ctx)
    if not isinstance(result, Failure):
        return result
    problem = ScriptProblem(
        str(path), result.line, result.field, result.message + "（内置的默认文件损坏，请重新安装本程序）"
    )
    raise RuntimeError(str(problem))


def _load(name: str, hall: Path | None, ctx: _Context, problems: list[ScriptProblem]) -> Any:
    """The hall's copy of *name* if it exists and is sound, else the built-in one."""
    if hall is not None and (hall / name).exists():
        result = _read(hall / name, name, dataclasses.replace(ctx, hall=True))
        if not isinstance(result, Failure):
            return result
        problems.append(
            ScriptProblem(str(hall / name), result.line, result.field, result.message + _FALLBACK)
        )
    return _default(name, ctx)


CALENDAR_GLOB = "calendar-*.toml"


def _with_calendar(hours: Hours, hall: Path | None, ctx: _Context, problems: list[ScriptProblem]) -> Hours:
    """*hours* with the yearly calendars: each built-in calendar-YYYY.toml, replaced by the hall's copy of the
    same name when sound; a hall may add years of its own (the admin drops in next year's file)."""
    by_name: dict[str, Calendar] = {}
    for path in sorted(default_dir().glob(CALENDAR_GLOB)):
        result = _read(path, "calendar.toml", ctx)
        if isinstance(result, Failure):
            problem = ScriptProblem(
                str(path),
                result.line,
                result.field,
                result.message + "（内置的默认文件损坏，请重新安装本程序）",
            )
            raise RuntimeError(str(problem))
        by_name[path.name] = result
    if hall is not None:
        for path in sorted(hall.glob(CALENDAR_GLOB)):
            result = _read(path, "calendar.toml", ctx)
            if isinstance(result, Failure):
                fallback = "；已改用内置的同名文件。" if path.name in by_name else "；这一年的节假日未载入。"
                problems.append(
                    ScriptProblem(str(path), result.line, result.field, result.message + fallback)
                )
            else:
                by_name[path.name] = result
    return dataclasses.replace(hours, calendar=_merge_calendars(by_name.values()))


def load_scripts(hall_dir: Path | None = None) -> Scripts:
    """Load the six scripts files: the hall's copy of each where present and sound, else the built-in one."""
    problems: list[ScriptProblem] = []
    hall = Path(hall_dir) if hall_dir is not None else None
    if hall is not None and not hall.is_dir():
        problems.append(
            ScriptProblem(
                str(hall),
                None,
                "",
                f"找不到大厅话术文件夹 {hall.resolve()}（或它不是文件夹），已全部使用内置的默认文件。",
            )
        )
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
