"""A TOML line scanner: decoding, parsing, and finding the line of a value for error messages."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from assistant.config.schema import _DataPath

# ─── finding the line of a path in the TOML text (tomllib gives no positions) ──────────────────

_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\[\]#\n]+?)[ \t]*\]\]?[ \t]*(?:#[^\n]*)?$", re.MULTILINE)


@dataclass(frozen=True)
class _Header:
    start: int  # offset of the header line
    end: int  # offset just after the header text
    name: str  # dotted name without quotes or spaces, e.g. "phrase" or "thresholds"


def _headers(text: str) -> list[_Header]:
    out = []
    for m in _HEADER.finditer(text):
        name = ".".join(part.strip().strip("\"'") for part in m.group(2).split("."))
        out.append(_Header(m.start(), m.end(), name))
    return out


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def locate(text: str, path: _DataPath) -> int:
    """The 1-based line that best shows *path*: the key itself, else its nearest enclosing table."""
    text = text.replace("\r\n", "\n")
    headers = _headers(text)
    start, end, prefix, best = 0, len(text), "", 0
    i = 0
    while i < len(path) and isinstance(path[i], str):
        full = prefix + str(path[i])
        tables = [h for h in headers if start <= h.start < end and h.name == full]
        following = path[i + 1] if i + 1 < len(path) else None
        has_index = isinstance(following, int)
        if tables:
            index = following if isinstance(following, int) else 0
            if index >= len(tables):
                return _line_of(text, tables[-1].start)
            header = tables[index]
            best, start = header.start, header.end
            end = next(
                (h.start for h in headers if h.start > header.start and not h.name.startswith(full + ".")),
                end,
            )
            prefix, i = full + ".", i + (2 if has_index else 1)
            continue
        own_end = next((h.start for h in headers if start <= h.start < end), end)
        key = re.compile(
            rf"^[ \t]*(?:{re.escape(str(path[i]))}|\"{re.escape(str(path[i]))}\")[ \t]*=[ \t]*", re.MULTILINE
        )
        m = key.search(text, start, own_end)
        if m:
            best = _descend(text, m.end(), path[i + 1 :], m.start())
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
                best, pos = item, _skip_blank(text, after + 1)  # after is at "="
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


_BARE_KEY = re.compile(r"[A-Za-z0-9_\-.]*")
_BARE_VALUE = re.compile(r"[^,\]}\n#]*")


def _read_key(text: str, pos: int) -> tuple[str, int]:
    """An inline-table key at *pos* (bare or quoted), and the offset of the "=" after it."""
    if text[pos] in "\"'":
        close = text.find(text[pos], pos + 1)
        name, pos = text[pos + 1 : close], close + 1
    else:
        m = _BARE_KEY.match(text, pos)
        assert m is not None  # "*": it matches the empty string too
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
            return starts, pos  # not valid TOML after all; stop rather than loop


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
    m = _BARE_VALUE.match(text, pos)
    assert m is not None  # "*": it matches the empty string too
    return m.end()


# ─── reading one file ───────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Failure:
    """Why a file could not be used: its line, field path and a Chinese message."""

    line: int | None
    field: str
    message: str


_SYNTAX_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def decode(raw: bytes) -> str | Failure:
    """The text of a file as UTF-8 (a BOM is dropped), or why it is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")  # a BOM from Windows Notepad is harmless
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return Failure(
            line, "", f"文件不是有效的 UTF-8 编码（第 {error.start + 1} 个字节出错），请用 UTF-8 编码保存"
        )


def parse(text: str) -> dict | Failure:
    """The TOML table of `text`, or the line and message of its syntax error."""
    if not text.strip():
        return Failure(1, "", "文件是空的")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        detail = str(error)
        m = _SYNTAX_AT.search(detail)
        line = int(m[1]) if m else None
        where = f"第 {m[1]} 行第 {m[2]} 列" if m else "位置不明"
        return Failure(line, "", f"TOML 语法错误（{where}）：{_SYNTAX_AT.sub('', detail).strip()}")
