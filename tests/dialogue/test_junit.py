"""`coach test ... --junit FILE`: JUnit XML whose structure holds and whose counts are right."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli
from bot.dialogue.engine import Engine
from bot.nlu.data import load_nlu
from bot.nlu.evaluate import evaluate
from bot.testing import Case, Suite, write_junit

NON_NEGATIVE = ("tests", "failures", "errors", "skipped")


def check_junit(path: Path) -> ET.Element:
    """The JUnit structure (what CI tools read), checked element by element: a <testsuites> root
    with tests/failures/errors totals, <testsuite> children whose counts match their <testcase>s,
    each case with classname, name and time, a failure with a message; returns the root."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = list(root)
    assert suites and all(s.tag == "testsuite" for s in suites)
    for suite in suites:
        assert suite.get("name")
        cases = list(suite)
        assert all(c.tag == "testcase" for c in cases)
        for attr in NON_NEGATIVE:
            assert int(suite.get(attr, "-1")) >= 0, attr
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(c.find("failure") is not None for c in cases)
        assert float(suite.get("time", "-1")) >= 0
        for case in cases:
            assert case.get("classname") and case.get("name") is not None
            assert float(case.get("time", "-1")) >= 0
            children = list(case)
            assert all(ch.tag in ("failure", "error", "skipped", "system-out", "system-err")
                       for ch in children)
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message") and failure.get("type")
    assert int(root.get("tests", "-1")) == sum(int(s.get("tests", "0")) for s in suites)
    assert int(root.get("failures", "-1")) == sum(int(s.get("failures", "0")) for s in suites)
    assert int(root.get("errors", "-1")) == 0
    return root


def test_junit_counts_and_escaping(tmp_path: Path) -> None:
    suites = [Suite(name="a", cases=[Case(classname="a.x", name="ok"),
                                     Case(classname="a.x", name="bad <&> \x00", failure="why\nmore")]),
              Suite(name="b", cases=[Case(classname="b.y", name="also bad", failure="no")])]
    root = check_junit(write_junit(suites, tmp_path / "out" / "j.xml"))
    assert (root.get("tests"), root.get("failures")) == ("3", "2")
    bad = root.find("testsuite/testcase[@name='bad <&> ']")
    assert bad is not None and bad.find("failure").get("message") == "why"


def test_the_check_catches_a_wrong_count(tmp_path: Path) -> None:
    path = write_junit([Suite(name="a", cases=[Case(classname="a", name="x", failure="f")])],
                       tmp_path / "j.xml")
    path.write_text(path.read_text().replace('failures="1"', 'failures="0"', 1))
    with pytest.raises(AssertionError):
        check_junit(path)


@pytest.fixture()
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`coach` in-process, on the session's engine (no second model load)."""
    monkeypatch.setattr(bot.cli, "_engine", lambda store_kind=None: engine)
    return CliRunner()


def test_cli_conversations_junit_counts_a_failing_conversation(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "conversations"
    folder.mkdir()
    (folder / "two.yml").write_text("""conversations:
  - name: passes
    turns:
      - user: how long should i rest between sets for size
        action: action_answer_topic
  - name: wrong action
    turns:
      - user: how long should i rest between sets for size
        action: action_exercise_steps
""")
    junit = tmp_path / "conv.xml"
    result = cli.invoke(bot.cli.app, ["test", "conversations", "--conversations", str(folder),
                                      "--junit", str(junit)])
    assert result.exit_code == 1, result.output
    root = check_junit(junit)
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    failed = root.find("testsuite/testcase[@name='wrong action']/failure")
    assert failed is not None and "action_exercise_steps" in failed.get("message", "")


def test_cli_nlu_junit_has_one_case_per_example_and_counts_misses(cli: CliRunner, engine: Engine,
                                                                  tmp_path: Path) -> None:
    held_out = tmp_path / "nlu_test.yml"
    held_out.write_text("""version: "3.1"
nlu:
- intent: ask_rest
  examples: |
    - how long should i rest between sets
    - rest time between sets for size
- intent: greet
  examples: |
    - how many sets per week should i do
    - what is hypertrophy
    - hello there
""")  # the two middle greet examples are labelled wrong on purpose
    junit = tmp_path / "nlu.xml"
    result = cli.invoke(bot.cli.app, ["test", "nlu", "--data", str(held_out), "--out",
                                      str(tmp_path / "reports"), "--junit", str(junit)])
    assert result.exit_code == 0, result.output
    root = check_junit(junit)
    cases = root.findall("testsuite[@name='nlu']/testcase")
    assert len(cases) == 5
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert {"how many sets per week should i do", "what is hypertrophy"} <= failed
    report, _ = evaluate(engine.interpreter, load_nlu(held_out))
    assert int(root.get("failures", "-1")) == len(failed) == len(report.errors)
