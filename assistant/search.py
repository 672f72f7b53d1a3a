"""Finding a phrase as the clerk types: Chinese, full pinyin, initials or a mix ("qsh" → 请稍候…).

* Polyphones: every reading of every character counts (长 is both zhang and chang; 行 xing/hang/heng).
* A query matches anywhere in a phrase, not only at its start.
* Ranking: match quality first (Chinese text > full pinyin > initials/mixed > keywords/id), then use count.
* pypinyin is imported lazily, only when an index must be built from text (never on the start-up path);
  the readings are cached in a JSON file beside the scripts, keyed by the hash of the indexed text, or in
  the user's data folder when the scripts folder is read-only.

Speed: each phrase's 1-, 2- and 3-letter "segment keys" (prefix-of-a-reading sequences starting at a
character) go into an inverted index, so a keystroke only verifies the phrases that can match; when many
can, the phrases are visited by use count and the search stops once the best possible tier is full.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant import paths

CACHE_VERSION = 1
CACHE_PREFIX = ".phrase-index-"
# Tiers of match quality, best first.
TIER_TEXT, TIER_PINYIN, TIER_INITIALS, TIER_OTHER = 0, 1, 2, 3
_INF = 99
_SMALL = 400  # up to this many candidates: verify them all and sort

Units = list[tuple[str, ...] | None]  # per character its readings; None breaks a pinyin sequence


@dataclass(frozen=True)
class Entry:
    """What the index knows of one phrase."""

    id: str
    text: str
    keywords: str  # matched last, also by pinyin
    extra: str = ""  # seed, id, category: matched last, as text only


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    tier: int
    uses: int


def entries_of(phrases: Iterable) -> list[Entry]:
    """Index entries for `assistant.scripts.Phrase` objects (or anything with the same attributes)."""
    return [
        Entry(p.id, p.template, "\n".join(p.keywords), f"{p.seed}\n{p.id}\n{p.category}")
        for p in phrases
    ]


def content_hash(entries: list[Entry]) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for e in entries:
        digest.update(f"{e.id}\x00{e.text}\x00{e.keywords}\x00{e.extra}\x01".encode())
    return digest.hexdigest()[:24]


def normalize(query: str) -> str:
    """NFKC, lower case, no spaces or apostrophes (so "Qing Shao" and "qing'shao" are "qingshao")."""
    text = unicodedata.normalize("NFKC", query).lower()
    return "".join(ch for ch in text if not ch.isspace() and ch != "'")


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0002ffff"


class _Readings:
    """Every toneless reading of a character; pypinyin is imported on first use only."""

    def __init__(self) -> None:
        self._memo: dict[str, tuple[str, ...] | None] = {}
        self._pinyin = None

    def __call__(self, ch: str) -> tuple[str, ...] | None:
        if ch in self._memo:
            return self._memo[ch]
        result: tuple[str, ...] | None
        norm = unicodedata.normalize("NFKC", ch).lower()
        if len(norm) == 1 and norm.isascii() and norm.isalnum():
            result = (norm,)
        elif _is_han(ch):
            if self._pinyin is None:
                from pypinyin import Style, pinyin  # lazy: ~0.3 s and 10 MB, only when building

                self._pinyin = lambda c: pinyin(c, style=Style.NORMAL, heteronym=True, errors="ignore")
            found: list[str] = []
            for group in self._pinyin(ch):
                for reading in group:
                    reading = reading.lower()
                    if reading.isalpha() and reading.isascii():
                        found.append(reading)
                        if "v" in reading:  # ü: "lv" and "lu" are both typed
                            found.append(reading.replace("v", "u"))
            result = tuple(dict.fromkeys(found)) or None
        else:
            result = None
        self._memo[ch] = result
        return result


def units_of(text: str, readings: _Readings) -> Units:
    return [readings(ch) for ch in text]


def _segment_keys(units: Units, into: set[str]) -> None:
    """All 1–3 letter strings made of reading prefixes of consecutive characters starting anywhere."""
    n = len(units)
    for i in range(n):
        here = units[i]
        if not here:
            continue
        nxt = units[i + 1] if i + 1 < n else None
        nn = units[i + 2] if i + 2 < n else None
        for r in here:
            into.add(r[:1])
            into.add(r[:2])
            into.add(r[:3])
            if nxt:
                for s in nxt:
                    into.add(r[0] + s[0])
                    if len(r) > 1:
                        into.add(r[:2] + s[0])
                    if len(s) > 1:
                        into.add(r[0] + s[:2])
                    if nn:
                        for t in nn:
                            into.add(r[0] + s[0] + t[0])


def _letter_pairs(units: Units, into: set[str]) -> None:
    """Adjacent letters inside a reading, and any letter of a reading followed by the next one's first."""
    n = len(units)
    for i in range(n):
        here = units[i]
        if not here:
            continue
        nxt = units[i + 1] if i + 1 < n else None
        firsts = {s[0] for s in nxt} if nxt else ()
        for r in here:
            for k in range(len(r) - 1):
                into.add(r[k:k + 2])
            for letter in set(r):
                for f in firsts:
                    into.add(letter + f)


