"""Undo for edits: small QUndoCommands whose redo/undo apply a value through the core.

The window owns one QUndoStack (Edit ▸ Undo, Ctrl+Z). A command holds the value before
and after the edit and a function that saves a value (on the DB thread, through the
core); pushing the command saves the new value, undo saves the old one. Each save is
a normal core mutation, so it is audited and every page hears of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from lookbook.hooks import Changes
from lookbook.store.database import Store
from ui.workers import StoreRunner

#: Command ids; commands with the same id on the same object merge (QUndoCommand.mergeWith).
NUDGE_ID = 1001


class ValueCommand(QUndoCommand):
    """Set something to ``new``; undo sets it back to ``old``.

    :param text: shown in Edit ▸ Undo "<text>".
    :param apply: saves a value (called with ``new`` on redo, ``old`` on undo).
    :param key: what is edited (e.g. a photo id); consecutive nudges of one key merge.
    :param merge: let consecutive edits of the same key become one undo step (arrow-key nudges).
    """

    def __init__(self, text: str, apply: Callable[[Any], None], old: Any, new: Any, key: object = None,
                 merge: bool = False) -> None:
        super().__init__(text)
        self._apply = apply
        self.old = old
        self.new = new
        self.key = key
        self._merge = merge

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)

    def id(self) -> int:
        return NUDGE_ID if self._merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ValueCommand) or other.key != self.key or not other._merge:
            return False
        self.new = other.new
        return True


def set_order(store: Store, set_id: int) -> list[int]:
    """Return a set's shots (photo ids) in order."""
    # The set edits load with the first one: the Shoot page imports this module at launch for its own commands.
    from lookbook.lookbooks.sets import shot_order

    return shot_order(store, set_id)


def set_shots(store: Store, set_id: int, order: Sequence[int], actor: str) -> Changes:
    """Make a set hold exactly ``order`` (photo ids, in that order), through the core's own set edits.

    Each step is the core's audited edit (remove, add, reorder), all in one transaction.

    :raises InputError: if the set is locked by messages in flight, or a shot may no longer join it.
    """
    from lookbook.lookbooks.sets import add_to_set, remove_from_set, reorder_set

    members = set_order(store, set_id)
    with store.atomic():
        gone = [p for p in members if p not in order]
        if gone:
            remove_from_set(store, set_id, gone, actor)
        missing = [p for p in order if p not in members]
        if missing:
            add_to_set(store, set_id, missing, actor)
        if order:
            reorder_set(store, set_id, list(order), actor)
    return Changes(sets=True)


class SetEditCommand(QUndoCommand):
    """An edit of a set's shots (add, remove, move); undo puts the shots back as they were.

    The first redo runs ``edit`` (a core function called as ``edit(store)`` on the DB thread) and
    notes the order it left; later redos and undos restore one order or the other with
    :func:`set_shots`. If the edit itself fails, the command becomes obsolete (Qt drops it).

    :param old_order: the set's shots before the edit, as shown.
    :param on_failure: called on the UI thread with the exception if a step fails.
    """

    def __init__(self, text: str, db: StoreRunner, set_id: int, old_order: Sequence[int],
                 edit: Callable[[Store], object], actor: str, on_failure: Callable[[BaseException], None]) -> None:
        super().__init__(text)
        self._db = db
        self.set_id = set_id
        self.old_order = list(old_order)
        self.new_order: list[int] | None = None
        self._edit: Callable[[Store], object] | None = edit
        self._actor = actor
        self._on_failure = on_failure

    def redo(self) -> None:
        if self._edit is not None:
            edit, self._edit = self._edit, None

            def work(store: Store) -> list[int]:
                edit(store)
                return set_order(store, self.set_id)

            self._db.run(work, on_done=self._edited, on_failure=self._edit_failed)
        elif self.new_order is not None:
            self._db.run(set_shots, self.set_id, self.new_order, self._actor, on_failure=self._on_failure)

    def undo(self) -> None:
        self._db.run(set_shots, self.set_id, self.old_order, self._actor, on_failure=self._on_failure)

    def _edited(self, order: list[int]) -> None:
        self.new_order = order

    def _edit_failed(self, exc: BaseException) -> None:
        self.setObsolete(True)  # nothing happened: there is nothing to undo
        self._on_failure(exc)


class PresetEditCommand(QUndoCommand):
    """An edit of a style preset's settings or name; undo stores the settings it had before.

    ``save(preset_id, value, expected, on_done, on_failure)`` stores ``value`` through the core (on the
    DB thread) if the preset still holds ``expected``, so an undo never overwrites an edit made since, or
    a preset that was deleted. ``on_done`` and ``on_failure`` are the caller's for the first save; if
    that save fails the command becomes obsolete (there is nothing to undo). Later failures go to
    ``on_later_failure``.
    """

    def __init__(self, text: str, save: Callable[..., None], preset_id: int, old: Any, new: Any,
                 on_done: Callable[[Any], None] | None, on_failure: Callable[[BaseException], None],
                 on_later_failure: Callable[[BaseException], None]) -> None:
        super().__init__(text)
        self._save = save
        self.preset_id = preset_id
        self.old = old
        self.new = new
        self._first: tuple[Callable[[Any], None] | None, Callable[[BaseException], None]] | None = (
            on_done, on_failure)
        self._on_later_failure = on_later_failure

    def redo(self) -> None:
        if self._first is not None:
            on_done, on_failure = self._first
            self._first = None

            def failed(exc: BaseException) -> None:
                self.setObsolete(True)
                on_failure(exc)

            self._save(self.preset_id, self.new, self.old, on_done, failed)
        else:
            self._save(self.preset_id, self.new, self.old, None, self._on_later_failure)

    def undo(self) -> None:
        if self.isObsolete():
            return  # the first save failed: nothing was stored, so nothing is undone
        self._save(self.preset_id, self.old, self.new, None, self._on_later_failure)
