#!/usr/bin/env python3
"""Re-generate the English UI translation: ui/*.py → resources/window_assistant_en.ts → .qm.

    .venv/bin/python tools/update_translations.py            # lupdate (keeps existing translations), lrelease
    .venv/bin/python tools/update_translations.py --release  # lrelease only, after editing the .ts

lupdate adds new tr() texts as unfinished and drops vanished ones (-no-obsolete); translate the unfinished
ones in the .ts (by hand or with pyside6-linguist), then run it again. It says how many are left.
See docs/translation.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "window_assistant_en.ts"
QM = TS.with_suffix(".qm")


def tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease next to this Python (the venv's)."""
    return str(Path(sys.executable).parent / name)


def lupdate(ts: Path = TS) -> None:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ui").rglob("*.py"))
    subprocess.run(
        [
            tool("pyside6-lupdate"),
            *sources,
            "-no-obsolete",
            "-locations",
            "none",
            "-source-language",
            "zh_CN",
            "-target-language",
            "en",
            "-ts",
            str(ts),
        ],
        cwd=ROOT,
        check=True,
    )


def lrelease(ts: Path = TS, qm: Path = QM) -> None:
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], cwd=ROOT, check=True)


def unfinished(ts: Path = TS) -> int:
    return ts.read_text(encoding="utf-8").count('type="unfinished"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", action="store_true", help="only compile the .ts into the .qm")
    args = parser.parse_args()
    if not args.release:
        lupdate()
    lrelease()
    left = unfinished()
    print(f"{TS.relative_to(ROOT)}: {left} unfinished; {QM.relative_to(ROOT)} written")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
