#!/usr/bin/env python3
"""Build the packaged app: `python3 packaging/build.py` → dist/window-assistant/ (see docs/packaging.md).

Runs PyInstaller from the project's .venv (made on first use, with the `test` extra, which carries
PyInstaller) on packaging/window-assistant.spec. The bundle holds its own Python, Qt and libraries: the
clerk's PC needs neither Python nor network. A bundle runs only on the system and architecture it was
built on, so build on Windows for Windows, on ARM64 for ARM64.

    --archive      also pack the folder as dist/window-assistant-<version>-<system>-<arch>.tar.gz (.zip on Windows)
    --deb          also make dist/window-assistant_<version>-<revision>_<arch>.deb (packaging/deb.py)
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
sys.path.insert(0, str(ROOT))
from assistant.config.paths import BUNDLED_FONT, BUNDLED_SPEECH  # noqa: E402  (standard library only)

SPEC = ROOT / "packaging" / "window-assistant.spec"
NAME = "window-assistant"
INFO = "BUILD-INFO.json"
# What goes into the bundle: a change to any of these files means a new build.
SOURCES = ("main.py", "pyproject.toml", "assistant", "ui", "packaging", "scripts_zh", "resources")
SUFFIXES = {".py", ".toml", ".txt", ".qss", ".qm", ".spec"}
# What the build interpreter reports about itself: Python, Qt, and every installed distribution the project's
# dependencies pull in (they are what the bundle carries), with PyInstaller, which makes it.
PROBE = """
import importlib.metadata as m, json, platform, sys, tomllib
from packaging.requirements import Requirement
def applies(req, extras=()):
    return req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras))
def closure(wanted):
    found = {}
    while wanted:
        req = wanted.pop()
        try:
            dist = m.distribution(req.name)
        except m.PackageNotFoundError:
            continue
        if dist.metadata["Name"] not in found:
            found[dist.metadata["Name"]] = dist.version
            wanted += [sub for sub in map(Requirement, dist.requires or ()) if applies(sub, req.extras)]
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))
needs = [Requirement(r) for r in tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]]
import PySide6
from PySide6.QtCore import qVersion
print(json.dumps({"python": platform.python_version(), "machine": platform.machine(), "qt": qVersion(),
                  "pyside6": PySide6.__version__,
                  "distributions": closure([r for r in needs if applies(r)]),
                  "tools": closure([Requirement("pyinstaller"), Requirement("pyinstaller-hooks-contrib")])}))
"""


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


# ─── what goes beside the programs: speech engine, CJK font; what comes from the system ─────────────────────

# espeak-ng's data for Mandarin (and English, for the Latin letters of badge numbers and the like).
ESPEAK_DATA = (
    "phondata",
    "phonindex",
    "phontab",
    "intonations",
    "cmn_dict",
    "en_dict",
    "lang/sit/cmn",
    "lang/gmw/en",
    "voices",
)
CJK_FONT = Path("/usr/share/fonts/opentype/noto") / Path(BUNDLED_FONT).name
SPEECH_PACKAGES = ("espeak-ng", "libespeak-ng1", "espeak-ng-data", "libpcaudio0", "libsonic0")


class BuildError(Exception):
    """What the build machine lacks, in Chinese."""


def multiarch_lib() -> Path:
    return Path("/usr/lib") / f"{platform.machine()}-linux-gnu"


def debian_version(package: str) -> str:
    found = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() if found.returncode == 0 else ""


def add_speech_engine(bundle: Path) -> dict:
    """espeak-ng (GPL-3.0) beside our programs as a program of its own, with its libraries, its Mandarin data, its
    licence and the offer of its source; the speech worker runs it when the PC has no espeak-ng (assistant/speech.py)."""
    program, libs = Path("/usr/bin/espeak-ng"), multiarch_lib()
    if not program.exists() or not (libs / "espeak-ng-data" / "cmn_dict").exists():
        raise BuildError("打包机上没有 espeak-ng 及其普通话数据：请先执行 apt-get install espeak-ng")
    target = bundle / BUNDLED_SPEECH
    shutil.rmtree(target, ignore_errors=True)
    (target / "lib").mkdir(parents=True)
    shutil.copy2(program, target / "espeak-ng")
    for soname in ("libespeak-ng.so.1", "libpcaudio.so.0", "libsonic.so.0"):
        shutil.copy2(
            libs / soname, target / "lib" / soname
        )  # follows the link: the real file under the soname
    for name in ESPEAK_DATA:
        source, dest = libs / "espeak-ng-data" / name, target / "espeak-ng-data" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest)
        else:
            shutil.copy2(source, dest)
    shutil.copy2("/usr/share/common-licenses/GPL-3", target / "COPYING")
    versions = {name: debian_version(name) for name in SPEECH_PACKAGES}
    notices = [
        f"==== {name} {version} ====\n" + Path(f"/usr/share/doc/{name}/copyright").read_text(encoding="utf-8")
        for name, version in versions.items()
        if Path(f"/usr/share/doc/{name}/copyright").exists()
    ]
    (target / "copyright").write_text("\n".join(notices), encoding="utf-8")
    (target / "SOURCE.txt").write_text(
        SOURCE_OFFER.format(
            packages="\n".join(f"  {name} {version}" for name, version in versions.items()),
            sources=" ".join(
                f"{name}={version}" for name, version in versions.items() if name != "espeak-ng-data"
            ),
        ),
        encoding="utf-8",
    )
    return versions


SOURCE_OFFER = """espeak-ng（语音合成）是一个独立的程序，按 GNU 通用公共许可证第 3 版（COPYING）发布；窗口服务助手只是
把它作为另一个程序启动，二者并不链接在一起。这里的文件取自以下 Debian 软件包（未作修改）：
{packages}

