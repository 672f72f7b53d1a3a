"""What the program takes from the Linux system, and the check before Qt starts that it is there.

Qt 6.5+ needs libxcb-cursor0 for its X11 (xcb) platform, which Ubuntu's default desktop lacks; without it, or
without any other library the xcb plugin needs, Qt prints an English message and aborts with a core dump. So
`python3 main.py` (and the packaged app) first reads which libraries the xcb plugin needs from the plugin file
itself (assistant/edges/elf.py), tries to load each one that the program does not carry, and, when one is missing:
as root on a Debian-family system (Debian, Ubuntu, 统信 UOS, 麒麟 Kylin, Deepin) installs the packages as the
test command does; otherwise names them, in Chinese, with the command to run. Standard library only.

SYSTEM_PACKAGES is also the packager's table (packaging/build.py): every library the bundle needs and does not
carry must be in it, and its package goes into the .deb's `Depends:`.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from assistant.edges import elf

EXIT_USAGE = 2

# soname → the Debian package that provides it (the same names on Debian 10–12, Ubuntu 20.04–24.04, UOS 20 and
# Kylin V10; Ubuntu 24.04's t64 packages provide the old names). glibc's own libraries are libc6, versioned.
GLIBC_PACKAGE = "libc6"
GLIBC_SONAMES = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "libpthread.so.0",
        "librt.so.1",
        "libutil.so.1",
        "libresolv.so.2",
        "libnsl.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
    }
)
SYSTEM_PACKAGES = {
    # the C++ runtime: the system's graphics drivers need the system's (a bundled older one breaks them)
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1 | libgcc1",
    # X11 and Qt's xcb platform
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libXext.so.6": "libxext6",
    "libXrender.so.1": "libxrender1",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    # the graphics drivers' direct rendering manager (Qt Multimedia's ffmpeg links to it)
    "libdrm.so.2": "libdrm2",
    # OpenGL through the system's drivers (glvnd)
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    # fonts, the session bus, GLib's event loop, the GTK theme plugin and what those need
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libexpat.so.1": "libexpat1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libgmodule-2.0.so.0": "libglib2.0-0",
    "libgtk-3.so.0": "libgtk-3-0",
    "libgdk-3.so.0": "libgtk-3-0",
    "libpango-1.0.so.0": "libpango-1.0-0",
    "libpangocairo-1.0.so.0": "libpangocairo-1.0-0",
    "libpangoft2-1.0.so.0": "libpangoft2-1.0-0",
    "libcairo.so.2": "libcairo2",
    "libcairo-gobject.so.2": "libcairo-gobject2",
    "libatk-1.0.so.0": "libatk1.0-0",
    "libgdk_pixbuf-2.0.so.0": "libgdk-pixbuf-2.0-0 | libgdk-pixbuf2.0-0",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libz.so.1": "zlib1g",
    "libpng16.so.16": "libpng16-16",
    "libsystemd.so.0": "libsystemd0",
    "libselinux.so.1": "libselinux1",
    "libmount.so.1": "libmount1",
    "libblkid.so.1": "libblkid1",
    "libuuid.so.1": "libuuid1",
    "libgcrypt.so.20": "libgcrypt20",
    "libgpg-error.so.0": "libgpg-error0",
    "liblz4.so.1": "liblz4-1",
    "liblzma.so.5": "liblzma5",
    "libzstd.so.1": "libzstd1",
    "libcap.so.2": "libcap2",
    "libbsd.so.0": "libbsd0",
    "libmd.so.0": "libmd0",
    "libpcre2-8.so.0": "libpcre2-8-0",
    "libffi.so.8": "libffi8",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libbz2.so.1.0": "libbz2-1.0",
    "libcrypt.so.1": "libcrypt1",
    # sound, for the speech engine beside the program (espeak-ng/)
    "libasound.so.2": "libasound2",
    "libpulse.so.0": "libpulse0",
    "libpulse-simple.so.0": "libpulse0",
}

# Libraries the packaged app leaves to the system although PyInstaller would collect them from the build machine:
# the C++ runtime (the system's graphics drivers need the system's), GLib and GTK (the system's modules, themes and
# settings), X11, fonts (the system's fontconfig configuration), the session bus and what those need. Everything a
# desktop PC of the targets has; the .deb depends on them, and packaging/build.py checks the bundle carries none.
FROM_THE_SYSTEM = frozenset(
    {
        "libstdc++.so.6",
        "libgcc_s.so.1",
        "libglib-2.0.so.0",
        "libgobject-2.0.so.0",
        "libgio-2.0.so.0",
        "libgmodule-2.0.so.0",
        "libgthread-2.0.so.0",
        "libgtk-3.so.0",
        "libgdk-3.so.0",
        "libatk-1.0.so.0",
        "libcairo.so.2",
        "libcairo-gobject.so.2",
        "libpango-1.0.so.0",
        "libpangocairo-1.0.so.0",
        "libpangoft2-1.0.so.0",
        "libgdk_pixbuf-2.0.so.0",
        "libharfbuzz.so.0",
        "libgraphite2.so.3",
        "libthai.so.0",
        "libdatrie.so.1",
        "libfribidi.so.0",
        "libpixman-1.so.0",
        "libjpeg.so.62",
        "libpng16.so.16",
        "libbrotlicommon.so.1",
        "libbrotlidec.so.1",
        "libX11.so.6",
        "libX11-xcb.so.1",
        "libXext.so.6",
        "libXrender.so.1",
        "libXau.so.6",
        "libXdmcp.so.6",
        "libxcb.so.1",
        "libfontconfig.so.1",
        "libfreetype.so.6",
        "libexpat.so.1",
        "libz.so.1",
        "libzstd.so.1",
        "libdbus-1.so.3",
        "libsystemd.so.0",
        "libselinux.so.1",
        "libmount.so.1",
        "libblkid.so.1",
        "libgcrypt.so.20",
        "libgpg-error.so.0",
        "liblz4.so.1",
        "libcap.so.2",
        "libbsd.so.0",
        "libmd.so.0",
        "libpcre2-8.so.0",
        "libasound.so.2",
        "libpulse.so.0",
    }
)


def qt_folder() -> Path | None:
    """PySide6's Qt folder (plugins/, lib/): inside the packaged app, or in the installed PySide6."""
    if getattr(sys, "frozen", False):
        folder = Path(getattr(sys, "_MEIPASS", "")) / "PySide6" / "Qt"
        return folder if folder.is_dir() else None
    spec = importlib.util.find_spec("PySide6")  # finds, does not import: nothing of Qt is loaded here
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt"


