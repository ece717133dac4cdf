"""A cooperative stop for one request's work: a deadline and a cancel flag.

A Python thread cannot be killed, so long work (a search, an answer, a write) checks its
``Budget`` between steps and stops there with ``Stopped``. Whoever started the work (the
HTTP layer) cancels the budget when the client has gone or the time is up; a write that stops
this way has committed nothing, so the index is left as it was.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Protocol


class Stopped(RuntimeError):
    """The work was stopped before it finished: out of time, or nobody is waiting for it."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a write process intact
        return _stopped, (str(self), self.timed_out)


def _stopped(message: str, timed_out: bool) -> Stopped:
    return Stopped(message, timed_out=timed_out)


class Flag(Protocol):
    def set(self) -> None: ...

    def is_set(self) -> bool: ...


class Budget:
    """``seconds`` of wall-clock time from now (``None``: no deadline), and a cancel flag
    (a ``threading.Event``, or a ``multiprocessing`` one set from another process)."""

    def __init__(self, seconds: float | None = None, *, flag: Flag | None = None) -> None:
        self.seconds = seconds
        self.deadline = math.inf if seconds is None else time.monotonic() + seconds
        self._cancelled: Flag = flag if flag is not None else threading.Event()
        self._reason = "cancelled"

    def cancel(self, reason: str) -> None:
        self._reason = reason
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def check(self, step: str) -> None:
        """Raise ``Stopped`` if the work should not go on past ``step``."""
        if self._cancelled.is_set():
            raise Stopped(f"stopped before {step}: {self._reason}", timed_out=False)
        if time.monotonic() >= self.deadline:
            raise Stopped(
                f"stopped before {step}: the request used up its {self.seconds:g} s time "
                "budget", timed_out=True,
            )


def checkpoint(budget: Budget | None, step: str) -> None:
    """``budget.check(step)``; work started without a budget (CLI, evaluation) never stops."""
    if budget is not None:
        budget.check(step)
