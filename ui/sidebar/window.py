"""The sidebar: header, the 迎问接听递送 flow with prompts, phrases and timers, matters, and the service helpers.

Widgets are thin: every action is a command to the desk (assistant/desk.py → rules → event store); what is
offered and warned about comes from assistant/domain/service.py. The window never takes the keyboard focus; the
few places that need typing open a FormDialog (ui/dialogs/form.py) that hands the focus back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from assistant.config.registry import stored
from assistant.desk import Desk, Outcome
from assistant.domain import service
from assistant.domain.hours import calendar_notice
from assistant.domain.phrases import FIELD_RE, RenderError, render, required_fields
from assistant.domain.rules import COMPLAINT_STATUSES, ROLES, SIGN_OUT_REASONS, State
from assistant.edges.queue import QueueSource
from ui.bridge import DeskBridge
from ui.dialogs.checklist import ChecklistDialog
from ui.dialogs.form import FormField, ask
from ui.dialogs.signin import SignInDialog
from ui.sidebar.closing_banner import ClosingBanner
from ui.vocabulary import shown

# Labels that arrive as data (outcome names, the fixed flow step names of scripts_zh/flow.toml): listed here
# so that pyside6-lupdate extracts them; self.tr(value) looks them up.
# Free text goes into the records: numbers typed there are taken out (assistant/domain/personal_data.py), but the
# clerk is asked not to type them; the forms have their own 姓名/电话 fields.
NO_PERSONAL = QT_TRANSLATE_NOOP("Sidebar", "请勿在此填写姓名、电话、证件号")
OUTCOME_LABELS = (
    QT_TRANSLATE_NOOP("Sidebar", "办结"),
    QT_TRANSLATE_NOOP("Sidebar", "退回"),
    QT_TRANSLATE_NOOP("Sidebar", "转办"),
    QT_TRANSLATE_NOOP("Sidebar", "无法办理"),
    QT_TRANSLATE_NOOP("Sidebar", "待答复"),
)
STEP_LABELS = (
    QT_TRANSLATE_NOOP("Sidebar", "迎"),
    QT_TRANSLATE_NOOP("Sidebar", "问"),
    QT_TRANSLATE_NOOP("Sidebar", "接"),
    QT_TRANSLATE_NOOP("Sidebar", "听"),
    QT_TRANSLATE_NOOP("Sidebar", "递"),
    QT_TRANSLATE_NOOP("Sidebar", "送"),
)
FIELD_KINDS = {
    "text": "text",
    "choice": "choice",
    "date": "date",
    "working-days": "number",
    "number": "number",
}

Asker = Callable[[str, list[FormField], str], "dict[str, str] | None"]


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class Sidebar(QWidget):
    """A slim window beside the business system; clicking it never takes the keyboard focus."""

    state_changed = Signal()
    pause_changed = Signal(bool)
    collapse_requested = Signal(bool)
    compose_requested = Signal()
    records_requested = Signal()
    review_requested = Signal()

    def __init__(
        self,
        desk: Desk,
        problems: list[str] | None = None,
        queue: QueueSource | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.queue = queue
        self.settings = settings
        self.asker: Asker = self._ask_dialog
        self.confirm: Callable[[str, str], bool] = self._confirm_dialog
        self.signin_factory = SignInDialog
        self.phrase_panel: QWidget | None = None
        self.pause_sign = None
        self.offers: list[service.Offer] = []
        self.shown_step: str = desk.scripts.flow.steps[0].id
        self._collapsed = False
        self._quit_allowed = False  # set by request_quit once nobody is served or waits
        self.setObjectName("sidebar")
        self.setWindowTitle(self.tr("窗口服务助手"))
        self.setAccessibleName(self.tr("窗口服务助手侧边栏"))
        self.setWindowFlags(
            Qt.Window | Qt.WindowStaysOnTopHint | Qt.FramelessWindowHint | Qt.WindowDoesNotAcceptFocus
        )
        self.setAttribute(Qt.WA_ShowWithoutActivating)
        self.setMinimumWidth(340)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.strip = self._button("expand", "◀▶", self.tr("展开侧边栏"))
        self.strip.setText(self.tr("展\n开"))
        self.strip.clicked.connect(lambda: self.set_collapsed(False))
        self.strip.hide()
        outer.addWidget(self.strip)
        self.body = QWidget()
        self.body.setObjectName("body")
        outer.addWidget(self.body)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(5)

        # ── header: window, clerk, clock, shift state, waiting ──
        top = QHBoxLayout()
        self.title = self._label("title", self.tr("窗口服务助手"))
        self.clock_label = self._label("clock", "")
        self.collapse_button = self._button("collapse", self.tr("收起"), self.tr("收起侧边栏"))
        self.collapse_button.clicked.connect(lambda: self.set_collapsed(True))
        top.addWidget(self.title, 1)
        top.addWidget(self.clock_label)
        top.addWidget(self.collapse_button)
        layout.addLayout(top)
        self.status = self._label("status", "")
        layout.addWidget(self.status)
        waiting = QHBoxLayout()
        self.waiting_label = self._label("waiting", "")
        self.waiting_minus = self._button("waiting_minus", "−", self.tr("等候人数减一"))
        self.waiting_plus = self._button("waiting_plus", "+", self.tr("等候人数加一"))
        self.waiting_minus.clicked.connect(lambda: self.change_waiting(-1))
        self.waiting_plus.clicked.connect(lambda: self.change_waiting(+1))
        waiting.addWidget(self.waiting_label, 1)
        waiting.addWidget(self.waiting_minus)
        waiting.addWidget(self.waiting_plus)
        layout.addLayout(waiting)
        self.problems_banner = self._label("problems", "")  # shown while there are problems (set_problems)
        self.problems_banner.setAccessibleName(self.tr("配置问题"))
        layout.addWidget(self.problems_banner)
        self.set_problems(problems or [])
        self.banner_slot = QVBoxLayout()  # the closing/overtime banner (issue 5) goes here
        layout.addLayout(self.banner_slot)

        shift = QHBoxLayout()
        self.signin_button = self._button("signin", self.tr("签到"), self.tr("签到或签退"))
        self.signin_button.clicked.connect(self.on_signin_clicked)
        self.checklist_button = self._button("checklist", self.tr("班前检查"), self.tr("班前检查"))
        self.checklist_button.clicked.connect(self.on_checklist_clicked)
        self.pause_button = self._button("pause", self.tr("暂停服务"), self.tr("暂停或恢复服务"))
        self.pause_button.clicked.connect(self.on_pause_clicked)
        for b in (self.signin_button, self.checklist_button, self.pause_button):
            shift.addWidget(b)
        layout.addLayout(shift)

        # ── offers: phrases to say first (rules 23, 26, 29, 24) ──
        self.offer_box = QFrame()
        self.offer_box.setObjectName("offers")
        self.offer_box.setAccessibleName(self.tr("请先说"))
        self.offer_layout = QVBoxLayout(self.offer_box)
        self.offer_layout.setContentsMargins(4, 4, 4, 4)
        self.offer_box.hide()
        layout.addWidget(self.offer_box)

        # ── the flow ──
        steps = QHBoxLayout()
        steps.setSpacing(3)
        self.step_buttons: dict[str, QPushButton] = {}
        for step in desk.scripts.flow.steps:
            button = self._button(f"step_{step.id}", self.tr(step.name), step.title)
            button.setCheckable(True)
            button.setToolTip(self.tr("{0}（第 {1} 条）").format(step.title, step.rule))
            button.clicked.connect(lambda _=False, s=step.id: self.on_step_clicked(s))
            steps.addWidget(button)
            self.step_buttons[step.id] = button
        layout.addLayout(steps)
        self.timers = self._label("timers", "")
        layout.addWidget(self.timers)
        tabs = QHBoxLayout()
        tabs.setSpacing(3)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.pages.setAccessibleName(self.tr("侧边栏页面"))
        self.page_buttons: dict[str, QPushButton] = {}
        page_layouts: dict[str, QVBoxLayout] = {}
        for name, text in (
            ("phrases", self.tr("用语")),
            ("matters", self.tr("办理")),
            ("tools", self.tr("工具")),
        ):
            button = self._button(f"page_{name}", text, self.tr("切换到：") + text)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, n=name: self.show_page(n))
            tabs.addWidget(button)
            self.page_buttons[name] = button
            page = QWidget()
            page.setObjectName(f"page_{name}_body")
            page_layouts[name] = QVBoxLayout(page)
            page_layouts[name].setContentsMargins(0, 0, 0, 0)
            page_layouts[name].setSpacing(4)
            self.pages.addWidget(page)
        layout.addLayout(tabs)
        layout.addWidget(self.pages, 1)
        self.prompt = self._label("prompt", "")
        page_layouts["phrases"].addWidget(self.prompt)

        self.phrase_stack = QStackedWidget()
        self.phrase_stack.setObjectName("phrase_stack")
        self.phrase_stack.setAccessibleName(self.tr("规范用语"))
        self.phrases = QListWidget()
        self.phrases.setObjectName("phrases")
        self.phrases.setAccessibleName(self.tr("本环节的规范用语"))
        self.phrases.setFocusPolicy(Qt.NoFocus)
        self.phrases.setWordWrap(True)
        self.phrases.itemClicked.connect(self.on_phrase_activated)
        self.phrases.itemActivated.connect(self.on_phrase_activated)
        self.phrase_stack.addWidget(self.phrases)
        page_layouts["phrases"].addWidget(self.phrase_stack, 1)
        layout = page_layouts["matters"]

        # ── matters and their outcomes (rule 13) ──
        self.matter_label = self._label("matters", "")
        layout.addWidget(self.matter_label)
        grid = QGridLayout()
        grid.setSpacing(3)
        self.outcome_buttons: dict[str, QPushButton] = {}
        for i, (outcome, name) in enumerate(
            (
                ("办结", "done"),
                ("退回", "return"),
                ("转办", "refer"),
                ("无法办理", "cannot"),
                ("待答复", "pending"),
            )
        ):
            label = self.tr(outcome)  # one of OUTCOME_LABELS
            button = self._button(f"outcome_{name}", label, self.tr("办理结果：") + label)
            button.clicked.connect(lambda _=False, o=outcome: self.on_outcome_clicked(o))
            grid.addWidget(button, i // 3, i % 3)
            self.outcome_buttons[outcome] = button
        layout.addLayout(grid)

        helpers = QGridLayout()
        helpers.setSpacing(4)
        serving_grid = QGridLayout()
        serving_grid.setSpacing(4)
        serving_names = ("second", "sorry", "escalate", "home")
        self.helper_buttons: dict[str, QPushButton] = {}
        for i, (name, text, accessible, slot) in enumerate(
            (
                (
                    "second",
                    self.tr("请稍候"),
                    self.tr("请第二位服务对象稍候（第 14 条）"),
                    self.on_second_person,
                ),
                ("sorry", self.tr("致歉"), self.tr("工作差错时致歉（第 17 条）"), self.on_apology),
                ("escalate", self.tr("专人接手"), self.tr("请专人接手处理（第 27 条）"), self.on_escalate),
                ("home", self.tr("上门服务"), self.tr("登记上门服务（第 25 条）"), self.on_home_service),
                ("call", self.tr("电话响"), self.tr("电话助手（第 29 条）"), self.on_call_clicked),
                ("fault", self.tr("系统故障"), self.tr("故障模式（第 24 条）"), self.on_fault_clicked),
                ("complaint", self.tr("投诉登记"), self.tr("投诉举报登记（第 31 条）"), self.on_complaint),
                (
                    "internal",
                    self.tr("内部工作"),
                    self.tr("开始或结束内部工作（第 23 条）"),
                    self.on_internal_clicked,
                ),
                ("follow_ups", self.tr("待答复"), self.tr("待答复事项（第 18、30 条）"), self.on_follow_ups),
                (
                    "compose",
                    self.tr("撰写回复"),
                    self.tr("撰写书面回复并检查服务忌语（第 60 条）"),
                    self.compose_requested.emit,
                ),
                (
                    "records",
                    self.tr("我的记录"),
                    self.tr("查看本人的记录并添加说明"),
                    self.records_requested.emit,
                ),
                (
                    "review",
                    self.tr("值班长审阅"),
                    self.tr("值班长审阅与导出（需要 PIN）"),
                    self.review_requested.emit,
                ),
            )
        ):
            button = self._button(f"helper_{name}", text, accessible)
            button.clicked.connect(slot)
            if name in serving_names:
                serving_grid.addWidget(button, 2 + i // 2, i % 2)
            else:
                j = i - len(serving_names)
                helpers.addWidget(button, j // 2, j % 2)
            self.helper_buttons[name] = button
        page_layouts["matters"].addLayout(serving_grid)
        page_layouts["matters"].addStretch(1)
        page_layouts["tools"].addLayout(helpers)
        self.follow_up_label = self._label("follow_up_list", "")
        page_layouts["tools"].addWidget(self.follow_up_label)
        page_layouts["tools"].addStretch(1)
        layout = self.body.layout()
        self.call_panel = self._label("call_panel", "")
        self.call_panel.hide()
        layout.addWidget(self.call_panel)
        self.show_page("phrases")

        actions = QHBoxLayout()
        self.start_button = self._button("start", self.tr("来人 F9"), self.tr("开始接待一位服务对象"))
        self.start_button.clicked.connect(self.on_start)
        self.next_button = self._button("next", self.tr("下一步 F10"), self.tr("进入下一个环节"))
        self.next_button.clicked.connect(self.on_next)
        self.end_button = self._button("end", self.tr("送走 F11"), self.tr("结束本次接待"))
        self.end_button.clicked.connect(lambda: self.run("interaction_end"))
        for b in (self.start_button, self.next_button, self.end_button):
            actions.addWidget(b)
        layout.addLayout(actions)
        self.message = self._label("message", "")
        layout.addWidget(self.message)

        # The sidebar never holds the focus, so these work while one of our own windows is active;
        # from the business system the global hotkeys (issue 4) call the same slots.
        for key, slot in (
            (Qt.Key_F9, self.on_start),
            (Qt.Key_F10, self.on_next),
            (Qt.Key_F11, lambda: self.run("interaction_end")),
        ):
            shortcut = QShortcut(QKeySequence(key), self, context=Qt.ApplicationShortcut)
            shortcut.activated.connect(slot)
        self.start_shortcut = self.findChildren(QShortcut)[0]

        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()
        self._queue_ticks = 0
        DeskBridge.of(desk).executed.connect(self.on_outcome)
        self._embed_other_widgets()
        self.refresh(desk.state)
        self.update_pause_sign(desk.state)  # after a restart in pause, the sign is back
        self.tick()

    # ── small builders ──────────────────────────────────────────────────────────────────────────
    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)  # its accessible name is its text, read afresh as it changes
        return label

    def _button(self, name: str, text: str, accessible: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setFocusPolicy(Qt.NoFocus)
        return button

    def _embed_other_widgets(self) -> None:
        """The closing-time / overtime banner (rule 28) sits under the header."""
        self.closing_banner = ClosingBanner(self.desk)
        self.banner_slot.addWidget(self.closing_banner)

    def set_problems(self, problems: list[str]) -> None:
        """Show the configuration problems (a broken hall scripts file, a store moved elsewhere…) in the banner
        under the header; none hides it. Called again when the hall's scripts folder is reloaded."""
        notice = calendar_notice(
            self.desk.scripts.hours, self.desk.clock.now().date()
        )  # the calendar runs out
        shown = [*problems, notice] if notice else list(problems)
        self.problems_banner.setText("\n".join(shown))
        self.problems_banner.setVisible(bool(shown))

    def set_phrase_panel(self, widget) -> None:
        """Put the phrase panel (issue 4: PhrasePanel with slot on_state(state)) in place of the simple list."""
        if self.phrase_panel is not None:
            self.phrase_stack.removeWidget(self.phrase_panel)
        self.phrase_panel = widget
        self.phrase_stack.addWidget(widget)
        self.phrase_stack.setCurrentWidget(widget)
        widget.on_state(self.desk.state)
        widget.inserted.connect(self.message.setText)  # an insertion that failed is said where the click was

    def show_page(self, name: str) -> None:
        """Show one page: 用语 (prompt and phrases), 办理 (matters and helpers), 工具 (phone, fault, …)."""
        names = list(self.page_buttons)
        self.pages.setCurrentIndex(names.index(name))
        for n, button in self.page_buttons.items():
            button.setChecked(n == name)

    def _ask_dialog(self, title: str, fields: list[FormField], note: str = "") -> dict[str, str] | None:
        return ask(title, fields, note, None, self.desk.clock.now().date())

    def ask(self, title: str, fields: list[FormField], note: str = "") -> dict[str, str] | None:
        """Ask the clerk for a few values (a focusable form); None when cancelled."""
        return self.asker(title, fields, note)

    # ── commands ─────────────────────────────────────────────────────────────────────────────────
    def run(self, kind: str, data: dict | None = None) -> Outcome:
        """Send one command to the desk; the answer comes back through on_outcome."""
        return self.desk.execute(kind, data)

    def use_phrase(self, phrase_id: str, values: dict[str, str] | None = None, details: str = "") -> None:
        """Insert one phrase into the program the clerk was typing in, as the phrase panel does (asking for
        fields not yet known, the clipboard given back, recorded once it landed)."""
        if self.phrase_panel is not None:
            self.phrase_panel.use(phrase_id, "insert", values, details)
            return
        # the first moment after start-up, before the panel (and the paste machinery) is built: copy
        phrase = self.desk.scripts.phrase(phrase_id)
        values = dict(values or {})
        missing = [n for n in required_fields(phrase, values) if not values.get(n)]
        if missing:
            answer = self.ask(
                self.tr("填写用语"), [self._form_field(phrase, n) for n in missing], phrase.template
            )
            if answer is None:
                return
            values.update(answer)
        try:
            text = render(phrase, values)
        except RenderError as exc:
            self.message.setText(str(exc))
            return
        QGuiApplication.clipboard().setText(f"{text} {details}" if details else text)
        self.run("phrase_used", {"phrase": phrase.id, "mode": "copy"})
        self.message.setText(self.tr("已复制到剪贴板，请按 Ctrl+V 粘贴。"))

    @staticmethod
    def _form_field(phrase, name: str) -> FormField:
        f = phrase.field(name)
        kind = FIELD_KINDS.get(f.type, "text") if f else "text"
        if f is not None and f.type == "choice" and f.multiple:
            kind = "multi"
        return FormField(
            name,
            (f.label if f and f.label else name),
            kind,
            tuple(f.options) if f else (),
            hint=f.hint if f else "",
        )

    def on_start(self) -> None:
        """来人: start an interaction at 迎 (rule 23); offers the apologies of rules 23 and 26 first."""
        outcome = self.run("interaction_start")
        if outcome.accepted:
            self.set_offers(service.offers_at_start(self.desk.state, self.desk.scripts))

    def on_next(self) -> None:
        if self.desk.state.interaction is None:
            return
        following = service.next_step(self.desk.state, self.desk.scripts)
        if following is None:
            self.run("interaction_end")
        else:
            self.run("step", {"step": following})

    def on_step_clicked(self, step: str) -> None:
        if self.desk.state.interaction is None:
            self.show_step(step)
        else:
            self.run("step", {"step": step})

    def on_phrase_activated(self, item: QListWidgetItem) -> None:
        self.use_phrase(item.data(Qt.UserRole))

    def on_signin_clicked(self) -> None:
        state = self.desk.state
        if state.clerk is not None:
            outcome = self.run("sign_out")
            if outcome.refusal is not None and outcome.refusal.code == "before_closing_time":
                # rule 8: leaving early needs a reason, and the lead sees it (交接班 may leave people waiting)
                answer = self.ask(
                    self.tr("提前签退"),
                    [FormField("reason", self.tr("原因"), "choice", SIGN_OUT_REASONS)],
                    outcome.refusal.reason + self.tr("确需提前离岗时请选择原因，值班长审阅时会看到。"),
                )
                if answer is not None:
                    self.run("sign_out", {"reason": answer["reason"]})
            return
        dialog = self.signin_factory(window=stored(self.settings, "window"))
        dialog.focus_return.remember()
        if not dialog.exec():
            return
        data = dialog.data()
        if self.run("sign_in", data).accepted and self.settings is not None:
            self.settings.setValue("window", data.get("window", ""))

    def on_checklist_clicked(self) -> None:
        ChecklistDialog(self.desk).exec()

    def on_pause_clicked(self) -> None:
        if self.desk.state.pause is not None:
            self.run("resume")
            return
        reasons = self.desk.scripts.flow.pause_reasons  # flow.toml [close] reasons (rule 40 lists none)
        answer = self.ask(
            self.tr("暂停服务"),
            [FormField("reason", self.tr("暂停原因"), "choice", reasons, preselect=False)],
            self.tr("暂停服务需要填写原因（第 40 条）。"),
        )
        if answer is not None:
            self.run("pause", {"reason": answer["reason"]})

    def change_waiting(self, delta: int) -> None:
        self.run("waiting_set", {"count": max(0, self.desk.state.waiting + delta)})

    def on_outcome_clicked(self, outcome: str) -> None:
        """Record one matter's outcome (rule 13): a short form, then the sentence to say, one click away."""
        state = self.desk.state
        if state.interaction is None:
            self.message.setText(self.tr("当前没有正在接待的服务对象。"))
            return
        fields = [FormField("title", self.tr("业务事项"), default=service.known_title(state))]
        scripts = self.desk.scripts
        if outcome == "办结":
            note = self.tr("办结的业务事项（第 13 条）。")
        elif outcome == "退回":
            choices = tuple(service.return_fault_choices(scripts))
            fields.append(FormField("faults", self.tr("资料问题"), "multi", choices))
            fields.append(
                FormField("other", self.tr("其他问题"), required=False, hint=self.tr("选了“其他……”时填写"))
            )
            note = self.tr("选择资料存在的问题（第 22 条）。")
        elif outcome == "转办":
            fields.append(
                FormField("to", self.tr("转办窗口"), "choice", tuple(service.referral_labels(scripts)))
            )
            note = self.tr("为服务对象提供准确的窗口、电话和地址（第 10 条）。")
        elif outcome == "无法办理":
            fields.append(FormField("reason", self.tr("原因")))
            note = self.tr("无法办理时需要说明原因（第 15 条）。")
        else:
            fields += [
                FormField("phone", self.tr("联系电话")),
                FormField("due", self.tr("答复期限"), "date", days_ahead=3),
            ]
            note = self.tr("记下联系方式，请示后按期答复（第 18、30 条）。")
        answer = self.ask(self.tr(outcome), fields, note)
        if answer is None:
            return
        decided = service.matter(outcome, answer, scripts)
        if isinstance(decided, str):
            self.message.setText(decided)  # what is still missing
            return
        payload, offers = decided
        if self.run("matter", payload).accepted and offers:
            self.set_offers(offers)

    def on_second_person(self) -> None:
        self.use_phrase(service.SECOND_PERSON)

    def on_apology(self) -> None:
        self.use_phrase(service.APOLOGY_MISTAKE)

    def on_escalate(self) -> None:
        answer = self.ask(
            self.tr("专人接手"),
            [FormField("to", self.tr("接手人")), FormField("reason", self.tr("原因"), required=False)],
            self.tr("服务对象情绪激动或诉求不符合政策时，由专人接手（第 27 条）。"),
        )
        if answer is not None:
            self.run("escalate", answer)

    def on_home_service(self) -> None:
        answer = self.ask(
            self.tr("上门服务"),
            [
                FormField("need", self.tr("办理事项"), hint=self.tr(NO_PERSONAL)),
                FormField("due", self.tr("上门期限"), "date", days_ahead=3),
                FormField("name", self.tr("姓名"), required=False),
                FormField("phone", self.tr("联系电话")),
                FormField("address", self.tr("地址")),
            ],
            self.tr("行动不便或高龄的服务对象：记下电话和地址，上门服务（第 25 条）。"),
        )
        if answer is not None:
            person = {k: answer.pop(k) for k in ("name", "phone", "address")}
            self.run("home_service", {"need": answer["need"], "due": answer["due"], "person": person})

    def on_call_clicked(self) -> None:
        state = self.desk.state
        if state.call is not None:
            answer = self.ask(
                self.tr("结束通话"),
                [FormField("note", self.tr("通话记录"), required=False, hint=self.tr(NO_PERSONAL))],
                self.tr("复述要点并确认，请让对方先挂电话（第 33 条）。"),
            )
            if answer is not None:
                self.run("call_end", answer)
            return
        if state.call_ring_at is None:
            self.run("call_ring")
            return
        if self.run("call_start").accepted:
            self.set_offers(service.offers_after_answer(self.desk.state, self.desk.scripts))

    def on_fault_clicked(self) -> None:
        state = self.desk.state
        if state.fault is None:
            field = self.desk.scripts.phrase(service.FAULT_PHRASE).field("故障")
            options = tuple(field.options) if field is not None else ()
            answer = self.ask(
                self.tr("系统故障"),
                [FormField("fault", self.tr("故障情况"), "choice", options)],
                self.tr("系统故障：先致歉，请服务对象稍候（第 24 条）。"),
            )
            if answer is not None and self.run("fault_start", answer).accepted:
                self.set_offers([service.fault_offer()])
            return
        if service.fault_is_long(state, self.desk.clock.now(), self.desk.scripts):
            self.book_after_fault()
        self.run("fault_end")

    def book_after_fault(self) -> None:
        """Rule 24: a long fault — take the person's phone and create an appointment follow-up."""
        answer = self.ask(
            self.tr("故障预约"),
            [
                FormField("topic", self.tr("办理事项"), hint=self.tr(NO_PERSONAL)),
                FormField("phone", self.tr("联系电话")),
                FormField("due", self.tr("预约日期"), "date", days_ahead=1),
            ],
            self.tr("故障时间较长：留下电话，另行预约办理（第 24 条）。"),
        )
        if answer is not None:
            self.run(
                "follow_up",
                {
                    "topic": answer["topic"],
                    "due": answer["due"],
                    "source": "fault",
                    "person": {"phone": answer["phone"]},
                },
            )

    def on_complaint(self) -> None:
        answer = self.ask(
            self.tr("投诉登记"),
            [
                FormField("content", self.tr("投诉内容"), hint=self.tr(NO_PERSONAL)),
                FormField("forwarded_to", self.tr("转交部门或领导")),
                FormField("deadline", self.tr("答复期限"), "date", days_ahead=5),
            ],
            self.tr("感谢服务对象，记录并转交，及时答复（第 31 条）。"),
        )
        if answer is not None and self.run("complaint", answer).accepted:
            self.set_offers([service.complaint_offer()])

    def on_internal_clicked(self) -> None:
        if self.desk.state.internal is not None:
            self.run("internal_end")
            return
        answer = self.ask(
            self.tr("内部工作"), [FormField("task", self.tr("工作内容"), default=self.tr("内部工作"))]
        )
        if answer is not None:
            self.run("internal_start", answer)

    def on_follow_ups(self) -> None:
        """Close one open follow-up (the oldest due first) or a complaint's status."""
        state = self.desk.state
        items = sorted(state.follow_ups, key=lambda f: f.due)
        open_complaints = [c for c in state.complaints if c.status != COMPLAINT_STATUSES[-1]]
        if not items and not open_complaints:
            self.message.setText(self.tr("没有待答复事项。"))
            return
        labels = [f"{f.number}. {f.topic}（{f.due}）" for f in items]
        labels += [
            self.tr("投诉 {0}. {1}（{2}）").format(c.number, c.content, c.deadline) for c in open_complaints
        ]
        answer = self.ask(
            self.tr("待答复事项"),
            [
                FormField("item", self.tr("事项"), "choice", tuple(labels)),
                FormField("answer", self.tr("答复情况"), hint=self.tr(NO_PERSONAL)),
            ],
        )
        if answer is None or answer["item"] not in labels:
            return
        index = labels.index(answer["item"])
        if index < len(items):
            self.run("follow_up_close", {"follow_up": items[index].number, "answer": answer["answer"]})
        else:
            complaint = open_complaints[index - len(items)]
            self.run("complaint_update", {"complaint": complaint.number, "status": COMPLAINT_STATUSES[-1]})

    # ── showing the state ───────────────────────────────────────────────────────────────────────
    def set_offers(self, offers: list[service.Offer]) -> None:
        """Show phrases to say first, each one click away: the filled sentence, elided to the width, in full
        on hover. A used offer stays where it is, greyed, so no button moves under the pointer."""
        while self.offer_layout.count():
            widget = self.offer_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.offers = list(offers)
        state = self.desk.state
        for offer in offers:
            phrase = self.desk.scripts.phrase(offer.phrase)
            values = {**service.known_values(offer.phrase, state, self.desk.scripts), **offer.values}
            try:
                text = render(phrase, values)
            except RenderError:
                text = FIELD_RE.sub("……", phrase.template)  # fields still to fill: blanks, never raw braces
            full = f"{text} {offer.details}" if offer.details else text
            button = OfferButton(full, offer.reason)
            button.setObjectName(f"offer_{offer.phrase}")
            button.clicked.connect(lambda _=False, o=offer, v=values, b=button: self._use_offer(o, v, b))
            self.offer_layout.addWidget(button)
        self.offer_box.setVisible(bool(offers))

    def _use_offer(self, offer: service.Offer, values: dict[str, str], button: QPushButton) -> None:
        button.setEnabled(False)  # said once; it stays in place until the offers change
        self.use_phrase(offer.phrase, values, offer.details)

    def on_outcome(self, outcome: Outcome, state: State) -> None:
        if outcome.refusal is not None:
            self.message.setText(outcome.refusal.reason)
        elif any("recovered" in e.payload for e in outcome.events) and self.desk.store.notices:
            self.message.setText(self.desk.store.notices[-1])
        elif outcome.events:
            self.message.setText(service.recorded_words([e.kind for e in outcome.events]))
            submitted = [e for e in outcome.events if e.kind == "checklist_submit"]
            if submitted:  # on time, or how late (rule 19)
                self.message.setText(service.checklist_result(submitted[0].payload))
            kinds = {e.kind for e in outcome.events}
            if kinds & {"interaction_end", "call_end", "fault_end"}:
                self.set_offers([])
            if kinds & {"pause", "resume"}:
                self.update_pause_sign(state)
                self.pause_changed.emit(state.pause is not None)
        self.refresh(state)
        self.state_changed.emit()

    def refresh(self, state: State) -> None:
        """Show `state`: header, the open interaction's step, buttons that fit the state."""
        window = state.window or self.tr("窗口服务助手")
        self.title.setText(window)
        if state.clerk:
            who = f"{state.clerk} · {shown(state.role)}"
        else:
            who = self.tr("未签到")
        status = self.status_label(service.shift_status(state))
        if state.interaction is not None:
            status = self.tr("接待中：第 {0} 位").format(state.interaction.number)
        self.status.setText(f"{who} · {status}")
        self.waiting_label.setText(self.tr("等候 {0} 人").format(state.waiting))
        self.signin_button.setText(self.tr("签退") if state.clerk else self.tr("签到"))
        self.pause_button.setText(self.tr("恢复服务") if state.pause else self.tr("暂停服务"))
        self.helper_buttons["fault"].setText(self.tr("故障结束") if state.fault else self.tr("系统故障"))
        self.helper_buttons["internal"].setText(
            self.tr("结束内部") if state.internal else self.tr("内部工作")
        )
        call = (
            self.tr("挂断") if state.call else (self.tr("接听") if state.call_ring_at else self.tr("电话响"))
        )
        self.helper_buttons["call"].setText(call)
        self.helper_buttons["follow_ups"].setText(
            self.tr("待答复 {0}").format(len(state.follow_ups)) if state.follow_ups else self.tr("待答复")
        )
        serving = state.interaction is not None
        for button in (
            *self.outcome_buttons.values(),
            self.helper_buttons["second"],
            self.helper_buttons["sorry"],
            self.helper_buttons["escalate"],
            self.next_button,
            self.end_button,
        ):
            button.setEnabled(serving)
        self.start_button.setEnabled(not serving and state.pause is None)
        role_ids = [s.id for s in service.role_steps(state.role, self.desk.scripts)]
        for sid, button in self.step_buttons.items():
            button.setVisible(sid in role_ids)
        if serving:
            matters = state.interaction.matters
            self.matter_label.setText(
                self.tr("事项：")
                + ("；".join(f"{m['title']}·{m['outcome']}" for m in matters) if matters else self.tr("尚无"))
            )
        else:
            self.matter_label.setText("")
        self.show_step(state.interaction.step if serving else self.shown_step)
        self.tick()

    def status_label(self, status: str) -> str:
        """assistant.domain.service.shift_status() in the UI language (the status line has its own short words)."""
        labels = {
            "未签到": self.tr("未签到", "shift status"),
            "已下班": self.tr("已下班", "shift status"),
            "班前检查未完成": self.tr("班前检查未完成", "shift status"),
            "暂停服务": self.tr("暂停服务", "shift status"),
            "系统故障": self.tr("系统故障", "shift status"),
            "通话中": self.tr("通话中", "shift status"),
            "接待中": self.tr("接待中", "shift status"),
            "空闲": self.tr("空闲", "shift status"),
        }
        return labels.get(status, status)

    def show_step(self, step_id: str) -> None:
        """Show the prompt and phrases of one step of the flow, for the signed-in role."""
        self.shown_step = step_id
        step = self.desk.scripts.flow.step(step_id)
        for sid, button in self.step_buttons.items():
            button.setChecked(sid == step_id)
        first = step.prompt.split("。")[0] + "。"  # the seed's first sentence; the whole text in the tooltip
        self.prompt.setText(f"{step.title}：{first}" + ("……" if len(first) < len(step.prompt) else ""))
        self.prompt.setToolTip(step.prompt)
        self.phrases.clear()
        for phrase_id in service.role_phrases(self.desk.state.role, step_id, self.desk.scripts):
            phrase = self.desk.scripts.phrase(phrase_id)
            item = QListWidgetItem(phrase.template)
            item.setData(Qt.UserRole, phrase.id)
            item.setToolTip(self.tr("第 {0} 条 · {1}").format(phrase.rule, phrase.category))
            self.phrases.addItem(item)

    def tick(self) -> None:
        """Once a second: clock, step and interaction timers, call and fault warnings, follow-ups, queue."""
        self.desk.check_clock()  # a moved PC clock is recorded while idle too (issue 8)
        self.desk.check_store()  # the files written are still the ones on disk, or mended now (issue 12)
        now = self.desk.clock.now()
        state = self.desk.state
        self.clock_label.setText(now.strftime("%H:%M"))
        if state.interaction is not None:
            step_s = (now - datetime.fromisoformat(state.interaction.step_at)).total_seconds()
            all_s = (now - datetime.fromisoformat(state.interaction.started_at)).total_seconds()
            self.timers.setText(self.tr("本环节 {0} · 本次 {1}").format(_clock(step_s), _clock(all_s)))
            self.timers.show()
        else:
            self.timers.setText("")
            self.timers.hide()  # its line goes to the phrases while nobody is served
        lines: list[str] = []
        warning = None
        reminder = service.checklist_reminder(state, now, self.desk.scripts)
        if reminder:
            lines.append(reminder)
        ringing = service.ring_note(state, now, self.desk.scripts)
        if ringing is not None:
            lines.append(ringing)
        if state.call is not None:
            call_s = (now - datetime.fromisoformat(state.call.started_at)).total_seconds()
            lines.append(
                self.tr("通话 {0}　复述确认：“您看是这个问题吗？”　请让对方先挂电话").format(_clock(call_s))
            )
            warning = service.call_warning(state, now, self.desk.scripts)
            if warning:
                lines.append(warning)
        long_fault = state.fault is not None and service.fault_is_long(state, now, self.desk.scripts)
        if state.fault is not None:
            fault_s = (now - datetime.fromisoformat(state.fault.since)).total_seconds()
            lines.append(
                self.tr("故障 {0}").format(_clock(fault_s))
                + (self.tr("：时间较长，请留下电话另行预约（第 24 条）") if long_fault else "")
            )
        self.call_panel.setText("\n".join(lines))
        self.call_panel.setVisible(bool(lines))
        # the lines that cite a rule warn (not by looking for 第 in the text: it is translated)
        self.call_panel.setProperty("warn", bool(reminder) or bool(warning) or long_fault)
        self._show_follow_ups(state, now.date())
        self._poll_queue()

    def _show_follow_ups(self, state: State, today: date) -> None:
        late = {f.number for f in service.overdue(state.follow_ups, today)}
        rows = [
            ("⚠ " if f.number in late else "") + f"{f.topic} · {f.due}"
            for f in sorted(state.follow_ups, key=lambda f: f.due)[:3]
        ]
        if rows:
            head = self.tr("待答复 {0} 项").format(len(state.follow_ups))
            if late:
                head += self.tr("（{0} 项已逾期）").format(len(late))
            self.follow_up_label.setText(head + "\n" + "\n".join(rows))
        else:
            self.follow_up_label.setText("")
        self.follow_up_label.setVisible(bool(rows))
        self.follow_up_label.setProperty("overdue", bool(late))

    def _poll_queue(self) -> None:
        if self.queue is None:
            return
        self._queue_ticks = (self._queue_ticks + 1) % 5
        if self._queue_ticks != 1:
            return
        count = self.queue.waiting()
        if count is not None and count != self.desk.state.waiting:
            self.run("waiting_set", {"count": count})

    def poll_queue_now(self) -> None:
        """Read the queue adapter at once (tests, and after start-up)."""
        self._queue_ticks = 0
        self._poll_queue()

    def sign_screen(self) -> QScreen:
        """The screen chosen for the 暂停服务 sign (setting sign/screen; default: the last screen)."""
        screens = QGuiApplication.screens()
        index = stored(self.settings, "sign/screen")
        return screens[index] if index is not None and index < len(screens) else screens[-1]

    def update_pause_sign(self, state: State) -> None:
        """Show the 暂停服务 sign while paused (rule 40), hide it on resume."""
        from ui.panels.pause_sign import PauseSign

        if state.pause is None:
            if self.pause_sign is not None:
                self.pause_sign.hide()
            return
        if self.pause_sign is None:
            self.pause_sign = PauseSign()
            self.pause_sign.resume_requested.connect(self.ask_resume)
        self.pause_sign.set_reason(
            state.pause.reason, datetime.fromisoformat(state.pause.since).strftime("%H:%M")
        )
        full = stored(self.settings, "sign/full_screen")
        self.pause_sign.show_on(self.sign_screen(), full_screen=full, leave=self.frameGeometry())
        self.raise_()  # on one screen the sidebar stays above the sign, usable

    def ask_resume(self) -> None:
        """A click on the sign or Esc: "恢复服务？" — yes resumes; no leaves the sign up."""
        if self.desk.state.pause is None:
            return
        if self.confirm(self.tr("暂停服务"), self.tr("恢复服务？")):
            self.run("resume")

    def _confirm_dialog(self, title: str, question: str) -> bool:
        box = QMessageBox(QMessageBox.Question, title, question, parent=self.pause_sign)
        box.setWindowFlag(Qt.WindowStaysOnTopHint, True)
        yes = box.addButton(self.tr("恢复服务"), QMessageBox.YesRole)
        no = box.addButton(self.tr("继续暂停"), QMessageBox.NoRole)
        yes.setAccessibleName(self.tr("恢复服务"))
        no.setAccessibleName(self.tr("继续暂停"))
        box.setDefaultButton(yes)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def request_quit(self) -> bool:
        """Quit the assistant unless someone is being served or waits (rule 28); False, with the reason shown,
        when that is refused."""
        reason = service.quit_refusal(self.desk.state)
        if reason is not None:
            self.message.setText(reason)
            return False
        self._quit_allowed = True
        QApplication.quit()
        return True

    def closeEvent(self, event) -> None:
        reason = None if self._quit_allowed else service.quit_refusal(self.desk.state)
        if reason is not None:
            event.ignore()  # the window stays while anyone is served or waits (rule 28)
            self.message.setText(reason)
            return
        if self.pause_sign is not None:
            self.pause_sign.close()
        super().closeEvent(event)

    def set_collapsed(self, collapsed: bool) -> None:
        """Collapse to a thin strip or expand again; the dock resizes the window."""
        self._collapsed = collapsed
        self.body.setVisible(not collapsed)
        self.strip.setVisible(collapsed)
        self.collapse_requested.emit(collapsed)

    @property
    def collapsed(self) -> bool:
        return self._collapsed


__all__ = ["ROLES", "Sidebar"]


class OfferButton(QPushButton):
    """A one-click sentence: the text elided to the button's width (… at the end), the whole in the tooltip
    and the accessible name."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__()
        self.full = text
        self.setAccessibleName(self.tr("插入：") + text)
        self.setToolTip(f"{text}\n（{reason}）")
        self.setFocusPolicy(Qt.NoFocus)
        self.setMinimumWidth(40)
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(40, self.width() - 16)
        self.setText(self.fontMetrics().elidedText(self.full, Qt.ElideRight, width))

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(min(hint.width(), 300))
        return hint
