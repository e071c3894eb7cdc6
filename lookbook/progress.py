"""What a long pipeline yields while it works, and how a caller runs one to its end.

Every long core operation (photo, catalog, customer and purchase imports, tying shots, rendering, exports, the
sender, building the demo) is a generator that yields :class:`Progress` and *returns* its result (a report).
A caller that only wants the result calls :func:`run_to_end`; one that shows progress passes ``on_progress``;
the app's worker passes its cancel event too. Nobody writes a ``while True: next(...)`` loop by hand.

A step that carries more than a progress bar needs (the file just imported and its outcome, a rendered photo,
a message sent) is a subclass that adds those fields, so a progress bar or log line reads any step alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

P = TypeVar("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` (units the pipeline names: files, rows, steps, bytes), and what is happening.

    ``total`` is 0 while the pipeline does not know yet how much there is to do.
    """

    done: int
    total: int
    message: str

    @property
    def fraction(self) -> float | None:
        """Return how far along the work is, from 0 to 1, or None while the total is unknown."""
        return min(self.done / self.total, 1.0) if self.total > 0 else None

    def line(self) -> str:
        """Return the step as a log line: ``[3/10] Importing IMG_0001.jpg``."""
        return f"[{self.done}/{self.total}] {self.message}"


class Cancelled(Exception):
    """Raised by :func:`run_to_end` when its ``cancel`` event was set before the pipeline finished."""


def run_to_end(steps: Generator[P, Any, R], on_progress: Callable[[P], object] | None = None, *,
               cancel: threading.Event | None = None) -> R:
    """Run a pipeline to its end and return what it returns, handing each step to ``on_progress``.

    :param cancel: checked before each step; once set, the generator is closed (its ``finally`` blocks run:
        pools shut down, files close, an open transaction rolls back) and :class:`Cancelled` is raised.
    """
    while True:
        if cancel is not None and cancel.is_set():
            steps.close()
            raise Cancelled
        try:
            step = next(steps)
        except StopIteration as finished:
            return finished.value
        if on_progress is not None:
            on_progress(step)


def relabel(steps: Generator[P, Any, R], convert: Callable[[P], Any]) -> Generator[Any, None, R]:
    """Yield ``convert(step)`` for each step of ``steps`` and return what ``steps`` returns.

    For a pipeline that runs another as one of its stages and reports its steps in its own terms.
    """
    try:
        while True:
            try:
                step = next(steps)
            except StopIteration as finished:
                return finished.value
            yield convert(step)
    finally:
        steps.close()  # when the outer pipeline is closed (cancelled), the inner one closes too
