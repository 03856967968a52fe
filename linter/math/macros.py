"""Macro definitions (\\newcommand, \\def, \\DeclareMathOperator …) found by a plain text scan."""

from __future__ import annotations

import re
from typing import NamedTuple


class Definition(NamedTuple):
    """One definition in the text: ``text[start:end]`` is the whole definition.

    ``name`` is the macro name without its backslash, or None for definitions
    that are not recorded as macros (environments, xparse argument specs that
    do not fit ``(n_args, default, body)``). ``keyword`` is the defining
    command without backslash (``newcommand``, ``def`` …).
    """

    name: str | None
    nargs: int
    default: str | None
    body: str
    start: int
    end: int
    keyword: str
    spec: tuple | None = None  # xparse arguments in order when not "optional first": see Signature


class Signature(tuple):
    """A macro entry ``(n_args, default, body)`` whose arguments are not "one optional first,
    then mandatory ones" (``\\NewDocumentCommand{\\x}{m o}``): ``spec`` holds, for each argument
    in order, None when it is mandatory or the text used when an optional one is absent.
    It unpacks as the 3-tuple every macro entry is, so readers that ignore ``spec`` still work."""

    spec: tuple

    def __new__(cls, nargs: int, default: str | None, body: str, spec: tuple):
        entry = super().__new__(cls, (nargs, default, body))
        entry.spec = spec
        return entry

    def __getnewargs__(self):
        return (*self, self.spec)


NEWCOMMANDS = frozenset({"newcommand", "renewcommand", "providecommand", "DeclareRobustCommand"})
DEFS = frozenset({"def", "gdef", "edef", "xdef"})
XPARSE = frozenset(
    {"NewDocumentCommand", "RenewDocumentCommand", "ProvideDocumentCommand", "DeclareDocumentCommand"}
)
ENVIRONMENTS = frozenset({"newenvironment", "renewenvironment"})
XPARSE_ENVIRONMENTS = frozenset({"NewDocumentEnvironment", "RenewDocumentEnvironment"})
DEFINERS = NEWCOMMANDS | DEFS | XPARSE | ENVIRONMENTS | XPARSE_ENVIRONMENTS | {"let", "DeclareMathOperator"}

_KEYWORD_RE = re.compile(r"\\(" + "|".join(sorted(DEFINERS, key=len, reverse=True)) + r")(?![A-Za-z@])")
_CS_RE = re.compile(r"\\(?:[A-Za-z@]+|.)", re.S)
_BRACE_STEP = re.compile(r"[\\{}%]")
_BRACKET_STEP = re.compile(r"[\\{}%\]]")
_COMMENT_RE = re.compile(r"(?<!\\)((?:\\\\)*)%[^\n]*\n?[ \t]*")
_XPARSE_ARG = re.compile(r"m|o|O\{([^{}]*)\}")
# a body that tests whether an optional argument was given: an absent one is not just empty text
_XPARSE_TESTS = re.compile(r"\\If(?:No)?Value[TF]*(?![A-Za-z])")
_PARAM_RE = re.compile(r"#([1-9])")


