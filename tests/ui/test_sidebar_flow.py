"""The whole service flow driven by clicks offscreen against a temporary database; the events recorded."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton

from assistant.desk import Desk
from assistant.edges.queue import FileQueue
from tests.conftest import ready_desk
from ui.dialogs.form import FormDialog, FormField
from ui.dialogs.signin import SignInDialog
from ui.sidebar.window import OfferButton, Sidebar


class Answers:
    """Stands in for the clerk at the form: answers each form in turn, remembering what was asked."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked: list[tuple[str, list[str], str]] = []

        self.defaults: list[dict[str, str]] = []

    def __call__(self, title, fields, note=""):
        self.asked.append((title, [f.name for f in fields], note))
        self.defaults.append({f.name: f.default for f in fields if f.default})
        return self.answers.pop(0)


def make(qtbot, desk, *answers, **kw) -> Sidebar:
    sidebar = Sidebar(desk, **kw)
    qtbot.addWidget(sidebar)
    sidebar.asker = Answers(*answers)
    sidebar.show()
    return sidebar


def click(qtbot, sidebar, button):
    with qtbot.waitSignal(sidebar.state_changed):
        qtbot.mouseClick(button, Qt.LeftButton)


def events(desk, kind=None):
    return [e for e in desk.store.events() if kind is None or e.kind == kind]


def test_sign_in_dialog_takes_typing_and_records_badge_role_window(qtbot, desk, monkeypatch):
    sidebar = make(qtbot, desk)

    def fill():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        qtbot.keyClicks(dialog.inputs["clerk"], "B0042")
        dialog.set_value("role", "咨询引导人员")
        dialog.set_value("window", "导服台")
        qtbot.mouseClick(dialog.findChild(QPushButton, "form_ok"), Qt.LeftButton)

    QTimer.singleShot(50, fill)
    with qtbot.waitSignal(sidebar.state_changed, timeout=3000):
        qtbot.mouseClick(sidebar.signin_button, Qt.LeftButton)
    payload = events(desk, "sign_in")[-1].payload
    assert {k: payload[k] for k in ("clerk", "role", "window")} == {
        "clerk": "B0042",
        "role": "咨询引导人员",
        "window": "导服台",
    }
    assert "B0042" in sidebar.status.text() and sidebar.title.text() == "导服台"
    # the guidance role walks 迎 问 听 送 and sees the referral phrase first at 问 (rule 61)
    assert not sidebar.step_buttons["jie"].isVisibleTo(sidebar)
    assert sidebar.step_buttons["ting"].isVisibleTo(sidebar)
    sidebar.show_step("wen")
    assert sidebar.phrases.item(0).data(Qt.UserRole) == "greet.refer"


