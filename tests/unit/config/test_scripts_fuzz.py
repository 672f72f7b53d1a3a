"""Hostile hall script files, generated: every one is named in Chinese, and the program goes on with defaults."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config.schema import FILE_NAMES
from assistant.config.scripts import default_dir, load_scripts

CHINESE = re.compile(r"[\u4e00-\u9fff]")

# A TOML value of any type, to drop where the schema wants another.
toml_scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=40).map(
        lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    ),
    st.just("[]"),
    st.just("{}"),
    st.just("1979-05-27T07:32:00Z"),
)


def value_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if re.match(r"^\s*[A-Za-z_]+\s*=", line)]


@st.composite
def broken_file(draw):
    """A default file with one hostile change: a value of the wrong type, a deleted line, junk, bytes, huge text."""
    name = draw(st.sampled_from(FILE_NAMES))
    text = (default_dir() / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    how = draw(
        st.sampled_from(["retype", "delete", "unknown_key", "junk", "bytes", "huge", "code_field", "dup"])
    )
    if how == "retype":
        i = draw(st.sampled_from(value_lines(text)))
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {draw(toml_scalars)}"
    elif how == "delete":
        i = draw(st.sampled_from(value_lines(text)))
        if lines[i].rstrip().endswith(("[", "{")):
            lines[i] = lines[i].split("=", 1)[0] + '= "x"'
            lines.insert(i + 1, "")
        else:
            del lines[i]
    elif how == "unknown_key":
        i = draw(st.sampled_from(value_lines(text)))
        lines.insert(i, f"bogus_{draw(st.integers(0, 99))} = 1")
    elif how == "junk":
        i = draw(st.integers(0, len(lines)))
        lines.insert(i, draw(st.sampled_from(["[[", "= 3", "key = ", '"open', "[table", "x = [1,"])))
    elif how == "huge":
        i = draw(st.sampled_from(value_lines(text)))
        key = lines[i].split("=", 1)[0]
        lines[i] = f'{key}= "{"长" * 200_000}"'
    elif how == "code_field":
        lines = [line.replace("{窗口}", "{__import__('os').system('echo pwned')}") for line in lines]
        if lines == text.splitlines():
            lines.insert(0, 'x = "{__class__}"')
    elif how == "dup":
        i = draw(st.sampled_from(value_lines(text)))
        lines.insert(i, lines[i])
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if how == "bytes":
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(min_size=1, max_size=8).filter(_invalid_utf8)) + data[cut:]
    return name, how, data


def _invalid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_file())
def test_a_hostile_hall_file_is_named_and_the_defaults_take_over(case):
    name, how, data = case
    defaults = load_scripts()
    with tempfile.TemporaryDirectory() as folder:
        hall = Path(folder)
        (hall / name).write_bytes(data)
        scripts = load_scripts(hall)
    mine = [p for p in scripts.problems if Path(p.file).name == name]
    if not mine:
        # Some edits keep the file valid (a value replaced by a value of the right type): then nothing to say.
        assert not scripts.problems, (how, [str(p) for p in scripts.problems])
        return
    assert len(mine) == 1, [str(p) for p in mine]
    problem = mine[0]
    assert problem.line is None or problem.line >= 1
    assert CHINESE.search(problem.message) and name in str(problem)
    assert "pwned" not in repr(scripts.phrases)  # named in the message, never taken in
    # The broken file fell back to the built-in one, whole.
    attribute = {
        "phrases.toml": "phrases",
        "flow.toml": "flow",
        "taboo.toml": "taboo",
        "checklist.toml": "checklist",
        "directory.toml": "directory",
        "hours.toml": "hours",
    }[name]
    assert getattr(scripts, attribute) == getattr(defaults, attribute)
