#!/usr/bin/env python3
"""窗口服务助手: `python3 main.py` starts the sidebar; `python3 main.py --help` lists the sub-commands.

The one place where the command line (assistant/, no Qt) meets the widgets (ui/): `QtFront` lends them to it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.reports.exporting import PdfWriter

ROOT = Path(__file__).resolve().parent


class QtFront:
    """The widgets the command line may start, each imported only when a command asks for it."""

    def run_gui(self, args: argparse.Namespace) -> int:
        _start_log("侧边栏")
        from ui.app import run_gui

        return run_gui(args)

    def run_review(self, args: argparse.Namespace) -> int:
        _start_log("审阅窗口")
        from ui.review.window import run_review

        return run_review(args)

    def pdf_writer(self) -> PdfWriter:
        from ui.review.pdf_report import write_pdf

        return write_pdf


def _start_log(program: str) -> None:
    """The windows log to a file in the data folder (a windowed program has no stderr to read)."""
    from assistant.config import paths
    from assistant.edges import logbook

    logbook.start(paths.data_dir(), program)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python3 main.py` and of the `window-assistant` console script."""
    from assistant.cli.commands import main as command_line

    return command_line(argv, front=QtFront())


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from assistant.edges.environment import enter_venv

    enter_venv(ROOT)
    sys.exit(main())
