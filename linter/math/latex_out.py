"""Writing a tree back as LaTeX in the note's own notation (bold or not, ^T or ^\\top, * or juxtaposition)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from derivlint.math.tree import (
    PREC_ATOM, PREC_MUL, PREC_POW, Abs, Add, Call, Deriv, Differential, Div, Func, Inner, Inverse, Matrix, Mul,
    Neg, Node, Norm, Num, Pow, Sym, Transpose, Tuple, precedence,
)  # fmt: skip

STANDARD_FUNCTIONS = frozenset("det ln log exp sin cos tan sinh cosh tanh min max".split())
TRANSPOSE_MARKS = {"T": "^T", "top": "^\\top", "intercal": "^\\intercal", "prime": "'", "H": "^H", "{T}": "^{T}"}
# names the parser keeps without their backslash in a script (x^{\\star} has sup "star")
SCRIPT_COMMANDS = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi "
    "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
    "Upsilon Phi Psi Omega ell star ast dagger ddagger prime circ bullet natural sharp flat infty".split()
)


@dataclass
class Style:
    """How the note writes things: the transpose mark, which symbols are bold,
    the product operator, and how it names the trace."""

    transpose: str = "^T"
    bold: set = field(default_factory=set)
    bold_command: str = "\\mathbf"
    product: str = ""  # "" (juxtaposition) or "*"
    trace: str = "\\operatorname{tr}"
    braces_sub: bool = False


def style_of(text: str, trees: list[Node | None]) -> Style:
    """The notation used in ``text`` (a claim's LaTeX) and its parsed trees."""
    style = Style()
    for tree in trees:
        if tree is None:
            continue
        for n in tree.walk():
            if isinstance(n, Sym) and n.bold:
                style.bold.add(n.key)
            elif isinstance(n, Transpose):
                style.transpose = TRANSPOSE_MARKS.get(n.mark, "^T")
            elif isinstance(n, Mul) and "*" in n.ops:
                style.product = "*"
    if "^{T}" in text or "^{\\top}" in text:
        style.transpose = "^{" + style.transpose.lstrip("^") + "}"
    if "\\boldsymbol" in text and "\\mathbf" not in text:
        style.bold_command = "\\boldsymbol"
    elif "\\bm{" in text and "\\mathbf" not in text:
        style.bold_command = "\\bm"
    for spelling in ("\\text{tr}", "\\mathrm{tr}", "\\operatorname{Tr}", "\\mathrm{Tr}", "\\text{Tr}", "\\operatorname{tr}", "\\tr"):
        if spelling in text:
            style.trace = spelling
            break
    style.braces_sub = "_{" in text
    return style


class Unwritable(ValueError):
    """A tree holds a node this writer has no LaTeX for (Σ, an integral …): no fix is offered."""


def to_latex(node: Node, style: Style | None = None) -> str:
    """LaTeX for ``node`` in ``style``; Unwritable when some node has no LaTeX form here."""
    return _Writer(style or Style()).write(node)


class _Writer:
    def __init__(self, style: Style):
        self.style = style

    def wrap(self, node: Node, min_prec: int) -> str:
        text = self.write(node)
        return f"({text})" if precedence(node) < min_prec else text

    def symbol(self, node: Sym) -> str:
        name = node.name
        if "(" in name and name.endswith(")"):  # hat(x)
            accent, inner = name[:-1].split("(", 1)
            base = f"\\{accent}{{{self._letter(inner)}}}"
        else:
            base = self._letter(name)
        if node.key in self.style.bold or node.bold:
            base = f"{self.style.bold_command}{{{base}}}"
        if node.sup:
            base = attach(base, f"^{{{_script(node.sup)}}}")
        if node.sub:
            sub = _script(node.sub)
            base = attach(base, f"_{{{sub}}}" if (len(sub) > 1 or self.style.braces_sub) else f"_{sub}")
        return base

    @staticmethod
    def _letter(name: str) -> str:
        return f"\\{name}" if len(name) > 1 and name.isalpha() else name

    def write(self, node: Node) -> str:  # noqa: C901 - one dispatch over node types
        s = self.style
        if isinstance(node, Sym):
            return self.symbol(node)
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Add):
            out = self.write(node.terms[0])
            for term in node.terms[1:]:
                if isinstance(term, Neg):
                    out += " - " + self.wrap(term.arg, PREC_MUL)
                elif isinstance(term, Num) and term.value.startswith("-"):
                    out += " - " + term.value[1:]
                else:
                    out += " + " + self.wrap(term, PREC_MUL)
            return out
        if isinstance(node, Neg):
            if isinstance(node.arg, Neg):  # -(-x) is x
                return self.write(node.arg.arg)
            return "-" + self.wrap(node.arg, PREC_MUL if isinstance(node.arg, Mul) else PREC_POW)
        if isinstance(node, Mul) and any(isinstance(f, Neg) for f in node.factors[1:]):
            # 2(-(d - wᵀx)x) is -2(d - wᵀx)x: the signs of the factors go in front
            negs = sum(isinstance(f, Neg) for f in node.factors)
            factors, ops = [], []
            for i, f in enumerate(node.factors):
                f = f.arg if isinstance(f, Neg) else f
                inner = f.factors if isinstance(f, Mul) else [f]  # -(AB) in a product: its factors join it
                if i:
                    ops.append(node.ops[i - 1])
                ops.extend(f.ops if isinstance(f, Mul) else [])
                factors.extend(inner)
            return ("-" if negs % 2 else "") + self.write(Mul(node.start, node.end, factors, ops))
        if isinstance(node, Mul):
            parts = [self.wrap(node.factors[0], PREC_MUL if not isinstance(node.factors[0], Neg) else PREC_POW)]
            for op, factor in zip(node.ops, node.factors[1:]):
                text = self.wrap(factor, PREC_POW)
                if op in ("", "*") and s.product == "*":
                    parts.append("*" + text)
                elif op in ("", "*") and text[:1].isdigit():
                    parts.append(" \\cdot " + text)  # 2 · 1, A · 2: juxtaposed, the digits would run together (21)
                elif op in ("", "*"):
                    sep = " " if (parts[-1][-1:].isalpha() and text[:1].isalpha()) or text.startswith("\\") else ""
                    parts.append(sep + text)
                else:
                    parts.append({"cdot": " \\cdot ", "odot": " \\odot ", "otimes": " \\otimes ",
                                  "times": " \\times ", "circ": " \\circ ", "ast": " \\ast ", "star": " \\star ",
                                  "bullet": " \\bullet ", "quad": " \\quad "}.get(op, " ") + text)  # fmt: skip
            return "".join(parts)
        if isinstance(node, Div):
            return f"\\frac{{{self.write(node.num)}}}{{{self.write(node.den)}}}"
        if isinstance(node, Pow):
            return attach(self.wrap(node.base, PREC_ATOM), f"^{{{self.write(node.exp)}}}")
        if isinstance(node, Transpose):
            return attach(self.wrap(node.arg, PREC_ATOM), s.transpose)
        if isinstance(node, Inverse):
            return attach(self.wrap(node.arg, PREC_ATOM), "^{-T}" if node.transposed else "^{-1}")
        if isinstance(node, Func):
            if node.name in ("tr", "Tr", "trace"):
                head = s.trace
            elif node.name in STANDARD_FUNCTIONS:
                head = f"\\{node.name}"
            else:
                head = f"\\operatorname{{{node.name}}}"
            return f"{head}({', '.join(self.write(a) for a in node.args)})"
        if isinstance(node, Call):
            return f"{self.symbol(node.func)}({', '.join(self.write(a) for a in node.args)})"
        if isinstance(node, Norm):
            sub = f"_{{{_script(node.sub)}}}" if node.sub else ""
            return f"\\|{self.write(node.arg)}\\|{sub}"
        if isinstance(node, Abs):
            return f"|{self.write(node.arg)}|"
        if isinstance(node, Inner):
            return f"\\langle {self.write(node.a)}, {self.write(node.b)} \\rangle"
        if isinstance(node, Matrix):
            rows = " \\\\ ".join(" & ".join(self.write(c) for c in row) for row in node.rows)
            env = node.env if node.env in ("bmatrix", "pmatrix") else "bmatrix"
            return f"\\begin{{{env}}} {rows} \\end{{{env}}}"
        if isinstance(node, Tuple):
            return ", ".join(self.write(i) for i in node.items)
        if isinstance(node, Differential):
            arg = self.write(node.arg)
            return node.mark + (arg if isinstance(node.arg, Sym) else f"({arg})")
        if isinstance(node, Deriv):
            return self._derivative(node)
        raise Unwritable(f"no LaTeX for {type(node).__name__}")  # a fix is LaTeX or no fix

    def _derivative(self, node: Deriv) -> str:
        """\\frac{\\partial f}{\\partial x}, \\nabla_x f, f'(x) as the note may write them (never ∂ or ∇ as text)."""
        if node.prime or node.sloppy or node.num is None or not node.wrt:
            raise Unwritable("a derivative written in another form")
        num = self.write(node.num)
        if node.op == "nabla":
            wrt = ",".join(self.write(w) for w in node.wrt)
            return f"\\nabla_{{{wrt}}} " + (num if isinstance(node.num, Sym) else f"({num})")
        mark = "\\partial" if node.op == "partial" else "d"
        order = f"^{{{node.order}}}" if node.order > 1 else ""
        wrt = " ".join(f"{mark} {self.write(w)}" for w in node.wrt)
        return f"\\frac{{{mark}{order} {num}}}{{{wrt}}}"


