"""The person harness itself, on the simplest path a clerk takes: sign in through the dialog, then one click
inserts a phrase into the business program, whose window keeps the focus."""

from __future__ import annotations

import pytest

from tests.e2e.person import desktop, wait_until

pytestmark = pytest.mark.xvfb


@pytest.mark.parametrize("kind", ["qt", "tk"])
def test_sign_in_then_one_click_inserts_into_the_business_program(tmp_path, kind):
    with desktop(tmp_path) as d:
        d.start_app("--db", str(tmp_path / "g.db"), extra_env={"WA_NO_SPEECH": "1"})
        editor = d.start_editor(kind)
        d.click("签到或签退")
        d.click("工作证编号", role="text")
        d.type("A0123")
        d.click("确定", role="push button")
        wait_until(lambda: not any(n.role == "dialog" for n in d.nodes()), 10, "the sign-in dialog to close")
        d.activate(f"business-{kind}")  # the clerk clicks back into the business program
        d.click("插入：请稍候，我们马上为您办理！")
        assert editor.wait_text(lambda t: "请稍候，我们马上为您办理！" in t) == "请稍候，我们马上为您办理！"
        assert d.focused_window() == f"business-{kind}"
        d.type("ok")
        editor.wait_text(lambda t: t.endswith("ok"), what="keystrokes after the insertion land in the editor")
        d.screenshot(tmp_path / "inserted.png")
