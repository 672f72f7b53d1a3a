"""Typing Chinese into the sidebar's own fields with the input methods of the hall PCs, from the packaged app.

PySide6 ships Qt's ibus input-context plugin only (Debian's fcitx5 Qt plugin is built against another Qt, and
fcitx 4 has no ibus frontend), so the packaged app meets a pinyin input method through the ibus protocol:
* ibus with ibus-libpinyin (Debian, Ubuntu, Kylin's ibus set-ups);
* fcitx5 with its pinyin, through fcitx5's ibus frontend (UOS and Kylin set QT_IM_MODULE=fcitx, a plugin our Qt
  lacks: the sidebar then asks Qt for ibus).
Each runs on a private session bus under Xvfb with openbox (tests/e2e/person.py); a person clicks the controls
found by their accessible names and types: the badge number in the sign-in form, then the window name in pinyin
("nihao" and space), then 确定. The proof is the
sign-in event in the database: the window name is 你好, chosen by the input method, not typed as letters.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.person import Desktop, desktop, wait_until
from tests.e2e.test_bundle import bundle  # noqa: F401  (the cached bundle fixture)

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.xvfb,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 input methods"),
]

FCITX5_PROFILE = """[Groups/0]
Name=Default
Default Layout=us
DefaultIM=pinyin

[Groups/0/Items/0]
Name=keyboard-us
Layout=

[Groups/0/Items/1]
Name=pinyin
Layout=

[GroupOrder]
0=Default
"""


def quietly(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)


@contextmanager
def started(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def ibus_engine(env: dict[str, str], name: str) -> bool:
    """Set ibus's engine; True once `ibus engine` reports it (the setter's exit code says 1 even when it worked)."""
    quietly(["ibus", "engine", name], env)
    return quietly(["ibus", "engine"], env).stdout.strip() == name


def fcitx5_active(env: dict[str, str]) -> bool:
    """Switch fcitx5 on for the focused field; True once it reports itself active (2)."""
    quietly(["fcitx5-remote", "-o"], env)
    return quietly(["fcitx5-remote"], env).stdout.strip() == "2"


def sign_in_with_pinyin(d: Desktop, bundle: Path, tmp_path: Path, switch_on, im_module: str) -> str:  # noqa: F811
    """Start the packaged sidebar, open 签到, type the badge, then the window name in pinyin; the name recorded."""
    db = tmp_path / "assistant.db"
    d.start_app("--db", str(db), extra_env={"QT_IM_MODULE": im_module}, program=bundle / "window-assistant")
    d.click("签到或签退")
    d.click("工作证编号", role="text")
    d.type("A0123")
    d.click("窗口名称", role="text")
    wait_until(lambda: switch_on(d.env), 20, "the pinyin input method to switch on")
    d.xdotool("type", "--delay", "120", "nihao")
    d.key("space")
    d.click("确定", role="push button")

    def signed_in() -> str:
        if not db.exists():
            return ""
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT payload FROM events WHERE kind = 'sign_in'").fetchone()
        return json.loads(row[0])["window"] if row else ""

    try:
        return wait_until(signed_in, 20, "the sign-in to be recorded")
    except AssertionError:
        d.screenshot(tmp_path / "screen.png")
        raise


def test_ibus_with_libpinyin(bundle, tmp_path):  # noqa: F811
    if shutil.which("ibus-daemon") is None or not Path("/usr/libexec/ibus-engine-libpinyin").exists():
        pytest.skip("needs ibus and ibus-libpinyin")
    with (
        desktop(tmp_path) as d,
        started(["ibus-daemon", "--replace", "--xim", "--panel=disable"], d.env, tmp_path / "ibus.log"),
    ):
        wait_until(lambda: ibus_engine(d.env, "xkb:us::eng"), 20, "ibus")
        assert (
            sign_in_with_pinyin(d, bundle, tmp_path, lambda env: ibus_engine(env, "libpinyin"), "ibus")
            == "你好"
        )


def test_fcitx5_pinyin_through_its_ibus_frontend(bundle, tmp_path):  # noqa: F811
    if shutil.which("fcitx5") is None or not list(Path("/usr/lib").glob("*/fcitx5/libpinyin.so")):
        pytest.skip("needs fcitx5 and fcitx5-pinyin")
    with desktop(tmp_path) as d:
        profile = Path(d.env["XDG_CONFIG_HOME"]) / "fcitx5" / "profile"
        profile.parent.mkdir(parents=True)
        profile.write_text(FCITX5_PROFILE, encoding="utf-8")
        with started(
            ["fcitx5", "--replace", "--disable=wayland,waylandim,kimpanel,notificationitem,clipboard"],
            d.env,
            tmp_path / "fcitx5.log",
        ):
            wait_until(lambda: quietly(["fcitx5-remote"], d.env).returncode == 0, 20, "fcitx5")
            # as UOS and Kylin set it for fcitx5: the sidebar asks Qt for ibus instead (system_libs.input_method_module)
            assert sign_in_with_pinyin(d, bundle, tmp_path, fcitx5_active, "fcitx") == "你好"