def test_form_refuses_missing_required_values(qtbot):
    dialog = FormDialog(
        "退回", [FormField("title", "业务事项"), FormField("faults", "资料问题", "multi", ("未填", "未签章"))]
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.try_accept()
    assert "业务事项" in dialog.error.text() and dialog.isVisible()
    dialog.set_value("title", "社保登记")
    dialog.set_value("faults", "未签章")
    assert dialog.values() == {"title": "社保登记", "faults": "未签章"}
    assert dialog.windowFlags() & Qt.WindowStaysOnTopHint
    assert not dialog.windowFlags() & Qt.WindowDoesNotAcceptFocus


def test_whole_flow_by_clicks(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = make(
        qtbot,
        desk,
        {"title": "社保登记"},  # 办结
        {"title": "社保登记", "faults": "未签章、计算有误"},  # 退回
        {"title": "医保报销", "to": "医疗保险（市医疗保障局）"},  # 转办
        {"title": "异地转移", "reason": "系统不支持跨省业务"},  # 无法办理
        {"title": "退休认定", "phone": "13800000000", "due": "2026-11-30"},  # 待答复
    )
    click(qtbot, sidebar, sidebar.waiting_plus)
    click(qtbot, sidebar, sidebar.waiting_plus)
    click(qtbot, sidebar, sidebar.waiting_minus)
    assert desk.state.waiting == 1 and "等候 1 人" in sidebar.waiting_label.text()
    click(qtbot, sidebar, sidebar.start_button)
    assert sidebar.step_buttons["ying"].isChecked()
    for step in ("wen", "jie"):
        clock.advance(seconds=40)
        click(qtbot, sidebar, sidebar.next_button)
        assert sidebar.step_buttons[step].isChecked()
    clock.advance(seconds=30)
    sidebar.tick()
    assert "本环节 00:30" in sidebar.timers.text() and "本次 01:50" in sidebar.timers.text()
    click(qtbot, sidebar, sidebar.outcome_buttons["办结"])
    click(qtbot, sidebar, sidebar.outcome_buttons["退回"])
    assert sidebar.offers[0].phrase == "return.faults"
    assert sidebar.offers[0].values == {"问题": "未签章、计算有误"}  # what was ticked is what will be said
    click(qtbot, sidebar, sidebar.outcome_buttons["转办"])
    # the referral sentence with the window's phone and address is offered, one click away (rule 10)
    offer = sidebar.offer_box.findChild(QPushButton, "offer_greet.refer")
    assert offer.full.startswith("请您到医疗保险窗口办理此项业务！") and "0396-0000003" in offer.full
    # every form after the first starts with the matter already named, never a placeholder (issue 14 #11)
    assert sidebar.asker.defaults[1:3] == [{"title": "社保登记"}] * 2
    assert "联系人：赵老师" in offer.full  # rule 10: contact person, phone and address
    click(qtbot, sidebar, sidebar.outcome_buttons["无法办理"])
    click(qtbot, sidebar, sidebar.outcome_buttons["待答复"])
    # jump straight to 送 — the steps guide, they do not force
    click(qtbot, sidebar, sidebar.step_buttons["song"])
    click(qtbot, sidebar, sidebar.end_button)

    matters = [e.payload for e in events(desk, "matter")]
    assert [m["outcome"] for m in matters] == ["办结", "退回", "转办", "无法办理", "待答复"]
    assert sidebar.asker.defaults[0] == {}  # the first matter is asked for, not made up as 业务事项 1
    assert {m["title"] for m in matters[:2]} == {"社保登记"}
    assert matters[1]["faults"] == ["未签章", "计算有误"] and matters[2]["referral"] == "medical_insurance"
    assert "13800000000" not in json.dumps([e.payload for e in events(desk)], ensure_ascii=False)
    assert desk.store.person(matters[4]["person_id"])["phone"] == "13800000000"
    assert [e.payload["step"] for e in events(desk, "step")] == ["wen", "jie", "song"]
    assert desk.state.interaction is None
    # the follow-up is listed with its due date until closed
    assert "退休认定 · 2026-11-30" in sidebar.follow_up_label.text()
    sidebar.asker = Answers({"item": "1. 退休认定（2026-11-30）", "answer": "已电话答复"})
    click(qtbot, sidebar, sidebar.helper_buttons["follow_ups"])
    assert events(desk, "follow_up_close")[-1].payload["answer"] == "已电话答复"
    assert not desk.state.follow_ups


def test_overdue_follow_up_stands_out(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = make(qtbot, desk, {"topic": "公积金政策咨询", "due": "2026-11-27", "phone": "139"})
    desk.execute("follow_up", {"topic": "公积金政策咨询", "due": "2026-11-27", "person": {"phone": "139"}})
    clock.advance(days=2)
    sidebar.tick()
    assert "已逾期" in sidebar.follow_up_label.text() and sidebar.follow_up_label.property("overdue")


def test_internal_work_then_long_interaction_offer_apologies(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = make(qtbot, desk, {"task": "整理档案"})
    click(qtbot, sidebar, sidebar.helper_buttons["internal"])
    click(qtbot, sidebar, sidebar.start_button)
    assert [o.phrase for o in sidebar.offers] == ["greet.wait"]  # rule 23
    button = sidebar.offer_box.findChildren(type(sidebar.start_button))[0]
    click(qtbot, sidebar, button)
    assert events(desk, "phrase_used")[-1].payload["phrase"] == "greet.wait"
    click(qtbot, sidebar, sidebar.helper_buttons["internal"])  # internal work ends
    clock.advance(minutes=20)
    click(qtbot, sidebar, sidebar.end_button)
    click(qtbot, sidebar, sidebar.start_button)
    assert [o.phrase for o in sidebar.offers] == ["accept.sorry_wait"]  # rule 26
    assert "很抱歉，让您久等了。" in [b.full for b in sidebar.offer_box.findChildren(OfferButton)]


def test_helpers_while_serving(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = make(
        qtbot,
        desk,
        {"to": "李科长", "reason": "情绪激动"},
        {
            "need": "养老认证",
            "due": "2026-11-30",
            "name": "王大爷",
            "phone": "13900000000",
            "address": "幸福路1号",
        },
        {"content": "排队时间长", "forwarded_to": "办公室", "deadline": "2026-12-01"},
        {"note": "咨询社保卡补办"},
    )
    click(qtbot, sidebar, sidebar.start_button)
    click(qtbot, sidebar, sidebar.helper_buttons["second"])
    click(qtbot, sidebar, sidebar.helper_buttons["sorry"])
    click(qtbot, sidebar, sidebar.helper_buttons["escalate"])
    click(qtbot, sidebar, sidebar.helper_buttons["home"])
    click(qtbot, sidebar, sidebar.helper_buttons["complaint"])
    assert sidebar.offers[0].phrase == "reception.thanks_opinion"
    # the phone rings while serving: ring timer, answer late, greeting with the window name, 3-minute warning
    click(qtbot, sidebar, sidebar.helper_buttons["call"])
    clock.advance(seconds=7)
    sidebar.tick()
    assert "超过 5 秒" in sidebar.call_panel.text()  # late (3 rings / 5 s), no apology yet
    clock.advance(seconds=2)
    sidebar.tick()
    assert "超过 5 声，接听后先致歉" in sidebar.call_panel.text()  # 9 s: more than 5 rings (rule 29)
    click(qtbot, sidebar, sidebar.helper_buttons["call"])
    assert [o.phrase for o in sidebar.offers][:2] == ["accept.sorry_wait", "phone.greeting"]
    greeting = [b.full for b in sidebar.offer_box.findChildren(OfferButton)]
    assert "您好，这里是社保3号窗口，请问有什么可以帮助您的？" in greeting  # 窗口 not doubled (rule 29)
    assert "您好，这里是社保3号窗口，您可能拨错号码了，请您核对后再拨，谢谢。" in greeting  # rule 32
    assert {"phone.wrong_number", "phone.harassing"} <= {o.phrase for o in sidebar.offers}
    clock.advance(minutes=2, seconds=40)
    sidebar.tick()
    assert "即将满 3 分钟" in sidebar.call_panel.text()
    click(qtbot, sidebar, sidebar.helper_buttons["call"])
    used = [e.payload["phrase"] for e in events(desk, "phrase_used")]
    assert used == ["greet.wait", "reception.apology"]
    assert events(desk, "escalate")[-1].payload == {"interaction": 1, "to": "李科长", "reason": "情绪激动"}
    home = events(desk, "home_service")[-1].payload
    assert home["need"] == "养老认证" and desk.store.person(home["person_id"])["address"] == "幸福路1号"
    assert (home["due"], home["status"]) == ("2026-11-30", "待上门")  # rule 25: a due date and a status
    assert events(desk, "call_start")[-1].payload["late"] is True
    assert events(desk, "call_end")[-1].payload["serving"] is True
    assert events(desk, "complaint")[-1].payload["status"] == "已转交"


def test_fault_mode_long_fault_books_a_follow_up(qtbot, desk, clock):
    ready_desk(desk)
    sidebar = make(
        qtbot, desk, {"fault": "电脑出现故障"}, {"topic": "营业执照变更", "phone": "137", "due": "2026-11-27"}
    )
    click(qtbot, sidebar, sidebar.helper_buttons["fault"])
    assert "对不起，电脑出现故障，正在检修，请稍等。" in [
        b.full for b in sidebar.offer_box.findChildren(OfferButton)
    ]
    clock.advance(minutes=12)
    sidebar.tick()
    assert "另行预约" in sidebar.call_panel.text()
    click(qtbot, sidebar, sidebar.helper_buttons["fault"])
    assert [e.kind for e in events(desk)][-2:] == ["follow_up", "fault_end"]
    assert events(desk, "follow_up")[-1].payload["source"] == "fault"


def test_pause_shows_the_sign_and_resume_hides_it(qtbot, desk):
    ready_desk(desk)
    sidebar = make(qtbot, desk, {"reason": "会议"})
    click(qtbot, sidebar, sidebar.pause_button)
    assert sidebar.pause_sign is not None and sidebar.pause_sign.isVisible()
    assert sidebar.pause_sign.title.text() == "暂停服务" and "会议" in sidebar.pause_sign.detail.text()
    # one screen: the sign covers everything but the sidebar, which stays usable (issue 14 #1)
    assert not sidebar.pause_sign.geometry().intersects(sidebar.frameGeometry())
    assert sidebar.pause_sign.geometry().width() > 0
    assert not sidebar.start_button.isEnabled()
    click(qtbot, sidebar, sidebar.pause_button)
    assert not sidebar.pause_sign.isVisible()
    assert [e.kind for e in events(desk)][-2:] == ["pause", "resume"]


def test_esc_or_a_click_on_the_sign_asks_to_resume(qtbot, desk):
    ready_desk(desk)
    sidebar = make(qtbot, desk, {"reason": "会议"})
    asked = []
    sidebar.confirm = lambda title, question: asked.append(question) or len(asked) > 1
    click(qtbot, sidebar, sidebar.pause_button)
    qtbot.mouseClick(sidebar.pause_sign, Qt.LeftButton)  # "恢复服务？" — no: the sign stays
    assert asked == ["恢复服务？"] and desk.state.pause is not None and sidebar.pause_sign.isVisible()
    with qtbot.waitSignal(sidebar.state_changed):
        qtbot.keyClick(sidebar.pause_sign, Qt.Key_Escape)  # yes
    assert desk.state.pause is None and not sidebar.pause_sign.isVisible()


def test_the_sign_on_a_screen_of_its_own_never_takes_the_focus(qtbot):
    from PySide6.QtCore import QRect

    from ui.panels.pause_sign import PauseSign

    sign = PauseSign()
    qtbot.addWidget(sign)
    screen = QGuiApplication.primaryScreen()
    elsewhere = screen.geometry().translated(screen.geometry().width(), 0)
    sign.show_on(screen, leave=QRect(elsewhere.left(), 0, 300, 700))
    assert sign.windowFlags() & Qt.WindowDoesNotAcceptFocus
    assert sign.geometry() == screen.geometry()


def test_restart_mid_interaction_comes_back_where_it_was(qtbot, desk, store, scripts, clock):
    ready_desk(desk)
    sidebar = make(qtbot, desk)
    click(qtbot, sidebar, sidebar.start_button)
    click(qtbot, sidebar, sidebar.step_buttons["ting"])
    sidebar.close()
    again = Sidebar(Desk(store, scripts, clock))
    qtbot.addWidget(again)
    assert again.step_buttons["ting"].isChecked() and "认真听" in again.prompt.text()
    assert "接待中：第 1 位" in again.status.text()


def test_queue_adapter_sets_the_waiting_count(qtbot, desk, tmp_path):
    ready_desk(desk)
    path = tmp_path / "queue.json"
    path.write_text(json.dumps({"windows": {"社保3号窗口": 4}}), encoding="utf-8")
    sidebar = make(qtbot, desk, queue=FileQueue(path, "社保3号窗口"))
    sidebar.poll_queue_now()
    assert desk.state.waiting == 4 and events(desk, "waiting_set")[-1].payload == {"count": 4}


def test_phrase_panel_replaces_the_simple_list_and_follows_every_outcome(qtbot, desk, tmp_path):
    from tests.fakes.paste import FakeSender
    from ui.panels.phrase_panel import Favourites, PhrasePanel, RecentValues
    from ui.platform.paste import Inserter

    sidebar = make(qtbot, desk)
    panel = PhrasePanel(desk, Inserter(FakeSender()), None, Favourites([]), RecentValues(tmp_path / "r.json"))
    sidebar.set_phrase_panel(panel)
    assert sidebar.phrase_stack.currentWidget() is panel and panel.current_step is None
    ready_desk(desk)
    desk.execute("interaction_start")  # not through the sidebar: the bridge tells every widget
    assert panel.current_step == "ying" and sidebar.step_buttons["ying"].isChecked()


def test_collapse_and_expand(qtbot, desk):
    sidebar = make(qtbot, desk)
    with qtbot.waitSignal(sidebar.collapse_requested):
        qtbot.mouseClick(sidebar.collapse_button, Qt.LeftButton)
    assert sidebar.collapsed and sidebar.strip.isVisible() and not sidebar.body.isVisible()
    qtbot.mouseClick(sidebar.strip, Qt.LeftButton)
    assert not sidebar.collapsed and sidebar.body.isVisible()


@pytest.mark.parametrize("count", [0])
def test_waiting_never_below_zero(qtbot, desk, count):
    sidebar = make(qtbot, desk)
    click(qtbot, sidebar, sidebar.waiting_minus)
    assert desk.state.waiting == count


def test_return_with_a_fault_the_clerk_types(qtbot, desk, clock):
    """Rule 22: 其他…… (the seed's open "……") takes the clerk's words; ticked but left empty, nothing is recorded."""
    ready_desk(desk)
    sidebar = make(
        qtbot,
        desk,
        {"title": "社保登记", "faults": "其他……", "other": ""},
        {"title": "社保登记", "faults": "未填、其他……", "other": "照片不合格"},
    )
    click(qtbot, sidebar, sidebar.start_button)
    qtbot.mouseClick(sidebar.outcome_buttons["退回"], Qt.LeftButton)
    assert "请填写" in sidebar.message.text() and events(desk, "matter") == []
    click(qtbot, sidebar, sidebar.outcome_buttons["退回"])
    assert events(desk, "matter")[-1].payload["faults"] == ["未填", "照片不合格"]
    assert sidebar.offers[0].values == {"问题": "未填、{其他问题}", "其他问题": "照片不合格"}


def test_checklist_reminder_before_opening_then_on_time_or_late(qtbot, desk, clock):
    """Issue 14 #17: the sidebar reminds before opening and says after submitting whether it was on time."""
    sidebar = make(qtbot, desk)
    desk.execute("sign_in", {"clerk": "A0123", "role": "窗口人员", "window": "社保3号窗口"})
    sidebar.tick()  # 08:40: too early to remind
    assert "班前检查" not in sidebar.call_panel.text()
    clock.advance(minutes=6)  # 08:46, opening at 09:00: due by 08:55
    sidebar.tick()
    assert "请在 08:55 前完成班前检查（还有 9 分钟" in sidebar.call_panel.text()
    for item in desk.scripts.checklist.items:
        desk.execute("checklist_item", {"item": item.id, "ok": True})
    clock.advance(minutes=12)  # 08:58
    sidebar.tick()
    assert "班前检查已超过 08:55 的期限 3 分钟" in sidebar.call_panel.text()
    with qtbot.waitSignal(sidebar.state_changed):
        desk.execute("checklist_submit")
    assert sidebar.message.text() == "班前检查已提交：晚了 3 分钟（应在 08:55 前完成，第 19 条）。"
    sidebar.tick()
    assert "班前检查" not in sidebar.call_panel.text()


def test_offers_show_the_filled_sentence_and_never_move_under_the_pointer(qtbot, desk, clock):
    """Issue 14 #10: no raw template, the whole sentence on hover, a used offer stays where it was."""
    ready_desk(desk)
    sidebar = make(qtbot, desk, {"title": "社保登记", "faults": "未签章"})
    sidebar.resize(340, 900)
    click(qtbot, sidebar, sidebar.start_button)
    desk.execute("call_ring")
    clock.advance(seconds=9)
    click(qtbot, sidebar, sidebar.helper_buttons["call"])
    buttons = sidebar.offer_box.findChildren(OfferButton)
    assert all("{" not in b.full and "{" not in b.text() for b in buttons)
    assert all(b.full in b.toolTip() and b.accessibleName() == "插入：" + b.full for b in buttons)
    long = max(buttons, key=lambda b: len(b.full))
    assert long.text().endswith("…") and long.text() != long.full  # elided to the width, not cut off
    places = [b.geometry() for b in buttons]
    click(qtbot, sidebar, buttons[0])
    assert [b.geometry() for b in sidebar.offer_box.findChildren(OfferButton)] == places
    assert not buttons[0].isEnabled() and all(b.isEnabled() for b in buttons[1:])
