"""The project's own Python environment in `.venv/`: made when missing, refreshed when pyproject changes.

Standard library only: this runs under whatever `python3` the user typed, before any dependency exists.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from assistant.config import registry

# subprocess, shutil and venv are imported where they are used: this module runs on every start-up.

STAMP = ".window-assistant-installed"

# What the tests need from Debian (see DESKTOP.md): Qt's xcb plugin, CJK fonts, Xvfb and friends, speech.
DEBIAN_PACKAGES = (
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-xfixes0",
    "libxcb-xkb1",
    "libxcb-util1",
    "libxkbcommon-x11-0",
    "libx11-xcb1",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libglib2.0-0",
    "libdbus-1-3",
    "fonts-noto-cjk",
    "xvfb",
    "xdotool",
    "openbox",
    "xclip",
    "x11-utils",
    "imagemagick",
    "espeak-ng",
    "sox",
    "fonts-dejavu-core",
    # tests/e2e/test_no_stray_descriptor.py: who opens the database files (strace -k shows the caller)
    "strace",
    # tests/e2e/person.py: controls found by their accessible names over AT-SPI, as a screen reader finds them
    "python3-pyatspi",
    "at-spi2-core",
    "dbus",
    # typing Chinese into the packaged app (tests/e2e/test_input_method.py): ibus with its pinyin engine, and
    # fcitx5 with its pinyin through its ibus frontend, each on a private session bus
    "ibus",
    "ibus-libpinyin",
    "fcitx5",
    "fcitx5-pinyin",
    # tests/e2e/test_speech_playback.py: a sound server with a null sink, so Qt's playback can be seen to start
    "pulseaudio",
    # the hall database tests start a throwaway PostgreSQL cluster on loopback (tests/hall/conftest.py)
    "postgresql",
    # tests/hall/pgcluster.py: a throwaway certificate authority for the TLS (verify-full) tests
    "openssl",
)


def venv_python(root: Path) -> Path:
    """The interpreter inside the project's environment."""
    folder = "Scripts" if os.name == "nt" else "bin"
    return root / ".venv" / folder / ("python.exe" if os.name == "nt" else "python")


def lock_file(root: Path, extras: tuple[str, ...] = ()) -> Path:
    """The pinned, hashed requirements for `extras` (requirements-test.lock with "test", else requirements.lock).

    Made by `uv pip compile … --universal --generate-hashes` (the command heads each file) for Windows and Linux."""
    return root / ("requirements-test.lock" if "test" in extras else "requirements.lock")


def _wanted(root: Path, extras: tuple[str, ...]) -> str:
    digest = hashlib.sha256((root / "pyproject.toml").read_bytes())
    digest.update(lock_file(root, extras).read_bytes())
    digest.update(",".join(sorted(extras)).encode())
    return digest.hexdigest()


def _in_project_venv(root: Path) -> bool:
    try:
        return Path(sys.prefix).resolve() == (root / ".venv").resolve()
    except OSError:
        return False


def _say(message: str) -> None:
    print(f"[窗口服务助手] {message}", file=sys.stderr, flush=True)


def ensure_venv(root: Path, extras: tuple[str, ...] = ()) -> Path:
    """Create `.venv` and install the project (with `extras`) when missing or out of date."""
    python = venv_python(root)
    stamp = root / ".venv" / STAMP
    wanted = _wanted(root, extras)
    if python.exists() and stamp.exists() and wanted in stamp.read_text().split():
        return python
    import subprocess
    import venv

    if not python.exists():
        _say("首次运行：正在创建运行环境 .venv/ …")
        try:
            venv.EnvBuilder(with_pip=True, clear=(root / ".venv").exists()).create(root / ".venv")
        except (OSError, subprocess.CalledProcessError) as exc:
            _say(
                f"无法创建 .venv：{exc}。Debian/Ubuntu 请先安装 python3-venv（apt-get install python3-venv）。"
            )
            raise SystemExit(2) from exc
    _say("正在安装依赖（需要访问软件包索引，只在首次或依赖变化时进行）…")
    lock = lock_file(root, extras)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    try:
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        # exactly the tested versions, each file checked against its hash; then the project itself
        subprocess.run([*pip, "--require-hashes", "-r", str(lock)], check=True)
        subprocess.run([*pip, "--no-deps", "-e", str(root)], check=True)
    except subprocess.CalledProcessError as exc:
        _say(f"安装依赖失败（退出码 {exc.returncode}），请检查网络或软件包索引设置后重试。")
        raise SystemExit(2) from exc
    previous = stamp.read_text().split() if stamp.exists() else []
    stamp.write_text("\n".join(sorted({*previous, wanted, _wanted(root, ())})) + "\n")
    return python


def enter_venv(root: Path, extras: tuple[str, ...] = ()) -> None:
    """Make sure we run inside `.venv` with what we need; re-run this very command there if not."""
    if registry.env("WA_NO_VENV") or getattr(sys, "frozen", False):
        return  # the packaged app (packaging/) carries its own interpreter and libraries
    python = ensure_venv(root, extras)
    if _in_project_venv(root):
        return
    args = [str(python), *sys.argv]
    if os.name == "nt":
        import subprocess

        raise SystemExit(subprocess.call(args))
    os.execv(str(python), args)


def ensure_debian_packages(packages: tuple[str, ...] = DEBIAN_PACKAGES) -> None:
    """Install the Debian packages the tests need when we are root on Debian; otherwise say what is missing."""
    import shutil

    if not Path("/etc/debian_version").exists() or shutil.which("dpkg-query") is None:
        if sys.platform.startswith("linux"):
            _say("非 Debian 系统：请自行安装 Xvfb、Noto CJK 字体、espeak-ng、xdotool、openbox、ImageMagick。")
        return
    missing = [p for p in packages if not _dpkg_installed(p)]
    if not missing:
        return
    if os.geteuid() != 0:
        _say(
            "缺少系统软件包，相关测试将跳过。请以 root 运行或执行：sudo apt-get install -y "
            + " ".join(missing)
        )
        return
    _say("正在安装系统软件包：" + " ".join(missing))
    from assistant.edges.system_libs import apt_install

    if not apt_install(missing):
        _say("安装系统软件包失败，相关测试将跳过或失败：apt-get install -y " + " ".join(missing))


def _dpkg_installed(package: str) -> bool:
    import subprocess

    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return result.returncode == 0 and "install ok installed" in result.stdout
