"""Words of the domain that the UI shows: recorded in Chinese (they are the regulation's words), shown in the
UI's language. The roles of rule 61 and the categories of the built-in phrases; a hall's own categories show
as written."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

WORDS = (
    QT_TRANSLATE_NOOP("Vocabulary", "窗口人员"),
    QT_TRANSLATE_NOOP("Vocabulary", "审批人员"),
    QT_TRANSLATE_NOOP("Vocabulary", "咨询引导人员"),
    QT_TRANSLATE_NOOP("Vocabulary", "问候"),
    QT_TRANSLATE_NOOP("Vocabulary", "受理"),
    QT_TRANSLATE_NOOP("Vocabulary", "接收"),
    QT_TRANSLATE_NOOP("Vocabulary", "办理"),
    QT_TRANSLATE_NOOP("Vocabulary", "退回"),
    QT_TRANSLATE_NOOP("Vocabulary", "回执"),
    QT_TRANSLATE_NOOP("Vocabulary", "告别"),
    QT_TRANSLATE_NOOP("Vocabulary", "接待"),
    QT_TRANSLATE_NOOP("Vocabulary", "电话"),
    QT_TRANSLATE_NOOP("Vocabulary", "流程"),
)


def shown(word: str) -> str:
    """`word` in the UI's language (itself when no translation is loaded or known)."""
    return QCoreApplication.translate("Vocabulary", word)