# --------------------------------------------------------------------------- rendering safely


def _script(text: str) -> str:
    """A script's text as LaTeX: a command name the parser kept bare gets its backslash back."""
    return f"\\{text}" if text in SCRIPT_COMMANDS else text


def attach(base: str, script: str) -> str:
    """``base`` followed by ``script`` (^…, _…, or a prime), braced as ``{base}script`` when
    ``base`` already ends in a script of that kind: ``{A^{+}}^T``, never ``A^{+}^T``, which
    KaTeX, MathJax and TeX reject as a double superscript."""
    kind = "_" if script.startswith("_") else "^"
    sup, sub, prime = _trailing_scripts(base)
    clash = (sub if kind == "_" else sup) or (script.startswith("'") and sup)
    return f"{{{base}}}{script}" if clash else base + script


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if not t.isspace()]


def _trailing_scripts(text: str) -> tuple[bool, bool, bool]:
    """Whether the last atom of ``text`` (at brace depth 0) already carries a superscript,
    a subscript, a prime."""
    problems: list[str] = []
    state = _scan(_tokens(text), problems)
    return state


def _scan(tokens: list[str], problems: list[str]) -> tuple[bool, bool, bool]:
    """Walk ``tokens`` as TeX would group them; append to ``problems`` each double script
    or unbalanced brace. Returns the (sup, sub, prime) state of the last atom at depth 0."""
    stack: list[list[bool]] = [[False, False, False]]  # per open group: sup, sub, prime of its last atom
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        state = stack[-1]
        if tok == "{":
            stack.append([False, False, False])
        elif tok == "}":
            if len(stack) == 1:
                problems.append("an unmatched '}'")
            else:
                stack.pop()
                stack[-1][:] = [False, False, False]  # the group is the new atom
        elif tok in ("^", "_"):
            k = 0 if tok == "^" else 1
            if state[k]:
                problems.append("a double " + ("superscript" if k == 0 else "subscript"))
            state[k] = True
            i = _skip_argument(tokens, i + 1, problems)
            continue
        elif tok == "'":
            if state[0]:
                problems.append("a prime after a superscript (a double superscript)")
            state[2] = True
        elif tok in ("\\limits", "\\nolimits", "\\displaystyle", "\\textstyle"):
            pass
        else:
            state[:] = [False, False, False]
        i += 1
    if len(stack) > 1:
        problems.append("an unclosed '{'")
    return tuple(stack[0])  # type: ignore[return-value]


