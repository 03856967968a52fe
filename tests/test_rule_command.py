"""Tests for ``derivlint rule``: every rule is documented, and the command shows and lists them."""

from __future__ import annotations

import json

import pytest

from derivlint.catalogue import SECTIONS, find_rule, problems, rule_doc, split_sections
from derivlint.cli import main
from derivlint.rules import all_rules


@pytest.mark.parametrize("code", list(all_rules()))
def test_every_rule_is_documented(code):
    rule = all_rules()[code]
    assert problems(rule) == []
    doc = rule_doc(rule)
    assert [title for title, _ in doc.sections] == list(SECTIONS)
    assert all(body.strip() for _, body in doc.sections)


def test_the_documentation_check_can_fail():
    class Bad:
        """## What it does
        Something.

        ## Example
        ```
        ## not a heading inside a fence
        ```
        """

        code, name, summary, severity = "DL9", "Bad_Name", "two\nlines", "fatal"

    found = problems(Bad)
    assert len(found) == 5
    assert split_sections(Bad.__doc__)[1] == ("Example", "```\n## not a heading inside a fence\n```")


def test_rule_prints_metadata_then_the_sections_in_order(capsys):
    code, rule = next(iter(all_rules().items()))
    assert main(["rule", code.lower()]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{code} {rule.name}\n\n{rule.summary}\n")
    for field in ("severity:", "fixable:", "default enabled:"):
        assert field in out
    positions = [out.index(f"\n{title}\n") for title in SECTIONS]
    assert positions == sorted(positions)
    assert "    " not in out.split(SECTIONS[0])[1].splitlines()[2][:4]  # dedented


def test_rule_by_name_and_as_json(capsys):
    rule = all_rules()["DL101"]
    assert main(["rule", rule.name, "--output-format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["code"] == "DL101" and record["name"] == rule.name
    assert list(record["sections"]) == list(SECTIONS)


def test_unknown_rule_lists_near_matches_and_exits_2(capsys):
    assert main(["rule", "DL10"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule 'DL10'" in err and "DL101" in err
    assert find_rule("unbalanced-delimitr", all_rules())[1] == ["DL101 (unbalanced-delimiter)"]
    assert main(["rule", "zzz"]) == 2


def test_rule_all_lists_every_rule(capsys):
    assert main(["rule", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(all_rules())
    for line, rule in zip(lines, all_rules().values()):
        assert rule.name in line and rule.severity in line and line.endswith(rule.summary)
    assert main(["rule", "--all", "--output-format", "json"]) == 0
    assert [r["code"] for r in json.loads(capsys.readouterr().out)] == list(all_rules())


def test_rule_needs_one_code_or_all(capsys):
    assert main(["rule"]) == 2
    assert main(["rule", "DL101", "--all"]) == 2
    assert "give one rule code, or --all" in capsys.readouterr().err


def test_rule_codes_read_from_module_names_match_the_catalogue():
    from derivlint.rules import all_rules, rule_codes

    assert rule_codes() == tuple(all_rules())  # a module named dlNNN_… defines rule DLNNN
