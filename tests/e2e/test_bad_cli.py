"""Bad command-line input (issue 8): every sub-command, given hostile arguments, exits 2 with a Chinese message
on stderr and never a traceback.

Two layers:

* a table of hand-picked cases per sub-command, each run as a real process (missing arguments, unknown
  options, bad dates, files that do not exist, a folder where a file is expected and the reverse, invalid
  UTF-8 files and arguments, huge numbers); the table must name every sub-command `main.py --help` lists;
* hypothesis, in-process through ``main.main``: generated unknown options, non-dates and dates out of
  range, non-numbers and huge numbers, unknown ids, random bytes as a replay file.

Cases that are not errors by design are listed apart (ACCEPTED): a scripts folder that does not exist runs on
the built-in defaults with a Chinese warning (issue 8, "the program runs on the defaults"); a replay line
whose values the rules refuse is a refusal in the results, not bad input.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import io
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import main as entry
from assistant.store.event_log import EventStore
from tests.conftest import ROOT

CASES_RUN = {"process": 0, "hypothesis": 0}


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, str]:
    """Hostile things on disk, and one real (empty) database."""
    root = tmp_path_factory.mktemp("bad-cli")
    (root / "folder").mkdir()
    (root / "afile").write_text("一个文件\n", encoding="utf-8")
    (root / "latin1.jsonl").write_bytes(
        '{"at": "2026-11-26T08:40:00", "cmd": "pause", "reason": "café"}\n'.encode("latin-1")
    )
    (root / "binary.jsonl").write_bytes(bytes(range(256)) * 4)
    (root / "bignum.jsonl").write_bytes(
        b'{"at": "2026-11-26T08:40:00", "cmd": "waiting_set", "count": ' + b"9" * 5000 + b"}\n"
    )
    (root / "deep.jsonl").write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    (root / "year.jsonl").write_text(
        '{"at": "99999-01-01T08:00:00", "cmd": "sign_in", "clerk": "A"}\n', encoding="utf-8"
    )
    (root / "rules.jsonl").write_text(
        '{"at": "2026-11-26T08:40:00", "cmd": "waiting_set", "count": 1e400}\n', encoding="utf-8"
    )
    with EventStore.open(root / "real.db"):
        pass
    return {
        "root": str(root),
        "folder": str(root / "folder"),
        "file": str(root / "afile"),
        "db": str(root / "real.db"),
        "nodir": str(root / "no" / "such" / "place"),
        "under_file": str(root / "afile" / "x.db"),
    }


def _closed_port() -> int:
    """A loopback port nobody listens on (connections are refused at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cases(w: dict[str, str]) -> dict[str, list[list[str]]]:
    """Hostile calls per sub-command; each must exit 2 with a Chinese message and no traceback."""
    db = ["--db", w["db"]]
    dates = ["--from", "2026-11-01", "--to", "2026-11-02"]
    huge = "9" * 40
    nowhere = f"postgresql://postgres@127.0.0.1:{_closed_port()}/hall"
    code = {"h": "127.0.0.1", "p": _closed_port(), "d": "hall", "u": "wa_t_x", "s": "secret", "m": "disable"}
    code_to_nowhere = "WA1-" + base64.urlsafe_b64encode(json.dumps(code).encode()).decode()
    bad_utf8 = "\udcff\udcfe"  # bytes 0xff 0xfe on the command line, as Python receives them
    return {
        "": [
            ["nosuch"],
            ["--lang", "xx", "status"],
            ["--bogus"],
            ["--db"],
            ["--db", w["folder"], "status"],
            ["--db", w["under_file"], "status"],
            ["--db", bad_utf8, "status"],
        ],
        "phrases": [
            ["phrases", "--category", "不存在的类别"],
            ["phrases", "--bogus"],
            ["phrases", "--search"],
            ["phrases", "--json=1"],
            ["phrases", "--search", bad_utf8],
        ],
        "say": [
            ["say"],
            ["say", "你好"],
            ["say", "你好", "--out"],
            ["say", "   ", "--out", w["root"] + "/s.wav"],
            ["say", "你好", "--out", w["folder"]],
            ["say", "你好", "--out", w["under_file"]],
            ["say", bad_utf8, "--out", w["root"] + "/s.wav"],
            ["say", "你好", "--care=3", "--out", "x.wav"],
        ],
        "render": [
            ["render"],
            ["render", "no.such.phrase"],
            ["render", "greet.refer", "--set", "没有等号"],
            ["render", "greet.refer", "--set", "=值"],
            ["render", huge],
            ["render", bad_utf8],
            ["render", "greet.refer", "--set", "窗口=" + bad_utf8],
        ],
        "verify-log": [
            ["verify-log", "extra"],
            [*db[:0], "--db", w["folder"], "verify-log"],
            ["--db", w["under_file"], "verify-log"],
            ["verify-log", "--bogus"],
            ["verify-log", "--key", w["root"] + "/missing.json"],
            ["verify-log", "--key", w["file"]],
            ["verify-log", "--key", w["folder"]],
            ["verify-log", "--anchor", "12"],
            ["verify-log", "--anchor", "0:" + "a" * 64],
            ["verify-log", "--anchor", "3:xyz"],
        ],
        "seal": [
            ["seal"],
            ["seal", "init"],
            ["seal", "start", "--out", "k.json"],
            [*db, "seal", "init", "--out", w["folder"]],
            [*db, "seal", "init", "--out", w["root"] + "/k.json"],
        ],
        "replay": [
            ["replay"],
            ["replay", w["root"] + "/missing.jsonl"],
            ["replay", w["folder"]],
            ["replay", w["under_file"]],
            ["replay", w["root"] + "/latin1.jsonl"],
            ["replay", w["root"] + "/binary.jsonl"],
            ["replay", w["root"] + "/bignum.jsonl"],
            ["replay", w["root"] + "/deep.jsonl"],
            ["replay", w["root"] + "/year.jsonl"],
            ["replay", w["file"]],
            ["replay", w["root"] + "/rules.jsonl", "--db", w["folder"]],
            ["replay", "-", "--bogus"],
        ],
        "status": [["status", "--bogus"], ["status", "extra"], ["--db", w["folder"], "status"]],
        "lint": [["lint"], ["lint", "文字", "--jsonl"], ["lint", "--bogus"], ["lint", bad_utf8]],
        "export": [
            ["export"],
            ["export", *dates],
            ["export", *dates, "--format", "doc", "--out", "x"],
            ["export", "--from", "2026-13-45", "--to", "2026-11-02", "--format", "csv", "--out", "x"],
            ["export", "--from", "昨天", "--to", "2026-11-02", "--format", "csv", "--out", "x"],
            ["export", "--from", "0001-01-01", "--to", "9999-12-31", "--format", "csv", "--out", "x"],
            ["export", "--from", huge, "--to", "2026-11-02", "--format", "csv", "--out", "x"],
            ["export", "--from", "2026-11-03", "--to", "2026-11-02", "--format", "csv", "--out", "x"],
            [*db, "export", *dates, "--format", "csv", "--out", w["file"]],
            [*db, "export", *dates, "--format", "xlsx", "--out", w["folder"]],
            [*db, "export", *dates, "--format", "xlsx", "--out", w["under_file"] + ".xlsx"],
            [*db, "export", *dates, "--format", "csv", "--out", w["root"] + "/t", "--tables", "不存在"],
            [*db, "export", *dates, "--format", "csv", "--out", w["root"] + "/u", "--unmasked"],
            ["export", "--f", "2026-11-01"],
        ],
        "lead-pin": [
            ["lead-pin"],
            ["lead-pin", "reset"],
            ["lead-pin", "set"],
            ["lead-pin", "change"],
            ["lead-pin", "set", "extra"],
        ],
        "review": [["review", "--bogus"], ["review", "extra"]],
        "demo-data": [
            ["demo-data", "--days", huge],
            ["demo-data", "--days", "0"],
            ["demo-data", "--days", "abc"],
            ["demo-data", "--windows", "-1"],
            ["demo-data", "--end", "2026-02-30"],
            ["demo-data", "--end", "0001-01-01"],
            ["demo-data", "--seed", "1e400"],
            ["--db", w["folder"], "demo-data", "--days", "1"],
            ["--db", w["under_file"], "demo-data", "--days", "1"],
        ],
        "purge-personal": [
            ["purge-personal", "--before", "上个月"],
            ["purge-personal", "--before", "2026-02-30"],
            ["purge-personal", "--before", "9999-12-31"],
            ["purge-personal", "--before", huge],
            ["--db", w["root"] + "/missing.db", "purge-personal"],
            ["--db", w["folder"], "purge-personal"],
            [*db, "purge-personal"],
            ["purge-personal", "--bogus"],
        ],
        "privacy-notice": [["privacy-notice", "extra"], ["privacy-notice", "--bogus"]],
        "diagnostics": [["diagnostics", "extra"], ["diagnostics", "--bogus"]],
        "correction": [
            ["correction"],
            ["correction", "1"],
            ["correction", "0", "--reason", "错了"],
            ["correction", "-5", "--reason", "错了"],
            ["correction", huge, "--reason", "错了"],
            ["correction", "一", "--reason", "错了"],
            [*db, "correction", "999999", "--reason", "错了"],
            ["--db", w["root"] + "/missing.db", "correction", "1", "--reason", "错了"],
            [*db, "correction", "1", "--reason", "错了", "--set", "没有等号"],
            ["--db", w["folder"], "correction", "1", "--reason", "错了"],
        ],
        "hall": [
            ["hall"],
            ["hall", "bogus"],
            ["hall", "init"],
            ["hall", "init", "mysql://h/db"],
            ["hall", "init", "postgresql://postgres:pw@127.0.0.1/db"],
            ["hall", "init", nowhere],
            ["hall", "enrol", nowhere],
            ["hall", "enrol", "--window", "W", "--sslmode", "bogus", nowhere],
            ["hall", "enrol", "--window", "W", "--port", "x", nowhere],
            ["hall", "enrol", "--window", "W", nowhere],
            ["hall", "lead", "Bad Name", nowhere],
            ["hall", "join"],
            ["hall", "join", "garbage"],
            ["hall", "join", "WA1-!!!"],
            ["hall", "join", "WA1-" + base64.urlsafe_b64encode(b'{"h": "x", "p": "x"}').decode()],
            ["hall", "join", code_to_nowhere],
            ["hall", "join", code_to_nowhere, "--ca", w["root"] + "/missing.crt"],
            ["--db", w["under_file"], "hall", "join", code_to_nowhere],
            ["hall", "status"],
            ["hall", "status", nowhere],
            ["hall", "status", "postgresql://lead@h/db?password=pw"],
        ],
    }


def _accepted(w: dict[str, str]) -> list[tuple[list[str], int]]:
    """Not errors by design: they run on, with a Chinese word on stderr (or a refusal in the results)."""
    return [
        (["--scripts", w["file"], "phrases", "--category", "问候"], 0),
        (["--scripts", w["nodir"], "privacy-notice"], 0),
        (["replay", w["root"] + "/rules.jsonl"], 0),
    ]


def run(args: list[str], data: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WA_NO_VENV": "1", "WA_DATA_DIR": data, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("WA_LEAD_PIN", None)
    env.pop("WA_LEAD_PIN_OLD", None)
    argv = [a.encode("utf-8", "surrogateescape") for a in args]
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *argv],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
        cwd=data,
    )


