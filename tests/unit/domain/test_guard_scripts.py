"""A hall's phrases.toml faces the same taboo guard (rule 60): a taboo phrase is refused at load, with the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config.scripts import default_dir, load_scripts
from assistant.domain.guard import Guard, shared_guard

DEFAULT_PHRASES = default_dir() / "phrases.toml"


def _hall(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PHRASES.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    (tmp_path / "phrases.toml").write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_every_built_in_phrase_passes_the_guard(scripts):
    guard = Guard.from_scripts(scripts)
    for phrase in scripts.phrases.values():
        assert guard.check(phrase.template) == [], phrase.id
        assert guard.check(phrase.seed) == [], phrase.id
        for field in phrase.fields:
            for option in field.options:
                assert guard.check(option) == [], (phrase.id, option)


def test_a_copy_of_the_defaults_as_hall_file_loads_clean(tmp_path: Path):
    shutil.copy(DEFAULT_PHRASES, tmp_path / "phrases.toml")
    assert load_scripts(tmp_path).problems == ()


@pytest.mark.parametrize(
    ("old", "new", "rule", "field"),
    [
        (
            'template = "请稍候，我们马上为您办理！"',
            'template = "急什么，没看见我一直在忙吗？"',
            "60(9)",
            "template",
        ),
        (
            'template = "请稍候，我们马上为您办理！"',
            'template = "不归我管，你问别人去。"',
            "60(5)",
            "template",
        ),
        ('template = "请稍候，我们马上为您办理！"', 'template = "您慢走，爱办不办。"', "60(11)", "template"),
        ('seed = "请稍候,我们马上为您办理!"', 'seed = "不知道,你别问我!"', "60(3)", "seed"),
    ],
)
def test_a_taboo_hall_phrase_is_refused_with_file_line_field_and_rule(tmp_path, old, new, rule, field):
    hall = _hall(tmp_path, old, new)
    scripts = load_scripts(hall)
    assert len(scripts.problems) == 1
    problem = scripts.problems[0]
    assert problem.file == str(hall / "phrases.toml")
    assert problem.line == _line_of(hall / "phrases.toml", new)
    assert problem.field == f"phrase[2].{field}"
    assert rule in problem.message and "第 60 条" in problem.message
    assert "已改用内置的默认文件" in problem.message
    assert "phrases.toml" in str(problem) and f"第 {problem.line} 行" in str(problem)
    # the whole file falls back to the default: the citizen never sees the taboo
    assert scripts.phrases["greet.wait"].template == "请稍候，我们马上为您办理！"
    if rule != "60(9)":
        assert problem.message.count("60(") == 1
    else:  # every hit is named: 急什么 is 60(8), 没看见我一直在忙 is 60(9)
        assert "“急什么”（60(8)）" in problem.message


def test_a_taboo_in_a_choice_option_is_refused(tmp_path):
    hall = _hall(
        tmp_path, 'options = ["电脑出现故障", "网络不好"]', 'options = ["电脑出现故障", "系统坏了，急什么急"]'
    )
    problem = load_scripts(hall).problems[0]
    assert "60(8)" in problem.message and problem.field.endswith("options[2]")


def test_placeholders_are_not_read_as_words(tmp_path):
    # "{上班时间}" as a field name must not read as "等上班" (60(1)); the field stands for a value
    hall = _hall(
        tmp_path,
        'template = "请您到{窗口}窗口办理此项业务！"',
        'template = "请您到{上班时间}窗口办理此项业务！"',
    )
    text = (hall / "phrases.toml").read_text(encoding="utf-8")
    text = text.replace('{ name = "窗口", type = "text"', '{ name = "上班时间", type = "text"', 1)
    (hall / "phrases.toml").write_text(text, encoding="utf-8")
    assert load_scripts(hall).problems == ()


def test_polite_hall_wording_sharing_words_with_taboos_is_accepted(tmp_path):
    hall = _hall(
        tmp_path, 'template = "请稍候，我们马上为您办理！"', 'template = "您先别着急，我帮您查一下。"'
    )
    scripts = load_scripts(hall)
    assert scripts.problems == ()
    assert scripts.phrases["greet.wait"].template == "您先别着急，我帮您查一下。"


def test_the_shared_guard_needs_no_scripts_and_is_built_once():
    assert shared_guard() is shared_guard()
    assert [h.rule for h in shared_guard().check("不会填，找其他人去。")] == ["60(7)"]
