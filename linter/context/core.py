"""build_context and Context: declarations from math and prose, scoped, and their lookup."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import Counter, defaultdict

from derivlint.extract.blocks import Extraction, MathBlock, Passage
from derivlint.math.claims import chains_of
from derivlint.math.lexer import LexError
from derivlint.math.macros import match_group
from derivlint.math.tree import (Add, Call, Deriv, Div, Dots, Inverse, Mapping, Matrix, Mul, Neg, Node, Num, Opaque, Pow, Sym,
                                 Transpose, Tuple, render)
from derivlint.math.treeops import is_lone_symbol, symbols
from derivlint.context import mathdecl as md
from derivlint.context.model import Declaration, Facts, LayoutStatement, ProseStatement, Scope, kind_of_shape
from derivlint.context.prose import (COMMUTING_CLAIMED, DERIVED_HINT, DERIVED_NAMED, DERIVED_WORDS, GREEK, MARK, PLAIN_SYMMETRIC, trailing_props, _CONDITION, LEAD_IN_REACH, REMARK_REACH, entry_layouts, remark_props, subjectless_props, Marked, Piece, Reader, Said, illustrates_notation, is_condition, spells_out_notation, layouts_in,
                                     marked_block, marked_passage)
from derivlint.context.scopes import Outline, refers_back
from derivlint.context.words import ASSUMPTION_HINTS, TRIGGERS_EN, TRIGGERS_ZH

# Words that prose declaring something uses (words.TRIGGERS_ZH, words.TRIGGERS_EN): a passage
# without math and without them is skipped.
_BRACE = re.compile(r"\\(?:under|over)brace\s*(?=\{)")  # a braced formula; its label follows it


# What reading one passage, block or claim may raise on text it cannot read (deep nesting, an odd
# construct): that piece declares nothing, and the rest of the note is read as usual.
_UNREADABLE = (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError, LexError)


# a letter in a font command, typed in words beside a formula: \mathbf{M}, \boldsymbol{\Sigma} read as M, \Sigma
# (\mathbf W, \boldsymbol\Sigma: a font command on the one letter or command after it, without braces)
_FONTED_LETTER = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit|mathsf|mathcal|vec|pmb)\s*"
                            r"(?:\{\s*(\\?[A-Za-z]+)\s*\}|(\\[A-Za-z]+|[A-Za-z](?![A-Za-z])))")
_GREEK_CAPITAL = {name: letter for letter, name in GREEK.items() if letter.isupper()}  # \Sigma: Σ
_GREEK_COMMAND = re.compile(r"\\(" + "|".join(_GREEK_CAPITAL) + r")(?![A-Za-z])")


def _unfonted(words: str) -> str:
    """Words typed beside a formula with each symbol as prose writes it: \\mathbf{M} read M, \\boldsymbol{\\Lambda} read Λ."""
    if "\\" not in words:
        return words
    words = _FONTED_LETTER.sub(lambda m: m.group(1) or m.group(2), words)
    return _GREEK_COMMAND.sub(lambda m: _GREEK_CAPITAL[m.group(1)], words)


def _has_triggers(text: str) -> bool:
    """Whether ``text`` uses one of the words that declarations are made with (the Chinese words
    are not looked for in an ASCII text: it holds none)."""
    if (not text.isascii() and TRIGGERS_ZH.search(text)) or TRIGGERS_EN.search(text):
        return True
    return "^" in text and PLAIN_SYMMETRIC.search(text) is not None  # "if B = B^T, then" with no math


class Context:
    """What a note declares, and where each declaration holds."""

    def __init__(self, outline: Outline):
        self.outline = outline
        self.macros: dict = {}
        self.declarations: list[Declaration] = []
        self.statements: list[ProseStatement] = []
        self.layouts: list[LayoutStatement] = []
        # names a definition gives a value to that is not substituted, because something is also
        # differentiated with respect to them (w = (XᵀX)⁻¹Xᵀy; I₁ = tr(P) beside ∂E/∂I₁):
        # key -> (line, (passage index, source offset), the keys of the symbols of its value); the place
        # orders it among claims across cells and files, where line numbers do not
        self.set_aside: dict[str, tuple[int, tuple[int, int], frozenset]] = {}
        # names given a value by a formula that did not parse (R = E\{u u^T\}): key -> line
        self.unread_definitions: dict[str, int] = {}
        # conditions on an expression ("if $AB$ is symmetric"): (passage index, start, end) of their words
        self.expression_conditions: list[tuple[int, int, int]] = []
        self._by_key: dict[str, list[Declaration]] = defaultdict(list)
        self._carried: dict = {}  # id(declaration), or (id, "far") -> its copy
        self._sentences: dict[int, tuple[int, int]] = {}  # id(block) -> its sentence's source span
        self._in_passage: dict[int, list[Declaration]] | None = None  # passage index -> declarations
        self._chains: dict[int, tuple] = {}  # passage index -> _chain_of
        self._starts: dict[str, list[tuple[int, int]]] = {}  # key -> its declarations' places, sorted
        self._passage_places: list[tuple[int, int]] | None = None  # (source order, start) of each passage
        self._indexes: dict[str, _KeyIndex] = {}
        self._around: dict[tuple, tuple] = {}  # (passage, sentence) -> _props_around
        self.worked_items: set[int] = set()  # list items that work something out: their shapes stay there  # key -> its declarations by place, passage and home
        # passage of a definition -> the first later passage that defines the same name anew (f = tr(AᵀX)
        # with A, X ∈ R^{m×n}, then f = tr(AXB)): the declarations made beside the first definition
        # belong to its example, and are only a guess from the new one on
        self.redefined: dict[int, int] = {}
        self._facts: dict[tuple, Facts] = {}  # (key, passage, declarations before, at or before) -> Facts
        self._last_place: tuple | None = None  # (at, _where(at)) of the last ``facts`` call
        self._no_facts: dict[str, Facts] = {}  # key -> the empty Facts of a key never declared
        # (key, ids of the visible declarations) -> their Facts: places in different passages often see
        # the same declarations; each is held by the context (declarations, _carried), so ids stay theirs
        self._merged_by: dict[tuple, Facts] = {}
        # answers other stages work out from one memoised Facts: (id(facts), what) -> (answer, facts);
        # the Facts is kept with its answer so that its id stays its own
        self.derived: dict[tuple, tuple] = {}
        self.note_claims: list = []  # set by truth.analyse_claims: the note's claims in order
        self.has_discrete = False  # a symbol said to take a finite set of values (t_i ∈ {0, 1}): truth._discrete
        self._decl_starts: dict[int, list[int]] = {}  # passage -> where its declarations start (_explained_at)
        self._explained: dict[tuple, float] = {}  # (passage, declarations before) -> _explained_from
        self._displays: dict[int, list[int]] = {}

    # -- positions ---------------------------------------------------------------------
    def _where(self, at) -> tuple[int, int]:
        """(passage index, source offset) of a claim, block, passage or declaration."""
        if isinstance(at, (Declaration, ProseStatement)):
            return at.index if isinstance(at, Declaration) else self._where(at.block)[0], at.start
        if isinstance(at, Passage):
            return self.outline.index.get(id(at), 0), at.start
        if isinstance(at, MathBlock):
            block, offset = at, at.start
        else:
            block = getattr(at, "block", None)
            if block is None:
                raise TypeError(f"cannot place {type(at).__name__} in a note")
            offset = block.file_offset(at.start)
        k = self.outline.index.get(id(block.passage))  # never id(None): None is no passage
        if k is not None:
            return k, offset
        return self._passage_at(block), offset

    def _passage_at(self, block: MathBlock) -> int:
        """The last passage of the block's source that starts at or before it (0 if none), by
        binary search over the passages' places."""
        outline = self.outline
        places = self._passage_places
        if places is None:
            order = outline.source_order
            places = self._passage_places = [(order.get(id(p.source), len(order)), p.start) for p in outline.passages]
        at = (outline.source_order.get(id(block.source), len(outline.source_order)), block.start)
        i = bisect.bisect_right(places, at) - 1
        if i >= 0 and outline.passages[i].source is block.source:
            return i
        return 0

    def scope_of(self, at) -> Scope:
        """The innermost scope of a claim, block or passage: its row or list item, else its
        unit or chapter."""
        k, _ = self._where(at)
        if not self.outline.chains:
            return self.outline.document
        return self.outline.chains[k][0]

    # -- lookup ------------------------------------------------------------------------
    def add(self, decl: Declaration) -> None:
        self.declarations.append(decl)
        self._by_key[decl.key].append(decl)
        self._in_passage = None
        self._starts.pop(decl.key, None)
        self._indexes.pop(decl.key, None)
        self._facts.clear()
        self._no_facts.clear()
        self._merged_by.clear()
        self._around.clear()
        self.derived.clear()
        self._last_place = None

    def _declared_in(self, k: int) -> list[Declaration]:
        """The declarations made in passage ``k``, in the order of ``declarations``
        (grouped once: ``assumptions`` asks for every claim)."""
        if self._in_passage is None:
            groups: dict[int, list[Declaration]] = defaultdict(list)
            for d in self.declarations:
                groups[d.index].append(d)
            self._in_passage = groups
        return self._in_passage.get(k, [])

    def keys(self) -> list[str]:
        return list(self._by_key)

    def lookup(self, key: str, at) -> list[Declaration]:
        """The declarations of ``key`` visible at ``at`` (a claim or block), the one
        that applies first: the same row or passage, then the unit and chapter (a
        declaration before the place, the latest first, then one after it, the
        earliest first: headings see what their section declares), then earlier
        parts of the chapter, then earlier chapters (shape and kind only, as
        ``carried`` copies)."""
        decls = self._by_key.get(key)
        if not decls or not self.outline.chains:
            return []
        return self._lookup(decls, self._where(at))

    def _index_of(self, key: str) -> _KeyIndex:
        """The declarations of ``key`` sorted by place, by passage and by home scope (built once
        per key, again after ``add``): a lookup reads a few of them by binary search."""
        found = self._indexes.get(key)
        if found is None:
            found = self._indexes[key] = _KeyIndex(self._by_key[key])
        return found

    def _lookup(self, decls: list[Declaration], pos: tuple[int, int]) -> list[Declaration]:
        """``lookup`` of the declarations ``decls`` of one key at ``pos`` (passage index, offset).

        Near-linear in the note: only the nearest ``_NEAREST`` declarations of each group (the
        passage itself, each scope of the place's chain, the rest of the note before it) are
        ranked, each group found by binary search, so a letter declared in every section of a
        long note costs the same at each place as in a short one."""
        if not decls:
            return []
        index = self._index_of(decls[0].key)
        k = pos[0]
        chain, chapter, depths = self._chain_of(k)
        outline = self.outline
        ranked: list[tuple[tuple, Declaration]] = []
        here = index.by_passage.get(k)
        if here is not None:  # the same row, list item or passage: before it, and after it in its sentence
            starts, group = here
            i = bisect.bisect_right(starts, pos)
            for d in group[max(0, i - _NEAREST) : i]:
                ranked.append(((0, 0 if d.scope.kind == "row" else 1, 0, _order((d.index, d.start), pos)), d))
            explained = self._explained_at(k, pos)
            for d in group[i : i + _NEAREST]:
                if d.start > explained:
                    break  # said for a later display, after this one had its own "where"
                if d.scope.kind == "row" or d.origin not in ("definition", "value"):
                    ranked.append(((0, 0 if d.scope.kind == "row" else 1, 1, _order((d.index, d.start), pos)), d))
        first_here = (k, -1)
        past_here = (k + 1, -1)
        for scope_id, depth in depths.items():  # the scopes the place is in: its sections, its chapter
            group = index.by_home.get(scope_id)
            if group is None:
                continue
            starts, homed = group
            i = bisect.bisect_left(starts, first_here)
            for d in reversed(homed[max(0, i - _NEAREST) : i]):
                ranked.append(((1, depth, 0, _order((d.index, d.start), pos)), self._here(d, k)))
            j = bisect.bisect_left(starts, past_here)
            for d in homed[j : j + _NEAREST]:
                # a heading sees what its section declares (no value, definition or condition: those
                # hold from where they are said); a "where" paragraph explains all but a condition
                if (d.hoist or (d.origin != "condition" and outline.passages[k].kind != "heading")) and outline.reaches_back(d.index, k):
                    seen = self._here(d, k)
                    if outline.example[d.index] is not None or d.index in self.worked_items:
                        seen = self._far(d)  # an example under the heading explains it only as a guess
                    ranked.append(((1, depth, 1, _order((d.index, d.start), pos)), seen))
        # the rest of the note before the place: other sections of its chapter (a guess, or the
        # preamble, which holds everywhere) and earlier chapters (shape and kind only, a guess)
        i = bisect.bisect_left(index.starts, first_here)
        same = other = 0
        for step in range(min(i, _NEAREST * 8)):
            d = index.decls[i - 1 - step]
            home = d.scope
            if home.kind == "row" or id(home) in depths:
                continue
            if home.chapter is chapter or home.chapter.preamble:
                if same < _NEAREST:
                    same += 1
                    ranked.append(((2, 0, 0, _order((d.index, d.start), pos)), self._here(d, k)))
            elif other < _NEAREST and d.origin in ("math", "prose") and (d.shape is not None or d.kind is not None):
                other += 1
                ranked.append(((3, 0, 0, _order((d.index, d.start), pos)), self._carry(d)))
            if same >= _NEAREST and other >= _NEAREST:
                break
        ranked.sort(key=lambda r: r[0])
        return [d for _, d in ranked]

    def _explained_at(self, k: int, pos: tuple[int, int]) -> float:
        """How far after ``pos`` the declarations of its passage ``k`` still explain it: up to the
        next display that comes after a declaration said after ``pos`` ("$$…x^T B x…$$ 上式中，x
        是列向量 $$…Bx…$$ 上式中，B 为 p×q 矩阵": the second "where" is the second display's). The
        declarations of every symbol count."""
        return self._explained_from(k, self._decls_before(k, pos))

    def _decls_before(self, k: int, pos: tuple[int, int]) -> int:
        """How many declarations of passage ``k`` (of any symbol) start at or before ``pos``."""
        starts = self._decl_starts.get(k)
        if starts is None:
            starts = self._decl_starts[k] = sorted(d.start for d in self._declared_in(k) if d.origin not in ("definition", "value"))
        return bisect.bisect_right(starts, pos[1])

    def _explained_from(self, k: int, j: int) -> float:
        """``_explained_at`` for a place after the first ``j`` declarations of passage ``k``."""
        found = self._explained.get((k, j))
        if found is None:
            starts = self._decl_starts[k]
            found = float("inf")
            if j < len(starts):
                displays = self._display_starts(k)
                i = bisect.bisect_right(displays, starts[j])
                if i < len(displays):
                    found = displays[i]
            self._explained[(k, j)] = found
        return found

    def _display_starts(self, k: int) -> list[int]:
        """The source offsets of the display blocks of passage ``k``, in order."""
        found = self._displays.get(k)
        if found is None:
            passage = self.outline.passages[k]
            found = self._displays[k] = sorted(b.start for b in passage.blocks if b.display)
        return found

    def _chain_of(self, k: int) -> tuple[list[Scope], Scope, dict[int, int]]:
        """The scope chain of passage ``k``, its chapter, and the depth of each of its
        scopes (by id, the first place it is in the chain); worked out once per passage."""
        found = self._chains.get(k)
        if found is None:
            chain = self.outline.chains[k]
            chapter = next(s for s in chain if s.kind == "chapter")
            depths: dict[int, int] = {}
            for i, s in enumerate(chain):
                depths.setdefault(id(s), i)
            found = self._chains[k] = (chain, chapter, depths)
        return found

    def _here(self, d: Declaration, k: int) -> Declaration:
        """``d`` as seen from passage ``k``: itself in its own section (its own passage for a
        condition), else a copy whose shape is a guess (a symbol rebound in the next
        section, "if A ∈ R^{m×n}" said for one paragraph, must not decide shapes there)."""
        outline = self.outline
        held = outline.same_section(d.index, k) or (
            outline.passages[k].kind == "heading" and outline.same_section(k, d.index)
        )  # a formula in a heading is explained by the section under it
        if d.local and d.index != k:
            return self._outside_condition(d)
        if not held or self._other_branch(d, k):
            return self._far(d)
        if d.index < k and (
            outline.unclear(d.index, k) or d.index in self.worked_items or k >= self.redefined.get(d.index, k + 1)
        ):  # a list of general rules after an example, a new example, an exercise, a name defined anew
            return self._far(d)
        return d

    def _other_branch(self, d: Declaration, k: int) -> bool:
        """Whether ``d`` was made in a nested list item ("- Three layers:" / "  - W₂ ∈ ℝ^{H₂×H₁}")
        that passage ``k`` is not under, while another declaration gives the same symbol another
        shape: each branch of such an outline declares its own symbols."""
        items = self.outline.passages[d.index].items
        if len(items) < 2 or items[-2] in self.outline.passages[k].items or d.shape is None:
            return False
        return any(e.shape is not None and e.shape != d.shape for e in self._by_key.get(d.key, ()))

    def _outside_condition(self, d: Declaration) -> Declaration:
        """A condition ("when A is symmetric") seen from another passage: its shape is a
        guess and its properties and values do not hold there."""
        key = (id(d), "outside")
        copy = self._carried.get(key)
        if copy is None:
            copy = dataclasses.replace(d, props=frozenset(), value=None, params=(), carried=True, far=True)
            self._carried[key] = copy
        return copy

    def _carry(self, d: Declaration) -> Declaration:
        copy = self._carried.get(id(d))
        if copy is None:
            copy = dataclasses.replace(d, props=frozenset(), value=None, params=(), carried=True)
            self._carried[id(d)] = copy
        return copy

    def conditions_before(self, key: str, at) -> frozenset[str]:
        """The properties that conditions stated before ``at`` under the same heading give ``key`` ("If $A$
        is an invertible square matrix, then …"), though they hold only where they are said: a
        remark after the display ("Note that $(A^{-1})^T = (A^T)^{-1}$") still speaks under them."""
        k, offset = self._where(at)
        out: set[str] = set()
        for d in self._by_key.get(key, ()):
            if (d.origin == "condition" and d.props and (d.index, d.start) < (k, offset)
                    and not any(p.kind == "heading" for p in self.outline.passages[d.index + 1 : k + 1])):
                out |= d.props  # under no heading since the condition: its own section, not a subsection
        return frozenset(out)

    def facts(self, key: str, at) -> Facts:
        """The visible declarations of ``key`` merged: the first shape, kind, value and
        parameters that apply, and the properties of every declaration of the same
        chapter that is not contradicted by a nearer shape. Places with the same answer
        share one Facts object: read it, never change it."""
        pos = self._place(at)
        decls = self._by_key.get(key)
        if not decls or not self.outline.chains:
            empty = self._no_facts.get(key)
            if empty is None:
                empty = self._no_facts[key] = Facts(key)
            return empty
        # _lookup and _rebound see ``pos`` only through its passage and which declarations
        # lie before it, at it or after it: places that agree on those share one answer
        starts = self._starts.get(key)
        if starts is None:
            starts = self._starts[key] = sorted((d.index, d.start) for d in decls)
        # (and, for what its passage says after it, how far that reaches back: _explained_at)
        memo = (key, pos[0], bisect.bisect_left(starts, pos), bisect.bisect_right(starts, pos), self._decls_before(pos[0], pos))
        found = self._facts.get(memo)
        if found is None:
            found = self._facts[memo] = self._shared_merged(key, self._rebound(self._lookup(decls, pos), pos))
        return found

    def _shared_merged(self, key: str, decls: list[Declaration]) -> Facts:
        """``_merged``, one Facts object for the same visible declarations (a pure function of them)."""
        memo = (key, tuple(map(id, decls)))
        found = self._merged_by.get(memo)
        if found is None:
            found = self._merged_by[memo] = self._merged(key, decls)
        return found

    def _place(self, at) -> tuple[int, int]:
        """``_where(at)``, kept for the last ``at``: truth asks the facts of one claim key
        after key."""
        last = self._last_place
        if last is not None and last[0] is at:
            return last[1]
        pos = self._where(at)
        self._last_place = (at, pos)
        return pos

    def _merged(self, key: str, decls: list[Declaration]) -> Facts:
        """The Facts of ``key`` from its visible declarations, nearest first."""
        facts = Facts(key, declarations=decls)
        props: set[str] = set()
        defined = False  # a definition shadows the shapes carried from earlier chapters
        rebound = None  # a nearer y ∈ ℝ^n ends a farther y = sx + c: the letter is a new variable
        for d in decls:
            if d.carried and not d.far and defined:
                continue
            defined = defined or d.origin == "definition"
            if facts.shape is None and d.shape is not None:
                facts.shape = d.shape
            if facts.kind is None and (d.kind or kind_of_shape(d.shape)):
                facts.kind = d.kind or kind_of_shape(d.shape)
            if facts.value is None and d.value is not None and not _rebinds(rebound, d):
                facts.value = d.value
                facts.params = d.params
            if (rebound is None and not d.carried and d.value is None and d.domain is None
                    and d.origin in ("math", "prose") and _not_scalar(d.shape)):  # fmt: skip
                rebound = d  # said in the claim's own passage: there the letter is this new variable
            if facts.domain is None and d.domain is not None:
                facts.domain = d.domain
            if not d.carried or d.far:
                props |= d.props
        facts.props = frozenset(props)
        return facts

    def _rebound(self, decls: list[Declaration], pos: tuple[int, int]) -> list[Declaration]:
        """A statement of kind alone ("z 是向量", "let z be a vector") made after a shape was
        declared, before ``pos`` and in another passage, may introduce a new z: the older
        shape is only a guess from there on. So is an older shape that a later statement
        contradicts: "for a square invertible matrix A" or "if A is symmetric" after
        A ∈ R^{m×n}, "the matrix A" after A ∈ R^n: the letter has been rebound."""
        for i, d in enumerate(decls):
            if d.shape is not None:
                return decls
            if d.carried or d.origin not in ("prose", "math", "condition") or (d.index, d.start) > pos:
                continue
            if d.kind and not d.props and d.origin != "condition":
                hit = lambda e: True  # noqa: E731 - any older shape
            elif d.kind or d.props & _SQUARE_PROPS:
                hit = lambda e, d=d: _contradicts(d, e.shape)  # noqa: E731
            else:
                continue
            out = None
            for j in range(i + 1, len(decls)):
                e = decls[j]
                if e.shape is not None and _apart(e, d) and not e.carried and hit(e):
                    out = out or list(decls)
                    out[j] = self._far(e)
            if out is not None:
                return out
        return decls

    def _far(self, d: Declaration) -> Declaration:
        key = (id(d), "far")
        copy = self._carried.get(key)
        if copy is None:
            copy = dataclasses.replace(d, carried=True, far=True)
            self._carried[key] = copy
        return copy

    def _props_around(self, k: int, sentence: tuple[int, int] | None) -> tuple[dict, dict]:
        """The properties declared in passage ``k`` (a table row: all of it; else the sentence
        ``sentence``, by prose, condition or math), counted per key, and which claim declared
        which (a claim is not its own assumption); worked out once per sentence, so that the
        claims of one long aligned block do not each read all its declarations."""
        memo = (k, sentence)
        found = self._around.get(memo)
        if found is None:
            counts: dict[str, Counter] = {}
            own: dict[int, list] = defaultdict(list)
            for d in self._declared_in(k):
                if not d.props:
                    continue
                if sentence is not None and not (
                    sentence[0] <= d.start < sentence[1] and d.origin in ("prose", "condition", "math")
                ):
                    continue
                counts.setdefault(d.key, Counter()).update(d.props)
                if d.claim is not None:
                    own[id(d.claim)].append((d.key, d.props))
            found = self._around[memo] = (counts, dict(own))
        return found

    def assumptions(self, claim) -> dict[str, frozenset[str]]:
        """The conditions a claim is made under, as key -> properties: words in the
        math around it (``2A*a(当A为对称阵)``), the sentence it sits in ("where A is
        symmetric", "if $A = A^T$"), the other cells of its table row, and, for a
        heading's formula, the conditions of the paragraph that follows the heading."""
        out: dict[str, set[str]] = defaultdict(set)
        raw = " ".join(w for w in (claim.prose_before, claim.prose_after, *tags_of(claim)) if w)
        for key, props in _equation_props(raw, self.macros):  # \text{if $W = W^T$} beside the formula
            out[key] |= props
        words = _unfonted(raw.replace("$", ""))  # \text{(when $\mathbf{M}$ is symmetric)}: M
        typed = _typed_words(claim.block.text, claim.start)
        for key, props in _stacked_conditions(claim.text, self.macros):  # \overset{A = A^T}{=}
            out[key] |= props
        for text in (words, typed):
            for key, props in _subject_props(text) if text else ():
                out[key] |= props
        k, _ = self._where(claim)
        block = claim.block
        remark = remark_props(block.prose_after(REMARK_REACH))
        lead = block.prose_before()[-LEAD_IN_REACH:]
        leading = _leading(self.outline.passages, k, claim)
        if leading is not None:
            prev = self.outline.passages[leading]
            lead = block.source.text[max(prev.start, prev.end - LEAD_IN_REACH) : prev.end]
        remark |= subjectless_props(lead) if lead else frozenset()
        premise = _premise(block.text, lead) if lead else None
        if premise:  # "$T$ is triangular $\implies \det T = ∏ T_ii$": the words before are its premise
            for key, props in _subject_props(_unfonted(_sentence_tail(premise).replace("$", ""))):
                out[key] |= props
        after = claim.prose_after.strip(" \t()（）,，.;")
        if after and len(after) <= REMARK_REACH:  # "= 2Av \quad (\text{symmetric})" inside the math
            remark |= remark_props(f"({after})")
        if remark:  # "= Σ^{-1}（因为对称）", "for symmetric matrices this is": the formula's matrices
            for n in _remarked_matrices(claim):
                out[n.key] |= remark
        sentence = self._sentences.get(id(block))
        passage = self.outline.passages[k] if self.outline.passages else None
        row = passage is not None and passage.kind == "table_row"
        if row or sentence is not None:
            counts, own = self._props_around(k, None if row else sentence)
            mine = own.get(id(claim), ())
            for key, counter in counts.items():
                props = {p for p, n in counter.items() if n > sum(1 for k2, ps in mine if k2 == key and p in ps)}
                if props:
                    out[key] |= props
        if leading is not None:
            # "If C is symmetric, then for x ∈ R^n" followed by the display it leads into
            for d in self._declared_in(leading):
                if d.origin == "condition" and d.props:
                    out[d.key] |= d.props
        if _follow_up(self.outline.passages, k, claim):
            # "$$ … = 2Av $$ / This requires $A$ to be symmetric.": the paragraph right after a display
            # that ends its own says what the display assumed (properties only, never a shape)
            for d in self._declared_in(k + 1):
                if d.props and d.shape is None and d.value is None and not any(p.startswith("not_") for p in d.props):
                    out[d.key] |= d.props
        if passage is not None and passage.kind == "heading" and self.outline.chains[k][0].first == k:
            nxt = k + 1
            if nxt < len(self.outline.passages) and self.outline.passages[nxt].kind != "heading":
                for d in self._declared_in(nxt):
                    if d.origin == "condition" and d.props:
                        out[d.key] |= d.props
        return {key: frozenset(v) for key, v in out.items() if v}