def _listed_subcommands() -> set[str]:
    text = run(["--help"], str(ROOT)).stdout.decode("utf-8")
    block = text.split("子命令", 2)[-1]
    return {m[1] for m in re.finditer(r"^\s{4}([a-z][a-z-]+)\s", block, re.MULTILINE)}


def test_the_table_covers_every_subcommand(world):
    listed = _listed_subcommands()
    assert {
        "phrases",
        "say",
        "render",
        "verify-log",
        "replay",
        "status",
        "lint",
        "export",
        "lead-pin",
        "review",
        "demo-data",
        "purge-personal",
        "privacy-notice",
        "correction",
        "seal",
        "diagnostics",
    } <= listed
    assert set(_cases(world)) - {""} == listed


@pytest.mark.parametrize(
    "command",
    [
        "",
        "phrases",
        "say",
        "render",
        "verify-log",
        "replay",
        "status",
        "lint",
        "export",
        "lead-pin",
        "review",
        "demo-data",
        "purge-personal",
        "privacy-notice",
        "correction",
        "hall",
        "seal",
    ],
)
def test_hostile_arguments_exit_2_in_chinese(world, command):
    cases = _cases(world)[command]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda args: run(args, world["root"]), cases))
    CASES_RUN["process"] += len(cases)
    bad = []
    for args, result in zip(cases, results, strict=True):
        err = result.stderr.decode("utf-8", "replace")
        if result.returncode != 2 or "Traceback" in err or not has_chinese(err):
            bad.append(f"{args}: exit {result.returncode}: {err[-400:]}")
    assert not bad, "\n".join(bad)