def skip_space(text: str, i: int) -> int:
    """Index of the first character at or after ``i`` that is neither whitespace nor in a comment."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "%":
            j = text.find("\n", i)
            i = n if j == -1 else j + 1
        elif c.isspace():
            i += 1
        else:
            break
    return i


def skip_optional(text: str, i: int) -> int:
    """Index past the spaces at ``i``, an optional ``[…]`` argument there and the spaces after it;
    -1 when that argument does not close."""
    i = skip_space(text, i)
    if text.startswith("[", i):
        i = match_group(text, i)
        if i == -1:
            return -1
        i = skip_space(text, i)
    return i


def match_group(text: str, i: int) -> int:
    """Index just past the ``}`` or ``]`` closing the group that opens at ``text[i]``, or -1.

    ``{…}`` counts braces; ``[…]`` ends at the first ``]`` outside braces.
    Escapes (``\\{``, ``\\}``, ``\\%`` …) and ``%`` comments are skipped.
    """
    if i >= len(text) or text[i] not in "{[":
        return -1
    step = _BRACE_STEP if text[i] == "{" else _BRACKET_STEP
    depth = 0 if text[i] == "[" else 1
    pos = i + 1
    while True:
        m = step.search(text, pos)
        if m is None:
            return -1
        c, j = m.group(), m.start()
        if c == "\\":
            pos = j + 2
        elif c == "%":
            k = text.find("\n", j)
            if k == -1:
                return -1
            pos = k + 1
        elif c == "{":
            depth += 1
            pos = j + 1
        elif c == "}":
            depth -= 1
            if depth == 0 and text[i] == "{":
                return j + 1
            if depth < 0:
                return -1
            pos = j + 1
        else:  # "]" outside braces
            if depth == 0:
                return j + 1
            pos = j + 1


def strip_comments(s: str) -> str:
    """``s`` without its ``%`` comments (each with its line end and the next line's indent)."""
    if "%" not in s:
        return s
    return _COMMENT_RE.sub(lambda m: m.group(1), s)


def _read_name(text: str, i: int) -> tuple[str, int] | None:
    """A macro name given as ``\\name`` or ``{\\name}`` at ``i``: (name, end)."""
    i = skip_space(text, i)
    braced = i < len(text) and text[i] == "{"
    if braced:
        i = skip_space(text, i + 1)
    m = _CS_RE.match(text, i)
    if m is None:
        return None
    name, i = m.group()[1:], m.end()
    if braced:
        i = skip_space(text, i)
        if i >= len(text) or text[i] != "}":
            return None
        i += 1
    return name, i


def _read_arg(text: str, i: int, opener: str) -> tuple[str, int] | None:
    """The content of a ``{…}`` or ``[…]`` argument after optional space: (content, end)."""
    i = skip_space(text, i)
    if i >= len(text) or text[i] != opener:
        return None
    end = match_group(text, i)
    if end == -1:
        return None
    return text[i + 1 : end - 1], end


def _star(text: str, i: int) -> int:
    j = skip_space(text, i)
    return j + 1 if j < len(text) and text[j] == "*" else i


def _newcommand(text: str, i: int) -> tuple[str | None, int, str | None, str, int] | None:
    name = _read_name(text, _star(text, i))
    if name is None:
        return None
    name, i = name
    nargs, default = 0, None
    opt = _read_arg(text, i, "[")
    if opt is not None:
        if not opt[0].strip().isdigit():
            return None
        nargs, i = int(opt[0].strip()), opt[1]
        opt = _read_arg(text, i, "[")
        if opt is not None:
            default, i = opt
    body = _read_arg(text, i, "{")
    if body is None:
        return None
    return name, nargs, default, body[0], body[1]


def _def(text: str, i: int) -> tuple[str | None, int, str | None, str, int] | None:
    m = _CS_RE.match(text, skip_space(text, i))
    if m is None:
        return None
    j = text.find("{", m.end())
    if j == -1 or "}" in text[m.end() : j] or "\\" in text[m.end() : j]:
        return None
    end = match_group(text, j)
    if end == -1:
        return None
    params = [int(d) for d in _PARAM_RE.findall(text[m.end() : j])]
    return m.group()[1:], max(params, default=0), None, text[j + 1 : end - 1], end


def _let(text: str, i: int) -> tuple[str | None, int, str | None, str, int] | None:
    m = _CS_RE.match(text, skip_space(text, i))
    if m is None:
        return None
    j = skip_space(text, m.end())
    if j < len(text) and text[j] == "=":
        j = skip_space(text, j + 1)
    target = _CS_RE.match(text, j)
    if target is None:
        if j >= len(text):
            return None
        return m.group()[1:], 0, None, text[j], j + 1
    return m.group()[1:], 0, None, target.group(), target.end()


def _operator(text: str, i: int) -> tuple[str | None, int, str | None, str, int] | None:
    name = _read_name(text, _star(text, i))
    if name is None:
        return None
    body = _read_arg(text, name[1], "{")
    if body is None:
        return None
    starred = _star(text, i) != i  # \\DeclareMathOperator*: limits go under, as with \\lim
    return name[0], 0, None, "\\operatorname" + "*" * starred + "{" + body[0] + "}", body[1]


def _xparse(text: str, i: int) -> tuple | None:
    name = _read_name(text, i)
    if name is None:
        return None
    spec = _read_arg(text, name[1], "{")
    body = spec and _read_arg(text, spec[1], "{")
    if not body:
        return None
    args = _xparse_args("".join(spec[0].split()), body[0])
    if args is None:  # an argument spec that the expansion cannot follow (s, r, v, e … or a value test)
        return None, 0, None, body[0], body[1]
    optional = [k for k, a in enumerate(args) if a is not None]
    if not optional or optional == [0]:
        return name[0], len(args), args[0] if optional else None, body[0], body[1]
    return name[0], len(args), None, body[0], body[1], tuple(args)


def _xparse_args(spec: str, body: str) -> list[str | None] | None:
    """The arguments of an xparse spec made of ``m``, ``o`` and ``O{default}``: None for a
    mandatory one, the text an absent optional one stands for (``o``: nothing). None when the
    spec has other kinds or the body tests whether an ``o`` argument was given."""
    args: list[str | None] = []
    pos = 0
    while pos < len(spec):
        m = _XPARSE_ARG.match(spec, pos)
        if m is None:
            return None
        token = m.group()
        args.append(None if token == "m" else "" if token == "o" else m.group(1))
        pos = m.end()
    if len(args) > 9 or ("o" in spec and _XPARSE_TESTS.search(body)):
        return None
    return args


def _environment(text: str, i: int, xparse: bool) -> tuple[str | None, int, str | None, str, int] | None:
    name = _read_arg(text, _star(text, i), "{")
    if name is None:
        return None
    i = name[1]
    if xparse:
        spec = _read_arg(text, i, "{")
        if spec is None:
            return None
        i = spec[1]
    else:
        for _ in range(2):
            opt = _read_arg(text, i, "[")
            if opt is not None:
                i = opt[1]
    begin = _read_arg(text, i, "{")
    end = begin and _read_arg(text, begin[1], "{")
    if not end:
        return None
    return None, 0, None, begin[0], end[1]


def parse_definition(text: str, start: int) -> Definition | None:
    """The definition whose keyword (``\\newcommand`` …) starts at ``start``, or None if malformed."""
    m = _KEYWORD_RE.match(text, start)
    if m is None:
        return None
    keyword, i = m.group(1), m.end()
    try:
        if keyword in NEWCOMMANDS:
            found = _newcommand(text, i)
        elif keyword in DEFS:
            found = _def(text, i)
        elif keyword == "let":
            found = _let(text, i)
        elif keyword == "DeclareMathOperator":
            found = _operator(text, i)
        elif keyword in XPARSE:
            found = _xparse(text, i)
        else:
            found = _environment(text, i, keyword in XPARSE_ENVIRONMENTS)
    except (IndexError, ValueError):  # defensive: malformed input never raises
        return None
    if found is None:
        return None
    name, nargs, default, body, end = found[:5]
    spec = found[5] if len(found) > 5 else None
    return Definition(name, nargs, default, strip_comments(body), start, end, keyword, spec)


def _is_command(text: str, pos: int, line_from: int) -> bool:
    """Whether the backslash at ``pos`` starts a control sequence outside a comment."""
    i = line_from
    while i < pos:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "%":
            return False
        else:
            i += 1
    return i == pos


def scan_definitions(text: str) -> list[Definition]:
    """Every well-formed definition in ``text``, in order (definitions nested in one are skipped)."""
    found: list[Definition] = []
    if "\\" not in text:
        return found
    pos = 0
    for m in _KEYWORD_RE.finditer(text):
        start = m.start()
        if start < pos:
            continue
        line_from = max(pos, text.rfind("\n", 0, start) + 1)
        if not _is_command(text, start, line_from):
            continue
        definition = parse_definition(text, start)
        if definition is not None:
            found.append(definition)
            pos = definition.end
    return found


def find_macro_definitions(text: str) -> dict[str, tuple[int, str | None, str]]:
    """Macro name (without backslash) -> (number of arguments, default of the optional first one, body).

    Later definitions replace earlier ones, except ``\\providecommand``,
    which only defines a name that is not defined yet.
    """
    return macro_table(scan_definitions(text))


def macro_table(
    definitions: list[Definition], keep_earlier: frozenset[int] = frozenset()
) -> dict[str, tuple[int, str | None, str]]:
    """The macros that ``definitions`` leave defined, as ``find_macro_definitions`` returns them.

    A definition whose start is in ``keep_earlier`` (one local to a group,
    say) defines a new name but does not replace an earlier definition.
    """
    macros: dict[str, tuple[int, str | None, str]] = {}
    for d in definitions:
        if d.name is None:
            continue
        if d.name in macros and (d.keyword == "providecommand" or d.start in keep_earlier):
            continue
        macros[d.name] = (d.nargs, d.default, d.body) if d.spec is None else Signature(
            d.nargs, d.default, d.body, d.spec)
    return macros
