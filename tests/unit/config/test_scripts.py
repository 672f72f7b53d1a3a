"""Tests of assistant/config/ and the built-in scripts_zh/*.toml."""

from __future__ import annotations

import datetime
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config.schema import FILE_NAMES, Phrase, ScriptProblem, Scripts
from assistant.config.scripts import default_dir, load_scripts

SEED = Path(__file__).parents[4] / "shared" / "seed" / "000_6370d2def8d0f562.txt"
CJK = re.compile(r"[\u4e00-\u9fff]")
ATTR = {
    "phrases.toml": "phrases",
    "flow.toml": "flow",
    "taboo.toml": "taboo",
    "checklist.toml": "checklist",
    "directory.toml": "directory",
    "hours.toml": "hours",
}


@pytest.fixture(scope="module")
def defaults() -> Scripts:
    return load_scripts()


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the regulation text is not beside the repo ({SEED})")
    return SEED.read_text(encoding="utf-8")


# ─── the built-in data ──────────────────────────────────────────────────────────────────────────


def test_defaults_load_without_problems(defaults: Scripts) -> None:
    assert defaults.problems == ()
    assert load_scripts(None).problems == ()


def test_nineteen_phrases_of_rules_52_to_59(defaults: Scripts) -> None:
    standard = [p for p in defaults.phrases.values() if 52 <= p.rule <= 59]
    assert len(standard) == 19
    assert Counter(p.rule for p in standard) == {52: 4, 53: 2, 54: 2, 55: 2, 56: 3, 57: 1, 58: 1, 59: 4}
    expected = {
        52: "问候",
        53: "受理",
        54: "接收",
        55: "办理",
        56: "退回",
        57: "回执",
        58: "告别",
        59: "接待",
    }
    assert all(p.category == expected[p.rule] for p in standard)


def test_every_seed_string_is_verbatim_in_the_regulation(defaults: Scripts) -> None:
    text = seed_text()
    seeds = [p.seed for p in defaults.phrases.values()]
    seeds += [t.seed for t in defaults.taboo] + [i.seed for i in defaults.checklist.items]
    seeds += [s.prompt for s in (*defaults.flow.steps, defaults.flow.close)]
    missing = [s for s in seeds if s not in text]
    assert missing == []


def test_standard_phrases_are_whole_lines_of_the_regulation(defaults: Scripts) -> None:
    # rules 52–59 write one phrase per line; the bracketed situation of rule 59 is split off into `when`
    lines = seed_text().splitlines()
    start, end = lines.index("52.问候"), lines.index("(二)服务忌语")
    phrase_lines = [ln for ln in lines[start:end] if not re.fullmatch(r"5\d\.\S{2}", ln)]
    ours = [
        (f"({p.when})" if p.when else "") + p.seed for p in defaults.phrases.values() if 52 <= p.rule <= 59
    ]
    assert ours == phrase_lines


def test_templates_use_full_width_punctuation(defaults: Scripts) -> None:
    for phrase in defaults.phrases.values():
        texts = [phrase.template] + [o for f in phrase.fields for o in f.options]
        for text in texts:
            assert not set(text) & set(",!?:()"), (phrase.id, text)
            assert "..." not in text and "…" not in text, (phrase.id, text)


def test_template_fields_are_declared_and_used(defaults: Scripts) -> None:
    for phrase in defaults.phrases.values():
        used = set(re.findall(r"\{([^{}]+)\}", phrase.template))
        for f in phrase.fields:
            for option in f.options:
                used |= set(re.findall(r"\{([^{}]+)\}", option))
        assert used == {f.name for f in phrase.fields}, phrase.id


