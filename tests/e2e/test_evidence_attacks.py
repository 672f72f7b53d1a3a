"""Issue 16, played as the clerk at the keyboard would play it: each attack on the evidence, through the real
command line on a real database, and what now catches or refuses it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant.edges.lead_pin import hash_pin
from assistant.store.event_log import GENESIS_HASH, event_hash
from assistant.store.sealing import evolve, key_file_for, mac, read_terminal_key
from tests.conftest import ROOT

PIN, LEAD = "583920", "L001"
DAY = "2026-11-02"  # past: purge-personal takes only dates up to today
# after `seal init` (recorded now): a replay is never earlier than the log's last event (the clock floor)
LATER = (date.today() + timedelta(days=1)).isoformat()


def run(
    tmp: Path,
    *args: str,
    pin: str | None = None,
    lead: str = LEAD,
    stdin: str | None = None,
    db: Path | None = None,
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WA_NO_VENV": "1",
        "WA_DATA_DIR": str(tmp / "data"),
        "QT_QPA_PLATFORM": "offscreen",
        "WA_LEAD_ID": lead,
    }
    env.pop("WA_LEAD_PIN", None)
    if pin is not None:
        env["WA_LEAD_PIN"] = pin
    db = db or tmp / "g.db"
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        input=stdin or "",
    )


def replay(tmp: Path, lines: list[dict], db: Path | None = None) -> subprocess.CompletedProcess:
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    return run(tmp, "replay", "-", "--db", str(db or tmp / "g.db"), stdin=text, db=db)


def shift(day: str = LATER, start: int = 0) -> list[dict]:
    """A morning: sign-in, a checklist with a failed item, faults."""
    return [
        {"at": f"{day}T08:{50 + start:02d}:00", "cmd": "sign_in", "clerk": "A0123", "window": "社保3号窗口"},
        {
            "at": f"{day}T09:03:00",
            "cmd": "checklist_item",
            "item": "computer",
            "ok": False,
            "note": "无法开机",
        },
        {"at": f"{day}T09:04:00", "cmd": "fault_start", "fault": "打印机"},
        {"at": f"{day}T09:30:00", "cmd": "fault_end"},
    ]


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Path, Path]:
    """A database with the lead's PIN and sealing on, a morning recorded after seal init; the key file off the
    terminal (another folder)."""
    assert run(tmp_path, "lead-pin", "set", pin=PIN).returncode == 0
    key = tmp_path / "usb" / "seal-key.json"
    key.parent.mkdir()
    init = run(tmp_path, "seal", "init", "--out", str(key), pin=PIN)
    assert init.returncode == 0, init.stderr
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert replay(tmp_path, shift()).returncode == 0
    return tmp_path / "g.db", key


def rows(db: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def rewrite(
    db: Path, event_id: int, change, *, reseal_with: bytes | None = None, drop_from: int | None = None
) -> None:
    """What the attacker does with the file: drop the triggers, edit (or cut), recompute every later hash (and,
    given the key the terminal holds, every later seal they can), put the triggers back."""
    conn = sqlite3.connect(db, isolation_level=None)
    triggers = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    ).fetchall()
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    if drop_from is not None:
        conn.execute("DELETE FROM events WHERE id >= ?", (drop_from,))
    else:
        payload = json.loads(
            conn.execute("SELECT payload FROM events WHERE id = ?", (event_id,)).fetchone()[0]
        )
        change(payload)
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        conn.execute("UPDATE events SET payload = ? WHERE id = ?", (text, event_id))
        prev = (
            GENESIS_HASH
            if event_id == 1
            else conn.execute("SELECT hash FROM events WHERE id = ?", (event_id - 1,)).fetchone()[0]
        )
        for eid, at, kind, text in conn.execute(
            "SELECT id, at, kind, payload FROM events WHERE id >= ? ORDER BY id", (event_id,)
        ).fetchall():
            digest = event_hash(prev, eid, at, kind, text)
            seal = mac(reseal_with, digest) if reseal_with else None
            conn.execute(
                "UPDATE events SET prev_hash = ?, hash = ?" + (", mac = ?" if seal else "") + " WHERE id = ?",
                (prev, digest, *((seal,) if seal else ()), eid),
            )
            prev = digest
    for (sql,) in triggers:
        conn.execute(sql)
    conn.close()


def test_rewrite_with_recomputed_hashes_is_caught_by_the_key(sealed):
    db, key = sealed
    late = rows(db, "SELECT id FROM events WHERE kind = 'checklist_item'")[0][0]
    held = read_terminal_key(key_file_for(db))  # the one key the terminal keeps: the attacker has it too
    assert held is not None
    rewrite(db, late, lambda p: p.update(ok=True, note=""), reseal_with=held.key)
    plain = run(db.parent, "verify-log")
    assert plain.returncode == 0 and "无法证明" in plain.stdout and "重算整条哈希链" in plain.stdout
    caught = run(db.parent, "verify-log", "--key", str(key))
    assert caught.returncode == 1
    assert f"首个问题在事件 #{late}" in caught.stderr and "封印不符" in caught.stderr


def test_an_edited_fault_is_caught(sealed):
    db, key = sealed
    fault = rows(db, "SELECT id FROM events WHERE kind = 'fault_start'")[0][0]
    rewrite(db, fault, lambda p: p.update(fault="（无）"))
    caught = run(db.parent, "verify-log", "--key", str(key))
    assert caught.returncode == 1 and f"事件 #{fault}" in caught.stderr


def test_cut_tail_is_caught_by_the_anchor_and_by_the_next_event(sealed):
    db, key = sealed
    head_id, head_hash = rows(db, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")[0]
    rewrite(db, 0, None, drop_from=head_id - 1)
    cut = run(db.parent, "verify-log", "--anchor", f"{head_id}:{head_hash}")
    assert cut.returncode == 1 and f"首个问题在事件 #{head_id}" in cut.stderr and "截去" in cut.stderr
    # the terminal's key has moved past the cut events: what is recorded next cannot be sealed, and says so
    assert replay(db.parent, [{"at": f"{LATER}T10:00:00", "cmd": "pause", "reason": "休息"}]).returncode == 0
    after = run(db.parent, "verify-log", "--key", str(key))
    assert (
        after.returncode == 1
        and f"首个问题在事件 #{head_id - 1}" in after.stderr
        and "没有封印" in after.stderr
    )


def test_replaced_database_is_caught(sealed, tmp_path):
    db, key = sealed
    for suffix in ("", "-wal", "-shm", "-seal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    (tmp_path / "data" / "lead_pin.json").unlink(missing_ok=True)
    assert replay(tmp_path, shift()).returncode == 0  # a clean new history, consistent in itself
    assert run(tmp_path, "verify-log").returncode == 0
    caught = run(tmp_path, "verify-log", "--key", str(key))
    init_id = json.loads(key.read_text())["seal_init_id"]
    assert (
        caught.returncode == 1 and f"首个问题在事件 #{init_id}" in caught.stderr and "替换" in caught.stderr
    )


def test_sealing_switched_off_is_caught(sealed):
    db, key = sealed
    key_file_for(db).unlink()  # the terminal's key deleted: nothing after this can be sealed
    first = rows(db, "SELECT MAX(id) FROM events")[0][0] + 1
    assert replay(db.parent, [{"at": f"{LATER}T10:00:00", "cmd": "pause", "reason": "休息"}]).returncode == 0
    caught = run(db.parent, "verify-log", "--key", str(key))
    assert (
        caught.returncode == 1 and f"首个问题在事件 #{first}" in caught.stderr and "没有封印" in caught.stderr
    )


def test_unsealed_events_are_reported_and_a_sound_log_passes(sealed):
    db, key = sealed
    good = run(db.parent, "verify-log", "--key", str(key))
    assert good.returncode == 0, good.stderr
    assert (
        "封印" in good.stdout and "未封印：封印开始前的 1 条事件" in good.stdout
    )  # the lead_pin_set before it
    head_id, head_hash = rows(db, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")[0]
    assert (
        run(db.parent, "verify-log", "--key", str(key), "--anchor", f"{head_id}:{head_hash}").returncode == 0
    )


def test_superseded_keys_are_in_no_file_of_the_database(tmp_path):
    from datetime import datetime

    from assistant.store.event_log import EventStore
    from assistant.store.sealing import new_key

    db = tmp_path / "g.db"
    k0 = new_key()
    with EventStore.open(db) as store:
        init = store.start_sealing(k0, {"fingerprint": "x"}, datetime.now().astimezone())
        keys = [k0]
        for i in range(30):
            store.append([("pause", {"reason": f"第{i}次"})], datetime.now().astimezone())
            while len(keys) < store.last_id() - init.id + 2:
                keys.append(evolve(keys[-1]))
            files = b"".join(
                Path(str(db) + s).read_bytes()
                for s in ("", "-wal", "-shm", "-seal")
                if Path(str(db) + s).exists()
            )
            superseded = keys[:-1]  # every key of an event already recorded
            assert not [k for k in superseded if k in files or k.hex().encode() in files]
            assert keys[-1] in files  # the one key for the next event is there (in the -seal file)


def test_new_pin_after_deleting_the_pin_file_is_refused(sealed, tmp_path):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "lead_pin.json").unlink(missing_ok=True)
    again = run(tmp_path, "lead-pin", "set", pin="802731")
    assert again.returncode == 2 and "已设置值班长 PIN" in again.stderr
    # a re-created lead_pin.json with one's own hash: refused, and the attempt recorded
    (tmp_path / "data" / "lead_pin.json").write_text(json.dumps({"pin_hash": hash_pin("802731")}))
    export = run(
        tmp_path,
        "export",
        "--from",
        DAY,
        "--to",
        DAY,
        "--format",
        "csv",
        "--out",
        str(tmp_path / "out"),
        "--unmasked",
        pin="802731",
    )
    assert export.returncode == 2 and "已拒绝" in export.stderr
    assert rows(
        sealed[0], "SELECT json_extract(payload, '$.source') FROM events WHERE kind = 'lead_pin_refused'"
    )
    assert not (tmp_path / "out").exists()


def test_foreign_settings_toml_with_ones_own_pin_hash_is_refused(sealed, tmp_path):
    hall = tmp_path / "myscripts"
    hall.mkdir()
    (hall / "settings.toml").write_text(f'[lead]\npin_hash = "{hash_pin("802731")}"\n', encoding="utf-8")
    attempt = run(tmp_path, "--scripts", str(hall), "purge-personal", pin="802731")
    assert attempt.returncode == 2 and "settings.toml" in attempt.stderr
    refused = rows(
        sealed[0], "SELECT json_extract(payload, '$.source') FROM events WHERE kind = 'lead_pin_refused'"
    )
    assert refused and refused[0][0].endswith("settings.toml")
    assert not rows(sealed[0], "SELECT 1 FROM events WHERE kind = 'purge_personal'")


def test_failed_attempts_are_events_a_clerk_cannot_delete(sealed, tmp_path):
    args = ("export", "--from", DAY, "--to", DAY, "--format", "csv", "--out", str(tmp_path / "out"))
    wrong = run(tmp_path, *args, pin="111111")
    assert wrong.returncode == 2 and "PIN 不正确（连续 1 次）" in wrong.stderr
    for name in ("lead_pin_attempts.json", "lead_pin.json"):  # whatever files there are: gone
        (tmp_path / "data" / name).unlink(missing_ok=True)
    # the count goes on from the chain: the next wrong PIN waits its turn or is the 2nd in a row, never the 1st
    again = run(tmp_path, *args, pin="222222")
    assert again.returncode == 2
    assert "秒后再试" in again.stderr or "PIN 不正确（连续 2 次）" in again.stderr, again.stderr
    failed = rows(sealed[0], "SELECT payload FROM events WHERE kind = 'lead_pin_failed'")
    counts = [json.loads(p)["failures"] for (p,) in failed]
    assert counts in ([1], [1, 2]) and [json.loads(p)["wait_s"] for (p,) in failed] == [1, 2][: len(counts)]


def test_replay_cannot_write_the_lead_events(sealed, tmp_path):
    for cmd in (
        "seal_init",
        "lead_pin_set",
        "lead_pin_reset",
        "lead_pin_failed",
        "lead_pin_ok",
        "lead_pin_refused",
    ):
        forged = replay(tmp_path, [{"at": f"{DAY}T10:00:00", "cmd": cmd, "kdf": hash_pin("1")[:10]}])
        assert forged.returncode == 2 and "未知" in forged.stderr, cmd


def test_reset_is_recorded_and_shown_forever(sealed, tmp_path):
    reset = run(tmp_path, "lead-pin", "reset", pin="802731")
    assert reset.returncode == 0 and "永久记录" in reset.stdout
    shown = run(tmp_path, "verify-log")
    assert "被重置" in shown.stdout
    assert rows(sealed[0], "SELECT 1 FROM events WHERE kind = 'lead_pin_reset'")


def test_an_id_number_in_a_note_stays_out_of_the_chain(tmp_path):
    db = tmp_path / "g.db"
    note = "群众身份证11010519491231002X，电话13912345678，邮箱zhang.san@example.com，转社保科0396-0000001"
    day = [*shift(DAY)[:1], {"at": f"{DAY}T10:00:00", "cmd": "fault_start", "fault": "读卡器坏了：" + note}]
    assert replay(tmp_path, day).returncode == 0
    assert run(tmp_path, "lead-pin", "set", pin=PIN).returncode == 0
    (payload,) = rows(db, "SELECT payload FROM events WHERE kind = 'fault_start' ORDER BY id DESC LIMIT 1")[0]
    for secret in ("11010519491231002X", "13912345678", "zhang.san@example.com"):
        assert secret not in payload
    assert "〔证件号#" in payload and "〔电话#" in payload and "〔邮箱#" in payload
    assert "0396-0000001" in payload  # the scripts' office number is not personal
    assert rows(db, "SELECT 1 FROM persons WHERE id_number = '11010519491231002X'")
    out = tmp_path / "masked"
    assert (
        run(
            tmp_path, "export", "--from", DAY, "--to", DAY, "--format", "csv", "--out", str(out), pin=PIN
        ).returncode
        == 0
    )
    masked = "".join(p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv"))
    assert "1101**********002X" in masked and "11010519491231002X" not in masked
    assert "139****5678" in masked and "13912345678" not in masked
    exports = rows(db, "SELECT json_extract(payload, '$.by') FROM events WHERE kind = 'export'")
    assert exports == [(LEAD,)]
    purge = run(tmp_path, "purge-personal", "--before", date.today().isoformat(), pin=PIN)
    assert purge.returncode == 0, purge.stderr
    assert not rows(db, "SELECT 1 FROM persons WHERE id_number != '' OR email != '' OR phone != ''")
    assert rows(db, "SELECT json_extract(payload, '$.by') FROM events WHERE kind = 'purge_personal'") == [
        (LEAD,)
    ]
    out2 = tmp_path / "after"
    assert (
        run(
            tmp_path,
            "export",
            "--from",
            DAY,
            "--to",
            DAY,
            "--format",
            "csv",
            "--out",
            str(out2),
            "--unmasked",
            pin=PIN,
        ).returncode
        == 0
    )
    after = "".join(p.read_text(encoding="utf-8-sig") for p in out2.glob("*.csv"))
    assert "〔已删除〕" in after and "11010519491231002X" not in after
    assert run(tmp_path, "verify-log").returncode == 0
