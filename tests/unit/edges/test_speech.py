"""Speech availability and the worker process (the real WAV checks are in tests/e2e)."""

from __future__ import annotations

from assistant.edges import speech


def test_unavailable_speech_says_why_in_chinese(monkeypatch, tmp_path):
    monkeypatch.setenv("WA_NO_SPEECH", "1")
    ok, reason = speech.available()
    assert not ok and "朗读" in reason
    assert speech.save("您好", tmp_path / "x.wav") == (False, reason)
    speaker = speech.Speaker()
    assert speaker.available() == (False, reason)
    assert speaker.speak("您好") is False


def test_missing_engine_library_is_explained(monkeypatch):
    monkeypatch.delenv("WA_NO_SPEECH", raising=False)
    monkeypatch.setattr(speech.sys, "platform", "linux")
    monkeypatch.setattr(speech.ctypes.util, "find_library", lambda _name: None)
    ok, reason = speech.available()
    assert not ok and "espeak-ng" in reason


def test_a_new_utterance_interrupts_the_current_one(monkeypatch):
    started = []

    class FakeProc:
        def __init__(self, cmd, **_kw):
            self.cmd, self.alive = cmd, True
            started.append(self)

        def poll(self):
            return None if self.alive else 0

        def terminate(self):
            self.alive = False

        def wait(self, timeout=None):
            return 0

    speaker = speech.Speaker()
    speaker._ok = True
    monkeypatch.setattr(speech.subprocess, "Popen", FakeProc)
    speaker.speak("第一句")
    speaker.set_care(True)
    speaker.speak("第二句")
    assert [p.alive for p in started] == [False, True]
    assert '"care": true' in started[1].cmd[-1]
    speaker.stop()
    assert not speaker.speaking()
