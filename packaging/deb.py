"""The .deb of the Linux bundle for Debian-family desktops (统信 UOS, 麒麟 Kylin, Deepin, Debian, Ubuntu):
`python3 packaging/build.py --deb` (docs/packaging.md). Made with dpkg-deb; installs without internet.

What it installs:
    /opt/window-assistant/package/            the bundle, as dpkg knows it
    /opt/window-assistant/<version>/          hard links to it, made by postinst: what runs (see packaging/linux/postinst)
    /opt/window-assistant/current → <version> the version the next start uses
    /usr/bin/window-assistant                 the launcher (packaging/linux/window-assistant)
    /usr/sbin/window-assistant-autostart      on|off|status: the administrator's switch for every user's autostart
    /usr/share/applications/window-assistant.desktop, the icon, /usr/share/window-assistant/…-autostart.desktop
    /etc/default/window-assistant             arguments for every start (a conffile: kept across upgrades)
`Depends:` is what the bundle takes from the system (BUILD-INFO.json from_system, packaging/build.py
system_needs()) with glibc at the floor its own symbols need.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGE = "window-assistant"
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64"}
DESCRIPTION = """窗口服务助手 — desktop companion for clerks at government service windows
 A slim sidebar docked beside the business system: the service flow (迎→问→接→听→递→送), the standard
 phrases pasted or spoken, the start-of-shift checklist, and the shift lead's review and exports.
 Carries its own Python, Qt, speech engine (espeak-ng, as a separate program) and Chinese font:
 installs and runs without internet."""


def _normalise_modes(tree: Path) -> None:
    """Folders 0755, programs 0755, other files 0644, whatever the builder's umask (a private 077 would make
    /opt unreadable to the clerks, and dpkg-deb refuses a control folder that is not 0755)."""
    for path in [tree, *tree.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


def depends(info: dict) -> str:
    """The `Depends:` field: one entry per package the bundle needs, libc6 with its floor."""
    packages = sorted(set(info["from_system"].values()) - {"libc6"})
    return ", ".join([f"libc6 (>= {info['glibc']})", *packages])


def deb_version(info: dict, revision: int) -> str:
    return f"{info['version']}-{revision}"


def build_deb(bundle: Path, out_dir: Path, revision: int = 1, compression: str = "xz") -> Path:
    """Make out_dir/window-assistant_<version>-<revision>_<arch>.deb from the bundle folder; returns its path."""
    info = json.loads((bundle / "BUILD-INFO.json").read_text(encoding="utf-8"))
    version = deb_version(info, revision)
    arch = ARCHITECTURES.get(info["machine"], info["machine"])
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="deb-", dir=out_dir) as scratch:
        tree = Path(scratch) / "root"
        _link_tree(bundle, tree / "opt" / PACKAGE / "package")
        _install(HERE / "linux" / "window-assistant", tree / "usr" / "bin" / PACKAGE, 0o755)
        _install(
            HERE / "linux" / "window-assistant-autostart",
            tree / "usr" / "sbin" / f"{PACKAGE}-autostart",
            0o755,
        )
        _install(
            HERE / "linux" / "window-assistant.desktop",
            tree / "usr" / "share" / "applications" / f"{PACKAGE}.desktop",
        )
        autostart = tree / "usr" / "share" / PACKAGE / f"{PACKAGE}-autostart.desktop"
        _install(HERE / "linux" / "window-assistant.desktop", autostart)
        with autostart.open("a", encoding="utf-8") as entry:
            entry.write("X-GNOME-Autostart-enabled=true\nX-GNOME-Autostart-Delay=3\n")
        _install(
            ROOT / "resources" / "window-assistant.svg",
            tree / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{PACKAGE}.svg",
        )
        _install(HERE / "linux" / "default", tree / "etc" / "default" / PACKAGE)
        control = tree / "DEBIAN"
        control.mkdir(mode=0o755)
        size_kib = (
            sum(f.stat().st_size for f in tree.rglob("*") if f.is_file() and not f.is_symlink()) // 1024
        )
        (control / "control").write_text(
            f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {arch}\n"
            f"Maintainer: 窗口服务助手 <{PACKAGE}@localhost>\nInstalled-Size: {size_kib}\n"
            f"Depends: {depends(info)}\nSection: misc\nPriority: optional\nDescription: {DESCRIPTION}\n",
            encoding="utf-8",
        )
        (control / "conffiles").write_text(f"/etc/default/{PACKAGE}\n", encoding="utf-8")
        postinst = (HERE / "linux" / "postinst").read_text(encoding="utf-8").replace("@VERSION@", version)
        (control / "postinst").write_text(postinst, encoding="utf-8")
        (control / "postinst").chmod(0o755)
        _install(HERE / "linux" / "postrm", control / "postrm", 0o755)
        _normalise_modes(tree)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(tree), str(deb)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    seconds = time.monotonic() - started
    print(f"安装包：{deb}（{deb.stat().st_size / 2**20:.0f} MB，{seconds:.0f} 秒；Depends: {depends(info)}）")
    return deb


def _install(source: Path, dest: Path, mode: int = 0o644) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    dest.chmod(mode)


def _link_tree(source: Path, dest: Path) -> None:
    """A copy of `source` made of hard links where the file system allows (the bundle is 200 MB)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, dest, symlinks=True, copy_function=link)