# a name after words typed in math ("put\ q", "let\quad x", "\text{we set } y"): a word of two letters or
# more not led by a backslash, then a typed space (or the end of \text{…}), then the name alone
_TYPED_WORDS_BEFORE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}(?:\\ |\\q?quad\b|\s*\})\s*(?P<name>\\?[A-Za-z]+(?:_\{?\w+\}?)?)\s*$")


def _apart(older: Declaration, later: Declaration) -> bool:
    """Whether a later statement of kind is made apart from the older shape: in another passage,
    or in a later sentence of the same one ("… given A ∈ ℝ^{m×n}. When A is invertible, …")."""
    if older.index != later.index:
        return True
    if older.source is not later.source or not (0 <= older.end <= later.start):
        return False
    text = getattr(older.source, "text", "") or ""
    return SENTENCE_BREAK.search(text, older.end, later.start) is not None


def _linear_map_like(name, dom) -> bool:
    """Whether a map declared ``X : ℝ^k → ℝ^n`` may be a linear map written as its matrix (Xb, XᵀX):
    a capital letter from a space of vectors. The codomain's shape (a function's value, right for
    ∂F/∂x) would make Xb a product of a column and a vector: _Builder._claim gives it the matrix's
    n×k when the note never applies it, and no shape when it does."""
    key = getattr(name, "name", "") or ""
    if not key[:1].isupper() or dom is None or not dom.known or dom.shape is None:
        return False
    rows, cols = dom.shape
    return cols == 1 and rows != 1


