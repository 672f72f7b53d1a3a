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
) -> subprocess.CompletedProcess:
    """Run one of the bundle's programs the way a clerk's PC does: no Python on the path, no source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "WA_"))}
    env.update(
        WA_DATA_DIR=str(tmp_path / "data"),
        HOME=str(tmp_path / "home"),
        QT_QPA_PLATFORM="offscreen",
        PATH="/usr/bin:/bin",
    )
    if gui:
        env["WA_EXIT_AFTER_SHOWN"] = "1"
    return subprocess.run(
        [str(bundle / program), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=timeout,
        check=False,
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
    assert not list(internal.rglob("libQt6Quick.so*")), "the virtual keyboard's Qt Quick is left out"
    assert not (internal / "assistant" / "edges" / "speech.py").exists(), (
        "sources are compiled into the archive"
    )


def test_help_lists_the_hall_option(bundle, tmp_path):
    result = run(bundle, tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "--hall" in result.stdout and "postgresql://" in result.stdout


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
    assert checked.returncode == 0 and "哈希链校验通过" in checked.stdout, checked.stderr
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
