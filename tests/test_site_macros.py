"""Issue 15, point 3: the macros a note's site configures are found upward, read as data, and used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivlint.cli import main
from derivlint.config import file_settings, forget_found
from derivlint.engine import Settings, check_text
from derivlint.site_macros import load_yaml, normalise, script_macros, site_macros

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"


@pytest.fixture(autouse=True)
def _fresh():
    forget_found()  # each test writes its own files: nothing read by another may be reused
    yield
    forget_found()


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


QUADRATIC = """Let $\\vx \\in \\mathbb{R}^n$ and $\\mA \\in \\mathbb{R}^{n \\times n}$.

$$
\\frac{\\partial \\vx^T \\mA \\vx}{\\partial \\vx} = (\\mA + \\mA^T) \\vx
$$
"""


# --------------------------------------------------------------------------- the fixture sites


@pytest.mark.parametrize(
    ("note", "names", "source"),
    [
        ("quarto/chapters/gradients.md", {"bx": 0, "bbR": 0, "vv": 1, "T": 0}, "quarto/_mathjax.html"),
        ("jupyter-book/part1/trace.md", {"R": 0, "vx": 0, "mA": 0, "tr": 1}, "jupyter-book/_config.yml"),
        ("sphinx/docs/source/calculus/least_squares.md", {"vy": 0, "mX": 0, "norm": 1}, "sphinx/docs/source/conf.py"),
        ("mkdocs/docs/linear/bilinear.md", {"va": 0, "vb": 0, "mW": 0}, "mkdocs/docs/javascripts/mathjax.js"),
        ("jekyll/_posts/2024-03-02-quadratic-forms.md", {"vx": 0, "mS": 0, "RR": 0}, "jekyll/_includes/head/mathjax.html"),
        ("docusaurus/docs/calculus/linear-layer.md", {"vh": 0, "mU": 0, "pd": 2}, "docusaurus/src/katex-macros.json"),
        ("myst/chapters/outer.md", {"vu": 0, "vv": 0, "mM": 0}, "myst/myst.yml"),
    ],
)
def test_each_kind_of_site_gives_its_macros_and_names_its_files(note, names, source):
    found = site_macros(str(SITES / note))
    assert {name: found.macros[name][0] for name in names} == names
    assert str((SITES / source).resolve()) in found.files
    # every claim of the note parses with them, none without them
    text = (SITES / note).read_text(encoding="utf-8")
    with_site = check_text(str(SITES / note), text, Settings(macros=found.macros))
    bare = check_text(str(SITES / note), text)
    assert with_site.unparsed == 0 and bare.unparsed > 0


def test_a_notes_own_front_matter_includes_a_file_of_macros():
    """Quarto slides put ``include-in-header: ../assets/slide-macros.html`` in their own front matter,
    not in _quarto.yml: the file's macros hold for the note's math."""
    note = SITES / "quarto" / "slides" / "least_squares.qmd"
    result = check_text(str(note), note.read_text(encoding="utf-8"))
    assert result.unparsed == 0
    assert [c.verdict.split(" ")[0] for c in result.claims if c.kind == "derivative"] == ["true"]


def test_a_front_matter_include_never_reads_outside_the_project(tmp_path):
    (tmp_path / "secret.html").write_text('<script>MathJax={tex:{macros:{bX:"X"}}}</script>', encoding="utf-8")
    project = tmp_path / "notes"
    (project / "slides").mkdir(parents=True)
    (project / "_quarto.yml").write_text("project:\n  type: website\n", encoding="utf-8")
    note = project / "slides" / "n.qmd"
    note.write_text("---\ninclude-in-header: ../../secret.html\n---\n\n$\\bX = 1$\n", encoding="utf-8")
    assert check_text(str(note), note.read_text(encoding="utf-8")).unparsed == 1


def test_a_site_does_not_reach_notes_outside_it():
    assert site_macros(str(SITES / "README-not-a-note.md")).macros == {}
    assert "bx" not in site_macros(str(SITES / "jekyll" / "_posts" / "x.md")).macros


def test_the_macros_values_are_read_as_their_languages_read_strings():
    quarto = site_macros(str(SITES / "quarto" / "chapters" / "gradients.md")).macros
    assert quarto["bx"] == (0, None, "\\mathbf{x}")  # JS "\\mathbf" is one backslash
    assert quarto["vv"] == (1, None, "\\mathbf{#1}")
    jb = site_macros(str(SITES / "jupyter-book" / "part1" / "trace.md")).macros
    assert jb["mA"] == (0, None, "\\boldsymbol{A}")  # YAML single quotes keep the backslash
    assert jb["R"] == (0, None, "\\mathbb{R}")  # YAML double quotes read "\\" as one
    assert jb["tr"] == (1, None, "\\operatorname{tr}\\left(#1\\right)")


# --------------------------------------------------------------------------- found upward


def test_the_walk_stops_at_the_repository_root(tmp_path):
    _write(tmp_path, {
        "_config.yml": 'mathjax3_config: {tex: {macros: {vx: "\\\\mathbf{q}"}}}\n',
        "repo/notes/a.md": QUADRATIC,
    })  # fmt: skip
    (tmp_path / "repo" / ".git").mkdir()
    assert site_macros(str(tmp_path / "repo" / "notes" / "a.md")).macros == {}
    (tmp_path / "repo" / ".git").rmdir()
    forget_found()
    assert site_macros(str(tmp_path / "repo" / "notes" / "a.md")).macros["vx"][2] == "\\mathbf{q}"


def test_a_git_file_marks_a_root_too(tmp_path):  # a worktree or a submodule
    _write(tmp_path, {"mkdocs.yml": "extra_javascript: [m.js]\n", "docs/m.js": "MathJax={tex:{macros:{A:'a'}}}",
                      "repo/.git": "gitdir: elsewhere\n", "repo/n.md": "$x$\n"})
    assert site_macros(str(tmp_path / "repo" / "n.md")).files == ()


def test_a_nearer_site_file_wins_and_both_are_named(tmp_path):
    _write(tmp_path, {
        ".git/HEAD": "",
        "_config.yml": 'sphinx:\n  config:\n    mathjax3_config:\n      tex:\n        macros:\n          vx: "\\\\mathbf{x}"\n          mA: "\\\\mathbf{B}"\n',
        "book/myst.yml": "project:\n  math:\n    '\\mA': '\\mathbf{A}'\n",
        "book/ch/n.md": QUADRATIC,
    })  # fmt: skip
    found = site_macros(str(tmp_path / "book" / "ch" / "n.md"))
    assert found.macros["mA"][2] == "\\mathbf{A}" and found.macros["vx"][2] == "\\mathbf{x}"
    assert found.files == (str(tmp_path / "_config.yml"), str(tmp_path / "book" / "myst.yml"))


# --------------------------------------------------------------------------- used, overridden, cached


def test_the_notes_own_definitions_and_the_configuration_win(tmp_path):
    _write(tmp_path, {
        ".git/HEAD": "",
        "_quarto.yml": "format:\n  html:\n    include-in-header: m.html\n",
        "m.html": '<script>MathJax = {tex: {macros: {vx: "\\\\mathbf{x}", mA: "\\\\mathbf{B}", c: "3"}}}</script>\n',
        "derivlint.toml": '[macros]\nc = "4"\n',
        "n.md": "$\\newcommand{\\mA}{\\mathbf{A}}$\n\n" + QUADRATIC,
    })  # fmt: skip
    note = str(tmp_path / "n.md")
    settings = file_settings(note, Settings())
    assert settings.macros["c"][2] == "4" and settings.macros["mA"][2] == "\\mathbf{B}"
    result = check_text(note, (tmp_path / "n.md").read_text(encoding="utf-8"), settings)
    assert result.unparsed == 0
    parsed = [c.to_json()["parsed"] for c in result.claims if c.kind == "derivative"]
    assert len(parsed) == 1 and "A" in parsed[0] and "B" not in parsed[0]


def test_editing_the_sites_macros_rechecks_the_note(tmp_path, monkeypatch, capsys):
    _write(tmp_path, {
        ".git/HEAD": "",
        "mkdocs.yml": "site_name: x\nextra_javascript:\n  - js/mathjax.js\n",
        "docs/js/mathjax.js": 'window.MathJax = {tex: {macros: {sq: ["#1^T #1", 1]}}};\n',
        "docs/n.md": "Let $\\mathbf{x} \\in \\mathbb{R}^n$.\n\n$$\n\\frac{\\partial \\sq{\\mathbf{x}}}{\\partial \\mathbf{x}} = 2 \\mathbf{x}\n$$\n",
    })  # fmt: skip
    monkeypatch.chdir(tmp_path)
    args = ["check", "--output-format", "json", "--cache-dir", str(tmp_path / "cache"), "docs/n.md"]
    assert main(args) == 0
    capsys.readouterr()
    (tmp_path / "docs" / "js" / "mathjax.js").write_text('window.MathJax = {tex: {macros: {sq: ["#1^T #1 + #1^T #1", 1]}}};\n', encoding="utf-8")
    assert main(args) == 1
    assert [f["code"] for f in json.loads(capsys.readouterr().out)] == ["DL301"]


def test_show_settings_names_the_sites_macro_files(capsys):
    note = SITES / "docusaurus" / "docs" / "calculus" / "linear-layer.md"
    assert main(["check", "--show-settings", str(note)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("macro sources: "))
    assert str((SITES / "docusaurus" / "docusaurus.config.js").resolve()) in line
    assert str((SITES / "docusaurus" / "src" / "katex-macros.json").resolve()) in line
    assert "\\pd[2] = \\frac{\\partial #1}{\\partial #2}" in out


# --------------------------------------------------------------------------- read as data, never run


def test_conf_py_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    _write(tmp_path, {
        ".git/HEAD": "",
        "docs/conf.py": (
            f"open({str(marker)!r}, 'w').write('x')\n"
            "import os\n"
            "base = {'R': r'\\mathbb{R}'}\n"
            "mathjax3_config = {'tex': {'macros': base, 'packages': os.environ.get('P')}}\n"
            "katex_options = 'macros: {\"\\\\\\\\C\": \"\\\\\\\\mathbb{C}\"}'\n"
            "raise SystemExit(1)\n"
        ),
        "docs/n.md": "$x$\n",
    })  # fmt: skip
    found = site_macros(str(tmp_path / "docs" / "n.md")).macros
    assert found["R"][2] == "\\mathbb{R}" and found["C"][2] == "\\mathbb{C}"
    assert not marker.exists()


def test_files_outside_the_site_are_not_read(tmp_path):
    _write(tmp_path, {
        "outside.html": "<script>MathJax = {tex: {macros: {leak: 'x'}}}</script>",
        "site/.git/HEAD": "",
        "site/_quarto.yml": "format:\n  html:\n    include-in-header:\n      - ../outside.html\n      - /etc/passwd\n",
        "site/n.md": "$x$\n",
    })  # fmt: skip
    assert site_macros(str(tmp_path / "site" / "n.md")).macros == {}


@pytest.mark.parametrize(
    "text",
    ["format: [unclosed\n", "{{{{", "- - - -\n  : :\n", "a: 'open\n", "\x00\xff", "key: |\n", "? complex\n: key\n"],
)
def test_a_broken_site_file_gives_no_macros_and_no_error(tmp_path, text):
    _write(tmp_path, {".git/HEAD": "", "_quarto.yml": text, "_config.yml": text, "mkdocs.yml": text,
                      "conf.py": "mathjax3_config = {" + text, "docusaurus.config.js": "macros: {" + text, "n.md": "$x$"})
    assert site_macros(str(tmp_path / "n.md")).macros == {}


# --------------------------------------------------------------------------- the readers


def test_yaml_subset():
    text = """# a site
