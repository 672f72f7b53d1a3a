"""`main.py say` writes real Mandarin speech: 16-bit PCM WAV, not silence, care mode longer."""

from __future__ import annotations

import array
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def say(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "WA_NO_VENV": "1", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "say", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
        check=False,
    )


def read(path: Path) -> tuple[wave._wave_params, array.array]:
    with wave.open(str(path), "rb") as wav:
        params = wav.getparams()
        samples = array.array("h", wav.readframes(params.nframes))
    return params, samples


def assert_speech_and_care_is_longer(normal: Path, care: Path) -> None:
    """`normal` and `care` are the same 13 characters spoken: sound, not silence; care mode slower, not quieter."""
    p_normal, s_normal = read(normal)
    p_care, s_care = read(care)
    assert p_normal.sampwidth == 2 and p_normal.nchannels == 1
    duration = p_normal.nframes / p_normal.framerate
    assert duration > 1.5  # 13 characters of speech, not a click
    loud = sum(1 for s in s_normal if abs(s) > 1000)
    assert loud > len(s_normal) * 0.1  # sound, not silence
    assert p_care.nframes / p_care.framerate > duration * 1.2
    assert max(abs(s) for s in s_care) >= max(abs(s) for s in s_normal) * 0.9


SENTENCE = "请稍候，我们马上为您办理！"


def test_say_writes_speech_and_care_mode_is_longer(tmp_path):
    normal, care = tmp_path / "normal.wav", tmp_path / "care.wav"
    result = say(SENTENCE, "--out", str(normal))
    assert result.returncode == 0, result.stderr
    result = say(SENTENCE, "--care", "--out", str(care))
    assert result.returncode == 0, result.stderr
    assert_speech_and_care_is_longer(normal, care)


def test_say_without_a_speech_engine_exits_2_with_the_reason(tmp_path):
    result = say("您好", "--out", str(tmp_path / "x.wav"), env_extra={"WA_NO_SPEECH": "1"})
    assert result.returncode == 2
    assert "朗读" in result.stderr
    assert not (tmp_path / "x.wav").exists()


def test_phrases_search_json_best_first():
    import json

    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": str(ROOT / ".no-data")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "phrases", "--search", "qsh", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = [p["id"] for p in json.loads(result.stdout)]
    assert found[0] == "greet.wait"
