"""Filling in phrases: every field type, and a clear error naming the field that is wrong."""

import pytest

from assistant.domain.phrases import RenderError, render, required_fields, search


def test_text_field(scripts):
    assert (
        render(scripts.phrase("greet.refer"), {"窗口": "不动产登记"}) == "请您到不动产登记窗口办理此项业务！"
    )


def test_missing_field_is_named(scripts):
    with pytest.raises(RenderError) as err:
        render(scripts.phrase("greet.refer"), {})
    assert "窗口" in str(err.value) and "greet.refer" in str(err.value)
    assert err.value.field == "窗口"


def test_unknown_field_is_named(scripts):
    with pytest.raises(RenderError) as err:
        render(scripts.phrase("greet.refer"), {"窗口": "社保", "电话": "1"})
    assert err.value.field == "电话"


def test_choice_with_nested_fields(scripts):
    phrase = scripts.phrase("farewell.accepted")
    choice = next(f for f in phrase.fields if f.type == "choice")
    by_date = next(o for o in choice.options if "{日期}" in o)
    text = render(phrase, {choice.name: by_date, "日期": "2026-12-03"})
    assert "将于12月3日前通知您" in text and text.endswith("再见！您慢走！")
    assert required_fields(phrase, {choice.name: by_date}) == [choice.name, "日期"]
    by_days = next(o for o in choice.options if "{天数}" in o)
    assert "在5个工作日内回复您" in render(phrase, {choice.name: by_days, "天数": "5"})
    with pytest.raises(RenderError) as err:
        render(phrase, {choice.name: by_days})
    assert err.value.field == "天数"


def test_multiple_choice_joins_with_enumeration_comma(scripts):
    phrase = scripts.phrase("return.faults")
    choice = next(f for f in phrase.fields if f.type == "choice")
    assert choice.multiple
    plain = [o for o in choice.options if "{" not in o][:2]
    values = {
        f.name: "示例" for f in phrase.fields if f.type == "text" and "{" + f.name + "}" in phrase.template
    }
    text = render(phrase, {**values, choice.name: ",".join(plain)})
    assert "、".join(plain) in text
    with pytest.raises(RenderError):
        render(phrase, {**values, choice.name: "随便写"})


@pytest.mark.parametrize("bad", ["12/03", "2026-13-01", ""])
def test_bad_date_is_refused(scripts, bad):
    phrase = scripts.phrase("farewell.accepted")
    choice = next(f for f in phrase.fields if f.type == "choice")
    by_date = next(o for o in choice.options if "{日期}" in o)
    with pytest.raises(RenderError):
        render(phrase, {choice.name: by_date, "日期": bad})


def test_every_default_phrase_renders_with_sample_values(scripts):
    samples = {"text": "样例", "date": "2026-12-01", "working-days": "3", "number": "7"}
    for phrase in scripts.phrases.values():
        values = {}
        for field in phrase.fields:
            values[field.name] = field.options[0] if field.type == "choice" else samples[field.type]
        text = render(phrase, values)
        assert "{" not in text and "}" not in text, phrase.id


def test_search_by_text_and_category(scripts):
    assert [p.id for p in search(scripts.phrases.values(), "稍候", "问候")] == [
        "greet.wait",
        "greet.rest_area",
    ]
    assert all(p.category == "退回" for p in search(scripts.phrases.values(), "", "退回"))
    assert search(scripts.phrases.values(), "不存在的词") == []


def test_the_phone_greeting_does_not_double_the_word_window(scripts):
    greeting = scripts.phrase("phone.greeting")
    assert render(greeting, {"窗口": "社保3号窗口"}) == "您好，这里是社保3号窗口，请问有什么可以帮助您的？"
    assert (
        render(greeting, {"窗口": "市医疗保障局"})
        == "您好，这里是市医疗保障局办事窗口，请问有什么可以帮助您的？"
    )
    assert render(scripts.phrase("greet.refer"), {"窗口": "5号窗口"}) == "请您到5号窗口办理此项业务！"