def _starts(units: Units) -> dict[str, list[int]]:
    """First letter → the positions of the characters with a reading starting with it."""
    found: dict[str, list[int]] = {}
    for i, readings in enumerate(units):
        if readings:
            for letter in {r[0] for r in readings}:
                found.setdefault(letter, []).append(i)
    return found


def _match(q: str, units: Units, starts: dict[str, list[int]] | None = None) -> int:
    """The best tier (TIER_PINYIN or TIER_INITIALS) at which `q` matches somewhere in `units`, else _INF."""
    n, m = len(q), len(units)
    memo: dict[tuple[int, int], int] = {}
    first = q[0]

    def go(i: int, p: int) -> int:
        key = (i, p)
        if key in memo:
            return memo[key]
        best = _INF
        here = units[i] if i < m else None
        if here:
            for r in here:
                k, limit = 0, min(len(r), n - p)
                while k < limit and r[k] == q[p + k]:
                    k += 1
                if k == 0:
                    continue
                if p + k == n:  # the query ends inside (or at the end of) this reading
                    best = TIER_PINYIN
                    break
                for j in range(k, 0, -1):
                    sub = go(i + 1, p + j)
                    tier = sub if j == len(r) else max(sub, TIER_INITIALS)
                    if tier < best:
                        best = tier
                        if best == TIER_PINYIN:
                            break
                if best == TIER_PINYIN:
                    break
        memo[key] = best
        return best

    best = _INF
    positions = (starts if starts is not None else _starts(units)).get(first, ())
    for i in positions:
        best = min(best, go(i, 0))
        if best == TIER_PINYIN:
            return best
    return best


