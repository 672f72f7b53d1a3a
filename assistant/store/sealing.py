"""Forward-secure sealing of the event log (Schneier & Kelsey's secure audit logs; systemd-journald's FSS).

The hash chain alone proves nothing against someone who holds the file: they can edit a row, recompute every
later hash and put the triggers back. Sealing adds a MAC per event under a key that only moves forward:

* ``seal init`` draws a random 32-byte key k₀. The lead keeps it in a verification-key file, off the terminal;
  the database never holds k₀. The ``seal_init`` event is the first sealed event, and its id and hash go into
  the key file, so a database replaced by another (or a deleted ``seal_init``) is caught.
* Event i (i ≥ the seal_init event s) carries ``mac = HMAC-SHA256(k_i, hash_i)`` with
  ``k_{s} = k₀`` and ``k_{i+1} = SHA-256("wa-seal-evolve" ‖ k_i)``: a one-way chain, so the key the terminal
  holds after event i (k_{i+1}) cannot give back any key before it. systemd evolves its FSPRG key once per
  15-minute epoch (so entries of the open epoch stay rewritable); here it evolves after every event.
* The terminal keeps only the next key, outside the database in ``<database>-seal`` (one 88-byte record,
  overwritten in place after each commit; it also names the seal_init event, so a key never seals another
  database). Kept in the database, every superseded key would stay in the -wal's page images until a
  checkpoint, and a truncating checkpoint after every commit cost ~0.9 ms an event here. After event i
  commits, no earlier key is in the database, its -wal, its -shm or the key file (a test searches them
  byte by byte).

What this proves, and to whom: an administrator holding the key file can tell that no event recorded before
the moment a clerk got at the file was changed, removed from the middle, or that sealing was switched off.
What it cannot prove: events the clerk appends after getting the file (they hold the current key), and the
last events of the log removed while nothing was recorded after them — the anchors (``--anchor ID:HASH``, the
链尾 printed on every export) catch that, back to the last anchor the lead kept.

:func:`check_seals` takes plain rows so the hall (issue 17) can check a terminal's seals with the key it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
KEY_FORMAT = "wa-seal-1"
_EVOLVE = b"wa-seal-evolve"


class SealError(Exception):
    """A Chinese message naming the file and what is wrong with it."""


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def evolve(key: bytes) -> bytes:
    """The next key; one-way: the previous key cannot be computed from it."""
    return hashlib.sha256(_EVOLVE + key).digest()


def mac(key: bytes, event_hash: str) -> str:
    """The seal of one event: HMAC-SHA256 over its chain hash (which covers id, time, kind, payload and the
    previous hash), hex."""
    return hmac.digest(key, event_hash.encode("ascii"), "sha256").hex()


def fingerprint(key: bytes) -> str:
    """What the seal_init event says of k₀: enough to tell two key files apart, nothing to compute keys from."""
    return hashlib.sha256(b"wa-seal-fingerprint" + key).hexdigest()[:16]


@dataclass(frozen=True)
class VerificationKey:
    key: bytes  # k₀
    init_id: int  # the seal_init event it starts at (0 while the key file is being written)
    init_hash: str


def write_key_file(path: Path, key: VerificationKey, database: str) -> None:
    """Write (or rewrite) the verification key file, readable by its owner only (0600)."""
    data = {
        "format": KEY_FORMAT,
        "key": key.key.hex(),
        "seal_init_id": key.init_id,
        "seal_init_hash": key.init_hash,
        "database": database,
    }
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
    except OSError as exc:
        raise SealError(f"无法写入校验密钥文件 {path}：{exc.strerror or exc}") from exc


def read_key_file(path: Path) -> VerificationKey:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SealError(f"无法读取校验密钥文件 {path}：{exc.strerror or exc}") from exc
    except ValueError as exc:
        raise SealError(f"校验密钥文件 {path} 不是有效的 JSON：{exc}") from exc
    try:
        if data.get("format") != KEY_FORMAT:
            raise ValueError("format")
        key = bytes.fromhex(data["key"])
        init_id, init_hash = data["seal_init_id"], data["seal_init_hash"]
        if len(key) != KEY_BYTES or not isinstance(init_id, int) or init_id < 1 or len(init_hash) != 64:
            raise ValueError("key")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SealError(f"校验密钥文件 {path} 不是本程序的校验密钥（或已损坏）") from exc
    return VerificationKey(key, init_id, init_hash)


@dataclass(frozen=True)
class SealReport:
    ok: bool
    first_bad_id: int | None
    problems: tuple[str, ...]
    sealed: int  # events whose seal was checked and holds
    unsealed_before: int  # events before the first key's seal_init: covered by the hash chain only


def check_seals(
    rows: Iterable[tuple[int, str, str, str | None]], keys: Iterable[VerificationKey]
) -> SealReport:
    """Check the seals of one terminal's log, rows (id, kind, hash, mac) in id order, with the lead's keys.

    Every event from the first key's seal_init on must carry the MAC of its epoch's key; a later seal_init
    starts a new epoch and needs its own key. The hashes themselves are the hash chain's business (verify)."""
    by_init = {k.init_id: k for k in keys}
    if not by_init:
        raise ValueError("no key")
    start = min(by_init)
    problems: list[str] = []
    first_bad: int | None = None
    sealed = unsealed = 0
    key: bytes | None = None
    key_id = 0
    seen_start = False

    def fail(event_id: int, text: str) -> None:
        nonlocal first_bad
        problems.append(text)
        if first_bad is None:
            first_bad = event_id

    for event_id, kind, digest, stored in rows:
        if event_id < start:
            unsealed += 1
            continue
        if not seen_start and event_id != start:
            fail(start, f"校验密钥记录的封印起点事件 #{start} 不在数据文件中（数据文件被替换，或记录被删除）")
        seen_start = True
        if event_id in by_init:
            vk = by_init[event_id]
            if kind != "seal_init" or digest != vk.init_hash:
                fail(
                    event_id, f"事件 #{event_id} 不是校验密钥记录的封印起点（数据文件被替换，或该事件被改写）"
                )
                key = None
                continue
            key, key_id = vk.key, event_id
        elif kind == "seal_init":
            fail(event_id, f"事件 #{event_id} 起换用了另一把封印密钥：请同时提供该次 seal init 的密钥文件")
            key = None
            continue
        if key is None:
            continue  # the epoch's key is unknown or its start failed: reported once above
        while key_id < event_id:
            key, key_id = evolve(key), key_id + 1
        if not stored:
            fail(event_id, f"事件 #{event_id} 没有封印（封印被关闭，或其前的记录被删除后又有新记录）")
        elif not hmac.compare_digest(stored, mac(key, digest)):
            fail(event_id, f"事件 #{event_id} 的封印不符（记录在写入后被改动或重写过）")
        else:
            sealed += 1
    if not seen_start:
        fail(start, f"校验密钥记录的封印起点事件 #{start} 不在数据文件中（数据文件被替换，或记录被删除）")
    return SealReport(
        ok=not problems,
        first_bad_id=first_bad,
        problems=tuple(problems),
        sealed=sealed,
        unsealed_before=unsealed,
    )


