"""A person at the keyboard: the real app (`main.py` as a process) on a private X server with a window manager,
a second real program as the business system, and only what a person has — the mouse and the keys (xdotool) and
the screen (screenshots). Controls are found the way a screen reader finds them: by their accessible names
over AT-SPI, which also proves that every control has one.

    with desktop() as d:
        app = d.start_app("--db", str(db))
        editor = d.start_editor("qt")
        d.click("签到或签退") ...
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.xserver import xvfb

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python3-pyatspi lives there
APP_NAME = "窗口服务助手"

EDITORS = {
    "qt": """
import json, sys
from PySide6.QtWidgets import QApplication, QPlainTextEdit
app = QApplication([])
edit = QPlainTextEdit(); edit.setWindowTitle("business-qt"); edit.resize(560, 300); edit.move(40, 200)
edit.textChanged.connect(lambda: print("TEXT " + json.dumps(edit.toPlainText(), ensure_ascii=False), flush=True))
edit.show(); edit.activateWindow(); edit.setFocus()
print("READY", flush=True)
app.exec()
""",
    "tk": """
import json, tkinter
root = tkinter.Tk(); root.title("business-tk"); root.geometry("560x200+40+540")
text = tkinter.Text(root); text.pack(fill="both", expand=True); text.focus_set()
def changed(event=None):
    print("TEXT " + json.dumps(text.get("1.0", "end-1c"), ensure_ascii=False), flush=True)
    text.edit_modified(False)