def _names_a_map(node) -> bool:
    """Whether the left of "… : A → B" names maps: f, f(x), "f, g" (not an expression, AX + B)."""
    if isinstance(node, Tuple):
        return all(isinstance(n, (Sym, Call)) for n in node.items)
    return isinstance(node, (Sym, Call))


def _divides_by_matrices(node) -> bool:
    """Whether a fraction in ``node`` has matrices below its bar: two capital letters, or a
    transposed one (H P Hᵀ + R; not 1/N, nor xᵀx). Which side the inverse goes on is not written."""
    for n in node.walk():
        if isinstance(n, Div):
            capitals = [m for m in n.den.walk() if isinstance(m, Sym) and m.name[:1].isupper()]
            if len({m.key for m in capitals}) >= 2 or any(
                    isinstance(m, Transpose) and isinstance(m.arg, Sym) and m.arg.name[:1].isupper() for m in n.den.walk()):
                return True
    return False


def _commuting(lhs, rhs):
    """AB = BA: the two symbols A and B."""
    if not (isinstance(lhs, Mul) and isinstance(rhs, Mul) and len(lhs.factors) == len(rhs.factors) == 2):
        return None
    a, b = lhs.factors
    c, d = rhs.factors
    if all(isinstance(x, Sym) for x in (a, b, c, d)) and a.key == d.key and b.key == c.key and a.key != b.key:
        if all(op in ("", "cdot") for op in lhs.ops + rhs.ops):
            return a, b
    return None