源代码：完整的对应源代码就是这些 Debian 源码包，可在任一 Debian 系统上取得：
  apt-get source {sources}
书面承诺：自本程序交付之日起三年内，任何得到本程序的人都可以向提供本程序的单位索取上述源代码的完整副本
（仅收取介质和邮寄成本）。

espeak-ng (speech synthesis) is a separate program, licensed under the GNU GPL version 3 (COPYING); 窗口服务助手
only starts it as another program. The files are taken unmodified from the Debian packages listed above; the
complete corresponding source is their Debian source packages (the apt-get source command above). Written offer:
for three years from delivery, anyone who received this program may ask its supplier for a complete copy of that
source, for no more than the cost of the medium and postage.
"""


def add_cjk_font(bundle: Path) -> str:
    """Noto Sans CJK (SIL Open Font License 1.1), the whole font (every GB 18030 character of people's names, no
    subset), for PCs without a Chinese font: the UI and the pdf writer load it when the system has none."""
    if not CJK_FONT.exists():
        raise BuildError("打包机上没有 Noto Sans CJK 字体：请先执行 apt-get install fonts-noto-cjk")
    target = bundle / BUNDLED_FONT
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(CJK_FONT, target)
    shutil.copy2("/usr/share/doc/fonts-noto-cjk/copyright", target.parent / "LICENSE")
    return debian_version("fonts-noto-cjk")


def system_needs(bundle: Path) -> tuple[dict[str, str], str]:
    """What the bundle needs from the system: {soname: Debian package} and the glibc floor ("2.36"), read from
    the ELF files it carries. A library that is neither carried nor in system_libs.SYSTEM_PACKAGES fails the
    build, and so does a carried one that the target must provide (system_libs.FROM_THE_SYSTEM)."""
    from assistant.edges import elf
    from assistant.edges.system_libs import FROM_THE_SYSTEM, GLIBC_PACKAGE, GLIBC_SONAMES, SYSTEM_PACKAGES

    files = [f for f in bundle.rglob("*") if f.is_file()]
    carried = {f.name for f in bundle.rglob("*")}
    wrongly = sorted(carried & FROM_THE_SYSTEM)
    if wrongly:
        raise BuildError(
            f"打包结果带了应由系统提供的库：{'、'.join(wrongly)}（见 assistant/edges/system_libs.py）"
        )
    needed: set[str] = set()
    elves = []
    for file in files:
        if (needs := elf.read(file)) is not None:
            elves.append(file)
            needed.update(needs.needed)
    unknown = sorted(n for n in needed - carried if n not in SYSTEM_PACKAGES and n not in GLIBC_SONAMES)
    if unknown:
        raise BuildError(
            f"打包结果需要系统提供 {'、'.join(unknown)}，但 assistant/edges/system_libs.py 的 SYSTEM_PACKAGES "
            "没有写明由哪个软件包提供：请补上，或把它打进包里。"
        )
    floor = ".".join(map(str, elf.glibc_floor(elves)))
    return {n: SYSTEM_PACKAGES.get(n, GLIBC_PACKAGE) for n in sorted(needed - carried)}, floor


def probe(python: str | None = None) -> dict:
    """Python, Qt and the distributions' versions of the interpreter that builds the bundle."""
    found = subprocess.run(
        [python or sys.executable, "-c", PROBE, str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(found)


def source_hash(root: Path = ROOT, python: str | None = None, versions: dict | None = None) -> str:
    """A hash of everything the bundle is made of: the sources, the interpreter, the libraries' versions."""
    digest = hashlib.sha256()
    for file in source_files(root):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    digest.update(json.dumps(versions or probe(python), sort_keys=True).encode())
    return digest.hexdigest()


def build_python() -> str:
    """The interpreter with PyInstaller: this one if it has it, else the project's .venv (made if missing)."""
    if os.environ.get("WA_NO_VENV") == "1" or _has_pyinstaller(sys.executable):
        return sys.executable
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
    os.umask(0o022)  # the bundle is run by every user of the PC: never 0700 folders from a private umask
    python = build_python()
    bundle = dist / NAME
    versions = probe(python)
    wanted = source_hash(ROOT, versions=versions)
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
        beside, system = {}, {}
        if sys.platform.startswith("linux"):
            beside = {
                "espeak-ng": add_speech_engine(bundle)["espeak-ng"],
                "Noto Sans CJK": add_cjk_font(bundle),
            }
            from_system, glibc = system_needs(bundle)
            system = {"glibc": glibc, "from_system": from_system}
        seconds = time.monotonic() - started
        info = {
            "name": NAME,
            "version": version(),
            "source_hash": wanted,
            "build_seconds": round(seconds, 1),
            "system": platform.system(),
            "machine": versions["machine"],
            "python": versions["python"],
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "libraries": {
                "Python": versions["python"],
                "Qt": versions["qt"],
                # the binding's own version, whether it came as PySide6 or as PySide6-Essentials + -Addons
                "PySide6": versions["pyside6"],
                **versions["distributions"],
                **beside,
            },
            "build_tools": versions["tools"],
            **system,
        }
        (bundle / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"打包完成：{bundle}（{seconds:.0f} 秒，{folder_size(bundle) / 2**20:.0f} MB）")
    if archive:
        base = dist / f"{NAME}-{version()}-{platform.system().lower()}-{platform.machine().lower()}"
        made = shutil.make_archive(str(base), "zip" if os.name == "nt" else "gztar", dist, NAME)
        print(f"安装包：{made}（{Path(made).stat().st_size / 2**20:.0f} MB）")
    return bundle


def executable(name: str) -> str:
    return name + (".exe" if os.name == "nt" else "")


def version() -> str:
    """The program's version (assistant.__version__, which pyproject.toml repeats: tests/unit/test_version.py)."""
    from assistant import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="打包窗口服务助手（PyInstaller，单文件夹）")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="输出文件夹（默认 dist/）")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="临时文件夹")
    parser.add_argument("--if-changed", action="store_true", help="源文件未改动时沿用上次的结果")
    parser.add_argument("--archive", action="store_true", help="另外打成一个压缩包，便于拷贝到内网")
    parser.add_argument("--quiet", action="store_true", help="PyInstaller 只输出警告")
    parser.add_argument(
        "--deb", action="store_true", help="另外做成 .deb 安装包（统信 UOS、麒麟、Debian、Ubuntu）"
    )
    parser.add_argument(
        "--revision", type=int, default=1, help=".deb 的修订号：同一版本重新打包时加一（默认 1）"
    )
    parser.add_argument(
        "--deb-compression",
        choices=("xz", "gzip", "none"),
        default="xz",
        help=".deb 的压缩方式（默认 xz，最小；UOS 20 的 dpkg 不认 zstd）",
    )
    args = parser.parse_args(argv)
    try:
        bundle = build(args.dist.resolve(), args.work.resolve(), args.if_changed, args.archive, args.quiet)
        if args.deb:
            from deb import build_deb  # packaging/deb.py

            build_deb(bundle, args.dist.resolve(), args.revision, args.deb_compression)
    except BuildError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