def test_choice_fields_of_rules_55_56_58(defaults: Scripts) -> None:
    faults = defaults.phrase("return.faults").field("问题")
    assert faults is not None and faults.type == "choice" and faults.multiple
    # the seed's last "……" is a fault of the clerk's own words (rule 22)
    assert faults.options == (
        "未填",
        "未签章",
        "缺少{报表}报表",
        "计算有误",
        "数据与{对照资料}资料不符",
        "{其他问题}",
    )
    farewell = defaults.phrase("farewell.accepted")
    assert farewell.field("通知方式").options == ("将于{日期}前通知您", "在{天数}个工作日内回复您")
    assert farewell.field("日期").type == "date"
    assert farewell.field("天数").type == "working-days"
    assert defaults.phrase("receive.reply_days").field("天数").type == "number"
    assert defaults.phrase("handle.fault").field("故障").options == ("电脑出现故障", "网络不好")
    assert defaults.phrase("greet.welcome").field("窗口") is None


def test_bracketed_situation_becomes_when(defaults: Scripts) -> None:
    apology = defaults.phrase("reception.apology")
    assert apology.when == "工作出现差错时"
    assert apology.template == "对不起，是我不对，请原谅，欢迎您多提宝贵意见！"


def test_phone_and_flow_phrases(defaults: Scripts) -> None:
    assert (
        defaults.phrase("phone.greeting").template == "您好，这里是{窗口}办事窗口，请问有什么可以帮助您的？"
    )
    assert defaults.phrase("phone.confirm").template == "您看是这个问题吗？"
    acks = [p.template for p in defaults.phrases.values() if p.category == "流程" and p.rule == 37]
    assert acks == ["我明白了", "我清楚了", "嗯", "是的", "好"]
    assert [defaults.phrase(i).template for i in ("flow.bye", "flow.slow")] == ["再见", "您慢走"]
    # rule 32 gives a way, not words: the seed is the rule's sentence, the template our wording of it
    wrong, harassing = defaults.phrase("phone.wrong_number"), defaults.phrase("phone.harassing")
    assert (wrong.rule, wrong.seed) == (32, "当服务对象打错电话时,应礼貌地做出说明。")
    assert (harassing.rule, harassing.seed) == (32, "遇到骚扰电话时,应严正指出其错误行为,但不能使用脏话。")
    assert "拨错" in wrong.template and "停止拨打" in harassing.template
    with pytest.raises(KeyError):
        defaults.phrase("no.such")


def test_flow_has_six_steps_in_order(defaults: Scripts) -> None:
    flow = defaults.flow
    assert [s.id for s in flow.steps] == ["ying", "wen", "jie", "ting", "di", "song"]
    assert [s.name for s in flow.steps] == list("迎问接听递送")
    assert [s.title for s in flow.steps] == ["微笑迎", "主动问", "礼貌接", "认真听", "礼貌递", "注目送"]
    assert [s.rule for s in flow.steps] == [34, 35, 36, 37, 38, 39]
    assert flow.step("ying").prompt == (
        "服务对象走入视线1米范围内,工作人员应微笑迎接并点头示意,与服务对象目光交流。"
        "工作人员在提供咨询服务时一般应采用站立式。"
    )
    assert (flow.close.id, flow.close.name, flow.close.rule, flow.close.phrases) == ("close", "关闭", 40, ())
    assert flow.step("close") is flow.close
    assert "greet.welcome" in flow.step("ying").phrases and "receipt.done" in flow.step("di").phrases
    with pytest.raises(KeyError):
        flow.step("nope")


def test_flow_prompts_are_the_rules_after_their_titles(defaults: Scripts) -> None:
    lines = seed_text().splitlines()
    for step in (*defaults.flow.steps, defaults.flow.close):
        head = f"{step.rule}.{step.title}。"
        line = next(ln for ln in lines if ln.startswith(head))
        assert step.prompt == line[len(head) :]


def test_taboo_list(defaults: Scripts) -> None:
    assert [t.item for t in defaults.taboo] == list(range(1, 12))
    assert defaults.taboo[0].seed == "还没上班,等等,上班再办!"
    assert defaults.taboo[10].seed == "其他有损人格,伤自尊心、伤感情,易诱发矛盾的不负责任的语言。"
    assert defaults.taboo[2].rule == "60(3)"
    for taboo in defaults.taboo:
        assert taboo.instead and all(i in defaults.phrases for i in taboo.instead)
        assert CJK.search(taboo.advice)


