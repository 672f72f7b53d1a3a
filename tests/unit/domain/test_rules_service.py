"""The service helpers' rules: follow-ups, phone, fault mode, complaints, escalation, home service, internal work."""

from __future__ import annotations

from assistant.domain import service
from assistant.domain.rules import replay
from tests.conftest import ready_desk


def run(desk, kind, data=None):
    outcome = desk.execute(kind, data)
    return outcome


def test_follow_up_needs_topic_and_due_and_keeps_personal_data_out(desk):
    ready_desk(desk)
    assert run(desk, "follow_up", {"topic": "", "due": "2026-11-30"}).refusal.code == "topic_required"
    assert run(desk, "follow_up", {"topic": "政策", "due": "明天"}).refusal.code == "due_required"
    assert run(desk, "follow_up", {"topic": "政策", "due": "2026-11-01"}).refusal.code == "due_past"
    assert (
        run(desk, "follow_up", {"topic": "政策", "due": "2026-11-30", "phone": "1"}).refusal.code
        == "personal_data"
    )
    outcome = run(
        desk, "follow_up", {"topic": "政策", "due": "2026-11-30", "person": {"phone": "13800000000"}}
    )
    payload = outcome.events[0].payload
    assert payload["follow_up"] == 1 and "phone" not in payload and payload["person_id"]
    assert run(desk, "follow_up_close", {"follow_up": 1}).refusal.code == "answer_required"
    assert run(desk, "follow_up_close", {"follow_up": 9, "answer": "x"}).refusal.code == "unknown_follow_up"
    assert run(desk, "follow_up_close", {"follow_up": 1, "answer": "已答复"}).accepted
    assert desk.state.follow_ups == () and desk.state.follow_ups_made == 1


def test_matter_pending_reply_opens_a_follow_up_that_survives_replay(desk, clock):
    ready_desk(desk)
    run(desk, "interaction_start")
    run(desk, "matter", {"title": "退休认定", "outcome": "待答复", "due": "2026-11-28"})
    assert [f.topic for f in desk.state.follow_ups] == ["退休认定"]
    assert replay(desk.store.events()).follow_ups == desk.state.follow_ups
    clock.advance(days=3)
    assert service.overdue(desk.state.follow_ups, clock.now().date())[0].topic == "退休认定"
    assert (
        run(desk, "follow_up_close", {"follow_up": 1, "answer": "已答复"}).events[0].payload["late"] is True
    )


def test_call_answered_late_while_serving_warns_before_three_minutes(desk, clock, scripts):
    ready_desk(desk)
    run(desk, "interaction_start")
    assert run(desk, "call_end").refusal.code == "no_call"
    run(desk, "call_ring")
    clock.advance(seconds=4)
    assert not service.ring_late(desk.state, clock.now(), scripts)
    clock.advance(seconds=2)
    start = run(desk, "call_start").events[0].payload
    assert start == {"serving": True, "ring_seconds": 6.0, "late": True, "apology": False, "interaction": 1}
    assert run(desk, "call_ring").refusal.code == "call_open"
    clock.advance(minutes=2)
    assert service.call_warning(desk.state, clock.now(), scripts) is None
    clock.advance(seconds=35)
    assert "即将满 3 分钟" in service.call_warning(desk.state, clock.now(), scripts)
    clock.advance(seconds=30)
    assert "超过 3 分钟" in service.call_warning(desk.state, clock.now(), scripts)
    end = run(desk, "call_end", {"note": "咨询"}).events[0].payload
    assert end == {"seconds": 185, "serving": True, "over_limit": True, "note": "咨询"}


def test_call_by_ring_count_and_idle_call(desk):
    ready_desk(desk)
    assert run(desk, "call_start", {"rings": 2}).events[0].payload == {
        "serving": False,
        "rings": 2,
        "late": False,
        "apology": False,
    }
    run(desk, "call_end")
    four = run(desk, "call_start", {"rings": 4}).events[0].payload
    assert four["late"] is True and four["apology"] is False  # late, but the apology comes after 5 rings
    run(desk, "call_end")
    assert run(desk, "call_start", {"rings": 6}).events[0].payload["apology"] is True
    assert run(desk, "call_end").events[0].payload == {"seconds": 0, "serving": False}


def test_fault_mode(desk, clock):
    ready_desk(desk)
    assert run(desk, "fault_start", {}).refusal.reason.endswith("（第 24 条）。")
    run(desk, "fault_start", {"fault": "网络不好"})
    assert run(desk, "fault_start", {"fault": "x"}).refusal.code == "fault_open"
    clock.advance(minutes=desk.scripts.hours.thresholds.fault_long_minutes - 1)
    assert not service.fault_is_long(desk.state, clock.now(), desk.scripts)
    clock.advance(minutes=2)
    assert service.fault_is_long(desk.state, clock.now(), desk.scripts)
    assert service.shift_status(desk.state) == "系统故障"
    assert run(desk, "fault_end").events[0].payload == {"fault": "网络不好", "minutes": 11}
    assert run(desk, "fault_end").refusal.code == "no_fault"


