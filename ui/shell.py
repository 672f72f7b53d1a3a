"""Putting the pieces together at start-up: translation, settings, sidebar, dock, tray, phrases, hotkeys.

Only what the first window needs is built before it shows; the pinyin index, the composer's guard and
the review window are built the first time they are asked for.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication

from assistant.config import paths
from assistant.config.registry import stored
from assistant.desk import Desk
from assistant.edges.queue import FileQueue
from ui.application import install_translation

FINISH_AT_THE_LATEST_MS = 1000


class Shell(QObject):
    """Owns the sidebar and the windows it opens, and routes the global hotkeys to them.

    The phrase panel, the paste machinery, speech and the global hotkeys are set up right after the sidebar
    first paints: the clerk sees the window at once, and its simple phrase list works until the full
    panel takes its place a moment later.
    """

    ready = Signal()

    def __init__(self, desk: Desk, sidebar, scripts_dir: Path | None, hotkeys=None, sender=None) -> None:
        super().__init__(sidebar)
        self.desk, self.sidebar, self.scripts_dir = desk, sidebar, scripts_dir
        self.hotkeys = hotkeys
        self._sender = sender
        self.inserter = None
        self.panel = None
        self.focus = None
        self._quick_search = None
        self._search_target = None  # where the phrase chosen in the quick search goes
        self._composer = None
        self._review = None
        self._notices: list[str] = []
        self.scripts_watcher = None
        sidebar.compose_requested.connect(self.open_composer)
        sidebar.records_requested.connect(self.open_my_records)
        sidebar.review_requested.connect(self.open_review)
        sidebar.installEventFilter(self)
        QTimer.singleShot(FINISH_AT_THE_LATEST_MS, self.finish)  # a sidebar that never paints still gets it

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.sidebar and event.type() == QEvent.Type.Paint:
            self.sidebar.removeEventFilter(self)
            QTimer.singleShot(0, self.finish)
        return False

    def finish(self) -> None:
        """Build what the first window could do without: panel, paste, speech, hotkeys."""
        if self.panel is not None:
            return
        from assistant.config.settings import load_settings
        from ui.panels.phrase_panel import PhrasePanel
        from ui.platform.focus import FocusReturn
        from ui.platform.hotkey_bridge import HotkeyBridge
        from ui.platform.paste import Inserter, choose_sender
        from ui.platform.playback import SpeechPlayer

        sender, reason = self._sender if self._sender is not None else choose_sender()
        settings = load_settings(self.scripts_dir)  # a broken [paste] value keeps its default
        self.focus = FocusReturn()
        self.inserter = Inserter(
            sender,
            reason,
            parent=self,
            restore_ms=settings.paste_restore_ms,
            remote_restore_ms=settings.paste_remote_restore_ms,
            remote=self.focus.target_is_remote,
        )
        self.panel = PhrasePanel(self.desk, self.inserter, SpeechPlayer(self))
        self.sidebar.set_phrase_panel(self.panel)
        if self.hotkeys is None:
            self.hotkeys = HotkeyBridge.for_this_desktop(parent=self)
        self.hotkeys.activated.connect(self.on_hotkey)
        if self.hotkeys.status:
            self.sidebar.message.setText(self.hotkeys.status)
        self.ready.emit()

    def watch_scripts(self, problems: list[str]) -> None:
        """Reload the hall's scripts folder when it changes (ui/platform/scripts_watcher.py); `problems` are the start-up
        problems, of which those not from the scripts (the store's notices) stay in the banner."""
        from ui.platform.scripts_watcher import ScriptsWatcher

        from_scripts = {str(p) for p in self.desk.scripts.problems}
        self._notices = [p for p in problems if p not in from_scripts]
        self.scripts_watcher = ScriptsWatcher(self.scripts_dir, parent=self)
        self.scripts_watcher.reloaded.connect(self.apply_scripts)
        self.scripts_watcher.failed.connect(self.sidebar.message.setText)

    def apply_scripts(self, scripts) -> None:
        """Newly loaded scripts: to the desk, the problems banner, the phrase panel and the sidebar."""
        self.desk.reload_scripts(scripts)
        problems = [str(p) for p in scripts.problems]
        self.sidebar.set_problems(problems + self._notices)
        if self._quick_search is not None:  # its pinyin index is of the old phrases: built again when asked
            self._quick_search.close()
            self._quick_search.deleteLater()
            self._quick_search = None
        if self._composer is not None and not self._composer.isVisible():  # its guard has the old taboo list
            self._composer.deleteLater()
            self._composer = None
        if self.panel is not None:
            self.panel.rebuild()
        self.sidebar.refresh(self.desk.state)
        self.sidebar.message.setText(
            self.tr("话术文件已更新，但有 {0} 处问题（见上方），有问题的文件仍用内置版本。").format(
                len(problems)
            )
            if problems
            else self.tr("话术文件已更新并重新载入。")
        )

    def show_to_clerk(self) -> None:
        """The assistant was started again on this database: this sidebar shows itself instead (unfolded and
        on top, still without taking the focus from the business program)."""
        sidebar = self.sidebar
        sidebar.set_collapsed(False)
        sidebar.showNormal()
        sidebar.raise_()
        sidebar.message.setText(self.tr("助手已在运行：同一个数据文件只能由一个助手使用。"))

    def close(self) -> None:
        """Let go of the global hotkeys (they belong to the X server, not to us) and stop any speech."""
        if self.hotkeys is not None:
            self.hotkeys.close()
        if self.panel is not None and self.panel.speaker is not None:
            self.panel.speaker.stop()

    def on_hotkey(self, action: str) -> None:
        """A global hotkey: 来人, the quick search, or favourite N (inserted into the focused program)."""
        if action == "interaction_start":
            self.sidebar.on_start()
        elif action == "next_step":
            self.sidebar.on_next()
        elif action == "interaction_end":
            self.sidebar.run("interaction_end")
        elif action == "resume":
            if self.desk.state.pause is not None:
                self.sidebar.run("resume")
        elif action == "quick_search":
            self.open_quick_search()
        elif action.startswith("fav") and action[3:].isdigit():
            favourites = [pid for pid in self.panel.favourites.ids if pid in self.desk.scripts.phrases]
            number = int(action[3:])
            if number <= len(favourites):
                self.panel.use(favourites[number - 1], "insert")
            else:
                self.sidebar.message.setText(
                    self.tr("第 {0} 个常用语尚未设置：在用语旁点 ☆ 加入常用。").format(number)
                )

    def open_quick_search(self) -> None:
        self.finish()
        if self._quick_search is None:
            from assistant.domain.search import PhraseIndex, usage_counts
            from ui.panels.quick_search import QuickSearch

            index = PhraseIndex.for_phrases(self.desk.scripts.phrases.values(), self.scripts_dir)
            index.set_uses(usage_counts(self.desk.store.conn))
            self._quick_search = QuickSearch(index, self.desk.scripts.phrases, self._use_from_search)
            self._quick_search.chosen.connect(index.add_use)
        from ui.platform.focus import FocusReturn

        self._search_target = FocusReturn()
        self._search_target.remember()  # the window the clerk was typing in: the phrase goes there, checked
        self._quick_search.popup()

    def _use_from_search(self, phrase_id: str, mode: str) -> None:
        self.panel.use(phrase_id, mode, target=self._search_target)

    def open_composer(self) -> None:
        self.finish()
        if self._composer is None:
            from ui.panels.composer import Composer

            self._composer = Composer(self.desk)
            self._composer.insert_requested.connect(self._insert_from_composer)
        self.focus.remember()
        self._composer.show()
        self._composer.raise_()
        self._composer.activateWindow()

    def _insert_from_composer(self, text: str) -> None:
        self.focus.restore()
        self.inserter.insert(text)

    def open_my_records(self) -> None:
        clerk = self.desk.state.clerk
        if clerk is None:
            self.sidebar.message.setText(self.tr("请先签到，再查看本人的记录。"))
            return
        self._show_review(lead=False, clerk=clerk)

    def open_review(self) -> None:
        from assistant.edges.lead_pin import LeadPin
        from ui.review.window import ask_lead_pin

        lead = ask_lead_pin(None, LeadPin(self.desk.store, paths.data_dir(), self.scripts_dir))
        if lead is not None:
            self._show_review(lead=True, clerk=None, lead_id=lead)

    def _show_review(self, lead: bool, clerk: str | None, lead_id: str = "") -> None:
        from ui.review.window import ReviewWindow

        if self._review is not None:
            self._review.close()
        self._review = ReviewWindow(self.desk, lead=lead, clerk=clerk, lead_id=lead_id)
        self._review.show()


def build_shell(
    app: QApplication,
    desk: Desk,
    problems: list[str],
    lang: str = "zh",
    settings: QSettings | None = None,
    scripts_dir: Path | None = None,
    hotkeys=None,
    sender=None,
):
    """The docked sidebar with its tray icon, shown; `hotkeys` (a HotkeyBridge) and `sender` (a KeySender
    and the reason when there is none) replace the desktop's own, for tests."""
    from ui.platform.dock import Dock
    from ui.platform.tray import Tray
    from ui.sidebar.window import Sidebar

    install_translation(app, lang)
    settings = settings or QSettings("window-assistant", "sidebar")
    queue_file = stored(settings, "queue/file")
    queue = FileQueue(Path(queue_file), desk.state.window) if queue_file else None
    sidebar = Sidebar(desk, problems=problems, queue=queue, settings=settings)
    sidebar.shell = Shell(desk, sidebar, scripts_dir, hotkeys, sender)
    if scripts_dir is not None:
        sidebar.shell.watch_scripts(problems)
    dock = Dock(sidebar, settings)
    sidebar.dock = dock
    app.aboutToQuit.connect(dock.release)  # Windows: the AppBar's strip goes back to the desktop
    sidebar.collapse_requested.connect(dock.set_collapsed)
    dock.apply()  # before show(): the strut is set on the window id first (DESKTOP.md)
    sidebar.show()
    dock.apply()
    sidebar.tray = Tray(sidebar)
    return sidebar
