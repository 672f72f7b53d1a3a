#!/usr/bin/env python3
"""窗口服务助手: `python3 main.py` starts the sidebar; `python3 main.py --help` lists the sub-commands."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from assistant.edges.environment import enter_venv

    enter_venv(ROOT)
    from assistant.cli.commands import main

    sys.exit(main())
