"""Undo for edits: small QUndoCommands whose redo/undo apply a value through the core.

The window owns one QUndoStack (Edit ▸ Undo, Ctrl+Z). A command holds the value before
and after the edit and a function that saves a value (on the DB thread, through the
core); pushing the command saves the new value, undo saves the old one. Each save is
a normal core mutation, so it is audited and every page hears of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

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