def test_checklist_sections(defaults: Scripts) -> None:
    equipment = defaults.checklist.section("equipment")
    assert [i.id for i in equipment] == ["computer", "printer", "evaluator", "touchscreen", "site"]
    assert all(i.rule == 19 for i in equipment)
    appearance = {i.id for i in defaults.checklist.section("appearance")}
    assert appearance == {
        "badge",
        "uniform",
        "party_badge",
        "suit",
        "shoes",
        "hair",
        "nails",
        "mouth",
        "perfume",
        "men_hair",
        "beard",
        "sideburns",
        "shaved_head",
        "women_hair_makeup",
    }  # rule 45's clauses
    optional = {i.id for i in defaults.checklist.items if i.may_not_apply}
    assert optional == {
        "party_badge",
        "suit",
        "men_hair",
        "beard",
        "sideburns",
        "shaved_head",
        "women_hair_makeup",
    }
    assert defaults.checklist.section("nothing") == ()


def test_directory_is_a_fictitious_sample(defaults: Scripts) -> None:
    assert defaults.directory.sample is True
    assert 6 <= len(defaults.directory.entries) <= 8
    assert all(re.fullmatch(r"0396-000000\d", e.phone) for e in defaults.directory.entries)
    assert all(e.contact for e in defaults.directory.entries)  # rule 10: 联系人
    card = defaults.directory.entries[0].card()
    assert card == "市不动产登记中心 联系人：王老师 电话：0396-0000001 地址：市民服务中心一楼A区1–6号窗口"
    assert len({e.id for e in defaults.directory.entries}) == len(defaults.directory.entries)


def test_hours_and_thresholds(defaults: Scripts) -> None:
    hours = defaults.hours
    monday, saturday = datetime.date(2024, 4, 1), datetime.date(2024, 4, 6)
    assert [(p.start, p.end) for p in hours.periods_on(monday)] == [
        (datetime.time(9), datetime.time(12)),
        (datetime.time(13), datetime.time(17)),
    ]
    assert hours.periods_on(saturday) == ()
    t = hours.thresholds
    assert (
        t.checklist_lead_minutes,
        t.ring_count,
        t.ring_seconds,
        t.call_while_serving_minutes,
        t.long_wait_minutes,
    ) == (5, 3, 5, 3, 15)


def test_problem_str_names_file_line_and_field() -> None:
    problem = ScriptProblem(
        "/hall/scripts/phrases.toml", 12, "phrase[3].template", "模板用到未声明的字段 {材料}"
    )
    assert str(problem) == "phrases.toml 第 12 行，字段 phrase[3].template：模板用到未声明的字段 {材料}"
    assert str(ScriptProblem("/hall/x", None, "", "找不到")) == "x：找不到"


# ─── hall folders ───────────────────────────────────────────────────────────────────────────────


def edit(path: Path, old: str, new: str, count: int = 1) -> str:
    """Replace *old* (which must be there) in a hall file; the new text."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, count)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing *needle*."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


YING = '["greet.welcome", "accept.sorry_wait", "greet.wait", "greet.rest_area"]'
EXTRA_PHRASE = """
[[phrase]]
id = "hall.extra"
category = "问候"
rule = 52
seed = "本大厅自加的用语"
template = "欢迎来到{大厅}！"
fields = [{ name = "大厅", type = "text" }]
"""


@pytest.fixture
def hall(tmp_path: Path) -> Path:
    """A sound hall folder: the built-in files, each with one visible change of the hall's own."""
    folder = tmp_path / "hall"
    folder.mkdir()
    for name in FILE_NAMES:
        shutil.copy(default_dir() / name, folder / name)
    with open(folder / "phrases.toml", "a", encoding="utf-8") as f:
        f.write(EXTRA_PHRASE)
    edit(folder / "flow.toml", YING, '["greet.welcome", "greet.wait"]')
    edit(
        folder / "taboo.toml",
        'advice = "请服务对象在休息区稍候，到点后第一时间为其办理。"',
        'advice = "大厅自定义建议。"',
    )
    with open(folder / "checklist.toml", "a", encoding="utf-8") as f:
        f.write(
            '\n[[item]]\nid = "hall_lamp"\nsection = "equipment"\ntext = "打开叫号屏"\nrule = 19\nseed = "叫号屏"\n'
        )
    edit(folder / "directory.toml", "\nsample = true", "\nsample = false")
    edit(folder / "hours.toml", "long_wait_minutes = 15", "long_wait_minutes = 20")
    return folder


