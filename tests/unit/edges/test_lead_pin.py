"""The lead PIN in the database's chain: set/change/reset as events, failures as events with growing waits, hashes
in files adopted only as the first PIN and refused (recorded) after that, the KDF and the PIN rules."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from assistant.edges.lead_pin import (
    HOW_TO_SET,
    LeadPin,
    PinError,
    check_hash,
    delay_after,
    hash_pin,
    validate,
)
from assistant.store.event_log import EventStore


class Clock:
    def __init__(self):
        self.t = 1_800_000_000.0

    def __call__(self):
        return self.t


@pytest.fixture
def store(tmp_path):
    with EventStore.open(tmp_path / "g.db") as s:
        yield s


def kinds(store):
    return [e.kind for e in store.events()]


def test_not_set_says_how(store, tmp_path):
    pin = LeadPin(store, tmp_path)
    assert not pin.is_set()
    assert pin.check("583920").message == HOW_TO_SET


def test_set_is_an_event_with_the_hash_never_the_pin(store, tmp_path):
    pin = LeadPin(store, tmp_path)
    pin.set("583920")
    (event,) = list(store.events())
    assert event.kind == "lead_pin_set" and event.payload["source"] == "lead-pin set"
    assert event.payload["kdf"].startswith("scrypt$131072$8$1$") and "583920" not in json.dumps(event.payload)
    assert event.payload["replaces"] is None
    assert pin.check("583920").ok
    with pytest.raises(PinError, match="已设置"):
        pin.set("802731")
    assert not (tmp_path / "lead_pin.json").exists()  # nothing outside the chain


def test_change_needs_the_old_pin_and_names_what_it_replaces(store, tmp_path):
    clock = Clock()
    pin = LeadPin(store, tmp_path, clock=clock)
    pin.set("583920")
    with pytest.raises(PinError):
        pin.change("000000", "802731")
    clock.t += 10
    pin.change("583920", "802731")
    assert pin.check("802731").ok and not pin.check("583920").ok
    changes = [e for e in store.events() if e.kind == "lead_pin_set"]
    assert changes[-1].payload == {
        **changes[-1].payload,
        "source": "lead-pin change",
        "replaces": changes[0].id,
    }


def test_wrong_pins_are_events_and_slow_down_across_restarts(store, tmp_path):
    clock = Clock()
    LeadPin(store, tmp_path, clock=clock).set("583920")
    for expected in (1, 2, 4):
        pin = LeadPin(store, tmp_path, clock=clock)  # a restart each time
        result = pin.check("000000")
        assert not result.ok and result.wait_seconds == expected
        blocked = LeadPin(store, tmp_path, clock=clock).check("583920")
        assert not blocked.ok and blocked.wait_seconds > 0
        clock.t += expected
    assert LeadPin(store, tmp_path, clock=clock).check("583920").ok
    assert LeadPin(store, tmp_path, clock=clock).wait_seconds() == 0
    failed = [e.payload for e in store.events() if e.kind == "lead_pin_failed"]
    assert failed == [
        {"failures": 1, "wait_s": 1},
        {"failures": 2, "wait_s": 2},
        {"failures": 3, "wait_s": 4},
    ]
    assert kinds(store)[-1] == "lead_pin_ok"
    assert delay_after(20) == 300


def test_wait_is_never_longer_than_the_delay_when_the_clock_goes_back(store, tmp_path):
    clock = Clock()
    pin = LeadPin(store, tmp_path, clock=clock)
    pin.set("583920")
    pin.check("000000")
    clock.t -= 86_400 * 3
    assert 0 < pin.wait_seconds() <= 1


def test_a_hall_settings_hash_is_adopted_only_as_the_first_pin(store, tmp_path):
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "settings.toml").write_text(f'[lead]\npin_hash = "{hash_pin("864209")}"\n', encoding="utf-8")
    clock = Clock()
    pin = LeadPin(store, tmp_path / "data", hall, clock=clock)
    assert pin.is_set() and pin.check("864209").ok
    (first,) = [e for e in store.events() if e.kind == "lead_pin_set"]
    assert first.payload["source"].endswith("settings.toml")
    # another settings.toml, with someone else's hash: refused, and recorded once
    (hall / "settings.toml").write_text(f'[lead]\npin_hash = "{hash_pin("802731")}"\n', encoding="utf-8")
    assert not pin.check("802731").ok
    clock.t += 1
    assert pin.check("864209").ok
    refused = [e.payload for e in store.events() if e.kind == "lead_pin_refused"]
    assert len(refused) == 1 and refused[0]["source"].endswith("settings.toml")


def test_an_older_installations_short_pin_keeps_working_with_a_warning(store, tmp_path):
    salt = (
        b"0123456789abcdef"  # what earlier versions wrote: scrypt N=2^14 of a 4-digit PIN, in lead_pin.json
    )
    digest = hashlib.scrypt(b"2468", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    (tmp_path / "lead_pin.json").write_text(json.dumps({"pin_hash": legacy}))
    pin = LeadPin(store, tmp_path)
    result = pin.check("2468")
    assert result.ok and "少于 6 位" in result.warning and check_hash("2468", legacy)
    with pytest.raises(PinError, match="至少需要 6 位"):
        pin.change("2468", "1357")


def test_reset_without_the_old_pin_is_recorded(store, tmp_path):
    pin = LeadPin(store, tmp_path)
    pin.set("583920")
    pin.reset("802731")
    assert pin.check("802731").ok
    assert [e.kind for e in store.events()][:2] == ["lead_pin_set", "lead_pin_reset"]


@pytest.mark.parametrize(
    "weak", ["12345", "1234567a", "000000", "123456", "987654", "123123", "520520", "112233"]
)
def test_weak_new_pins_are_refused(weak):
    with pytest.raises(PinError):
        validate(weak)


def test_a_good_pin_passes():
    validate("583920")
    validate("70419382")
