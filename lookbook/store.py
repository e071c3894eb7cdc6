"""Opening a library's database: pragmas, migrations, backups, and the :class:`Store`.

A :class:`Store` wraps one SQLite connection and must be used on the thread that
opened it (the app keeps it on a single database worker thread).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from lookbook.errors import LibraryError, LibraryTooNewError
from lookbook.hooks import Changes, Hooks
from lookbook.library import Library, create_private_file, make_private
from lookbook.migrations import migrations


def utcnow() -> str:
    """Return the current UTC time as ISO-8601 text, as every timestamp in the store is kept."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """An open library: its folder, its database and its hooks."""

    def __init__(self, library: Library, db: Database, hooks: Hooks | None = None) -> None:
        self.library = library
        self.db = db
        self.hooks = hooks or Hooks()

    # -- changes -----------------------------------------------------------------
    def notify(self, changes: Changes) -> Changes:
        """Tell subscribers what a committed mutation changed; return ``changes``."""
        if changes:
            self.hooks.library_did_change(changes)
        return changes

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """Group writes into one transaction (nested blocks become savepoints)."""
        with self.db.atomic() as db:
            yield db

    # -- audit -------------------------------------------------------------------
    def audit(self, actor: str, action: str, entity: str, entity_id: object = None, **detail: Any) -> None:
        """Append one entry to the append-only audit log."""
        self.db.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [utcnow(), actor, action, entity, None if entity_id is None else str(entity_id),
             json.dumps(detail, sort_keys=True, default=str)],
        )

    # -- settings ----------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        """Return a library setting (stored as JSON), or ``default``."""
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> Changes:
        """Store a library setting as JSON."""
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, json.dumps(value)],
        )
        return self.notify(Changes(settings=True))

    # -- facts -------------------------------------------------------------------
    def schema_version(self) -> int:
        """Return the number of migrations applied to this library."""
        return len(migrations.applied(self.db))

    def counts(self) -> dict[str, int]:
        """Return how many rows the main tables hold, for status bars and `lookbook info`."""
        tables = {"photos": "photos", "products": "products", "brands": "brands",
                  "customers": "customers", "sets": "sets", "messages": "messages", "users": "users"}
        return {label: self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for label, table in tables.items()}

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()


def _connect(path: Path | str) -> Database:
    try:
        conn = sqlite3.connect(str(path))
        # Any read fails fast on a file that is not SQLite ("file is not a database").
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise LibraryError(
            f"{path}: not a Lookbook library database ({exc}). Move the file aside or choose another library."
        ) from exc
    db = Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    return db


def _check_not_too_new(db: Database, path: Path | str) -> None:
    known = {m.name for m in migrations._migrations}
    unknown = [m.name for m in migrations.applied(db) if m.name not in known]
    if unknown:
        raise LibraryTooNewError(
            f"{path}: this library was written by a newer Lookbook Studio (it has schema change "
            f"'{unknown[-1]}' this version does not know). Update Lookbook Studio to open it; "
            "nothing in the library was changed."
        )


def _backup(db: Database, library: Library) -> Path:
    library.backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = library.backups_dir / f"lookbook_{stamp}.db"
    n = 1
    while target.exists():
        target = library.backups_dir / f"lookbook_{stamp}_{n}.db"
        n += 1
    make_private(library.backups_dir)
    create_private_file(target)  # a copy of the customer book: the owner's only, from its first byte
    # The backup API copies a consistent snapshot, WAL contents included.
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    return target


def migrate(db: Database) -> None:
    """Apply pending migrations and record the schema version in ``user_version``."""
    migrations.apply(db)
    db.execute(f"PRAGMA user_version = {len(migrations.applied(db))}")


def open_store(library: Library, hooks: Hooks | None = None) -> Store:
    """Open an existing library, backing it up and migrating it if this build is newer.

    :raises LibraryError: if the file is not a database or cannot be written.
    :raises LibraryTooNewError: if a newer Lookbook Studio wrote it.
    """
    if not library.exists():
        raise LibraryError(f"{library.root}: not a Lookbook library (no library.db in it).")
    db = _connect(library.db_path)
    try:
        _check_not_too_new(db, library.db_path)
        pending = migrations.pending(db)
        if pending:
            if migrations.applied(db):
                _backup(db, library)
            migrate(db)
        db.execute("PRAGMA journal_mode = WAL")
        library.ensure_folders()
    except sqlite3.OperationalError as exc:
        db.close()
        raise LibraryError(
            f"{library.db_path}: cannot be opened for writing ({exc}). Check the folder's permissions and free space."
        ) from exc
    except BaseException:
        db.close()
        raise
    return Store(library, db, hooks)


def create_store(path: Path | str, hooks: Hooks | None = None) -> Store:
    """Create a new library at ``path`` and open it.

    :raises LibraryError: if a library is already there or the place is not writable.
    """
    library = Library.prepare_new(path)
    try:
        create_private_file(library.db_path)  # SQLite would make it readable by all (umask 022)
    except OSError as exc:
        raise LibraryError(f"{library.db_path}: cannot be created ({exc.strerror}).") from exc
    db = _connect(library.db_path)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        migrate(db)
    except BaseException:
        db.close()
        library.db_path.unlink(missing_ok=True)
        raise
    return Store(library, db, hooks)


def memory_store(root: Path, hooks: Hooks | None = None) -> Store:
    """Return a migrated in-memory store whose files live under ``root`` (for tests)."""
    library = Library(Path(root))
    library.ensure_folders()
    db = Database(memory=True)
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return Store(library, db, hooks)
