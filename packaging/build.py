#!/usr/bin/env python3
"""Build the packaged app: `python3 packaging/build.py` → dist/window-assistant/ (see docs/packaging.md).

Runs PyInstaller from the project's .venv (made on first use, with the `test` extra, which carries
PyInstaller) on packaging/window-assistant.spec. The bundle holds its own Python, Qt and libraries: the
clerk's PC needs neither Python nor network. A bundle runs only on the system and architecture it was
built on, so build on Windows for Windows, on ARM64 for ARM64.

    --archive      also pack the folder as dist/window-assistant-<version>-<system>-<arch>.tar.gz (.zip on Windows)
    --if-changed   skip the build when dist/window-assistant/BUILD-INFO.json has the hash of the current sources
    --dist/--work  other output and scratch folders (the tests keep a cached build in .pytest_cache)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "window-assistant.spec"
NAME = "window-assistant"
INFO = "BUILD-INFO.json"
# What goes into the bundle: a change to any of these files means a new build.
SOURCES = ("main.py", "pyproject.toml", "assistant", "ui", "packaging", "scripts_zh", "resources")
SUFFIXES = {".py", ".toml", ".txt", ".qss", ".qm", ".spec"}
# Installed distributions whose version changes the bundle.
DISTRIBUTIONS = (
    "pyinstaller",
    "pyinstaller-hooks-contrib",
    "PySide6-Essentials",
    "PySide6-Addons",
    "pyttsx3",
    "pypinyin",
    "openpyxl",
    "psycopg",
    "psycopg-binary",
    "keyboard",
    "python-xlib",
)


def source_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = root / name
        if path.is_file():
            files.append(path)
            continue
        for file in sorted(path.rglob("*")):
            rel = file.relative_to(root)
            if (
                file.is_file()
                and file.suffix in SUFFIXES
                and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts)
            ):
                files.append(file)
    return files


def source_hash(root: Path = ROOT, python: str | None = None) -> str:
    """A hash of everything the bundle is made of: the sources, the interpreter, the libraries' versions."""
    digest = hashlib.sha256()
    for file in source_files(root):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    probe = (
        "import importlib.metadata as m, platform, sys\n"
        f"names = {DISTRIBUTIONS!r}\n"
        "def v(n):\n"
        "    try:\n        return m.version(n)\n    except m.PackageNotFoundError:\n        return ''\n"
        "print(sys.version, platform.machine(), *[n + '=' + v(n) for n in names])"
    )
    versions = subprocess.run(
        [python or sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    digest.update(versions.encode())
    return digest.hexdigest()


def build_python() -> str:
    """The interpreter with PyInstaller: this one if it has it, else the project's .venv (made if missing)."""
    if os.environ.get("WA_NO_VENV") == "1" or _has_pyinstaller(sys.executable):
        return sys.executable
    sys.path.insert(0, str(ROOT))
    from assistant.edges.environment import ensure_venv

    return str(ensure_venv(ROOT, extras=("test",)))


def _has_pyinstaller(python: str) -> bool:
    found = subprocess.run([python, "-c", "import PyInstaller"], capture_output=True, check=False)
    return found.returncode == 0


def built_hash(bundle: Path) -> str | None:
    try:
        return json.loads((bundle / INFO).read_text(encoding="utf-8"))["source_hash"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def build(
    dist: Path, work: Path, if_changed: bool = False, archive: bool = False, quiet: bool = False
) -> Path:
    """Build (or, with if_changed, reuse) dist/window-assistant/; returns its path."""
    python = build_python()
    bundle = dist / NAME
    wanted = source_hash(ROOT, python)
    if if_changed and built_hash(bundle) == wanted and (bundle / executable(NAME)).exists():
        print(f"未改动，沿用已有的打包结果：{bundle}")
    else:
        started = time.monotonic()
        command = [
            python,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ]
        if quiet:
            command[3:3] = ["--log-level", "WARN"]
        subprocess.run(command, cwd=ROOT, check=True)
        seconds = time.monotonic() - started
        info = {
            "name": NAME,
            "version": _version(),
            "source_hash": wanted,
            "build_seconds": round(seconds, 1),
            "system": platform.system(),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (bundle / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"打包完成：{bundle}（{seconds:.0f} 秒，{folder_size(bundle) / 2**20:.0f} MB）")
    if archive:
        base = dist / f"{NAME}-{_version()}-{platform.system().lower()}-{platform.machine().lower()}"
        made = shutil.make_archive(str(base), "zip" if os.name == "nt" else "gztar", dist, NAME)
        print(f"安装包：{made}（{Path(made).stat().st_size / 2**20:.0f} MB）")
    return bundle


def executable(name: str) -> str:
    return name + (".exe" if os.name == "nt" else "")


def _version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="打包窗口服务助手（PyInstaller，单文件夹）")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="输出文件夹（默认 dist/）")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="临时文件夹")
    parser.add_argument("--if-changed", action="store_true", help="源文件未改动时沿用上次的结果")
    parser.add_argument("--archive", action="store_true", help="另外打成一个压缩包，便于拷贝到内网")
    parser.add_argument("--quiet", action="store_true", help="PyInstaller 只输出警告")
    args = parser.parse_args(argv)
    build(args.dist.resolve(), args.work.resolve(), args.if_changed, args.archive, args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