def test_complaint_record_and_status(desk):
    ready_desk(desk)
    assert (
        run(desk, "complaint", {"content": "态度", "deadline": "2026-12-01"}).refusal.code
        == "forward_required"
    )
    data = {"content": "排队时间长", "forwarded_to": "办公室", "deadline": "2026-12-01"}
    assert run(desk, "complaint", data).events[0].payload["status"] == "已转交"
    assert run(desk, "complaint_update", {"complaint": 1, "status": "好了"}).refusal.code == "bad_value"
    assert run(desk, "complaint_update", {"complaint": 1, "status": "已办结"}).accepted
    assert desk.state.complaints[0].status == "已办结"


def test_escalation_needs_an_interaction_and_a_person(desk):
    ready_desk(desk)
    assert run(desk, "escalate", {"to": "李科长"}).refusal.code == "no_interaction"
    run(desk, "interaction_start")
    assert run(desk, "escalate", {}).refusal.reason.endswith("（第 27 条）。")
    assert run(desk, "escalate", {"to": "李科长"}).events[0].payload == {
        "interaction": 1,
        "to": "李科长",
        "reason": "",
    }


def test_home_service_keeps_phone_and_address_out_of_events(desk):
    ready_desk(desk)
    assert run(desk, "home_service", {"need": "认证", "address": "幸福路"}).refusal.code == "personal_data"
    outcome = run(
        desk,
        "home_service",
        {"need": "养老认证", "due": "2026-11-30", "person": {"phone": "139", "address": "幸福路1号"}},
    )
    payload = outcome.events[0].payload
    assert set(payload) == {"home_service", "need", "due", "status", "person_id"}
    assert desk.store.person(payload["person_id"])["address"] == "幸福路1号"


def test_internal_work_and_long_previous_interaction_offer_apologies(desk, clock, scripts):
    ready_desk(desk)
    assert run(desk, "internal_end").refusal.code == "no_internal"
    run(desk, "internal_start", {"task": "整理档案"})
    run(desk, "interaction_start")
    assert [o.phrase for o in service.offers_at_start(desk.state, scripts)] == ["greet.wait"]
    run(desk, "internal_end")
    clock.advance(minutes=scripts.hours.thresholds.long_wait_minutes - 1)
    run(desk, "interaction_end")
    run(desk, "interaction_start")
    assert service.offers_at_start(desk.state, scripts) == []  # 14 minutes is not long
    clock.advance(minutes=scripts.hours.thresholds.long_wait_minutes + 1)
    run(desk, "interaction_end")
    run(desk, "interaction_start")
    offers = service.offers_at_start(desk.state, scripts)
    assert [o.phrase for o in offers] == ["accept.sorry_wait"] and "第 26 条" in offers[0].reason
    assert scripts.phrase(offers[0].phrase).template == "很抱歉，让您久等了。"
    assert replay(desk.store.events()).last_served == desk.state.last_served


def test_roles_select_steps_and_phrases(scripts):
    assert [s.name for s in service.role_steps("咨询引导人员", scripts)] == ["迎", "问", "听", "送"]
    assert len(service.role_steps("窗口人员", scripts)) == 6
    assert service.role_phrases("咨询引导人员", "wen", scripts)[0] == "greet.refer"
    phrases = service.role_phrases(None, "wen", scripts)
    assert phrases == scripts.flow.step("wen").phrases
    for role in service.ROLE_PHRASES.values():
        for ids in role.values():
            assert all(p in scripts.phrases for p in ids)


def test_file_queue_adapter(tmp_path):
    from assistant.edges.queue import FileQueue

    path = tmp_path / "q.txt"
    assert FileQueue(path).waiting() is None
    path.write_text("3")
    assert FileQueue(path).waiting() == 3
    path.write_text('{"waiting": 5}')
    assert FileQueue(path).waiting() == 5
    path.write_text('{"windows": {"A": 2}, "waiting": 9}')
    assert FileQueue(path, "A").waiting() == 2 and FileQueue(path, "B").waiting() == 9
    path.write_text("-1")
    assert FileQueue(path).waiting() is None
    path.write_text("garbage")
    assert FileQueue(path).waiting() is None


def test_return_faults_are_the_phrase_own_options(scripts):
    from assistant.domain import service

    choices = service.return_fault_choices(scripts)
    assert choices["缺少……报表"] == "缺少{报表}报表" and choices["资料不全"] == "资料不全"
    assert set(choices.values()) - {"资料不全"} == set(scripts.phrase("return.faults").field("问题").options)
    assert service.return_offer(["资料不全"]).phrase == "return.incomplete"
    offer = service.return_offer(["未签章", "缺少{报表}报表"])
    assert offer.phrase == "return.faults" and offer.values == {"问题": "未签章、缺少{报表}报表"}
    assert "缺少报表" in offer.reason


