"""The library's SQLite connection, made to explain the file's own troubles in words a person can act on.

SQLite reports a busy, read-only, full or damaged file as a bare ``OperationalError``
(``database is locked``, ``attempt to write a readonly database``, ``database or disk
is full``, ``database disk image is malformed``). :class:`GuardedConnection` turns
those into :mod:`lookbook.errors` subclasses whose one-line message names the file and
says what to do, and can refuse every write with a given message (a damaged or
read-only library stays readable). It also records who holds the write lock, so a
second writer that gave up waiting can say who it waited for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lookbook.errors import (
    DiskFullError,
    LibraryBusyError,
    LibraryDamagedError,
    LibraryError,
    LibraryReadOnlyError,
)

#: How long a writer waits for another's write lock before giving up (ms); ``$LOOKBOOK_BUSY_TIMEOUT_MS`` overrides.
BUSY_TIMEOUT_MS = 30_000

# SQLite's primary result codes (the low byte of ``sqlite_errorcode``).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL = 5, 6, 8, 10, 11, 13
SQLITE_AUTH, SQLITE_NOTADB = 23, 26

# Authorizer action codes that change the main database (temp tables stay allowed: reading
# commands such as an export may stage rows there).
_WRITE_ACTIONS = {
    sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_CREATE_INDEX,
    sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_CREATE_TRIGGER, sqlite3.SQLITE_CREATE_VIEW,
    sqlite3.SQLITE_DROP_INDEX, sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_DROP_TRIGGER, sqlite3.SQLITE_DROP_VIEW,
    sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_ANALYZE, sqlite3.SQLITE_CREATE_VTABLE,
    sqlite3.SQLITE_DROP_VTABLE,
}


def busy_timeout_ms() -> int:
    """Return the busy timeout to use, from ``$LOOKBOOK_BUSY_TIMEOUT_MS`` or :data:`BUSY_TIMEOUT_MS`."""
    try:
        return max(0, int(os.environ.get("LOOKBOOK_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)))
    except ValueError:
        return BUSY_TIMEOUT_MS


def primary_code(exc: BaseException) -> int | None:
    """Return SQLite's primary result code of ``exc``, or None if it carries none."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


# -- who holds the write lock ---------------------------------------------------------


def writer_info_path(db_path: Path) -> Path:
    """Return the file that names the process holding ``db_path``'s write lock."""
    return db_path.with_name(db_path.name + ".writer")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists, it is just someone else's
    return True


def record_writer(db_path: Path) -> None:
    """Say who holds the write lock (called once the lock is taken); best effort, never fails a write."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    info = {"pid": os.getpid(), "user": user, "host": socket.gethostname(),
            "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:])[:200],
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with contextlib.suppress(OSError):
        writer_info_path(db_path).write_text(json.dumps(info), encoding="utf-8")


def clear_writer(db_path: Path) -> None:
    """Remove the lock-holder record if it is this process's."""
    path = writer_info_path(db_path)
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()


def describe_writer(db_path: Path) -> str:
    """Return who holds ``db_path``'s write lock, as words, from its record (or that nobody recorded it)."""
    try:
        info = json.loads(writer_info_path(db_path).read_text(encoding="utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return "another program (it did not say who)"
    if info.get("host") == socket.gethostname() and not _pid_alive(pid):
        return f"another program (the last recorded writer, process {pid:d}, has ended)"
    return (f"process {pid} of {info.get('user', '?')} on {info.get('host', '?')} "
            f"(`{info.get('command', '?')}`), writing since {info.get('since', '?')}")


# -- the connection -----------------------------------------------------------------------


class GuardedConnection(sqlite3.Connection):
    """A connection whose file-level errors become :class:`~lookbook.errors.LibraryError` subclasses.

    ``db_path`` names the file in messages; :meth:`refuse_writes` makes every write to the main
    database fail with a given error, before it touches the file.
    """

    db_path: Path = Path("library.db")
    #: The error every write raises (damaged or read-only library), or None.
    refusal: LibraryError | None = None
    #: Called to word the damage message (it names the newest backup); set by the store.
    damage_message: Callable[[str], str] | None = None

    def refuse_writes(self, error: LibraryError) -> None:
        """From now on refuse every change to the main database with ``error``."""
        self.refusal = error

        def authorize(action: int, arg1: Any, arg2: Any, dbname: Any, source: Any) -> int:
            if dbname == "temp":
                return sqlite3.SQLITE_OK
            if action in _WRITE_ACTIONS:
                return sqlite3.SQLITE_DENY
            if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and arg1 not in (
                    "busy_timeout", "foreign_keys", "query_only", "quick_check", "integrity_check",
                    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
                    "foreign_key_list", "foreign_key_check", "max_page_count", "cache_size", "temp_store"):
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK

        self.set_authorizer(authorize)

    def explain(self, exc: sqlite3.Error) -> LibraryError | None:
        """Return the error a person should see for ``exc``, or None to let it through as it is."""
        return explain(exc, self.db_path, refusal=self.refusal, damage_message=self.damage_message)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            better = self.explain(exc)
            if better is None:
                raise
            raise better from exc

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            better = self.explain(exc)
            if better is None:
                raise
            raise better from exc


def explain(exc: BaseException, db_path: Path, *, refusal: LibraryError | None = None,
            damage_message: Callable[[str], str] | None = None) -> LibraryError | None:
    """Return a one-line, actionable :class:`LibraryError` for a SQLite error about the file, else None.

    :param refusal: the error to give for a write the connection refused (authorizer denial).
    :param damage_message: words the damage, given SQLite's own words (defaults to a generic message).
    """
    if not isinstance(exc, sqlite3.Error):
        return None
    code = primary_code(exc)
    text = str(exc)
    if refusal is not None and (code == SQLITE_AUTH or "not authorized" in text or code == SQLITE_READONLY):
        return refusal
    if code == SQLITE_FULL or "disk is full" in text:
        return DiskFullError(f"the disk holding {db_path.parent} is full; free space and retry; nothing was saved.")
    if code == SQLITE_IOERR or "disk I/O error" in text:
        # SQLite says FULL only for ENOSPC; a file-size limit or a failing disk is an I/O error.
        return DiskFullError(f"writing {db_path} failed ({text}): the disk holding it may be full, over a size "
                             "limit, removed or failing; free space or check the disk and retry; nothing was saved.")
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text:
        waited = busy_timeout_ms() / 1000
        return LibraryBusyError(
            f"{db_path}: busy — {describe_writer(db_path)} holds its write lock and did not let go within "
            f"{waited:g} s; nothing was saved. Try again when it has finished (or set $LOOKBOOK_BUSY_TIMEOUT_MS "
            "to wait longer).")
    if code == SQLITE_READONLY:
        return LibraryReadOnlyError(read_only_message(db_path, text))
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text:
        words = damage_message(text) if damage_message else (
            f"{db_path.name} is damaged ({text}); nothing was changed. Run `lookbook check` for details and "
            "`lookbook restore` to put back the newest backup.")
        return LibraryDamagedError(words)
    return None


def read_only_message(db_path: Path, why: str) -> str:
    """Return the message for a change refused because the library cannot be written."""
    return (f"{db_path.parent}: the library folder is read-only ({why}); reading works but changes are refused. "
            "Make the folder and library.db writable, or copy the library somewhere you can write.")


def writable_problem(db_path: Path) -> str | None:
    """Return why ``db_path`` (or its folder, which SQLite needs for its journal) cannot be written, or None."""
    folder = db_path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not writable"
    if db_path.exists() and not os.access(db_path, os.W_OK):
        return f"{db_path.name} is not writable"
    return None