def _skip_argument(tokens: list[str], i: int, problems: list[str]) -> int:
    """The index after the argument of a script that starts at ``i`` (a group or one token)."""
    if i >= len(tokens):
        problems.append("a script without an argument")
        return i
    if tokens[i] != "{":
        if tokens[i] in ("}", "^", "_"):
            problems.append("a script without an argument")
            return i
        return i + 1
    depth = 0
    start = i
    for j in range(i, len(tokens)):
        if tokens[j] == "{":
            depth += 1
        elif tokens[j] == "}":
            depth -= 1
            if depth == 0:
                _scan(tokens[start + 1 : j], problems)  # what is inside is checked too
                return j + 1
    problems.append("an unclosed '{'")
    return len(tokens)


def render_problem(text: str) -> str | None:
    """Why ``text`` would not render in KaTeX or MathJax (a double script, unbalanced braces,
    \\left without \\right, an unclosed environment), or None when it would."""
    problems: list[str] = []
    tokens = _tokens(text)
    _scan(tokens, problems)
    if tokens.count("\\left") != tokens.count("\\right"):
        problems.append("\\left and \\right do not pair")
    begins = re.findall(r"\\begin\s*\{([^}]*)\}", text)
    ends = re.findall(r"\\end\s*\{([^}]*)\}", text)
    if sorted(begins) != sorted(ends):
        problems.append("an environment is not closed")
    return problems[0] if problems else None