text.bind("<<Modified>>", changed)
root.after(200, lambda: print("READY", flush=True))
root.mainloop()
""",
}


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(0.05)


@dataclass(frozen=True)
class Node:
    role: str
    name: str
    x: int
    y: int
    w: int
    h: int
    states: tuple[str, ...]

    @property
    def centre(self) -> tuple[int, int]:
        return self.x + self.w // 2, self.y + self.h // 2

    @property
    def on_screen(self) -> bool:
        return self.w > 0 and self.h > 0 and "showing" in self.states


class Program:
    """A child process whose stdout lines are collected on a thread."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def drain(self) -> list[str]:
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return self.seen

    def wait_line(self, prefix: str, timeout: float = 30) -> str:
        def found() -> str | None:
            return next((line for line in self.drain() if line.startswith(prefix)), None)

        return str(wait_until(found, timeout, f"a line starting with {prefix!r}"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class Editor(Program):
    """The business program: its whole text after every change."""

    @property
    def text(self) -> str:
        texts = [line[5:] for line in self.drain() if line.startswith("TEXT ")]
        return json.loads(texts[-1]) if texts else ""

    def wait_text(self, predicate: Callable[[str], bool], timeout: float = 10, what: str = "") -> str:
        wait_until(lambda: predicate(self.text), timeout, what or "the editor's text")
        return self.text


class Desktop:
    def __init__(self, env: dict[str, str], home: Path, size: tuple[int, int]) -> None:
        self.env = env
        self.home = home
        self.size = size
        self.programs: list[Program] = []

    # -- programs

    def start_app(
        self, *args: str, extra_env: dict[str, str] | None = None, program: Path | None = None
    ) -> Program:
        """`main.py ARGS`, or the packaged app's `program`; returns once the sidebar is on screen."""
        env = {**self.env, "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "WA_NO_VENV": "1", **(extra_env or {})}
        command = [str(program)] if program else [sys.executable, str(ROOT / "main.py")]
        proc = subprocess.Popen(
            [*command, *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        program = Program(proc)
        self.programs.append(program)
        wait_until(lambda: any(n.on_screen for n in self.nodes()), 60, "the sidebar on screen")
        return program

    def start_editor(self, kind: str = "qt") -> Editor:
        """A business program: "qt" (a QPlainTextEdit, top left) or "tk" (a Tk Text, below it)."""
        proc = subprocess.Popen(
            [sys.executable, "-c", EDITORS[kind]],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        editor = Editor(proc)
        self.programs.append(editor)
        editor.wait_line("READY")
        title = "business-qt" if kind == "qt" else "business-tk"
        wait_until(lambda: self.window_id(title), 10, f"the window {title}")
        self.activate(title)
        return editor

    # -- the screen, as a screen reader sees it

    def nodes(self, app: str = APP_NAME) -> list[Node]:
        result = subprocess.run(
            [SYSTEM_PYTHON, str(ROOT / "tests/e2e/a11y_tree.py"), app],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        out = []
        for line in result.stdout.splitlines():
            d = json.loads(line)
            out.append(Node(d["role"], d["name"], d["x"], d["y"], d["w"], d["h"], tuple(d["states"])))
        return out

    def find(self, name: str, role: str | None = None, timeout: float = 10, exact: bool = True) -> Node:
        def look() -> Node | None:
            for node in self.nodes():
                if (
                    (node.name == name if exact else name in node.name)
                    and (role is None or node.role == role)
                    and node.on_screen
                    and self.visible(node)
                ):
                    return node
            return None

        return wait_until(look, timeout, f"a control named {name!r}")  # type: ignore[return-value]

    def find_all(self, name: str, role: str | None = None, exact: bool = True) -> list[Node]:
        """Every control on screen with that accessible name (or containing it)."""
        return [
            n
            for n in self.nodes()
            if (n.name == name if exact else name in n.name)
            and (role is None or n.role == role)
            and n.on_screen
            and self.visible(n)
        ]

    def click_in_view(self, name: str, container: str, role: str | None = None, exact: bool = True) -> Node:
        """Click a control inside a scrolled list, turning the mouse wheel over the list until it is in view
        (a control scrolled out of its viewport still says "showing")."""
        box = self.find(container)
        for _ in range(60):
            node = next(
                (
                    n
                    for n in self.nodes()
                    if (n.name == name if exact else name in n.name)
                    and (role is None or n.role == role)
                    and n.on_screen
                ),
                None,
            )
            if node is not None:
                x, y = node.centre
                if box.y <= y < box.y + box.h and box.x <= x < box.x + box.w:
                    self.xdotool("mousemove", str(x), str(y), "click", "1")
                    return node
                wheel = "5" if node is None or y >= box.y + box.h else "4"
            else:
                wheel = "5"
            bx, by = box.centre
            self.xdotool("mousemove", str(bx), str(by), "click", wheel)
        raise AssertionError(f"{name!r} never came into view in {container!r}")

    def gone(self, name: str, role: str | None = None, timeout: float = 10) -> None:
        """Wait until no control with that name is on screen (a dialog closed)."""
        wait_until(lambda: not self.find_all(name, role), timeout, f"{name!r} to close")

    def visible(self, node: Node) -> bool:
        """Inside the screen (a list scrolled out of its viewport still says "showing")."""
        x, y = node.centre
        return 0 <= x < self.size[0] and 0 <= y < self.size[1]

    # -- the mouse and the keys

    def xdotool(self, *args: str) -> str:
        return subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    def click(self, name: str, role: str | None = None, exact: bool = True) -> Node:
        node = self.find(name, role, exact=exact)
        x, y = node.centre
        self.xdotool("mousemove", str(x), str(y), "click", "1")
        return node

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--clearmodifiers", *keys)

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "40", text)

    def window_id(self, title: str) -> str:
        result = subprocess.run(
            ["xdotool", "search", "--name", f"^{title}$"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return result.stdout.split()[0] if result.stdout.split() else ""

    def activate(self, title: str) -> None:
        """The person clicks into the business program's window."""
        self.xdotool("windowactivate", "--sync", self.window_id(title))

    def focused_window(self) -> str:
        return self.xdotool("getwindowfocus", "getwindowname")

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True, timeout=30)
        return path


@contextmanager
def desktop(tmp_path: Path, size: str = "1366x768x24") -> Iterator[Desktop]:
    """Xvfb + openbox + a D-Bus session with the accessibility bus; HOME and the data folder under tmp_path."""
    needed = ["Xvfb", "openbox", "xdotool", "dbus-daemon", "import", SYSTEM_PYTHON]
    missing = [tool for tool in needed if shutil.which(tool) is None]
    launcher = next(
        (
            p
            for p in ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher")
            if os.path.exists(p)
        ),
        None,
    )
    if (
        missing
        or launcher is None
        or subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True).returncode != 0
    ):
        pytest.skip(
            "needs Xvfb, openbox, xdotool, dbus, ImageMagick and python3-pyatspi "
            "(python3 run_tests.py installs them on Debian)"
        )
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    with xvfb(size, window_manager=True) as display:
        bus = subprocess.run(
            ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.split()
        address, bus_pid = bus[0], int(bus[1])
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "DBUS_SESSION_BUS_ADDRESS": address,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_RUNTIME_DIR": str(tmp_path / "run"),
            "WA_DATA_DIR": str(home / "data"),
            "PYTHONPATH": str(ROOT),
            "NO_AT_BRIDGE": "0",
            "PYTHONIOENCODING": "utf-8",
        }
        (tmp_path / "run").mkdir(mode=0o700, exist_ok=True)
        a11y = subprocess.Popen(
            [launcher, "--launch-immediately"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        width, height = (int(v) for v in size.split("x")[:2])
        d = Desktop(env, home, (width, height))
        try:
            yield d
        finally:
            for program in reversed(d.programs):
                program.stop()
            a11y.terminate()
            a11y.wait(timeout=10)
            os.kill(bus_pid, 15)
