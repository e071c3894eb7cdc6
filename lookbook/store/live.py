"""Seeing what other connections committed: another window, the command line, a send run.

Every mutation made through a :class:`~lookbook.store.database.Store` tells that store's hooks what it changed
(:meth:`Store.notify`). A commit made by *another* connection to the same file (a second window, ``lookbook
outbox approve`` in a terminal, a send run on the network thread with its own connection) tells nobody here.
:class:`ChangeWatcher` closes that gap: its :meth:`~ChangeWatcher.poll` asks SQLite for ``PRAGMA
data_version``, a counter that moves only when another connection committed, which costs a few microseconds
and reads no table, and when it moved turns the commit into the same :class:`~lookbook.hooks.Changes` event a
mutation of this store fires.

Which parts changed is read from the audit log: nearly every mutation writes one row there in its own
transaction, and its action's first word says the part (``message.approve`` is the outbox). A commit that left
no audit row (a library setting, a preset) is reported as a change of every part, since nothing says which.
"""

from __future__ import annotations

import logging
import sqlite3

from lookbook.hooks import Changes
from lookbook.store.database import Store

log = logging.getLogger(__name__)

#: The part of the library an audit action's first word (``message`` of ``message.approve``) belongs to.
AREAS: dict[str, tuple[str, ...]] = {
    "photo": ("photos",),
    "preset": ("photos", "settings"),
    "recipe": ("photos",),
    "catalog": ("products",),
    "product": ("products",),
    "brand": ("products",),
    "stock": ("products",),
    "customer": ("customers",),
    "consent": ("customers",),
    "purchase": ("customers",),
    "set": ("sets", "outbox"),
    "message": ("outbox",),
    "outbox": ("outbox",),
    "reply": ("outbox", "customers"),
    "delivery": ("outbox", "settings"),
    "template": ("settings",),
    "settings": ("settings",),
    "user": ("users",),
}
#: A commit whose audit rows say nothing known: every part may have changed.
EVERYTHING = Changes(photos=True, products=True, customers=True, sets=True, outbox=True, users=True,
                     settings=True, audit=True)


def data_version(store: Store) -> int:
    """Return SQLite's ``data_version`` of the store's connection (it moves when another connection commits)."""
    return int(store.db.execute("PRAGMA data_version").fetchone()[0])


def changes_of(actions: list[str]) -> Changes:
    """Return the parts of the library that audit ``actions`` (e.g. ``["message.approve"]``) changed.

    An empty list means a commit without an audit row, and an unknown action a part this module does not know:
    both are reported as :data:`EVERYTHING`, so a page shows too much again rather than too little.
    """
    if not actions:
        return EVERYTHING
    parts: set[str] = {"audit"}
    for action in actions:
        areas = AREAS.get(action.split(".", 1)[0])
        if areas is None:
            return EVERYTHING
        parts.update(areas)
    return Changes(**dict.fromkeys(parts, True))


class ChangeWatcher:
    """Turns commits by other connections to a store's file into that store's change events.

    Use it on the thread that owns the store (SQLite connections are not shared between threads), a few
    times a second: :meth:`poll` costs one pragma when nothing happened.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._version = data_version(store)
        self._audit_id = self._last_audit_id()

    def _last_audit_id(self) -> int:
        return int(self.store.db.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0])

    @classmethod
    def start(cls, store: Store) -> ChangeWatcher | None:
        """Return a watcher for ``store``, or None where the file cannot be watched (a damaged file opened for
        reading only: no live updates, nothing worse)."""
        try:
            return cls(store)
        except sqlite3.Error:
            log.debug("cannot watch the library", exc_info=True)
            return None

    def poll(self) -> Changes:
        """Fire and return the :class:`Changes` other connections committed since the last poll (empty if none,
        and empty when the file is busy or closed under us: the next poll looks again)."""
        try:
            return self._poll()
        except sqlite3.Error:
            log.debug("watching the library failed", exc_info=True)
            return Changes()

    def _poll(self) -> Changes:
        conn = self.store.db.conn
        if conn.in_transaction:
            return Changes()  # our own write is under way; its commit is looked at next time
        version = data_version(self.store)
        if version == self._version:
            return Changes()
        self._version = version
        rows = self.store.db.execute("SELECT id, action FROM audit_log WHERE id > ? ORDER BY id",
                                     [self._audit_id]).fetchall()
        if rows:
            self._audit_id = rows[-1][0]
        # Rows this store wrote itself come along (their own events already fired): a page reloads once more.
        return self.store.notify(changes_of([action for _id, action in rows]))