FROM_HALL: dict[str, Callable[[Scripts], bool]] = {
    "phrases.toml": lambda s: "hall.extra" in s.phrases,
    "flow.toml": lambda s: s.flow.step("ying").phrases == ("greet.welcome", "greet.wait"),
    "taboo.toml": lambda s: s.taboo[0].advice == "大厅自定义建议。",
    "checklist.toml": lambda s: any(i.id == "hall_lamp" for i in s.checklist.items),
    "directory.toml": lambda s: s.directory.sample is False,
    "hours.toml": lambda s: s.hours.thresholds.long_wait_minutes == 20,
}


def test_a_sound_hall_folder_is_used_whole(hall: Path) -> None:
    scripts = load_scripts(hall)
    assert scripts.problems == ()
    assert all(from_hall(scripts) for from_hall in FROM_HALL.values())
    assert scripts.phrase("hall.extra").template == "欢迎来到{大厅}！"
    assert list(scripts.phrases)[-1] == "hall.extra"


def test_hall_files_that_are_absent_come_from_the_defaults(hall: Path, defaults: Scripts) -> None:
    (hall / "taboo.toml").unlink()
    (hall / "hours.toml").unlink()
    scripts = load_scripts(hall)
    assert scripts.problems == ()
    assert scripts.taboo == defaults.taboo and scripts.hours == defaults.hours
    assert FROM_HALL["phrases.toml"](scripts) and FROM_HALL["directory.toml"](scripts)


def test_missing_hall_folder_gives_one_problem_and_all_defaults(tmp_path: Path, defaults: Scripts) -> None:
    scripts = load_scripts(tmp_path / "nowhere")
    assert len(scripts.problems) == 1
    problem = scripts.problems[0]
    assert problem.file == str(tmp_path / "nowhere") and problem.line is None
    assert CJK.search(problem.message)
    assert scripts.phrases == defaults.phrases and scripts.flow == defaults.flow
    assert scripts.directory == defaults.directory and scripts.hours == defaults.hours


def test_reference_to_a_phrase_of_a_broken_hall_file_is_the_referrers_problem(hall: Path) -> None:
    edit(hall / "flow.toml", '["greet.welcome", "greet.wait"]', '["greet.welcome", "hall.extra"]')
    assert load_scripts(hall).problems == ()  # sound while the hall phrases load
    edit(hall / "phrases.toml", 'template = "欢迎来到{大厅}！"', 'template = "欢迎来到{大厅}{城市}！"')
    scripts = load_scripts(hall)
    assert [Path(p.file).name for p in scripts.problems] == ["phrases.toml", "flow.toml"]
    flow_problem = scripts.problems[1]
    text = (hall / "flow.toml").read_text(encoding="utf-8")
    assert flow_problem.line == line_of(text, '"hall.extra"')
    assert flow_problem.field == "step[1].phrases[2]"
    assert "hall.extra" in flow_problem.message
    assert "hall.extra" not in scripts.phrases
    assert not FROM_HALL["flow.toml"](scripts) and FROM_HALL["taboo.toml"](scripts)


