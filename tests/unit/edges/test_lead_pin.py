"""The lead PIN: scrypt hash, set/change, growing delay kept across restarts, hall-deployed hash."""

from __future__ import annotations

import json

import pytest

from assistant.edges.lead_pin import HOW_TO_SET, LeadPin, PinError, delay_after, hash_pin


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_not_set_says_how(tmp_path):
    pin = LeadPin(tmp_path)
    assert not pin.is_set()
    assert pin.check("1234").message == HOW_TO_SET


def test_set_check_and_no_second_set(tmp_path):
    pin = LeadPin(tmp_path)
    pin.set("2468")
    stored = json.loads((tmp_path / "lead_pin.json").read_text())["pin_hash"]
    assert stored.startswith("scrypt$") and "2468" not in stored
    assert pin.check("2468").ok
    with pytest.raises(PinError):
        pin.set("9999")
    with pytest.raises(PinError):
        LeadPin(tmp_path / "other").set("12")


def test_change_needs_the_old_pin(tmp_path):
    clock = Clock()
    pin = LeadPin(tmp_path, clock=clock)
    pin.set("2468")
    with pytest.raises(PinError):
        pin.change("0000", "1357")
    clock.t += 10
    pin.change("2468", "1357")
    assert pin.check("1357").ok


def test_wrong_pins_slow_down_across_restarts(tmp_path):
    clock = Clock()
    LeadPin(tmp_path, clock=clock).set("2468")
    for expected in (1, 2, 4):
        pin = LeadPin(tmp_path, clock=clock)  # a restart each time
        result = pin.check("0000")
        assert not result.ok and result.wait_seconds == expected
        blocked = LeadPin(tmp_path, clock=clock).check("2468")
        assert not blocked.ok and blocked.wait_seconds > 0
        clock.t += expected
    assert LeadPin(tmp_path, clock=clock).check("2468").ok
    assert LeadPin(tmp_path, clock=clock).wait_seconds() == 0
    assert delay_after(20) == 300


def test_hall_deployed_hash_wins_and_is_read_only(tmp_path):
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "settings.toml").write_text(f'[lead]\npin_hash = "{hash_pin("8642")}"\n', encoding="utf-8")
    pin = LeadPin(tmp_path / "data", hall)
    assert pin.is_set() and pin.deployed and pin.check("8642").ok
    with pytest.raises(PinError):
        pin.change("8642", "1111")
