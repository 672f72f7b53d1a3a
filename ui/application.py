"""The QApplication of every window (sidebar, review), its language, and where the resources are."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from ui.platform.fonts import CJK_FAMILIES, NO_CJK_FONT, ensure_cjk_font

# <repo>/resources, or resources/ inside the packaged app (PyInstaller: sys._MEIPASS; see packaging/)
RESOURCES = Path(getattr(sys, "_MEIPASS", None) or Path(__file__).resolve().parent.parent) / "resources"


def make_application() -> QApplication:
    """The QApplication with the large, clear CJK font the clerks read all day."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("窗口服务助手")
    app.setOrganizationName("window-assistant")
    if not ensure_cjk_font():
        print(f"警告：{NO_CJK_FONT}", file=sys.stderr)
    font = QFont()
    font.setFamilies(CJK_FAMILIES)
    font.setPointSize(13)
    app.setFont(font)
    style = RESOURCES / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


QT_LOCALES = {"zh": "zh_CN", "en": ""}  # Qt's own texts (OK/Cancel, file dialogs): English is built in


def install_translation(app: QApplication, lang: str) -> list[QTranslator]:
    """The UI's language: Qt's own texts (qtbase_<locale>.qm from Qt's translations folder, so standard buttons
    and file dialogs speak Chinese) and, for a language other than Chinese (the source language),
    resources/window_assistant_<lang>.qm. Returns the translators installed."""
    installed: list[QTranslator] = []
    locale = QT_LOCALES.get(lang or "zh", "")
    if locale:
        qt = QTranslator(app)
        if qt.load(f"qtbase_{locale}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            installed.append(qt)
    if lang not in ("", "zh"):
        ours = QTranslator(app)
        if ours.load(str(RESOURCES / f"window_assistant_{lang}.qm")):
            app.installTranslator(ours)
            installed.append(ours)
    return installed