# Each case breaks one hall file and returns (file name, expected line, expected field).
def break_invalid_utf8(hall: Path) -> tuple[str, int, str]:
    path = hall / "phrases.toml"
    lines = path.read_bytes().split(b"\n")
    lines[2] = b"# \xff\xfe not utf-8"
    path.write_bytes(b"\n".join(lines))
    return "phrases.toml", 3, ""


def break_toml_syntax(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "taboo.toml", "item = 4", "item = = 4")
    return "taboo.toml", line_of(text, "item = = 4"), ""


def break_empty_file(hall: Path) -> tuple[str, int, str]:
    (hall / "hours.toml").write_text("  \n", encoding="utf-8")
    return "hours.toml", 1, ""


def break_wrong_type(hall: Path) -> tuple[str, int, str]:
    text = edit(
        hall / "phrases.toml",
        'id = "greet.wait"\ncategory = "问候"\nrule = 52',
        'id = "greet.wait"\ncategory = "问候"\nrule = "52"',
    )
    return "phrases.toml", line_of(text, 'rule = "52"'), "phrase[2].rule"


def break_missing_key(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "checklist.toml", 'text = "检查打印机"\n', "")
    return "checklist.toml", line_of(text, 'id = "printer"') - 1, "item[2].text"


def break_unknown_key(hall: Path) -> tuple[str, int, str]:
    text = edit(
        hall / "directory.toml", 'phone = "0396-0000003"', 'phone = "0396-0000003"\nfax = "0396-0000009"'
    )
    return "directory.toml", line_of(text, "fax ="), "entry[3].fax"


def break_duplicate_id(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "phrases.toml", 'id = "flow.slow"', 'id = "flow.bye"')
    index = text[: text.index('id = "flow.bye"', text.index('id = "flow.bye"') + 1)].count("[[phrase]]")
    assert index == 31
    last = [n for n, ln in enumerate(text.splitlines(), 1) if ln == 'id = "flow.bye"'][-1]
    return "phrases.toml", last, "phrase[31].id"


def break_undeclared_field(hall: Path) -> tuple[str, int, str]:
    text = edit(
        hall / "phrases.toml",
        'template = "请您到{窗口}窗口办理此项业务！"',
        'template = "请您到{窗口}窗口{楼层}办理此项业务！"',
    )
    return "phrases.toml", line_of(text, "{楼层}"), "phrase[3].template"


def break_unused_field(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "phrases.toml", "您的{材料}资料已受理", "您的资料已受理")
    return "phrases.toml", line_of(text, 'label = "已受理的资料"'), "phrase[7].fields[1].name"


def break_field_type(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "phrases.toml", '{ name = "日期", type = "date"', '{ name = "日期", type = "datum"')
    return "phrases.toml", line_of(text, '"datum"'), "phrase[15].fields[2].type"


def break_leftover_dots(hall: Path) -> tuple[str, int, str]:
    text = edit(
        hall / "phrases.toml",
        'template = "您好！请坐，请问您要办理什么业务？"',
        'template = "您好！请坐，请问您要办理什么......业务？"',
    )
    return "phrases.toml", line_of(text, "什么......业务"), "phrase[1].template"


def break_builtin_id_removed(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "phrases.toml", 'id = "greet.rest_area"', 'id = "greet.rest"')
    return "phrases.toml", line_of(text, "[[phrase]]"), "phrase"


def break_flow_unknown_phrase(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "flow.toml", '  "flow.slow",', '  "flow.slowly",')
    return "flow.toml", line_of(text, '"flow.slowly"'), "step[6].phrases[3]"


def break_flow_step_order(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "flow.toml", 'id = "wen"', 'id = "ask"')
    return "flow.toml", line_of(text, 'id = "ask"'), "step[2].id"


def break_taboo_unknown_phrase(hall: Path) -> tuple[str, int, str]:
    text = edit(
        hall / "taboo.toml",
        'item = 5\nseed = "不归我管,问别人去。"\ninstead = ["greet.refer"]',
        'item = 5\nseed = "不归我管,问别人去。"\ninstead = ["greet.nowhere"]',
    )
    return "taboo.toml", line_of(text, "greet.nowhere"), "taboo[5].instead[1]"


