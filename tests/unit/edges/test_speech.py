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
    monkeypatch.setattr(speech.ctypes, "CDLL", lambda _name: (_ for _ in ()).throw(OSError(_name)))
    monkeypatch.setattr(
        speech.paths, "bundled", lambda _name: None
    )  # from the sources: no espeak-ng beside us
    ok, reason = speech.available()
    assert not ok and "espeak-ng" in reason


def test_a_new_utterance_interrupts_the_current_one(monkeypatch):
    started = []

    class FakeProc:
        def __init__(self, cmd, **_kw):
            self.cmd, self.alive, self.pid, self.returncode = cmd, True, len(started) + 1, 0
            started.append(self)

        def communicate(self):
            return None, b""

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


# ─── Windows voices (SAPI5 tokens as SAPI lists them) and failures the clerk must hear about ─────────────


def test_the_chinese_sapi_voice_is_found_where_pyttsx3_fails_on_language_lists():
    """SAPI token attribute Language is ";"-separated hex LCIDs; pyttsx3 2.99 does int("409;9", 16) and
    raises (pyttsx3 issue #429). Tokens as a Chinese Windows 10 lists them (Speech_OneCore voices are not)."""
    base = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Speech\\Voices\\Tokens\\"
    tokens = [
        (base + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop - English (United States)", "409;9"),
        (base + "TTS_MS_ZH-HK_TRACY_11.0", "Microsoft Tracy Desktop - Chinese(Hong Kong)", "C04"),
        (base + "TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui Desktop - Chinese (Simplified)", "804"),
    ]
    try:
        int(tokens[0][2], 16)
    except ValueError:
        pass
    else:
        raise AssertionError("the attribute would parse: the reason for reading the tokens ourselves is gone")
    assert speech.sapi_chinese_voice(tokens).endswith("HUIHUI_11.0")
    assert speech.sapi_chinese_voice(tokens[:2]).endswith("TRACY_11.0")  # zh-HK when there is no zh-CN
    assert speech.sapi_chinese_voice([(base + "X", "Other", "0804;4")]) == base + "X"
    assert speech.sapi_chinese_voice(tokens[:1]) is None


def test_a_worker_that_fails_is_reported_not_taken_for_speech(monkeypatch, tmp_path):
    """A real worker whose engine finds no voice data (espeak-ng pointed at an empty folder)."""
    ok, why = speech.available()
    if not ok:
        import pytest

        pytest.skip(why)
    monkeypatch.setenv("ESPEAK_DATA_PATH", str(tmp_path))
    failures = []
    speaker = speech.Speaker(on_failure=failures.append)
    assert speaker.speak("您好")
    speaker.watcher.join(30)
    assert len(failures) == 1 and failures[0].startswith("朗读失败")


def test_an_interrupted_utterance_is_not_a_failure():
    assert speech.failure_reason(b"", 2) == "朗读失败（语音进程退出码 2）。"
    assert (
        speech.failure_reason("没有找到中文（普通话）语音。\n".encode(), 2) == "没有找到中文（普通话）语音。"
    )
    ok, _why = speech.available()
    if not ok:
        return
    failures = []
    speaker = speech.Speaker(on_failure=failures.append)
    assert speaker.speak("请稍候，我们马上为您办理！这是一句较长的话，用来打断。")
    watcher = speaker.watcher
    speaker.stop()
    watcher.join(30)
    assert not watcher.is_alive() and failures == []
