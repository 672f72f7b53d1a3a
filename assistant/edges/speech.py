"""Speaking phrases aloud (rule 25 care mode: slower and louder) through pyttsx3 in a worker process.

Every utterance runs in a fresh `python -m assistant.edges.speech` process that owns its own engine:
* the UI never blocks, and a new phrase interrupts the current one (the old process is terminated);
* a crash or hang of the engine cannot take the app down (save() has a timeout);
* pyttsx3 2.99's SAPI5 bug (only the first utterance of an engine is spoken, pyttsx3 issue #402) cannot
  bite: no engine ever speaks twice.
* a worker that fails (no Chinese voice, a broken engine) is reported through `Speaker.on_failure` with its
  Chinese reason, so the sidebar never says "正在朗读…" over silence.
Voices: espeak-ng's Mandarin `cmn` on Linux. On Windows a SAPI5 Chinese voice, Huihui (zh-CN) first: the
voices are listed from the SAPI tokens directly, because pyttsx3 2.99 parses each token's Language attribute
with int(value, 16) and fails on lists such as "409;9" (pyttsx3 issue #429), which silenced all speech. The
voices SAPI5 can see are listed in docs/packaging.md (Yaoyao and Kangkang are usually OneCore-only).

On a Linux PC without espeak-ng (an offline hall cannot apt-get it) the packaged app's own copy speaks: the
espeak-ng program beside ours (paths.BUNDLED_SPEECH, GPL-3.0, run as a separate program, never loaded into ours)
takes the place of the worker, with the same voice, speed and loudness.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import json
import os
import subprocess
import sys
import threading
import wave
from collections.abc import Callable, Iterable
from pathlib import Path

from assistant.config import paths, registry

SAVE_ATTEMPTS = 2
SAVE_TIMEOUT_S = 30.0
NORMAL_RATE_FACTOR, CARE_RATE_FACTOR = 1.0, 0.65
NORMAL_VOLUME, CARE_VOLUME = 0.75, 1.0
_ROOT = Path(__file__).resolve().parent.parent.parent
_CHINESE_HINTS = ("cmn", "zh", "chinese", "huihui", "yaoyao", "kangkang", "mandarin")
# espeak-ng's own speed, which pyttsx3's rate starts from (and pyttsx3's volume 1.0 is espeak's amplitude 100)
ESPEAK_DEFAULT_WPM = 175


def available() -> tuple[bool, str]:
    """Whether speech can work here, and if not why (Chinese, shown beside the disabled speak buttons)."""
    if registry.env("WA_NO_SPEECH"):
        return False, "朗读已关闭（WA_NO_SPEECH=1）。"
    if importlib.util.find_spec("pyttsx3") is None:
        return False, "未安装朗读组件 pyttsx3，朗读不可用。"
    if sys.platform.startswith("linux"):
        if not _system_espeak() and _bundled_espeak() is None:
            return False, "未安装 espeak-ng（apt-get install espeak-ng），朗读不可用。"
    elif sys.platform == "win32":
        if importlib.util.find_spec("comtypes") is None:
            return False, "缺少 comtypes，无法使用 Windows 语音（SAPI5），朗读不可用。"
    elif sys.platform != "darwin":
        return False, f"此系统（{sys.platform}）没有可用的语音引擎，朗读不可用。"
    return True, ""


def _system_espeak() -> bool:
    """Whether the system has espeak-ng's library and it loads (pyttsx3's driver loads it by this name): the
    linker's cache may still list a library that is gone, so it is loaded, not only looked up."""
    if not (ctypes.util.find_library("espeak-ng") or ctypes.util.find_library("espeak")):
        return False
    for name in ("libespeak-ng.so.1", "libespeak.so.1"):
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


def _bundled_espeak() -> Path | None:
    """The packaged app's espeak-ng program, when there is one (Linux bundle only)."""
    folder = paths.bundled(paths.BUNDLED_SPEECH)
    program = folder / "espeak-ng" if folder else None
    return program if program is not None and program.is_file() else None


def bundled_program() -> Path | None:
    """The espeak-ng program to run instead of the pyttsx3 worker: the packaged one, on a Linux PC whose system
    has no espeak-ng; None otherwise. Asked once per speaker or file, not per utterance."""
    return None if not sys.platform.startswith("linux") or _system_espeak() else _bundled_espeak()


