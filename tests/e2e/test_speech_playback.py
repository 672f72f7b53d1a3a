"""Reading aloud as the clerk hears it: the worker's WAV played through QtMultimedia, playback seen to start
and end (on a null sound device), and without any sound device the reason said instead of "正在朗读…" for
ever (issue 14 #5). Each case runs in a child process: Qt reads the list of audio devices once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.e2e.audio import null_sound_server

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

CHILD = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.platform.playback import SpeechPlayer
app = QApplication([])
player = SpeechPlayer()
said = []
ok, reason = player.available()
def status(text):
    said.append(text)
    if text != "正在朗读…":
        app.quit()
player.status.connect(status)
if ok and player.speak("请稍候，我们马上为您办理！"):
    QTimer.singleShot(60000, app.quit)
    app.exec()
print(json.dumps({"available": ok, "reason": reason, "said": said}, ensure_ascii=False))
"""


def run_child(extra_env: dict[str, str]) -> dict:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        **extra_env,
    }
    env.pop("WA_NO_SPEECH", None)
    result = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_phrase_is_played_and_its_end_is_said(tmp_path):
    with null_sound_server(tmp_path / "pulse") as env:
        seen = run_child(env)
    assert seen["available"] is True and seen["reason"] == ""
    assert seen["said"] == ["正在朗读…", "朗读完毕。"]


def test_without_a_sound_device_speech_says_why(tmp_path):
    seen = run_child({"PULSE_SERVER": f"unix:{tmp_path / 'no-such-socket'}"})
    assert seen["available"] is False
    assert seen["reason"] == "没有可用的音频输出设备（声卡或音频服务未启动），朗读不可用。"
