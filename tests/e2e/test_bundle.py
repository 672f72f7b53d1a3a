"""The packaged app (packaging/, docs/packaging.md): build the Linux bundle with PyInstaller, then run it as
a hall's PC would — from a folder of its own, no Python, no source tree, no .venv.

The build takes about 20 s on a 2-core runner and is cached between runs in .pytest_cache, keyed by a hash
of the sources and library versions (packaging/build.py source_hash()). Deselect with
`-m "not bundle"`.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tests build the Linux bundle"),
]

sys.path.insert(0, str(ROOT / "packaging"))
import build as packaging_build  # packaging/build.py


@pytest.fixture(scope="module")
def bundle(request, tmp_path_factory) -> Path:
    """The bundle of the current sources: reused from .pytest_cache when built before.

    Several test runs may share the tree (and its cache) at once: each build goes to a folder of its own and
    is renamed into place under its source hash, so a run never sees another's half-built bundle."""
    cache_root = request.config.cache
    cache = (
        Path(cache_root.mkdir("window-assistant-bundle")) if cache_root else tmp_path_factory.mktemp("bundle")
    )
    key = packaging_build.source_hash()[:20]
    done = cache / key
    if not (done / packaging_build.NAME / packaging_build.INFO).exists():
        scratch = Path(tempfile.mkdtemp(prefix="build-", dir=cache))
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "packaging" / "build.py"),
                "--quiet",
                "--dist",
                str(scratch / "dist"),
                "--work",
                str(scratch / "work"),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "WA_NO_VENV": "1"},
            timeout=1200,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        print(result.stdout.strip().splitlines()[-1])
        try:
            (scratch / "dist").rename(done)
        except OSError:  # another run finished the same build first: use that one
            pass
        shutil.rmtree(scratch, ignore_errors=True)
        for old in cache.iterdir():  # earlier sources' bundles (kept an hour for runs still using them)
            if old.name != key and time.time() - old.stat().st_mtime > 3600:
                shutil.rmtree(old, ignore_errors=True)
    return done / packaging_build.NAME


