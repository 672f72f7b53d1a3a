"""Shared fixtures: a fresh database per test, the default scripts, a clock that stands still."""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.config.schema import Scripts
from assistant.config.scripts import load_scripts
from assistant.desk import Desk
from assistant.edges.clock import FixedClock
from assistant.store.event_log import EventStore

ROOT = Path(__file__).resolve().parent.parent
CST = timezone(timedelta(hours=8))
# Windows has no effective user id, no file-size limits and no POSIX folder permissions: tests that need them
# are skipped there with this reason, so that `py run_tests.py` runs the rest on a Windows PC.
RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only (permissions, rlimits, users)")


def _keep_out_of_the_users_folders() -> Path:
    """The suite's own data folder, Qt settings and caches (inherited by every program a test starts), so that
    the test command never reads or writes the user's: tests/unit/test_home.py proves HOME stays untouched."""
    own = Path(tempfile.mkdtemp(prefix="wa-tests-"))
    atexit.register(shutil.rmtree, own, ignore_errors=True)
    for name in ("WA_DATA_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[name] = str(own / name.lower())
    return own


SUITE_FOLDERS = _keep_out_of_the_users_folders()


@pytest.fixture(scope="session")
def scripts() -> Scripts:
    return load_scripts()


@pytest.fixture
def clock() -> FixedClock:
    """Thursday 2026-11-26, 08:40 China Standard Time: twenty minutes before the hall opens."""
    return FixedClock(datetime(2026, 11, 26, 8, 40, tzinfo=CST))


@pytest.fixture
def store(tmp_path: Path):
    with EventStore.open(tmp_path / "assistant.db") as opened:
        yield opened


@pytest.fixture
def desk(store: EventStore, scripts: Scripts, clock: FixedClock) -> Desk:
    return Desk(store, scripts, clock)


def ready_desk(desk: Desk) -> Desk:
    """Sign in and pass every checklist item, so that serving may begin."""
    assert desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"}).accepted
    for item in desk.scripts.checklist.items:
        assert desk.execute("checklist_item", {"item": item.id, "ok": True}).accepted
    assert desk.execute("checklist_submit").accepted
    return desk


# ─── running as another user: tests run as root, and root ignores file permissions ─────────────────

RUNUSER = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")


@functools.lru_cache(maxsize=1)
def nobody_python() -> str | None:
    """An interpreter (3.11+, stdlib sqlite3/tomllib) the user nobody may run; None if there is none.

    The venv's interpreter may live under /root, which is private; the system Python runs the core too."""
    if RUNUSER is None:
        return None
    for candidate in (sys.executable, "/usr/bin/python3"):
        try:
            probe = subprocess.run(
                [RUNUSER, "-u", "nobody", "--", candidate, "-c", "import sqlite3, tomllib"],
                cwd="/",
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


@pytest.fixture
def shared_dir():
    """A folder the user nobody can reach (pytest's tmp_path lives under a root-only folder)."""
    folder = Path(tempfile.mkdtemp(prefix="wa-shared-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder, ignore_errors=True)


def sha256(path: Path) -> str:
    """The file's SHA-256: proof that nothing touched it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


UNSHARE = shutil.which("unshare")


def hidden(paths: list[Path], command: list[str]) -> list[str]:
    """`command` run in a private mount namespace where each of `paths` (a system file or folder) is covered by
    an empty one: the program sees the system without it, and nothing on the machine changes. Root only."""
    import os

    if UNSHARE is None or os.geteuid() != 0:
        pytest.skip("hiding system files needs root and unshare (a private mount namespace)")
    empty = Path(tempfile.mkdtemp(prefix="wa-hide-", dir="/tmp"))
    (empty / "file").touch()
    (empty / "dir").mkdir()
    empty.chmod(0o755)
    mounts = " && ".join(
        f"mount --bind {empty / ('dir' if p.is_dir() else 'file')} '{p.resolve()}'" for p in paths
    )
    return [
        UNSHARE,
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        f'{mounts} && exec "$@"',
        "sh",
        *command,
    ]


def without_cjk_fonts(folder: Path) -> dict[str, str]:
    """Environment for a program that sees only the DejaVu fonts: a PC without any Chinese font (fontconfig reads
    this configuration instead of the system's; nothing on the machine changes)."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("fonts-dejavu-core is not installed")
    config = folder / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>{dejavu}'
        f"</dir><cachedir>{folder / 'fontcache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    return {"FONTCONFIG_FILE": str(config)}


@pytest.fixture(autouse=True)
def _umask_restored():
    """The command line sets a private umask for what it creates (issue 12 §5); tests that run it in-process
    must not pass it on to the next test."""
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    yield
    os.umask(mask)


def pytest_sessionfinish(session, exitstatus):
    """Free the clipboard's contents while Python still runs. Offscreen, Qt keeps them in a global static that its
    exit handlers delete after Python has gone; contents a test pasted were made by Python (a QMimeData with a
    wrapper), and deleting those then crashes the process after a green run."""
    import sys

    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            app.clipboard().clear()
