"""A time budget per claim: checking that runs past it stops at the next safe point, and the claim is undecided ("too large to check").

The check is cooperative: ``truth.analyse_claims`` opens a budget around each claim (``start``,
``stop``), and the evaluators call ``tick`` at safe points (each node the numeric or exact
evaluator visits, each node whose shape is inferred, each numeric draw). ``start`` reads the clock, and ``tick`` reads it
only once every ``_EVERY`` calls, so it costs a counter increment; past the deadline it
raises ``OverBudget``. ``OverBudget`` is a ``BaseException``: the ``except Exception`` guards of
the check (a context bug, a sympy refusal) must not swallow it and carry on with a partial
result. No signals, no threads: a budget works in any process, worker or not. The clock is the
process's CPU time, so that a machine busy with other work does not make a claim undecided.
Outside a budget (``start`` not called, or after ``stop``) ``tick`` never raises.

The claims of one note also share a budget (``open_note``, ``close_note``): NOTE_SECONDS plus
NOTE_PER_CLAIM for each claim. A claim's own budget is what is left of it when less than
BUDGET_SECONDS, so that a note of a few claims that each take nearly their 0.25 s (a product of
thousands of letters substituted into every claim) costs a bounded time per claim on the whole,
not 0.25 s per claim. The real notes of the corpus use at most a third of theirs (0.40 s of truth
for 459 claims of a budget of 0.96 s, the most); a claim that gets no time left is undecided with NOTE_REASON.
"""

from __future__ import annotations

import gc
import sys
import time

BUDGET_SECONDS = 0.25  # CPU seconds one claim may take
REASON = "too large to check (over the {seconds:g} s budget of a claim)"
_EVERY = 64  # ticks between two readings of the clock
NOTE_SECONDS = 0.5  # CPU seconds the claims of one note share …
NOTE_PER_CLAIM = 0.001  # … and this much more for each of its claims
NOTE_REASON = "too large to check (the claims of this note are over their shared budget of {seconds:g} s)"

# A note is read up to a budget of claims, in reading order (``engine.check_text``): a count, so
# the same note always gets the same answer, on any machine. The math blocks after the one that
# reaches it are not parsed, checked or given to the rules: each is listed, undecided, with
# NOTE_CLAIMS_REASON, and counted in the run's summary. The budget is NOTE_CLAIMS less
# NOTE_CLAIMS_PER_MILLION for each million characters of the note's file (a notebook's JSON, all
# the files of a LaTeX document), never below
# NOTE_CLAIMS_FLOOR (``note_claims``): reading the text is work too (0.1-0.8 s per million
# characters, the most for many short paragraphs), and a claim costs about 1 ms, so that a note
# of any size is read and checked in about 2 s of CPU plus 0.5 s per million characters past the
# first (issue 14: at most 2 s per MB and 400 MB for a note of 1 MB to 10 MB dense with claims).
# The largest real note of the corpus holds 519 claims in 55 KB (budget 1,923); the 493 real
# notes hold 26,293 claims in 30 MB (0.9 per KB), none more than 35 % of its budget. A note as dense as the densest real writing
# (9 claims per KB) reaches the budget at about 190 KB, one of generated identities (a claim every
# 45 bytes) at about 85 KB.
NOTE_CLAIMS = 2_000
NOTE_CLAIMS_PER_MILLION = 1_400
NOTE_CLAIMS_FLOOR = 600


