"""Statement roles: whether a relation is a claim, or a definition, condition, equation or output."""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivlint.chinese import simplified

# The relations that define rather than claim: f := …, f ≜ …, \overset{def}{=}
DEFINING_RELATIONS = frozenset({":=", "≜", "=:"})

# The phrases that give a statement its role, English and Chinese, as data: (role, reason, where,
# patterns). ``where`` says which text is read:
#   "lead"  the words right before the statement (the end of the prose that leads into the math,
#           or prose written inside the math before it): "such that $AB = I$", "记 $f = …$"
#   "tag"   the statement's \tag{…}: "\tag{if A is symmetric}"
#   "opening" the lead as it ends, with its opening parenthesis: "$A$ is normal ($AA^T = A^TA$)"
# ``applies`` says which claims of the statement take the role: "first" (the first step of
# each chain: "we define f = … = …" defines f and derives the rest), "equalities" (steps
# without a derivative, and any step set to zero), "all".
# A pattern is a regular expression matched at the END of the lead (after trailing punctuation
# and spaces are dropped), so a phrase earlier in the sentence, before another formula, does not count.
ROLE_TABLE: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("definition", "a definition, not a claim", "lead", "first", (
        r"\bwe define", r"\bdefine", r"\bdefined (?:as|by)", r"\bis defined", r"\bare defined",
        r"\bdefinition(?: of [\w\s-]{1,30})?", r"\bwe (?:call|denote|write)", r"\bis called", r"\bare called",
        r"\bis said to be(?: [\w-]{1,20})?", r"\bis known as", r"\bdenote[sd]?(?: by)?", r"\blet", r"\bwhere",
        r"\bdefine [^$.]{1,30} (?:as|by|to be)", r"\bdenote [^$.]{1,30} by", r"\bwrite [^$.]{1,30} as",
        r"记[^$。，,；;]{0,12}(?:为|作)", r"定义[^$。，,；;]{0,12}为", r"称[^$。，,；;]{0,12}为",
        r"记", r"记为", r"记作", r"定义", r"定义为", r"称为", r"称作", r"叫做", r"(?<!假)设", r"其中", r"令",
    )),
    # an equation in parentheses right after the name of a property, or after "i.e.", says what the
    # property means ("$A$ is normal ($AA^T = A^TA$)", "Q orthogonal, i.e. $Q^TQ = I$", "A 为正规矩阵
    # （$AA^T = A^TA$）"), not a claim about A ("since A is symmetric, $…$" is a claim: no parenthesis)
    ("definition", "what a property means, not a claim", "opening", "equalities", (
        r"\b(?:normal|symmetric|skew-symmetric|anti-?symmetric|orthogonal|orthonormal|unitary|idempotent|nilpotent|"
        r"involut(?:ory|ive)|hermitian|self-adjoint|commut(?:e|ing|ative)|projection|projector)(?:\s+matri(?:x|ces))?"
        r"['\"”’]*(?:\s*[(（]|\s*,?\s*(?:i\.\s?e\.|that is|meaning|namely)[\s,:]*)",
        r"(?:正规|对称|反对称|正交|酉|幂等|幂零|对合|可交换|投影)(?:矩阵|阵)?(?:\s*[(（]|[，,]?\s*(?:即|也就是)(?:说)?[，,:：]?)",
    )),
    ("equation", "an equation to solve, not an identity", "lead", "equalities", (
        r"\bsolv(?:e|ing)(?: for [\w\\{}]{1,12})?(?: the equation)?", r"\bsolution (?:of|to)(?: the equation)?",
        r"\bset(?:ting)? [^.$]{0,40}\b(?:to|equal to) (?:zero|0)", r"\bequat(?:e|ing) [^.$]{0,40}\bto (?:zero|0)",
        r"\bthe (?:normal )?equations?", r"\bfind [\w\\{}]{1,12} (?:such that|so that|with)",
        r"\bwe (?:get|obtain) the equation",
        r"解方程", r"求解", r"方程(?:组)?(?:为|是)?", r"令[^。$]{0,20}(?:为零|等于零|为0|等于0|=0)", r"得到方程",
    )),
    ("condition", "a condition, not a claim", "lead", "all", (
        r"\bsuch that", r"\bs\.\s?t\.?", r"\bsubject to", r"\bmust satisfy", r"\bsatisf(?:y|ies|ying)",
        r"\bprovided(?: that)?", r"\bif and only if", r"\biff", r"\bwhen(?:ever)?", r"\bif", r"\bunless",
        r"\bonly if", r"\bas long as", r"\bassum(?:e|ing)(?: that)?", r"\bsuppose(?: that)?", r"假设", r"假定", r"\bwith the constraint", r"\bconstraints?", r"\brequire[sd]?(?: that)?",
        r"满足", r"使得", r"使", r"要求", r"当且仅当", r"约束(?:条件)?(?:为)?", r"条件(?:是|为)?", r"如果", r"若", r"当",
    )),
    ("condition", "a statement under a condition (\\tag)", "tag", "all", (
        r"\bif\b", r"\bwhen\b", r"\bprovided\b", r"\bassuming\b", r"\bfor\b", r"\bsymmetric\b", r"若", r"当", r"如果",
    )),
    ("heuristic", "a step the note marks as a guess, not a claim", "after", "all", (
        r"guess(?:ed|ing)?\b", r"cheat(?:ing)?\b", r"heuristic(?:ally)?\b", r"informal(?:ly)?\b", r"roughly\b",
        r"not rigorous(?:ly)?\b", r"by analogy\b", r"猜", r"凑", r"不严格", r"粗略", r"类比",
    )),
    ("output", "values copied from a program's output", "lead", "all", (
        r"\bprints?", r"\bprinted", r"\b(?:program|code|cell) (?:gives|returns|outputs|prints)",
        r"\boutput of the (?:program|code|cell)(?: is)?", r"\bout\[\d*\]", r"程序输出(?:为|是)?", r"输出结果(?:为|是)?",
        r"运行结果(?:为|是)?",
    )),
)