def break_bad_time(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "hours.toml", 'start = "13:00"', 'start = "25:00"')
    return "hours.toml", line_of(text, "25:00"), "period[2].start"


def break_end_before_start(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "hours.toml", 'end = "12:00"', 'end = "08:00"')
    return "hours.toml", line_of(text, '"08:00"'), "period[1].end"


def break_day_type(hall: Path) -> tuple[str, int, str]:
    text = edit(
        hall / "hours.toml",
        'days = [1, 2, 3, 4, 5]\nstart = "13:00"',
        'days = [\n  1,\n  "2",\n]\nstart = "13:00"',
    )
    return "hours.toml", line_of(text, '"2"'), "period[2].days[2]"


def break_threshold_key(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "hours.toml", "ring_count = 3", "ring_count = 3\nring_volume = 3")
    return "hours.toml", line_of(text, "ring_volume"), "thresholds.ring_volume"


def break_crlf_file(hall: Path) -> tuple[str, int, str]:
    path = hall / "hours.toml"
    text = path.read_text(encoding="utf-8").replace('end = "17:00"', 'end = "17:60"')
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return "hours.toml", line_of(text, "17:60"), "period[2].end"


def break_checklist_section(hall: Path) -> tuple[str, int, str]:
    text = edit(
        hall / "checklist.toml", 'id = "badge"\nsection = "appearance"', 'id = "badge"\nsection = "looks"'
    )
    return "checklist.toml", line_of(text, '"looks"'), "item[6].section"


def break_schema_version(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "directory.toml", "schema = 1", "schema = 2")
    return "directory.toml", line_of(text, "schema = 2"), "schema"


def break_directory_duplicate(hall: Path) -> tuple[str, int, str]:
    text = edit(hall / "directory.toml", 'id = "household"', 'id = "tax"')
    last = [n for n, ln in enumerate(text.splitlines(), 1) if ln == 'id = "tax"'][-1]
    return "directory.toml", last, "entry[7].id"


BREAKS = [
    break_invalid_utf8,
    break_toml_syntax,
    break_empty_file,
    break_wrong_type,
    break_missing_key,
    break_unknown_key,
    break_duplicate_id,
    break_undeclared_field,
    break_unused_field,
    break_field_type,
    break_leftover_dots,
    break_builtin_id_removed,
    break_flow_unknown_phrase,
    break_flow_step_order,
    break_taboo_unknown_phrase,
    break_bad_time,
    break_end_before_start,
    break_day_type,
    break_threshold_key,
    break_crlf_file,
    break_checklist_section,
    break_schema_version,
    break_directory_duplicate,
]


@pytest.mark.parametrize("breaker", BREAKS, ids=lambda f: f.__name__.removeprefix("break_"))
def test_broken_hall_file_falls_back_alone(
    hall: Path, defaults: Scripts, breaker: Callable[[Path], tuple[str, int, str]]
) -> None:
    name, line, field = breaker(hall)
    scripts = load_scripts(hall)
    assert len(scripts.problems) == 1, scripts.problems
    problem = scripts.problems[0]
    assert (problem.file, problem.line, problem.field) == (str(hall / name), line, field), str(problem)
    assert CJK.search(problem.message) and problem.message.endswith("已改用内置的默认文件。")
    assert str(problem).startswith(f"{name} 第 {line} 行")
    # the broken file is the built-in one, every other file still comes from the hall
    assert getattr(scripts, ATTR[name]) == getattr(defaults, ATTR[name])
    for other, from_hall in FROM_HALL.items():
        assert from_hall(scripts) == (other != name), other


def test_phrase_field_lookup() -> None:
    phrase = load_scripts().phrase("accept.materials")
    assert isinstance(phrase, Phrase)
    assert [f.name for f in phrase.fields] == ["规定", "材料"]
    assert phrase.field("材料").label == "需提供的资料"
