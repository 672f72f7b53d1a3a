"""Personal data in free text: what is found (and what is not), the placeholders, masking and filling."""

from __future__ import annotations

import re
from datetime import datetime

from assistant.config.scripts import load_scripts
from assistant.domain import personal_data as pd
from assistant.edges.clock import FixedClock
from assistant.store.event_log import EventStore

ID = "11010519491231002X"  # GB 11643's example: the check digit is right


def scan(text: str, exempt: frozenset[str] = frozenset()) -> tuple[str, list[dict]]:
    found: list[dict] = []
    return pd.scan_text(text, exempt, found), found


def test_id_numbers_only_with_the_right_check_digit():
    assert pd.id_checksum_ok(ID) and pd.id_checksum_ok(ID.lower())
    assert not pd.id_checksum_ok("110105194912310021")
    _, found = scan(f"证件 {ID}，另一个 110105194912310021")
    assert [f["value"] for f in found] == [ID]


def test_mobiles_landlines_and_emails_are_found():
    text = "手机139 1234 5678、+86 13812345678，座机(0571)88812345 或 010-12345678-801，邮件 li.si@gov.example.cn"
    _, found = scan(text)
    assert {(f["column"], f["value"]) for f in found} == {
        ("phone", "139 1234 5678"),
        ("phone", "+86 13812345678"),
        ("phone", "(0571)88812345"),
        ("phone", "010-12345678-801"),
        ("email", "li.si@gov.example.cn"),
    }


def test_dates_times_counts_and_the_scripts_numbers_stay():
    scripts = load_scripts()
    exempt = pd.exempt_numbers(scripts)
    assert exempt  # the directory's office phones
    office = next(iter(sorted(n for n in exempt if n.startswith("0"))))
    text, found = scan(f"2026-11-30 09:00 第12345号 共3人 转 {office}", exempt)
    assert found == [] and office in text


def test_placeholders_masked_in_full_and_after_a_purge():
    people = {
        17: {"id_number": ID, "purged_at": None},
        18: {"phone": "13912345678", "purged_at": None},
        19: {"email": "zhang@example.com", "purged_at": None},
        20: {"id_number": "", "purged_at": "x"},
    }
    text = "〔证件号#17〕〔电话#18〕〔邮箱#19〕〔证件号#20〕〔电话#99〕"
    assert (
        pd.fill(text, people.get, masked=True)
        == "1101**********002X139****5678z***@example.com〔已删除〕〔电话#99〕"
    )
    assert pd.fill(text, people.get, masked=False).startswith(ID + "13912345678zhang@example.com〔已删除〕")


def test_the_desk_keeps_them_out_of_the_chain(tmp_path):
    from assistant.desk import Desk

    with EventStore.open(tmp_path / "g.db") as store:
        desk = Desk(store, load_scripts(), FixedClock(datetime(2026, 11, 2, 8, 50).astimezone()))
        assert desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员"}).accepted
        outcome = desk.execute("fault_start", {"fault": f"读卡器读不出 {ID}，回电 13912345678"})
        assert outcome.accepted
        payload = outcome.events[-1].payload["fault"]
        assert ID not in payload and "13912345678" not in payload
        ids = [int(n) for n in re.findall(r"#(\d+)〕", payload)]
        assert {store.person(i)["id_number"] or store.person(i)["phone"] for i in ids} == {ID, "13912345678"}