class PhraseIndex:
    """The search index of a set of phrases."""

    def __init__(self, entries: list[Entry], units: list[Units], extra_units: list[Units]) -> None:
        self.entries = entries
        self._units = units
        self._extra_units = extra_units
        self._keys: dict[str, set[int]] = {}
        self._chars: dict[str, set[int]] = {}
        self._by_reading: dict[str, set[int]] = {}
        self._bigrams: dict[str, set[int]] = {}
        for number, (u, x, e) in enumerate(zip(units, extra_units, entries, strict=True)):
            keys: set[str] = set()
            _segment_keys(u, keys)
            _segment_keys(x, keys)
            for key in keys:
                self._keys.setdefault(key, set()).add(number)
            pairs: set[str] = set()
            _letter_pairs(u, pairs)
            _letter_pairs(x, pairs)
            for pair in pairs:
                self._bigrams.setdefault(pair, set()).add(number)
            for ch in set(e.text) | set(e.keywords.lower()) | set(e.extra.lower()):
                self._chars.setdefault(ch, set()).add(number)
            for readings in (*u, *x):
                if readings:
                    for reading in readings:
                        self._by_reading.setdefault(reading, set()).add(number)
        self._syllables = set(self._by_reading)
        self._prefixes = {s[:k] for s in self._syllables for k in range(1, len(s) + 1)}
        self._lower = [e.text.lower() for e in entries]
        self._extra_lower = [f"{e.keywords}\n{e.extra}".lower() for e in entries]
        self._start_cache: dict[int, dict[str, list[int]]] = {}
        self._uses: dict[str, int] = {}
        self._ranked = list(range(len(entries)))

    # ── building and caching ───────────────────────────────────────────────────────────────────
    @classmethod
    def build(cls, entries: list[Entry]) -> PhraseIndex:
        readings = _Readings()
        units = [units_of(e.text, readings) for e in entries]
        extra = [units_of(e.keywords, readings) for e in entries]
        return cls(entries, units, extra)

    @classmethod
    def for_phrases(cls, phrases: Iterable, scripts_dir: Path | None = None) -> PhraseIndex:
        """The index of `phrases`, from the cache file when it matches, else built and cached."""
        entries = entries_of(phrases)
        digest = content_hash(entries)
        for path in cache_candidates(scripts_dir, digest):
            index = cls._load(path, entries)
            if index is not None:
                return index
        index = cls.build(entries)
        index.save_cache(scripts_dir, digest)
        return index

    @classmethod
    def _load(cls, path: Path, entries: list[Entry]) -> PhraseIndex | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION or len(data["units"]) != len(entries):
                return None

            def back(rows: list) -> list[Units]:
                return [[tuple(r) if r else None for r in row] for row in rows]

            return cls(entries, back(data["units"]), back(data["extra"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save_cache(self, scripts_dir: Path | None, digest: str) -> Path | None:
        """Write the readings beside the scripts (or in the data folder); the path written, or None."""
        payload = json.dumps(
            {"version": CACHE_VERSION, "hash": digest, "units": self._units, "extra": self._extra_units},
            ensure_ascii=False, separators=(",", ":"),
        )
        for path in cache_candidates(scripts_dir, digest):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                for old in path.parent.glob(CACHE_PREFIX + "*.json"):
                    if old != path:
                        old.unlink(missing_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(payload, encoding="utf-8")
                os.replace(tmp, path)
                return path
            except OSError:
                continue
        return None

    # ── use counts ─────────────────────────────────────────────────────────────────────────────
    def set_uses(self, uses: Mapping[str, int]) -> None:
        """Use counts per phrase id (e.g. from `usage_counts(store)`): the second ranking key."""
        self._uses = dict(uses)
        self._ranked = sorted(range(len(self.entries)), key=lambda n: -self._uses.get(self.entries[n].id, 0))

    def add_use(self, phrase_id: str) -> None:
        self._uses[phrase_id] = self._uses.get(phrase_id, 0) + 1
        self.set_uses(self._uses)

    # ── searching ──────────────────────────────────────────────────────────────────────────────
    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        """Phrases matching `query`, best first; all phrases (by use) for an empty query."""
        q = normalize(query)
        if not q:
            ranked = self._ranked if limit is None else self._ranked[:limit]
            return [self._hit(n, TIER_OTHER) for n in ranked]
        pinyin_query = q.isascii() and q.isalnum()
        if pinyin_query:
            cand = self._pinyin_candidates(q)
        else:
            sets = [self._chars.get(ch, set()) for ch in set(q)]
            cand = set.intersection(*sets) if sets else set()
        if not cand:
            return []
        best_possible = TIER_TEXT if not pinyin_query else (
            TIER_PINYIN if self._splits(q) else TIER_INITIALS
        )
        if limit is None or len(cand) <= _SMALL:
            scored = [(t, n) for n in cand if (t := self._tier(q, n, pinyin_query)) < _INF]
            scored.sort(key=lambda tn: (tn[0], -self._uses.get(self.entries[tn[1]].id, 0), tn[1]))
            if limit is not None:
                scored = scored[:limit]
            return [self._hit(n, t) for t, n in scored]
        buckets: list[list[int]] = [[], [], [], []]
        for n in self._ranked:
            if n not in cand:
                continue
            tier = self._tier(q, n, pinyin_query)
            if tier < _INF:
                buckets[tier].append(n)
                if tier == best_possible and len(buckets[tier]) >= limit:
                    break
        hits = [self._hit(n, t) for t, bucket in enumerate(buckets) for n in bucket]
        return hits[:limit]

    def _pinyin_candidates(self, q: str) -> set[int]:
        """Phrases that can match `q`: its first 3 letters are a segment key, and each pair of adjacent
        letters occurs within a reading or across two adjacent characters (all set operations, in C)."""
        empty: set[int] = set()
        sets = [self._keys.get(q[:3], empty)]
        sets += [self._bigrams.get(q[p:p + 2], empty) for p in range(1, len(q) - 1)]
        sets.sort(key=len)
        cand = sets[0]
        for other in sets[1:]:
            if not cand:
                break
            cand = cand & other
        return cand

    def _hit(self, n: int, tier: int) -> Hit:
        pid = self.entries[n].id
        return Hit(pid, tier, self._uses.get(pid, 0))

    def _tier(self, q: str, n: int, pinyin_query: bool) -> int:
        if q in self._lower[n]:
            return TIER_TEXT
        if pinyin_query:
            starts = self._start_cache.get(n)
            if starts is None:
                starts = self._start_cache[n] = _starts(self._units[n])
            tier = _match(q, self._units[n], starts)
            if tier < _INF:
                return tier
            if q in self._extra_lower[n] or (self._extra_units[n] and _match(q, self._extra_units[n]) < _INF):
                return TIER_OTHER
            return _INF
        return TIER_OTHER if q in self._extra_lower[n] else _INF

    def _splits(self, q: str) -> bool:
        """Whether `q` can be whole syllables followed by the start of one (so full-pinyin matches may exist)."""
        ok = [False] * (len(q) + 1)
        ok[0] = True
        for i in range(len(q)):
            if not ok[i]:
                continue
            for j in range(i + 1, min(len(q), i + 6) + 1):
                piece = q[i:j]
                if j == len(q) and piece in self._prefixes:
                    return True
                if piece in self._syllables:
                    ok[j] = True
        return ok[len(q)]


def cache_candidates(scripts_dir: Path | None, digest: str) -> list[Path]:
    """Where the cache for `digest` may live: beside the scripts, then in the user's data folder."""
    from assistant.scripts import default_dir

    name = f"{CACHE_PREFIX}{digest}.json"
    folder = Path(scripts_dir) if scripts_dir else default_dir()
    places = []
    if os.access(folder, os.W_OK):
        places.append(folder / name)
    places.append(paths.data_dir() / "index-cache" / name)
    return places


def usage_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How often each phrase was used, from the store's v_phrase_usage view."""
    rows = conn.execute("SELECT phrase_id, COUNT(*) FROM v_phrase_usage GROUP BY phrase_id").fetchall()
    return {str(pid): int(count) for pid, count in rows if pid}
