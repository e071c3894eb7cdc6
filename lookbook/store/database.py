"""Opening a library's database: pragmas, migrations, backups, and the :class:`Store`.

A :class:`Store` wraps one SQLite connection and must be used on the thread that
opened it (the app keeps it on a single database worker thread).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lookbook.errors import (
    LibraryDamagedError,
    LibraryError,
    LibraryReadOnlyError,
    LibraryTooNewError,
    LookbookError,
)
from lookbook.hooks import Changes, Hooks
from lookbook.store import backups, integrity, netfs
from lookbook.store.guard import (
    GuardedConnection,
    busy_timeout_ms,
    clear_writer,
    explain,
    read_only_message,
    record_writer,
    writable_problem,
)
from lookbook.store.library import Library, create_private_file
from lookbook.store.migrations import migrations
from lookbook.store.sqlitedb import Database

log = logging.getLogger(__name__)


def utcnow() -> str:
    """Return the current UTC time as ISO-8601 text, as every timestamp in the store is kept."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """Return the id of the row an INSERT just made (sqlite3 types ``lastrowid`` as maybe None)."""
    row_id = cursor.lastrowid
    if row_id is None:
        raise RuntimeError("the statement inserted no row")
    return row_id


class Store:
    """An open library: its folder, its database and its hooks."""

    def __init__(self, library: Library, db: Database, hooks: Hooks | None = None) -> None:
        self.library = library
        self.db = db
        self.hooks = hooks or Hooks()
        #: Why the library's database is damaged (SQLite's words), or None; writes are refused while set.
        self.damaged: str | None = None
        #: Why the library cannot be written (read-only file or folder), or None; writes are refused while set.
        self.read_only: str | None = None
        #: Warnings found at open (damage, a broken audit chain), one line each, for the CLI and the app.
        self.warnings: list[str] = []
        #: The file whose write lock :meth:`atomic` records the holder of (None in memory).
        self._db_path: Path | None = None
        self._audit_at_open: int | None = None
        #: When the file last passed quick_check (carried over while only Lookbook changes it).
        self._checked_at: dt.datetime | None = None
        integrity.install_functions(db.conn)

    @property
    def writable(self) -> bool:
        """Return whether changes are allowed (the library is neither damaged nor read-only)."""
        return self.damaged is None and self.read_only is None

    # -- changes -----------------------------------------------------------------
    def notify(self, changes: Changes) -> Changes:
        """Tell subscribers what a committed mutation changed; return ``changes``."""
        if changes:
            self.hooks.library_did_change(changes)
        return changes

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """Group writes into one transaction (nested blocks become savepoints).

        The outermost block takes the write lock at once (``BEGIN IMMEDIATE``), waiting up to the busy
        timeout for another writer, and records who holds it, so a writer that gives up can say whom it
        waited for. Taking it late instead would let two imports each read, then both fail to write.
        """
        conn = self.db.conn
        if conn.in_transaction or self._db_path is None or not self.writable:
            with self.db.atomic() as db:
                yield db
            return
        self.db.execute("BEGIN IMMEDIATE")
        record_writer(self._db_path)
        try:
            try:
                yield self.db
            except BaseException:
                self.db.rollback()
                raise
            try:
                self.db.execute("COMMIT")
            except BaseException:
                self.db.rollback()
                raise
        finally:
            clear_writer(self._db_path)

    # -- audit -------------------------------------------------------------------
    def audit(self, actor: str, action: str, entity: str, entity_id: object = None, **detail: Any) -> None:
        """Append one entry to the append-only audit log."""
        text = json.dumps(detail, sort_keys=True, default=str)
        at, eid = utcnow(), None if entity_id is None else str(entity_id)
        # One statement reads the previous row's hash and appends the next: two writers can never both
        # chain onto the same row (see lookbook.store.integrity for what the hash covers).
        self.db.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, detail_hash, hash) "
            "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, lookbook_audit_hash("
            "(SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), "
            "(SELECT coalesce(max(id), 0) + 1 FROM audit_log), ?1, ?2, ?3, ?4, ?5, ?7)",
            [at, actor, action, entity, eid, text, integrity.detail_digest(text)],
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

    # -- integrity and backups ---------------------------------------------------------------
    def backup(self, reason: str = "manual") -> backups.Backup:
        """Take a verified backup of the library now (see :mod:`lookbook.store.backups`).

        :raises LibraryDamagedError: if the library is damaged (its copy fails the check).
        """
        if self.damaged is not None:
            raise self.refusal()
        return backups.take_backup(self.db.conn, self.library, reason)

    def backup_before(self, operation: str) -> backups.Backup | None:
        """Back up before a risky operation (an import, an erasure); None for an in-memory store."""
        if self._db_path is None or not self.writable:
            return None
        return self.backup(operation)

    def refusal(self) -> LibraryError:
        """Return the error a write to this library gets (damaged or read-only)."""
        if self.damaged is not None:
            return LibraryDamagedError(damage_message(self.library, self.damaged))
        return LibraryReadOnlyError(read_only_message(self.library.db_path, self.read_only or "read-only"))

    def check(self) -> integrity.CheckReport:
        """Run the full check: SQLite's integrity_check, references and the whole audit chain."""
        report = integrity.full_check(self.db.conn)
        if report.chain is not None and report.chain.ok:
            return integrity.CheckReport(report.database, report.foreign_keys, self.verify_audit())
        return report

    def verify_audit(self) -> integrity.ChainReport:
        """Walk the whole audit chain and hold it against the backups' (``lookbook audit verify``)."""
        report = integrity.verify_chain(self.db.conn, expect_at_least=self._checkpoint_id())
        if report.ok:
            rewritten = backups.chain_against_backups(self.db.conn, self.library)
            if rewritten is not None:
                return integrity.ChainReport(report.rows, report.last_id, report.last_hash, rewritten)
        return report

    def _checkpoint_id(self) -> int | None:
        try:
            return int(self.get_setting(integrity.CHECKPOINT_SETTING, {}).get("id"))
        except (TypeError, ValueError, AttributeError):
            return None

    def _audit_max(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0])

    def _verify_audit_tail(self) -> None:
        """Verify the audit rows written since the last checkpoint; warn if a link is broken."""
        mark = self.get_setting(integrity.CHECKPOINT_SETTING, None)
        start = None
        if isinstance(mark, dict) and isinstance(mark.get("id"), int) and isinstance(mark.get("hash"), str):
            start = (mark["id"], mark["hash"])
        report = integrity.verify_chain(self.db.conn, start, expect_at_least=start[0] if start else None)
        if not report.ok:
            self.warnings.append(f"the audit log has been tampered with: {report.problem} "
                                 "Run `lookbook audit verify` for the whole log.")
        elif report.rows and report.last_id is not None and self.writable:
            self.set_setting(integrity.CHECKPOINT_SETTING, {"id": report.last_id, "hash": report.last_hash})

    def close(self) -> None:
        """Take the scheduled backup if this session wrote audit entries, then close the connection."""
        try:
            if (self._db_path is not None and self.writable and self._audit_at_open is not None
                    and self._audit_max() > self._audit_at_open and backups.due_at_close(self.library)):
                self.backup("close")
        except (LookbookError, sqlite3.Error, OSError) as exc:  # a failed backup must not lose the close
            log.warning("no backup at close: %s", exc)
        self.db.close()
        if self._db_path is not None and self.writable and self._checked_at is not None:
            _write_check_stamp(self._db_path, self._checked_at)