def test_cases_that_run_on_by_design(world):
    for args, code in _accepted(world):
        result = run(args, world["root"])
        err = result.stderr.decode("utf-8", "replace")
        out = result.stdout.decode("utf-8", "replace")
        CASES_RUN["process"] += 1
        assert result.returncode == code and "Traceback" not in err, (args, err)
        assert has_chinese(err) or "被拒绝" in out, (args, err, out)


# ─── generated: in-process through main.main ───────────────────────────────────────────────────────────────


def call(argv: list[str]) -> tuple[int, str]:
    """exit code and stderr of `main.py ARGV`, run in this process."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = entry.main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    CASES_RUN["hypothesis"] += 1
    return code, err.getvalue()


@pytest.fixture(scope="module")
def data_dir(world):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WA_DATA_DIR", world["root"])
        mp.delenv("WA_LEAD_PIN", raising=False)
        yield world


def assert_usage(argv: list[str]) -> None:
    code, err = call(argv)
    assert code == 2 and has_chinese(err) and "Traceback" not in err, (argv, code, err)


SUBCOMMANDS = [
    "phrases",
    "say",
    "render",
    "verify-log",
    "replay",
    "status",
    "lint",
    "export",
    "lead-pin",
    "review",
    "demo-data",
    "purge-personal",
    "privacy-notice",
    "correction",
    "hall",
    "seal",
    "diagnostics",
]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_not_a_date = _text.filter(lambda t: not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.strip()))
_far_date = st.dates(min_value=date(1, 1, 1), max_value=date(1899, 12, 31)) | st.dates(
    min_value=date(3000, 1, 1)
)
_huge = st.integers(min_value=10**6, max_value=10**80) | st.integers(max_value=0, min_value=-(10**80))


@FUZZ
@given(
    command=st.sampled_from(SUBCOMMANDS),
    option=st.from_regex(r"--zz[a-z0-9-]{0,12}", fullmatch=True),
    value=_text,
)
def test_generated_unknown_options(data_dir, command, option, value):
    assert_usage([command, option, value])


@FUZZ
@given(
    where=st.sampled_from(
        [("export", "--from"), ("export", "--to"), ("demo-data", "--end"), ("purge-personal", "--before")]
    ),
    value=_not_a_date | _far_date.map(date.isoformat),
)
def test_generated_bad_dates(data_dir, where, value):
    assume(not value.startswith("-"))
    command, option = where
    rest = {"export": ["--from", "2026-11-01", "--to", "2026-11-02", "--format", "csv", "--out", "x"]}.get(
        command, []
    )
    argv = [command, *rest, option, value]
    assert_usage(argv)


@FUZZ
@given(
    option=st.sampled_from(["--days", "--windows"]),
    value=_huge.map(str) | _text.filter(lambda t: not t.strip().lstrip("+-").isdigit()),
)
def test_generated_bad_numbers(data_dir, option, value):
    assert_usage(["demo-data", f"{option}={value}"])


@FUZZ
@given(event=_huge.map(str) | _text.filter(lambda t: not (t.isascii() and t.isdigit())), reason=_text)
def test_generated_bad_corrections(data_dir, event, reason):
    assert_usage(["--db", data_dir["db"], "correction", "--reason", reason or "错了", "--", event])


@FUZZ
@given(reason=st.text(st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), max_size=40))
def test_generated_reasons_without_chinese(data_dir, reason):
    assume(not reason.startswith("-"))
    with EventStore.open(Path(data_dir["db"])) as store:
        if store.last_id() == 0:
            store.append([("note", {"text": "第一条"})], at=datetime.now().astimezone())
    assert_usage(["--db", data_dir["db"], "correction", "1", "--reason", reason])


@FUZZ
@given(phrase=_text)
def test_generated_unknown_phrase_ids(data_dir, phrase):
    assume(not phrase.startswith("-") and "." not in phrase)
    assert_usage(["render", phrase])


@FUZZ
@given(raw=st.binary(min_size=1, max_size=200))
def test_generated_replay_files(data_dir, raw):
    assume(raw.decode("utf-8", "replace").strip())
    path = Path(data_dir["root"]) / "fuzz.jsonl"
    path.write_bytes(raw)
    assert_usage(["replay", str(path)])


def test_zz_report_how_many_cases_ran(capsys):
    with capsys.disabled():
        print(
            f"\nbad command-line input: {CASES_RUN['process']} process cases, "
            f"{CASES_RUN['hypothesis']} generated in-process cases"
        )
    assert CASES_RUN["hypothesis"] == 0 or CASES_RUN["hypothesis"] >= 60
