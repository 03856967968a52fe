"""Suppression comments (``<!-- derivlint: disable DL401 -->``, ``% derivlint: …``) and DL590 for unused ones."""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from dataclasses import dataclass, field

from derivlint.findings import Finding

VERBS = ("disable", "enable", "disable-next-line", "disable-line", "disable-file")
NEVER_SUPPRESSED = frozenset({"DL100", "DL199"})  # the file may not have been read at all
UNUSED = "DL590"

_HTML = re.compile(r"<!--\s*derivlint\s*:(?P<body>.*?)(?P<close>-->|$)")
_TEX_BODY = re.compile(r"\s*derivlint\s*:(?P<body>.*)$")
_TEX = re.compile(r"%\s*derivlint\s*:(?P<body>.*)$")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_VERBATIM = re.compile(r"\\(begin|end)\{(verbatim\*?|Verbatim|lstlisting|minted|comment)\}")
_CODE = re.compile(r"^DL\d{0,3}$")

_START = (-math.inf, -math.inf)
_END = (math.inf, math.inf)


@dataclass
class Directive:
    """One ``derivlint:`` comment. ``codes`` empty means every rule.

    ``line``/``column`` are 1-based (within ``cell`` in notebooks); ``problem``
    says what is wrong with a malformed directive, which is then not applied.
    """

    verb: str
    codes: tuple[str, ...]
    line: int
    column: int
    end_column: int
    cell: int | None = None
    text: str = ""
    problem: str | None = None


@dataclass
class _Scope:
    """Where one code (None: every rule) of one directive suppresses findings.

    ``start``/``end`` are (cell, line) positions, ``end`` exclusive. A line
    scope (disable-line, disable-next-line) suppresses the findings whose span
    touches its line; a range scope those that start inside it.
    """

    directive: Directive
    code: str | None
    start: tuple
    end: tuple
    line_scope: bool = False
    exceptions: frozenset[str] = frozenset()

    def covers(self, finding: Finding) -> bool:
        code = finding.code
        if self.code is None:
            if code == UNUSED:
                return False  # a blanket disable does not hide its own problems
        elif not code.startswith(self.code):
            return False
        if any(code.startswith(e) for e in self.exceptions):
            return False
        cell = finding.cell or 0
        first, last = (cell, finding.line), (cell, max(finding.line, finding.end_line))
        if self.line_scope:
            return first < self.end and self.start <= last
        return self.start <= first < self.end


@dataclass
class _Text:
    """One text that directives and positions are counted in: a file or a notebook cell."""

    text: str
    cell: int | None
    markdown: bool
    directives: list[Directive] = field(default_factory=list)
    directive_only: set[int] = field(default_factory=set)  # lines holding nothing else


# --------------------------------------------------------------------------- public


def apply_suppressions(path: str, text: str, findings: list[Finding], settings) -> list[Finding]:
    """Drop the findings that suppression comments in ``text`` cover, and add DL590
    findings for directives that are malformed or suppressed nothing (when DL590 is
    enabled in ``settings``). DL100 and DL199 are never suppressed by a comment."""
    if "derivlint" not in text:
        return findings
    texts = _texts(path, text)
    directives = [d for t in texts for d in t.directives]
    if not directives:
        return findings
    scopes, problems = _scopes(texts)
    used: set[tuple[int, str | None]] = set()
    kept: list[Finding] = []
    for finding in findings:
        if finding.code in NEVER_SUPPRESSED or finding.code == UNUSED:
            kept.append(finding)
            continue
        covering = [s for s in scopes if s.covers(finding)]
        if not covering:
            kept.append(finding)
        for scope in covering:
            used.add((id(scope.directive), scope.code))
    if not settings.enabled(UNUSED, True):
        return kept
    reports = [_report(path, d, message) for d, message in problems]
    ends: dict[tuple[int, str | None], _Scope] = {}  # the last piece of each directive code
    for scope in scopes:
        key = (id(scope.directive), scope.code)
        if key not in used and _ran(scope.code, settings):
            if key not in ends or scope.end > ends[key].end:
                ends[key] = scope
    for scope in ends.values():
        reports.append(_report(path, scope.directive, _unused_message(scope)))
    for report, about in reports:
        if not any(s.code is not None and s.directive is not about and s.covers(report) for s in scopes):
            kept.append(report)
    kept.sort(key=Finding.sort_key)
    return kept


def directives_of(path: str, text: str) -> list[Directive]:
    """Every ``derivlint:`` directive in a note, in order (malformed ones with ``problem`` set)."""
    return [d for t in _texts(path, text) for d in t.directives]


