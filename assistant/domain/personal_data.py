"""Personal data typed into free text (notes, topics, call notes, complaints, fault notes, home-service
requests) stays out of the hash chain.

When a command is recorded, every text value in its fields is scanned for mainland mobile and landline numbers,
18-digit ID-card numbers (only those whose check digit is right: GB 11643) and e-mail addresses. Numbers that
appear in the scripts (the directory's office phones, hotlines) are not personal and stay. What is found goes
to the store's ``persons`` table (phone / id_number / email, purged like every other personal data) and the
event keeps a placeholder such as ``〔证件号#17〕`` (17 = the persons row). Exports show it masked
(``1101**********002X``) or, unmasked, in full; after ``purge-personal`` it reads ``〔已删除〕``.
Events recorded before this are not rewritten (the chain would break).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

# (label in the placeholder, persons column)
KINDS = {"id_number": "证件号", "phone": "电话", "email": "邮箱"}
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])(?:\(0\d{2,3}\)|0\d{2,3}[- ]?)\d{7,8}(?:-\d{1,5})?(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
PLACEHOLDER = re.compile(r"〔(证件号|电话|邮箱)#(\d+)〕")
PURGED = "〔已删除〕"
# a token no one types: replaced by the store with 〔label#row〕 in the transaction that writes the row
_TOKEN = "\ue000{}\ue001"


def id_checksum_ok(number: str) -> bool:
    digits = number[:17]
    if len(number) != 18 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS))
    return _CHECK[total % 11] == number[17].upper()


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


def exempt_numbers(scripts: Any) -> frozenset[str]:
    """The digits of every phone number written in the scripts: office phones and hotlines, not personal."""
    found: set[str] = set()
    for text in _strings(scripts, 0):
        for pattern in (_MOBILE, _LANDLINE):
            found.update(digits_of(m.group(0)) for m in pattern.finditer(text))
        found.update(m for m in re.findall(r"(?<!\d)\d{5,8}(?!\d)", text))  # 12345-style hotlines
    return frozenset(found)


def _strings(obj: Any, depth: int) -> Iterable[str]:
    if depth > 12:
        return
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield from _strings(key, depth + 1)
            yield from _strings(value, depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for value in obj:
            yield from _strings(value, depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _strings(getattr(obj, f.name), depth + 1)


def scan_text(text: str, exempt: frozenset[str], found: list[dict]) -> str:
    """text with each piece of personal data replaced by a token; the pieces appended to found."""

    def take(column: str) -> Callable[[re.Match], str]:
        def replace(match: re.Match) -> str:
            value = match.group(0)
            if column == "id_number" and not id_checksum_ok(value):
                return value
            if column == "phone" and ({digits_of(value), digits_of(value).removeprefix("86")} & exempt):
                return value
            token = _TOKEN.format(len(found))
            found.append({"column": column, "label": KINDS[column], "value": value, "token": token})
            return token

        return replace

    text = _ID.sub(take("id_number"), text)
    text = _EMAIL.sub(take("email"), text)
    text = _MOBILE.sub(take("phone"), text)
    return _LANDLINE.sub(take("phone"), text)


def scan(data: Any, exempt: frozenset[str], found: list[dict]) -> Any:
    """A command's fields with the personal data in every text value replaced by tokens (into found)."""
    if isinstance(data, str):
        return scan_text(data, exempt, found)
    if isinstance(data, Mapping):
        return {key: scan(value, exempt, found) for key, value in data.items()}
    if isinstance(data, list):
        return [scan(value, exempt, found) for value in data]
    if isinstance(data, tuple):
        return tuple(scan(value, exempt, found) for value in data)
    return data


def mask(column: str, value: str) -> str:
    """How an export shows a piece of personal data without the lead asking for it in full."""
    if column == "id_number" and len(value) == 18:
        return value[:4] + "*" * 10 + value[-4:]
    if column == "email":
        name, _, domain = value.partition("@")
        return (name[:1] + "***@" + domain) if domain else "***"
    digits = digits_of(value)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def fill(text: str, lookup: Callable[[int], dict | None], masked: bool) -> str:
    """text with each placeholder shown: masked or in full from the persons row, 〔已删除〕 once purged."""

    def show(match: re.Match) -> str:
        person = lookup(int(match.group(2)))
        column = next(c for c, label in KINDS.items() if label == match.group(1))
        if person is None:
            return match.group(0)
        value = person.get(column) or ""
        if person.get("purged_at") or not value:
            return PURGED
        return mask(column, value) if masked else value

    return PLACEHOLDER.sub(show, text)
