"""Plain-Python hooks and the change record every mutation returns.

The UI learns of changes by appending a callback to a hook when a widget is built
and removing it when the widget closes, the way Anki's ``gui_hooks`` work, but
written by hand. Hooks are owned by a :class:`Hooks` object that ``main.py``
creates and passes to the store: there is no module-level registry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Generic, ParamSpec

P = ParamSpec("P")
log = logging.getLogger(__name__)


class Hook(Generic[P]):
    """A list of callbacks run in order; one that raises is logged and skipped."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[P, object]] = []

    def append(self, callback: Callable[P, object]) -> None:
        """Subscribe ``callback``; appending it twice has no further effect."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def remove(self, callback: Callable[P, object]) -> None:
        """Unsubscribe ``callback`` if it is subscribed."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def count(self) -> int:
        """Return how many callbacks are subscribed."""
        return len(self._callbacks)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        # Copy first: a callback may unsubscribe itself while we iterate.
        for callback in list(self._callbacks):
            try:
                callback(*args, **kwargs)
            except Exception:  # a broken subscriber must not undo a committed change
                log.exception("hook %s: callback %r failed", self.name, callback)


@dataclass(frozen=True)
class Changes:
    """What a mutation changed, so that views refresh only what they show."""

    photos: bool = False
    products: bool = False
    customers: bool = False
    sets: bool = False
    outbox: bool = False
    users: bool = False
    settings: bool = False
    audit: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def names(self) -> list[str]:
        """Return the names of the parts that changed."""
        return [f.name for f in fields(self) if getattr(self, f.name)]


class Hooks:
    """The hooks of one open library."""

    def __init__(self) -> None:
        #: Run after any committed mutation, with its :class:`Changes`.
        self.library_did_change: Hook[[Changes]] = Hook("library_did_change")
        #: Run after a batch of photos was imported, with the new photo ids.
        self.photos_did_import: Hook[[list[int]]] = Hook("photos_did_import")
        #: Run when the outbox changed state (a message sent, failed, approved...).
        self.outbox_did_change: Hook[[list[int]]] = Hook("outbox_did_change")