title: "A \\"quoted\\" title"   # comment
empty:
nested:
  list:
    - one
    - {a: 1, b: [x, 'y z', "\\\\R"]}
    - key: v
      other: 2
  literal: |
    line one
    line two
  folded: >-
    folded
    text
anchor: &a plain value
alias: *a
tagged: !!python/name:mod.fn
multi: first
  second
"""
    assert load_yaml(text) == {
        "title": 'A "quoted" title',
        "empty": None,
        "nested": {
            "list": ["one", {"a": 1, "b": ["x", "y z", "\\R"]}, {"key": "v", "other": 2}],
            "literal": "line one\nline two\n",
            "folded": "folded text",
        },
        "anchor": "plain value",
        "alias": None,
        "tagged": None,
        "multi": "first second",
    }


def test_yaml_reads_the_first_document_only():
    assert load_yaml("---\na: 1\n---\nb: 2\n") == {"a": 1}


def test_javascript_objects_are_read_with_javascripts_escapes():
    js = r"""
    // macros: {commented: "out"}
    const shared = { "\\RR": "\\mathbb{R}" };
    renderMathInElement(document.body, {
      delimiters: [{left: "$$", right: "$$", display: true}],
      macros: {
        ...shared,
        "\\norm": "\\left\\|#1\\right\\|",
        'vec': ["\\mathbf{#1}", 1],
        opt: ["#1^{#2}", 2, "2"],
        raw: String.raw`\mathsf{#1}`,
        ff: "\frac",
        computed: someFunction(),
        tpl: `\\bar{${x}}`,
      },
    });
    """
    found = script_macros(js)
    assert found["norm"] == (1, None, "\\left\\|#1\\right\\|")
    assert found["vec"] == (1, None, "\\mathbf{#1}")
    assert found["opt"] == (2, "2", "#1^{#2}")
    assert found["raw"] == (1, None, "\\mathsf{#1}")
    assert found["ff"] == (0, None, "\frac")  # a form feed, as a browser reads it: the site's own bug
    assert "computed" not in found and "tpl" not in found and "commented" not in found


def test_a_typescript_module_of_macros_is_followed(tmp_path):
    _write(tmp_path, {
        ".git/HEAD": "",
        "src/math/macros.ts": 'export const unused = 1;\nexport default {\n  "\\\\E": "\\\\mathbb{E}",\n  grad: "\\\\nabla",\n} as const;\n',
        "docusaurus.config.ts": (
            "import type {Config} from '@docusaurus/types';\nimport katexMacros from './src/math/macros';\n"
            "const config: Config = {presets: [['classic', {docs: {rehypePlugins: [[rehypeKatex, {macros: katexMacros}]]}}]]};\n"
            "export default config;\n"
        ),
        "docs/n.md": "$x$\n",
    })  # fmt: skip
    found = site_macros(str(tmp_path / "docs" / "n.md"))
    assert found.macros == {"E": (0, None, "\\mathbb{E}"), "grad": (0, None, "\\nabla")}
    assert str(tmp_path / "src" / "math" / "macros.ts") in found.files


def test_normalise_keeps_only_macros():
    table = {"\\R": "\\mathbb{R}", "k": "\\frac{#1}{#2}", "bad name": "x", "": "y", "n": ["x", True], "m": ["x", 12], "o": 3}
    assert normalise(table) == {"R": (0, None, "\\mathbb{R}"), "k": (2, None, "\\frac{#1}{#2}")}


def test_the_macros_of_a_folder_of_notes_kept_with_an_editor(tmp_path):
    _write(tmp_path, {
        ".git/HEAD": "",
        ".vscode/settings.json": '{\n  // the built-in KaTeX preview\n  "markdown.math.macros": {"\\\\RR": "\\\\mathbb{R}"},\n  "editor.tabSize": 2,\n}\n',
        ".crossnote/config.js": '({\n  katexConfig: {\n  "macros": {"\\\\E": "\\\\mathbb{E}"}\n},\n  mathjaxConfig: {"tex": {}},\n})\n',
        "vault/.obsidian/app.json": "{}",
        "vault/preamble.sty": "\\newcommand{\\bx}{\\mathbf{x}}\n\\DeclareMathOperator{\\tr}{tr}\n",
        "vault/n.md": "$x$\n",
        "other/preamble.sty": "\\newcommand{\\by}{\\mathbf{y}}\n",
        "other/n.md": "$x$\n",
    })  # fmt: skip
    vault = site_macros(str(tmp_path / "vault" / "n.md"))
    assert vault.macros["RR"][2] == "\\mathbb{R}" and vault.macros["E"][2] == "\\mathbb{E}"
    assert vault.macros["bx"][2] == "\\mathbf{x}" and vault.macros["tr"][2] == "\\operatorname{tr}"
    assert "by" not in site_macros(str(tmp_path / "other" / "n.md")).macros  # no Obsidian vault there


def test_a_conf_py_that_imports_its_mathjax_settings(tmp_path):
    _write(tmp_path, {
        ".git/HEAD": "",
        "docs/source/conf.py": "import sys\nsys.path.insert(0, '.')\nfrom params.mathjax_params import *\nproject = 'x'\n",
        "docs/source/params/__init__.py": "",
        "docs/source/params/mathjax_params.py": (
            "mathjax_path = 'https://cdn.example/mathjax@2/MathJax.js'\n"
            "mathjax3_config = {'TeX': {'Macros': {'pder': ['{\\\\frac{\\\\partial #1}{\\\\partial #2}}', 2], 'x': ['{x}']}}}\n"
        ),
        "docs/source/n.md": "$x$\n",
    })  # fmt: skip
    found = site_macros(str(tmp_path / "docs" / "source" / "n.md"))
    assert found.macros == {"pder": (2, None, "{\\frac{\\partial #1}{\\partial #2}}"), "x": (0, None, "{x}")}
    assert str(tmp_path / "docs" / "source" / "params" / "mathjax_params.py") in found.files


def test_yaml_flow_collections_over_several_lines_with_comments():
    text = 'macros: {\n  "R": "\\\\mathbb{R}",   # the reals\n  bm: ["\\\\boldsymbol{#1}", 1],  # bold\n  h: "a # b"\n}\nnext: 1\n'
    assert load_yaml(text) == {"macros": {"R": "\\mathbb{R}", "bm": ["\\boldsymbol{#1}", 1], "h": "a # b"}, "next": 1}


def test_a_quarto_include_gives_its_macros_but_never_from_outside_the_project(tmp_path) -> None:
    """{{< include _macros.tex >}} in a chapter: the included file's \\newcommand's are the note's
    macros; a file outside the project (the folder of _quarto.yml) is never read."""
    import subprocess
    import sys

    project = tmp_path / "book"
    (project / "chapters").mkdir(parents=True)
    (project / "_quarto.yml").write_text("project:\n  type: book\n", encoding="utf-8")
    (project / "_macros.tex").write_text("\\newcommand{\\vx}{\\mathbf{x}}\n", encoding="utf-8")
    (tmp_path / "outside.tex").write_text("\\newcommand{\\vz}{\\mathbf{z}}\n", encoding="utf-8")
    body = "$$\n{{< include %s >}}\n$$\n\nLet $%s \\in \\mathbb{R}^n$.\n"
    inside = project / "chapters" / "a.qmd"
    inside.write_text(body % ("../_macros.tex", "\\vx"), encoding="utf-8")
    escaping = project / "chapters" / "b.qmd"
    escaping.write_text(body % ("../../outside.tex", "\\vz"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "derivlint", "claims", str(inside), str(escaping)],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert "a.qmd:5:6  declaration  x ∈ R^{n}" in run.stdout
    assert "b.qmd:5:6  unparsed  unknown command \\vz" in run.stdout
    assert "template tag" not in run.stdout.split("b.qmd")[0]  # the include's display is no claim