def missing_for_xcb(qt: Path | None = None) -> list[str]:
    """The sonames that Qt's xcb platform plugin needs, that the program does not carry and that cannot be
    loaded here (an empty list: xcb will start, or there is no xcb plugin to check)."""
    qt = qt or qt_folder()
    if qt is None or not (plugin := qt / "plugins" / "platforms" / "libqxcb.so").is_file():
        return []
    carried = [qt / "lib", Path(getattr(sys, "_MEIPASS", qt / "lib"))]
    missing: list[str] = []
    seen: set[str] = set()
    queue = [plugin]
    while queue:
        path = queue.pop()
        needs = elf.read(path)
        if needs is None:
            continue
        for soname in needs.needed:
            if soname in seen:
                continue
            seen.add(soname)
            local = next(
                (d / soname for d in (*needs.search_dirs(path.parent), *carried) if (d / soname).is_file()),
                None,
            )
            if local is not None:
                queue.append(local)
            elif not _loads(soname):
                missing.append(soname)
    return missing


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def packages_for(sonames: list[str]) -> list[str]:
    """The Debian packages that provide `sonames` (a soname not in the table stands for itself)."""
    return list(
        dict.fromkeys(
            SYSTEM_PACKAGES.get(s, GLIBC_PACKAGE if s in GLIBC_SONAMES else s).split(" |")[0] for s in sonames
        )
    )


def input_method_module(environ: dict[str, str] | None = None, qt: Path | None = None) -> str | None:
    """The QT_IM_MODULE Qt should use, when the one set cannot work with our Qt; None to leave it.

    PySide6's Qt has the ibus input-context plugin only. UOS and Kylin set QT_IM_MODULE=fcitx for fcitx5, whose
    plugin for their own Qt cannot load into ours: Qt would then start with no input method at all, and no
    Chinese could be typed. fcitx5's ibus frontend answers the ibus plugin, so ask for that one instead."""
    env = os.environ if environ is None else environ
    wanted = env.get("QT_IM_MODULE", "")
    contexts = (qt or qt_folder() or Path("/nonexistent")) / "plugins" / "platforminputcontexts"
    if not wanted or wanted == "ibus" or not (contexts / "libibusplatforminputcontextplugin.so").exists():
        return None
    if any(wanted in p.name for p in contexts.glob("lib*.so")):
        return None
    return "ibus"


def check_before_qt(environ: dict[str, str] | None = None) -> tuple[int, str] | None:
    """Before the GUI starts Qt on Linux: None when Qt's platform can start, else (exit code, Chinese message).

    As root on a Debian-family system the missing packages are installed first (from the configured sources:
    an intranet mirror, or a local folder of .deb files)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0]
    if platform not in ("", "xcb"):
        return None  # offscreen, wayland, vnc…: Qt's own checks
    if not env.get("DISPLAY"):  # the sidebar needs X11 (or XWayland): the bundle has no Wayland platform
        return EXIT_USAGE, (
            "无法启动侧边栏：没有图形界面（环境变量 DISPLAY 未设置）。请在桌面会话中启动；"
            "只用命令行功能时请带上子命令，例如：--help。"
        )
    missing = missing_for_xcb()
    if not missing:
        return None
    packages = packages_for(missing)
    command = "apt-get install -y " + " ".join(packages)
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(
            f"[窗口服务助手] 图形界面缺少系统库 {'、'.join(missing)}，正在安装：{' '.join(packages)}",
            file=sys.stderr,
            flush=True,
        )
        if apt_install(packages):
            missing = missing_for_xcb()
            if not missing:
                return None
        return EXIT_USAGE, (
            f"无法启动侧边栏：Qt 的 X11（xcb）平台插件缺少系统库 {'、'.join(missing)}，自动安装"
            f"（{command}）没有成功。内网电脑请从本单位的软件源或 U 盘上的 .deb 文件安装这些软件包"
            f"（apt-get install ./*.deb），然后重新启动。"
        )
    return EXIT_USAGE, (
        f"无法启动侧边栏：Qt 的 X11（xcb）平台插件缺少系统库 {'、'.join(missing)}。"
        f"请让管理员安装：sudo {command}，然后重新启动。"
    )


def apt_install(packages: list[str]) -> bool:
    """`apt-get install` as the test command does; the package lists are refreshed only when that fails (an
    offline PC with an intranet mirror or a local repository may install without a refresh)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, check=False).returncode == 0:
        return True
    if subprocess.run(["apt-get", "update", "-qq"], env=env, check=False).returncode != 0:
        return False
    return subprocess.run(install, env=env, check=False).returncode == 0