# --------------------------------------------------------------------------- scanning


def _texts(path: str, text: str) -> list[_Text]:
    ext = os.path.splitext(path)[1].lower()
    if ext == ".ipynb":
        texts = [_Text(cell_text, number, True) for number, cell_text in _cells(text)]
    else:
        texts = [_Text(text, None, ext != ".tex")]
    for t in texts:
        if "derivlint" in t.text:
            (_scan_markdown if t.markdown else _scan_latex)(t)
    return texts


def _cells(text: str) -> list[tuple[int, str]]:
    """(number, text) of the Markdown cells of a notebook, numbered as the extractor does."""
    from derivlint.extract.ipynb import cell_text, notebook_cells

    try:
        cells = notebook_cells(json.loads(text.removeprefix("\ufeff")))
    except (ValueError, RecursionError):
        return []
    return [
        (number, cell_text(cell))
        for number, cell in enumerate(cells or [], start=1)
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown"
    ]


def _scan_markdown(t: _Text) -> None:
    """HTML-comment directives outside code fences and code spans; ``% derivlint:`` too,
    for lines inside display math, where an HTML comment would be read as math."""
    fence: str | None = None
    for number, line in enumerate(t.text.splitlines(), start=1):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group("fence")[0] == fence[0] and len(m.group("fence")) >= len(fence):
                if not line[m.end():].strip():
                    fence = None
            continue
        if m:
            fence = m.group("fence")
            continue
        if "derivlint" not in line:
            continue
        before = len(t.directives)
        rest = line  # the line with its directives blanked out
        for found in _HTML.finditer(line):
            if line.count("`", 0, found.start()) % 2:
                continue  # inside a code span
            body = found.group("body")
            problem = None if found.group("close") else "the comment is not closed with '-->' on this line"
            t.directives.append(_directive(body, number, found.start(), found.end(), t.cell, problem))
            rest = rest[: found.start()] + " " * (found.end() - found.start()) + rest[found.end() :]
        for found in _TEX.finditer(rest):
            escaped = len(rest[: found.start()]) - len(rest[: found.start()].rstrip("\\"))
            if escaped % 2 == 0 and rest.count("`", 0, found.start()) % 2 == 0:
                t.directives.append(_directive(found.group("body"), number, found.start(), len(line), t.cell))
                rest = rest[: found.start()]
                break
        if len(t.directives) > before and not rest.strip():
            t.directive_only.add(number)


def _scan_latex(t: _Text) -> None:
    """``% derivlint:`` comments (a ``%`` that is not ``\\%``), outside verbatim environments."""
    verbatim: str | None = None
    for number, line in enumerate(t.text.splitlines(), start=1):
        percent = _comment_start(line)
        code = line if percent is None else line[:percent]
        for m in _VERBATIM.finditer(code):
            if m.group(1) == "begin" and verbatim is None:
                verbatim = m.group(2)
            elif m.group(1) == "end" and m.group(2) == verbatim:
                verbatim = None
        if verbatim is not None or percent is None:
            continue
        body = _TEX_BODY.match(line, percent + 1)
        if body:
            t.directives.append(_directive(body.group("body"), number, percent, len(line), t.cell))
            if not code.strip():
                t.directive_only.add(number)


def _comment_start(line: str) -> int | None:
    """Index of the first ``%`` not escaped by a backslash."""
    i = line.find("%")
    while i != -1:
        backslashes = len(line[:i]) - len(line[:i].rstrip("\\"))
        if backslashes % 2 == 0:
            return i
        i = line.find("%", i + 1)
    return None