_LEAD_CHARS = 160  # how far before a statement its lead is read
_TRAILING = " \t\n:：,，;；-—~*_(（"  # dropped from the end of a lead before matching


@dataclass(frozen=True)
class Role:
    """A statement's role when it is not a claim: ``kind`` (definition, condition, equation,
    output), ``reason`` for the verdict, ``phrase`` the words that gave it."""

    kind: str
    reason: str
    phrase: str


def _longest(rx: re.Pattern) -> int | None:
    """The most characters a match of ``rx`` can span, or None when unbounded (or not known)."""
    try:
        from re import _parser as parser  # Python 3.11+
    except ImportError:  # pragma: no cover - older Pythons
        import sre_parse as parser  # type: ignore[no-redef]
    try:
        longest = parser.parse(rx.pattern, rx.flags).getwidth()[1]
    except Exception:  # noqa: BLE001 - a private API: without it, the whole lead is searched
        return None
    return longest if longest < 10_000 else None


_WORD_START = re.compile(r"\\b(?:[A-Za-z]|\(\?:[A-Za-z|]+\))")  # \bdefine, \b(?:code|cell): a word at a boundary
_WIDE_START = re.compile(r"(?:\(\?<!.\))?[^\x00-\x7f]")  # 记, (?<!假)设: a character beyond ASCII


def _alternation(patterns) -> str:
    """The patterns as one alternation, those that start a word (\\b and a letter) under one \\b:
    at a position inside a word that fails once, not once for each of them. Only when every other
    pattern starts with a character beyond ASCII: no two patterns can then match at one position
    unless both are words (or both not), and each group keeps its order, so the match is the same."""
    words = [p[2:] for p in patterns if _WORD_START.match(p)]
    others = [p for p in patterns if not _WORD_START.match(p)]
    if len(words) < 2 or not all(_WIDE_START.match(p) for p in others):
        return "|".join(patterns)
    return "|".join([r"\b(?:" + "|".join(words) + ")"] + others)


def _compile():
    lead, tag, after, opening = [], [], [], []
    for kind, reason, where, applies, patterns in ROLE_TABLE:
        if where == "opening":  # the lead with its opening parenthesis: matched at its end
            opening.append((kind, reason, applies, re.compile("(?:" + "|".join(patterns) + r")$", re.I)))
        elif where == "lead":
            rx = re.compile("(?:" + _alternation(patterns) + r")$", re.I)
            lead.append((kind, reason, applies, rx, _longest(rx)))
        elif where == "after":  # the words right after the statement: matched at their start
            after.append((kind, reason, applies, re.compile(r"[\s(（:：,，—-]*(?:" + "|".join(patterns) + ")", re.I)))
        else:
            tag.append((kind, reason, applies, re.compile("|".join(patterns), re.I)))
    return lead, tag, after, opening


# A lead rule matches at the end of the lead, so a match starts at most ``longest`` characters
# before it: the search starts there (``\b`` and look-behinds still see the characters before),
# not at every character of a 160-character lead; the same match, a sixth of the regex work.
_LEAD_RULES, _TAG_RULES, _AFTER_RULES, _OPENING_RULES = _compile()
_TAG = re.compile(r"\\tag\*?\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_MATH_END = re.compile(r"(\$|\\\)|\\\]|\\end\{[a-z*]+\})")