def run(
    bundle: Path,
    tmp_path: Path,
    *args: str,
    program: str = "window-assistant-cli",
    gui: bool = False,
    timeout: float = 60,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run one of the bundle's programs the way a clerk's PC does: no Python on the path, no source tree."""
    return run_command(
        [str(bundle / program), *args], tmp_path, gui=gui, timeout=timeout, env_extra=env_extra
    )


def run_command(
    command: list[str],
    tmp_path: Path,
    gui: bool = False,
    timeout: float = 60,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "WA_"))}
    env.update(
        WA_DATA_DIR=str(tmp_path / "data"),
        HOME=str(tmp_path / "home"),
        QT_QPA_PLATFORM="offscreen",
        PATH="/usr/bin:/bin",
    )
    env.update(env_extra or {})
    if gui:
        env["WA_EXIT_AFTER_SHOWN"] = "1"
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=timeout, check=False
    )


def test_the_bundle_is_one_folder_with_both_programs_and_the_data(bundle):
    info = json.loads((bundle / packaging_build.INFO).read_text(encoding="utf-8"))
    assert info["name"] == "window-assistant" and info["machine"] == platform.machine()
    internal = bundle / "_internal"
    for name in (
        "phrases.toml",
        "flow.toml",
        "taboo.toml",
        "checklist.toml",
        "directory.toml",
        "hours.toml",
        "calendar-2026.toml",
        "privacy-notice.txt",
        "settings.toml",
    ):
        assert (internal / "scripts_zh" / name).is_file(), name
    assert (internal / "resources" / "style.qss").is_file()
    assert (internal / "resources" / "window_assistant_en.qm").is_file()
    assert list((internal / "pypinyin").glob("*dict*")), "pypinyin's dictionaries"
    assert list((internal / "psycopg_binary").glob("pq*.so")), "psycopg's libpq wrapper (the hall database)"
    assert list(internal.rglob("libqxcb.so")) and list(internal.rglob("libqoffscreen.so"))
    assert not list(internal.rglob("libqtvirtualkeyboardplugin.so")), "the virtual keyboard is left out"
    # speech plays through Qt Multimedia's ffmpeg plugin, which links to Qt Quick: both are carried
    assert list(internal.rglob("libffmpegmediaplugin.so")) and list(internal.rglob("libQt6Quick.so*"))
    assert not (internal / "assistant" / "edges" / "speech.py").exists(), (
        "sources are compiled into the archive"
    )


def test_help_lists_the_hall_option_under_the_program_s_own_name(bundle, tmp_path):
    result = run(bundle, tmp_path, "--help", program="window-assistant")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: window-assistant [")
    assert "--hall" in result.stdout and "postgresql://" in result.stdout


def test_version_names_the_build_and_build_info_every_library(bundle, tmp_path):
    from assistant import __version__

    info = json.loads((bundle / packaging_build.INFO).read_text(encoding="utf-8"))
    libraries = info["libraries"]
    assert libraries["Python"] == platform.python_version() and libraries["Qt"].startswith("6.")
    for name in (
        "PySide6",
        "shiboken6",
        "pypinyin",
        "openpyxl",
        "lxml",
        "psycopg",
        "psycopg-binary",
        "pyttsx3",
        "keyboard",
        "python-xlib",
    ):
        assert libraries.get(name), name
    assert "pyinstaller" in info["build_tools"]
    for program in ("window-assistant", "window-assistant-cli"):
        result = run(bundle, tmp_path, "--version", program=program)
        assert result.returncode == 0, result.stderr
        first, second = result.stdout.splitlines()
        assert first == f"窗口服务助手 window-assistant {__version__}"
        assert info["built_at"] in second and f"Qt {libraries['Qt']}" in second
        assert f"PySide6 {libraries['PySide6']}" in second


def test_phrases_json_comes_from_the_bundled_scripts(bundle, tmp_path):
    result = run(bundle, tmp_path, "phrases", "--json")
    assert result.returncode == 0, result.stderr
    phrases = json.loads(result.stdout)
    assert len(phrases) >= 19
    assert (
        next(p for p in phrases if p["id"] == "greet.welcome")["text"] == "您好！请坐，请问您要办理什么业务？"
    )


def test_pinyin_search_works_in_the_bundle(bundle, tmp_path):
    result = run(bundle, tmp_path, "phrases", "--search", "qsh")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("greet.wait")


def test_verify_log_demo_data_and_xlsx_export(bundle, tmp_path):
    db = str(tmp_path / "hall.db")
    missing = run(bundle, tmp_path, "--db", db, "verify-log")
    assert missing.returncode == 2 and "不存在" in missing.stderr, missing.stderr
    made = run(
        bundle, tmp_path, "--db", db, "demo-data", "--days", "1", "--windows", "1", "--end", "2026-11-20"
    )
    assert made.returncode == 0, made.stderr
    checked = run(bundle, tmp_path, "--db", db, "verify-log")
    assert checked.returncode == 0 and "完整" in checked.stdout, checked.stderr
    lead = {"WA_LEAD_PIN": "583920", "WA_LEAD_ID": "L1"}  # every export needs the lead's PIN and 工号
    assert run(bundle, tmp_path, "--db", db, "lead-pin", "set", env_extra=lead).returncode == 0
    out = tmp_path / "report.xlsx"
    exported = run(
        bundle,
        tmp_path,
        "--db",
        db,
        "export",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--format",
        "xlsx",
        "--out",
        str(out),
        env_extra=lead,
    )
    assert exported.returncode == 0, exported.stderr
    assert "xl/workbook.xml" in zipfile.ZipFile(out).namelist()  # openpyxl made it


def test_a_bad_argument_is_answered_in_chinese_with_exit_2(bundle, tmp_path):
    result = run(bundle, tmp_path, "--no-such-option")
    assert result.returncode == 2 and "无法识别的参数" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sidebar_starts_and_paints_offscreen(bundle, tmp_path, lang):
    result = run(
        bundle,
        tmp_path,
        "--db",
        str(tmp_path / "gui.db"),
        "--lang",
        lang,
        program="window-assistant",
        gui=True,
    )
    assert result.returncode == 0, result.stderr  # exit_on_first_paint: 0 only once the window has painted
    assert "Traceback" not in result.stderr and "注意" not in result.stderr  # no scripts or store problems


def test_the_sidebar_reads_a_hall_scripts_folder(bundle, tmp_path):
    hall = tmp_path / "hall-scripts"
    hall.mkdir()
    (hall / "flow.toml").write_text("schema = 1\n[[step]\n", encoding="utf-8")  # broken: falls back
    result = run(
        bundle,
        tmp_path,
        "--db",
        str(tmp_path / "gui.db"),
        "--scripts",
        str(hall),
        program="window-assistant",
        gui=True,
    )
    assert result.returncode == 0, result.stderr
    assert "flow.toml" in result.stderr and "Traceback" not in result.stderr


def test_what_the_system_provides_is_not_carried_and_is_stated(bundle):
    """libstdc++, GLib, GTK, X11 and fonts come from the system (assistant/edges/system_libs.py FROM_THE_SYSTEM); every
    library the bundle needs and does not carry has a Debian package (the .deb's Depends), glibc its floor."""
    from assistant.edges import elf
    from assistant.edges.system_libs import FROM_THE_SYSTEM, SYSTEM_PACKAGES

    carried = {f.name for f in bundle.rglob("*")}
    assert not carried & FROM_THE_SYSTEM
    assert {"libstdc++.so.6", "libglib-2.0.so.0", "libgtk-3.so.0"} <= FROM_THE_SYSTEM
    info = json.loads((bundle / packaging_build.INFO).read_text(encoding="utf-8"))
    needed = {n for f in bundle.rglob("*.so*") if f.is_file() and (e := elf.read(f)) for n in e.needed}
    assert set(info["from_system"]) == needed - carried
    assert info["from_system"]["libstdc++.so.6"] == SYSTEM_PACKAGES["libstdc++.so.6"]
    assert tuple(map(int, info["glibc"].split("."))) >= (2, 28)
    assert not (bundle / "_internal" / "PySide6" / "Qt" / "plugins" / "platforms" / "libqwayland.so").exists()


def test_speech_and_its_licence_are_beside_the_program(bundle):
    engine = bundle / "espeak-ng"
    assert (engine / "espeak-ng").is_file() and (engine / "lib" / "libespeak-ng.so.1").is_file()
    assert (engine / "espeak-ng-data" / "cmn_dict").is_file() and (
        engine / "espeak-ng-data" / "lang" / "sit" / "cmn"
    ).is_file()
    assert "GNU GENERAL PUBLIC LICENSE" in (engine / "COPYING").read_text(encoding="utf-8")
    assert "apt-get source espeak-ng=" in (engine / "SOURCE.txt").read_text(encoding="utf-8")
    assert (bundle / "fonts" / "NotoSansCJK-Regular.ttc").stat().st_size > 15_000_000  # whole, not a subset
    assert "SIL OPEN FONT LICENSE" in (bundle / "fonts" / "LICENSE").read_text(encoding="utf-8").upper()


def test_say_speaks_through_the_bundled_espeak_ng_when_the_system_has_none(bundle, tmp_path):
    """The system's espeak-ng (program, library, data) hidden in a private mount namespace: the bundle's own."""
    from tests.conftest import hidden
    from tests.e2e.test_say import SENTENCE, assert_speech_and_care_is_longer

    lib = Path("/usr/lib") / f"{platform.machine()}-linux-gnu"
    system = [
        p
        for p in (Path("/usr/bin/espeak-ng"), lib / "libespeak-ng.so.1", lib / "espeak-ng-data")
        if p.exists()
    ]
    normal, care = tmp_path / "normal.wav", tmp_path / "care.wav"
    for out, extra in ((normal, ()), (care, ("--care",))):
        command = hidden(
            system, [str(bundle / "window-assistant-cli"), "say", SENTENCE, *extra, "--out", str(out)]
        )
        result = run_command(command, tmp_path, timeout=120)
        assert result.returncode == 0, result.stderr
    assert_speech_and_care_is_longer(normal, care)


def test_pdf_export_uses_the_bundled_font_when_the_system_has_no_chinese_font(bundle, tmp_path):
    from tests.conftest import without_cjk_fonts

    db, out = str(tmp_path / "hall.db"), tmp_path / "report.pdf"
    assert (
        run(
            bundle, tmp_path, "--db", db, "demo-data", "--days", "1", "--windows", "1", "--end", "2026-11-20"
        ).returncode
        == 0
    )
    lead = {"WA_LEAD_PIN": "583920", "WA_LEAD_ID": "L1"}  # every export needs the lead's PIN and 工号
    assert run(bundle, tmp_path, "--db", db, "lead-pin", "set", env_extra=lead).returncode == 0
    result = run(
        bundle,
        tmp_path,
        "--db",
        db,
        "export",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--format",
        "pdf",
        "--out",
        str(out),
        env_extra={**without_cjk_fonts(tmp_path), **lead},
    )
    assert result.returncode == 0, result.stderr
    assert b"NotoSansCJK" in out.read_bytes()
    gui = run(
        bundle,
        tmp_path,
        "--db",
        db,
        program="window-assistant",
        gui=True,
        env_extra=without_cjk_fonts(tmp_path),
    )
    assert gui.returncode == 0 and "中文字体" not in gui.stderr, gui.stderr


def test_speech_runs_its_worker_through_the_bundle(bundle, tmp_path):
    from assistant.edges import speech

    ok, why = speech.available()
    if not ok:
        pytest.skip(why)
    out = tmp_path / "hello.wav"
    result = run(bundle, tmp_path, "say", "您好，请坐", "--out", str(out), timeout=120)
    assert result.returncode == 0, (
        result.stderr
    )  # the worker is `<bundle> -m assistant.edges.speech` (entry.py)
    assert out.stat().st_size > 1000


def test_the_sidebar_names_a_missing_system_library_instead_of_aborting(bundle, tmp_path):
    """The packaged sidebar carries Qt's xcb helpers (libxcb-cursor…) but takes OpenGL from the PC: with libGL
    hidden (tests/conftest.py hidden()) it says which package is missing, exit 2, never Qt's abort. As root it
    first asks apt-get, here a recording stand-in (tests/e2e/test_xcb_preflight.py does the same from source)."""
    from tests.conftest import hidden

    lib = Path("/usr/lib") / f"{platform.machine()}-linux-gnu" / "libGL.so.1"
    if not lib.exists():
        pytest.skip("libGL.so.1 is not installed here")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "apt.log"}\n')
    (fake / "apt-get").chmod(0o755)
    result = run_command(
        hidden([lib], [str(bundle / "window-assistant")]),
        tmp_path,
        env_extra={"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99", "PATH": f"{fake}:/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert "libGL.so.1" in result.stderr and "libgl1" in result.stderr and "Aborted" not in result.stderr
    assert (tmp_path / "apt.log").read_text().split()[-1] == "libgl1"