def _directive(body: str, line: int, start: int, end: int, cell: int | None, problem=None) -> Directive:
    words = body.replace(",", " ").split()
    verb = words[0].lower() if words else ""
    d = Directive(verb, (), line, start + 1, end + 1, cell, text=" ".join(body.split()))
    if problem is not None:
        d.problem = problem
    elif not words:
        d.problem = f"empty derivlint directive (expected one of: {', '.join(VERBS)})"
    elif verb not in VERBS:
        close = difflib.get_close_matches(verb, VERBS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        d.problem = f"unknown derivlint directive {words[0]!r} (expected one of: {', '.join(VERBS)}){hint}"
    else:
        d.codes = tuple(dict.fromkeys(w.upper() for w in words[1:]))
        d.problem = _bad_codes(d.codes)
    return d


def _bad_codes(codes: tuple[str, ...]) -> str | None:
    from derivlint.rules import all_rules

    known = list(all_rules())
    for code in codes:
        if not _CODE.match(code) or not any(k.startswith(code) for k in known):
            return f"unknown rule code {code!r} in derivlint directive (known codes: {', '.join(known)})"
        if all(k in NEVER_SUPPRESSED for k in known if k.startswith(code)):
            return f"{code} cannot be suppressed by a comment (the file may not be readable); use --ignore or per-file-ignores"
    return None


# --------------------------------------------------------------------------- scopes


def _scopes(texts: list[_Text]) -> tuple[list[_Scope], list[tuple[Directive, str]]]:
    scopes: list[_Scope] = []
    problems: list[tuple[Directive, str]] = []
    open_: list[_Scope] = []  # disable … ranges not yet ended
    for t in texts:
        lines = t.text.splitlines()
        for d in t.directives:
            if d.problem is not None:
                problems.append((d, d.problem))
                continue
            here = (d.cell or 0, d.line)
            codes = d.codes or (None,)
            if d.verb == "disable":
                for code in codes:
                    scope = _Scope(d, code, here, _END)
                    scopes.append(scope)
                    open_.append(scope)
            elif d.verb == "enable":
                if not _enable(d, here, scopes, open_):
                    what = f"enable {' '.join(d.codes)}" if d.codes else "enable"
                    problems.append((d, f"'{what}' has no matching 'disable' before it"))
            elif d.verb == "disable-file":
                scopes.extend(_Scope(d, code, _START, _END) for code in codes)
            else:
                target = d.line if d.verb == "disable-line" else _next_line(t, lines, d.line)
                if target is None:
                    problems.append((d, "'disable-next-line' has no line after it to apply to"))
                    continue
                at = (d.cell or 0, target)
                scopes.extend(
                    _Scope(d, code, at, (d.cell or 0, target + 1), line_scope=True) for code in codes
                )
    return scopes, problems


def _enable(d: Directive, here: tuple, scopes: list[_Scope], open_: list[_Scope]) -> bool:
    """End the open ranges an ``enable`` names (or re-enable a code inside a wider range)."""
    matched = False
    for scope in list(open_):
        if not d.codes:
            targets = [None]
        else:
            targets = [c for c in d.codes if scope.code is None or c.startswith(scope.code) or scope.code.startswith(c)]
        if not targets:
            continue
        matched = True
        scope.end = here
        open_.remove(scope)
        reopened = [
            c for c in targets
            if c is not None and (scope.code is None or (c.startswith(scope.code) and c != scope.code))
        ]
        if reopened:  # "disable DL4 … enable DL401": DL4 stays off except DL401
            rest = _Scope(scope.directive, scope.code, here, _END, exceptions=scope.exceptions | set(reopened))
            scopes.append(rest)
            open_.append(rest)
    return matched


def _next_line(t: _Text, lines: list[str], line: int) -> int | None:
    """The next line after ``line`` that is neither blank nor only directives."""
    for number in range(line + 1, len(lines) + 1):
        if lines[number - 1].strip() and number not in t.directive_only:
            return number
    return None


# --------------------------------------------------------------------------- reporting


def _ran(code: str | None, settings) -> bool:
    """Whether a rule that ``code`` names was enabled in this run (None: any rule)."""
    if code is None:
        return True
    if code == UNUSED:
        return False  # a directive about DL590 itself is never reported unused
    from derivlint.rules import all_rules

    return any(
        c.startswith(code) and c not in NEVER_SUPPRESSED and c != UNUSED and settings.enabled(c, r.default_enabled)
        for c, r in all_rules().items()
    )


def _unused_message(scope: _Scope) -> str:
    d = scope.directive
    what = d.verb if scope.code is None else f"{d.verb} {scope.code}"
    findings = "finding" if scope.code is None else f"{scope.code} finding"
    if d.verb == "disable-file":
        where = "in this file"
    elif scope.line_scope:
        where = "on this line" if d.verb == "disable-line" else f"on line {scope.start[1]}"
    elif scope.end == _END:
        where = "from here to the end of the file"
    else:
        cell, line = scope.end
        where = f"before the 'enable' on line {line}" + (f" of cell {cell}" if cell and cell != d.cell else "")
    return f"Unused suppression '{what}': no {findings} {where} to suppress"


def _report(path: str, d: Directive, message: str) -> tuple[Finding, Directive]:
    from derivlint.rules import all_rules

    rule = all_rules()[UNUSED]
    message = message[0].upper() + message[1:]
    finding = Finding(
        path=path,
        line=d.line,
        column=d.column,
        end_line=d.line,
        end_column=max(d.end_column, d.column + 1),
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        cell=d.cell,
    )
    return finding, d
