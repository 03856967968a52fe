"""The ecosystem check: every finding on ../shared/corpus has a hand-read verdict in tests/data/ecosystem.tsv."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import ecosystem  # noqa: E402
from ecosystem import HEADER, Row, compare, format_tsv, parse_tsv  # noqa: E402
from shared_data import CORPUS  # noqa: E402

TSV = ecosystem.DEFAULT_TSV

# A note with one finding (DL503 on the summation limit), written for these tests.
TYPO_NOTE = "# Loss\n\nThe mean squared error:\n\n$$J = \\frac{1}{N} \\sum_{i-1}^{N} (y_i - \\hat{y}_i)^2$$\n"
TYPO_KEY = ("loss.md", "5", 25, "DL503")


def _tsv(*lines: str) -> str:
    return "\t".join(HEADER) + "\n" + "".join(line + "\n" for line in lines)


def _row(path="a.md", line="3", column=1, code="DL201", verdict="TRUE", message="m", reason="r") -> Row:
    return Row(path, line, column, code, verdict, message, reason)


def test_the_script_and_the_tests_check_the_same_corpus() -> None:
    assert ecosystem.DEFAULT_CORPUS == CORPUS


def test_every_row_has_a_verdict_and_a_reason() -> None:
    """Needs no corpus: the file itself is well formed, sorted, and completely read."""
    text = TSV.read_text(encoding="utf-8")
    rows = parse_tsv(text, str(TSV))
    diff = compare([], rows)
    assert not (diff.unread or diff.invalid or diff.duplicate), diff.report()
    missing = [r for r in rows if not r.reason.strip()]
    assert not missing, f"rows without a reason: {[r.key for r in missing]}"
    assert all(ecosystem.recorded(r.code) for r in rows), "only DL1xx-DL5xx findings belong in the file"
    assert text == format_tsv(rows), (
        "tests/data/ecosystem.tsv is not in its canonical form (sorted, one header, clean fields): "
        "`python scripts/ecosystem.py --write-new` rewrites it sorted")


# --------------------------------------------------------------------------- the comparison (no corpus)


def test_parse_reads_rows_and_notebook_positions() -> None:
    rows = parse_tsv(_tsv("a.md\t3\t7\tDL201\tTRUE\tx is 2×1\tread it",
                          "n.ipynb\t4:2\t5\tDL503\tFALSE\tlimit\tan index"))
    assert rows[0].key == ("a.md", "3", 7, "DL201") and rows[0].reason == "read it"
    assert rows[1].key == ("n.ipynb", "4:2", 5, "DL503") and rows[1].verdict == "FALSE"


@pytest.mark.parametrize("text", [
    "path\tline\tcolumn\tcode\tverdict\tmessage\n",  # a header without reason
    _tsv("a.md\t3\tDL201\tTRUE\tm\tr"),  # a missing field
    _tsv("a.md\tthree\t1\tDL201\tTRUE\tm\tr"),  # a line that is not a number
])
def test_parse_rejects_malformed_files(text: str) -> None:
    with pytest.raises(ecosystem.FormatError):
        parse_tsv(text)


def test_compare_reports_new_gone_and_changed() -> None:
    rows = parse_tsv(_tsv(
        "a.md\t3\t1\tDL201\tTRUE\told message\tread",
        "a.md\t9\t2\tDL301\tFALSE\tgone one\tread",
        "b.md\t1\t1\tDL501\tDEBATABLE\tsame\tread",
    ))
    findings = [
        _row("a.md", "3", 1, "DL201", "UNREAD", "new message", ""),  # same key, message changed
        _row("b.md", "1", 1, "DL501", "UNREAD", "same", ""),
        _row("b.md", "1", 2, "DL501", "UNREAD", "another column", ""),  # new: the column differs
        _row("c.md", "5", 1, "DL102", "UNREAD", "not recorded", ""),  # DL1xx too, even off by default
    ]
    diff = compare(findings, rows)
    assert [r.key for r in diff.new] == [("b.md", "1", 2, "DL501"), ("c.md", "5", 1, "DL102")]
    assert [r.key for r in diff.gone] == [("a.md", "9", 2, "DL301")]
    assert [(r.key, now) for r, now in diff.changed] == [(("a.md", "3", 1, "DL201"), "new message")]
    assert diff.failed
    report = diff.report()
    assert "new (a finding with no row): 2" in report and "b.md:1:2: DL501" in report
    assert "gone (a row whose finding disappeared): 1" in report and "a.md:9:2: DL301" in report
    assert "changed message (informative): 1" in report


def test_a_changed_message_alone_is_not_a_failure() -> None:
    rows = [_row(message="before")]
    diff = compare([_row(verdict="UNREAD", message="after", reason="")], rows)
    assert diff.changed and not diff.failed


def test_codes_outside_dl1xx_to_dl5xx_are_not_compared() -> None:
    diff = compare([_row(code="DL590"), _row(code="DL601"), _row(code="E501")], [])
    assert [r.code for r in diff.new] == ["DL590"]


def test_unread_invalid_and_duplicate_rows_fail() -> None:
    rows = parse_tsv(_tsv(
        "a.md\t1\t1\tDL201\tUNREAD\tm\t",
        "a.md\t2\t1\tDL201\tMAYBE\tm\tr",
        "a.md\t3\t1\tDL201\tTRUE\tm\tr",
        "a.md\t3\t1\tDL201\tFALSE\tm\tr",
        "a.md\t4\t1\tDL199\tTRUE\tinternal error\tr",
    ))
    findings = [_row("a.md", str(n), 1, "DL201", "UNREAD", "m", "") for n in (1, 2, 3)]
    findings.append(_row("a.md", "4", 1, "DL199", "UNREAD", "internal error", ""))
    diff = compare(findings, rows)
    assert not diff.new and not diff.gone
    assert [r.line for r in diff.unread] == ["1"]
    assert [(r.code, r.verdict) for r in diff.invalid] == [("DL201", "MAYBE"), ("DL199", "TRUE")]
    assert [r.verdict for r in diff.duplicate] == ["FALSE"]
    assert diff.failed


def test_write_new_and_drop_gone() -> None:
    rows = [_row("a.md", "9"), _row("b.md", "1")]
    diff = compare([_row("b.md", "1"), _row("a.md", "2", verdict="UNREAD", reason="")], rows)
    assert [r.key for r in ecosystem.apply(rows, diff, write_new=True, drop_gone=False)] == [
        ("a.md", "2", 1, "DL201"), ("a.md", "9", 1, "DL201"), ("b.md", "1", 1, "DL201")]
    assert [r.key for r in ecosystem.apply(rows, diff, write_new=False, drop_gone=True)] == [
        ("b.md", "1", 1, "DL201")]


def test_rows_sort_by_path_line_column_code_with_cells_in_order() -> None:
    rows = [_row("n.ipynb", "10:1"), _row("n.ipynb", "9:4"), _row("a.md", "10"), _row("a.md", "9", 5),
            _row("a.md", "9", 5, "DL101")]
    text = format_tsv(rows)
    assert [r.key for r in parse_tsv(text)] == [
        ("a.md", "9", 5, "DL101"), ("a.md", "9", 5, "DL201"), ("a.md", "10", 1, "DL201"),
        ("n.ipynb", "9:4", 1, "DL201"), ("n.ipynb", "10:1", 1, "DL201")]


def test_finding_row_makes_paths_relative_and_keeps_cells(tmp_path: Path) -> None:
    finding = {"path": str(tmp_path / "repo" / "n.ipynb"), "cell": 4, "line": 2, "column": 7,
               "code": "DL301", "message": "a\tb\nc"}
    row = ecosystem.finding_row(finding, tmp_path)
    assert row.key == ("repo/n.ipynb", "4:2", 7, "DL301")
    assert row.message == "a b c" and row.verdict == "UNREAD"


def test_precision_counts_true_among_each_group() -> None:
    rows = [_row(code="DL201", verdict="TRUE"), _row(code="DL201", verdict="FALSE"),
            _row(code="DL501", verdict="DEBATABLE"), _row(code="DL301", verdict="TRUE"),
            _row(code="DL101", verdict="TRUE"), _row(code="DL101", verdict="UNREAD"),
            _row(code="DL199", verdict="FALSE")]
    groups, codes = ecosystem.precision(rows)
    assert (groups["DL2xx-DL5xx"].true, groups["DL2xx-DL5xx"].rows) == (2, 4)
    assert groups["DL2xx-DL5xx"].precision == 0.5 and groups["DL2xx-DL5xx"].debatable == 1
    assert (groups["DL101"].true, groups["DL101"].rows, groups["DL101"].unread) == (1, 2, 1)
    assert groups["other DL1xx"].false == 1
    assert codes["DL201"].precision == 0.5 and codes["DL501"].precision == 0.0
    report = ecosystem.precision_report(rows)
    assert re.search(r"DL2xx-DL5xx +50\.0% +TRUE 2/4 +\(FALSE 1, DEBATABLE 1\)", report)
    assert re.search(r"DL101 +50\.0% +TRUE 1/2 +\(FALSE 0, DEBATABLE 0, 1 unread\)", report)


# --------------------------------------------------------------------------- end to end on a made-up corpus


def _tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "loss.md").write_text(TYPO_NOTE, encoding="utf-8")
    (corpus / "clean.md").write_text("# Clean\n\n$$y = x + 1$$\n", encoding="utf-8")
    return corpus


def test_main_writes_new_rows_as_unread_then_drops_gone_ones(tmp_path: Path, capsys) -> None:
    corpus, tsv = _tiny_corpus(tmp_path), tmp_path / "eco.tsv"
    args = ["--corpus", str(corpus), "--tsv", str(tsv), "--jobs", "1"]
    assert ecosystem.main(args) == 1  # no file: the finding is new
    assert "new (a finding with no row): 1" in capsys.readouterr().out
    assert ecosystem.main([*args, "--write-new"]) == 1  # written, but UNREAD
    rows = ecosystem.read_tsv(tsv)
    assert [(r.key, r.verdict) for r in rows] == [(TYPO_KEY, "UNREAD")]
    assert ecosystem.main(args) == 1  # still unread
    assert "unread" in capsys.readouterr().out
    ecosystem.write_tsv(tsv, [Row(*TYPO_KEY[:4], "TRUE", rows[0].message, "i-1 for i=1")])
    assert ecosystem.main(args) == 0
    out = capsys.readouterr().out
    assert "no difference" in out and re.search(r"DL2xx-DL5xx +100\.0% +TRUE 1/1", out)
    (corpus / "loss.md").write_text(TYPO_NOTE.replace("i-1", "i=1"), encoding="utf-8")
    assert ecosystem.main(args) == 1  # the finding is gone
    assert "gone (a row whose finding disappeared): 1" in capsys.readouterr().out
    assert ecosystem.main([*args, "--drop-gone"]) == 0
    assert ecosystem.read_tsv(tsv) == []


def test_cli_mode_reads_the_same_findings(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path)
    findings = ecosystem.finding_rows(ecosystem.run_derivlint(corpus, via_cli=True, jobs=1), corpus)
    assert [f.key for f in findings] == [TYPO_KEY]


def test_script_runs_as_a_command(tmp_path: Path) -> None:
    corpus, tsv = _tiny_corpus(tmp_path), tmp_path / "eco.tsv"
    tsv.write_text(_tsv("loss.md\t5\t25\tDL503\tTRUE\tsummation limit\ti-1 for i=1"), encoding="utf-8")
    script = Path(ecosystem.__file__)
    done = subprocess.run([sys.executable, str(script), "--corpus", str(corpus), "--tsv", str(tsv), "--cli"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "changed message (informative): 1" in done.stdout  # the row's message is shortened


def test_a_missing_corpus_is_an_error(tmp_path: Path, capsys) -> None:
    assert ecosystem.main(["--corpus", str(tmp_path / "absent"), "--tsv", str(tmp_path / "e.tsv")]) == 2
    assert "no corpus" in capsys.readouterr().err
