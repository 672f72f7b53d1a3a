"""One declared registry of settings: whatever the code reads from the environment, the widgets' QSettings,
the command line, settings.toml and hours.toml [thresholds] is declared there, and the README lists it."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import pytest

from assistant.cli.commands import build_parser
from assistant.config import registry
from assistant.domain.hours import Thresholds
from tests.conftest import ROOT

READS = r"environ\.get\(\s*[\"']WA_|environ\[\s*[\"']WA_[A-Z_]+[\"']\](?!\s*=)"  # reading, not setting
SOURCES = [*ROOT.glob("assistant/**/*.py"), *ROOT.glob("ui/**/*.py"), ROOT / "main.py", ROOT / "run_tests.py"]


def keys(source: str) -> set[str]:
    return {s.key for s in registry.of(source)}


def code() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in SOURCES}


def test_every_wa_variable_in_the_code_is_declared_and_read_only_through_the_registry():
    found = set()
    for name, text in code().items():
        found |= set(re.findall(r"\bWA_[A-Z_]+\b", text))
        if name != "assistant/config/registry.py":
            assert not re.search(READS, text), f"{name} reads a WA_ variable itself"
    assert found <= keys(registry.ENV), found - keys(registry.ENV)
    assert found >= keys(registry.ENV), keys(registry.ENV) - found


def test_every_key_the_widgets_remember_is_declared():
    found = set()
    for name, text in code().items():
        if name.startswith("ui/"):
            found |= set(re.findall(r"settings\.(?:value|setValue)\(\s*\"([^\"]+)\"", text))
            found |= set(re.findall(r"stored\(\s*[\w.]+,\s*\"([^\"]+)\"", text))
    assert found == keys(registry.WIDGET)


def test_the_global_flags_of_the_command_line_are_the_declared_ones():
    parser = build_parser()
    settings = [a for a in parser._actions if a.dest not in ("help", "version")]  # those two only answer
    flags = {o for a in settings for o in a.option_strings if o.startswith("--")}
    assert flags == keys(registry.CLI)
    lang = next(a for a in parser._actions if "--lang" in a.option_strings)
    assert (tuple(lang.choices), lang.default) == (registry.setting("--lang").choices, "zh")


def test_settings_toml_and_the_thresholds_of_hours_toml_are_the_declared_ones():
    builtin = tomllib.loads((ROOT / "scripts_zh" / "settings.toml").read_text(encoding="utf-8"))
    written = {f"{t}.{k}" for t, table in builtin.items() if isinstance(table, dict) for k in table}
    assert written <= keys(registry.HALL_FILE)
    thresholds = {f"thresholds.{f.name}": f.default for f in dataclasses.fields(Thresholds)}
    assert {s.key: s.default for s in registry.of(registry.HOURS)} == thresholds


def test_the_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.key for s in registry.REGISTRY if f"`{s.key}`" not in readme]
    assert missing == []


class Remembered:
    def __init__(self, **values):
        self.values = {k.replace("__", "/"): v for k, v in values.items()}

    def value(self, key):
        return self.values.get(key)


@pytest.mark.parametrize(
    "raw, expected",
    [("420", 420), (420, 420), ("wide", 380), ("-5", 380), ("299", 380), ("", 380), (None, 380)],
)
def test_a_remembered_value_that_is_not_sound_is_its_default(raw, expected):
    assert registry.stored(Remembered(dock__width=raw), "dock/width") == expected


def test_flags_and_booleans():
    assert registry.env("WA_NO_SPEECH", {"WA_NO_SPEECH": "1"}) is True
    assert registry.env("WA_NO_SPEECH", {"WA_NO_SPEECH": "0"}) is False
    assert registry.env("WA_NO_SPEECH", {}) is False
    assert registry.stored(Remembered(sign__full_screen="false"), "sign/full_screen") is False
    assert registry.stored(Remembered(sign__full_screen="yes please"), "sign/full_screen") is True
    assert registry.env("WA_LEAD_PIN", {"WA_LEAD_PIN": ""}) == ""  # an empty PIN is still an answer
