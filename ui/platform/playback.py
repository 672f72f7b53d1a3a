"""Reading a phrase aloud: the speech worker writes a WAV (assistant/edges/speech.py), Qt plays it.

pyttsx3's own playback on Linux runs `aplay` and ignores its exit status, so a missing player or sound
device looked like speech that never ended. Here the worker only synthesises to a file, in a QProcess (the
GUI never waits, finished workers are reaped), and QtMultimedia plays the file: playback is seen to start
(`QMediaPlayer` reaches PlayingState), and when it does not — no audio output, a playback error, nothing
within START_TIMEOUT_MS — `status` says why, in Chinese. A new phrase interrupts the current one.
"""

from __future__ import annotations

import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

from assistant.edges import speech

START_TIMEOUT_MS = 5000
NO_OUTPUT = "没有可用的音频输出设备（声卡或音频服务未启动），朗读不可用。"


class SpeechPlayer(QObject):
    """speak(text) → a WAV from the worker → played by Qt; `status(text)`: 正在朗读… / 朗读完毕。 / why not."""

    status = Signal(str)

    def __init__(self, parent: QObject | None = None, start_timeout_ms: int = START_TIMEOUT_MS) -> None:
        super().__init__(parent)
        self.care = False
        self._ok, self._reason = speech.available()
        self._program = speech.bundled_program() if self._ok else None  # asked once, not per phrase
        if self._ok and not QMediaDevices.audioOutputs():
            self._ok, self._reason = False, NO_OUTPUT
        self._dir: Path | None = None  # made at the first phrase: a start-up never fails on a full disk
        self._count = 0
        self._proc: QProcess | None = None
        self._started = False
        self._player = QMediaPlayer(self)
        self._audio = QAudioOutput(self)
        self._player.setAudioOutput(self._audio)
        self._player.playbackStateChanged.connect(self._on_state)
        self._player.errorOccurred.connect(self._on_error)
        self._watch = QTimer(self, singleShot=True)
        self._watch.timeout.connect(self._timed_out)
        self._start_timeout_ms = start_timeout_ms

    def available(self) -> tuple[bool, str]:
        return self._ok, self._reason

    def set_care(self, on: bool) -> None:
        self.care = bool(on)

    def speaking(self) -> bool:
        return self._proc is not None or self._player.playbackState() == QMediaPlayer.PlayingState

    def speak(self, text: str) -> bool:
        """Start reading `text` aloud; False (nothing happens) when speech is unavailable."""
        if not self._ok or not text.strip():
            return False
        self.stop()
        try:
            self._dir = self._dir or Path(tempfile.mkdtemp(prefix="wa-speech-"))
        except OSError as exc:
            self._ok = False
            self._reason = f"无法写入临时语音文件（{exc.strerror}：{tempfile.gettempdir()}），朗读不可用。"
            return False
        self._count += 1
        wav = self._dir / f"phrase-{self._count}.wav"
        argv, env = speech.worker("save", text, self.care, str(wav), self._program)
        proc = QProcess(self)
        environment = QProcessEnvironment()
        for key, value in env.items():
            environment.insert(key, value)
        proc.setProcessEnvironment(environment)
        proc.setProgram(argv[0])
        proc.setArguments(argv[1:])
        proc.finished.connect(lambda code, _status, p=proc, w=wav: self._written(p, code, w))
        proc.errorOccurred.connect(lambda _error, p=proc: self._worker_failed(p))
        self._proc = proc
        proc.start()
        self._watch.start(int(speech.SAVE_TIMEOUT_S * 1000))
        return True

    def stop(self) -> None:
        """Interrupt the current phrase: the worker is killed, playback stops."""
        self._watch.stop()
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.finished.disconnect()
            proc.errorOccurred.disconnect()
            proc.kill()
            proc.waitForFinished(1000)
            proc.deleteLater()
        self._started = False
        self._player.stop()

    # ── the worker, then the player ────────────────────────────────────────────────────────────
    def _written(self, proc: QProcess, code: int, wav: Path) -> None:
        if proc is not self._proc:
            return
        self._proc = None
        self._watch.stop()
        error = bytes(proc.readAllStandardError())
        proc.deleteLater()
        if code != 0:
            self._fail(speech.failure_reason(error, code))
            return
        try:
            with wave.open(str(wav), "rb") as w:
                empty = w.getnframes() == 0
        except (OSError, wave.Error, EOFError) as exc:
            self._fail(f"语音引擎没有生成有效的 WAV 文件：{exc}")
            return
        if empty:
            self._fail("语音引擎生成了空文件。")
            return
        self._started = False
        self._player.setSource(QUrl.fromLocalFile(str(wav)))
        self._player.play()
        self._watch.start(self._start_timeout_ms)

    def _worker_failed(self, proc: QProcess) -> None:
        if proc is self._proc and proc.error() == QProcess.FailedToStart:
            self._proc = None
            self._watch.stop()
            self._fail(f"无法启动语音进程：{proc.errorString()}")

    def _on_state(self, state) -> None:
        if state == QMediaPlayer.PlayingState:
            self._started = True
            self._watch.stop()
            self.status.emit("正在朗读…")
        elif state == QMediaPlayer.StoppedState and self._started:
            self._started = False
            self.status.emit("朗读完毕。")

    def _on_error(self, _error, text: str) -> None:
        self._watch.stop()
        self._fail(f"无法播放语音：{text or '音频设备出错'}。")

    def _timed_out(self) -> None:
        if self._proc is not None:
            self.stop()
            self._fail(f"语音引擎 {speech.SAVE_TIMEOUT_S:g} 秒内没有完成，已放弃。")
        elif not self._started:
            self._player.stop()
            self._fail("音频设备没有开始播放（声卡或音频服务无响应），朗读不可用。")

    def _fail(self, reason: str) -> None:
        self.status.emit(reason)