def lead_of(claim) -> str:
    """The words right before a statement: prose inside the math before it, else the end of
    the prose before its block (back to the previous formula or paragraph)."""
    inner = (claim.prose_before or "").strip()
    if inner:
        return inner
    block = claim.block
    if _last_lead[0] is block:  # the claims of a block come one after another
        return _last_lead[1]
    lead = _block_lead(block)
    _last_lead[0], _last_lead[1] = block, lead
    return lead


_last_lead: list = [None, ""]  # (block, the lead of its text)


def _block_lead(block) -> str:
    """The end of the prose before ``block`` (see lead_of)."""
    text = getattr(block.source, "text", "") or ""
    start = block.start
    before = text[max(0, start - _LEAD_CHARS) : start].rstrip()  # a blank line before $$ is no break
    cut = before.rfind("\n\n")
    # the end of the last formula after the blank line (no match holds a newline: one that starts
    # before the blank line ends before it, and cuts less)
    for m in _MATH_END.finditer(before, max(cut, 0)):
        cut = max(cut, m.end() - 1)
    return before[cut + 1 :]


_last_tag: list = [None, None]  # (block text, its \\tag match): the claims of a block come one after another


def _tag_of(text: str):
    """The first ``\\tag{…}`` of a block's text, searched once per block, not once per claim of it
    (an aligned block of 10,000 rows would be searched 10,000 times)."""
    if _last_tag[0] is not text:
        _last_tag[0], _last_tag[1] = text, _TAG.search(text)
    return _last_tag[1]


def statement_role(claim) -> Role | None:
    """The role of a claim that is not a claim (see ROLE_TABLE), or None for a claim."""
    if claim.relation in DEFINING_RELATIONS:
        return Role("definition", "a definition, not a claim", claim.relation)
    tag = _tag_of(claim.block.text)
    if tag is not None:
        for kind, reason, applies, rx in _TAG_RULES:
            m = rx.search(tag.group(1))
            if m:
                return Role(kind, reason, tag.group(0))
    after = getattr(claim, "prose_after", "") or ""
    if after:  # "… \\ (guess)", "（凑出来的）": the note says what the step is
        after = simplified(after[:40])
        for kind, reason, applies, rx in _AFTER_RULES:
            m = rx.match(after)
            if m is not None:
                return Role(kind, reason, m.group(0).strip(" (（:：,，—-"))
    for kind, reason, applies, phrase in _lead_matches(lead_of(claim)):  # the opening rules first
        if _applies(claim, applies):
            return Role(kind, reason, phrase)
    return None


# lead -> the lead rules it matches, in order: (kind, reason, applies, phrase). The claims of one
# block share its lead (and the steps of a chain share their prose_before): the rules are run once
# per lead, not once per claim. Cleared when full (leads rarely repeat across notes).
_LEAD_MEMO: dict[str, tuple] = {}
_LEAD_MEMO_SIZE = 2048
_OPENING_REACH = 60  # how far before the end of a lead an opening rule's match may start
# the last characters of a lead at which the opening rules are tried: an opening parenthesis, or
# punctuation or 即/是/说 after "i.e.", "即", "也就是说" (a bare "that is" with nothing after it is not read)
_OPENING_ENDINGS = ("(", "（", ".", ",", ":", "，", "即", "是", "说", "：")


def _lead_matches(raw: str) -> tuple:
    """The rules that match the lead ``raw`` (as lead_of gives it), each with its phrase: the
    opening rules (read on the lead with its opening parenthesis), then the lead rules."""
    found = _LEAD_MEMO.get(raw)
    if found is not None:
        return found
    opened = simplified(raw).rstrip(" \t\n")
    matches = []
    for kind, reason, applies, rx in _OPENING_RULES if opened.endswith(_OPENING_ENDINGS) else ():
        m = rx.search(opened, max(0, len(opened) - _OPENING_REACH))
        if m is not None:
            matches.append((kind, reason, applies, " ".join(m.group(0).strip(" \t\n(（").split())))
    lead = opened.rstrip(_TRAILING)
    if lead:
        for kind, reason, applies, rx, longest in _LEAD_RULES:
            m = rx.search(lead, len(lead) - longest if longest is not None and len(lead) > longest else 0)
            if m is not None:
                matches.append((kind, reason, applies, m.group(0).strip()))
    found = tuple(matches)
    if len(_LEAD_MEMO) >= _LEAD_MEMO_SIZE:
        _LEAD_MEMO.clear()
    _LEAD_MEMO[raw] = found
    return found


def _applies(claim, applies: str) -> bool:
    if applies == "all":
        return True
    if applies == "first":
        return claim.step == 0
    # equalities: steps without a derivative, and any step that sets something to zero
    from derivlint.math.tree import Num

    zero = any(isinstance(s, Num) and s.value == "0" for s in (claim.lhs, claim.rhs))
    return zero or not claim.has_derivative


__all__ = ["ROLE_TABLE", "DEFINING_RELATIONS", "Role", "statement_role", "lead_of"]