def _command(mode: str, text: str, care: bool, out: str = "", program: Path | None = None) -> list[str]:
    if program is not None:
        rate = max(60, int(ESPEAK_DEFAULT_WPM * (CARE_RATE_FACTOR if care else NORMAL_RATE_FACTOR)))
        amplitude = int(100 * (CARE_VOLUME if care else NORMAL_VOLUME))
        options = ["--path", str(program.parent), "-v", "cmn", "-s", str(rate), "-a", str(amplitude)]
        return [str(program), *options, *(["-w", out] if mode == "save" else []), "--", text]
    job = json.dumps({"mode": mode, "text": text, "care": care, "out": out}, ensure_ascii=False)
    return [sys.executable, "-m", "assistant.edges.speech", job]


def _env(program: Path | None = None) -> dict[str, str]:
    """The worker's environment; for the bundled espeak-ng `program`, its own libraries (never for the pyttsx3
    worker, which must load the system's espeak-ng, not ours)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(_ROOT), env.get("PYTHONPATH", ""))))
    env["PYTHONIOENCODING"] = "utf-8"
    if program is not None:
        env["LD_LIBRARY_PATH"] = str(program.parent / "lib")
    return env


def worker(
    mode: str, text: str, care: bool, out: str = "", program: Path | None = None
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one utterance's worker ("save": write `out` as WAV; `program`: the
    bundled espeak-ng, from `bundled_program()`). The sidebar runs it in a QProcess and plays the WAV itself
    (ui/platform/playback.py)."""
    return _command(mode, text, care, out, program), _env()


