"""A recursive-descent parser from LaTeX math tokens to the expression tree."""

from __future__ import annotations

from derivlint.math.names import APPLIED_LETTERS, DEFINITION_LABELS, FUNCTIONS, NAME_WORDS, WORD_HEADS, glued_operator
from derivlint.math.lexer import CHAR, CMD, LETTER, NUM, TEXT, Token
from derivlint.math.tree import (
    Abs, Add, Call, Cases, Deriv, Differential, Div, Dots, Factorial, Func, Inner, Inverse,
    Matrix, Mul, Neg, Node, Norm, Num, Opaque, Pow, Space, Sum, Sym, Transpose, Tuple, render,
)  # fmt: skip

_WORD_CAP = max(len(w) for w in FUNCTIONS | NAME_WORDS) + 2  # longest word + the glued argument's first letters


# Nesting beyond MAX_DEPTH (groups in groups, scripts on scripts, primes on primes) is a parse
# problem: every later stage walks the tree recursively, and Python's stack ends near 1,000
# frames. ``_depth`` counts the nesting of the parse under way, across sub-parsers (a script or
# a \frac argument is parsed by a Parser of its own): one counter, no walk of the tree.
MAX_DEPTH = 100
TOO_DEEP = f"nested too deeply (depth > {MAX_DEPTH})"
_depth = 0


class ParseError(Exception):
    """Math that cannot be read. ``unbalanced`` marks an error in the note
    itself (an unclosed or stray delimiter) rather than a construct derivlint
    does not know."""

    def __init__(self, message: str, start: int, end: int, unbalanced: bool = False):
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.unbalanced = unbalanced


GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa "
    "lambda mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi "
    "psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell "
    "imath jmath hbar infty emptyset varkappa digamma aleph beth "
    "varGamma varDelta varTheta varLambda varXi varPi varSigma varUpsilon varPhi varPsi varOmega".split()
)  # the var- capitals are the italic forms of the same letters
TRACE_NAMES = {"Tr": "tr", "trace": "tr"}
WIDE_ARG = frozenset({"tr", "det", "logdet", "etr"})  # \det X^{-1} = det(X^{-1})
LIMIT_OPS = frozenset({"max", "min", "argmax", "argmin", "sup", "inf", "lim", "arg"})
BOLD_FONTS = frozenset({"mathbf", "boldsymbol", "bm", "mathbfit", "pmb", "vec", "Vec", "boldsymbol",
                        "overrightarrow", "vb", "vec", "bf", "mathbold", "Bold", "bold"})  # fmt: skip
WORD_FONTS = frozenset({"mathrm", "text", "textrm", "textit", "textbf", "textsf", "mbox",
                        "mathit", "mathsf", "operatorname", "mathop", "rm", "it", "sf",
                        "textnormal", "mathnormal", "texttt", "mathtt", "operatornamewithlimits", "textup", "textsl", "mathup"})  # fmt: skip
CODE_FONTS = frozenset({"texttt", "mathtt"})
PROSE_TEXT_FONTS = frozenset({"text", "textrm", "textit", "textbf", "textsf", "textnormal", "textup", "textsl", "mbox", "hbox"})  # a program's names: x.grad, np.sum
LETTER_FONTS = frozenset({"mathcal", "mathscr", "mathfrak", "cal", "scr", "frak"})
ACCENTS = frozenset({"hat", "bar", "tilde", "dot", "ddot", "widehat", "widetilde",
                     "overline", "underline", "check", "breve", "acute", "grave", "mathring", "dddot",
                     "overleftarrow", "overleftrightarrow", "underrightarrow", "underleftarrow", "utilde"})  # fmt: skip
# A command of one argument as a script takes its argument along: x_\mathcal{D}, W_\textrm{qh}, y^\hat{a}
_SCRIPT_FONTS = WORD_FONTS | BOLD_FONTS | LETTER_FONTS | ACCENTS | {"mathbb", "Bbb", "mathds"}
FRACS = frozenset({"frac", "dfrac", "tfrac", "cfrac"})
DOTS = {"cdots": "cdots", "ldots": "ldots", "dots": "ldots", "vdots": "vdots",
        "ddots": "ddots", "dotsc": "ldots", "dotsb": "cdots", "dotsm": "cdots", "cdot s": "cdots"}  # fmt: skip
MUL_OPS = {"cdot": "cdot", "times": "times", "odot": "odot", "otimes": "otimes",
           "circ": "circ", "ast": "ast", "star": "star", "oplus": "oplus", "bullet": "bullet"}  # fmt: skip
RELATIONS = {
    "=": "=", "<": "<", ">": ">", "ne": "≠", "neq": "≠", "approx": "≈", "simeq": "≃",
    "cong": "≅", "equiv": "≡", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "leqslant": "≤", "geqslant": "≥", "in": "∈", "notin": "∉", "subset": "⊂",
    "subseteq": "⊆", "propto": "∝", "coloneqq": ":=", "triangleq": "≜", "doteq": "≐",
    "to": "→", "rightarrow": "→", "mapsto": "↦", "longrightarrow": "→", "sim": "∼",
    "ll": "≪", "gg": "≫", "prec": "≺", "succ": "≻", "preceq": "⪯", "succeq": "⪰",
    "eqqcolon": "=:", "overset": "=", "stackrel": "=", "gt": ">", "lt": "<",
    "leftarrow": "←", "gets": "←", "longleftarrow": "←",  # an assignment (an update rule), never a claim
    "lesssim": "≲", "gtrsim": "≳", "downarrow": "↓", "uparrow": "↑", "searrow": "↘", "nearrow": "↗",
    "nleq": "≰", "ngeq": "≱", "nsim": "≁", "asymp": "≍", "supset": "⊃", "supseteq": "⊇", "ni": "∋",
    "gtrless": "≷", "lessgtr": "≶", "xrightarrow": "→", "xleftarrow": "←",
}
# \not before a relation negates it: \not= is ≠, \not\in is ∉
NEGATED = {"=": "≠", "∈": "∉", "≡": "≢", "∼": "≁", "≤": "≰", "≥": "≱", "⊂": "⊄", "⊆": "⊈", "<": "≮", ">": "≯"}
DIAGRAM_ENVS = frozenset({"tikzpicture", "tikzcd", "xy", "CD"})  # drawings inside a formula
MATRIX_ENVS = frozenset({"bmatrix", "pmatrix", "vmatrix", "Vmatrix", "Bmatrix", "matrix",
                         "bmatrix*", "pmatrix*", "vmatrix*", "Vmatrix*", "Bmatrix*", "matrix*",
                         "smallmatrix", "array", "cases", "dcases", "subarray"})  # fmt: skip
OPEN_DELIMS = {"(": ")", "[": "]", "lbrack": "]", "{": "}", "lbrace": "}", "langle": "rangle",
               "|": "|", "vert": "|", "lvert": "|", "Vert": "‖", "lVert": "‖", ".": "."}  # fmt: skip
SIZES = frozenset({"big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
                   "biggr", "Biggl", "Biggr", "bigm", "Bigm"})  # fmt: skip
# A superscript (braces dropped) that marks a transpose
TRANSPOSE_WORDS = frozenset({"T", "top", "intercal", "t", "\u22a4", "tr", "mathsfT", "mathrmT", "rmT",
                             "textT", "sfT", "operatornameT"})  # fmt: skip
IGNORABLE = frozenset({"quad", "qquad", "limits", "nolimits", "displaystyle", "textstyle", "scriptstyle",
                       "scriptscriptstyle", ",", ";", ":", "!", ">", "space", "enspace", "thinspace",
                       "medspace", "thickspace", "negthinspace", "negmedspace", "negthickspace", "tiny",
                       "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE",
                       "huge", "Huge", "mathstrut", "strut", "nobreak", "allowbreak", "hline", "hdashline",
                       "pause"})  # fmt: skip
WIDE_SPACES = frozenset({"quad", "qquad"})
_STAR_MARKS = frozenset({"*", "star", "ast", "⋆", "∗"})  # the superscripts of an optimum or a fixed point, z^*  # between two factors: items set apart, not a product (Parser.term)
# Fonts in which a lone d is the differential operator: \mathrm{d}X, {\rm d}X
SWITCH_FONTS = frozenset({"rm", "it", "sf", "tt"})
_FONT_SWITCHES = SWITCH_FONTS | {"bf", "bm", "boldmath", "cal", "mit"}  # {\bf QQ}: a font for the group  # {\rm Label}: a switch, not a command with an argument
UPRIGHT_D_FONTS = frozenset({"mathrm", "rm", "text", "textrm", "operatorname", "mathop", "textnormal"})
_PLUS_CMDS = frozenset({"pm", "mp", "oplus"})  # commands that add a term, as + does
IGNORED_WITH_ARG = frozenset({"color", "textcolor", "hspace", "mspace", "phantom", "hphantom", "vphantom",
                              "textcircled", "circled"})  # \textcircled{1}: a step's label

_COMMAND_MARKS = frozenset({"prime", "rvert", "vert", "%"})  # marks written as commands (Parser._command_mark)
_POSTFIX_CMDS = SIZES | {"limits", "nolimits"}  # commands a postfix mark may follow: \limits_, \Big|_
SPACE_FIELDS = frozenset("RSCNZQ")  # \mathbb letters that name a set of numbers or matrices
# Constructs read but never evaluated (tree.Opaque): a claim holding one stays undecided
INTEGRALS = frozenset({"int", "iint", "iiint", "oint", "intop", "smallint"})
LOGIC_OPS = frozenset({"wedge", "vee", "cap", "cup", "setminus"})  # A ∩ B, x_1 ∧ x_2: between expressions
QUANTIFIERS = frozenset({"forall", "exists", "nexists"})
SCRIPT_MAPS = frozenset({"wedge", "vee", "odot"})  # ξ^∧ (the hat map of Lie groups), (·)^∨, p^⊙: a superscript
# Binary operations derivlint does not evaluate: a ⊛ b (a convolution), f ○ g (any operation), x ⊘ y
OPAQUE_OPS = {"circledast": "⊛", "bigcirc": "○", "oslash": "⊘", "ominus": "⊖", "boxtimes": "⊠", "boxplus": "⊞",
              "boxminus": "⊟", "boxdot": "⊡", "diamond": "⋄", "circledcirc": "⊚", "odiv": "⊘", "divideontimes": "⋇",
              "ltimes": "⋉", "rtimes": "⋊", "wr": "≀", "amalg": "⨿", "uplus": "⊎", "sqcap": "⊓", "sqcup": "⊔"}  # fmt: skip
# Big operators over sets or spaces (⋃, ⋂, ⨁, ⨂): with their limits, read but never evaluated
BIG_SET_OPS = frozenset({"bigcup", "bigcap", "bigoplus", "bigotimes", "bigodot", "biguplus", "bigsqcup",
                         "bigvee", "bigwedge", "coprod"})  # fmt: skip
# Labels a symbol carries as a superscript: V^⊥, V^∘, x^♯ (names, not powers)
SUP_LABELS = frozenset({"*", "ast", "star", "+", "dagger", "ddagger", "circ", "perp", "bot", "sharp", "flat",
                        "natural", "diamond", "bullet", "dag"})  # fmt: skip
# Brackets that make a function of what they hold: ⌈x⌉ (ceiling), ⌊x⌋ (floor)
ROUNDING = {"lceil": ("rceil", "the ceiling ⌈x⌉"), "lfloor": ("rfloor", "the floor ⌊x⌋")}
# Marks that stand for a placeholder argument where an operand is expected: f(\cdot), \|\cdot\|
PLACEHOLDERS = frozenset({"cdot", "bullet", "cdotp"})
PHYSICS_DERIVS = {"pdv": "partial", "dv": "d"}  # the physics package: \pdv[2]{f}{x}, \dv{f}{x}
_CLAUSE_OPS = frozenset({"mid", "semicolon", "comma", "slice", "between"})  # Opaque.op of a bracket of clauses
WHAT_CONDITIONAL = "a conditional p(x | y) (a function of both)"
WHAT_DIVERGENCE = "a divergence D(P ‖ Q) (a function of both)"
WHAT_EVENT = "a condition or event inside brackets (P(X = x))"
WHAT_CONDITION = "a condition under an operator (\\sum_{x \\in X}, \\max_{i=1,…,n})"


def relation_of(tok: Token) -> str | None:
    """The relation a token stands for, or None."""
    if tok.kind == CHAR:
        return tok.value if tok.value in "=<>" else None
    if tok.kind == CMD:
        return RELATIONS.get(tok.value) if tok.value not in ("overset", "stackrel") else None
    return None


class _Bound:
    """``Parser.bounded``: the parser's end set to ``end`` inside a ``with``."""

    __slots__ = ("parser", "end", "saved")

    def __init__(self, parser: "Parser", end: int):
        self.parser, self.end = parser, end

    def __enter__(self) -> None:
        self.saved = self.parser.n
        self.parser.n = self.end

    def __exit__(self, *exc) -> bool:
        self.parser.n = self.saved
        return False


# The tokens (value -> kind) that _maybe_call reads as the start of an application or of E[…];
# after any other token it returns its symbol as it is
_MAY_CALL = {"(": CHAR, "[": CHAR, "left": CMD}


