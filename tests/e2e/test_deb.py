"""The .deb (packaging/deb.py) through its whole life, as a hall's administrator and a clerk meet it: install,
start from the menu's launcher as an ordinary user, upgrade while that sidebar runs, autostart, remove.

Nothing on this machine changes: dpkg installs into a throwaway root (`--root`, maintainer scripts run with
DPKG_ROOT and `--force-script-chrootless`; `--force-depends` because that root has no other packages, whose
names are checked against this machine's instead). The two packages are two builds (revisions 1 and 2) of the
cached bundle, uncompressed to keep the test quick.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import RUNNING_AS_ROOT, RUNUSER, sha256
from tests.e2e.test_bundle import bundle, packaging_build  # noqa: F401  (the cached bundle fixture)

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
        reason="the .deb is built with dpkg-deb",
    ),
    pytest.mark.skipif(not RUNNING_AS_ROOT or RUNUSER is None, reason="dpkg --root and runuser need root"),
]

import deb as packaging_deb  # noqa: E402  (packaging/deb.py: test_bundle put packaging/ on the path)

PACKAGE = "window-assistant"


@pytest.fixture(scope="module")
def debs(bundle, tmp_path_factory) -> tuple[Path, Path]:  # noqa: F811
    out = tmp_path_factory.mktemp("debs")
    return (
        packaging_deb.build_deb(bundle, out, revision=1, compression="none"),
        packaging_deb.build_deb(bundle, out, revision=2, compression="none"),
    )


@pytest.fixture
def root():
    """A throwaway root for dpkg that the user nobody can reach (under /tmp, not pytest's root-only folder)."""
    folder = Path(tempfile_dir())
    for sub in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
        (folder / sub).mkdir(parents=True)
    (folder / "var/lib/dpkg/status").touch()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def tempfile_dir() -> str:
    import tempfile

    folder = tempfile.mkdtemp(prefix="wa-deb-root-", dir="/tmp")
    os.chmod(folder, 0o755)
    return folder


def dpkg(root: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def as_clerk(root: Path, home: Path, *args: str, gui: bool = False, wait: bool = True):
    """The launcher as the user nobody, offscreen, with a home of its own."""
    env = [
        "env",
        "-i",
        "PATH=/usr/bin:/bin",
        f"HOME={home}",
        f"WA_DATA_DIR={home / 'data'}",
        "QT_QPA_PLATFORM=offscreen",
        *(["WA_EXIT_AFTER_SHOWN=1"] if gui else []),
    ]
    command = [RUNUSER, "-u", "nobody", "--", *env, str(root / "usr" / "bin" / PACKAGE), *args]
    if wait:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/", check=False)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")


def home_for_nobody(root: Path, name: str) -> Path:
    home = root.parent / f"{root.name}-{name}"
    (home / "data").mkdir(parents=True)
    for folder in (home, home / "data"):
        os.chmod(folder, 0o777)
    return home


def sidebar_running_from(folder: Path, timeout: float = 60) -> int:
    """The pid of the sidebar whose program is in `folder`, once Qt is up in it (its platform plugin loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                exe = os.readlink(proc / "exe")
                if exe.startswith(f"{folder}/") and "libqoffscreen" in (proc / "maps").read_text():
                    return int(proc.name)
            except OSError:
                continue
        time.sleep(0.2)
    raise AssertionError(f"no sidebar started from {folder}")


def stop(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_the_control_data_names_real_packages_and_the_glibc_floor(debs):
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(debs[0])], capture_output=True, text=True, check=True
    ).stdout
    control = dict(
        line.split(": ", 1) for line in fields.splitlines() if ": " in line and not line.startswith(" ")
    )
    assert control["Package"] == PACKAGE and control["Version"] == f"{packaging_build.version()}-1"
    depends = [d.strip() for d in control["Depends"].split(",")]
    assert depends[0].startswith("libc6 (>= 2.")
    for alternatives in depends[1:]:  # each names a package this Debian machine has (the first alternative)
        name = alternatives.split("|")[0].strip()
        found = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False
        )
        assert "install ok installed" in found.stdout, name
    assert "libstdc++6" in depends and "libglib2.0-0" in depends and "libgtk-3-0" not in depends


def test_install_start_upgrade_while_running_autostart_and_remove(debs, root):
    first, second = debs
    top = root / "opt" / PACKAGE
    v1, v2 = (f"{packaging_build.version()}-{revision}" for revision in (1, 2))

    # install: a folder per version, the stable launcher, the menu entry with its Chinese name and icon
    dpkg(root, "-i", str(first))
    assert os.readlink(top / "current") == v1 and (top / v1 / PACKAGE).is_file()
    entry = (root / "usr/share/applications/window-assistant.desktop").read_text(encoding="utf-8")
    assert (
        "Name=窗口服务助手" in entry and "Icon=window-assistant" in entry and "Exec=window-assistant" in entry
    )
    assert (root / "usr/share/icons/hicolor/scalable/apps/window-assistant.svg").is_file()

    # an ordinary user starts it through the launcher
    clerk = home_for_nobody(root, "clerk")
    shown = as_clerk(root, clerk, "--version")
    assert shown.returncode == 0 and shown.stdout.startswith("窗口服务助手 window-assistant"), shown.stderr
    assert as_clerk(root, clerk, gui=True).returncode == 0  # the sidebar paints (exits at the first paint)
    running = as_clerk(root, clerk, wait=False)
    old_pid = sidebar_running_from(top / v1)
    records = clerk / "data" / "assistant.db"
    assert records.exists()
    before = {
        p.relative_to(top / v1): sha256(p)
        for p in (top / v1).rglob("*")
        if p.is_file() and p.stat().st_size < 5_000_000
    }

    try:
        # upgrade while the sidebar runs: the next start uses the new version, the running one keeps its files
        dpkg(root, "-i", str(second))
        assert os.readlink(top / "current") == v2
        assert Path(f"/proc/{old_pid}").exists() and running.poll() is None
        assert not os.readlink(f"/proc/{old_pid}/exe").endswith("(deleted)")
        after = {
            p.relative_to(top / v1): sha256(p)
            for p in (top / v1).rglob("*")
            if p.is_file() and p.stat().st_size < 5_000_000
        }
        assert after == before
        other = home_for_nobody(root, "next")
        newer = as_clerk(root, other, wait=False)
        try:
            sidebar_running_from(top / v2)
        finally:
            newer.kill()
            newer.wait(timeout=30)
    finally:
        stop(old_pid)
        running.wait(timeout=30)
    # the old folder goes at the next package operation once nothing runs from it
    dpkg(root, "-i", str(second))
    assert not (top / v1).exists() and (top / v2).is_dir()

    # the administrator switches the autostart on for every user
    switch = root / "usr/sbin/window-assistant-autostart"
    assert "已开启" in subprocess.run([str(switch), "on"], capture_output=True, text=True, check=True).stdout
    autostart = root / "etc/xdg/autostart/window-assistant.desktop"
    assert os.readlink(autostart) == "/usr/share/window-assistant/window-assistant-autostart.desktop"
    assert "X-GNOME-Autostart-enabled=true" in (
        root / "usr/share/window-assistant/window-assistant-autostart.desktop"
    ).read_text(encoding="utf-8")

    # remove, then purge: the program goes, the records stay
    kept = sha256(records)
    dpkg(root, "-r", PACKAGE)
    assert not top.exists() and not (root / "usr/bin" / PACKAGE).exists() and not autostart.is_symlink()
    assert (root / "etc/default" / PACKAGE).exists()  # a conffile: only purge removes it
    dpkg(root, "--purge", PACKAGE)
    assert not (root / "etc/default" / PACKAGE).exists()
    assert sha256(records) == kept