class Speaker:
    """Speaks one phrase at a time; a new one interrupts the current one.

    `on_failure(reason)` is called (from a waiting thread) when an utterance's worker fails; an utterance
    interrupted by `stop()` or a new one is not a failure.
    """

    def __init__(self, on_failure: Callable[[str], None] | None = None) -> None:
        self.care = False
        self.on_failure = on_failure
        self._proc: subprocess.Popen | None = None
        self.watcher: threading.Thread | None = None  # waits for the current worker, reports its failure
        self._stopped: set[int] = set()  # pids of workers we ended ourselves
        self._ok, self._reason = available()
        self._program = bundled_program() if self._ok else None

    def available(self) -> tuple[bool, str]:
        return self._ok, self._reason

    def set_care(self, on: bool) -> None:
        self.care = bool(on)

    def speak(self, text: str) -> bool:
        """Start speaking `text` without waiting; False (and nothing happens) when speech is unavailable."""
        if not self._ok or not text.strip():
            return False
        self.stop()
        try:
            self._proc = subprocess.Popen(
                _command("speak", text, self.care, program=self._program),
                env=_env(self._program),
                cwd=_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError:
            self._proc = None
            return False
        self.watcher = threading.Thread(
            target=self._watch, args=(self._proc,), daemon=True, name="speech-worker"
        )
        self.watcher.start()
        return True

    def _watch(self, proc: subprocess.Popen) -> None:
        _out, err = proc.communicate()
        if proc.returncode == 0 or proc.pid in self._stopped or self.on_failure is None:
            return
        self.on_failure(failure_reason(err or b"", proc.returncode))

    def speaking(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Interrupt the current utterance (terminate its worker)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            self._stopped.add(proc.pid)
            proc.terminate()
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def failure_reason(stderr: bytes, returncode: int) -> str:
    """The Chinese line to show for a failed worker: its own last line when that is Chinese."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    last = lines[-1].strip() if lines else ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in last):
        return last
    return f"朗读失败：{last}" if last else f"朗读失败（语音进程退出码 {returncode}）。"


def speak(text: str, care: bool = False) -> Speaker:
    """Speak `text` in the background; keep the returned Speaker to interrupt it."""
    speaker = Speaker()
    speaker.set_care(care)
    speaker.speak(text)
    return speaker


def save(
    text: str, wav_path: Path | str, care: bool = False, timeout: float = SAVE_TIMEOUT_S
) -> tuple[bool, str]:
    """Write `text` as 16-bit PCM WAV speech to `wav_path`; (ok, Chinese reason when not ok)."""
    ok, reason = available()
    if not ok:
        return False, reason
    out = Path(wav_path).resolve()
    # espeak-ng through pyttsx3 now and then exits cleanly without writing the file on a busy machine;
    # one more try in a fresh worker costs a second and saves the clerk a failed click.
    program = bundled_program()
    for _ in range(SAVE_ATTEMPTS):
        ok, reason, worth_retrying = _save_once(text, out, care, timeout, program)
        if ok or not worth_retrying:
            break
    return ok, reason


def _save_once(
    text: str, out: Path, care: bool, timeout: float, program: Path | None
) -> tuple[bool, str, bool]:
    """One worker run: (ok, reason, whether another try may help)."""
    try:
        out.unlink(missing_ok=True)
        result = subprocess.run(
            _command("save", text, care, str(out), program),
            env=_env(program),
            cwd=_ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False, f"语音引擎 {timeout:g} 秒内没有完成，已放弃。", False
    except OSError as exc:
        return False, f"无法启动语音进程：{exc}", False
    if result.returncode != 0:
        lines = (result.stderr or "").strip().splitlines()
        return False, lines[-1] if lines else f"语音进程异常退出（{result.returncode}）。", False
    try:
        with wave.open(str(out), "rb") as wav:
            if wav.getnframes() == 0:
                return False, "语音引擎生成了空文件。", True
    except (OSError, wave.Error, EOFError) as exc:
        return False, f"语音引擎没有生成有效的 WAV 文件：{exc}", True
    return True, "", False


# ─── the worker process ────────────────────────────────────────────────────────────────────────

# SAPI token attribute "Language": LCIDs in hex, ";"-separated ("804", "409;9"). Chinese: zh-CN 804 first,
# then zh-TW 404, zh-HK C04, zh-SG 1004, zh-MO 1404.
_CHINESE_LCIDS = ("804", "404", "c04", "1004", "1404")


def sapi_chinese_voice(tokens: Iterable[tuple[str, str, str]]) -> str | None:
    """The id of the SAPI5 voice to use from (id, description, Language attribute) triples: a Chinese one,
    zh-CN before the others and Huihui before the other zh-CN voices; None when there is none."""
    best: tuple[int, int, str] | None = None
    for vid, description, language in tokens:
        codes = [code.strip().lower().lstrip("0") for code in (language or "").split(";")]
        ranks = [_CHINESE_LCIDS.index(code) for code in codes if code in _CHINESE_LCIDS]
        if not ranks:
            continue
        key = (min(ranks), 0 if "huihui" in (description or "").lower() else 1, vid)
        best = key if best is None or key < best else best
    return best[2] if best else None


def _sapi_tokens() -> list[tuple[str, str, str]]:  # pragma: no cover - only on Windows
    """Every voice SAPI5 lists, read from the tokens themselves (not through pyttsx3's voice list)."""
    import comtypes.client

    voices = comtypes.client.CreateObject("SAPI.SpVoice").GetVoices()
    return [(token.Id, token.GetDescription(), token.GetAttribute("Language") or "") for token in voices]


def _choose_voice(engine) -> str | None:
    if sys.platform == "win32":
        return sapi_chinese_voice(_sapi_tokens())
    voices = engine.getProperty("voices") or []
    preferred = "cmn" if sys.platform.startswith("linux") else ""
    for voice in voices:
        vid = str(getattr(voice, "id", ""))
        if preferred and (vid == preferred or vid.endswith("/" + preferred)):
            return vid
    for voice in voices:
        described = " ".join(
            str(x)
            for x in (getattr(voice, "id", ""), getattr(voice, "name", ""), *getattr(voice, "languages", []))
        ).lower()
        if "latn" not in described and any(hint in described for hint in _CHINESE_HINTS):
            return str(voice.id)
    return None


def _work(job: dict) -> int:
    import pyttsx3

    engine = pyttsx3.init()
    voice = _choose_voice(engine)
    if voice is None:
        print(
            "没有找到中文（普通话）语音。Linux 请安装 espeak-ng；Windows 请安装中文语音包（如 Huihui）。",
            file=sys.stderr,
        )
        return 2
    engine.setProperty("voice", voice)
    rate = int(engine.getProperty("rate") or 200)
    care = bool(job.get("care"))
    engine.setProperty("rate", max(60, int(rate * (CARE_RATE_FACTOR if care else NORMAL_RATE_FACTOR))))
    engine.setProperty("volume", CARE_VOLUME if care else NORMAL_VOLUME)
    if job["mode"] == "save":
        engine.save_to_file(job["text"], job["out"])
    else:
        engine.say(job["text"])
    engine.runAndWait()
    if job["mode"] == "save":
        _wait_until_written(Path(job["out"]))
    return 0


def _wait_until_written(path: Path, limit: float = 10.0) -> None:
    """espeak's driver may return from runAndWait before the file is on disk on a busy machine: wait until
    it exists and its size has stopped changing (bounded), so the parent never reads a missing file."""
    import time

    deadline, last = time.monotonic() + limit, -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else -1
        if size > 0 and size == last:
            return
        last = size
        time.sleep(0.05)


def _main(argv: list[str]) -> int:
    try:
        return _work(json.loads(argv[1]))
    except Exception as exc:  # noqa: BLE001 - the parent shows this line to the clerk instead of a traceback
        print(f"语音引擎出错（{type(exc).__name__}：{exc}），朗读不可用。", file=sys.stderr)
        return 3


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv))