# --- the terminal's key ---------------------------------------------------------------------------------------
# One fixed-size record, overwritten in place (never renamed: a rename would leave the old bytes in a file that
# still exists while anything holds it open). Not fsynced: an fsync per event costs ~1 ms here, twice SQLite's
# own commit; after a power cut the file system may bring back a key of the last few seconds (ext4 commits every
# 5 s), which the next event evolves past again. The cost is that window, not a wrong seal: an older key evolves
# forward to the right one.

KEY_FILE_SUFFIX = "-seal"
_RECORD = struct.Struct(">8sQ32sQ32s")  # magic, seal_init id, seal_init hash, next event id, key for it
_MAGIC = b"WASEAL1\0"


@dataclass(frozen=True)
class TerminalKey:
    init_id: int
    init_hash: str
    next_id: int  # the event this key seals
    key: bytes


def key_file_for(database: Path) -> Path:
    return Path(str(database) + KEY_FILE_SUFFIX)


def read_terminal_key(path: Path) -> TerminalKey | None:
    """The terminal's current key, or None when there is none (not sealed, deleted, or not ours)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(_RECORD.size)
    except OSError:
        return None
    if len(raw) != _RECORD.size:
        return None
    magic, init_id, init_hash, next_id, key = _RECORD.unpack(raw)
    if magic != _MAGIC:
        return None
    return TerminalKey(init_id, init_hash.hex(), next_id, key)


def write_terminal_key(path: Path, key: TerminalKey, *, fresh: bool = False) -> None:
    """Overwrite the terminal's key in place, under an exclusive lock; a key older than the one in the file is
    not written back (two writers: the later event's key wins). fresh: a new seal_init, written whatever the
    file holds."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        _lock(fd)
        if not fresh:
            raw = os.read(fd, _RECORD.size)
            if len(raw) == _RECORD.size and raw[:8] == _MAGIC:
                _, init_id, _, next_id, _ = _RECORD.unpack(raw)
                if init_id == key.init_id and next_id >= key.next_id:
                    return
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, _RECORD.pack(_MAGIC, key.init_id, bytes.fromhex(key.init_hash), key.next_id, key.key))
    finally:
        os.close(fd)  # also releases the lock


def _lock(fd: int) -> None:
    """An exclusive lock on the key file (two processes recording into one database)."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        os.lseek(fd, 0, os.SEEK_SET)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