def _remarked_matrices(claim) -> list[Sym]:
    """The symbols of a claim that a remark on its formula speaks of ("(covariance matrix)",
    "for symmetric matrices this becomes"): its capitals without subscript, and P^{-T}'s P."""
    return [n for side in (claim.lhs, claim.rhs) for n in (side.walk() if side is not None else ())
            if isinstance(n, Sym) and ((n.name[:1].isupper() and not n.sub) or n.sup == "-")]


def _finite_set(node) -> bool:
    """Whether ``node`` is a set of numbers written out ({0, 1}, {−1, +1}, {1, …, K}) or a power
    of one ({0, 1}^n)."""
    if isinstance(node, Pow):
        node = node.base
    if not isinstance(node, Opaque) or node.op != "set" or not node.parts:
        return False
    numbers = 0
    for part in node.parts:
        while isinstance(part, Neg):
            part = part.arg
        if isinstance(part, Num):
            numbers += 1
        elif not isinstance(part, (Dots, Sym)):
            return False
    return numbers > 0


def _follow_up(passages, k: int, claim) -> bool:
    """The claim is in a display that ends its paragraph, and the paragraph of prose after it
    refers back to it ("This requires …", "… above"): a remark on the display."""
    if not passages or k + 1 >= len(passages) or not getattr(claim.block, "display", False):
        return False
    here, after = passages[k], passages[k + 1]
    if after.kind != "paragraph" or here.kind not in ("paragraph", "list_item") or after.source is not here.source:
        return False
    if claim.block.source.text[claim.block.end : here.end].strip(" \t\n$.,;"):
        return False
    return refers_back(after.source.text[after.start : after.end])


# a label of a display, alone before it ("The first form:", "第一种写法：", "**Numerator layout:**"), and a
# paragraph that ends with a colon, its emphasis aside
_LABEL = re.compile(r"[*_\s]*[^\n$.。!?！？:：]{1,30}[:：][*_\s]*")
_LEAD_IN_END = re.compile(r"[:：][*_\s]*$")
_LABELLED_RUN = 6  # how many labelled displays in a row one paragraph ending with a colon leads into


def _leading(passages, k: int, claim) -> int | None:
    """The index of the paragraph of prose that leads into the claim's display, whose conditions
    hold for the display: the one right before it, or, over labelled displays ("When M is symmetric:" / "The first form:"
    $$ … $$ / "The second form:" $$ … $$), the paragraph ending with a colon before them all."""
    if not passages or k < 1 or not getattr(claim.block, "display", False):
        return None
    here = passages[k]
    if here.kind != "paragraph" or not here.blocks or here.blocks[0] is not claim.block:
        return None
    text = claim.block.source.text
    lead = text[here.start : claim.block.start].strip()
    if lead in ("", "$$", "$", "\\["):  # the paragraph opens with the display
        return k - 1 if passages[k - 1].kind == "paragraph" else None
    if not _is_label(lead):
        return None
    # a short label between ("When M is symmetric:" / "The first form:" / $$ … $$; "**分子形式：**"):
    # the paragraph before ends with a colon and leads into the labelled displays after it
    for j in range(k - 1, max(-1, k - 1 - _LABELLED_RUN), -1):
        before = passages[j]
        if before.kind != "paragraph":
            return None
        if _LEAD_IN_END.search(text[before.start : before.end]) is not None:
            return j
        first = before.blocks[0] if before.blocks else None  # another labelled display: look before it
        if first is None or not first.display or text[first.end : before.end].strip(" \t\n$.,;"):
            return None
        if not _is_label(text[before.start : first.start].strip()):
            return None
    return None


