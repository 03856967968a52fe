"""A time budget per claim: checking that runs past it stops at the next safe point, and the claim is undecided ("too large to check").

The check is cooperative: ``truth.analyse_claims`` opens a budget around each claim (``start``,
``stop``), and the evaluators call ``tick`` at safe points (each node the numeric or exact
evaluator visits, each node whose shape is inferred, each numeric draw). ``tick`` reads the
clock only once every ``_EVERY`` calls, so it costs a counter increment; past the deadline it
raises ``OverBudget``. ``OverBudget`` is a ``BaseException``: the ``except Exception`` guards of
the check (a context bug, a sympy refusal) must not swallow it and carry on with a partial
result. No signals, no threads: a budget works in any process, worker or not. The clock is the
process's CPU time, so that a machine busy with other work does not make a claim undecided.
Outside a budget (``start`` not called, or after ``stop``) ``tick`` never raises.
"""

from __future__ import annotations

import sys
import time

BUDGET_SECONDS = 0.25  # CPU seconds one claim may take
REASON = "too large to check (over the {seconds:g} s budget of a claim)"
_EVERY = 64  # ticks between two readings of the clock

_clock = time.process_time
_deadline: float | None = None  # set at the first reading of the clock after start
_open = False
_seconds = BUDGET_SECONDS
_modules = 0  # len(sys.modules) when the budget was opened or last extended
_count = 0


class OverBudget(BaseException):
    """A claim ran past its time budget (raised by ``tick``; caught where the budget was opened)."""

    def __init__(self, seconds: float = BUDGET_SECONDS):
        reason = REASON.format(seconds=seconds)
        super().__init__(reason)
        self.reason = reason


def start(seconds: float | None = None) -> None:
    """Open a budget of ``seconds`` (default BUDGET_SECONDS) of CPU time, replacing any open one.
    The clock is first read at the ``_EVERY``-th tick (reading it costs up to 10 µs on a busy
    machine; most claims never tick that often), so the budget counts from there."""
    global _deadline, _count, _seconds, _modules, _open
    _seconds = BUDGET_SECONDS if seconds is None else seconds
    _deadline, _modules, _count, _open = None, len(sys.modules), 0, True


def stop() -> None:
    """Close the budget: ``tick`` no longer raises."""
    global _open
    _open = False


def tick() -> None:
    """A safe point: raise ``OverBudget`` when the open budget has run out (the clock is read
    once every ``_EVERY`` calls)."""
    global _count
    _count += 1
    if _count % _EVERY == 0 and _open:
        check()


def check() -> None:
    """A safe point before a step that may be long on its own (a sympy call): reads the clock now."""
    global _deadline, _modules
    if not _open:
        return
    now = _clock()
    if _deadline is None:
        _deadline = now + _seconds
    elif now > _deadline:
        if len(sys.modules) != _modules:
            # modules were imported meanwhile (numpy or sympy on first use, once per process):
            # their time is not the claim's, start afresh
            _modules = len(sys.modules)
            _deadline = now + _seconds
            return
        raise OverBudget(_seconds)


__all__ = ["BUDGET_SECONDS", "REASON", "OverBudget", "start", "stop", "tick", "check"]
