"""LaTeX notes: math blocks and the paragraphs, list items and sections around them."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from derivlint.extract.blocks import Extraction, MathBlock, Passage, contiguous_offsets
from derivlint.math.macros import DEFINERS, macro_table, match_group, parse_definition, scan_definitions
from derivlint.math.macros import skip_optional, skip_space, strip_comments
from derivlint.source import Source

_STARRED = ("equation", "align", "alignat", "gather", "multline", "flalign", "eqnarray", "displaymath")
MATH_ENVS = frozenset(_STARRED) | {n + "*" for n in _STARRED} | {"math"}
VERBATIM_ENVS = frozenset(
    {"verbatim", "verbatim*", "Verbatim", "Verbatim*", "lstlisting", "minted", "comment"}
)
# environments of code a document uses or declares: a name that says code (codebox, rcode, pycode,
# sourcecode, mylisting, console), or one made by a listings/fancyvrb/minted/tcolorbox command; their
# bodies are read as text (R's df$col is no math), as the document's listing package prints them
_CODE_WORD = re.compile("code|listing|verbatim|minted|console|terminal", re.I)
_CODE_ENV_USED = re.compile(rf"\\begin\s*\{{([A-Za-z@]*(?:{_CODE_WORD.pattern})[A-Za-z@]*\*?)\}}", re.I)
_CODE_ENV_DECLARED = re.compile(
    r"\\(?:lstnewenvironment|newtcblisting|NewTCBListing|DeclareTCBListing|DefineVerbatimEnvironment|"
    r"newminted\s*\[|newmintedfile\s*\[)\s*\*?\s*\{?\s*([A-Za-z@]+\*?)"
)
_MINTED_LANGUAGE = re.compile(r"\\newminted\s*\{\s*([A-Za-z]+)\s*\}")  # \newminted{python}{…}: pythoncode
_ENV_DEFINED = re.compile(r"\\(?:re)?newenvironment\s*\*?\s*\{\s*([A-Za-z@]+\*?)\s*\}|\\(?:New|Renew)DocumentEnvironment\s*\{\s*([A-Za-z@]+\*?)\s*\}")
_COMMAND = re.compile(r"\\[A-Za-z]")


def verbatim_envs(text: str) -> frozenset[str]:
    """The environments of ``text`` whose bodies are not LaTeX: VERBATIM_ENVS and its code
    environments. One known only by its name (codebox, pycode) must hold no LaTeX command in any
    of its bodies and not be defined by \\newenvironment: LyX's lyxcode is a list in typewriter
    type whose lines hold math."""
    if "\\begin" not in text:
        return VERBATIM_ENVS
    found = set()
    if _CODE_WORD.search(text):
        named = {m.group(1) for m in _CODE_ENV_USED.finditer(text)} - VERBATIM_ENVS
        if named:
            defined = {a or b for a, b in _ENV_DEFINED.findall(text)}
            found = {name for name in named - defined if not _holds_latex(text, name)}
    if "new" in text or "Declare" in text or "Define" in text:
        found |= {m.group(1) for m in _CODE_ENV_DECLARED.finditer(text)}
        found |= {m.group(1) + "code" for m in _MINTED_LANGUAGE.finditer(text)}
    return VERBATIM_ENVS | found if found - VERBATIM_ENVS else VERBATIM_ENVS


def _holds_latex(text: str, name: str) -> bool:
    """Whether a body of the environment ``name`` in ``text`` holds a LaTeX command."""
    begin, end = "\\begin{%s}" % name, "\\end{%s}" % name
    i = text.find(begin)
    while i != -1:
        k = text.find(end, i)
        if _COMMAND.search(text, i + len(begin), len(text) if k == -1 else k):
            return True
        i = text.find(begin, i + len(begin))
    return False


# commands whose arguments are package settings (a listings language's alsoother={$}, a colour, a
# package's options): read as text, as LaTeX does
SETTINGS_COMMANDS = frozenset({"lstdefinelanguage", "lstset", "lstdefinestyle", "lstnewenvironment", "lstinputlisting",
                               "setminted", "newminted", "usemintedstyle", "tcbset", "definecolor", "hypersetup",
                               "usepackage", "documentclass", "RequirePackage", "PassOptionsToPackage"})  # fmt: skip


def settings_end(text: str, pos: int, most: int = 6) -> int:
    """Where the bracketed and braced arguments from ``pos`` end (at most ``most`` of them, spaces,
    comments and a single line break between); ``pos`` if none follows."""
    n = len(text)
    for _ in range(most):
        k, breaks = pos, 0
        while k < n and (text[k] in " \t%" or (text[k] == "\n" and breaks == 0)):
            if text[k] == "%":  # a comment ends the line: \lstdefinelanguage{Julia}%
                k = text.find("\n", k)
                k = n if k == -1 else k + 1
                continue
            breaks += text[k] == "\n"
            k += 1
        end = match_group(text, k) if k < n else -1  # its escapes and comments skipped
        if end == -1:
            return pos
        pos = end
    return pos


# diagrams: their math is read, but a label may be a fragment ($(a$ on one node, $b)$ on the next)
DIAGRAM_ENVS = frozenset({"tikzpicture", "tikzcd", "picture", "xy"})
# environments that sit inside a paragraph; every other one starts and ends a passage
INLINE_ENVS = frozenset(
    {"tikzpicture", "tikzcd", "pgfpicture", "scope", "tabular", "tabular*", "tabularx", "array", "color",
     "small", "footnotesize", "scriptsize", "tiny", "large", "Large", "normalsize"}
)
SECTIONS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4,
            "paragraph": 5, "subparagraph": 6}
_PYLATEXENC_LIMIT = 1_000_000  # characters; pylatexenc, the second reader, is not tried on longer files

_CS_RE = re.compile(r"\\(?:[A-Za-z]+|.)", re.S)
_BEGIN_RE = re.compile(r"\\begin\s*\{\s*([^{}]*?)\s*\}")
_END_RE = re.compile(r"\\end\s*\{\s*([^{}]*?)\s*\}")
# the name is stripped where it is read (_env_name): "\s*([^{}]*?)\s*\}" backtracked quadratically over
# a long run of spaces with no closing brace (a fuzzed \begin{ followed by blanked definitions: 91 s)
_ENV_TOKEN_RE = re.compile(r"%[^\n]*|\\(begin|end)\s*\{([^{}]*)\}|\\.", re.S)
_ESCAPE_OR_COMMENT_RE = re.compile(r"\\.|%[^\n]*", re.S)
# what cannot be inside $…$: TeX ends (with an error) the math there
_STOP = (
    r"(?P<stop>\n[ \t\r\f\v]*\n|\\[][()]|\\(?:par|item|" + "|".join(SECTIONS) + r")(?![A-Za-z])"
    + r"|\\(?:begin|end)\s*\{\s*(?:" + "|".join(re.escape(e) for e in sorted(MATH_ENVS)) + r")\s*\})"
)
_DOLLAR_STEP = re.compile(_STOP + r"|\\.|%[^\n]*|[{}]|\$\$?", re.S)
_STOP_RE = re.compile(_STOP)
_BLANK_LINES_RE = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")
_FALLBACK_STEP = re.compile(r"[\\%$]")
_UNEXPECTED_CLOSE_RE = re.compile(r"Unexpected closing math mode: '(\\[\])])'")


@dataclass
class _Found:
    """What a scanner found, as offsets; turned into blocks and passages by ``_build``."""

    # start, end, body start, body end, opening delimiter, environment name
    maths: list[tuple[int, int, int, int, str, str | None]] = field(default_factory=list)
    headings: list[tuple[int, int, int, str]] = field(default_factory=list)  # start, end, level, title
    items: list[int] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)
    skips: list[tuple[int, int]] = field(default_factory=list)  # comments and verbatim, outside math
    problems: list[tuple[int, int, str]] = field(default_factory=list)
    nest_body: int = -1  # body start of the innermost level of the last unclosed math environment nest
    verbatim: frozenset = VERBATIM_ENVS  # the document's environments read as text (verbatim_envs)


def _diagrams(masked: str) -> list[tuple[int, int, str]]:
    """The spans of diagram environments (tikzpicture …): start, end, name."""
    out = []
    for name in DIAGRAM_ENVS:
        begin = "\\begin{%s}" % name
        i = masked.find(begin)
        while i != -1:
            k = masked.find("\\end{%s}" % name, i)
            out.append((i, len(masked) if k == -1 else k, name))
            i = masked.find(begin, i + len(begin))
    return out


def extract_latex(path: str, text: str) -> Extraction:
    """The math blocks, passages, macro definitions and delimiter problems of a LaTeX file.

    A plain text scanner reads the document (comments, verbatim, definitions,
    environments, sections, items); math delimiters are paired by text rules
    and math bodies are never parsed here. It reads what pylatexenc reads, to
    the offset, on the corpus, the fixtures and well-formed random documents,
    15× faster; on malformed ones (an ``\\end`` never begun) only paragraph
    bounds may differ. Should the scanner raise, pylatexenc reads the file
    (up to ``_PYLATEXENC_LIMIT`` characters). Never raises.
    """
    try:
        found = _scan_text(text)
    except Exception:  # a bug of the scanner: do not lose the file
        found = None
        if len(text) <= _PYLATEXENC_LIMIT:
            try:
                found = _scan_pylatexenc(text)
            except Exception:  # pylatexenc mis-parses or crashes too
                found = None
    return _build(Source(path, text), found or _Found())


# ---------------------------------------------------------------- shared text helpers


def _unclosed(opener: str, closer: str) -> str:
    return f"unclosed '{opener}': no matching '{closer}'"


def _unclosed_dollar(text: str, opener: str, stop: int) -> str:
    m = _STOP_RE.match(text, stop)
    where = "the end of the paragraph"
    if m and m.group()[0] != "\n" and m.group() != "\\par":
        where = "'" + "".join(m.group().split()) + "'"
    return f"unclosed '{opener}': no matching '{opener}' before {where}"


def _body_start(text: str, begin: int, name: str) -> int:
    """Offset just past ``\\begin{name}`` at ``begin`` and its arguments (alignat's ``{2}``)."""
    m = _BEGIN_RE.match(text, begin)
    return _skip_env_args(text, m.end() if m else begin, name)


def _skip_env_args(text: str, i: int, name: str) -> int:
    """Offset past the arguments that follow ``\\begin{name}`` at ``i`` (only alignat has one)."""
    if name.startswith("alignat"):
        j = skip_space(text, i)
        k = match_group(text, j) if j < len(text) and text[j] == "{" else -1
        return k if k != -1 else i
    return i


def _env_name(m: re.Match) -> str:
    """The environment name an _ENV_TOKEN_RE match holds, without the spaces around it."""
    return m.group(2).strip()


def _math_env_end(text: str, i: int, name: str) -> tuple[int, int] | None:
    """The span of the ``\\end{name}`` closing a math environment whose body starts at ``i``.

    None when the environment is not closed: another display environment
    begins first, or some other environment ends that was not opened inside.
    """
    stack: list[str] = []
    for m in _ENV_TOKEN_RE.finditer(text, i):
        kind = m.group(1)
        if kind == "begin":
            if _env_name(m) in MATH_ENVS:
                return None
            stack.append(_env_name(m))
        elif kind == "end":
            env = _env_name(m)
            if stack and stack[-1] == env:
                stack.pop()
            elif env == name and name not in stack:
                return m.start(), m.end()
            elif env in stack:
                del stack[len(stack) - 1 - stack[::-1].index(env) :]
            else:
                return None
    return None


def _verb_end(text: str, i: int) -> int:
    """End of a ``\\verb|…|`` whose name ends at ``i`` (``i`` itself if it is malformed)."""
    j = i
    while j < len(text) and text[j] in " \t":
        j += 1
    if j < len(text) and text[j] == "*":
        j += 1
    if j >= len(text) or text[j].isspace():
        return i
    close = text.find(text[j], j + 1)
    newline = text.find("\n", j + 1)
    if close == -1 or -1 < newline < close:
        return i
    return close + 1


def _heading(text: str, start: int) -> tuple[int, int, str] | None:
    """(end, level, title) of a sectioning command at ``start``, or None without a title."""
    m = _CS_RE.match(text, start)
    if m is None or m.group()[1:] not in SECTIONS:
        return None
    i = m.end()
    if text.startswith("*", i):
        i += 1
    i = skip_optional(text, i)  # \section[short]{title}
    if i == -1:
        return None
    if not text.startswith("{", i):
        return None
    end = match_group(text, i)
    if end == -1:
        return None
    return end, SECTIONS[m.group()[1:]], " ".join(strip_comments(text[i + 1 : end - 1]).split())


def _blank_comments(s: str) -> str:
    """``s`` with each ``%`` comment replaced by spaces of the same length."""
    if "%" not in s:
        return s
    return _ESCAPE_OR_COMMENT_RE.sub(lambda m: " " * len(m.group()) if m.group()[0] == "%" else m.group(), s)


# ---------------------------------------------------------------- pylatexenc: the second reader

_CONTEXT: dict = {}  # the verbatim environments -> their pylatexenc context


def _context(verbatim: frozenset = VERBATIM_ENVS):
    """The pylatexenc context: the defaults plus ``verbatim``, definitions and sectioning fixes."""
    if verbatim not in _CONTEXT:
        if len(_CONTEXT) > 16:  # documents with listing environments of their own: a few contexts kept
            _CONTEXT.clear()
        from pylatexenc.latexwalker import get_default_latex_context_db
        from pylatexenc.macrospec import (EnvironmentSpec, LatexContextDb, MacroSpec, MacroStandardArgsParser,
                                          ParsedMacroArgs)

        class Skip(MacroStandardArgsParser):
            """Arguments taken as raw text up to ``find(text, pos)``, never parsed."""

            def __init__(self, find):
                super().__init__(argspec="")
                self.find = find

            def parse_args(self, w, pos, parsing_state=None, **kwargs):
                return ParsedMacroArgs(argspec="", argnlist=[]), pos, max(0, self.find(w.s, pos) - pos)

        def definition_end(keyword):
            def find(s, pos):
                d = parse_definition(s, s.rfind("\\" + keyword, 0, pos))
                return d.end if d is not None else pos
            return find

        def verbatim_end(name):
            def find(s, pos):
                k = s.find("\\end{%s}" % name, pos)
                return len(s) if k == -1 else k
            return find

        def env_args_end(name):
            return lambda s, pos: _skip_env_args(s, pos, name)

        ours_macros = [MacroSpec("verb", args_parser=Skip(_verb_end))]
        ours_macros += [MacroSpec(k, args_parser=Skip(definition_end(k))) for k in sorted(DEFINERS)]
        ours_macros += [MacroSpec(k, args_parser=Skip(settings_end)) for k in sorted(SETTINGS_COMMANDS)]
        ours_macros += [MacroSpec(name, "*[{") for name in SECTIONS]  # pylatexenc misspells \paragraph
        ours_envs = [EnvironmentSpec(n, args_parser=Skip(verbatim_end(n))) for n in sorted(verbatim)]
        ours_envs += [EnvironmentSpec(n, args_parser=Skip(env_args_end(n))) for n in sorted(MATH_ENVS)]
        # one category and no specials (``~``, ``--``, ``&`` mean nothing here): pylatexenc
        # looks specials up at every character, in every category
        base = get_default_latex_context_db()
        macros, envs = {}, {}
        for category in reversed(base.categories()):
            macros.update((m.macroname, m) for m in base.iter_macro_specs([category]))
            envs.update((e.environmentname, e) for e in base.iter_environment_specs([category]))
        macros.update((m.macroname, m) for m in ours_macros)
        envs.update((e.environmentname, e) for e in ours_envs)
        db = LatexContextDb()
        db.add_context_category("derivlint", macros=macros.values(), environments=envs.values())
        _CONTEXT[verbatim] = db
    return _CONTEXT[verbatim]


def _walker_class():
    from pylatexenc.latexwalker import LatexWalker

    class Walker(LatexWalker):
        """A walker that pairs math delimiters by text and never parses math bodies.

        Math bodies are the lexer's business; pairing them here by the same
        rules as the text scanner keeps the two readers in agreement. An
        unclosed opener yields a node of the opener alone, so the rest of
        the file is still read.
        """

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.errors: list[tuple[int | None, str]] = []

        def _report_ignore_parse_error(self, exc):
            self.errors.append((getattr(exc, "pos", None), str(getattr(exc, "msg", exc))))

        def get_latex_nodes(self, pos=0, stop_upon_closing_brace=None, stop_upon_end_environment=None,
                            stop_upon_closing_mathmode=None, read_max_nodes=None, parsing_state=None):
            if stop_upon_closing_mathmode is not None and parsing_state is not None:
                return [], pos, _delimiter_end(self.s, pos, parsing_state.math_mode_delimiter)[1] - pos
            if stop_upon_end_environment in MATH_ENVS:
                closing = _math_env_end(self.s, pos, stop_upon_end_environment)
                return [], pos, 0 if closing is None else closing[1] - pos
            return super().get_latex_nodes(pos, stop_upon_closing_brace, stop_upon_end_environment,
                                           stop_upon_closing_mathmode, read_max_nodes, parsing_state)

    return Walker


def _scan_pylatexenc(text: str) -> _Found:
    found = _Found(verbatim=verbatim_envs(text))
    walker = _walker_class()(text, latex_context=_context(found.verbatim), tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes(pos=0)
    _walk(text, nodes, found)
    for pos, message in walker.errors:
        m = _UNEXPECTED_CLOSE_RE.search(message)
        if m and pos is not None:
            found.problems.append(_orphan_closer(pos, m.group(1)))
    return found


def _walk(text: str, nodes, found: _Found) -> None:
    from pylatexenc import latexwalker as lw

    for node in nodes or ():
        if node is None:
            continue
        if isinstance(node, lw.LatexCommentNode):
            found.skips.append((node.pos, node.pos + 1 + len(node.comment)))
        elif isinstance(node, lw.LatexMathNode):
            opener, closer = node.delimiters
            _add_math(text, found, node.pos, node.pos + len(opener), opener, closer)
        elif isinstance(node, lw.LatexEnvironmentNode):
            name, end = node.environmentname, node.pos + node.len
            if name in MATH_ENVS:
                body_start = _body_start(text, node.pos, name)
                _add_math(text, found, node.pos, body_start, "\\begin{%s}" % name, None)
            elif name in found.verbatim:
                found.skips.append((node.pos, end))
                found.breaks.append((node.pos, end))
            else:
                begin = _BEGIN_RE.match(text, node.pos)
                if name not in INLINE_ENVS and begin:
                    found.breaks.append((node.pos, begin.end()))
                _walk(text, node.nodeargd.argnlist if node.nodeargd else (), found)
                _walk(text, node.nodelist, found)
                closing = "\\end{%s}" % name
                if name not in INLINE_ENVS and text.startswith(closing, end - len(closing)):
                    found.breaks.append((end - len(closing), end))
        elif isinstance(node, lw.LatexMacroNode):
            _macro(text, node.macroname, node.pos, found)
            if node.macroname == "verb":
                found.skips.append((node.pos, node.pos + node.len))
            elif node.nodeargd is not None and node.macroname not in DEFINERS:
                _walk(text, node.nodeargd.argnlist, found)
        elif isinstance(node, lw.LatexGroupNode):
            _walk(text, node.nodelist, found)


# ---------------------------------------------------------------- the text scanner


def _scan_text(text: str) -> _Found:
    """Delimiters, environments, comments, verbatim, sections and items, by a plain text scan."""
    found = _Found(verbatim=verbatim_envs(text))
    pos, n = 0, len(text)
    while True:
        m = _FALLBACK_STEP.search(text, pos)
        if m is None:
            return found
        j = m.start()
        if text[j] == "%":
            k = text.find("\n", j)
            pos = n if k == -1 else k
            found.skips.append((j, pos))
        elif text[j] == "$":
            opener = "$$" if text.startswith("$$", j) else "$"
            pos = _add_math(text, found, j, j + len(opener), opener, opener)
        else:
            cs = _CS_RE.match(text, j)
            if cs is None:  # a backslash at the very end
                return found
            pos = _scan_command(text, j, cs.group()[1:], cs.end(), found)


def _scan_command(text: str, j: int, name: str, after: int, found: _Found) -> int:
    """Handle the control sequence ``\\name`` at ``j``; return where scanning goes on."""
    if name in ("(", "["):
        return _add_math(text, found, j, after, "\\" + name, "\\)" if name == "(" else "\\]")
    if name in (")", "]"):
        found.problems.append(_orphan_closer(j, "\\" + name))
    elif name == "begin":
        m = _BEGIN_RE.match(text, j)
        if m is None:
            return after
        env = m.group(1)
        if env in MATH_ENVS:
            return _add_math(text, found, j, _body_start(text, j, env), "\\begin{%s}" % env, None)
        if env in found.verbatim:
            k = text.find("\\end{%s}" % env, m.end())
            end = len(text) if k == -1 else k + len(env) + 6
            found.skips.append((j, end))
            found.breaks.append((j, end))
            return end
        if env not in INLINE_ENVS:
            found.breaks.append((j, m.end()))
        return m.end()
    elif name == "end":
        m = _END_RE.match(text, j)
        if m:
            if m.group(1) not in INLINE_ENVS:
                found.breaks.append((j, m.end()))
            return m.end()
    elif name == "verb":
        end = _verb_end(text, after)
        found.skips.append((j, end))
        return end
    elif name in DEFINERS:
        d = parse_definition(text, j)
        return d.end if d else after
    elif name in SETTINGS_COMMANDS:  # \lstdefinelanguage{Julia}{alsoother={$}}: settings, no math
        return settings_end(text, after)
    else:
        _macro(text, name, j, found)
    return after


# ---------------------------------------------------------------- shared by both readers


def _add_math(text: str, found: _Found, start: int, body_start: int, opener: str, closer: str | None) -> int:
    """Record the math that opens at ``start`` (or a problem if unclosed); return where reading goes on.

    ``closer`` is None for an environment (``opener`` is then ``\\begin{NAME}``).
    """
    if closer is None:
        env = opener[7:-1]
        close_start, close_end = _math_env_end(text, body_start, env) or (-1, body_start)
        closer = "\\end{%s}" % env
    else:
        env = None
        close_start, close_end = _delimiter_end(text, body_start, opener)
    if close_start == -1:
        if opener in ("$", "$$"):
            found.problems.append((start, body_start, _unclosed_dollar(text, opener, close_end)))
        elif env is None:
            found.problems.append((start, body_start, _unclosed(opener, closer)))
        else:
            if not _nested_in_last_problem(text, found, start):
                found.problems.append((start, body_start, _unclosed(opener, closer)))
            found.nest_body = body_start
        return close_end
    found.maths.append((start, close_end, body_start, close_start, opener, env))
    return close_end


def _nested_in_last_problem(text: str, found: _Found, start: int) -> bool:
    """Whether the math environment at ``start`` is the next level of a nest whose outer level is
    already reported unclosed (``\\begin{align}`` right inside ``\\begin{align}``, with only blanks
    between): a nest of 500 levels is one finding, not one per level."""
    if not found.problems or found.problems[-1][1] > found.nest_body:
        return False  # another problem came after the nest
    return -1 < found.nest_body <= start and not text[found.nest_body : start].strip()


def _delimiter_end(text: str, i: int, opener: str) -> tuple[int, int]:
    """The span of the delimiter that closes ``opener``, whose body starts at ``i``.

    If it is unclosed: (-1, where reading goes on). ``$`` and ``$$`` close at
    the first ``$`` / ``$$`` outside braces, and never past a blank line,
    ``\\[``, ``\\begin{align}``, ``\\section`` … (TeX stops the math there, with
    an error); reading goes on from that stop, so that a stray ``$`` costs at
    most the rest of its paragraph. ``\\(`` and ``\\[`` close at ``\\)`` / ``\\]`` and are unclosed
    if the same opener comes first. Escapes and comments are skipped.
    """
    if opener in ("$", "$$"):
        depth = 0  # a $ inside braces (\\text{…}, a tikz node …) opens nested math
        for m in _DOLLAR_STEP.finditer(text, i):
            t = m.group()
            if m.lastgroup == "stop":
                return -1, m.start()
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= depth > 0
            elif t[0] == "$" and depth == 0 and (opener == "$" or t == "$$"):
                return m.start(), m.start() + len(opener)
        return -1, len(text)
    closer = "\\)" if opener == "\\(" else "\\]"
    for m in _ESCAPE_OR_COMMENT_RE.finditer(text, i):
        if m.group() == closer:
            return m.start(), m.end()
        if m.group() == opener:
            break
    return -1, i


def _macro(text: str, name: str, pos: int, found: _Found) -> None:
    """Record a sectioning command or an ``\\item`` at ``pos``."""
    if name in SECTIONS:
        heading = _heading(text, pos)
        if heading:
            found.headings.append((pos, *heading))
    elif name == "item":
        found.items.append(pos)


def _orphan_closer(pos: int, closer: str) -> tuple[int, int, str]:
    opener = "\\(" if closer == "\\)" else "\\["
    return pos, pos + 2, f"'{closer}' without a matching '{opener}'"


# ---------------------------------------------------------------- blocks and passages


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, replacement) applied; spans sorted and disjoint."""
    out, pos = [], 0
    for start, end, new in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _spaces(text: str, start: int, end: int) -> tuple[int, int, str]:
    return start, end, re.sub(r"[^\n]", " ", text[start:end])


def _environments(masked: str, definitions: list) -> tuple[list[tuple[int, int, str]], frozenset[int]]:
    """Every ``\\end{X}`` with no open ``\\begin{X}``, and the definitions local to an environment.

    ``masked`` has comments, verbatim and definitions blanked. A definition
    is local when an environment other than ``document`` is open around it
    and it is not a ``\\gdef`` / ``\\xdef``.
    """
    problems, stack, local = [], [], set()
    starts = sorted(d.start for d in definitions if d.keyword not in ("gdef", "xdef"))
    k = 0
    for m in _ENV_TOKEN_RE.finditer(masked):
        while k < len(starts) and starts[k] < m.start():
            if any(env != "document" for env in stack):
                local.add(starts[k])
            k += 1
        if m.group(1) == "begin":
            stack.append(_env_name(m))
        elif m.group(1) == "end":
            name = _env_name(m)
            if name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name) :]
            else:
                message = f"'\\end{{{name}}}' without a matching '\\begin{{{name}}}'"
                problems.append((m.start(), m.end(), message))
    if any(env != "document" for env in stack):
        local.update(starts[k:])
    return problems, frozenset(local)


def _build(source: Source, found: _Found) -> Extraction:
    text = source.text
    maths, last_end = [], -1
    for math in sorted(found.maths):
        if math[0] >= last_end:
            maths.append(math)
            last_end = math[1]
    bodies = [_blank_comments(text[m[2] : m[3]]) for m in maths]

    # the text with comments and verbatim blanked, math bodies as their blocks have them
    spans = [_spaces(text, s, e) for s, e in found.skips] + [(m[2], m[3], b) for m, b in zip(maths, bodies)]
    masked = _replace(text, sorted(spans))
    definitions = scan_definitions(masked)
    without_definitions = _replace(masked, [_spaces(masked, d.start, d.end) for d in definitions])
    orphans, local = _environments(without_definitions, definitions)
    macros = macro_table(definitions, keep_earlier=local)
    problems = found.problems + orphans

    diagrams = _diagrams(masked)

    def env_of(m) -> str | None:
        return m[5] or next((name for s, e, name in diagrams if s <= m[0] < e), None)

    blocks = [
        MathBlock(source, body, contiguous_offsets(m[2], len(body)), m[0], m[1], m[4],
                  display=m[4] not in ("$", "\\(") and m[5] != "math", env=env_of(m))
        for m, body in zip(maths, bodies)
    ]
    del maths, bodies, spans, without_definitions  # a long note: what the blocks hold now
    found.maths = []
    passages = _passages(source, found, blocks, masked)
    seen: set[tuple[int, str]] = set()
    unique = []
    for start, end, message in sorted(problems):
        if (start, message) not in seen:
            seen.add((start, message))
            unique.append((source, start, end, message))
    return Extraction([source], passages, blocks, unique, macros)


def _passages(source: Source, found: _Found, blocks: list[MathBlock], masked: str) -> list[Passage]:
    """Paragraphs, headings and list items, with every block attached to the one it is in."""
    text = source.text
    atomic: list[tuple[int, int]] = []
    for start, end in sorted([(b.start, b.end) for b in blocks] + [(h[0], h[1]) for h in found.headings]):
        if atomic and start < atomic[-1][1]:
            atomic[-1] = (atomic[-1][0], max(end, atomic[-1][1]))
        else:
            atomic.append((start, end))
    atomic_starts = [a[0] for a in atomic]

    def inside_atomic(pos: int) -> bool:
        k = bisect.bisect_right(atomic_starts, pos) - 1
        return k >= 0 and atomic[k][0] < pos < atomic[k][1]

    cuts: list[tuple[int, int, str, tuple[int, str] | None]] = []
    for m in _BLANK_LINES_RE.finditer(text):
        if not inside_atomic(m.start()):
            cuts.append((m.start(), m.end(), "paragraph", None))
    cuts += [(s, e, "paragraph", (level, title)) for s, e, level, title in found.headings]
    cuts += [(s, s, "list_item", None) for s in found.items if not inside_atomic(s)]
    cuts += [(s, e, "paragraph", None) for s, e in found.breaks if not inside_atomic(s)]
    cuts.sort(key=lambda c: (c[0], c[1]))

    def segments():
        """(start, end, kind, heading path, section) of each piece between two cuts, made one
        at a time, each heading path one tuple for all the pieces under it (a note of 10 MB of
        short paragraphs has 300,000 of them)."""
        path: list[tuple[int, str]] = []
        titles: tuple[str, ...] = ()
        pos, kind, section = 0, "paragraph", 0
        for start, end, next_kind, heading in cuts:
            start = max(start, pos)
            yield pos, start, kind, titles, section
            if heading is not None:
                level, title = heading
                while path and path[-1][0] >= level:
                    path.pop()
                path.append((level, title))
                titles = tuple(t for _, t in path)
                section += 1
                yield start, max(start, end), "heading", titles, section
            pos, kind = max(pos, end), next_kind
        yield pos, len(text), kind, titles, section

    passages: list[Passage] = []
    block_starts = [b.start for b in blocks]
    for start, end, kind, headings, section in segments():
        if end <= start:
            continue
        lo, hi = bisect.bisect_left(block_starts, start), bisect.bisect_left(block_starts, end)
        inner = blocks[lo:hi]
        chunk = masked[start:end]  # comments blanked: a comment-only paragraph is no passage
        if not chunk.strip() and not inner:
            continue
        p_start = start + (len(chunk) - len(chunk.lstrip()))
        p_end = start + len(chunk.rstrip())
        if inner:
            p_start, p_end = min(p_start, inner[0].start), max(p_end, max(b.end for b in inner))
        passage = Passage(source, kind, p_start, p_end, headings, section)
        for block in inner:
            passage.add_block(block)
        passages.append(passage)
    for block in blocks:  # safety net: a block outside every passage gets its own
        if block.passage is None:
            passage = Passage(source, "paragraph", block.start, block.end, (), 0)
            passage.add_block(block)
            passages.append(passage)
    passages.sort(key=lambda p: p.start)
    return passages