def _is_label(lead: str) -> bool:
    """Whether the words before a display in its paragraph (its opening delimiter aside) are a label."""
    return _LABEL.fullmatch(lead.removesuffix("$$").removesuffix("\\[").rstrip()) is not None


def tags_of(claim) -> list[str]:
    """The texts of ``\\tag{…}`` in the claim's block: "\\tag{if $A$ is symmetric}" states a condition."""
    text = claim.block.text
    out = []
    for m in re.finditer(r"\\tag\*?\s*\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out.append(text[m.end() : i - 1])
    return out


# properties that only a square matrix has: said of a letter declared m×n, they rebind it
_SQUARE_PROPS = frozenset({"square", "symmetric", "invertible", "positive_definite", "positive_semidefinite",
                           "orthogonal", "diagonal", "identity", "skew_symmetric", "commuting"})  # fmt: skip


def _contradicts(d: Declaration, shape) -> bool:
    """Whether what ``d`` says (its kind, its properties) cannot hold of one object of ``shape``:
    a property of square matrices of an m×n, a scalar of anything but 1×1, a vector of a matrix,
    a matrix of a vector or a scalar (the letter names something else there: a guess)."""
    rows, cols = shape
    if d.props & _SQUARE_PROPS and rows != cols:
        return True
    kind = kind_of_shape(shape)
    if d.kind == "scalar":
        return kind != "scalar"
    if d.kind in ("vector", "row"):
        return kind in ("matrix", "scalar")
    if d.kind == "matrix":
        return kind in ("vector", "row", "scalar")
    return False


_NEAREST = 16  # declarations of one group a lookup ranks: the nearest hold; the rest cost time only


class _KeyIndex:
    """The declarations of one key sorted by (passage, offset), and the same grouped by passage
    and by home scope (id), each with its sorted places for binary search."""

    __slots__ = ("starts", "decls", "by_passage", "by_home")

    def __init__(self, decls: list[Declaration]):
        ordered = sorted(decls, key=lambda d: (d.index, d.start))
        self.decls = ordered
        self.starts = [(d.index, d.start) for d in ordered]
        self.by_passage: dict[int, tuple[list, list]] = {}
        self.by_home: dict[int, tuple[list, list]] = {}
        for d, place in zip(ordered, self.starts):
            for groups, name in ((self.by_passage, d.index), (self.by_home, id(d.scope))):
                group = groups.get(name)
                if group is None:
                    group = groups[name] = ([], [])
                group[0].append(place)
                group[1].append(d)


def _order(dpos: tuple[int, int], pos: tuple[int, int]) -> tuple[int, int]:
    """Nearest first: for a declaration before ``pos`` the latest, after it the earliest."""
    if dpos <= pos:
        return (-dpos[0], -dpos[1])
    return dpos


_INLINE_EQUATION = re.compile(r"\$([^$=]{1,60})=([^$=]{1,60})\$")


def _equation_said(lhs_text: str, rhs_text: str, macros: dict) -> tuple[str, set[str]] | None:
    """(key, properties) an equation written as two texts states of one symbol (md.equation_props),
    or None, also when a side does not parse."""
    try:
        said = md.equation_props(md.parse_math(lhs_text, macros), md.parse_math(rhs_text, macros))
    except _UNREADABLE:
        return None
    return (said[0].key, set(said[2])) if said is not None else None


def _equation_props(words: str, macros: dict) -> list[tuple[str, set[str]]]:
    """What an equation in words beside a formula says of a matrix ("if $W = W^T$": symmetric,
    "$Q^T Q = I$": orthogonal), as the same equation in the note's math does (md.equation_props)."""
    if "$" not in words:
        return []
    found = (_equation_said(m.group(1), m.group(2), macros) for m in _INLINE_EQUATION.finditer(words))
    return [said for said in found if said is not None]


_TYPED_TEXT = re.compile(r"\\(?:text|textrm|textit|textnormal|mathrm|mbox)\s*\{([^{}]*)\}")
_TYPED_SPACING = re.compile(r"\\(?:quad|qquad|enspace|thinspace|medspace|thickspace|space)(?![a-zA-Z])|\\[,;:! ]|[~&$]")


def _as_words(math: str) -> str:
    """Words typed in math as a reader reads them: ``\\text{…}`` unwrapped, spacing commands,
    ``&`` and ``$`` turned into spaces (``if\\quad B\\quad is\\quad symmetric`` → "if B is symmetric")."""
    return " ".join(_TYPED_SPACING.sub(" ", _TYPED_TEXT.sub(r" \1 ", math)).split())


# a formula that opens with an implication, or words that end with one: the words before are its premise
_IMPLIED_BY = re.compile(r"\s*(?:\\(?:implies|Rightarrow|Longrightarrow|therefore)(?![A-Za-z])|⟹|⇒|∴)")
_IMPLIES_BEFORE = re.compile(r"(?:\$+\s*\\(?:implies|Rightarrow|Longrightarrow)\s*\$+|⟹|⇒|\bimplies)\s*$")


def _premise(math: str, lead: str) -> str | None:
    """The words before a formula that an implication joins to it ("… $\\implies$ $formula$", "$\\implies
    formula$"), or None."""
    if _IMPLIED_BY.match(math):
        return lead
    found = _IMPLIES_BEFORE.search(lead)
    return lead[: found.start()] if found else None


def _sentence_tail(text: str) -> str:
    """The last sentence of ``text`` (the words before a formula, from the last sentence end)."""
    ends = list(SENTENCE_BREAK.finditer(text))
    return text[ends[-1].end():] if ends else text


def _subject_props(words: str) -> list[tuple[str, frozenset[str]]]:
    """(letter, properties) for each statement about a plain letter that ``words`` make ("B is symmetric")."""
    return [(said.subject, said.props) for said in _read_words(words) if isinstance(said.subject, str) and said.props]


_STACKED = re.compile(r"\\(?:overset|stackrel|underset)\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\{?\s*=")


def _stacked_conditions(text: str, macros: dict) -> list[tuple[str, set[str]]]:
    """What the label over a step's = says (``\\overset{A = A^T}{=}``, ``\\stackrel{\\text{$A$
    symmetric}}{=}``): the condition that step is made under."""
    out: list[tuple[str, set[str]]] = []
    for m in _STACKED.finditer(text) if "set" in text or "stackrel" in text else ():
        label = m.group(1)
        said = _equation_said(*label.split("="), macros) if label.count("=") == 1 else None
        if said is not None:
            out.append(said)
            continue
        words = _as_words(label)
        if ASSUMPTION_HINTS.search(words):
            out.extend((key, set(props)) for key, props in _subject_props(words))
    return out


def _typed_words(text: str, start: int) -> str:
    """The words before a claim in its row of math, as a reader reads them: ``\\text{if } B
    \\text{ is symmetric},`` and words typed as letters, ``if\\quad B\\quad is\\quad symmetric,``;
    "" when they name no property."""
    row = text[:start]
    cut = row.rfind("\\\\")
    row = row[cut + 2 :] if cut >= 0 else row  # from the row break on
    if not ASSUMPTION_HINTS.search(row):
        return ""
    return _as_words(row)


def _read_words(words: str) -> list[Said]:
    from derivlint.source import Source

    source = Source("<words>", words)
    marked = Marked(words, list(range(len(words) + 1)), [], [], source, None)
    return Reader(marked).run()


# ---------------------------------------------------------------------------
# building


def build_context(extraction: Extraction, claims: list, macros: dict | None = None) -> Context:
    """Read what a note declares, in its math and in its prose, and scope it."""
    return _Builder(extraction, claims, macros or {}).build()


class _Builder:
    def __init__(self, extraction: Extraction, claims: list, macros: dict):
        self.extraction = extraction
        self.claims = claims
        self.macros = macros
        self.outline = Outline(extraction)
        self.ctx = Context(self.outline)
        self.ctx.macros = macros  # the note's macros, for math written inside words (assumptions)
        self.by_block: dict[int, list] = defaultdict(list)
        for c in claims:
            self.by_block[id(c.block)].append(c)
        self.marked: dict[int, Marked] = {}
        self.condition_blocks: set[int] = set()
        self.seen: set[tuple] = set()

    def build(self) -> Context:
        blocks_of: dict[int, list[MathBlock]] = {}  # passage index -> its blocks (each read once)
        for k, passage in enumerate(self.outline.passages):
            blocks = passage.blocks
            if not blocks and not _has_triggers(passage.text):
                continue
            try:
                marked = marked_passage(passage, self.macros, blocks)
                sentences = [(piece, marked.sentence_bounds(i), is_condition(marked, i))
                             for i, piece in zip(marked.marks, marked.pieces)]  # fmt: skip
            except _UNREADABLE:
                continue  # a passage that cannot be read declares nothing; the others still do
            self.marked[k] = marked
            blocks_of[k] = blocks
            for piece, (s, e), condition in sentences:
                self.ctx._sentences[id(piece.block)] = (marked.offs[s], marked.offs[e])
                if condition:
                    self.condition_blocks.add(id(piece.block))
        self._redefinitions()  # before any lookup: what it finds changes what a lookup sees
        self._brace_labels()
        self._math()
        self._worked_items()
        for k, marked in self.marked.items():
            self._guarded(self._prose, k, marked)
            for block in blocks_of[k]:
                inner = self._guarded(marked_block, block, self.macros)
                if inner is not None:
                    self._guarded(self._prose, k, inner)
            for layout, start, end, sentence in self._guarded(layouts_in, marked) or ():
                self.ctx.layouts.append(LayoutStatement(layout, marked.source, start, end, sentence))
            for layout, start, end, sentence in self._guarded(entry_layouts, marked) or ():
                self.ctx.layouts.append(LayoutStatement(layout, marked.source, start, end, sentence, "vector-by-vector"))
        self._written_jacobians()
        self.ctx.declarations.sort(key=lambda d: (d.index, d.start))
        self.ctx._in_passage = None  # grouped again in the sorted order
        self.ctx.statements.sort(key=lambda s: (self.ctx._where(s.block)[0], s.start))
        return self.ctx

    def _written_jacobians(self) -> None:
        """A Jacobian written out entry by entry (∂h/∂v = [∂h_i/∂v_j]) states the layout of the
        note's derivatives of vectors by vectors, as "the (i, j) entry is ∂h_i/∂v_j" does."""
        written = []
        for c in self.claims:
            if c.kind in ("derivative", "definition", "equality") and isinstance(c.rhs, Matrix) and c.rhs.schematic:
                layout = md.jacobian_layout(c.lhs, c.rhs)
                if layout is not None:
                    block = c.block
                    written.append(LayoutStatement(layout, block.source, block.file_offset(c.start),
                                                   block.file_offset(c.end), c.text, "vector-by-vector"))
        if len({st.layout for st in written}) == 1:  # a note that writes it out in both layouts compares them
            self.ctx.layouts.extend(written)

    @staticmethod
    def _guarded(read, *args):
        """``read(*args)``, or None when the text it reads cannot be read: one odd passage or
        block never drops the declarations of the others."""
        try:
            return read(*args)
        except _UNREADABLE:
            return None

    def _worked_items(self) -> None:
        """The list items that work something out (a claim besides declarations, read or not: "for
        A ∈ R^{2×3}, C = AB is 2×2"; an expression to compute beside a declaration): an exercise or
        an example each, whose shapes hold in that item only. A notation list ("- x ∈ R^n the
        input") declares for what follows."""
        outline = self.outline
        for c in self.claims:
            if c.kind == "declaration" or c.block.passage is None:
                continue  # a claim that could not be read still works something out
            k = outline.index.get(id(c.block.passage))
            if k is not None and outline.passages[k].kind == "list_item":
                self.ctx.worked_items.add(k)
        for k, passage in enumerate(outline.passages):  # "1. Let W ∈ R^{3×4} … Compute $W\mathbf{h}$."
            if passage.kind != "list_item" or k in self.ctx.worked_items:
                continue
            blocks = passage.blocks
            if len(blocks) < 2 or not any(self.by_block.get(id(b)) for b in blocks):
                continue  # an expression alone, or no declaration to keep in the item
            for block in blocks:
                if self.by_block.get(id(block)) or len(block.text.strip()) < 3:
                    continue
                try:
                    node = md.expression_of(block, self.macros)
                except _UNREADABLE:
                    continue
                if node is not None and not is_lone_symbol(node) and not isinstance(node, (Num, Matrix)):
                    self.ctx.worked_items.add(k)  # an expression to work out: an exercise
                    break

    def _redefinitions(self) -> None:
        """The passages whose definition of a name (``f(X) = tr(AᵀX)``) is followed, in a later
        passage, by a definition of the same name with another value (``f(X) = tr(AXB)``): a new
        example, so what was declared beside the first ("A, X ∈ R^{m×n}") is a guess from there on.
        A definition written again with the same value is not a new one."""
        first: dict[str, tuple[int, str]] = {}  # name -> (passage, value) of its latest definition
        for c in self.claims:
            if c.kind != "definition" or c.step != 0 or c.block.passage is None:
                continue
            lhs, rhs = c.lhs, c.rhs
            name = lhs.func if isinstance(lhs, Call) else lhs
            if not isinstance(name, Sym) or rhs is None or md.mentions(rhs, name.key):
                continue  # an update rule such as x = x - η∇f is not a definition anew
            k = self.outline.index.get(id(c.block.passage))
            if k is None:
                continue
            value = render(rhs)
            before = first.get(name.key)
            if before is not None and before[0] < k and before[1] != value:
                self.ctx.redefined.setdefault(before[0], k)
            first[name.key] = (k, value)

    # -- helpers -----------------------------------------------------------------------
    def _index(self, block: MathBlock) -> int:
        return self.ctx._where(block)[0]

    def _declare(self, key, shape, kind, props, origin, start, end, k, *, source, value=None, params=(),
                 claim=None, domain=None, bold=None, block=None) -> None:  # fmt: skip
        if shape is not None and kind is None:
            kind = kind_of_shape(shape)
        sig = (key, shape, kind, frozenset(props), origin, start, end, id(value))
        if sig in self.seen:
            return
        self.seen.add(sig)
        passage = self.outline.passages[k] if self.outline.passages else None
        scope = self.outline.home(k) if self.outline.chains else self.outline.document
        hoist = (passage is None or passage.kind != "list_item") and origin not in ("value", "definition", "condition")
        local = origin == "condition" or (block is not None and id(block) in self.condition_blocks)
        self.ctx.add(Declaration(key, shape, kind, frozenset(props), value, tuple(params), origin, source, start,
                                 end, scope, claim, domain, bold, hoist=hoist, local=local, index=k,
                                 block=block))  # fmt: skip

    # -- math --------------------------------------------------------------------------
    def _math(self) -> None:
        self.wrt: set[str] = set()  # every variable something is differentiated with respect to
        walked: set[int] = set()  # ids of the sides walked: in a chain a = b = c, b is two claims' side
        for c in self.claims:
            for side in (c.lhs, c.rhs):
                if side is None or id(side) in walked:
                    continue
                walked.add(id(side))
                for node in side.walk():
                    if isinstance(node, Deriv):
                        self.wrt.update(w.key for w in node.wrt if isinstance(w, Sym))
        chains = chains_of(self.claims)
        for i, c in enumerate(self.claims):
            if c.block.passage is None and not self.outline.passages:
                continue
            try:
                self._claim(c, chains[(id(c.block), c.chain)])
                if i + 1 == len(self.claims) or self.claims[i + 1].block is not c.block:
                    self._remarked(c)
            except _UNREADABLE:
                continue

    def _applied(self, key: str) -> bool:
        """Whether the note applies ``key`` as a function anywhere (F(x) read as a call, ∂F/∂x, ∇F)."""
        for c in self.claims:
            for side in (c.lhs, c.rhs):
                for n in side.walk() if side is not None else ():
                    if isinstance(n, Call) and getattr(n.func, "key", None) == key:
                        return True
                    if isinstance(n, Deriv) and n.num is not None and any(
                            isinstance(m, Sym) and m.key == key for m in n.num.walk()):
                        return True
        return False

    def _remarked(self, c) -> None:
        """A remark right after a formula ("$P^{-T} = P$ (covariance matrix)", "（因为对称）") says
        what the formula's matrices are: from there on, as a declaration would (remark_props)."""
        if c.kind == "unparsed" or "(" not in c.block.source.text[c.block.end : c.block.end + 8].replace("（", "("):
            return
        props = remark_props(c.block.prose_after(REMARK_REACH))
        if not props:
            return
        block = c.block
        k = self._index(block)
        start, end = block.file_offset(c.start), block.file_offset(c.end)
        for n in _remarked_matrices(c):
            self._declare(n.key, None, None, frozenset(props), "math", start, end, k, bold=n.bold,
                          source=block.source, claim=c, block=block)

    def _claim(self, c, chain: list) -> None:
        block = c.block
        k = self._index(block)
        start, end = block.file_offset(c.start), block.file_offset(c.end)
        condition = id(block) in self.condition_blocks or bool(_CONDITION.search(c.prose_before or ""))
        origin = "condition" if condition else "math"
        kw = dict(source=block.source, claim=c, block=block)
        if c.kind == "unparsed":
            self._unread_definition(c, block, start)
            if "\\in" in c.text:
                found = md.space_from_text(c.text)
                if found is not None and found[1].known:
                    lhs = md.parse_math(found[0], self.macros)
                    for name in md.names_in(lhs):
                        self._declare(md.key_of(name), found[1].shape, None, found[1].props, origin, start, end, k,
                                      bold=md.bold_of(name), **kw)  # fmt: skip
            return
        lhs, rhs, rel = c.lhs, c.rhs, c.relation
        if c.step == 0 and c.facts.get("sizes"):  # Y_{1×3} = X_{1×2} W_{2×3}: sizes written on the letters
            for key, dims in c.facts["sizes"].items():
                if key not in ("I", "E", "0", "O"):  # the identity takes the size of each place
                    shape = tuple(int(d) if d.isdigit() else d for d in dims)
                    self._declare(key, shape, None, frozenset(), origin, start, end, k, bold=None, **kw)
        remark = c.prose_after
        if remark and not condition and ASSUMPTION_HINTS.search(remark) and not _CONDITION.search(remark):
            # "= C^{-1} \quad (C \text{ 对称正定})": the formula says what C is, as prose would, from here
            # on in its section (a condition, "(当 C 对称时)", "(if C is symmetric)", holds for it alone)
            words = _unfonted(remark.replace("$", ""))
            for key, props in _subject_props(words):
                if not any(p.startswith("not_") for p in props):
                    self._declare(key, None, None, props, "math", start, end, k, bold=None, **kw)
        if c.kind == "declaration":
            if isinstance(rhs, Mapping) and rel in (":", "∈"):
                if not _names_a_map(lhs):  # "X ↦ Y = AX + B : ℝ^{n×p} → ℝ^{m×p}": the signature of the map, not of AX + B
                    return
                cod, dom = md.space_of(rhs.cod), md.space_of(rhs.dom)
                for name in md.names_in(lhs):
                    if _linear_map_like(name, dom):  # X : ℝ^k → ℝ^n, then Xb, XᵀX: an n×k matrix, or a function
                        key = md.key_of(name)
                        matrix = None if self._applied(key) or not (cod and cod.known) else (cod.shape[0], dom.shape[0])
                        self._declare(key, matrix, None, frozenset(), origin, start, end, k, domain=dom.shape,
                                      bold=md.bold_of(name), **kw)  # fmt: skip
                        continue
                    self._declare(md.key_of(name), cod.shape if cod and cod.known else None, None, frozenset(),
                                  origin, start, end, k, domain=dom.shape if dom and dom.known else None,
                                  bold=md.bold_of(name), **kw)  # fmt: skip
                return
            if rel not in ("∈", ":") or (rel == ":" and not _names_a_map(lhs)):
                return  # "AX + B : ℝ^{n×p} → …": a map's signature split in two, no shape of an expression
            if _finite_set(rhs):  # t_i ∈ {0, 1}, y ∈ {−1, 1}: a number drawn from those values only
                self.ctx.has_discrete = True
                vector = isinstance(rhs, Pow)  # {0, 1}^n
                for name in md.names_in(lhs):
                    self._declare(md.key_of(name), None if vector else (1, 1), "vector" if vector else "scalar",
                                  frozenset({"discrete"}), origin, start, end, k, bold=md.bold_of(name), **kw)
                return
            space = md.space_of(rhs) or (md.size_product(rhs) if rel == ":" else None)  # "x : 1 × N"
            if space is None or not space.known:
                return
            names = md.names_in(lhs)
            if not names and c.step > 0:  # y(t) = [ … ] ∈ R^n: the names of the chain
                names = []
                for other in chain:
                    if other.step >= c.step:
                        continue
                    if other.step == 0:
                        names.extend(n for n in md.names_in(other.lhs) if not isinstance(n, Matrix))
                    if isinstance(other.rhs, (Sym, Deriv, Call)) and other.step < c.step - 0:
                        names.extend(md.names_in(other.rhs))
            if not block.display and illustrates_notation(block.prose_before(), block.prose_after()):
                return  # "e.g. $M \in \mathbb{R}^{m \times n}$ means M has m rows": how sizes are written
            for name in names:
                props = space.props | trailing_props(c.prose_after) if c.prose_after else space.props
                self._declare(md.key_of(name), space.shape, None, props, origin, start, end, k,
                              bold=md.bold_of(name), **kw)  # fmt: skip
            return
        for side in (lhs, rhs) if rel == "=" else ():  # −½ log|Σ| − ½ (x − μ)ᵀΣ⁻¹(x − μ): Σ a covariance
            for key in md.gaussian_log_density_covariances(side):
                self._declare(key, None, None, {"symmetric", "square"}, origin, start, end, k, **kw)
        if rel == "=" and c.step == 0:  # P = E[e eᵀ], E[e eᵀ] = P, S = Σ xᵢxᵢᵀ/N: symmetric by its form
            for sym, form in ((lhs, rhs), (rhs, lhs)):
                if isinstance(sym, Sym) and md.symmetric_by_form(form):
                    self._declare(sym.key, None, None, {"symmetric", "square"}, origin, start, end, k, bold=sym.bold, **kw)
        said = md.equation_props(lhs, rhs) if rel == "=" else None
        if said is not None:  # Aᵀ = A, Aᵀ = −A, QᵀQ = I, ‖u‖ = 1
            sym, kind, props = said
            self._declare(sym.key, None, kind, set(props), origin, start, end, k, bold=sym.bold, **kw)
            return
        # AB = BA stated inline or as a condition ("with $AB = BA$"); a display may be a claim to check
        # (inline, unless its sentence says it holds in general: "in general $AB = BA$ holds", "总有 $AB = BA$"
        # is a claim, checked; the other readings of an inline AB = BA stay assumptions)
        pair = _commuting(lhs, rhs) if rel == "=" and (condition or (not block.display and not COMMUTING_CLAIMED.search(
            _sentence_tail(block.prose_before()) + " " + block.prose_after(40)))) else None
        if pair is not None:  # AB = BA: drawn with shared eigenvectors (truth._draw)
            for sym in pair:
                self._declare(sym.key, None, "matrix", {"commuting", "square"}, origin, start, end, k, bold=sym.bold, **kw)
            return
        covs = md.normal_covariances(rhs) if rel == "∼" else []
        for cov in covs:  # x ∼ N(m, Σ), E ∼ MN(0, U, V): covariances, symmetric and positive definite
            self._declare(cov.key, None, None, {"symmetric", "positive_definite"}, origin, start, end, k,
                          bold=cov.bold, **kw)  # fmt: skip
        if covs:
            return
        if c.kind == "relation" and rel in (">", "≻", "⪰", "<", "≺") and isinstance(lhs, Sym) != isinstance(rhs, Sym):
            sym_side, zero = (lhs, rhs) if isinstance(lhs, Sym) else (rhs, lhs)
            flipped = sym_side is rhs
            if not md.is_zero(zero) or c.step != 0:
                return
            if (rel == ">" and not flipped) or (rel == "<" and flipped):
                kind = None if sym_side.bold else "scalar"
                self._declare(sym_side.key, (1, 1) if kind else None, kind, {"positive"}, origin, start, end, k,
                              bold=sym_side.bold, **kw)  # fmt: skip
            elif (rel == "≻" and not flipped) or (rel == "≺" and flipped):
                self._declare(sym_side.key, None, "matrix", {"positive_definite", "symmetric", "square"}, origin,
                              start, end, k, bold=sym_side.bold, **kw)  # fmt: skip
            elif rel == "⪰" and not flipped:
                self._declare(sym_side.key, None, "matrix", {"positive_semidefinite", "symmetric", "square"}, origin,
                              start, end, k, bold=sym_side.bold, **kw)  # fmt: skip
            return
        if c.kind == "definition" and c.step == 0 and isinstance(lhs, (Sym, Call)):
            name = lhs.func if isinstance(lhs, Call) else lhs
            if md.mentions(rhs, name.key) and not isinstance(rhs, Matrix):
                return  # an update rule such as x = x - η∇f
            if name.key in self.wrt and not any(md.mentions(rhs, w) for w in self.wrt) and not isinstance(rhs, Matrix):
                self.ctx.set_aside.setdefault(name.key, (block.source.line_col(start)[0], (k, start), frozenset(symbols(rhs))))
                return  # a solution such as w = (X^T X)^{-1} X^T y: w stays a variable
            if self._random_in(rhs) is not None:  # Y = XB + E with E ∼ MN(0, V, Σ): a model of the data, whose
                # form gives Y its shape but no value to substitute (a likelihood's derivative in B holds Y fixed)
                self._declare(name.key, None, None, frozenset(), "value", start, end, k, value=rhs, params=(),
                              bold=name.bold, **kw)  # fmt: skip
                return
            if _divides_by_matrices(rhs):  # K = \frac{P H^T}{H P H^T + R}: P Hᵀ (H P Hᵀ + R)⁻¹, or the other side
                self.ctx.unread_definitions.setdefault(name.key, block.source.line_col(start)[0])
                return
            params = tuple(md.key_of(a) if isinstance(a, Sym) else render(a) for a in lhs.args) if isinstance(lhs, Call) else ()
            if isinstance(rhs, Matrix):
                shape = md.matrix_shape(rhs)
                kind = md.matrix_kind(rhs) if shape is None else None
                self._declare(name.key, shape, kind, frozenset(), "value", start, end, k, value=rhs, params=params,
                              bold=name.bold, **kw)  # fmt: skip
            else:
                self._declare(name.key, None, None, frozenset(), "definition", start, end, k, value=rhs, params=params,
                              bold=name.bold, **kw)  # fmt: skip

    def _random_in(self, rhs) -> str | None:
        """A noise term of ``rhs``: a term of a sum that the note says is a zero-mean normal (ε ∼ N(0, σ²),
        E ∼ MN(0, V, Σ), anywhere in it). Then "y = Xβ + ε" models the data, and differentiating in β
        must hold y fixed; else None."""
        noise = self.__dict__.get("_noise")
        if noise is None:
            noise = self._noise = frozenset(
                c.lhs.key for c in self.claims
                if c.relation == "∼" and isinstance(c.lhs, Sym) and md.zero_mean_normal(c.rhs))
        if not noise or not isinstance(rhs, Add):
            return None
        for term in rhs.terms:
            while isinstance(term, Neg):
                term = term.arg
            if isinstance(term, Mul) and len(term.factors) == 2 and not symbols(term.factors[0]) & noise:
                term = term.factors[1]  # √β ε, σ ε: a scaled noise term
            if isinstance(term, Sym) and term.key in noise:
                return term.key
        return None

    def _brace_labels(self) -> None:
        """A letter written under a brace names what the brace holds (``\\underbrace{(ab^T)^T}_{A^T}``,
        ``\\overbrace{X^T X}^{G}``): the letter is given a value derivlint does not read (the parser
        keeps the braced formula, not its label), as an unread definition is."""
        done: set[int] = set()
        for c in self.claims:
            block = c.block
            if id(block) in done or "brace" not in block.text:
                continue
            done.add(id(block))
            for m in _BRACE.finditer(block.text):
                end = match_group(block.text, m.end())
                if end < 0 or end >= len(block.text) or block.text[end] not in "_^":
                    continue
                close = match_group(block.text, end + 1)
                if close < 0:
                    continue
                try:
                    label = md.parse_math(block.text[end + 2 : close - 1], self.macros)
                except _UNREADABLE:
                    continue
                while isinstance(label, (Transpose, Inverse)):
                    label = label.arg
                if isinstance(label, Sym):
                    line = block.line_col(m.start())[0]
                    self.ctx.unread_definitions.setdefault(label.key, line)

    def _unread_definition(self, c, block: MathBlock, start: int) -> None:
        """An unparsed ``name = …`` (or ``name := …``) still says that ``name`` has a value."""
        head, eq, _ = c.text.partition("=")
        head = head.rstrip(":").strip()
        if not eq or not head or len(head) > 40:
            return
        typed = _TYPED_WORDS_BEFORE.search(head)  # "1)\ To\ simplify,\ put\ q = Mv": q, after typed words
        for name in (head, typed.group("name") if typed else ""):
            try:
                node = md.parse_math(name, self.macros) if name else None
            except _UNREADABLE:
                continue
            if isinstance(node, Sym):
                self.ctx.unread_definitions.setdefault(node.key, block.source.line_col(start)[0])
                return

    # -- prose -------------------------------------------------------------------------
    def _prose(self, k: int, marked: Marked) -> None:
        for said in Reader(marked).run():
            self._take(k, said)
        if MARK in marked.text and marked.finds(DERIVED_WORDS, DERIVED_HINT):
            self._derived_matrices(marked)

    def _derived_matrices(self, marked: Marked) -> None:
        """"where $C$ is the cofactor matrix of $X$", "$A^*$ 为伴随矩阵": a value given in words only, as
        an unread definition (derivlint.context.words.DERIVED_MATRIX_NOUNS_*)."""
        for match in DERIVED_NAMED.finditer(marked.text):
            node = marked.piece_at(match.start("subj")).node()
            if isinstance(node, Sym):
                line = marked.source.line_col(marked.offs[match.start()])[0]
                self.ctx.unread_definitions.setdefault(node.key, line)

    def _take(self, k: int, said: Said) -> None:
        origin = "condition" if said.condition else "prose"
        source = self.outline.passages[k].source
        if isinstance(said.subject, str):
            self._declare(said.subject, said.shape, said.kind, said.props, origin, said.start, said.end, k,
                          source=source)  # fmt: skip
            return
        piece: Piece = said.subject
        block = piece.block
        if not block.display and spells_out_notation(block.prose_before()):
            return
        if said.via_result:
            for c in reversed(self.by_block.get(id(block), [])):
                if c.kind == "derivative" and isinstance(c.lhs, Deriv):
                    self._statement(c.lhs, block, said, k)
                    return
            return
        names: list[Node] = []
        claim = None
        prefix = said.prefix  # "矩阵 $A$": the noun comes first; one symbol only
        if piece.tokens is None:
            parsed = [c for c in self.by_block.get(id(block), []) if c.kind != "unparsed"]
            if parsed:
                claim = parsed[0] if said.prefix else parsed[-1]  # "A ∈ …, B ∈ … 为对角阵": the last
                names = [n for n in md.names_in(claim.lhs) if isinstance(n, Sym)]
                if not names:
                    return
        if claim is None:
            node = piece.node()
            if node is None:
                return
            if said.condition and isinstance(node, (Mul, Add, Transpose)) and said.props:
                # "If $AB$ is symmetric then (AB)ᵀ = AB": a condition on an expression, not modelled (the
                # check draws each symbol alone); the claims of its sentence after it are under it
                self.ctx.expression_conditions.append((k, said.start, said.end))
            if said.expression:
                self._statement(node, block, said, k)
                return
            names = [n for n in md.names_in(node) if isinstance(n, Sym)] if not isinstance(node, (Call, Deriv)) else []
            if not names:
                self._statement(node, block, said, k)
                return
        if prefix and len(names) != 1:
            return
        if prefix and said.kind == "matrix" and isinstance(names[0], Sym) and len(names[0].sub or "") >= 2:
            return  # "转移矩阵 $A_{ij}$": an entry of the matrix
        for name in names:
            self._declare(name.key, said.shape, said.kind, said.props, origin, said.start, said.end, k,
                          source=source, bold=name.bold, block=block)  # fmt: skip

    def _statement(self, node: Node, block: MathBlock, said: Said, k: int) -> None:
        scope = self.outline.chains[k][0] if self.outline.chains else self.outline.document
        self.ctx.statements.append(ProseStatement(node, block, said.kind, said.shape, block.source, said.start,
                                                  said.end, scope, said.props))  # fmt: skip


def _not_scalar(shape) -> bool:
    """Whether a declared shape has more than one entry (ℝ^n, ℝ^{m×n}): it names a new variable."""
    return shape is not None and any(d != 1 and getattr(d, "num", None) != 1 for d in shape)


def _rebinds(declaration, definition) -> bool:
    """Whether ``declaration`` (y ∈ ℝ^n, nearer) makes ``definition`` (y = sx + c, farther) another
    variable's: it does unless both are said in one formula (Λ = diag(λ_1, …) ∈ ℝ^{d×d}) or in one
    sentence ("$\\hat y = XW$, where … and $\\hat y \\in \\mathbb{R}^{N×1}$ the predictions": its size)."""
    if declaration is None:
        return False
    here, there = getattr(declaration.claim, "block", None), getattr(definition.claim, "block", None)
    if here is not None and here is there:
        return False
    if declaration.index == definition.index and 0 <= declaration.start - definition.end <= _SAME_SENTENCE:
        text = declaration.source.text[definition.end : declaration.start]
        if not SENTENCE_BREAK.search(text):
            return False
    return True


_SAME_SENTENCE = 240  # characters between a definition and a size said in its sentence
SENTENCE_BREAK = re.compile(r"[.。!！?？;；](?:\s|$)|\n\s*\n")
