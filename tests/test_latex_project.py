"""LaTeX projects: \\input/\\include/\\subfile/\\import followed inside the checked tree, macros from local packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivlint.cli import main
from derivlint.engine import Settings, check_text
from derivlint.extract.latex_project import dependencies, includes_of, read_project, root_documents

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "latex_project"
MAIN = PROJECT / "main.tex"


def check(path: Path, settings: Settings | None = None):
    return check_text(str(path), path.read_text(encoding="utf-8"), settings)


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def where(result) -> set[tuple[str, int, int, str]]:
    return {(Path(f.path).name, f.line, f.column, f.code) for f in result.findings}


WRONG = r"\begin{equation} \frac{\partial \mathbf{x}^T \mathbf{x}}{\partial \mathbf{x}} = 3\mathbf{x} \end{equation}" "\n"
RIGHT = r"\begin{equation} \frac{\partial \mathbf{x}^T \mathbf{x}}{\partial \mathbf{x}} = 2\mathbf{x} \end{equation}" "\n"


# --------------------------------------------------------------------------- the fixture project


def test_findings_are_at_the_file_line_and_column_that_hold_them():
    result = check(MAIN)
    assert where(result) == {
        ("quadratic.tex", 8, 3, "DL301"),  # the wrong claim of the \input chapter
        ("main.tex", 17, 1, "DL100"),  # \include of a chapter that does not exist
        ("cycle_b.tex", 1, 1, "DL100"),  # the \input that closes the cycle
    }
    paths = {f.path for f in result.findings}
    assert str(PROJECT / "chapters" / "quadratic.tex") in paths  # named next to the root as given


def test_claims_of_included_chapters_are_at_their_own_positions_and_parse_with_the_projects_macros():
    result = check(MAIN)
    by_place = {(Path(c.block.source.path).name, *c.position()[:2]): c for c in result.claims}
    assert ("quadratic.tex", 4, 3) in by_place and ("linear.tex", 2, 35) in by_place
    assert ("linear.tex", 3, 2) in by_place and ("linear.tex", 4, 32) in by_place
    assert [c.text for c in result.claims if c.kind == "unparsed"] == []
    general = by_place[("quadratic.tex", 4, 3)]
    assert general.kind == "derivative" and general.verdict == "true in the denominator layout"  # \qf{\vx}[\mA] (m o), \pd, \transpose
    # \providecommand in main.tex keeps the \vx of notation.sty (bold x), and \argmin is an operator with limits
    assert "z" not in general.parsed and "x" in general.parsed
    assert "argmin" in by_place[("linear.tex", 4, 32)].parsed


def test_a_chapter_read_alone_lacks_the_macros_of_its_document():
    alone = check(PROJECT / "chapters" / "quadratic.tex")
    assert all(c.kind == "unparsed" for c in alone.claims) and alone.claims


def test_files_read_are_the_projects_and_a_figure_is_not_one():
    project = read_project(str(MAIN), MAIN.read_text(encoding="utf-8"))
    names = [Path(f).name for f in project.files]
    assert names[0] == "main.tex"
    assert set(names) == {"main.tex", "notation.sty", "operators.tex", "quadratic.tex", "linear.tex",
                          "cycle_a.tex", "cycle_b.tex"}
    assert [Path(f).name for f in dependencies(str(MAIN))] == names[1:]


def test_a_folder_check_reports_each_finding_once_and_checks_chapters_as_part_of_main(capsys):
    code = main(["check", "--no-cache", "--output-format", "json", "--exit-zero", str(PROJECT)])
    findings = json.loads(capsys.readouterr().out)
    places = [(Path(f["path"]).name, f["line"], f["code"]) for f in findings]
    assert code == 0 and len(places) == len(set(places)) == 3
    assert root_documents(sorted(str(p) for p in PROJECT.rglob("*.tex"))) == [str(MAIN)]


# --------------------------------------------------------------------------- resolution and limits


def test_a_missing_file_is_one_dl100_at_the_command(tmp_path):
    write(tmp_path, {"main.tex": "\\documentclass{article}\n\\begin{document}\nText \\input{parts/gone} here.\n\\end{document}\n"})
    result = check(tmp_path / "main.tex")
    [finding] = result.findings
    assert (finding.line, finding.column, finding.end_column, finding.code) == (3, 6, 24, "DL100")
    assert "parts/gone.tex" in finding.message and "does not exist" in finding.message


def test_a_file_that_includes_itself_is_a_cycle(tmp_path):
    write(tmp_path, {"main.tex": "\\documentclass{article}\n\\begin{document}\n\\input{main}\n\\end{document}\n"})
    [finding] = check(tmp_path / "main.tex").findings
    assert (finding.code, finding.line, finding.column) == ("DL100", 3, 1) and "cycle" in finding.message


def test_a_file_outside_the_tree_is_not_read(tmp_path, monkeypatch):
    write(tmp_path, {"outside.tex": WRONG, "book/main.tex": "\\documentclass{article}\n\\begin{document}\n"
                     "\\input{../outside}\n" + RIGHT + "\\end{document}\n"})
    opened: list[str] = []
    import builtins

    real_open = builtins.open

    def spying(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spying)
    result = check(tmp_path / "book" / "main.tex")
    monkeypatch.undo()
    assert not any(o.endswith("outside.tex") for o in opened)
    [finding] = result.findings
    assert (finding.code, finding.line, finding.column) == ("DL100", 3, 1)
    assert "outside the folder being checked" in finding.message
    assert all(Path(c.block.source.path).name == "main.tex" for c in result.claims) and len(result.claims) == 1


def test_the_folder_checked_bounds_what_is_read(tmp_path, capsys):
    """A shared preamble one folder up is inside the tree when that folder is checked."""
    write(tmp_path, {"preamble.tex": "\\newcommand{\\vx}{\\mathbf{x}}\n",
                     "lecture1/notes.tex": "\\documentclass{article}\n\\input{../preamble}\n\\begin{document}\n"
                     "\\begin{equation} \\frac{\\partial \\vx^T \\vx}{\\partial \\vx} = 3\\vx \\end{equation}\n"
                     "\\end{document}\n"})
    lecture = tmp_path / "lecture1" / "notes.tex"
    assert where(check(lecture)) == {("notes.tex", 2, 1, "DL100")}  # its own folder only: not read
    assert where(check(lecture, Settings(tree=str(tmp_path)))) == {("notes.tex", 4, 18, "DL301")}
    main(["check", "--no-cache", "--output-format", "json", "--exit-zero", str(tmp_path)])
    codes = [(Path(f["path"]).name, f["code"]) for f in json.loads(capsys.readouterr().out)]
    assert codes == [("notes.tex", "DL301")]  # preamble.tex is no note of its own: it is brought in


def test_paths_resolve_as_latex_resolves_them(tmp_path):
    """\\input from a chapter is relative to the root's folder; inside an \\import, to the import folder;
    .tex is added when missing; the bare TeX syntax \\input name works."""
    write(tmp_path, {
        "main.tex": "\\documentclass{article}\n\\begin{document}\n\\input chapters/one\n"
                    "\\import{parts/}{two}\n\\subfile{sub/three.tex}\n\\end{document}\n",
        "chapters/one.tex": "\\input{chapters/one_more}\n",
        "chapters/one_more.tex": WRONG,
        "parts/two.tex": "\\input{two_more}\n",
        "parts/two_more.tex": WRONG,
        "sub/three.tex": "\\input{three_more}\n",
        "sub/three_more.tex": WRONG,
    })
    result = check(tmp_path / "main.tex")
    assert {(n, c) for n, _, _, c in where(result)} == {("one_more.tex", "DL301"), ("two_more.tex", "DL301"),
                                                        ("three_more.tex", "DL301")}


def test_a_file_brought_in_twice_is_read_once(tmp_path):
    write(tmp_path, {"main.tex": "\\input{part}\n\\input{part.tex}\n", "part.tex": WRONG})
    result = check(tmp_path / "main.tex")
    assert len(result.claims) == 1 and len(result.findings) == 1


def test_distribution_files_and_packages_are_not_reported(tmp_path):
    write(tmp_path, {"main.tex": "\\documentclass{article}\n\\input{glyphtounicode}\n\\usepackage{amsmath,mine}\n"
                     "\\begin{document}\n$\\vx = \\vx$\n\\input{fig.pdf_tex}\n\\end{document}\n",
                     "mine.sty": "\\RequirePackage{xcolor}\n\\newcommand{\\vx}{\\mathbf{x}}\n"})
    result = check(tmp_path / "main.tex")
    assert result.findings == []
    assert [c.kind for c in result.claims] != ["unparsed"]  # \vx from mine.sty


def test_commands_in_comments_and_verbatim_are_not_followed():
    text = ("% \\input{a}\n\\begin{verbatim}\n\\input{b}\n\\end{verbatim}\n\\verb|\\input{c}|\n"
            "\\input{d}\\include{e}\\import{f/}{g}\\usepackage[x]{h, i}\n")
    assert [(i.command, i.names, i.folder) for i in includes_of(text)] == [
        ("input", ["d"], None), ("include", ["e"], None), ("import", ["g"], "f/"), ("usepackage", ["h", "i"], None)]


def test_suppression_comments_apply_in_the_file_that_holds_them(tmp_path):
    write(tmp_path, {"main.tex": "\\input{a}\n\\input{b}\n% derivlint: disable-file DL301\n",
                     "a.tex": "% derivlint: disable-next-line DL301\n" + WRONG,
                     "b.tex": "\n" + WRONG})
    result = check(tmp_path / "main.tex")
    codes = {(Path(f.path).name, f.code) for f in result.findings}
    assert ("b.tex", "DL301") in codes and ("a.tex", "DL301") not in codes
    assert ("main.tex", "DL590") in codes  # main's blanket directive covers main only: unused


def test_a_changed_chapter_is_not_served_from_the_cache(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"main.tex": "\\documentclass{article}\n\\begin{document}\n\\input{ch}\n\\end{document}\n",
                     "ch.tex": RIGHT})
    main(["check", "-j", "1", "--cache-dir", "c", "--output-format", "json", "--exit-zero", "main.tex"])
    assert json.loads(capsys.readouterr().out) == []
    (tmp_path / "ch.tex").write_text(WRONG, encoding="utf-8")
    main(["check", "-j", "1", "--cache-dir", "c", "--output-format", "json", "--exit-zero", "main.tex"])
    assert [f["code"] for f in json.loads(capsys.readouterr().out)] == ["DL301"]


@pytest.mark.parametrize("name", ["input", "include", "subfile"])
def test_each_command_is_followed(tmp_path, name):
    write(tmp_path, {"main.tex": f"\\{name}{{ch}}\n", "ch.tex": WRONG})
    assert where(check(tmp_path / "main.tex")) == {("ch.tex", 1, 18, "DL301")}


def test_a_chapter_sits_where_its_command_stands_in_the_notes_outline(tmp_path):
    """Declarations and sections before the command are around the chapter, those after it are not."""
    from derivlint.context.scopes import Outline

    write(tmp_path, {"main.tex": "\\section{Before}\nLet $x \\in \\mathbb{R}^n$.\n\n\\input{ch}\n\n"
                                 "\\section{After}\nText $y = 1$.\n",
                     "ch.tex": "\\subsection{Inside}\nWe have $x = x$.\n"})
    text = (tmp_path / "main.tex").read_text(encoding="utf-8")
    outline = Outline(read_project(str(tmp_path / "main.tex"), text).extraction)
    order = [(Path(p.source.path).name, p.source.line_col(p.start)[0]) for p in outline.passages]
    # (the paragraph holding the command itself, line 4, follows what it brings in)
    assert order == [("main.tex", 1), ("main.tex", 2), ("ch.tex", 1), ("ch.tex", 2), ("main.tex", 4),
                     ("main.tex", 6), ("main.tex", 7)]
    assert outline.passages[3].headings == ("Before", "Inside") and outline.passages[6].headings == ("After",)


def test_a_missing_file_is_reported_whatever_select_says(tmp_path):
    write(tmp_path, {"main.tex": "\\input{gone}\n"})
    assert [f.code for f in check(tmp_path / "main.tex", Settings(select=frozenset({"DL3"}))).findings] == ["DL100"]
    assert check(tmp_path / "main.tex", Settings(ignore=frozenset({"DL100"}))).findings == []


def test_a_chapter_two_documents_bring_in_is_reported_once(tmp_path, capsys):
    write(tmp_path, {"main.tex": "\\documentclass{book}\n\\input{ch}\n",
                     "print.tex": "\\documentclass{book}\n\\input{ch}\n", "ch.tex": WRONG})
    main(["check", "--no-cache", "--output-format", "json", "--exit-zero", str(tmp_path)])
    assert [(Path(f["path"]).name, f["code"]) for f in json.loads(capsys.readouterr().out)] == [("ch.tex", "DL301")]
