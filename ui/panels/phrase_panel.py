"""The phrase library at the clerk's fingertips: by category, favourites first, the current step highlighted.

Each phrase can be inserted into the program the clerk was typing in, copied, or spoken; every use is
recorded as a `phrase_used` event. The panel lives in the sidebar, which never takes the focus: its buttons
are NoFocus, and phrases with fields open their own focusable form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from assistant.config import paths
from assistant.config.schema import Phrase
from assistant.desk import Desk
from assistant.domain import service
from assistant.domain.phrases import RenderError, render, required_fields
from assistant.domain.rules import State
from ui.bridge import DeskBridge
from ui.dialogs.phrase_form import PhraseForm, RecentValues
from ui.platform.focus import FocusReturn
from ui.vocabulary import shown

MODES = {
    "insert": QT_TRANSLATE_NOOP("PhraseRow", "插入"),
    "copy": QT_TRANSLATE_NOOP("PhraseRow", "复制"),
    "speak": QT_TRANSLATE_NOOP("PhraseRow", "朗读"),
}  # self.tr(text) in PhraseRow looks them up


class Favourites:
    """The clerk's favourite phrases, in order (Ctrl+Alt+1…9 insert the first nine)."""

    def __init__(self, ids: list[str] | None = None, path: Path | None = None) -> None:
        self.path = path
        self.ids = list(ids or [])
        if ids is None and path is not None:
            try:
                self.ids = [str(x) for x in json.loads(path.read_text(encoding="utf-8"))]
            except (OSError, ValueError, TypeError):
                self.ids = []

    @classmethod
    def default(cls) -> Favourites:
        return cls(path=paths.data_dir() / "favourites.json")

    def toggle(self, phrase_id: str) -> bool:
        if phrase_id in self.ids:
            self.ids.remove(phrase_id)
        else:
            self.ids.append(phrase_id)
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text(json.dumps(self.ids, ensure_ascii=False), encoding="utf-8")
            except OSError:
                pass
        return phrase_id in self.ids


