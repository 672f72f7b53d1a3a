"""The Chinese font the clerks read and the pdf prints in: the system's, else the packaged app's own.

An offline hall PC may have no CJK font at all; Qt then draws every Chinese character as a box. The packaged
app carries Noto Sans CJK (paths.BUNDLED_FONT, the whole font: the rare characters of people's names too) and
loads it when the system has none. Run from the sources there is nothing to load: the pdf export then refuses
(ui/review/pdf_report.py) rather than write a pdf of boxes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase

from assistant.config import paths

CJK_FAMILIES = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", "sans-serif"]
NO_CJK_FONT = (
    "本机没有中文字体，汉字将无法显示。请安装中文字体（Debian、统信 UOS、麒麟：apt-get install "
    "fonts-noto-cjk；Windows 自带微软雅黑），或使用安装包中的版本（自带思源黑体）。"
)


def has_cjk_font() -> bool:
    return bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))


def ensure_cjk_font(bundled: Path | None = None) -> bool:
    """True when Qt has a font for Simplified Chinese, after loading the packaged app's own (or `bundled`) if
    the system has none. Needs the (Gui)Application."""
    if has_cjk_font():
        return True
    font = bundled or paths.bundled(paths.BUNDLED_FONT)
    return font is not None and QFontDatabase.addApplicationFont(str(font)) != -1 and has_cjk_font()
