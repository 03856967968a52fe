"""Tests for the output formats (full, concise, json, sarif, github, gitlab), --statistics and --output-file."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from derivlint import engine
from derivlint.cli import main
from derivlint.engine import FileResult
from derivlint.findings import Finding, Fix
from derivlint.report import Context, render
from derivlint.report import statistics as stats
from derivlint.report.full import caret_line, text_width
from derivlint.report.github import escape_data, escape_property

DATA = Path(__file__).resolve().parent / "data"


def make(path="a.md", line=1, column=1, end_line=None, end_column=None, code="DL101",
         name="unbalanced-delimiter", severity="error", message="msg", fix=None, cell=None) -> Finding:
    return Finding(path, line, column, end_line or line, end_column or column + 1, code, name,
                   severity, message, fix=fix, cell=cell)


# --------------------------------------------------------------------------- full


def test_full_frame_and_caret_under_a_cjk_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = "设 $f = x^T A x$，则梯度为 $A x$。"
    Path("a.md").write_text("# 标题\n\n" + line + "\n")
    start = line.index("A x$。") + 1  # 1-based column of the "A" of the second formula
    f = make(line=3, column=start, end_column=start + 3, message="wrong gradient")
    out = render("full", [f], Context())
    assert out.splitlines() == [
        f"a.md:3:{start}: DL101 [unbalanced-delimiter] wrong gradient",
        "  |",
        f"3 | {line}",
        "  | " + " " * text_width(line[: start - 1]) + "^^^",
        "  |",
    ]
    # 设 and ，则梯度为 are wide: the caret sits 9 columns further right than the character count.
    assert text_width(line[: start - 1]) == (start - 1) + 6


def test_caret_line_widths():
    assert caret_line("ab", 1, 2) == " ^"
    assert caret_line("中文x", 2, 3) == "    ^"
    assert caret_line("中文x", 0, 2) == "^^^^"
    assert caret_line("e\u0301x", 2, 3) == " ^"  # a combining accent takes no column
    assert caret_line("\tx", 1, 2) == "    ^"
    assert caret_line("ab", 5, 5) == "     ^"  # past the end of the line: one caret


def test_full_multi_line_span_and_help_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("b.md").write_text("$$\n\\frac{d}{dx} (x^T x)\n= x\n$$\n")
    fix = Fix("replace with = 2x", "= 2x", 21, 24)
    f = make(path="b.md", line=2, column=14, end_line=3, end_column=4, code="DL301",
             name="wrong-derivative", message="d(x^T x)/dx is 2x, not x", fix=fix)
    lines = render("full", [f], Context()).splitlines()
    assert lines[0] == "b.md:2:14: DL301 [wrong-derivative] d(x^T x)/dx is 2x, not x"
    assert lines[2:6] == [
        "2 | \\frac{d}{dx} (x^T x)",
        "  |              ^^^^^^^",
        "3 | = x",
        "  | ^^^",
    ]
    assert lines[-1] == "  = help: replace with = 2x"


def test_full_frames_the_notebook_cell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nb = {"cells": [{"cell_type": "code", "source": "x = 1"},
                    {"cell_type": "markdown", "source": ["# 梯度\n", "$y = (a$\n"]}], "nbformat": 4}
    Path("n.ipynb").write_text(json.dumps(nb, indent=1))
    f = make(path="n.ipynb", line=2, column=6, cell=2, message="Unclosed '('")
    lines = render("full", [f], Context()).splitlines()
    assert lines[0] == "n.ipynb:cell 2:2:6: DL101 [unbalanced-delimiter] Unclosed '('"
    assert lines[2:4] == ["2 | $y = (a$", "  |      ^"]


def test_full_without_readable_text_gives_the_header_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bin.md").write_bytes(b"\x00\x01")
    f = make(path="bin.md", code="DL100", name="unreadable-file", message="cannot read")
    assert render("full", [f], Context()) == "bin.md:1:1: DL100 [unreadable-file] cannot read"


def test_concise_and_json():
    f = make(line=2, column=3, message="m", cell=4)
    assert render("concise", [f], Context()) == "a.md:cell 4:2:3: DL101 m"
    assert json.loads(render("json", [f], Context())) == [f.to_json()]
    assert render("concise", [], Context()) == ""


# --------------------------------------------------------------------------- sarif


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_sarif_is_valid_against_the_official_schema(tmp_path, monkeypatch, sarif_validator):
    monkeypatch.chdir(tmp_path)
    Path("notes").mkdir()
    Path("notes/中 文.md").write_text("x\n$d(x^T x)/dx = x$\n")
    absolute = str(tmp_path / "abs.tex")
    Path(absolute).write_text("$(a$\n")
    findings = [
        make(path=os.path.join("notes", "中 文.md"), line=2, column=16, end_column=17, code="DL301",
             name="wrong-derivative", message="d(x^T x)/dx is 2x, not x",
             fix=Fix("Replace by the correct derivative", "2x", 17, 18)),
        make(path=absolute, code="DL101", severity="warning", message="Unclosed '('"),
        make(path="n.ipynb", cell=3, line=1, column=2, code="DL102", name="unparsed-math",
             severity="info", message="cannot parse"),
    ]
    log = json.loads(render("sarif", findings, Context()))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert not errors, errors[0]

    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "derivlint" and driver["version"] and driver["informationUri"]
    from derivlint.rules import all_rules
    assert [r["id"] for r in driver["rules"]] == list(all_rules())
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and "What it does" in rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}

    first, second, third = run["results"]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "notes/%E4%B8%AD%20%E6%96%87.md", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 2, "startColumn": 16, "endLine": 2, "endColumn": 17}
    change = first["fixes"][0]["artifactChanges"][0]
    assert first["fixes"][0]["description"]["text"] == "Replace by the correct derivative"
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 2, "startColumn": 16, "endLine": 2, "endColumn": 17},
        "insertedContent": {"text": "2x"},
    }]
    assert second["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": Path(absolute).as_uri()}
    assert third["properties"] == {"cell": 3} and third["message"]["text"].startswith("cell 3: ")
    for result in run["results"]:
        if "ruleIndex" in result:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    assert ("ruleIndex" in first) == ("DL301" in all_rules())  # no index for a rule not (yet) there
    assert second["ruleIndex"] == list(all_rules()).index("DL101")


def test_sarif_without_findings_is_still_a_valid_log(sarif_validator):
    log = json.loads(render("sarif", [], Context()))
    assert not list(sarif_validator.iter_errors(log))
    assert log["runs"][0]["results"] == []


# --------------------------------------------------------------------------- github

# The workflow-command grammar: ::LEVEL key=value,...::data with the runner's escaping.
PROPERTY = r"(?:[^%,:\r\n]|%25|%0D|%0A|%3A|%2C)*"
DATA_RE = r"(?:[^%\r\n]|%25|%0D|%0A)*"
COMMAND = re.compile(
    rf"^::(error|warning|notice) (file={PROPERTY},line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title={PROPERTY})::({DATA_RE})$"
)
SPEC_GRAMMAR = re.compile(
    r"^::(error|warning|notice) (file=[^,]*,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[^:]*)::.*$"
)


def unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def test_github_lines_follow_the_workflow_command_grammar():
    tricky = "100% wrong: a, b\nand c\r"
    findings = [
        make(path="notes/a,b.md", line=3, column=2, end_column=9, message=tricky),
        make(severity="warning", code="DL590", name="unused-suppression", message="unused"),
        make(severity="info", code="DL102", name="unparsed-math", message="x: y", cell=2),
    ]
    lines = render("github", findings, Context()).split("\n")
    assert len(lines) == 3
    for line in lines:
        assert COMMAND.match(line), line
        assert SPEC_GRAMMAR.match(line), line
    first = COMMAND.match(lines[0])
    assert first.group(1) == "error"
    props = dict(part.split("=", 1) for part in first.group(2).split(","))
    assert unescape(props["file"]) == "notes/a,b.md"
    assert (props["line"], props["col"], props["endLine"], props["endColumn"]) == ("3", "2", "3", "9")
    assert unescape(props["title"]) == "DL101 unbalanced-delimiter"
    assert unescape(first.group(3)) == tricky
    assert [COMMAND.match(l).group(1) for l in lines] == ["error", "warning", "notice"]
    assert unescape(COMMAND.match(lines[2]).group(3)) == "cell 2: x: y"


def test_github_escaping_rules():
    assert escape_data("50%\r\n:,") == "50%25%0D%0A:,"
    assert escape_property("50%\r\n:,") == "50%25%0D%0A%3A%2C"


# --------------------------------------------------------------------------- gitlab


def test_gitlab_code_quality_report():
    findings = [
        make(line=3, message="same"),
        make(line=9, message="same"),
        make(line=4, severity="warning", message="other", code="DL590", name="unused-suppression"),
        make(line=5, severity="info", message="info", code="DL102", name="unparsed-math"),
    ]
    issues = json.loads(render("gitlab", findings, Context()))
    assert isinstance(issues, list) and len(issues) == 4
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"blocker", "critical", "major", "minor", "info"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["path"] == "a.md"
    prints = [issue["fingerprint"] for issue in issues]
    assert len(set(prints)) == 4  # two alike findings still differ (by occurrence)
    assert [issue["severity"] for issue in issues] == ["major", "major", "minor", "info"]
    # Lines moved down: the fingerprints stay the same.
    moved = [make(line=f.line + 10, severity=f.severity, message=f.message, code=f.code, name=f.name)
             for f in findings]
    assert [i["fingerprint"] for i in json.loads(render("gitlab", moved, Context()))] == prints
    # Another message: another fingerprint.
    changed = json.loads(render("gitlab", [make(line=3, message="different")], Context()))
    assert changed[0]["fingerprint"] not in prints


# --------------------------------------------------------------------------- statistics


def test_statistics_table_and_json():
    findings = [make(code="DL101", name="unbalanced-delimiter")] * 2 + [
        make(code="DL590", name="unused-suppression"),
        make(code="DL301", name="wrong-derivative", fix=Fix("t", "x", 0, 1)),
        make(code="DL301", name="wrong-derivative"),
        make(code="DL301", name="wrong-derivative"),
    ]
    assert stats.render(findings).splitlines() == [
        "3  DL301  wrong-derivative      [*]",
        "2  DL101  unbalanced-delimiter",
        "1  DL590  unused-suppression",
    ]
    assert json.loads(stats.render(findings, "json")) == [
        {"code": "DL301", "name": "wrong-derivative", "count": 3, "fixable": True},
        {"code": "DL101", "name": "unbalanced-delimiter", "count": 2, "fixable": False},
        {"code": "DL590", "name": "unused-suppression", "count": 1, "fixable": False},
    ]
    assert stats.render([]) == "" and json.loads(stats.render([], "json")) == []


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Every BAD gives a DL101 finding (the rule exists, so SARIF indexes it)."""
    monkeypatch.chdir(tmp_path)

    def check_text(path, text, settings=None):
        findings = []
        for n, line in enumerate(text.splitlines(), 1):
            for match in re.finditer("BAD", line):
                col = match.start() + 1
                findings.append(Finding(path, n, col, n, col + 3, "DL101", "unbalanced-delimiter",
                                        "error", "bad: here, 100%"))
        return FileResult(path=path, findings=findings, claims=[])

    monkeypatch.setattr(engine, "check_text", check_text)
    Path("a.md").write_text("ok\nx BAD\n")
    Path("b.md").write_text("BAD BAD\n")