def test_the_other_fault_is_typed_by_the_clerk_and_said_in_the_phrase(scripts):
    """Rule 22 / 56: the seed ends its list of faults with an open "……" — 其他…… takes the clerk's words."""
    from assistant.domain import service
    from assistant.domain.phrases import render

    assert service.return_fault_choices(scripts)["其他……"] == "{其他问题}"
    assert "请填写" in service.returned(scripts, ["未签章", "其他……"], "  ")
    faults, offer = service.returned(scripts, ["未签章", "其他……"], "照片不合格")
    assert faults == ["未签章", "照片不合格"] and "照片不合格" in offer.reason
    text = render(scripts.phrase(offer.phrase), {**offer.values, "资料": "身份证复印件"})
    assert text == "您提供的身份证复印件资料未签章、照片不合格，请您复核后重新提供，谢谢。"


def test_the_apology_comes_after_more_than_five_rings_in_seconds(desk, clock, scripts):
    """Rule 29: 3 rings or 5 s to answer; more than 5 rings (≈ 8 s, hours.toml apology_seconds) — apologise."""
    assert scripts.hours.thresholds.apology_seconds == 8 and scripts.hours.thresholds.apology_rings == 5
    ready_desk(desk)
    run(desk, "call_ring")
    clock.advance(seconds=8)
    assert service.ring_late(desk.state, clock.now(), scripts)
    assert not service.ring_apology(desk.state, clock.now(), scripts)
    clock.advance(seconds=1)
    assert service.ring_apology(desk.state, clock.now(), scripts)
    assert run(desk, "call_start").events[0].payload["apology"] is True
    assert desk.state.call.apology


# ─── the sidebar's decisions, made in the core (issue 13) ───────────────────────────────────────────


def test_matter_payloads_and_the_sentence_offered(scripts):
    from assistant.domain import service

    payload, offers = service.matter("办结", {"title": "社保登记"}, scripts)
    assert payload == {"title": "社保登记", "outcome": "办结"} and offers == []
    label = service.referral_labels(scripts)[0]
    entry = scripts.directory.entries[0]
    payload, offers = service.matter("转办", {"title": "医保", "to": label}, scripts)
    assert payload == {"title": "医保", "outcome": "转办", "referral": entry.id}
    assert offers[0].phrase == "greet.refer" and offers[0].values == {"窗口": entry.window}
    assert offers[0].details == entry.card()
    assert "不在 directory.toml" in service.matter("转办", {"title": "x", "to": "没有的窗口"}, scripts)
    payload, offers = service.matter("退回", {"title": "社保", "faults": "未签章"}, scripts)
    assert payload["faults"] == ["未签章"] and offers[0].phrase == "return.faults"
    assert service.matter("退回", {"title": "社保", "faults": service.OTHER}, scripts).startswith("选了")
    payload, _ = service.matter("待答复", {"title": "退休", "phone": "139", "due": "2026-12-01"}, scripts)
    assert payload["person"] == {"phone": "139"} and payload["due"] == "2026-12-01"


def test_next_step_follows_the_roles_flow(desk):
    from assistant.domain import service
    from tests.conftest import ready_desk

    ready_desk(desk)
    assert service.next_step(desk.state, desk.scripts) is None  # nobody served
    desk.execute("interaction_start")
    assert service.next_step(desk.state, desk.scripts) == "wen"
    desk.execute("step", {"step": "song"})
    assert service.next_step(desk.state, desk.scripts) is None


def test_the_ring_limits_come_from_hours_toml(desk, clock):
    from dataclasses import replace

    from assistant.domain import service
    from tests.conftest import ready_desk

    hours = desk.scripts.hours
    desk.reload_scripts(
        replace(
            desk.scripts,
            hours=replace(hours, thresholds=replace(hours.thresholds, ring_count=2, apology_rings=4)),
        )
    )
    ready_desk(desk)
    desk.execute("call_ring")
    assert "2 声/5 秒内接听" in service.ring_note(desk.state, clock.now(), desk.scripts)
    clock.advance(seconds=20)
    assert "已超过 4 声" in service.ring_note(desk.state, clock.now(), desk.scripts)
    desk.execute("call_start")
    offers = service.offers_after_answer(desk.state, desk.scripts)
    assert offers[0].reason == "超过 4 声才接听，先致歉（第 29 条）"


def test_the_checklist_result_says_on_time_or_how_late():
    from assistant.domain import service

    on_time = {"late": False, "deadline": "2026-11-27T08:55:00+08:00", "failed": []}
    assert service.checklist_result(on_time) == "班前检查已提交：按时完成（应在 08:55 前完成，第 19 条）。"
    late = {"late": True, "late_minutes": 7, "deadline": "2026-11-27T08:55:00+08:00", "failed": ["printer"]}
    assert service.checklist_result(late) == (
        "班前检查已提交：晚了 7 分钟（应在 08:55 前完成，第 19 条）；1 项不合格，已登记。"
    )


def test_a_guard_suggestion_replaces_the_whole_clause():
    from assistant.domain import service

    text = "这不归我管吧，您去问问别人。"
    start = text.index("不归我管")
    s, e = service.clause_around(text, start, start + 4, "请您到{窗口}窗口办理此项业务！")
    assert text[s:e] == "这不归我管吧，"  # the clause and its comma: the suggestion brings its own "！"
    s, e = service.clause_around(text, start, start + 4, "请您到{窗口}窗口办理此项业务")
    assert text[s:e] == "这不归我管吧"