def note_claims(characters: int) -> int:
    """The budget of claims of a note whose text is ``characters`` long."""
    return max(NOTE_CLAIMS_FLOOR, NOTE_CLAIMS - NOTE_CLAIMS_PER_MILLION * characters // 1_000_000)


NOTE_CLAIMS_REASON = "note too large: only its first {claims:,} claims are checked; this math after them is not read"

_clock = time.process_time
_deadline: float | None = None  # set by start
_started = 0.0  # the clock when the open budget started (or was extended)
_open = False
_seconds = BUDGET_SECONDS
_modules = 0  # len(sys.modules) when the budget was opened or last extended
_count = 0
_note_left: float | None = None  # CPU seconds left to the claims of the open note (None: no note open)
_note_total = 0.0
_pooled = False  # whether the open claim's budget is what was left of the note's
_gc_began: float | None = None  # the clock when the running garbage collection started
_gc_spent = 0.0  # seconds the collector took while the open budget ran: not the claim's


class OverBudget(BaseException):
    """A claim ran past its time budget (raised by ``tick``; caught where the budget was opened)."""

    def __init__(self, seconds: float = BUDGET_SECONDS, note: float | None = None):
        reason = REASON.format(seconds=seconds) if note is None else NOTE_REASON.format(seconds=note)
        super().__init__(reason)
        self.reason = sys.intern(reason)  # one text for every claim of a note over its budget, which each keeps


def start(seconds: float | None = None) -> None:
    """Open a budget of ``seconds`` (default BUDGET_SECONDS) of CPU time, replacing any open one,
    counted from now (a reading of the clock, about 2 µs: a claim may spend much before its
    64th tick, a product of thousands of letters substituted, and that time is the claim's)."""
    global _deadline, _count, _seconds, _modules, _open, _pooled, _started, _gc_spent
    _seconds = BUDGET_SECONDS if seconds is None else seconds
    _pooled = _note_left is not None and _note_left < _seconds
    if _pooled:
        _seconds = max(0.0, _note_left)
    _started = _clock()
    _deadline, _modules, _open, _gc_spent = _started + _seconds, len(sys.modules), True, 0.0
    _count = _EVERY - 1 if _seconds <= 0 else 0  # nothing left of the note's: the first tick stops the claim


def stop() -> None:
    """Close the budget: ``tick`` no longer raises. The time the claim took is taken from the
    note's budget."""
    global _open, _note_left
    if _open and _note_left is not None:
        _note_left -= _clock() - _started - _gc_spent
    _open = False


def _collected(phase: str, info: dict) -> None:
    """gc callback: the time a garbage collection takes while a budget is open moves its
    deadline on. The collector's pauses depend on everything the process holds (a long test
    run, a big note), not on the claim, so they must not make a claim undecided."""
    global _gc_began, _deadline, _gc_spent
    if phase == "start":
        _gc_began = _clock()
    elif _gc_began is not None:
        spent, _gc_began = _clock() - _gc_began, None
        if _open:
            _deadline += spent
            _gc_spent += spent


gc.callbacks.append(_collected)


def open_note(claims: int) -> None:
    """Open the budget the claims of one note share: NOTE_SECONDS + NOTE_PER_CLAIM per claim."""
    global _note_left, _note_total
    _note_left = _note_total = NOTE_SECONDS + NOTE_PER_CLAIM * claims


def close_note() -> None:
    """Close the note's budget: claims budgeted after it have their own BUDGET_SECONDS only."""
    global _note_left
    _note_left = None


def tick() -> None:
    """A safe point: raise ``OverBudget`` when the open budget has run out (the clock is read
    once every ``_EVERY`` calls)."""
    global _count
    _count += 1
    if _count % _EVERY == 0 and _open:
        check()


def check() -> None:
    """A safe point before a step that may be long on its own (a sympy call): reads the clock now."""
    global _deadline, _modules, _started, _gc_spent
    if not _open:
        return
    now = _clock()
    if now >= _deadline:
        if len(sys.modules) != _modules:
            # modules were imported meanwhile (numpy or sympy on first use, once per process):
            # their time is not the claim's, start afresh
            _modules = len(sys.modules)
            _deadline, _started, _gc_spent = now + _seconds, now, 0.0
            return
        raise OverBudget(_seconds, _note_total if _pooled else None)


__all__ = ["BUDGET_SECONDS", "NOTE_CLAIMS", "NOTE_CLAIMS_FLOOR", "NOTE_CLAIMS_PER_MILLION", "NOTE_CLAIMS_REASON", "NOTE_PER_CLAIM", "NOTE_REASON", "NOTE_SECONDS", "REASON", "OverBudget", "check",
           "close_note", "note_claims", "open_note", "start", "stop", "tick"]
