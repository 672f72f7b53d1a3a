"""Finding a phrase as the clerk types: Chinese, full pinyin, initials or a mix ("qsh" → 请稍候…).

* Polyphones: every reading of every character counts (长 is both zhang and chang; 行 xing/hang/heng).
* A query matches anywhere in a phrase, not only at its start.
* Ranking: match quality first (Chinese text > full pinyin > initials/mixed > keywords/id), then use count.
* pypinyin is imported lazily, only when an index must be built from text (never on the start-up path);
  the readings are cached in a JSON file beside the scripts, keyed by the hash of the indexed text, or in
  the user's data folder when the scripts folder is read-only.

Speed (benchmarks/search_speed.py, 10,000 phrases):

* Every 1-, 2- and 3-letter query is answered exactly by set operations: the index holds, per "segment
  key" (prefix-of-a-reading sequences starting at a character), the phrases it matches at the full-pinyin
  tier and at any tier, and per short substring (1-gram, ASCII 2- and 3-grams) the phrases containing it.
* A longer query is verified against a pool of candidates in use order, stopping once the best possible
  tier is full. Because a phrase matching "qings" also matches "qing", the pool is the previous
  keystroke's matches (a small memo of recent queries), so typing narrows instead of starting over.
* Verification is one C-level regular expression per phrase over a compact reading string such as
  ",qing#,shao#,hou#" (a reading starts after ",", a character ends with "#").
* The cache file holds the finished index (reading strings and packed posting lists); posting lists
  become Python sets only when a query first needs them, so loading is a JSON parse and a base64 decode.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import os
import re
import sqlite3
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

from assistant.config import paths

CACHE_VERSION = 3
CACHE_PREFIX = ".phrase-index-"
# Tiers of match quality, best first.
TIER_TEXT, TIER_PINYIN, TIER_INITIALS, TIER_OTHER = 0, 1, 2, 3
_INF = 99
_MEMO = 8  # recent queries whose candidate pools are kept for the next keystroke
_CLOSING = "！？。，、…!?.,~～ "
_EXACT_UP_TO = 2000  # libraries up to this size are searched whole for every ranked query
_EMPTY: frozenset[int] = frozenset()

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
    """Index entries for `assistant.config.schema.Phrase` objects (or anything with the same attributes)."""
    # A field's name is read as part of the sentence ("请您到{窗口}窗口…" is found by "qndck"): the braces
    # would break the run of readings that initials and pinyin match across.
    return [
        Entry(
            p.id,
            p.template.replace("{", "").replace("}", ""),
            "\n".join(p.keywords),
            f"{p.seed}\n{p.id}\n{p.category}",
        )
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
        self._pinyin: Callable[[str], list[list[str]]] | None = None

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


def encode_units(units: Units) -> str:
    """The reading string of a phrase: ",yin#,hang,xing#" (each reading after ",", each character ends
    with "#"; a character without a reading leaves an empty "#", which no query can cross)."""
    return "".join("".join("," + r for r in readings) + "#" if readings else "#" for readings in units)


def _tiered_keys(units: Units, full: set[str], partial: set[str]) -> None:
    """All 1–3 letter queries matching `units`: into `full` those matching at the full-pinyin tier (every
    piece but the last a whole reading), into `partial` those matching only with an abbreviated piece."""
    n = len(units)
    for i in range(n):
        here = units[i]
        if not here:
            continue
        nxt = units[i + 1] if i + 1 < n else None
        nn = units[i + 2] if i + 2 < n and nxt else None
        for r in here:
            a = r[0]
            full.add(a)
            full.add(r[:2])
            full.add(r[:3])
            if not nxt:
                continue
            whole1, whole2 = len(r) == 1, len(r) == 2
            for s in nxt:
                (full if whole1 else partial).add(a + s[0])
                if len(r) > 1:
                    (full if whole2 else partial).add(r[:2] + s[0])
                if len(s) > 1:
                    (full if whole1 else partial).add(a + s[:2])
                if nn:
                    into = full if whole1 and len(s) == 1 else partial
                    for t in nn:
                        into.add(a + s[0] + t[0])


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
                into.add(r[k : k + 2])
            for letter in set(r):
                for f in firsts:
                    into.add(letter + f)


def _grams(text: str, into: set[str]) -> None:
    """Every character of `text`, and its ASCII substrings of 2 and 3 characters."""
    into.update(text)
    for k in (2, 3):
        for i in range(len(text) - k + 1):
            piece = text[i : i + k]
            if piece.isascii():
                into.add(piece)


def _patterns(q: str) -> tuple[str, str]:
    """Regular expressions over reading strings: `q` matching at any tier, and at the full-pinyin tier.
    A query letter either continues the current reading or starts a reading of the next character
    (for the full-pinyin tier only once the current reading is complete)."""
    letters = [re.escape(c) for c in q]
    anywhere = "," + letters[0] + "".join(f"(?:[^#]*+#[^#]*?,)?{c}" for c in letters[1:])
    whole = "," + letters[0] + "".join(f"(?:(?=[,#])[^#]*+#[^#]*?,)?{c}" for c in letters[1:])
    return anywhere, whole


# Posting-list namespaces (the first character of a posting key).
_FULL, _ANY, _XANY, _TEXT, _EXTRA, _PAIR = "f", "a", "x", "t", "e", "p"


class PhraseIndex:
    """The search index of a set of phrases."""

    def __init__(
        self,
        entries: list[Entry],
        codes: list[str],
        xcodes: list[str],
        syllables: Iterable[str],
        keys: list[str],
        offsets: array,
        postings: array,
    ) -> None:
        self.entries = entries
        self._codes = codes  # reading string of each phrase's text
        self._xcodes = xcodes  # reading string of its keywords ("" when none)
        self._syllables = set(syllables)
        self._prefixes = {s[:k] for s in self._syllables for k in range(1, len(s) + 1)}
        self._slot = {key: i for i, key in enumerate(keys)}
        self._offsets = offsets
        self._postings = postings
        self._sets: dict[str, set[int]] = {}
        self._lower = [e.text.lower() for e in entries]
        self._number = {e.id: n for n, e in enumerate(entries)}
        self._extra_lower = [f"{e.keywords}\n{e.extra}".lower() for e in entries]
        self._uses: dict[str, int] = {}
        self._ranked = list(range(len(entries)))
        self._rank = list(range(len(entries)))  # phrase number → its place in _ranked
        self._memo: list[tuple[str, tuple[list[int], list, int]]] = []  # recent queries' candidates

    # ── building and caching ───────────────────────────────────────────────────────────────────
    @classmethod
    def build(cls, entries: list[Entry]) -> PhraseIndex:
        readings = _Readings()
        lists: dict[str, list[int]] = {}
        codes: list[str] = []
        xcodes: list[str] = []
        syllables: set[str] = set()
        for number, e in enumerate(entries):
            units = units_of(e.text, readings)
            xunits = units_of(e.keywords, readings)
            codes.append(encode_units(units))
            xcodes.append(encode_units(xunits) if any(xunits) else "")
            full: set[str] = set()
            partial: set[str] = set()
            _tiered_keys(units, full, partial)
            xfull: set[str] = set()
            _tiered_keys(xunits, xfull, xfull)
            text: set[str] = set()
            _grams(e.text.lower(), text)
            extra: set[str] = set()
            _grams(f"{e.keywords}\n{e.extra}".lower(), extra)
            pairs = {g for g in text | extra if len(g) == 2}
            _letter_pairs(units, pairs)
            _letter_pairs(xunits, pairs)
            for space, spaced in (
                (_FULL, full),
                (_ANY, full | partial),
                (_XANY, xfull),
                (_TEXT, text),
                (_EXTRA, extra),
                (_PAIR, pairs),
            ):
                for key in spaced:
                    lists.setdefault(space + key, []).append(number)
            for u in (units, xunits):
                for r in u:
                    if r:
                        syllables.update(r)
        keys = list(lists)
        typecode = "H" if len(entries) < 1 << 16 else "I"
        postings, offsets = array(typecode), array("I", [0])
        for key in keys:
            postings.extend(lists[key])
            offsets.append(len(postings))
        index = cls(entries, codes, xcodes, sorted(syllables), keys, offsets, postings)
        gc.freeze()  # the index lives as long as the app: keep the collector from walking it on keystrokes
        return index

    @classmethod
    def for_phrases(cls, phrases: Iterable, scripts_dir: Path | None = None) -> PhraseIndex:
        """The index of `phrases`, from the cache file when it matches, else built and cached."""
        entries = entries_of(phrases)
        digest = content_hash(entries)
        for path in cache_candidates(scripts_dir, digest):
            index = cls._load(path, entries, digest)
            if index is not None:
                return index
        index = cls.build(entries)
        index.save_cache(scripts_dir, digest)
        return index

    @classmethod
    def _load(cls, path: Path, entries: list[Entry], digest: str = "") -> PhraseIndex | None:
        try:
            data = json.loads(path.read_bytes())
            if data.get("version") != CACHE_VERSION or (digest and data.get("hash") != digest):
                return None
            codes, xcodes, keys = data["codes"], data["xcodes"], data["keys"]
            offsets = array("I")
            offsets.frombytes(zlib.decompress(base64.b64decode(data["offsets"])))
            postings = array(data["typecode"])
            postings.frombytes(zlib.decompress(base64.b64decode(data["postings"])))
            if (
                len(codes) != len(entries)
                or len(xcodes) != len(entries)
                or len(offsets) != len(keys) + 1
                or offsets[-1] != len(postings)
                or (postings and max(postings) >= len(entries))
            ):
                return None
            index = cls(entries, codes, xcodes, data["syllables"], keys, offsets, postings)
            gc.freeze()
            return index
        except (OSError, ValueError, KeyError, TypeError, zlib.error):
            return None

    def save_cache(self, scripts_dir: Path | None, digest: str) -> Path | None:
        """Write the finished index beside the scripts (or in the data folder); the path written, or None."""
        pack = lambda a: base64.b64encode(zlib.compress(a.tobytes(), 1)).decode("ascii")
        payload = json.dumps(
            {
                "version": CACHE_VERSION,
                "hash": digest,
                "codes": self._codes,
                "xcodes": self._xcodes,
                "syllables": sorted(self._syllables),
                "keys": list(self._slot),
                "offsets": pack(self._offsets),
                "typecode": self._postings.typecode,
                "postings": pack(self._postings),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for path in cache_candidates(scripts_dir, digest):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                for old in path.parent.glob(CACHE_PREFIX + "*.json"):
                    if old != path:
                        old.unlink(missing_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(payload, encoding="utf-8")
                paths.replace_file(tmp, path)
                return path
            except OSError:
                continue
        return None

    # ── use counts ─────────────────────────────────────────────────────────────────────────────
    def set_uses(self, uses: Mapping[str, int]) -> None:
        """Use counts per phrase id (e.g. from `usage_counts(store)`): the second ranking key."""
        self._uses = dict(uses)
        count = [self._uses.get(e.id, 0) for e in self.entries]
        self._ranked = sorted(range(len(self.entries)), key=lambda n: -count[n])
        self._rank = [0] * len(self.entries)
        for place, n in enumerate(self._ranked):
            self._rank[n] = place
        self._memo.clear()  # the pools are in use order

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
        # Within a tier, the whole phrase matched and a match at the phrase's start come before a match in the
        # middle, whatever was used more ("zaijian": 再见 before 正在检修; "qsh": 请稍候 before …休息区稍候).
        # The tiers below are ranked by use, so a limited search looks further before choosing: a library of up
        # to _EXACT_UP_TO phrases (a hall's) whole, a bigger one twice the limit deep.
        deeper = None if limit is None or len(self.entries) <= _EXACT_UP_TO else limit * 2
        if len(q) <= 3 and (pinyin_query or len(q) == 1 or q.isascii()):
            hits = self._short(q, pinyin_query, deeper)
        else:
            hits = self._verify(q, pinyin_query, deeper)
        place = {pid: i for i, pid in enumerate(h.id for h in hits)}
        position = self._position(q, pinyin_query)
        hits.sort(key=lambda h: (h.tier, position(self._number[h.id]), place[h.id]))
        return hits if limit is None else hits[:limit]

    def _position(self, q: str, pinyin_query: bool):
        """0 when `q` is the whole phrase, 1 when it matches from the phrase's first character, else 2."""
        pattern: list = []  # compiled on first need: one expression per query, from its first character on

        def position(n: int) -> int:
            text = self._lower[n]
            if text.rstrip(_CLOSING) == q:
                return 0
            if text.startswith(q):
                return 1
            if not pinyin_query:
                return 2
            if not pattern:
                anywhere = "[^#]*?" + _patterns(q)[0]
                pattern.extend((re.compile(anywhere), anywhere + "[^#]*#+"))
            if pattern[0].match(self._codes[n]) is None:
                return 2
            return 0 if re.fullmatch(pattern[1], self._codes[n]) else 1

        return position

    def _posting(self, key: str) -> set[int] | frozenset[int]:
        """The phrases under one posting key (never modify the set returned)."""
        found = self._sets.get(key)
        if found is None:
            slot = self._slot.get(key)
            if slot is None:
                return _EMPTY
            found = self._sets[key] = set(self._postings[self._offsets[slot] : self._offsets[slot + 1]])
        return found

    def _short(self, q: str, pinyin_query: bool, limit: int | None) -> list[Hit]:
        """A query of up to 3 characters, answered exactly by set operations (each tier only when needed)."""
        post = self._posting
        if pinyin_query:
            parts = [_TEXT + q, _ANY + q, _XANY + q, _EXTRA + q]
            tiers = [
                lambda: post(_TEXT + q),
                lambda: post(_FULL + q) - post(_TEXT + q) if post(_TEXT + q) else post(_FULL + q),
                lambda: post(_ANY + q) - post(_FULL + q) - post(_TEXT + q),
                lambda: (post(_XANY + q) | post(_EXTRA + q)) - post(_ANY + q) - post(_TEXT + q),
            ]
        else:
            parts = [_TEXT + q, _EXTRA + q]
            tiers = [
                lambda: post(_TEXT + q),
                lambda: _EMPTY,
                lambda: _EMPTY,
                lambda: post(_EXTRA + q) - post(_TEXT + q),
            ]
        self._remember(q, ([], parts, 0))  # posting keys: made sets only if the next keystroke needs them
        hits: list[Hit] = []
        for tier, found in enumerate(tiers):
            left = None if limit is None else limit - len(hits)
            if left is not None and left <= 0:
                break
            hits += [self._hit(n, tier) for n in self._top(found(), left)]
        return hits

    def _top(self, found: set[int] | frozenset[int], count: int | None) -> list[int]:
        """`found` in use order, the first `count` of them."""
        if count is None or len(found) <= 64:
            return sorted(found, key=self._rank.__getitem__)[:count]
        return list(islice(filter(found.__contains__, self._ranked), count))

    def _remember(self, q: str, pool: tuple[list[int], list, int]) -> None:
        """Keep the candidates of `q` for the next keystrokes (see `_pool`)."""
        self._memo = [m for m in self._memo if m[0] != q][-(_MEMO - 1) :]
        self._memo.append((q, pool))

    def _narrowing(self, q: str, start: int) -> set[int] | frozenset[int] | None:
        """Phrases that can hold the characters q[start:] after their predecessors: each adjacent letter
        pair within a reading or across two characters, or within the text; None when nothing to check."""
        found: set[int] | frozenset[int] | None = None
        for i in range(max(start, 1), len(q)):
            pair = q[i - 1 : i + 1]
            if pair.isascii():
                step = self._posting(_PAIR + pair)
            else:
                step = self._posting(_TEXT + q[i]) | self._posting(_EXTRA + q[i])
            found = step if found is None else found & step
        return found

    def _pool(self, q: str) -> tuple[list[int], set[int] | frozenset[int], int]:
        """Candidates of `q` in use order, as (head, tail, start): the phrases of `head`, then those of
        `tail` (the union of remembered sets or posting keys) from place `start` of the use order on.
        They are the candidates of the longest remembered prefix of `q` (a phrase matching q matches
        each prefix of q), else the matches of q[:3] or of its characters, narrowed by the letter pairs
        not yet checked."""
        best = max((m for m in self._memo if q.startswith(m[0])), key=lambda m: len(m[0]), default=None)
        if best is not None:
            done, (head, parts, start) = len(best[0]), best[1]
        elif q.isascii() and q[:3].isalnum():
            done, parts, head, start = 3, [k + q[:3] for k in (_TEXT, _ANY, _XANY, _EXTRA)], [], 0
        else:
            pieces = [q[i : i + 3] for i in range(len(q) - 2)] if q.isascii() else list(set(q))
            sets = sorted((self._posting(_TEXT + p) | self._posting(_EXTRA + p) for p in pieces), key=len)
            done, parts, head, start = len(q), [set(sets[0]).intersection(*sets[1:])], [], 0
        parts = [self._posting(p) if isinstance(p, str) else p for p in parts]
        narrow = self._narrowing(q, done)
        if narrow is not None:
            head = list(filter(narrow.__contains__, head))
            parts = [part & narrow for part in parts]
        tail = parts[0] if len(parts) == 1 else set().union(*parts)
        return head, tail, start

    def _verify(self, q: str, pinyin_query: bool, limit: int | None) -> list[Hit]:
        """Check the candidates of a longer query in use order, stopping once the best tier possible is full."""
        head, tail, start = self._pool(q)
        lower, extra_lower = self._lower, self._extra_lower
        buckets: list[list[int]] = [[], [], [], []]
        text: set[int] = set()
        if pinyin_query:
            anywhere_p, whole_p = _patterns(q)
            anywhere, codes, xcodes = re.compile(anywhere_p).search, self._codes, self._xcodes
            whole = None
            sets = sorted((self._posting(_TEXT + q[i : i + 3]) for i in range(len(q) - 2)), key=len)
            if sets[0]:
                text = {n for n in sets[0].intersection(*sets[1:]) if q in lower[n]}
            buckets[TIER_TEXT] = sorted(text, key=self._rank.__getitem__)
            best = TIER_PINYIN if self._splits(q) else TIER_INITIALS
            enough = None if limit is None else limit - len(text)
        else:
            best, enough = TIER_TEXT, limit
        bucket = buckets[best]
        kept: list[int] = []
        stopped_at: int | None = None  # the place in the use order after which nothing was checked
        rest: list[int] = []
        candidates: Iterator[int] = chain(head, filter(tail.__contains__, islice(self._ranked, start, None)))
        if enough is not None and enough <= 0:
            candidates = iter(())
            rest, stopped_at = head, start
        for n in candidates:
            if n in text:
                kept.append(n)
                continue
            if pinyin_query:
                if anywhere(codes[n]):
                    if best == TIER_PINYIN:
                        if whole is None:
                            whole = re.compile(whole_p).search
                        tier = TIER_PINYIN if whole(codes[n]) else TIER_INITIALS
                    else:
                        tier = TIER_INITIALS
                elif q in extra_lower[n] or (xcodes[n] and anywhere(xcodes[n])):
                    tier = TIER_OTHER
                else:
                    continue
            elif q in lower[n]:
                tier = TIER_TEXT
            elif q in extra_lower[n]:
                tier = TIER_OTHER
            else:
                continue
            kept.append(n)
            buckets[tier].append(n)
            if enough is not None and len(bucket) >= enough:
                stopped_at = self._rank[n] + 1
                break
        pool: tuple[list[int], list, int]
        if stopped_at is None:  # every candidate checked: the matches are exact
            pool = (kept, [], len(self._ranked))
        else:  # kept and the unchecked rest of head come before place stopped_at; the tail after it
            rest = rest or [m for m in head if self._rank[m] >= stopped_at]
            pool = (kept + rest, [tail], max(start, stopped_at))
        self._remember(q, pool)
        hits = [self._hit(n, tier) for tier, found in enumerate(buckets) for n in found]
        return hits if limit is None else hits[:limit]

    def _hit(self, n: int, tier: int) -> Hit:
        pid = self.entries[n].id
        return Hit(pid, tier, self._uses.get(pid, 0))

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
    from assistant.config.scripts import default_dir

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