def test_cli_github_on_stdout_and_sarif_to_a_file(fake, capsys, sarif_validator):
    assert main(["check", "--output-format", "github", "--output-file", "sarif=report.sarif",
                 "--output-file", "gitlab=cq.json", "."]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 3 and all(COMMAND.match(line) for line in lines)
    assert "Found 3 findings" in err
    log = json.loads(Path("report.sarif").read_text(encoding="utf-8"))
    assert not list(sarif_validator.iter_errors(log))
    assert len(log["runs"][0]["results"]) == 3
    assert len(json.loads(Path("cq.json").read_text())) == 3


def test_cli_output_file_without_format_replaces_stdout(fake, capsys):
    assert main(["check", "--output-format", "json", "--output-file", "out.json", "-q", "."]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert len(json.loads(Path("out.json").read_text())) == 3


def test_cli_default_format_is_concise_when_not_a_terminal(fake, capsys):
    assert main(["check", "-q", "."]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "a.md:2:3: DL101 bad: here, 100%"


def test_cli_full_format(fake, capsys):
    main(["check", "--output-format", "full", "-q", "a.md"])
    assert capsys.readouterr().out.splitlines() == [
        "a.md:2:3: DL101 [unbalanced-delimiter] bad: here, 100%",
        "  |",
        "2 | x BAD",
        "  |   ^^^",
        "  |",
    ]


@pytest.mark.parametrize("value,needle", [
    ("sarf=report.sarif", "unknown output format 'sarf'"),
    ("sarif=no/such/dir/report.sarif", "no such directory"),
    (".", "is a directory"),
])
def test_cli_bad_output_file_is_a_usage_error(fake, capsys, value, needle):
    assert main(["check", "--output-file", value, "."]) == 2
    assert needle in capsys.readouterr().err
    assert not Path("report.sarif").exists()


def test_cli_statistics(fake, capsys):
    assert main(["check", "--statistics", "."]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["3  DL101  unbalanced-delimiter"]
    assert main(["check", "--statistics", "--output-format", "json", "-q", "."]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {"code": "DL101", "name": "unbalanced-delimiter", "count": 3, "fixable": False}
    ]


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "github"])
def test_cli_machine_formats_keep_stdout_clean(fake, capsys, fmt):
    main(["check", "--output-format", fmt, ".", "no-such-path"])
    out, err = capsys.readouterr()
    if fmt == "github":
        assert all(line.startswith("::") for line in out.splitlines())
    else:
        json.loads(out)
    assert "no such file or directory" in err and "Found 3 findings" in err


def _notebook_with_a_finding(tmp_path) -> Path:
    """A notebook whose third cell (a Markdown cell after a code cell) has an unclosed bracket on its
    second line, with JSON escapes and non-ASCII text before it on that line."""
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Gradients\n"]},
            {"cell_type": "code", "metadata": {}, "source": ["x = 1\n"], "outputs": [], "execution_count": None},
            {"cell_type": "markdown", "metadata": {},
             "source": ["梯度 \"quoted\"\n", "Tab\there: $\\frac{\\partial}{\\partial x} \\left( x^2 = 2x$\n"]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    path = tmp_path / "grad.ipynb"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["github", "gitlab", "sarif"])
def test_machine_formats_point_at_the_notebook_file_lines(tmp_path, monkeypatch, capsys, fmt):
    path = _notebook_with_a_finding(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["check", "grad.ipynb", "--output-format", fmt, "--no-cache"])
    out = capsys.readouterr().out
    raw_lines = path.read_text(encoding="utf-8").splitlines()
    expected_line = next(k for k, text in enumerate(raw_lines, start=1) if "\\\\left(" in text)
    expected_column = raw_lines[expected_line - 1].index("\\\\left(") + 1
    if fmt == "github":
        props = dict(part.split("=", 1) for part in COMMAND.match(out.splitlines()[0]).group(2).split(","))
        assert (int(props["line"]), int(props["col"])) == (expected_line, expected_column)
        assert int(props["endColumn"]) == expected_column + len("\\\\left(")  # the escaped backslash counts
    elif fmt == "gitlab":
        issue = json.loads(out)[0]
        assert issue["location"]["lines"] == {"begin": expected_line, "end": expected_line}
        assert issue["description"].startswith("DL101 cell 3: ")
    else:
        result = json.loads(out)["runs"][0]["results"][0]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (expected_line, expected_column)
        assert result["properties"] == {"cell": 3}


def test_concise_keeps_cell_relative_positions(tmp_path, monkeypatch, capsys):
    _notebook_with_a_finding(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["check", "grad.ipynb", "--output-format", "concise", "--no-cache"])
    assert capsys.readouterr().out.startswith("grad.ipynb:cell 3:2:")


def test_notebook_positions_count_unicode_escapes_and_surrogate_pairs():
    from derivlint.report.notebook_positions import NotebookPositions

    cell = "𝐱 é \\alpha (\n"  # written by json with ensure_ascii: \ud835\udc31 \u00e9 \\alpha
    text = json.dumps({"cells": [{"cell_type": "markdown", "source": [cell]}]}, indent=1)
    positions = NotebookPositions("n.ipynb", text)
    line, column, end_line, end_column = positions.file_span(1, 1, cell.index("(") + 1, 1, cell.index("(") + 2)
    raw = text.splitlines()[line - 1]
    assert raw[column - 1 : end_column - 1] == "("
    line, column, _, end_column = positions.file_span(1, 1, 1, 1, 2)  # 𝐱: a pair of \u escapes
    assert text.splitlines()[line - 1][column - 1 : end_column - 1] == "\\ud835\\udc31"
