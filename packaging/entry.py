"""The packaged app's entry point (PyInstaller runs this; see window-assistant.spec and docs/packaging.md).

It does what `python main.py …` does, without main.py's .venv bootstrap (enter_venv is a no-op when frozen),
plus one thing an interpreter does and a frozen program does not: `-m MODULE ARGS…`. The speech worker is
started as `sys.executable -m assistant.edges.speech JOB` (assistant/edges/speech.py); in the bundle sys.executable is
this program, so that call lands here and runs the module as `python -m` would.
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the source tree (when run unfrozen, for a quick check)

# Modules only ever run through `-m` (never imported by name), listed so that PyInstaller bundles them
# and so that a stray `-m something-else` is refused instead of importing arbitrary code.
RUNNABLE = ("assistant.edges.speech",)


def main() -> int:
    if not getattr(sys, "frozen", False):
        sys.path.insert(0, str(ROOT))
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        if module not in RUNNABLE:
            print(f"错误：打包版不能运行模块 {module}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from assistant.edges.environment import enter_venv

    enter_venv(ROOT)  # frozen: returns at once; from source: the same .venv bootstrap as main.py
    from main import main as app_main  # the command line with its widgets, joined in main.py alone

    return app_main()


if __name__ == "__main__":
    sys.exit(main())
