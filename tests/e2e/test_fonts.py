"""A PC without any Chinese font: the packaged app loads its own Noto Sans CJK (tests/e2e/test_bundle.py); from
the sources there is none to load, so the pdf export refuses with a Chinese message instead of writing a pdf of
boxes, and records no export. The fonts are hidden by a fontconfig file that lists only DejaVu."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, without_cjk_fonts

NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def main_py(tmp_path: Path, *args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WA_NO_VENV": "1",
        "QT_QPA_PLATFORM": "offscreen",
        "WA_DATA_DIR": str(tmp_path / "data"),
        "WA_LEAD_ID": "L001",  # every export needs the lead's 工号 and PIN
        "WA_LEAD_PIN": "583920",
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_pdf_export_refuses_without_a_chinese_font_and_records_nothing(tmp_path):
    db, out = tmp_path / "hall.db", tmp_path / "report.pdf"
    made = main_py(
        tmp_path,
        "--db",
        str(db),
        "demo-data",
        "--days",
        "1",
        "--windows",
        "1",
        "--end",
        "2026-11-20",
        env_extra={},
    )
    assert main_py(tmp_path, "--db", str(db), "lead-pin", "set", env_extra={}).returncode == 0
    assert made.returncode == 0, made.stderr
    result = main_py(
        tmp_path,
        "--db",
        str(db),
        "export",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--format",
        "pdf",
        "--out",
        str(out),
        env_extra=without_cjk_fonts(tmp_path),
    )
    assert result.returncode == 2, result.stderr
    assert "无法导出 pdf" in result.stderr and "apt-get install fonts-noto-cjk" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'export'").fetchone()[0] == 0


def test_with_a_chinese_font_the_same_export_writes_the_pdf(tmp_path):
    db, out = tmp_path / "hall.db", tmp_path / "report.pdf"
    main_py(
        tmp_path,
        "--db",
        str(db),
        "demo-data",
        "--days",
        "1",
        "--windows",
        "1",
        "--end",
        "2026-11-20",
        env_extra={},
    )
    assert main_py(tmp_path, "--db", str(db), "lead-pin", "set", env_extra={}).returncode == 0
    result = main_py(
        tmp_path,
        "--db",
        str(db),
        "export",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--format",
        "pdf",
        "--out",
        str(out),
        env_extra={},
    )
    assert result.returncode == 0, result.stderr
    assert b"NotoSansCJK" in out.read_bytes()  # the embedded font's name


def test_the_ui_loads_the_carried_font_when_the_system_has_none(tmp_path):
    if not NOTO.exists():
        pytest.skip("fonts-noto-cjk is not installed")
    script = (
        "import sys; from pathlib import Path\n"
        "from PySide6.QtGui import QFont, QFontInfo\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from ui.platform.fonts import CJK_FAMILIES, ensure_cjk_font, has_cjk_font\n"
        "app = QApplication([])\n"
        "print(has_cjk_font())\n"
        "print(ensure_cjk_font(Path(sys.argv[1])))\n"
        "font = QFont(); font.setFamilies(CJK_FAMILIES)\n"
        "print(QFontInfo(font).family())\n"
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        **without_cjk_fonts(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script, str(NOTO)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["False", "True", "Noto Sans CJK SC"]