class Parser:
    """Parses one statement's tokens. Use ``parse_chain``."""

    def __init__(self, tokens: list[Token]):
        self.toks = list(tokens)  # a copy: scripts such as x^12 split a token in place
        self.i = 0
        self.n = len(tokens)
        self.bold = False
        self.bars: list[str] = []  # open | or ‖ we are inside
        self.match = self._match_braces()
        self.memo: dict[tuple, tuple[Node | tuple, int]] = {}  # delimited groups already parsed

    # -- token access -----------------------------------------------------
    def _match_braces(self) -> dict[int, int]:
        match: dict[int, int] = {}
        stack: list[int] = []
        for k, tok in enumerate(self.toks):
            value = tok.value  # compared first: most tokens are not braces
            if value == "{":
                if tok.kind == CHAR:
                    stack.append(k)
            elif value == "}" and tok.kind == CHAR:
                if not stack:
                    raise ParseError("unmatched '}'", tok.start, tok.end, unbalanced=True)
                match[stack.pop()] = k
        if stack:
            tok = self.toks[stack[-1]]
            raise ParseError("unclosed '{'", tok.start, tok.end, unbalanced=True)
        return match

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < self.n else None

    def next(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def _pos(self) -> int:
        if self.i < self.n:
            return self.toks[self.i].start
        return self.toks[self.n - 1].end if self.n else 0

    def _last_end(self) -> int:
        return self.toks[self.i - 1].end if self.i > 0 else 0

    def error(self, message: str, tok: Token | None = None, unbalanced: bool = False):
        tok = tok or self.peek() or (self.toks[self.n - 1] if self.n else None)
        start, end = (tok.start, tok.end) if tok else (0, 0)
        return ParseError(message, start, end, unbalanced)

    def skip_ignorable(self) -> None:
        """Skip spacing, style and size switches and colours: \\, \\Large \\color{red}
        (\\textcolor{red}{x} leaves the group {x} to parse)."""
        while True:
            if self.i >= self.n:  # peek() written out: this runs before every operand
                return
            tok = self.toks[self.i]
            if tok.kind != CMD:
                return
            if tok.value in IGNORABLE or (tok.value in SIZES and not self._size_opens()):
                self.i += 1
            elif tok.value in IGNORED_WITH_ARG:
                self.i += 1
                if self.peek() is not None and self.peek().is_char("*"):
                    self.i += 1
                if self.peek() is not None and self.peek().is_char("["):
                    while self.peek() is not None and not self.peek().is_char("]"):
                        self.i += 1
                    self.i += 1
                self._skip_group()
            else:
                return

    def _next_skipping(self) -> Token | None:
        """The token at the cursor after spacing and style switches (skip_ignorable), or None at
        the end; only a command can be skipped, so other tokens cost no further call."""
        if self.i >= self.n:
            return None
        tok = self.toks[self.i]
        if tok.kind == CMD:
            self.skip_ignorable()
            if self.i >= self.n:
                return None
            tok = self.toks[self.i]
        return tok

    def _size_opens(self) -> bool:
        """Whether the \\big at the cursor opens a delimiter rather than closing one."""
        size, nxt = self.peek(), self.peek(1)
        if nxt is None or size.value.endswith(("r", "m")):
            return False
        if nxt.is_char("(", "[") or nxt.is_cmd("langle", "lbrack", "lVert", "lvert"):
            return True
        return (nxt.is_char("|") or nxt.is_cmd("|", "Vert", "vert")) and self._starts_factor(nxt)

    def bounded(self, end: int) -> "_Bound":
        """Context manager: parse only up to token index ``end``."""
        return _Bound(self, end)

    def group_end(self) -> int:
        """Index of the '}' matching the '{' at the cursor."""
        return self.match[self.i]

    # -- statements -------------------------------------------------------
    def parse_chain(self) -> tuple[Node | None, list[tuple[str, Token, Node]]]:
        """``expr (REL expr)*``; the first expr may be missing (a continuation)."""
        try:
            return self._chain()
        except RecursionError:
            raise ParseError("expression nested too deeply", self.toks[0].start, self.toks[-1].end) from None

    def _chain(self) -> tuple[Node | None, list[tuple[str, Token, Node]]]:
        self.skip_ignorable()
        first = None
        if self.peek() is not None and self._relation_here() is None:
            first = self.expr()
            if self.peek() is not None and self.peek().is_char(","):  # X, Y \in …
                items = [first]
                while self.peek() is not None and self.peek().is_char(","):
                    self.next()
                    items.append(self.expr())
                first = Tuple(items[0].start, items[-1].end, items, "")
        steps: list[tuple[str, Token, Node]] = []
        while True:
            self.skip_ignorable()
            tok = self.peek()
            if tok is None:
                break
            rel = self._relation_here()
            if rel is None:
                raise leftover(tok)
            rel_tok = self.next()
            if rel == "stacked":
                rel = self._stacked_relation(rel_tok)
            elif rel == "not":
                negated = relation_of(self.next())
                rel = NEGATED.get(negated, "not " + negated)
            elif tok.is_char(":") and self.peek() is not None and self.peek().is_char("="):
                self.next()
                rel = ":="
            elif tok.kind == CHAR and self._glued_equals():  # >=, <=, == typed as a program writes them
                self.next()
                rel = {">": "≥", "<": "≤", "=": "="}[tok.value]
            elif tok.is_char(":") and self.peek() is not None and self.peek().is_char(":") and self._glued_equals(1):
                self.i += 2  # ::= (a definition, as a grammar writes it)
                rel = ":="
            elif tok.kind == CMD and tok.value in ("xrightarrow", "xleftarrow"):
                if self.peek() is not None and self.peek().is_char("["):  # \xrightarrow[below]{above}
                    while self.peek() is not None and not self.peek().is_char("]"):
                        self.i += 1
                    self.i += 1
                self._skip_group()
            self.skip_ignorable()
            if self.peek() is None:
                raise self.error(f"nothing after '{rel}'", rel_tok)
            rhs = self.expr()
            if self.peek() is not None and self.peek().is_char(",") and not self._relation_later():
                rhs = self._value_list(rhs)  # i = 1, 2, \ldots, n: the values an index runs through
            steps.append((rel, rel_tok, rhs))
        return first, steps

    def _glued_equals(self, k: int = 0) -> bool:
        """Whether an = follows the relation just read (k tokens on) with no space between (>=)."""
        before = self.toks[self.i - 1 + k]
        after = self.peek(k)
        return after is not None and after.kind == CHAR and after.value == "=" and not after.space and after.start == before.end

    def _relation_later(self) -> bool:
        """Whether a relation stands at the top level after the cursor."""
        return any(relation_of(t) is not None or t.is_cmd("overset", "stackrel", "underset") for t in _top_level(self.toks[self.i : self.n]))

    def _value_list(self, first: Node) -> Node:
        """first, a, b, …: a list of values after a relation (the cursor at the first comma)."""
        items = [first]
        while self.peek() is not None and self.peek().is_char(","):
            self.next()
            self.skip_ignorable()
            if self.peek() is None:  # a trailing comma
                break
            items.append(self.expr())
        return Opaque(first.start, items[-1].end, "a list of values (i = 1, 2, …, n)", items, None, "comma")

    def _relation_here(self) -> str | None:
        tok = self.peek()
        if tok is None:
            return None
        if tok.is_cmd("overset", "stackrel", "underset"):
            return "stacked"
        if tok.kind == CMD and tok.value == "not":  # \not= , \not\in: the relation negated
            after = self.peek(1)
            rel = relation_of(after) if after is not None else None
            return "not" if rel is not None else None
        if tok.is_char(":"):
            return ":"
        return relation_of(tok)

    def _stacked_relation(self, tok: Token) -> str:
        label_start = self.i
        self._skip_group()
        label = _plain(self.toks[label_start : self.i]).strip("{}")
        if self.peek() is not None and self.peek().is_char("{"):
            end = self.group_end()
            inner = self.toks[self.i + 1 : end]
            self.i = end + 1
            rels = [relation_of(t) for t in inner]
            if len(inner) == 1 and rels[0]:
                # \overset{\text{def}}{=}, \stackrel{\Delta}{=}: a definition, not a claim
                return ":=" if rels[0] == "=" and _definition_label(label) else rels[0]
        elif self.peek() is not None and relation_of(self.peek()):
            return relation_of(self.next())
        raise self.error("\\overset/\\stackrel over something that is not a relation", tok)

    def _skip_group(self) -> None:
        tok = self.peek()
        if tok is not None and tok.is_char("{"):
            self.i = self.group_end() + 1
        elif tok is not None:
            self.i += 1

    # -- expressions ------------------------------------------------------
    def expr(self) -> Node:
        global _depth
        _depth += 1
        try:
            if _depth > MAX_DEPTH:
                raise self.error(TOO_DEEP)
            node = self._expr()
            if self.i < self.n and self.toks[self.i].kind == CMD and self._logic_op_at(self.i):
                node = self._logic(node)
            return node
        finally:
            _depth -= 1

    def _logic_op_at(self, k: int) -> bool:
        """Whether the command at ``k`` joins two expressions as a logical or set operation: \\cap, or a
        big one written between two sets (A \\bigcap B; with limits, \\bigcap_{i} starts an operand)."""
        value = self.toks[k].value
        if value in LOGIC_OPS:
            return True
        return value in BIG_SET_OPS and not (self._script_at(k + 1) or (k + 1 < self.n and self.toks[k + 1].is_cmd("limits", "nolimits")))

    def _logic(self, first: Node) -> Node:
        """x_1 \\wedge x_2, A \\cap B: a logical or set operation between expressions (never evaluated)."""
        parts, ops = [first], []
        while self.i < self.n and self.toks[self.i].kind == CMD and self._logic_op_at(self.i):
            ops.append(self.next().value.replace("big", ""))
            parts.append(self._expr())
        op = ops[0] if len(set(ops)) == 1 else ""
        what = f"a logical or set operation (\\{ops[0]})"
        return Opaque(first.start, parts[-1].end, what, parts, None, op)

    def _expr(self) -> Node:
        # the cursor read without peek/_pos, and _next_skipping asked only at a command (this runs for every term)
        tok = self.toks[self.i] if self.i < self.n else None
        if tok is not None and tok.kind == CMD:
            tok = self._next_skipping()
        if tok is None:
            raise self.error("missing expression")
        start = tok.start
        terms: list[Node] = []
        kind, value = tok.kind, tok.value  # plain comparisons (not is_char): this runs for every term
        if (kind == CHAR and value == "-") or (kind == CMD and (value == "pm" or value == "mp")):
            self.i += 1
            inner = self.term()
            terms.append(Neg(tok.start, inner.end, inner))
        else:
            if kind == CHAR and value == "+":
                self.i += 1
            terms.append(self.term())
        while True:
            tok = self.toks[self.i] if self.i < self.n else None
            if tok is None:
                break
            if tok.kind == CMD:
                tok = self._next_skipping()
                if tok is None:
                    break
            kind, value = tok.kind, tok.value
            if (kind == CHAR and value == "+") or (kind == CMD and value in _PLUS_CMDS):
                self.i += 1
                terms.append(self.term())
            elif kind == CHAR and value == "-":
                self.i += 1
                inner = self.term()
                terms.append(Neg(tok.start, inner.end, inner))
            else:
                break
        if len(terms) == 1:
            return terms[0]
        return Add(start, terms[-1].end, terms)

    def term(self) -> Node:
        if self.i < self.n:  # _pos() and unary() written out: this runs for every term
            tok = self.toks[self.i]
            start = tok.start
            signed = tok.kind == CHAR and (tok.value == "-" or tok.value == "+")
            factors = [self.unary() if signed else self.postfix()]
        else:
            start = self._pos()
            factors = [self.unary()]
        ops: list[str] = []
        while True:
            tok = self.toks[self.i] if self.i < self.n else None
            if tok is None:
                break
            spaced = False  # a \quad before the next factor: [X^T \quad C^T] sets two items apart
            if tok.kind == CMD:
                before = self.i
                tok = self._next_skipping()
                if tok is None:
                    break
                spaced = any(t.kind == CMD and t.value in WIDE_SPACES for t in self.toks[before : self.i])
            kind, value = tok.kind, tok.value
            if (kind == CMD and value in MUL_OPS) or (kind == CHAR and value == "*"):
                self.i += 1
                ops.append(MUL_OPS.get(value, "*"))
                factors.append(self.unary())
            elif kind == CMD and value in OPAQUE_OPS:  # W \circledast X, f \bigcirc g: never evaluated
                self.i += 1
                right = self.unary()
                left = factors[0] if len(factors) == 1 else Mul(start, factors[-1].end, factors, ops)
                factors, ops = [Opaque(start, right.end, f"an operation \\{value} ({OPAQUE_OPS[value]})", [left, right], None, value)], []
            elif (kind == CHAR and value == "/") or (kind == CMD and value == "div"):
                self.i += 1
                den = self.unary()
                left = factors[0] if len(factors) == 1 else Mul(start, factors[-1].end, factors, ops)
                factors, ops = [Div(start, den.end, left, den)], []
            elif kind == LETTER or kind == NUM or self._starts_factor(tok):  # letters: no call
                last = factors[-1]
                if isinstance(last, Deriv) and last.num is None and last.op != "nabla":
                    applied = self._nested(self.term)
                    factors[-1] = Deriv(last.start, applied.end, applied, last.wrt, last.op, label=last.label)
                    break
                factors.append(self.postfix())
                ops.append("quad" if spaced else "")
            else:
                break
        if len(factors) == 1:
            return factors[0]
        return Mul(start, factors[-1].end, factors, ops)

    def unary(self) -> Node:
        if self.i < self.n:
            tok = self.toks[self.i]
            if tok.kind == CHAR and tok.value == "-":
                self.i += 1
                inner = self._nested(self.unary)
                return Neg(tok.start, inner.end, inner)
            if tok.kind == CHAR and tok.value == "+":
                self.i += 1
        return self.postfix()

    def _starts_factor(self, tok: Token) -> bool:
        if tok.kind in (LETTER, NUM):
            return True
        if tok.kind == CHAR:
            if tok.value in "([{":
                return True
            if tok.value == "|":
                return not self.bars or (self.bars[-1] != "|" and self.bars[-1] != "||")
            return False
        if tok.kind == CMD:
            v = tok.value
            if v in ("|", "Vert", "lVert"):
                return not self.bars or self.bars[-1] != "‖"
            if v == "vert":  # \vert x \vert: the second one closes
                return not self.bars or self.bars[-1] != "|"
            if v in ("right", "end", "\\", "rangle", "rVert", "rvert") or v in IGNORABLE:
                return False
            if v in RELATIONS or v in MUL_OPS or v in ("pm", "mp", "overset", "stackrel", "underset"):
                return False
            if v in ("rbrack", "rbrace", "}", "Rightarrow", "implies", "iff", "div", "mid", "rceil", "rfloor", "not") or v in LOGIC_OPS:
                return False
            if v in OPAQUE_OPS or v in PLACEHOLDERS or v == "%":
                return False
            if v in BIG_SET_OPS:  # A \bigcap B: between two sets; \bigcap_i A_i: an operand
                return not (self.i < self.n and tok is self.toks[self.i] and self._logic_op_at(self.i))
            return True
        return False

    def _nested(self, parse) -> Node:
        """``parse()`` one level deeper (see MAX_DEPTH)."""
        global _depth
        _depth += 1
        try:
            if _depth > MAX_DEPTH:
                raise self.error(TOO_DEEP)
            return parse()
        finally:
            _depth -= 1

    def postfix(self) -> Node:
        """A primary and its marks (x^2, X_i, f', n!): each mark is one level of nesting,
        the depth restored on the way out (one call: this runs for every operand)."""
        global _depth
        outer = _depth
        try:
            tok = self.toks[self.i] if self.i < self.n else None
            if tok is not None and tok.kind == LETTER:  # the most common operands, without primary()
                node = self.letter()
            elif tok is not None and tok.kind == NUM:
                self.i += 1
                node = Num(tok.start, tok.end, tok.value)
            else:
                node = self.primary()
            while True:
                if self.i >= self.n:
                    return node
                tok = self.toks[self.i]
                if tok.kind != CHAR:  # every postfix mark is a character (or \limits, \Big| before one)
                    if tok.kind != CMD:
                        return node
                    if tok.value not in _POSTFIX_CMDS:
                        if tok.value not in _COMMAND_MARKS:
                            return node
                        marked = self._command_mark(node, tok)
                        if marked is None:
                            return node
                        node = marked
                        continue
                    if tok.value in ("limits", "nolimits"):
                        if not self._script_at(self.i + 1):
                            return node
                        self.i += 1
                        continue
                    if not self._evaluation_bar_at(self.i + 1):  # \Big|_{x=0}
                        return node
                    self.i += 2
                    node = self._evaluated(node)
                    continue
                value = tok.value
                if value == "|" and self._evaluation_bar_at(self.i):
                    self.i += 1
                    node = self._evaluated(node)
                    continue
                if value in _MARKS:
                    _depth += 1
                    if _depth > MAX_DEPTH:
                        raise self.error(TOO_DEEP)
                if value == "^":
                    self.i += 1
                    node = self.superscript(node)
                    if type(node) is Sym and node.sup in _STAR_MARKS:  # z^*(x): applied as z_i(x) is (W^{(t)}(W^{(t)})^{-1}: no)
                        node = self._maybe_call(node)
                elif value == "_":
                    self.i += 1
                    node = self.subscript(node)
                    if isinstance(node, Sym):
                        node = self._maybe_call(node)
                elif value == "'":
                    node = self._primed(node)
                elif value == "!":
                    self.i += 1
                    node = Factorial(node.start, tok.end, node)
                elif value == "[" and type(node) is Sym and not node.sub and node.name not in _BRACKET_OPERATORS \
                        and node.end == tok.start and (index := self._sample_index_at(self.i)) is not None:
                    text, close = index  # y[n], x[n-1], h[0]: a sample of a discrete signal, read as y_n
                    self.i = close + 1
                    node = Sym(node.start, self.toks[close].end, node.name, text, node.bold, node.sup)
                else:
                    return node
        finally:
            _depth = outer

    def _sample_index_at(self, k: int) -> tuple[str, int] | None:
        """(the index, the token of ``]``) when the ``[`` at token ``k`` holds a sample index: an index
        letter (_SAMPLE_LETTERS) or a whole number, plus or minus another (n, 0, n-1, k+1); else None."""
        toks, n = self.toks, self.n

        def index(t) -> bool:
            return (t.kind == LETTER and t.value in _SAMPLE_LETTERS) or (t.kind == NUM and t.value.isdigit())

        j = k + 1
        if j >= n or not index(toks[j]):
            return None
        text = toks[j].value
        if j + 2 < n and toks[j + 1].is_char("+", "-") and index(toks[j + 2]):
            text += toks[j + 1].value + toks[j + 2].value
            j += 2
        if j + 1 < n and toks[j + 1].is_char("]"):
            return text, j + 1
        return None

    def _command_mark(self, node: Node, tok: Token) -> Node | None:
        """A mark written as a command after ``node``: g\\prime(z) (a prime), f\\rvert_{x=0} (an
        evaluation bar), 70\\% (a percentage, of a number only); None (cursor kept) for none."""
        value = tok.value
        if value == "prime":
            return self._primed(node)
        if (value == "rvert" or value == "vert") and self._evaluation_bar_at(self.i):
            self.i += 1
            return self._evaluated(node)
        if value == "%" and isinstance(node, Num):
            self.i += 1
            return Div(node.start, tok.end, node, Num(tok.start, tok.end, "100"))
        return None

    def _primed(self, node: Node) -> Node:
        """The primes at the cursor (' or \\prime, one or more) after ``node``: a symbol's derivative
        f', f'' (applied when a bracket follows: f''(x)); x' alone is a transpose (as in x'Ax); two
        primes on anything but a symbol are a derivative derivlint does not evaluate."""
        count, end = 0, node.end
        while self.i < self.n and (self.toks[self.i].is_char("'") or self.toks[self.i].is_cmd("prime")):
            end = self.toks[self.i].end
            self.i += 1
            count += 1
        return self._with_primes(node, count, end)

    def _with_primes(self, node: Node, count: int, end: int) -> Node:
        """``node`` with ``count`` primes ending at ``end`` (see _primed)."""
        after = self.peek()
        applied = after is not None and (after.is_char("(") or after.is_cmd("left"))
        if isinstance(node, Sym) and (applied or count > 1 or (after is not None and after.is_char("_"))):
            # w'_1: a name of its own (w prime, its entry 1), not an entry of a transpose
            sym = Sym(node.start, end, node.name + "'" * count, node.sub, node.bold, node.sup)
            return self._maybe_call(sym)  # g'(z): the derivative applied, not g' times z
        if count == 1:
            return Transpose(node.start, end, node, "prime")
        return Opaque(node.start, end, "a derivative written with primes (f'')", [node], None, "primes")

    def _script_at(self, k: int) -> bool:
        return k < self.n and self.toks[k].kind == CHAR and self.toks[k].value in ("_", "^")

    def _evaluation_bar_at(self, k: int) -> bool:
        """Whether a bar at ``k`` with a script after it is an evaluation bar (f|_{x=0}), not the
        closing bar of |x|_1."""
        if k >= self.n or not (self.toks[k].is_char("|") or self.toks[k].is_cmd("vert", "rvert")):
            return False
        return self._script_at(k + 1) and not (self.bars and self.bars[-1] in ("|", "||"))

    def _evaluated(self, node: Node) -> Node:
        """``node`` evaluated at the point its bar's scripts give (the cursor is after the bar):
        f|_{x=0}, \\left. f \\right|_{x=a}^{b}; never evaluated itself."""
        parts = [node]
        end = self._last_end()
        while self._script_at(self.i):
            self.i += 1
            inner, _, end = self._script_tokens()
            if inner:
                parts.append(condition(inner, self.bold))
        return Opaque(node.start, end, "a value at a point (an evaluation bar |_{x=a})", parts, None, "bar")

    # -- scripts ----------------------------------------------------------
    def _script_tokens(self) -> tuple[list[Token], int, int]:
        """The tokens of a ^/_ argument (a group or one token) and its span."""
        if self.i >= self.n:
            raise self.error("missing script after ^ or _", self.toks[self.i - 1])
        tok = self.toks[self.i]
        if tok.value == "{" and tok.kind == CHAR:
            end = self.match[self.i]
            inner = self.toks[self.i + 1 : end]
            self.i = end + 1
            return inner, tok.start, self.toks[end].end
        if tok.kind == NUM and len(tok.value) > 1:
            # TeX takes one character: x^12 is x^1 2
            first = Token(NUM, tok.value[0], tok.start, tok.start + 1, tok.space)
            rest = Token(NUM, tok.value[1:], tok.start + 1, tok.end)
            self.toks[self.i] = rest
            return [first], first.start, first.end
        self.i += 1
        if tok.kind == CMD and tok.value in _TWO_ARGUMENTS and self._group_at(self.i) and self._group_at(self.match[self.i] + 1):
            end = self.match[self.match[self.i] + 1]  # x^\frac{n}{2}: a command with its arguments is the script
            inner = self.toks[self.i - 1 : end + 1]
            self.i = end + 1
            return inner, tok.start, self.toks[end].end
        if tok.kind == CMD and tok.value in _SCRIPT_FONTS and self.peek() is not None:
            if self.peek().is_char("{"):
                end = self.group_end()
                inner = [tok] + self.toks[self.i : end + 1]
                self.i = end + 1
                return inner, tok.start, self.toks[end].end
            nxt = self.next()
            return [tok, nxt], tok.start, nxt.end
        return [tok], tok.start, tok.end

    def _qualifier_at(self, k: int) -> bool:
        """Whether the script argument at token ``k`` qualifies a set of numbers (+, ++, -, \\ge 0, >0)."""
        return _is_qualifier(self.toks[k + 1 : self.match[k]] if self._group_at(k) else self.toks[k : k + 1])

    def _transposing_script(self, k: int) -> bool:
        """Whether the script argument at token ``k`` is a transpose or an inverse mark (T, \\top, -1)."""
        if self._group_at(k):
            words = _plain(self.toks[k + 1 : self.match[k]])
        else:
            words = self.toks[k].value if k < self.n else ""
        return words in TRANSPOSE_WORDS or words == "-1"

    def _group_at(self, k: int) -> bool:
        """Whether a brace group opens at token ``k``."""
        return k < self.n and self.toks[k].kind == CHAR and self.toks[k].value == "{"

    def superscript(self, base: Node) -> Node:
        inner, start, end = self._script_tokens()
        words = _plain(inner)
        # W^{(1)}, e^{[2]}, e^{(i)}: a label, not a power
        label = words[:1] + words[-1:] in ("()", "[]") and words[1:-1].isalnum() and len(words) <= 5
        if isinstance(base, Sym) and base.name == "e" and not base.bold and base.sub is None and not label and (
            words in ("t", "tr") or words not in TRANSPOSE_WORDS and words not in ("-1", "prime", "'", "H", "*")
        ):
            return Func(base.start, end, "exp", [_sub_parse(inner)])
        if len(inner) > 1 and inner[0].is_cmd("otimes"):  # x^{\otimes k}: a tensor power, never evaluated
            return Opaque(base.start, end, "a tensor power (x^{⊗k})", [base, _sub_parse(inner[1:], self.bold)], None, "tensorpower")
        if words in SCRIPT_MAPS:  # ξ^∧: a matrix made from a vector by the note's own map
            return Opaque(base.start, end, f"the map (·)^\\{words}", [base], None, words)
        if words in TRANSPOSE_WORDS:
            mark = "top" if words in ("top", "\u22a4") else "intercal" if words == "intercal" else "t" if words == "t" else "T"
            return Transpose(base.start, end, base, mark)  # "t": a time index where the note counts with t (claims.read_time_superscripts)
        if words == "H" or words == "*" and not isinstance(base, Sym):
            return Transpose(base.start, end, base, "H")
        primes = _prime_count(inner)
        if primes:  # f^\prime(x), f^{\prime\prime}: primes written as a superscript, as f'(x), f''
            return self._with_primes(base, primes, end)
        if words == "-1":
            return Inverse(base.start, end, base)
        if words in ("-T", "-top", "-\u22a4", "-intercal", "-mathsfT", "-mathsf{T}"):
            return Inverse(base.start, end, base, transposed=True)
        if isinstance(base, Sym) and len(inner) > 1 and words not in TRANSPOSE_WORDS:
            label, mark = _label_and_transpose(inner)
            if label is not None:  # w^{\ast T}, w^{*T}: the labelled symbol transposed
                return Transpose(base.start, end, Sym(base.start, end, base.name, base.sub, base.bold, label), mark)
        if isinstance(base, Sym) and (
            words in SUP_LABELS or (words.startswith("prime") and words[5:6] in ("(", "[")) or _is_qualifier(inner)
            or (words.startswith("(") and words.endswith(")"))
            or (words.startswith("[") and words.endswith("]"))
        ):
            return Sym(base.start, end, base.name, base.sub, base.bold, words)
        if isinstance(base, Num) and words in ("circ", "+", "-"):  # 90^\circ (degrees); 0^+ (from above)
            what = "an angle in degrees" if words == "circ" else "a one-sided limit point (0^+)"
            return Opaque(base.start, end, what, [base], None, "degree" if words == "circ" else "side" + words)
        if isinstance(base, Sum):
            base.upper = _sub_parse(inner)
            base.end = end
            return base
        exponent = _sub_parse(inner)
        return Pow(base.start, end, base, exponent)

    def subscript(self, base: Node) -> Node:
        inner, start, end = self._script_tokens()
        if len(inner) > 1 and _is_slice(inner):
            # A_{:,j}, x_{1:n}: a slice (a column, a row, a range), never a symbol of its own
            return Opaque(base.start, end, "a slice (A_{:,j}, x_{1:n})", [base], None, "slice")
        if isinstance(base, Sym) and base.sub is None:
            return Sym(base.start, end, base.name, _plain(inner, keep_space=False), base.bold, base.sup)
        if isinstance(base, Norm) and base.sub is None:
            base.sub = _plain(inner)
            base.end = end
            return base
        if isinstance(base, Pow) and isinstance(base.base, Norm) and base.base.sub is None:
            base.base.sub = _plain(inner)  # \|x\|^2_2: the norm's subscript written after its square
            base.end = end
            return base
        if isinstance(base, Sum) and base.sub is None:
            _fill_sum_limits(base, inner)
            base.end = end
            return base
        if isinstance(base, Func) and base.sub is None:
            base.sub = condition(inner)
            base.end = end
            return base
        if isinstance(base, Deriv) and base.op == "nabla" and not base.wrt:
            base.wrt = [_sub_parse(inner)]
            base.label = True
            base.end = end
            return base
        return Func(base.start, end, "index", [base], condition(inner))

    # -- primaries --------------------------------------------------------
    def primary(self) -> Node:
        if self.i < self.n and self.toks[self.i].kind == CMD:  # only a command can be skipped
            self.skip_ignorable()
        if self.i >= self.n:
            raise self.error("missing operand")
        tok = self.toks[self.i]
        if tok.kind == LETTER:
            return self.letter()
        if tok.kind == NUM:
            self.next()
            return Num(tok.start, tok.end, tok.value)
        if tok.kind == CHAR:
            return self.char_primary(tok)
        if tok.kind == CMD:
            return self.command(tok)
        if tok.kind == TEXT:
            raise self.error(f"prose '{tok.value[:12]}' inside an expression")
        raise self.error(f"unexpected {describe(tok)}")

    def letter(self) -> Node:
        start = self.i
        nxt = self.toks[start + 1] if start + 1 < self.n else None
        # a word (tr, exp, cost, logX …) only when another letter follows without a space, and
        # only a word that begins as an operator or a name does can be one (see names.py)
        if nxt is not None and nxt.kind == LETTER and not nxt.space:
            if self.toks[start].value + nxt.value in WORD_HEADS:
                node = self._word(self._word_at(start))
                if node is not None:
                    return node
        tok = self.toks[start]
        self.i = start + 1
        sym = Sym(tok.start, tok.end, tok.value, None, self.bold)
        if nxt is None or not _MAY_CALL.get(nxt.value) == nxt.kind:  # no ( [ \left after it: no call
            return sym
        return self._maybe_call(sym)

    def _word(self, word: str) -> Node | None:
        """The operator or name a run of letters at the cursor spells, or None (letters)."""
        first = self.toks[self.i]
        if word in NAME_WORDS:  # cost, SSR, CE: one opaque symbol
            self.i += len(word)
            return self._maybe_call(Sym(first.start, self.toks[self.i - 1].end, word, None, self.bold))
        if word in FUNCTIONS:
            after = self.peek(len(word))
            if after is not None and (after.is_char("(", "^", "_") or after.is_cmd("left") or self._starts_factor(after)):
                self.i += len(word)  # ln \sigma(x), tr A, softmax z: an operator applied
                return self.function(TRACE_NAMES.get(word, word), first)
            return None
        op = glued_operator(word)
        if op is not None:  # logX, detA, lnx: the operator glued to its argument
            self.i += len(op)
            return self.function(TRACE_NAMES.get(op, op), first)
        return None

    def _word_at(self, k: int) -> str:
        """The run of letters from token ``k``, cut after _WORD_CAP letters: no word is that long,
        and a glued operator reads only its first letters (a run of 10,000 letters stays linear)."""
        letters = []
        while k < self.n and len(letters) < _WORD_CAP and self.toks[k].kind == LETTER and (not letters or not self.toks[k].space):
            letters.append(self.toks[k].value)
            k += 1
        return "".join(letters)

    def _expectation(self, sym: Sym) -> Node:
        """E[x xᵀ], E_{p}[…]: the expectation, as \\mathrm{E} reads, not a matrix E times a bracket."""
        inner = self._group_or_none()
        return sym if inner is None else Func(sym.start, self._last_end(), "E", [inner], None)

    def _square_bracket_at(self, k: int) -> bool:
        """Whether a square bracket opens at token ``k`` ([ or \\left[, \\big[ …)."""
        tok = self.toks[k] if k < self.n else None
        if tok is None:
            return False
        if tok.kind == CHAR:
            return tok.value == "["
        if tok.kind == CMD and (tok.value == "left" or tok.value in SIZES) and k + 1 < self.n:
            nxt = self.toks[k + 1]
            return nxt.kind == CHAR and nxt.value == "["
        return False

    def _group_or_none(self) -> Node | None:
        """The bracketed group at the cursor, or None with the cursor where it was (a group that
        does not parse leaves the letter before it a letter); nesting too deep still raises."""
        saved = self.i, self.bold, list(self.bars)
        try:
            return self.delimited(respan=False)
        except ParseError as err:
            if err.message == TOO_DEEP:
                raise
            self.i, self.bold, self.bars = saved
            return None

    def _maybe_call(self, sym: Sym) -> Node:  # _MAY_CALL: the tokens after which it may call
        """f(x), L(w), y(t): a symbol applied to symbols, not a product."""
        if self.i >= self.n:
            return sym
        tok = self.toks[self.i]
        if sym.name == "E" and not sym.bold and not sym.sub and self._square_bracket_at(self.i) and (tok.start == sym.end or tok.kind == CMD):
            return self._expectation(sym)  # E[x], E\left[(z - m)(z - m)^T\right]
        if not ((tok.kind == CHAR and tok.value == "(") or (tok.kind == CMD and tok.value == "left")):
            return sym
        saved = self.i, self.bold, list(self.bars)
        inner = self._group_or_none()
        if inner is None:
            return sym
        if isinstance(inner, Opaque) and inner.head is None and inner.op in _CLAUSE_OPS:
            end = self._last_end()
            if inner.op == "semicolon" and all(isinstance(a, Sym) for a in inner.parts):
                return Call(sym.start, end, sym, inner.parts)  # f(x; θ): a function of x and θ
            what = WHAT_CONDITIONAL if inner.op == "mid" else WHAT_DIVERGENCE if inner.op == "between" else inner.what
            return Opaque(sym.start, end, what, inner.parts, sym, inner.op)
        items = inner.items if isinstance(inner, Tuple) else [inner]
        if isinstance(inner, (Tuple, Sym)) and all(isinstance(a, Sym) for a in items) and (
            not isinstance(inner, Tuple) or inner.brackets == "()"
        ):
            return Call(sym.start, self._last_end(), sym, items)
        if (tok.start == sym.end and len(sym.name) == 1 and (not isinstance(inner, Tuple) or inner.brackets == "()")
                and any(_labelled(a) for a in items) and all(isinstance(a, Sym) or _labelled(a) for a in items)):
            return Call(sym.start, self._last_end(), sym, items)  # E(φ^{g}), h(a_k, θ^{acc}): labelled parameters
        if tok.start == sym.end and _applied_function(sym) and (not isinstance(inner, Tuple) or inner.brackets == "()"):
            return Call(sym.start, self._last_end(), sym, items)  # g(θᵀx), σ(Wx + b), g'(z + 1)
        self.i, self.bold, self.bars = saved
        return sym

    def char_primary(self, tok: Token) -> Node:
        v = tok.value
        if v in "([":
            return self.delimited()
        if v == "{":
            end = self.group_end()
            opened = self.i
            if _is_upright_d(self.toks[self.i + 1 : end]):  # {\rm d}X
                saved = self.i
                self.i = end + 1
                node = self._differential(tok.start, "{\\" + self.toks[saved + 1].value + " d}")
                if node is not None:
                    return node
                self.i = saved
            self.next()
            with self.bounded(end):
                if self.peek() is None:
                    self.i = end + 1
                    raise self.error("empty group", tok)
                node = self.expr()
                if self.peek() is not None and self.peek().is_char(","):  # {(x_1, y_1), (x_2, y_2)}: a set whose \{ was lost
                    node = self._value_list(node)
                    node.what = "a list in braces"
                if self.peek() is not None:
                    raise leftover(self.peek())
            self.i = end + 1
            node = _respan(node, tok.start, self.toks[end].end)
            after = self.peek()
            if (isinstance(node, (Mul, Add)) and after is not None and after.is_char("^", "_")
                    and self.toks[opened + 1].kind == CMD and self.toks[opened + 1].value in _FONT_SWITCHES):
                scripted = self._script_last_letter(node, after)  # {\bf QQ}^T is typeset Q Qᵀ
                if scripted is not None:
                    return scripted
            if isinstance(node, Sym) and len(node.name) > 1 and node.name in FUNCTIONS:
                return self.function(node.name, tok) if self._argument_follows() else node
            return node
        if v == "|":
            return self.bars_group(tok, "|")
        if v == "." and self._ellipsis():  # an ellipsis typed as three full stops: \ldots
            self.i += 3
            return Dots(tok.start, self.toks[self.i - 1].end, "ldots")
        raise self.error(f"unexpected '{v}'", tok)

    def _ellipsis(self) -> bool:
        """Whether three full stops with nothing between them start at the cursor."""
        i = self.i
        if i + 2 >= self.n:
            return False
        a, b, c = self.toks[i], self.toks[i + 1], self.toks[i + 2]
        return b.kind == CHAR == c.kind and b.value == "." == c.value and a.end == b.start and b.end == c.start

    def delimited(self, respan: bool = True) -> Node:
        """( … ), [ … ], \\left( … \\right) and friends; ``respan`` stretches a
        lone item over its brackets. Each position is parsed once (see _maybe_call)."""
        key = (self.i, self.n, self.bold, tuple(self.bars))
        start = self.i
        hit = self.memo.get(key)
        if hit is None:
            try:
                hit = self._delimited(), self.i
            except ParseError as err:
                found = None
                if not (err.unbalanced or err.message == TOO_DEEP or self.toks[start].is_cmd("left")):
                    found = self._bracket_clauses(self.toks[start], start + 1)  # p(x | y), f(x; θ)
                if found is not None:
                    hit = found, self.i
                else:
                    hit = (err.message, err.start, err.end, err.unbalanced), self.i  # not err: its traceback holds this frame
            self.memo[key] = hit
        node, self.i = hit
        if isinstance(node, tuple):
            raise ParseError(*node)
        if respan and not isinstance(node, Tuple):
            _respan(node, self.toks[start].start, self._last_end())
        if (isinstance(node, Mul) and node.ops and all(op == "circ" for op in node.ops)
                and all(isinstance(f, Sym) for f in node.factors) and self.peek() is not None and self.peek().is_char("(")):
            # (f ∘ g)(t): a composition applied, f(g(t)) — not the Hadamard product of f and g times (t)
            inner = self.delimited()
            return Opaque(node.start, inner.end, "a composition of functions (f ∘ g)(t)", [*node.factors, inner], None, "circ")
        return node


    def _clauses_until(self, first: int, close: int, start: int, end: int) -> Node | None:
        """The tokens from ``first`` to ``close`` read as clauses (see _bracket_clauses), the
        cursor moved to ``close``; None when they hold no clause mark or do not parse."""
        inner = self.toks[first:close]
        if not inner or not any(_is_clause_mark(t) for t in _top_level(inner)):
            return None
        try:
            parts, op = clauses(inner, self.bold)
        except ParseError as err:
            if err.message == TOO_DEEP:
                raise
            return None
        self.i = close
        what = {"mid": WHAT_CONDITIONAL, "semicolon": "a list with ';' (x_1; x_2)", "slice": "a slice (B[:, j])",
                "between": WHAT_DIVERGENCE}.get(op, WHAT_EVENT)
        return Opaque(start, end, what, parts, None, op)

    def _bracket_clauses(self, tok: Token, first: int) -> Node | None:
        """( … ) or [ … ] read as clauses when the plain reading failed and the bracket holds a
        separator or a relation at its top level: p(x | y), f(x; θ), P(X = x, Y = y), B[:, j].
        None when it holds none of them or its clauses do not parse either."""
        close = _closing_bracket(self.toks, first, self.n, "]" if tok.value in ("[", "lbrack") else ")")
        if close is None:
            return None
        node = self._clauses_until(first, close, tok.start, self.toks[close].end)
        if node is not None:
            self.i = close + 1
        return node

    def _delimited(self) -> Node:
        at = self.i
        tok = self.next()
        if tok.is_cmd("left"):
            return self.left_right(tok)
        opening = "[" if tok.value == "lbrack" else tok.value
        close = ")" if opening == "(" else "]"
        items = [self.expr()]
        while self.peek() is not None and self.peek().is_char(","):
            self.next()
            items.append(self.expr())
        end_tok = self.peek()
        if end_tok is None:
            raise ParseError(f"unclosed '{tok.value}'", tok.start, tok.end, unbalanced=True)
        if len(items) == 2 and end_tok.is_char(")", "]") and not end_tok.is_char(close):
            self.next()  # [0, 1), (0, 1]: a half-open interval
            return Tuple(tok.start, end_tok.end, items, opening + end_tok.value)
        if not end_tok.is_char(close) and not (close == "]" and end_tok.is_cmd("rbrack")):
            if end_tok.is_char(")", "]") or end_tok.is_cmd("right"):
                raise ParseError(
                    f"'{tok.value}' closed by '{end_tok.value}'", tok.start, end_tok.end, unbalanced=True
                )
            if not self._closes_later(opening, close):
                raise ParseError(f"unclosed '{tok.value}'", tok.start, tok.end, unbalanced=True)
            raise self.error(f"unexpected {describe(end_tok)} inside '{tok.value}…{close}'")
        self.next()
        if len(items) > 1:
            return Tuple(tok.start, end_tok.end, items, opening + close)
        if (opening == "[" and isinstance(items[0], Sym) and not items[0].sub and not items[0].sup
                and not self._script_follows() and not self._argument_at(at)):
            # [ω] ∈ ℝ^{3×3} "the skew-symmetric matrix of ω", an Iverson bracket [x]: a notation of its
            # own (brackets around one letter group nothing); [A]_{ij} is read as before
            return Opaque(tok.start, end_tok.end, f"the bracketed letter [{items[0].name}]: a notation (a skew-symmetric "
                          "or other matrix made from it, an Iverson bracket)", [items[0]], None, "bracket")
        return items[0]

    def _argument_at(self, k: int) -> bool:
        """Whether the bracket at token ``k`` is written against a name before it (E[x], \\mathbb{E}[X]):
        an argument."""
        if k == 0:
            return False
        before = self.toks[k - 1]
        return before.end == self.toks[k].start and (before.kind in (LETTER, CMD) or before.is_char("}", ")", "'"))

    def _script_follows(self) -> bool:
        """Whether the next token is a subscript or superscript mark."""
        t = self.peek()
        return t is not None and t.is_char("_", "^")

    def _closes_later(self, opening: str, close: str) -> bool:
        """Whether a bracket matching an open one (just read) comes later."""
        depth = 0
        for k in range(self.i, self.n):
            t = self.toks[k]
            if t.is_char(opening):
                depth += 1
            elif t.is_char(close):
                if depth == 0:
                    return True
                depth -= 1
        return False

    def _matching_command(self, k: int, opening: str, closing: str) -> int | None:
        """The index of the command ``closing`` that matches, from token ``k`` on, with the
        ``opening`` commands between counted (\\left … \\right, \\lceil … \\rceil); None if none."""
        depth = 0
        while k < self.n:
            t = self.toks[k]
            if t.kind == CMD and t.value == opening:
                depth += 1
            elif t.kind == CMD and t.value == closing:
                if depth == 0:
                    return k
                depth -= 1
            k += 1
        return None

    def left_right(self, left: Token) -> Node:
        delim = self.next() if self.peek() is not None else None
        if delim is None:
            raise ParseError("\\left without a delimiter", left.start, left.end, unbalanced=True)
        opening = delim.value if delim.kind in (CHAR, CMD) else ""
        # find the matching \right
        k = self._matching_command(self.i, "left", "right")
        if k is None:
            raise ParseError(f"\\left{opening} without \\right", left.start, delim.end, unbalanced=True)
        right_delim = self.toks[k + 1] if k + 1 < len(self.toks) else None
        end = (right_delim or self.toks[k]).end
        inner_end = k
        if right_delim is not None and right_delim.is_char(".") and opening in ("(", "["):
            # \left[ … ] \right.: the bracket closed by hand (it looks the same); drawn as a pair
            close = ")" if opening == "(" else "]"
            if k - 1 > self.i and self.toks[k - 1].is_char(close) and _closing_bracket(self.toks, self.i, k, close) == k - 1:
                inner_end = k - 1
        with self.bounded(inner_end):
            if (opening == "|" and delim.kind == CHAR) or opening in ("vert", "lvert"):
                self.bars.append("|")
                node: Node = Abs(left.start, end, self.expr())
                self.bars.pop()
            elif opening in ("\\|", "|\\", "Vert", "lVert") or (delim.kind == CMD and delim.value == "|"):
                self.bars.append("‖")
                node = Norm(left.start, end, self.expr())
                self.bars.pop()
            elif opening == "langle" or (opening == "<" and delim.kind == CHAR and any(
                    t.is_char(",") for t in _top_level(self.toks[self.i : inner_end]))):  # \left<a, b\right> draws ⟨a, b⟩
                node = self._inner_body(left.start, end)
            elif opening == "{" and delim.kind == CMD:
                node = self._brace_body(left.start, end, k)
            else:
                first = self.i
                try:
                    items = [self.expr()]
                    while self.peek() is not None and self.peek().is_char(","):
                        self.next()
                        items.append(self.expr())
                    if self.peek() is not None:
                        raise leftover(self.peek())
                    node = items[0]
                    if len(items) > 1:
                        node = Tuple(left.start, end, items, "()" if opening == "(" else "[]")
                except ParseError as err:  # \left( x \mid y \right): clauses
                    if err.unbalanced or err.message == TOO_DEEP:
                        raise
                    node = self._clauses_until(first, inner_end, left.start, end)
                    if node is None:
                        raise
            if self.peek() is not None:
                raise leftover(self.peek())
        self.i = k + 2 if right_delim is not None else k + 1
        if opening == "." and right_delim is not None and (right_delim.is_char("|") or right_delim.is_cmd("vert", "rvert")):
            return self._evaluated(node)  # \left. f \right|_{x=0}
        return node

    def _brace_body(self, start: int, end: int, close: int) -> Node:
        """\\left\\{ … \\right\\}: a group when it holds one expression, else a set."""
        saved = self.i, list(self.bars)
        try:
            node = self.expr()
            if self.peek() is None and not isinstance(node, Tuple):
                return node
        except ParseError as err:
            if err.message == TOO_DEEP:
                raise
        self.i, self.bars = saved
        parts, op = clauses(self.toks[self.i : close], self.bold)
        self.i = close
        return Opaque(start, end, "a set {…}", parts, None, "setof" if op == "mid" else "set")

    def bars_group(self, tok: Token, kind: str) -> Node:
        self.next()
        nxt = self.peek()
        if kind == "|" and nxt is not None and nxt.is_char("|") and nxt.start == tok.end:
            node = self._double_bars(tok)  # ||Ax - b||_2: a norm typed with two bars
            if node is not None:
                return node
        self.bars.append(kind)
        inner = self.expr()
        self.bars.pop()
        close = self.peek()
        if kind == "|":
            if close is None or not (close.is_char("|") or close.is_cmd("rvert", "vert")):
                # a lone bar is legal LaTeX: p(x | y), {x | x > 0}, f|_{x=0}
                raise ParseError("a '|' that is not an absolute value (as in p(x|y)) is not supported yet", tok.start, tok.end)
            self.next()
            return Abs(tok.start, close.end, inner)
        if close is None or not (close.kind == CMD and close.value in ("|", "Vert", "rVert")):
            # a lone \| is legal LaTeX too: KL(P \| Q), a \| b (parallel)
            raise ParseError("a '\\|' that is not a norm (as in KL(P \\| Q)) is not supported yet", tok.start, tok.end)
        self.next()
        return Norm(tok.start, close.end, inner)

    def _double_bars(self, tok: Token) -> Node | None:
        """The norm ||…|| opened by two bars at ``tok``, or None (cursor kept) when no two
        adjacent bars close it."""
        saved = self.i, list(self.bars)
        self.next()
        self.bars.append("||")  # inside, a bar closes: no |x| nested in ||…||
        try:
            inner = self.expr()
        except ParseError as err:
            if err.message == TOO_DEEP:  # no other reading is shallower: no retry (exponential)
                raise
            inner = None
        self.bars = saved[1]
        a, b = self.peek(), self.peek(1)
        if inner is None or a is None or b is None or not (a.is_char("|") and b.is_char("|") and b.start == a.end):
            self.i = saved[0]
            return None
        self.i += 2
        return Norm(tok.start, b.end, inner)

    def _inner_body(self, start: int, end: int) -> Node:
        a = self.expr()
        tok = self.peek()
        if tok is None or not (tok.is_char(",") or tok.is_char("|")):
            raise self.error("expected ',' in ⟨a, b⟩")
        self.next()
        b = self.expr()
        return Inner(start, end, a, b)

    # -- commands ---------------------------------------------------------
    def command(self, tok: Token) -> Node:
        v = tok.value
        if v in ("Sigma", "Pi") and self._index_range_follows():  # \Sigma_{i=1}^m (…): the sign written as the letter
            return self.big_operator(tok, "sum" if v == "Sigma" else "prod")
        if v in GREEK:
            self.i += 1
            sym = Sym(tok.start, tok.end, v, None, self.bold)
            after = self.toks[self.i] if self.i < self.n else None
            if after is None or not _MAY_CALL.get(after.value) == after.kind:  # no ( [ \left after it: no call
                return sym
            return self._maybe_call(sym)
        if v in BOLD_FONTS:
            return self.font(tok, bold=True)
        if v in WORD_FONTS:
            return self.word_font(tok)
        if v in LETTER_FONTS:
            self.next()
            inner, s, e = self._script_tokens()
            return self._maybe_call(Sym(tok.start, e, f"{v}({_plain(inner)})", None, self.bold))
        if v in ACCENTS:
            self.next()
            inner, s, e = self._script_tokens()
            node = _sub_parse(inner, self.bold)
            if isinstance(node, Sym):
                return self._maybe_call(Sym(tok.start, e, f"{v}({node.name})", node.sub, node.bold, node.sup))
            return node
        if v in FRACS:
            return self.frac(tok)
        if v in ("sqrt",):
            self.next()
            index = []
            if self.peek() is not None and self.peek().is_char("["):
                self.next()
                while self.peek() is not None and not self.peek().is_char("]"):
                    index.append(self.next())
                if self.peek() is None:
                    raise ParseError("unclosed '[' in \\sqrt", tok.start, tok.end, unbalanced=True)
                self.next()
            inner, s, e = self._script_tokens()
            arg = _sub_parse(inner, self.bold)
            if index:  # \sqrt[3]{x} = x^{1/3}
                n = _sub_parse(index, self.bold)
                return Pow(tok.start, e, arg, Div(tok.start, e, Num(tok.start, tok.start, "1"), n))
            return Func(tok.start, e, "sqrt", [arg])
        if v in FUNCTIONS or v in TRACE_NAMES:
            self.next()
            return self.function(TRACE_NAMES.get(v, v), tok)
        if v == "partial":
            return self.partial(tok)
        if v == "nabla":
            return self.nabla(tok)
        if v in ("|", "Vert", "lVert"):
            return self.bars_group(tok, "‖")
        if v in ("vert", "lvert"):
            return self.bars_group(tok, "|")
        if v == "langle":
            self.next()
            k = self.i
            depth = 0
            while k < self.n and not (self.toks[k].is_cmd("rangle") and depth == 0):
                if self.toks[k].is_cmd("langle"):
                    depth += 1
                elif self.toks[k].is_cmd("rangle"):
                    depth -= 1
                k += 1
            if k >= self.n:
                raise ParseError("unclosed '\\langle'", tok.start, tok.end, unbalanced=True)
            with self.bounded(k):
                node = self._inner_body(tok.start, self.toks[k].end)
                if self.peek() is not None:
                    raise leftover(self.peek())
            self.i = k + 1
            return node
        if v == "left":
            return self.delimited()
        if v in ("lbrack",):
            return self.delimited()
        if v in DOTS:
            self.next()
            return Dots(tok.start, tok.end, DOTS[v])
        if v in ("sum", "prod"):
            return self.big_operator(tok)
        if v in ("mathbb", "Bbb", "mathds"):
            return self.space(tok)
        if v in _NUMBER_SETS:
            self.next()
            return self._space_dims(tok, _NUMBER_SETS[v])
        if v == "begin":
            return self.environment(tok)
        if v in ("underbrace", "overbrace"):
            before = self.toks[self.i - 1] if self.i > 0 else None
            self.next()
            inner, s, e = self._script_tokens()
            node = _sub_parse(inner, self.bold)
            nxt = self.peek()
            if nxt is not None and nxt.is_char("_", "^"):
                self.next()
                self._script_tokens()
            if (isinstance(node, Add) and _sum_at_top(inner)
                    and (self._binds(before, after=False) or self._binds(self.peek(), after=True))):
                # - \underbrace{a - b}_{…}: typeset without brackets it reads -a - b; meant as a group, -(a - b)
                return Opaque(tok.start, self._last_end(), f"a sum under \\{v} beside a sign or a factor (grouped or not)",
                              [node], None, v)
            return node
        if v in ("underset", "overset", "stackrel"):
            self.next()
            label, _, _ = self._script_tokens()
            inner, s, e = self._script_tokens()
            word = _plain(inner)
            if v == "underset" and word in LIMIT_OPS and label:  # \underset{x \to 0}{\lim} f(x): the operator
                node = self.function(word, tok)
                if isinstance(node, Func) and node.sub is None:
                    node.sub = condition(label, self.bold)
                return node
            return _sub_parse(inner, self.bold)
        if v in SIZES:  # \big( … \big): closing sizes are skipped as ignorable
            self.next()
            node = self.primary()
            return _respan(node, tok.start, node.end)
        if v in ("boxed", "fbox", "cancel", "bcancel", "xcancel", "color_group", "mathbin", "mathord", "mathinner"):
            self.next()
            inner, s, e = self._script_tokens()
            return _sub_parse(inner, self.bold)
        if v in INTEGRALS:
            return self.integral(tok)
        if v == "{":
            return self.brace_set(tok)
        if v in PHYSICS_DERIVS:
            return self.physics_derivative(tok)
        if v in QUANTIFIERS:
            self.next()
            self.skip_ignorable()
            parts = [self.postfix()] if self.peek() is not None and self._starts_factor(self.peek()) else []
            end = parts[-1].end if parts else tok.end
            return Opaque(tok.start, end, "a quantifier (\\forall, \\exists)", parts, None, v)
        if v == "rbrace" or v == "}":
            raise self.error("unexpected '\\}'", tok)
        node = self._rare_command(tok)
        if node is not None:
            return node
        raise self.error(f"unknown command \\{v}", tok)

    def _rare_command(self, tok: Token) -> Node | None:
        """The constructs few notes use, read where an operand stands (lazily: after every common
        command was tried); None when the command at the cursor is none of them."""
        v = tok.value
        if v in ROUNDING:
            return self.rounding(tok)
        if v in ("binom", "dbinom", "tbinom"):  # \binom{n}{k}: a function of n and k, never evaluated
            self.next()
            top, _, _ = self._script_tokens()
            bottom, _, end = self._script_tokens()
            parts = [_sub_parse(top, self.bold), _sub_parse(bottom, self.bold)]
            return Opaque(tok.start, end, "a binomial coefficient", parts, None, "binom")
        if v in ("Re", "Im"):
            return self.real_part(tok)
        if v == "cdot" and self.i + 2 < self.n and self.toks[self.i + 1].is_cmd("cdot") and self.toks[self.i + 2].is_cmd("cdot"):
            self.i += 3  # ··· typed as three middle dots: an ellipsis
            return Dots(tok.start, self.toks[self.i - 1].end, "cdots")
        if v in PLACEHOLDERS:  # f(\cdot), \|\cdot\|_1, \cdot + \cdot: where an operand stands, a placeholder
            self.next()
            return Opaque(tok.start, tok.end, "a placeholder argument (·)", [], None, "placeholder")
        if v in BIG_SET_OPS:  # \bigcup_{i=1}^n A_i
            return self.integral(tok, what="a big operation over sets (⋃, ⋂, ⨁)")
        if v in ("sim", "approx", "simeq") and self.i + 1 < self.n and self._starts_factor(self.toks[self.i + 1]):
            self.next()  # \sim 1 in a cell: about 1 (a value not stated exactly)
            value = self.postfix()
            return Opaque(tok.start, value.end, "an approximate value (∼ x)", [value], None, "about")
        if v in ("neg", "lnot") and self.i + 1 < self.n and self._starts_factor(self.toks[self.i + 1]):
            self.next()
            negated = self.postfix()
            return Opaque(tok.start, negated.end, "a negation (¬)", [negated], None, "neg")
        if v in ("ce", "pu") and self._group_at(self.i + 1):  # \ce{NaCl} (mhchem): a chemical formula, text
            self.next()
            _, _, end = self._script_tokens()
            return Opaque(tok.start, end, "a chemical formula (\\ce)", [], None, "text")
        if v == "mid" and self._closing_mid() is not None:  # \mid w_1 \mid: bars drawn with \mid
            close = self._closing_mid()
            self.next()
            with self.bounded(close):
                self.bars.append("|")
                inner = self.expr()
                self.bars.pop()
                if self.peek() is not None:
                    raise leftover(self.peek())
            self.i = close + 1
            return Abs(tok.start, self.toks[close].end, inner)
        if v in ("over", "choose", "atop"):  # {a \over b} was read before parsing (lexer.rewrite_infix)
            if v == "atop":
                raise self.error("\\atop (two rows stacked without a bar) is not read", tok)
            raise self.error(f"\\{v} outside a group of its own, or two in one group: which part is the fraction is not certain", tok)
        if v == "tikz":  # \tikz[options]{…}: a diagram drawn in the formula
            self.next()
            if self.peek() is not None and self.peek().is_char("["):
                close = _closing_bracket(self.toks, self.i + 1, self.n, "]")
                if close is None:
                    raise self.error("\\tikz with unclosed options", tok)
                self.i = close + 1
            if not self._group_at(self.i):
                raise self.error("\\tikz without a drawing", tok)
            _, _, end = self._script_tokens()
            return Opaque(tok.start, end, "a diagram (TikZ)", [], None, "diagram")
        if (v in MUL_OPS or v in OPAQUE_OPS or v in _PLUS_CMDS or v in LOGIC_OPS) and self._operation_named_at(self.i + 1):
            self.next()  # (\mathbb{R}^3, \mathbb{R}, \times), \oplus : D \to D: the operation itself, as an object
            return Opaque(tok.start, tok.end, f"an operation named as an object (\\{v})", [], None, "operation")
        if v == "#":  # \#(i), \#\{…\}: a count
            self.next()
            self.skip_ignorable()
            if self.peek() is None or not self._starts_factor(self.peek()):
                raise self.error("\\# without what it counts", tok)
            counted = self.postfix()
            return Opaque(tok.start, counted.end, "a count (#)", [counted], None, "count")
        return None

    def _closing_mid(self) -> int | None:
        """The index of the \\mid that closes one opened at the cursor, at the same level, with no
        other \\mid between; None when there is none."""
        depth = 0
        for k in range(self.i + 1, self.n):
            t = self.toks[k]
            if t.kind == CHAR and t.value in "([{":
                depth += 1
            elif t.kind == CHAR and t.value in ")]}":
                depth -= 1
                if depth < 0:
                    return None
            elif depth == 0 and t.kind == CMD and t.value == "mid":
                return k if k > self.i + 1 else None
            elif depth == 0 and relation_of(t) is not None:
                return None
        return None

    def _operation_named_at(self, k: int) -> bool:
        """Whether an operation sign before token ``k``, where an operand stands, is named as an object
        rather than applied: a bracket or comma closes after it, a relation or a sign follows, or nothing."""
        while k < self.n and self.toks[k].kind == CMD and self.toks[k].value in IGNORABLE:
            k += 1
        if k >= self.n:
            return True
        t = self.toks[k]
        if t.kind == CHAR:
            return t.value in ")],:+-=<>"
        return t.kind == CMD and (t.value in ("right", "rbrack", "rangle") or relation_of(t) is not None)

    def rounding(self, tok: Token) -> Node:
        """\\lceil x \\rceil, \\lfloor x \\rfloor: a function of what they hold, never evaluated."""
        close_name, what = ROUNDING[tok.value]
        k = self._matching_command(self.i + 1, tok.value, close_name)
        if k is None:
            raise ParseError(f"unclosed '\\{tok.value}'", tok.start, tok.end, unbalanced=True)
        self.next()
        with self.bounded(k):
            inner = self.expr()
            if self.peek() is not None:
                raise leftover(self.peek())
        self.i = k + 1
        return Opaque(tok.start, self.toks[k].end, what, [inner], None, close_name[1:])

    def real_part(self, tok: Token) -> Node:
        """\\Re z, \\Re(z), \\Im z: the real or imaginary part (never evaluated). Written with a
        script or with nothing after it (x \\in \\Re^n, f : \\Re \\to \\Re), \\Re is the real numbers,
        as such notes mean by it; \\Im so written stays unread."""
        self.next()
        if self._argument_follows() and not self.peek().is_char("^", "_"):
            arg = self.delimited(respan=False) if self.peek().is_char("(", "[") or self.peek().is_cmd("left") else self.postfix()
            what = "the real part" if tok.value == "Re" else "the imaginary part"
            return Opaque(tok.start, max(arg.end, self._last_end()), what, [arg], None, tok.value)
        if tok.value == "Re":
            return self._space_dims(tok, "R")
        raise self.error("\\Im that is not applied to anything", tok)

    def integral(self, tok: Token, what: str = "an integral") -> Node:
        """\\int_a^b f(x)\\,dx: its bounds and integrand read (so the claim around it parses),
        the integral itself never evaluated; the big set operations (\\bigcup_i A_i) are read alike."""
        self.next()
        parts: list[Node] = []
        end = tok.end
        while self.peek() is not None and (self.peek().is_char("_", "^") or self.peek().is_cmd("limits", "nolimits")):
            if self.next().kind == CMD:
                continue
            inner, _, end = self._script_tokens()
            if inner:
                parts.append(condition(inner, self.bold))
        self.skip_ignorable()
        if self.peek() is not None and self._starts_factor(self.peek()):
            body = self._nested(self.term)
            parts.append(body)
            end = body.end
        return Opaque(tok.start, end, what, parts, None, tok.value)

    def brace_set(self, tok: Token) -> Node:
        """\\{ … \\}: a set, by its elements (\\{0, 1\\}) or a rule (\\{x \\mid x > 0\\})."""
        depth, close = 0, None
        for k in range(self.i + 1, self.n):
            t = self.toks[k]
            if t.kind == CMD and t.value == "{":
                depth += 1
            elif t.kind == CMD and t.value == "}":
                if depth == 0:
                    close = k
                    break
                depth -= 1
        if close is None:
            raise ParseError("unclosed '\\{'", tok.start, tok.end)  # maybe closed on another row
        inner = self.toks[self.i + 1 : close]
        parts, op = clauses(inner, self.bold) if inner else ([], "")
        self.i = close + 1
        return Opaque(tok.start, self.toks[close].end, "a set {…}", parts, None, "setof" if op == "mid" else "set")

    def physics_derivative(self, tok: Token) -> Node:
        """\\pdv{f}{x}, \\pdv[2]{f}{x}, \\pdv{f}{x}{y}, \\dv{f}{x}, \\pdv{x} (the operator alone)."""
        self.next()
        if self.peek() is not None and self.peek().is_char("*"):
            self.next()
        order = 1
        if self.peek() is not None and self.peek().is_char("["):
            k = self.i + 1
            while k < self.n and not self.toks[k].is_char("]"):
                k += 1
            words = _plain(self.toks[self.i + 1 : k])
            if k >= self.n or not words.isdigit():
                raise self.error(f"\\{tok.value} with an order that is not a number", tok)
            order = int(words)
            self.i = k + 1
        groups = []
        end = tok.end
        while len(groups) < 3 and self.peek() is not None and self.peek().is_char("{"):
            inner, _, end = self._script_tokens()
            groups.append(inner)
        if not groups:
            raise self.error(f"\\{tok.value} without arguments", tok)
        op = PHYSICS_DERIVS[tok.value]
        if len(groups) == 1:  # the operator ∂/∂x, applied to what follows
            return Deriv(tok.start, end, None, [_sub_parse(groups[0], self.bold)] * order, op)
        num = _sub_parse(groups[0], self.bold)
        wrt = [_sub_parse(g, self.bold) for g in groups[1:]]
        if len(wrt) == 1:
            wrt = wrt * order
        return Deriv(tok.start, end, num, wrt, op)

    def _differential(self, start: int, mark: str) -> Node | None:
        """The operand of an upright d just read (the cursor is after it) as a
        Differential; None when no operand follows (d alone, d_k, d^2, d 2)."""
        saved = self.i
        self.skip_ignorable()
        nxt = self.peek()
        if nxt is None or nxt.kind == NUM or nxt.is_char("_", "^", "'") or not self._starts_factor(nxt):
            self.i = saved
            return None
        arg = self.postfix()
        return Differential(start, arg.end, arg, mark)

    def font(self, tok: Token, bold: bool) -> Node:
        self.next()
        if tok.value == "bf":  # a switch: {\bf x}
            saved = self.bold
            self.bold = True
            node = self.postfix()
            self.bold = saved
            return node
        inner, s, e = self._script_tokens()
        node = _sub_parse(inner, bold=True)
        node = _respan(node, tok.start, e)
        if isinstance(node, Num) and node.value == "1":  # \mathbf{1}: the all-ones vector
            return Sym(node.start, node.end, "1", None, True)
        after = self.peek()
        if isinstance(node, (Mul, Add)) and after is not None and after.is_char("^", "_"):
            scripted = self._script_last_letter(node, after)  # \mathbf{XX}^T, \mathbf{A+A}^T
            if scripted is not None:
                return scripted
        return self._maybe_call(node) if isinstance(node, Sym) else node

    def _script_last_letter(self, node: Node, after: Token) -> Node | None:
        """A font group of several letters and a script after it (``\\mathbf{XX}^T``,
        ``\\mathbf{A+A}^T``, ``{\\bf QQ}^T``) is typeset with the script on its last letter, X Xᵀ
        and A + Aᵀ, and written so for them (the font needs the braces): the script belongs to
        that letter. None when the group does not end in a plain factor."""
        path, last = [], node
        while isinstance(last, (Mul, Add, Neg)):
            path.append(last)
            last = last.arg if isinstance(last, Neg) else (last.factors if isinstance(last, Mul) else last.terms)[-1]
        if not isinstance(last, (Sym, Num)):
            return None
        self.next()
        last = self.superscript(last) if after.is_char("^") else self.subscript(last)
        for outer in reversed(path):
            if isinstance(outer, Mul):
                last = Mul(outer.start, last.end, outer.factors[:-1] + [last], outer.ops)
            elif isinstance(outer, Neg):
                last = Neg(outer.start, last.end, last)
            else:
                last = Add(outer.start, last.end, outer.terms[:-1] + [last])
        return last

    def word_font(self, tok: Token) -> Node:
        self.next()
        star = False
        if self.peek() is not None and self.peek().is_char("*"):
            self.next()
            star = True
        if tok.value in SWITCH_FONTS and self.peek() is not None and not self.peek().is_char("{"):
            inner = self._switched_word()  # {\rm Label}: the switch sets the letters after it
            e = inner[-1].end
        else:
            inner, s, e = self._script_tokens()
        word = _plain(inner, keep_space=False)
        if tok.value == "textbf" and len(inner) == 1 and (inner[0].kind == LETTER or inner[0].value == "1"):
            # \textbf{x}, \textbf{1} as some notes write vectors: bold, as \mathbf (the all-ones vector 1)
            if inner[0].kind != LETTER:
                return Sym(tok.start, e, "1", None, True)
            return self._maybe_call(Sym(tok.start, e, inner[0].value, None, True))
        if word == "d" and tok.value in UPRIGHT_D_FONTS and len(inner) <= 3:
            node = self._differential(tok.start, f"\\{tok.value}{{d}}")
            if node is not None:
                return node
        if word in FUNCTIONS or word in TRACE_NAMES or word.replace("\\,", "") in FUNCTIONS:
            if inner and all(t.kind == LETTER for t in inner) and (self.peek() is None or not self._argument_follows()):
                # {\rm softmax}(z): applied after the group; \operatorname{ReLU} \to …: the name alone
                return Sym(tok.start, e, word, None, self.bold)
            return self.function(TRACE_NAMES.get(word, word), tok)
        if tok.value in ("operatorname", "mathop", "operatornamewithlimits") or star:
            named = inner and all(t.kind == LETTER for t in inner)
            if self._argument_follows() and not (named and self._only_scripts_follow()):
                return self.function(word, tok)
            if named:  # \operatorname{CE} = …, \operatorname{Linear}_1 \to …: a name
                return Sym(tok.start, e, word, None, self.bold)
            return self.function(word, tok)
        if len(inner) == 1 and inner[0].kind == LETTER:
            return self._maybe_call(Sym(tok.start, e, inner[0].value, None, self.bold))
        if not inner:
            raise self.error("empty text", tok)
        if all(t.kind == LETTER for t in inner):
            sym = Sym(tok.start, e, word, None, self.bold)
            node = self._maybe_call(sym)
            if node is sym and len(inner) > 1 and not any(t.space for t in inner[1:]) and self._bracket_right_after():
                return self.function(word, tok)  # \text{prod}\left(…, …\right): a function by its name, not a product
            return node
        if tok.value in CODE_FONTS and all(t.kind in (LETTER, NUM) or t.is_char(".", "_") for t in inner):
            return Sym(tok.start, e, word, None, self.bold)  # \texttt{x.grad}: a name in a program, opaque
        if tok.value in PROSE_TEXT_FONTS and _is_words(inner):  # + \text{higher-order terms}: a term named in words
            return Opaque(tok.start, e, "a term named in words (\\text{…})", [], None, "text")
        node = _sub_parse(inner, self.bold)
        return node

    def _switched_word(self) -> list[Token]:
        """The letters right after a font switch (\\rm Label): one word, or one token."""
        first = self.next()
        inner = [first]
        if first.kind == LETTER:
            while self.i < self.n and self.toks[self.i].kind == LETTER and not self.toks[self.i].space:
                inner.append(self.next())
        return inner

    def _only_scripts_follow(self) -> bool:
        """Whether scripts follow the cursor and no argument after them (\\operatorname{Linear}_1 \\to):
        a name with a subscript, not an operator applied."""
        k = self.i
        if not self._script_at(k):
            return False
        while self._script_at(k):
            k += 1
            if k < self.n and self.toks[k].is_char("{"):
                k = self.match[k] + 1
            elif k < self.n and self.toks[k].kind == CMD and self.toks[k].value in _SCRIPT_FONTS and self._group_at(k + 1):
                k = self.match[k + 1] + 1
            else:
                k += 1
        while k < self.n and self.toks[k].kind == CMD and (self.toks[k].value in IGNORABLE or self.toks[k].value in SIZES):
            k += 1
        if k >= self.n:
            return True
        nxt = self.toks[k]
        return not (nxt.is_char("(", "[") or nxt.is_cmd("left") or self._starts_factor(nxt))

    def _bracket_right_after(self) -> bool:
        """Whether a ( or \\left( stands at the cursor with no space before it (a function applied)."""
        nxt = self.peek()
        return nxt is not None and not nxt.space and (nxt.is_char("(") or (nxt.is_cmd("left") and self.peek(1) is not None and self.peek(1).is_char("(")))

    def _argument_follows(self) -> bool:
        """Whether a factor, a bracket or a script follows the cursor (an operator's argument)."""
        self.skip_ignorable()
        nxt = self.peek()
        return nxt is not None and (nxt.is_char("(", "[", "^", "_") or nxt.is_cmd("left") or self._starts_factor(nxt))

    def function(self, name: str, tok: Token) -> Node:
        """The argument of a named function: (…), |…|, or the next factor."""
        power = None
        sub = None
        while self.peek() is not None and (self.peek().is_char("^", "_", "'") or self.peek().is_cmd("limits", "nolimits", "prime")):
            mark = self.next()
            if mark.value == "'" or mark.value == "prime":  # \tanh'(z): the derivative of the function, applied
                name += "'"
                continue
            if mark.kind == CMD:
                continue
            inner, s, e = self._script_tokens()
            if mark.value == "^" and _prime_count(inner):  # tanh^{'}(z), \sigma^\prime
                name += "'" * _prime_count(inner)
            elif mark.value == "^":
                power = _TRANSPOSED if _plain(inner) in _TRANSPOSING_POWERS else _sub_parse(inner)
            else:
                sub = condition(inner)
        self.skip_ignorable()
        nxt = self.peek()
        if nxt is None and name.endswith("'") and power is None and sub is None:
            return Sym(tok.start, self._last_end(), name, None, self.bold)  # {tanh^{'}}: the derivative, as a name
        if nxt is None:
            raise self.error(f"\\{name} without an argument", tok)
        if nxt.is_char("(") or nxt.is_cmd("left") or nxt.is_char("["):
            arg = self.delimited(respan=False)
            args = arg.items if isinstance(arg, Tuple) else [arg]
        elif name in LIMIT_OPS:
            args = [self.term()]
        elif name in WIDE_ARG:
            args = [self._wide_argument(name)]
        else:
            args = [self.postfix()]
        node: Node = Func(tok.start, args[-1].end if args else tok.end, name, args, sub)
        if isinstance(arg := (args[0] if args else None), Node) and nxt.is_char("(", "["):
            node.end = max(node.end, self._last_end())
        if power is _TRANSPOSED:  # \mathrm{vec}^\top(X): the transpose of the value
            return Transpose(node.start, node.end, node, "T")
        if power is not None:
            node = _power(node, power)
        return node

    def _binds(self, tok: Token | None, after: bool) -> bool:
        """Whether ``tok`` (next to a braced sum) binds tighter than its + and -: a factor on either
        side, or a minus or product sign before it."""
        if tok is None:
            return False
        if tok.kind in (LETTER, NUM):
            return True
        if tok.kind == CHAR:
            if after:
                return tok.value in "([{"
            return tok.value in "-)]}*/"
        if tok.kind == CMD:
            if tok.value in MUL_OPS:
                return not after
            if after:
                return self._starts_factor(tok)
            return tok.value in ("right", "cdot", "times")
        return False

    def _wide_argument(self, name: str) -> Node:
        """The argument of \\det X^{-1}, \\tr AB: the product that follows, up to a \\cdot or \\times
        before another named function (\\det X \\cdot \\operatorname{tr}(X^{-1}dX) is det X times a trace);
        a determinant's, up to any \\cdot or \\times (\\det M \\cdot M^{-T}: det(M·M^{-T}) would be 1)."""
        stop = self._named_factor_after_dot(any_factor=name in _SCALAR_WIDE)
        if stop is None:
            return self.term()
        saved, self.n = self.n, stop
        try:
            return self.term()
        finally:
            self.n = saved

    def _wide_name_at(self, j: int) -> bool:
        """Whether a function that takes a wide argument (\\det, \\tr, \\operatorname{tr}) starts at token ``j``."""
        tok = self.toks[j]
        if tok.value in WIDE_ARG or tok.value in TRACE_NAMES:
            return True
        if tok.value in ("operatorname", "mathrm") and j + 1 < self.n and self._group_at(j + 1):
            word = _plain(self.toks[j + 2 : self.match[j + 1]])
            return word in WIDE_ARG or word in TRACE_NAMES
        return False

    def _named_factor_after_dot(self, any_factor: bool = False) -> int | None:
        """The index of the first \\cdot / \\times at the top level of the term ahead that a named
        function (\\tr, \\det, \\log, \\operatorname{…}) follows; None when there is none."""
        depth = 0
        toks = self.toks
        for j in range(self.i, min(self.n - 1, self.i + _WIDE_REACH)):  # \tr A \tr B … 10,000 times: linear
            tok = toks[j]
            change = _depth_change(tok)
            if change:
                depth += change
                if depth < 0:
                    return None
            elif depth:
                continue
            elif tok.kind == CHAR and tok.value in "+-=<>,":
                return None
            elif j > self.i and tok.kind == CMD and self._wide_name_at(j):
                return j  # \det A \det B: a second determinant (or trace) ends the first's argument
            elif tok.kind == CMD and tok.value in ("cdot", "times"):
                after = toks[j + 1]
                if any_factor:
                    return j
                if after.kind == CMD and (after.value in FUNCTIONS or after.value in TRACE_NAMES or after.value in WIDE_ARG
                                          or after.value in ("operatorname", "mathrm")):
                    return j
        return None

    def frac(self, tok: Token) -> Node:
        self.next()
        num_toks, ns, ne = self._script_tokens()
        den_toks, ds, de = self._script_tokens()
        num_d = differential(num_toks, alone_ok=True)
        den_d = differential(den_toks, alone_ok=False)
        if den_d is not None:
            wrt = _parse_wrt(den_toks, den_d[0], den_d[1], self.bold)
            if num_d is not None:
                kind, k, order = num_d
                operand = _sub_parse(num_toks[k:], self.bold) if k < len(num_toks) else None
                if order > 1 and len(wrt) == 1:
                    wrt = wrt * order
                return Deriv(tok.start, de, operand, wrt, "partial" if kind == "partial" else "d")
            operand = _sub_parse(num_toks, self.bold)
            return Deriv(tok.start, de, operand, wrt, den_d[0], sloppy=True)
        return Div(tok.start, de, _sub_parse(num_toks, self.bold), _sub_parse(den_toks, self.bold))

    def partial(self, tok: Token) -> Node:
        self.next()
        if self.peek() is not None and self.peek().is_char("^"):  # \partial^2 f(x): a derivative of higher order
            self.next()
            order, _, end = self._script_tokens()
            parts = [_sub_parse(order, self.bold)]
            while self.peek() is not None and self.peek().is_char("_"):  # \partial^2_{x y} f
                self.next()
                inner, _, end = self._script_tokens()
                parts.append(_sub_parse(inner, self.bold))
            self.skip_ignorable()
            if self.peek() is not None and self._starts_factor(self.peek()):
                operand = self.postfix()
                parts.append(operand)
                end = operand.end
            return Opaque(tok.start, end, "a derivative of higher order (∂^k f)", parts, None, "partial^")
        if self.peek() is not None and self.peek().is_char("_"):
            self.next()
            inner, s, e = self._script_tokens()
            wrt = [_sub_parse(inner, self.bold)]
            self.skip_ignorable()
            operand = self.postfix() if self.peek() is not None and self._starts_factor(self.peek()) else None
            return Deriv(tok.start, operand.end if operand else e, operand, wrt, "partial", label=True)
        operand = self.postfix()
        nxt = self.peek()
        if nxt is not None and nxt.is_char("/") and self.peek(1) is not None and self.peek(1).is_cmd("partial"):
            self.next()
            self.next()
            var = self.postfix()
            return Deriv(tok.start, var.end, operand, [var], "partial")
        return Func(tok.start, operand.end, "differential", [operand])

    def nabla(self, tok: Token) -> Node:
        self.next()
        wrt: list[Node] = []
        order = 1
        while self.peek() is not None and self.peek().is_char("_", "^"):
            mark = self.next()
            inner, s, e = self._script_tokens()
            if mark.value == "_":
                wrt = [_sub_parse(inner, self.bold)]
            else:
                order = int(_plain(inner)) if _plain(inner).isdigit() else 1
        self.skip_ignorable()
        operand = None
        if self.peek() is not None and self._starts_factor(self.peek()):
            operand = self.postfix()
            if isinstance(operand, Transpose) and isinstance(operand.arg, Sym) and operand.arg.name not in _FUNCTION_LETTERS:
                # \nabla b^T x, \nabla_x x^T A x: a form that opens with a transposed vector is the
                # operand whole (the gradient of a transposed vector alone is no gradient); not
                # \nabla f^T d, \nabla_\theta L^T \Delta\theta: the transposed gradient of a function
                factors = [operand]
                while self.peek() is not None and self._starts_factor(self.peek()):
                    factors.append(self.postfix())
                if len(factors) > 1:
                    operand = Mul(operand.start, factors[-1].end, factors, [""] * (len(factors) - 1))
            elif (wrt and isinstance(operand, Sym) and operand.name not in _FUNCTION_LETTERS
                  and isinstance(wrt[0], Sym) and operand.key != wrt[0].key):
                # \nabla_x A x: the gradient by x of the product that follows when x is in it and the
                # letter written first is no function's (the gradient of a constant matrix alone is none)
                factors = [operand]
                k = self.i
                while self.peek() is not None and self._starts_factor(self.peek()):
                    factors.append(self.postfix())
                if len(factors) > 1 and any(isinstance(n, Sym) and n.key == wrt[0].key
                                            for f in factors[1:] for n in f.walk()):
                    operand = Mul(operand.start, factors[-1].end, factors, [""] * (len(factors) - 1))
                else:
                    self.i = k
        if (order == 1 and isinstance(operand, Transpose) and operand.mark not in ("prime", "H")
                and (isinstance(operand.arg, Call) or isinstance(operand.arg, Sym) and operand.arg.name in _FUNCTION_LETTERS)):
            # \nabla f(x)^T d, \nabla_\theta L^T Δθ: the gradient transposed, (∇f(x))ᵀ d, as every such
            # note means it; not ∇(f(x)ᵀ), a column again for a scalar f
            inner = operand.arg
            grad = Deriv(tok.start, inner.end, inner, wrt, "nabla", label=bool(wrt))
            return Transpose(tok.start, operand.end, grad, operand.mark)
        end = operand.end if operand is not None else self._last_end()
        node = Deriv(tok.start, end, operand, wrt * order if wrt else [], "nabla", label=bool(wrt))
        if order > 1 and not wrt:
            node.unwritten_order = order  # ∇²f(x): no variable to repeat, the order kept apart
        return node

    def _index_range_follows(self) -> bool:
        """Whether the tokens after the current one are ``_{i=…}`` and then ``^…``: the limits of a sum."""
        k = self.i + 1
        if not (k + 1 < self.n and self.toks[k].is_char("_") and self.toks[k + 1].is_char("{")):
            return False
        end = self.match.get(k + 1)
        if end is None or end + 1 >= self.n or not self.toks[end + 1].is_char("^"):
            return False
        inner = self.toks[k + 2 : end]
        return len(inner) >= 3 and inner[0].kind == LETTER and inner[1].is_char("=")

    def big_operator(self, tok: Token, op: str | None = None) -> Node:
        self.next()
        node = Sum(tok.start, tok.end, None, op=op or tok.value)
        while self.peek() is not None and (self.peek().is_char("_", "^") or self.peek().is_cmd("limits", "nolimits")):
            mark = self.next()
            if mark.kind == CMD:
                continue
            inner, s, e = self._script_tokens()
            if mark.value == "_":
                _fill_sum_limits(node, inner)
            else:
                node.upper = _sub_parse(inner)
            node.end = e
        self.skip_ignorable()
        minus = self.peek()
        if minus is not None and minus.is_char("-"):  # \sum_i -\ln p_i: a body that starts with its sign
            self.next()
            self.skip_ignorable()
        else:
            minus = None
        if self.peek() is None or not self._starts_factor(self.peek()):
            raise self.error(f"\\{tok.value} without a body", tok)
        node.body = self.term()
        if minus is not None:
            node.body = Neg(minus.start, node.body.end, node.body)
        node.end = node.body.end
        return node

    def space(self, tok: Token) -> Node:
        self.next()
        inner, s, e = self._script_tokens()
        letter = _plain(inner)
        if letter == "1":  # \mathbb{1}: the all-ones vector (or the indicator), not a space
            return Sym(tok.start, e, "1", None, True)
        if letter == "E":  # \mathbb{E}[x], \mathbb{E}_{q}[…], \mathbb{E}\,x: the expectation, never a set
            if self.peek() is not None and self.peek().is_char("_"):
                self.next()
                self._script_tokens()  # the distribution it is taken under
            self.skip_ignorable()
            nxt = self.peek()
            if nxt is None or not self._starts_factor(nxt):
                return Sym(tok.start, e, "E", None, False)
            inner = self._group_or_none() if (nxt.is_char("(", "[") or nxt.is_cmd("left") or nxt.value in SIZES) else None
            if inner is None:
                inner = self.postfix()
            return Func(tok.start, self._last_end(), "E", [inner], None)
        if len(inner) == 1 and inner[0].kind == LETTER and inner[0].value.islower():
            # \mathbb{w}, \mathbb{x}: a vector in a blackboard font (no set of numbers is a small letter)
            node = _respan(_sub_parse(inner, bold=True), tok.start, e)
            return self._maybe_call(node) if isinstance(node, Sym) else node
        return self._space_dims(tok, letter, e)

    def _space_dims(self, tok: Token, letter: str, end: int | None = None) -> Node:
        node = Space(tok.start, end or tok.end, letter, [])
        qualified = letter in SPACE_FIELDS  # a set of numbers may carry a qualifier below (\mathbb{R}_+)
        if not qualified and self._script_at(self.i) and self.toks[self.i].value == "^" and self._transposing_script(self.i + 1):
            return node  # \mathbb{X}^\top: a matrix in a blackboard font, transposed (the superscript read after)
        if qualified and self.peek() is not None and self.peek().is_char("_"):  # \mathbb{S}_{++}^n
            self.next()
            inner, s, node.end = self._script_tokens()
            node.sub = _plain(inner)
        if qualified and node.sub is None and self._script_at(self.i) and self.toks[self.i].value == "^" and self._qualifier_at(self.i + 1):
            self.next()  # \mathbb{R}^+, \reals^{\ge 0}: a part of the set, not a power of it
            inner, s, node.end = self._script_tokens()
            node.sub = _plain(inner)
        if self.peek() is not None and self.peek().is_char("^"):
            self.next()
            inner, s, e = self._script_tokens()
            if len(inner) > 2 and inner[0].is_char("(") and inner[-1].is_char(")") and any(t.is_cmd("times") for t in inner):
                inner = inner[1:-1]  # \mathbb{R}^{(N \times M)}: the size in brackets
            parts: list[list[Token]] = [[]]
            depth = 0
            for t in inner:
                if t.is_char("{"):
                    depth += 1
                elif t.is_char("}"):
                    depth -= 1
                if depth == 0 and (t.is_cmd("times") or (t.kind == LETTER and t.value == "x" and len(inner) > 1 and parts[-1])):
                    parts.append([])
                else:
                    parts[-1].append(t)
            node.dims = [_sub_parse(p) for p in parts if p]
            node.end = e
        if qualified and node.sub is None and self.peek() is not None and self.peek().is_char("_"):  # \mathbb{S}^n_{++}
            self.next()
            inner, s, node.end = self._script_tokens()
            node.sub = _plain(inner)
        return node

    # -- environments -----------------------------------------------------
    def env_name(self) -> tuple[str, int]:
        """Read {name} after \\begin or \\end; returns (name, index after it)."""
        tok = self.peek()
        if tok is None or not tok.is_char("{"):
            raise self.error("\\begin without an environment name")
        end = self.group_end()
        name = "".join(t.value for t in self.toks[self.i + 1 : end])
        self.i = end + 1
        return name, end + 1

    def environment(self, tok: Token) -> Node:
        self.next()
        name, _ = self.env_name()
        close = find_end(self.toks, self.i, name, self.n)
        if close is None:
            raise ParseError(f"\\begin{{{name}}} without \\end{{{name}}}", tok.start, tok.end, unbalanced=True)
        if name in ("array", "subarray") and self.peek() is not None and self.peek().is_char("{"):
            self.i = self.group_end() + 1
        if name.endswith("matrix*") and column_option(self.toks, self.i, self.n):  # mathtools: \begin{pmatrix*}[r]
            self.i += 3
        if name in DIAGRAM_ENVS:  # a tensor or commutative diagram drawn in the formula: read, never evaluated
            after = self.match.get(close + 1, close) + 1 if close + 1 < self.n else close + 1
            self.i = after
            return Opaque(tok.start, self.toks[after - 1].end, "a diagram (TikZ)", [], None, "diagram")
        if name not in MATRIX_ENVS:
            raise self.error(f"environment {name} inside an expression", tok)
        end_tok_index = close
        after = self.match.get(close + 1, close) + 1 if close + 1 < len(self.toks) else close + 1
        end_pos = self.toks[after - 1].end
        rows: list[list[Node]] = []
        schematic = False
        piecewise = False  # an array with a condition in a cell (1, & i = j): cases written by hand
        for row in split_cells(self.toks, self.i, end_tok_index):
            cells = []
            if any(_spaced_cell(cell) and (len(row) > 1 or not _has_dots(cell)) for cell in row):
                # a_1 \ a_2 \ ⋯ \ a_m alone in its cell: a column with dots (schematic.spaced_lists)
                raise self.error("'\\ ' between the entries of a matrix with columns: a row break '\\\\' written as '\\ '?", tok)
            for cell in row:
                if len(cell) > 1 and cell[-1].kind == CHAR and cell[-1].value in ",.;" and not cell[-2].is_char("."):
                    cell = cell[:-1]  # 1, & x > 0.: the punctuation of a written-out case (not an ellipsis's dot)
                if not cell:
                    cells.append(Dots(tok.start, tok.start, "empty"))
                    continue
                # a piecewise definition's cells hold conditions (x > 0, \text{if } x = 0)
                if name in ("cases", "dcases"):
                    node = condition(cell, self.bold)
                elif name == "array":
                    node, conditional = _array_cell(cell, self.bold)
                    piecewise = piecewise or conditional
                else:
                    node = _sub_parse(cell, self.bold)
                if Dots in map(type, node.walk()):  # C speed; Dots has no subclass
                    schematic = True
                cells.append(node)
            if len(cells) == 1 and isinstance(cells[0], Tuple) and not cells[0].brackets and name not in ("cases", "dcases"):
                cells = list(cells[0].items)  # [x_1, x_2, x_3]: entries a row writes with commas, not one tuple
            if cells:
                rows.append(cells)
        self.i = after
        if name in ("cases", "dcases") or piecewise:
            return Cases(tok.start, end_pos, rows)
        if any(isinstance(c, Dots) and c.kind == "empty" for r in rows for c in r):
            schematic = True
        width = max((len(r) for r in rows), default=0)
        if any(len(r) != width for r in rows):
            schematic = True
        node = Matrix(tok.start, end_pos, rows, name, schematic)
        if name in ("vmatrix",):
            return Abs(tok.start, end_pos, node)
        if name in ("Vmatrix",):
            return Norm(tok.start, end_pos, node)
        return node


# ---------------------------------------------------------------------------
# helpers


_MARKS = frozenset("^_'!")
_SAMPLE_LETTERS = frozenset("ijklmnt")  # y[n], x[k]: the time or sample index of a discrete signal
_BRACKET_OPERATORS = frozenset({"E", "P", "V", "Var", "Pr", "Cov"})  # E[n]: an expectation, not a sample
_TRANSPOSING_POWERS = TRANSPOSE_WORDS - {"t", "tr"}  # \sin^t x is no transpose
_TRANSPOSED = Num(0, 0, "T")  # Parser.function: the marker of a transposing superscript (vec^T(X))
_TWO_ARGUMENTS = FRACS | {"binom", "dbinom", "tbinom"}  # commands whose two groups a script takes along


def _array_cell(cell: list[Token], bold: bool) -> tuple[Node, bool]:
    """A cell of an array, and whether it states a condition (i = j, x > 0) rather than a value:
    an array holding one lays out cases (\\left\\{\\begin{array} … \\end{array}\\right.)."""
    try:
        return _sub_parse(cell, bold), False
    except ParseError as err:
        if err.unbalanced or err.message == TOO_DEEP:
            raise
        node = condition(cell, bold)
        return node, isinstance(node, Opaque)


def _is_qualifier(inner: list[Token]) -> bool:
    """Whether a script qualifies a set of numbers: +, ++, -, \\ge 0, >0 (ℝ^+, ℝ^{≥0})."""
    if not inner:
        return False
    if all(t.is_char("+", "-") for t in inner):
        return True
    return len(inner) > 1 and relation_of(inner[0]) is not None and all(t.kind == NUM for t in inner[1:])


def _is_words(inner: list[Token]) -> bool:
    """Whether a text font's tokens are words of prose: CJK, math inside ($θ$), or several words
    (separated by spaces) of letters, digits and punctuation."""
    if any(t.kind == TEXT or t.value == "$" for t in inner):
        return True
    if not all(t.kind in (LETTER, NUM) or t.is_char("-", ",", ".", "'") for t in inner):
        return False
    return any(t.space for t in inner[1:])


def _label_and_transpose(inner: list[Token]) -> tuple[str | None, str]:
    """A superscript of a label and then a transpose mark (\\ast T, * \\top): (the label, the mark);
    (None, "") for any other."""
    words = _plain(inner[1:])
    if words not in TRANSPOSE_WORDS:
        return None, ""
    label = inner[0].value
    if label not in SUP_LABELS and label != "prime":
        return None, ""
    return label, "top" if words in ("top", "\u22a4") else "T"


def _prime_count(inner: list[Token]) -> int:
    """How many primes a superscript of nothing but primes holds (^\\prime, ^{\\prime\\prime}, ^{'}); else 0."""
    if not inner or not all(t.is_cmd("prime") or t.is_char("'") for t in inner):
        return 0
    return len(inner)


def _spaced_cell(cell: list[Token]) -> bool:
    """Whether a control space stands between two entries of a cell, outside braces (``1 \\ 1``)."""
    depth = 0
    for k, t in enumerate(cell):
        if t.kind == CHAR and t.value == "{":
            depth += 1
        elif t.kind == CHAR and t.value == "}":
            depth -= 1
        elif depth == 0 and 0 < k < len(cell) - 1 and t.kind == CMD and t.value == "space" and t.end - t.start == 2:
            return True  # "\ " itself, not \space written out
    return False


def _has_dots(cell: list[Token]) -> bool:
    return any(t.kind == CMD and t.value in ("cdots", "ldots", "vdots", "dots", "ddots", "dotsc", "dotsb") for t in cell)


def _labelled(node: Node) -> bool:
    """A symbol with a label written as a superscript (φ^{g}, θ^{acc}, a^S_k), not a power of it."""
    if isinstance(node, Func) and node.name == "index" and len(node.args) == 1:
        node = node.args[0]  # a^S_k: the index written after the label
    return isinstance(node, Pow) and isinstance(node.base, Sym) and _label_exponent(node.exp)


def _label_exponent(exp: Node) -> bool:
    """Whether a superscript is a label rather than a power: letters other than the transpose's
    (φ^{g}, θ^{acc}), never a number."""
    if isinstance(exp, Sym):
        return exp.name.isalpha() and exp.name not in TRANSPOSE_WORDS and exp.sub is None
    return isinstance(exp, Mul) and all(isinstance(f, Sym) and len(f.name) == 1 and f.name.isalpha() for f in exp.factors) \
        and not any(op for op in exp.ops)


def _applied_function(sym: Sym) -> bool:
    """A letter that, written right against a bracket, is a function applied rather than a
    factor (names.APPLIED_LETTERS; a primed letter; h with a subscript, as h_θ(x))."""
    if sym.bold:
        return False
    name = sym.name
    return name in APPLIED_LETTERS or (name.endswith("'") and len(name) > 1) or (name == "h" and sym.sub is not None)


def _definition_label(label: str) -> bool:
    """Whether the label stacked over = marks a definition (def, Δ, △, 定义)."""
    word = label.replace("\\", " ").replace("text", " ").replace("mathrm", " ").replace("rm", " ")
    word = word.replace("{", " ").replace("}", " ").strip().rstrip(".").strip()
    return word.lower() in DEFINITION_LABELS


def leftover(tok: Token) -> ParseError:
    """The error for a token left over after an expression: a stray closing
    delimiter is the note's own mistake."""
    if tok.is_char(")", "]") or tok.is_cmd("right", "end"):
        name = "\\" + tok.value if tok.kind == CMD else tok.value
        return ParseError(f"unmatched '{name}'", tok.start, tok.end, unbalanced=True)
    return ParseError(f"unexpected {describe(tok)}", tok.start, tok.end)


def describe(tok: Token) -> str:
    if tok.kind == CMD:
        return f"'\\{tok.value}'"
    if tok.kind == TEXT:
        return f"prose '{tok.value[:12]}'"
    return f"'{tok.value}'"


_PLAIN_SKIPS = (",", ";", ":", "!", " ", "quad")  # spacing commands: no part of a script's text


def _plain(tokens: list[Token], keep_space: bool = False) -> str:
    """A script or word as plain text: ``{i j}`` → ``ij``, ``\\top`` → ``top``."""
    if len(tokens) == 1:  # most scripts (x_i, x^2, x^\top): no list to join
        t = tokens[0]
        if (t.kind == CHAR and t.value in "{}") or (t.kind == CMD and t.value in _PLAIN_SKIPS):
            return ""
        return t.value
    out = []
    for t in tokens:
        if t.kind == CHAR and t.value in "{}":
            continue
        if t.kind == CMD and t.value in _PLAIN_SKIPS:
            continue
        out.append(t.value)
    return "".join(out)


def _respan(node: Node, start: int, end: int) -> Node:
    node.start = min(node.start, start)
    node.end = max(node.end, end)
    return node


_OPENERS = frozenset({"(", "[", "{"})
_CLOSERS = frozenset({")", "]", "}"})
_OPEN_CMDS = frozenset({"left", "begin", "{", "langle"})
_CLOSE_CMDS = frozenset({"right", "end", "}", "rangle"})


def _depth_change(t: Token) -> int:
    """+1 for a token that opens a bracket or group, -1 for one that closes it, else 0."""
    if t.kind == CHAR:
        return 1 if t.value in _OPENERS else -1 if t.value in _CLOSERS else 0
    if t.kind == CMD:
        return 1 if t.value in _OPEN_CMDS else -1 if t.value in _CLOSE_CMDS else 0
    return 0


def _top_level(tokens: list[Token]) -> list[Token]:
    """The tokens outside every bracket, group and environment (the brackets themselves left out)."""
    out, depth = [], 0
    for t in tokens:  # _depth_change written out: this runs for every token of a bracket that failed
        kind, value = t.kind, t.value
        if kind == CHAR:
            if value in _OPENERS:
                depth += 1
                continue
            if value in _CLOSERS:
                depth -= 1
                continue
        elif kind == CMD:
            if value in _OPEN_CMDS:
                depth += 1
                continue
            if value in _CLOSE_CMDS:
                depth -= 1
                continue
        if depth == 0:
            out.append(t)
    return out


def _split_top(tokens: list[Token], is_separator) -> list[list[Token]]:
    """``tokens`` split at the top-level tokens for which ``is_separator`` holds."""
    groups: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        change = _depth_change(t) if t.kind == CHAR or t.kind == CMD else 0
        if depth == 0 and change == 0 and is_separator(t):
            groups.append([])
            continue
        depth += change
        groups[-1].append(t)
    return groups


def _closing_bracket(tokens: list[Token], first: int, end: int, close: str) -> int | None:
    """The index of the ``close`` bracket that ends a bracket whose contents start at ``first``."""
    depth = 0
    for k in range(first, end):
        t = tokens[k]
        if depth == 0 and (t.is_char(close) or (close == "]" and t.is_cmd("rbrack"))):
            return k
        change = _depth_change(t)
        depth += change
        if depth < 0:
            return None
    return None


def _is_clause_mark(t: Token) -> bool:
    """A token that separates clauses (| \\mid ; :) or states a relation (= \\in \\sim ≤)."""
    if t.kind == CHAR:
        return t.value in "|;:=<>"
    return t.kind == CMD and (t.value in ("mid", "vert", "|", "Vert") or t.value in RELATIONS)


def clauses(tokens: list[Token], bold: bool = False) -> tuple[list[Node], str]:
    """The clauses of a bracket, set or script that holds more than one expression, and how they
    are separated: split at a top-level \\mid (or a lone |: "mid"), then at commas and
    semicolons ("semicolon", "comma"); each clause may be a relation (X = x, x \\in S)."""
    top = _top_level(tokens)
    if any(t.kind == CMD and t.value == "mid" for t in top):
        groups = _split_top(tokens, lambda t: t.kind == CMD and t.value == "mid")
    else:
        groups = [tokens]
    op = "mid" if len(groups) > 1 else ""
    if len(groups) == 1:
        bars = [t for t in top if t.is_char("|") or t.is_cmd("vert")]
        if len(bars) == 1:  # p(x | y); with more bars, which one separates is unclear
            groups = _split_top(tokens, lambda t: t is bars[0])
            op = "mid"
    if len(groups) == 1:
        double = [t for t in top if t.is_cmd("|", "Vert")]
        if len(double) == 1:  # KL(P \| Q): a divergence, a function of both
            groups = _split_top(tokens, lambda t: t is double[0])
            op = "between"
    parts: list[Node] = []
    for group in groups:
        items = [_clause(item, bold) for item in _split_top(group, lambda t: t.kind == CHAR and t.value in ",;")]
        if op in ("mid", "between") and len(items) > 1:  # p(x | μ, Σ): each side of the bar is one part
            parts.append(Tuple(items[0].start, items[-1].end, items, ""))
        else:
            parts.extend(items)
        if not op and any(t.is_char(";") for t in (top if group is tokens else _top_level(group))):
            op = "semicolon"
    if not op:
        op = "slice" if any(isinstance(p, Opaque) and p.op == "all" for p in parts) else "comma"
    return parts, op


def _clause(tokens: list[Token], bold: bool) -> Node:
    """One clause: an expression, or a relation between expressions (X = x, i = 1, x \\in S)."""
    if not tokens:
        raise ParseError("an empty item in a list", 0, 0)
    if len(tokens) == 1 and tokens[0].is_char(":"):  # B[:, j]: every index
        return Opaque(tokens[0].start, tokens[0].end, "a slice (B[:, j])", [], None, "all")
    if len(tokens) == 1:
        node = _lone_token(tokens[0], bold)
        if node is not None:
            return node
    parser = Parser(tokens)
    parser.bold = bold
    first, steps = parser.parse_chain()
    if not steps:
        return first
    parts = ([first] if first is not None else []) + [node for _, _, node in steps]
    return Opaque(tokens[0].start, tokens[-1].end, "a relation inside an expression", parts, None, steps[0][0])


def condition(inner: list[Token], bold: bool = False) -> Node:
    """A script under an operator, which may state a condition rather than a value:
    \\sum_{x \\in X}, \\max_{i=1,\\ldots,N}, f|_{x=0}, \\substack{i<j \\\\ j<n}."""
    if inner and inner[0].is_cmd("substack"):
        body = inner[2:-1] if len(inner) >= 3 and inner[1].is_char("{") and inner[-1].is_char("}") else inner[1:]
        rows = _split_top(body, lambda t: t.kind == CMD and t.value in ("\\", "cr"))
        parts = [condition(row, bold) for row in rows if row]
        return Opaque(inner[0].start, inner[-1].end, WHAT_CONDITION, parts, None, "where")
    try:
        return _sub_parse(inner, bold)
    except ParseError as err:
        if err.unbalanced or err.message == TOO_DEEP or not inner:
            raise
        failure = (err.message, err.start, err.end)  # not err: its traceback holds this frame
    try:
        parts, _ = clauses(inner, bold)
    except ParseError:
        raise ParseError(*failure) from None
    if len(parts) == 1:
        return parts[0]
    return Opaque(inner[0].start, inner[-1].end, WHAT_CONDITION, parts, None, "where")


def _is_slice(inner: list[Token]) -> bool:
    """A subscript with a colon (and no =): A_{:,j}, x_{1:n}."""
    values = [t.value for t in inner]
    return ":" in values and "=" not in values and any(t.kind == CHAR and t.value == ":" for t in inner)


def _power(node: Node, power: Node) -> Node:
    if isinstance(power, Num) and power.value == "-1":
        return Inverse(node.start, node.end, node)
    return Pow(node.start, node.end, node, power)


def sub_parse(tokens: list[Token], bold: bool = False) -> Node:
    """Parse a whole token list as one expression (a group's contents)."""
    try:
        return _sub_parse(tokens, bold)
    except RecursionError:
        raise ParseError("expression nested too deeply", tokens[0].start, tokens[-1].end) from None


def _is_upright_d(tokens: list[Token]) -> bool:
    """Whether a group's tokens are an upright d: \\rm d, \\mathrm d, \\mathrm{d}."""
    if not tokens or tokens[0].kind != CMD or tokens[0].value not in UPRIGHT_D_FONTS:
        return False
    rest = [t for t in tokens[1:] if not t.is_char("{", "}")]
    return len(rest) == 1 and rest[0].kind == LETTER and rest[0].value == "d"


def _sub_parse(tokens: list[Token], bold: bool = False) -> Node:
    if not tokens:
        raise ParseError("empty group", 0, 0)
    if len(tokens) == 1:  # a script or group of one token (x_i, x^2) is most sub-parses
        node = _lone_token(tokens[0], bold)
        if node is not None:
            return node
    parser = Parser(tokens)
    parser.bold = bold
    node = parser.expr()
    if parser.peek() is not None and parser.peek().is_char(","):
        items = [node]
        while parser.peek() is not None and parser.peek().is_char(","):
            parser.next()
            items.append(parser.expr())
        node = Tuple(items[0].start, items[-1].end, items, "")
    parser.skip_ignorable()
    if parser.peek() is not None:
        tok = parser.peek()
        raise leftover(tok)
    return node


def _lone_token(tok: Token, bold: bool) -> Node | None:
    """What a Parser makes of this one token alone, when that is a plain symbol or
    number (a letter, a digit run, a Greek letter); None for anything else."""
    kind = tok.kind
    if kind == LETTER or (kind == CMD and tok.value in GREEK):
        return Sym(tok.start, tok.end, tok.value, None, bold)
    if kind == NUM:
        return Num(tok.start, tok.end, tok.value)
    return None


_SCALAR_WIDE = frozenset({"det", "logdet"})  # wide arguments whose value is a number: a \cdot after one ends it
_WIDE_REACH = 64  # tokens _named_factor_after_dot reads ahead: a wide argument is a short product

# KaTeX's names of the number sets (\R, \Reals, \reals, \natnums, \cnums …): the set each stands for
_NUMBER_SETS = {"R": "R", "Reals": "R", "reals": "R", "N": "N", "natnums": "N", "Z": "Z", "C": "C", "Complex": "C",
                "cnums": "C", "Q": "Q"}

# letters notes name functions with: \nabla f^T d is (∇f)ᵀd, not ∇ of fᵀd
_FUNCTION_LETTERS = frozenset({"f", "g", "h", "F", "G", "H", "L", "J", "E", "ell", "l", "U", "V", "phi", "psi"})


def _sum_at_top(tokens: list[Token]) -> bool:
    """Whether ``tokens`` hold a + or - outside every bracket (after their first token, which
    may be a sign): a - b, not (a - b)."""
    first = tokens[0] if tokens else None
    return any(tok is not first and ((tok.kind == CHAR and tok.value in "+-") or (tok.kind == CMD and tok.value in ("pm", "mp")))
               for tok in _top_level(tokens))


def differential(tokens: list[Token], alone_ok: bool) -> tuple[str, int, int] | None:
    """If the tokens start with ∂ or d (a differential), return (kind, index
    after the marker and its order, order)."""
    if not tokens:
        return None
    t = tokens[0]
    kind, k = None, 0
    if t.is_cmd("partial"):
        kind, k = "partial", 1
    elif t.kind == LETTER and t.value == "d":
        kind, k = "d", 1
    elif t.kind == CMD and t.value in ("mathrm", "text", "operatorname", "rm", "mathit", "textrm"):
        if len(tokens) >= 4 and tokens[1].is_char("{") and tokens[2].kind == LETTER and tokens[2].value == "d" and tokens[3].is_char("}"):
            kind, k = "d", 4
        elif len(tokens) >= 2 and tokens[1].kind == LETTER and tokens[1].value == "d":
            kind, k = "d", 2
    if kind is None:
        return None
    order = 1
    if k < len(tokens) and tokens[k].is_char("^"):
        if k + 1 < len(tokens) and tokens[k + 1].kind == NUM:
            order = int(tokens[k + 1].value[0])
            k += 2
        elif k + 3 < len(tokens) and tokens[k + 1].is_char("{") and tokens[k + 2].kind == NUM and tokens[k + 3].is_char("}"):
            order = int(tokens[k + 2].value)
            k += 4
    if k >= len(tokens):
        return (kind, k, order) if alone_ok else None
    nxt = tokens[k]
    if kind == "d" and (nxt.is_char("_", "^", "'", "=", "+", "-", ",", ")") or nxt.kind == NUM):
        return None
    return kind, k, order


_DIFFERENTIAL_REACH = 9  # the most tokens differential() reads: \mathrm{d}^{2}x


def _parse_wrt(tokens: list[Token], kind: str, k: int, bold: bool) -> list[Node]:
    """The variables of a derivative's denominator: ∂x, ∂x ∂y, ∂x^2, dX."""
    parts: list[list[Token]] = [[]]
    i = k
    while i < len(tokens):
        t = tokens[i]
        nd = differential(tokens[i : i + _DIFFERENTIAL_REACH], alone_ok=False)  # not tokens[i:]: linear in a long denominator
        if parts[-1] and nd is not None and nd[0] == kind:
            if t.is_cmd("partial") or (t.kind == LETTER and t.value == "d" and t.space):
                parts.append([])
                i += nd[1]
                continue
        parts[-1].append(t)
        i += 1
    wrt: list[Node] = []
    for part in parts:
        if not part:
            raise ParseError("a derivative with respect to nothing", tokens[0].start, tokens[-1].end)
        node = _sub_parse(part, bold)
        if isinstance(node, Pow) and isinstance(node.exp, Num) and node.exp.value.isdigit():
            wrt.extend([node.base] * int(node.exp.value))
        else:
            wrt.append(node)
    return wrt


def _fill_sum_limits(node: Sum, inner: list[Token]) -> None:
    """\\sum_{i=1}: index and lower limit; \\sum_{i,j} or \\sum_i: the index
    expression alone (kept in ``sub`` so that typos such as i-1 can be seen)."""
    eq = next((j for j, t in enumerate(inner) if t.is_char("=")), None)
    if eq is not None and not inner[0].is_cmd("substack"):
        try:
            lower = _sub_parse(inner[eq + 1 :]) if eq + 1 < len(inner) else None
        except ParseError as err:  # \sum_{i=1,j=1}: a condition
            if err.unbalanced or err.message == TOO_DEEP:
                raise
        else:
            node.index = _plain(inner[:eq])
            node.lower = lower
            return
    node.sub = condition(inner) if inner else None
    if len(inner) == 1 and inner[0].kind == LETTER:
        node.index = inner[0].value
    elif isinstance(node.sub, Opaque) and node.sub.op == "∈":  # \sum_{x \in X}: x is bound
        bound = node.sub.parts[0] if node.sub.parts else None
        node.index = bound.key if isinstance(bound, Sym) else None


def column_option(tokens: list[Token], i: int, end: int) -> bool:
    """Whether [l], [c] or [r], a starred matrix's column alignment (mathtools), is at ``tokens[i]``."""
    if i + 2 >= end:
        return False
    a, b, c = tokens[i], tokens[i + 1], tokens[i + 2]
    return a.is_char("[") and b.kind == LETTER and b.value in ("l", "c", "r") and c.is_char("]")


def find_end(tokens: list[Token], i: int, name: str, limit: int | None = None) -> int | None:
    """Index of the ``\\end`` token that closes ``\\begin{name}`` (body starts at i)."""
    depth = 0
    limit = len(tokens) if limit is None else limit
    k = i
    while k < limit:
        t = tokens[k]
        if t.kind == CMD and t.value in ("begin", "end") and k + 1 < limit and tokens[k + 1].is_char("{"):
            j = k + 2
            parts = []
            while j < limit and not tokens[j].is_char("}"):
                parts.append(tokens[j].value)
                j += 1
            if "".join(parts) == name:
                if t.value == "begin":
                    depth += 1
                elif depth == 0:
                    return k
                else:
                    depth -= 1
            k = j
        k += 1
    return None


_CELL_SKIPS = frozenset({"hline", "cline", "quad", "qquad", "hdashline"})  # rules and spacing in a matrix


def split_cells(tokens: list[Token], start: int, end: int) -> list[list[list[Token]]]:
    """Rows (split at \\\\) of cells (split at &) of an environment body, at top level."""
    rows: list[list[list[Token]]] = [[[]]]
    depth = 0
    k = start
    cell = rows[-1][-1]  # the cell being filled: this loop runs for every token of a matrix
    while k < end:
        t = tokens[k]
        kind, value = t.kind, t.value
        if kind == CHAR:
            if value == "{":
                depth += 1
            elif value == "}":
                depth -= 1
            elif value == "&" and depth == 0:
                rows[-1].append([])
                cell = rows[-1][-1]
                k += 1
                continue
        elif kind == CMD:
            if value == "begin" or value == "left":
                depth += 1
            elif value == "end" or value == "right":
                depth -= 1
            elif depth == 0 and value in ("\\", "cr", "newline"):
                rows.append([[]])
                cell = rows[-1][-1]
                if k + 1 < end and tokens[k + 1].is_char("["):  # \\[2pt]
                    while k + 1 < end and not tokens[k + 1].is_char("]"):
                        k += 1
                    k += 1
                k += 1
                continue
            elif value in _CELL_SKIPS:
                k += 1
                continue
        cell.append(t)
        k += 1
    while rows and all(not c for c in rows[-1]):
        rows.pop()
    return rows