class PhraseRow(QFrame):
    """One phrase: its text, a favourite star and the insert / copy / speak buttons."""

    def __init__(self, phrase: Phrase, favourite: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phrase = phrase
        self.setObjectName(f"phrase_{phrase.id}")
        self.setAccessibleName(phrase.template)
        self.setFrameShape(QFrame.StyledPanel)
        self.setProperty("current", False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.label = QLabel(phrase.template)
        self.label.setObjectName(f"text_{phrase.id}")
        self.label.setAccessibleName(phrase.template)
        self.label.setWordWrap(True)
        self.label.setToolTip(
            self.tr("第 {0} 条 · {1}").format(phrase.rule, phrase.category)
            + (f" · {phrase.when}" if phrase.when else "")
        )
        layout.addWidget(self.label)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.star = QToolButton()
        self.star.setObjectName(f"star_{phrase.id}")
        self.star.setCheckable(True)
        self.star.setChecked(favourite)
        self.star.setText("★" if favourite else "☆")
        self.star.setAccessibleName(self.tr("收藏：") + phrase.template)
        self.star.setToolTip(self.tr("收藏/取消收藏（收藏的前 9 条可用 Ctrl+Alt+1…9 插入）"))
        self.star.setFocusPolicy(Qt.NoFocus)
        buttons.addWidget(self.star)
        buttons.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        for mode, text in MODES.items():
            button = QPushButton(self.tr(text) + ("…" if phrase.fields else ""))
            button.setObjectName(f"{mode}_{phrase.id}")
            button.setAccessibleName(self.tr(text) + "：" + phrase.template)
            button.setFocusPolicy(Qt.NoFocus)
            buttons.addWidget(button)
            self.buttons[mode] = button
        layout.addLayout(buttons)

    def set_current(self, on: bool) -> None:
        if bool(self.property("current")) != on:
            self.setProperty("current", on)
            self.setStyleSheet(
                f"QFrame#{self.objectName()} {{ background: #fff4c2; border: 2px solid #e0a800; }}"
                if on
                else ""
            )


class PhrasePanel(QWidget):
    """The phrase library; `on_state(state)` highlights the phrases of the current step."""

    used = Signal(str, str)  # phrase id, mode
    speech_failed = Signal(str)  # from the speaker's waiting thread: queued onto the GUI thread
    inserted = Signal(str)  # what became of an insertion, in Chinese (the sidebar shows it too)

    def __init__(
        self,
        desk: Desk,
        inserter,
        speaker,
        favourites: Favourites | None = None,
        recent: RecentValues | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.inserter, self.speaker = desk, inserter, speaker
        self.favourites = favourites if favourites is not None else Favourites.default()
        self.recent = recent if recent is not None else RecentValues()
        self.form: PhraseForm | None = None
        self.rows: dict[str, PhraseRow] = {}
        self.current_step: str | None = None
        self.step_phrases: tuple[str, ...] = ()  # the current step's, for the clerk's role: shown first
        self.setObjectName("phrase_panel")
        self.setAccessibleName(self.tr("规范用语库"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.care = QCheckBox(self.tr("关怀模式（慢速、大声）"))
        self.care.setObjectName("care_mode")
        self.care.setAccessibleName(self.tr("关怀模式：朗读更慢、更大声（第 25 条）"))
        self.care.setFocusPolicy(Qt.NoFocus)
        self.care.toggled.connect(self.on_care_toggled)
        top.addWidget(self.care)
        self.speech_status = QLabel()
        self.speech_status.setObjectName("speech_status")
        top.addWidget(self.speech_status)
        top.addStretch(1)
        layout.addLayout(top)

        self.scroll = QScrollArea()
        self.scroll.setObjectName("phrase_scroll")
        self.scroll.setAccessibleName(self.tr("用语列表"))
        self.scroll.setWidgetResizable(True)
        self.scroll.setFocusPolicy(Qt.NoFocus)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.addWidget(self.scroll, 1)
        self.message = QLabel()
        self.message.setObjectName("phrase_message")
        self.message.setAccessibleName(self.tr("用语操作结果"))
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.speech_failed.connect(self.message.setText)
        if speaker is not None:  # "正在朗读…" is replaced by the reason nothing is heard
            speaker.on_failure = self.speech_failed.emit

        ok, reason = (
            speaker.available() if speaker is not None else (False, self.tr("没有语音引擎，朗读不可用。"))
        )
        self.speech_ok, self.speech_reason = ok, reason
        # One line, not two: the sidebar's height belongs to the phrases. The reason is in the tooltip.
        self.speech_status.setText("" if ok else self.tr("朗读不可用"))
        self.speech_status.setToolTip(reason)
        self.speech_status.setAccessibleName(reason or self.tr("朗读可用"))
        self.care.setToolTip(reason)
        self.speech_status.setVisible(not ok)
        if hasattr(speaker, "status"):  # what became of the phrase read aloud: playing, finished, or why not
            speaker.status.connect(self.message.setText)
        self.care.setEnabled(ok)
        self.rebuild()
        self.on_state(desk.state)
        DeskBridge.of(desk).executed.connect(lambda _outcome, state: self.on_state(state))

    # ── building ───────────────────────────────────────────────────────────────────────────────
    def rebuild(self) -> None:
        """(Re)lay out the phrases: the current step's first (issue 14 #9), then the favourites, then each
        category in the scripts' order; each phrase once."""
        content = QWidget()
        content.setObjectName("phrase_content")
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 4, 4, 4)
        phrases = self.desk.scripts.phrases
        favourites = [pid for pid in self.favourites.ids if pid in phrases]
        step_ids = [pid for pid in self.step_phrases if pid in phrases]
        favourites = [pid for pid in favourites if pid not in step_ids]
        groups: list[tuple[str, list[Phrase]]] = []
        if step_ids:
            title = self.desk.scripts.flow.step(self.current_step).title
            groups.append((self.tr("本环节：") + title, [phrases[pid] for pid in step_ids]))
        if favourites:
            groups.append((self.tr("★ 收藏"), [phrases[pid] for pid in favourites]))
        categories: dict[str, list[Phrase]] = {}
        for phrase in phrases.values():
            if phrase.id not in favourites and phrase.id not in step_ids:
                categories.setdefault(phrase.category, []).append(phrase)
        groups.extend(categories.items())
        self.rows = {}
        for number, (title, members) in enumerate(groups):
            header = QLabel(shown(title))
            header.setObjectName(f"category_{number}")
            header.setAccessibleName(self.tr("类别：") + shown(title))
            header.setStyleSheet("font-weight: bold; padding-top: 6px;")
            column.addWidget(header)
            for phrase in members:
                row = PhraseRow(phrase, phrase.id in self.favourites.ids)
                for mode, button in row.buttons.items():
                    button.clicked.connect(lambda _=False, p=phrase.id, m=mode: self.use(p, m))
                    if mode == "speak":
                        button.setEnabled(self.speech_ok)
                        if not self.speech_ok:
                            button.setToolTip(self.speech_reason)
                row.star.clicked.connect(lambda _=False, p=phrase.id: self.toggle_favourite(p))
                column.addWidget(row)
                self.rows[phrase.id] = row
        column.addStretch(1)
        self.scroll.setWidget(content)
        self._highlight()

    def toggle_favourite(self, phrase_id: str) -> None:
        self.favourites.toggle(phrase_id)
        self.rebuild()

    # ── state ──────────────────────────────────────────────────────────────────────────────────
    def on_state(self, state: State) -> None:
        """Highlight the phrases of the step in focus (nothing when no one is being served)."""
        self.current_step = state.interaction.step if state.interaction else None
        wanted = (
            service.role_phrases(state.role, self.current_step, self.desk.scripts)
            if self.current_step
            else ()
        )
        if wanted != self.step_phrases:
            self.step_phrases = wanted
            self.rebuild()  # the new step's phrases at the top, in view
        else:
            self._highlight()

    def _highlight(self) -> None:
        ids = self.step_phrases
        first = None
        for pid, row in self.rows.items():
            row.set_current(pid in ids)
            if pid in ids and first is None:
                first = row
        if first is not None:
            self.scroll.ensureWidgetVisible(first)

    def highlighted(self) -> list[str]:
        return [pid for pid, row in self.rows.items() if row.property("current")]

    # ── using a phrase ─────────────────────────────────────────────────────────────────────────
    def use(
        self,
        phrase_id: str,
        mode: str,
        values: Mapping[str, str] | None = None,
        details: str = "",
        target=None,
    ) -> None:
        """Insert, copy or speak a phrase; a phrase with fields not yet known asks for them first.

        `values`: fields already known (they start the form, or make it unnecessary); `details`: a line
        said after the sentence (转办's phone and address); `target`: a FocusReturn that remembered the window
        to insert into (the quick search's); by default the window that has the focus now — the sidebar
        never takes it, so that is the program the clerk was typing in."""
        phrase = self.desk.scripts.phrase(phrase_id)
        values = {k: v for k, v in (values or {}).items() if v}
        missing = [n for n in required_fields(phrase, values) if not values.get(n)]
        if not missing:
            try:
                text = render(phrase, values)
            except RenderError:
                missing = [f.name for f in phrase.fields]
            else:
                if mode == "insert" and target is None:
                    target = FocusReturn()
                    target.remember()
                elif target is not None:
                    target.restore()
                self.perform(phrase, _joined(text, details), mode, target)
                return
        if self.form is not None:
            self.form.close()
        form = PhraseForm(phrase, self.desk.scripts, self.desk.clock.now().date(), self.recent, self, values)
        if target is not None:
            form.focus_return = target  # the form gives the focus back to the window the phrase goes to
        else:
            form.focus_return.remember()
            target = form.focus_return if mode == "insert" else None
        self.form = form
        form.accepted.connect(lambda: self.perform(phrase, _joined(form.text(), details), mode, target))
        form.open()
        form.activateWindow()

    def perform(self, phrase: Phrase, text: str, mode: str, target=None) -> None:
        """Insert (counted once it happened), copy or speak `text`, and record the use."""
        if mode == "insert":
            self.message.setText(self.tr("正在插入…"))  # before: without a key sender it finishes at once
            self.inserter.insert(
                text, target=target, on_done=lambda ok, message: self._inserted(phrase, ok, message)
            )
            return
        if mode == "copy":
            QGuiApplication.clipboard().setText(text)
            self.message.setText(self.tr("已复制到剪贴板。"))
        elif mode == "speak":
            if not self.speech_ok or not self.speaker.speak(text):
                reason = self.speaker.available()[1] if self.speaker is not None else ""
                self.message.setText(reason or self.speech_reason or self.tr("朗读失败。"))
                return
            self.message.setText(self.tr("正在朗读…"))
        self._record(phrase, mode)

    def _inserted(self, phrase: Phrase, ok: bool, message: str) -> None:
        """The inserter's answer: only a phrase pasted into the clerk's program is recorded as used."""
        self.message.setText(message)
        self.inserted.emit(message)
        if ok:
            self._record(phrase, "insert")

    def _record(self, phrase: Phrase, mode: str) -> None:
        outcome = self.desk.execute("phrase_used", {"phrase": phrase.id, "mode": mode})
        if outcome.refusal is not None:
            self.message.setText(outcome.refusal.reason)
        self.used.emit(phrase.id, mode)

    def on_care_toggled(self, on: bool) -> None:
        if self.speaker is not None:
            self.speaker.set_care(on)


def _joined(text: str, details: str) -> str:
    return f"{text} {details}" if details else text