#: How long a quick_check at open vouches for a file no one but Lookbook has changed since.
CHECK_EVERY = dt.timedelta(hours=6)
#: Files smaller than this are checked at every open (it takes well under half a second).
CHECK_ALWAYS_BELOW = 64 * 2**20


def _check_stamp_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".checked")


def _file_state(db_path: Path) -> list[int]:
    """Return size and modification time of the file and its WAL: any outside write changes them."""
    state = []
    for path in (db_path, Path(str(db_path) + "-wal")):
        try:
            st = path.stat()
            state += [st.st_size, st.st_mtime_ns]
        except OSError:
            state += [-1, -1]
    return state


def _read_check_stamp(db_path: Path) -> tuple[list[int], dt.datetime] | None:
    try:
        data = json.loads(_check_stamp_path(db_path).read_text(encoding="utf-8"))
        return [int(x) for x in data["state"]], dt.datetime.fromisoformat(data["checked_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_check_stamp(db_path: Path, checked_at: dt.datetime) -> None:
    """Record the state this process leaves the file in, and when it was last checked (best effort)."""
    try:
        _check_stamp_path(db_path).write_text(json.dumps(
            {"state": _file_state(db_path), "checked_at": checked_at.isoformat()}), encoding="utf-8")
    except OSError:
        pass


def damage_message(library: Library, detail: str) -> str:
    """Return the one-line message for a damaged library: what is wrong and how to recover."""
    newest = backups.newest_backup(library)
    how = (f"run `lookbook restore` to put back the backup of {newest.when()}" if newest is not None
           else "there is no backup to restore: copy out what `lookbook customers export` can still read")
    detail = detail if len(detail) <= 120 else detail[:117] + "…"
    return f"{library.db_path.name} is damaged ({detail}); changes are refused; {how} (or File ▸ Restore… in the app)."


def _is_sqlite_file(path: Path | str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _connect(path: Path | str, read_only: bool = False) -> Database:
    """Open ``path`` with a :class:`GuardedConnection` (read-only if asked).

    :raises LibraryError: if the file is not SQLite at all.
    :raises LibraryDamagedError: if it is SQLite but cannot even be read.
    """
    conn: GuardedConnection | None = None
    try:
        if read_only:
            # A read-only folder cannot hold the WAL index: then the file is opened as immutable
            # (nobody can change it while the folder is read-only).
            try:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, factory=GuardedConnection)
                sqlite3.Connection.execute(conn, "PRAGMA schema_version").fetchone()
            except sqlite3.OperationalError:
                if conn is not None:
                    conn.close()
                conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, factory=GuardedConnection)
        else:
            conn = sqlite3.connect(str(path), factory=GuardedConnection)
        conn.db_path = Path(path)
        # Any read fails fast on a file that is not SQLite ("file is not a database").
        sqlite3.Connection.execute(conn, "PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        if _is_sqlite_file(path):
            raise LibraryDamagedError(
                f"{Path(path).name} is damaged ({exc}); it cannot be opened. Run `lookbook restore` to put back "
                "the newest backup.") from exc
        raise LibraryError(
            f"{path}: not a Lookbook library database ({exc}). Move the file aside or choose another library."
        ) from exc
    # No sqlite_utils plugins: they would run code of whatever package is installed on the library's connection,
    # and finding them reads every installed package's metadata at each start (13 ms of a 0.17 s `lookbook info`).
    db = Database(conn, execute_plugins=False)
    db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    db.execute("PRAGMA foreign_keys = ON")
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


def migrate(db: Database) -> None:
    """Apply pending migrations and record the schema version in ``user_version``."""
    migrations.apply(db)
    db.execute(f"PRAGMA user_version = {len(migrations.applied(db))}")


def open_store(library: Library, hooks: Hooks | None = None) -> Store:
    """Open an existing library, backing it up and migrating it if this build is newer.

    A damaged library (``PRAGMA quick_check`` fails) or a read-only one opens for reading only:
    every write is refused with a one-line message saying how to recover, and the reason is in
    :attr:`Store.warnings`. A writable library gets its audit triggers re-created, the audit
    rows since the last open verified, and a backup when one is due.

    :raises LibraryError: if the file is not a database.
    :raises LibraryDamagedError: if it cannot even be read.
    :raises LibraryTooNewError: if a newer Lookbook Studio wrote it.
    :raises NetworkLibraryError: if the library is on a network share (see :mod:`lookbook.store.netfs`).
    """
    if not library.exists():
        raise LibraryError(f"{library.root}: not a Lookbook library (no library.db in it).")
    netfs.check_local(library.root)
    cant_write = writable_problem(library.db_path)
    # Read before connecting: opening a WAL file creates its -wal.
    state, stamp = _file_state(library.db_path), _read_check_stamp(library.db_path)
    db = _connect_library(library, read_only=cant_write is not None)
    conn: GuardedConnection = db.conn  # type: ignore[assignment]
    conn.damage_message = lambda detail: damage_message(library, detail)
    store = Store(library, db, hooks)
    try:
        problem = _quick_check_unless_fresh(store, conn, state, stamp)
        if problem is not None:
            store.damaged = problem
            conn.refuse_writes(store.refusal())
            store.warnings.append(str(store.refusal()))
            return store
        _check_not_too_new(db, library.db_path)
        if cant_write is not None:
            store.read_only = cant_write
            conn.refuse_writes(store.refusal())
            if migrations.pending(db):
                raise LibraryReadOnlyError(read_only_message(
                    library.db_path, f"{cant_write}, and it needs upgrading to this version first"))
            return store
        _prepare_to_write(store, conn)
    except sqlite3.Error as exc:
        db.close()
        better = explain(exc, library.db_path)
        if better is not None:
            raise better from exc
        raise LibraryError(
            f"{library.db_path}: cannot be opened for writing ({exc}). Check the folder's permissions and free space."
        ) from exc
    except BaseException:
        db.close()
        raise
    return store


def _connect_library(library: Library, read_only: bool) -> Database:
    """Connect to the library's file, saying how to recover when it is damaged or destroyed."""
    try:
        return _connect(library.db_path, read_only=read_only)
    except LibraryDamagedError as exc:
        raise LibraryDamagedError(damage_message(library, str(exc.__cause__ or exc))) from exc
    except LibraryError as exc:
        # Not SQLite at all: with backups to go back to, it is a library whose file was destroyed.
        if isinstance(exc.__cause__, sqlite3.DatabaseError) and backups.newest_backup(library) is not None:
            raise LibraryDamagedError(damage_message(library, str(exc.__cause__))) from exc
        raise


def _quick_check_unless_fresh(store: Store, conn: sqlite3.Connection, state: list[int],
                              stamp: tuple[list[int], dt.datetime] | None) -> str | None:
    """Return SQLite's complaint about the file, or None; skip the check if the last one still holds."""
    if stamp is not None and stamp[0] == state and state[0] >= CHECK_ALWAYS_BELOW \
            and dt.datetime.now(dt.UTC) - stamp[1] < CHECK_EVERY:
        # The file is exactly as a Lookbook process left it after a check less than CHECK_EVERY ago:
        # a big library does not pay seconds of quick_check at every command.
        store._checked_at = stamp[1]
        return None
    problem = integrity.quick_check(conn)
    store._checked_at = dt.datetime.now(dt.UTC)
    return problem


def _prepare_to_write(store: Store, conn: sqlite3.Connection) -> None:
    """Ready a sound, writable library: migrate it (backed up first), WAL, folders, audit triggers and tail,
    and the backup due at open."""
    db, library = store.db, store.library
    if migrations.pending(db):
        if migrations.applied(db):
            backups.take_backup(conn, library, "migration")
        migrate(db)
    db.execute("PRAGMA journal_mode = WAL")
    library.ensure_folders()
    with store.atomic():
        integrity.ensure_audit_triggers(conn)
    store._db_path = library.db_path
    store._verify_audit_tail()
    if backups.due_at_open(conn, library):
        try:
            store.backup("open")
        except (LookbookError, OSError) as exc:  # opening matters more than this backup
            store.warnings.append(f"no backup was taken at open: {exc}")
    store._audit_at_open = store._audit_max()


def create_store(path: Path | str, hooks: Hooks | None = None) -> Store:
    """Create a new library at ``path`` and open it.

    :raises LibraryError: if a library is already there or the place is not writable.
    """
    netfs.check_local(path)
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
    store = Store(library, db, hooks)
    store._db_path = library.db_path
    store._audit_at_open = store._audit_max()
    store._checked_at = dt.datetime.now(dt.UTC)  # a new file is sound
    return store


def memory_store(root: Path, hooks: Hooks | None = None) -> Store:
    """Return a migrated in-memory store whose files live under ``root`` (for tests)."""
    library = Library(Path(root))
    library.ensure_folders()
    db = Database(memory=True, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return Store(library, db, hooks)
