"""The sidebar: the flow's steps, the step's prompt and phrases, and what the rules answered."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.desk import Desk, Outcome
from assistant.rules import State


class Sidebar(QWidget):
    """A slim window beside the business system; clicking it never takes the keyboard focus."""

    state_changed = Signal()

    def __init__(self, desk: Desk, problems: list[str] | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.setObjectName("sidebar")
        self.setWindowTitle(self.tr("窗口服务助手"))
        self.setAccessibleName(self.tr("窗口服务助手侧边栏"))
        self.setWindowFlags(Qt.Window | Qt.WindowStaysOnTopHint | Qt.WindowDoesNotAcceptFocus)
        self.setAttribute(Qt.WA_ShowWithoutActivating)
        self.setMinimumWidth(340)

        layout = QVBoxLayout(self)
        self.title = self._label("title", self.tr("窗口服务助手"))
        self.status = self._label("status", "")
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        if problems:
            banner = self._label("problems", "\n".join(problems))
            banner.setAccessibleName(self.tr("配置问题"))
            layout.addWidget(banner)

        steps = QHBoxLayout()
        self.step_buttons: dict[str, QPushButton] = {}
        for step in desk.scripts.flow.steps:
            button = self._button(f"step_{step.id}", step.name, step.title)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, s=step.id: self.on_step_clicked(s))
            steps.addWidget(button)
            self.step_buttons[step.id] = button
        layout.addLayout(steps)

        self.prompt = self._label("prompt", "")
        layout.addWidget(self.prompt)
        self.phrases = QListWidget()
        self.phrases.setObjectName("phrases")
        self.phrases.setAccessibleName(self.tr("本环节的规范用语"))
        self.phrases.setFocusPolicy(Qt.NoFocus)
        self.phrases.setWordWrap(True)
        self.phrases.itemActivated.connect(self.on_phrase_activated)
        self.phrases.itemDoubleClicked.connect(self.on_phrase_activated)
        layout.addWidget(self.phrases, 1)

        actions = QHBoxLayout()
        self.start_button = self._button("start", self.tr("来人 (F9)"), self.tr("开始接待一位服务对象"))
        self.start_button.clicked.connect(lambda: self.run("interaction_start"))
        self.end_button = self._button("end", self.tr("送走"), self.tr("结束本次接待"))
        self.end_button.clicked.connect(lambda: self.run("interaction_end"))
        actions.addWidget(self.start_button)
        actions.addWidget(self.end_button)
        layout.addLayout(actions)
        self.message = self._label("message", "")
        layout.addWidget(self.message)

        # The sidebar never holds the focus, so F9 here works while one of our own dialogs is active;
        # from the business system it takes the global hotkey.
        self.start_shortcut = QShortcut(QKeySequence(Qt.Key_F9), self, context=Qt.ApplicationShortcut)
        self.start_shortcut.activated.connect(lambda: self.run("interaction_start"))
        desk.subscribe(self.on_outcome)
        self.refresh(desk.state)

    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAccessibleName(text or name)
        return label

    def _button(self, name: str, text: str, accessible: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setFocusPolicy(Qt.NoFocus)
        return button

    def run(self, kind: str, data: dict | None = None) -> Outcome:
        """Send one command to the desk; the answer comes back through on_outcome."""
        return self.desk.execute(kind, data)

    def on_step_clicked(self, step: str) -> None:
        if self.desk.state.interaction is None:
            self.show_step(step)
        else:
            self.run("step", {"step": step})

    def on_phrase_activated(self, item: QListWidgetItem) -> None:
        phrase = self.desk.scripts.phrase(item.data(Qt.UserRole))
        if phrase.fields:
            self.message.setText(self.tr("此用语需要填写字段：") + "、".join(f.name for f in phrase.fields))
            return
        QGuiApplication.clipboard().setText(phrase.template)
        self.run("phrase_used", {"phrase": phrase.id, "mode": "copy"})

    def on_outcome(self, outcome: Outcome, state: State) -> None:
        if outcome.refusal is not None:
            self.message.setText(outcome.refusal.reason)
        else:
            self.message.setText(self.tr("已记录：") + "、".join(e.kind for e in outcome.events))
        self.refresh(state)
        self.state_changed.emit()

    def refresh(self, state: State) -> None:
        """Show `state`: who is signed in, the open interaction's step, the waiting count."""
        who = state.clerk or self.tr("未签到")
        serving = (
            self.tr("接待中：第 {0} 位").format(state.interaction.number) if state.interaction else self.tr("空闲")
        )
        self.status.setText(f"{who} · {serving} · " + self.tr("等候 {0} 人").format(state.waiting))
        self.show_step(state.interaction.step if state.interaction else self.desk.scripts.flow.steps[0].id)

    def show_step(self, step_id: str) -> None:
        """Show the prompt and phrases of one step of the flow."""
        step = self.desk.scripts.flow.step(step_id)
        for sid, button in self.step_buttons.items():
            button.setChecked(sid == step_id)
        self.prompt.setText(f"{step.title}：{step.prompt}")
        self.phrases.clear()
        for phrase_id in step.phrases:
            phrase = self.desk.scripts.phrase(phrase_id)
            item = QListWidgetItem(phrase.template)
            item.setData(Qt.UserRole, phrase.id)
            item.setToolTip(f"第 {phrase.rule} 条 · {phrase.category}")
            self.phrases.addItem(item)
