"""Backups of library.db: taken online with SQLite's backup API, verified, rotated, and restored.

When a backup is taken
    * before each migration, import, erasure and restore (``reason`` in the file name);
    * when a library is opened, if the newest backup is older than :data:`OPEN_EVERY` and the
      audit log has entries since;
    * when a store is closed after it wrote audit entries, if the newest backup is older than
      :data:`CLOSE_EVERY`;
    * by hand: ``lookbook backup``.

How a backup is written
    The backup API copies a consistent snapshot (the WAL included) into a hidden ``.partial``
    file; ``PRAGMA integrity_check`` must pass on the copy; only then is it flushed and renamed
    to ``lookbook_<UTC time>_<reason>.db``. A process killed half-way leaves only the
    ``.partial``, which no listing shows and the next backup removes.

What is kept (:func:`rotate`)
    The newest :data:`KEEP_LAST` backups, plus the newest backup of each of the last
    :data:`KEEP_DAYS` days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lookbook.errors import DiskFullError, InputError, LibraryDamagedError, LibraryError
from lookbook.store.guard import _pid_alive, writer_info_path
from lookbook.store.integrity import integrity_check, verify_chain
from lookbook.store.library import Library, create_private_file, make_private
from lookbook.words import plural

KEEP_LAST = 10
KEEP_DAYS = 7
OPEN_EVERY = dt.timedelta(hours=24)
CLOSE_EVERY = dt.timedelta(hours=1)
_NAME = re.compile(r"^lookbook_(\d{8}-\d{6})(Z?)(?:_([a-z-]+))?(?:_\d+)?\.db$")
_PARTIAL = re.compile(r"^\.lookbook_.*\.(\d+)\.partial$")
#: The tables whose newer rows a restore reports as missing from the backup.
LACK_TABLES = (("messages", "messages"), ("consents", "consent changes"), ("audit_log", "audit rows"))


@dataclass(frozen=True)
class Backup:
    """One verified-when-written backup file."""

    path: Path
    taken_at: dt.datetime  #: UTC
    reason: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    def when(self) -> str:
        """Return the backup's time as people read it (UTC)."""
        return self.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _parse(path: Path) -> Backup | None:
    match = _NAME.match(path.name)
    if not match or not path.is_file():
        return None
    stat = path.stat()
    if match.group(2):
        taken = dt.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=dt.UTC)
    else:  # a backup named in local time by an older Lookbook Studio: its file time is the truth
        taken = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    return Backup(path, taken, match.group(3) or "migration", stat.st_size)


def list_backups(library: Library) -> list[Backup]:
    """Return the library's backups, newest first (half-written ones are never listed)."""
    if not library.backups_dir.is_dir():
        return []
    found = [b for b in (_parse(p) for p in library.backups_dir.iterdir()) if b is not None]
    return sorted(found, key=lambda b: (b.taken_at, b.path.stat().st_mtime_ns, b.name), reverse=True)


def newest_backup(library: Library) -> Backup | None:
    """Return the newest backup, or None."""
    backups = list_backups(library)
    return backups[0] if backups else None


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _clean_partials(library: Library) -> None:
    for path in library.backups_dir.glob(".lookbook_*.partial"):
        match = _PARTIAL.match(path.name)
        if match and not _pid_alive(int(match.group(1))):
            path.unlink(missing_ok=True)


def take_backup(conn: sqlite3.Connection, library: Library, reason: str = "manual",
                progress: Callable[[int, int, int], object] | None = None) -> Backup:
    """Copy the open database into ``backups/``, verify the copy, then rename it into place; rotate.

    :param reason: a word for the file name (``manual``, ``open``, ``close``, ``import``, ``migration``...).
    :param progress: called by the backup API after each step of pages (tests use it to be slow).
    :raises DiskFullError: if the disk is full (nothing is left behind).
    :raises LibraryDamagedError: if the copy fails its integrity check (the library itself is damaged).
    """
    folder = library.backups_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"{folder}: cannot be created ({exc.strerror}); no backup was taken.") from exc
    _clean_partials(library)
    stamp = _now().strftime("%Y%m%d-%H%M%SZ")
    target = folder / f"lookbook_{stamp}_{reason}.db"
    n = 2
    while target.exists():
        target = folder / f"lookbook_{stamp}_{reason}_{n}.db"
        n += 1
    partial = folder / f".{target.name}.{os.getpid()}.partial"
    try:
        make_private(folder)
        create_private_file(partial)  # a copy of the customer book: the owner's only, from its first byte
        dest = sqlite3.connect(str(partial))
        try:
            if progress is None:
                conn.backup(dest)
            else:
                conn.backup(dest, pages=16, progress=progress)
            # The copy inherits WAL mode; a backup is read by others (verify, restore, chain checks) and
            # must not grow -wal/-shm files beside it.
            dest.execute("PRAGMA journal_mode = DELETE")
            problem = integrity_check(dest)
        finally:
            dest.close()
        if problem is not None:
            raise LibraryDamagedError(f"{library.db_path.name} is damaged ({problem}); the backup of it was "
                                      "discarded. Run `lookbook restore` to put back the last good backup.")
        _fsync(partial)
        os.replace(partial, target)
        _fsync(folder)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        if "full" in str(exc) or "I/O error" in str(exc) or getattr(exc, "sqlite_errorcode", 0) & 0xFF in (10, 13):
            raise DiskFullError(f"the disk holding {folder} is full (or the file is over a size limit: {exc}); "
                                "free space and retry; no backup was taken.") from exc
        if "malformed" in str(exc) or "not a database" in str(exc):
            raise LibraryDamagedError(f"{library.db_path.name} is damaged ({exc}); no backup was taken. Run "
                                      "`lookbook restore` to put back the last good backup.") from exc
        raise LibraryError(f"{target}: the backup failed ({exc}); nothing was changed.") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if exc.errno in (28, 27):  # ENOSPC, EFBIG
            raise DiskFullError(f"the disk holding {folder} is full; free space and retry; no backup was "
                                "taken.") from exc
        raise LibraryError(f"{target}: the backup failed ({exc.strerror or exc}); nothing was changed.") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    rotate(library)
    backup = _parse(target)
    assert backup is not None
    return backup


def rotate(library: Library, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups beyond the newest :data:`KEEP_LAST` and the newest of each of the last :data:`KEEP_DAYS`
    days; return what was deleted."""
    moment = now or _now()
    backups = list_backups(library)
    keep = {b.path for b in backups[:KEEP_LAST]}
    days: set[dt.date] = set()
    for b in backups:  # newest first: the first of each day is that day's newest
        day = b.taken_at.date()
        if moment - b.taken_at <= dt.timedelta(days=KEEP_DAYS) and day not in days:
            days.add(day)
            keep.add(b.path)
    removed = []
    for b in backups:
        if b.path not in keep:
            with contextlib.suppress(OSError):
                b.path.unlink()
                removed.append(b.path)
            for suffix in ("-wal", "-shm"):  # left by an older backup opened in WAL mode
                Path(str(b.path) + suffix).unlink(missing_ok=True)
    return removed


def due_at_open(conn: sqlite3.Connection, library: Library) -> bool:
    """Return whether opening should take a backup: none for :data:`OPEN_EVERY` and audit entries since."""
    newest = newest_backup(library)
    if newest is not None and _now() - newest.taken_at < OPEN_EVERY:
        return False
    row = conn.execute("SELECT at FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return False
    return newest is None or row[0] > newest.taken_at.isoformat(timespec="seconds")


def due_at_close(library: Library) -> bool:
    """Return whether closing after writes should take a backup: none for :data:`CLOSE_EVERY`."""
    newest = newest_backup(library)
    return newest is None or _now() - newest.taken_at >= CLOSE_EVERY


def verify_backup(path: Path) -> str | None:
    """Return what is wrong with a backup file (integrity check, audit chain), or None if it is sound."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        problem = integrity_check(conn)
        if problem is None:
            try:
                chain = verify_chain(conn)
                problem = None if chain.ok else f"its audit chain is broken: {chain.problem}"
            except sqlite3.Error as exc:
                problem = str(exc)
        return problem
    finally:
        conn.close()


def chain_against_backups(conn: sqlite3.Connection, library: Library) -> str | None:
    """Return how the live audit log disagrees with the chain its backups hold, or None if it agrees.

    Each backup holds the log as it was; a live log rewritten since (even with every hash recomputed)
    no longer holds the backup's last row with the same hash.
    """
    for b in list_backups(library):
        try:
            bconn = _open_ro(b.path)
            try:
                last = bconn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            finally:
                bconn.close()
        except sqlite3.Error:
            continue  # a backup too old to have the chain, or unreadable: it proves nothing
        if last is None or last[1] is None:
            continue
        row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [last[0]]).fetchone()
        if row is None or row[0] != last[1]:
            return (f"audit row {last[0]} is not the one the backup of {b.when()} holds: the log was rewritten "
                    "after that backup.")
    return None


# -- restore ---------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    """What a restore did and what the restored library lacks."""

    backup: Backup
    set_aside: Path | None  #: where the replaced library.db was kept
    damaged: str | None  #: what was wrong with the replaced file (None if it was sound)
    #: per kind ("messages", ...): rows newer than the backup, or None when unknown
    lacks: dict[str, int | None] = field(default_factory=dict)
    messages_changed: int | None = None  #: messages in the backup changed after it (states, sends)
    unreadable: str | None = None  #: why the replaced file could not be read

    def lines(self) -> list[str]:
        """Return the report as lines for a person."""
        out = [f"Restored the backup of {self.backup.when()} ({self.backup.name})."]
        if self.set_aside is not None:
            what = "damaged" if self.damaged else "replaced"
            out.append(f"The {what} library.db is kept as {self.set_aside}.")
        out.append("The restored library lacks: " + self.lacks_text())
        if self.messages_changed:
            out.append(f"{plural(self.messages_changed, 'message')} changed after the backup (approved, sent or "
                       "failed since): check the Outbox before sending again.")
        return out

    def lacks_text(self) -> str:
        """Return what the backup lacks, in words (``unknown`` for what could not be read)."""
        parts = []
        for _table, label in LACK_TABLES:
            n = self.lacks.get(label)
            # "1 message", not "1 messages": each label is a regular plural, its singular without the final "s".
            parts.append(f"unknown {label}" if n is None else plural(n, label[:-1]))
        text = ", ".join(parts) + " newer than the backup"
        if self.unreadable:
            text += f" (unknown: the old file could not be read: {self.unreadable})"
        return text + "."


def _max_ids(conn: sqlite3.Connection) -> dict[str, int]:
    return {table: int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])
            for table, _label in LACK_TABLES}


def _open_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def what_backup_lacks(backup: Backup, current: Path) -> tuple[dict[str, int | None], int | None, str | None]:
    """Count rows of ``current`` newer than ``backup``: (per kind, messages changed since, why unreadable).

    Each count is read on its own, so a damaged table makes only its own count ``None`` (unknown).
    """
    conn_b = _open_ro(backup.path)
    try:
        base = _max_ids(conn_b)
    finally:
        conn_b.close()
    lacks: dict[str, int | None] = {label: None for _t, label in LACK_TABLES}
    changed: int | None = None
    unreadable = None
    try:
        conn = _open_ro(current)
    except sqlite3.Error as exc:
        return lacks, None, str(exc)
    try:
        for table, label in LACK_TABLES:
            try:
                lacks[label] = int(conn.execute(f"SELECT count(*) FROM {table} WHERE id > ?",
                                                [base[table]]).fetchone()[0])
            except (sqlite3.Error, UnicodeDecodeError) as exc:  # damaged bytes can reach SQLite's message too
                unreadable = unreadable or f"{table}: {exc}"
        try:
            changed = int(conn.execute(
                "SELECT count(*) FROM messages WHERE id <= ? AND updated_at > ?",
                [base["messages"], backup.taken_at.isoformat(timespec="seconds")]).fetchone()[0])
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            unreadable = unreadable or f"messages: {exc}"
    finally:
        conn.close()
    return lacks, changed, unreadable


def find_backup(library: Library, name: str | None) -> Backup:
    """Return the backup called ``name`` (a file name or path), or the newest sound one if ``name`` is None.

    :raises InputError: if there is no such backup, or none is sound.
    """
    backups = list_backups(library)
    if name is not None:
        wanted = Path(name).name
        for b in backups:
            if b.name == wanted:
                return b
        raise InputError(f"backup '{name}': no such backup in {library.backups_dir}; see `lookbook backups list`.")
    for b in backups:
        if verify_backup(b.path) is None:
            return b
    raise InputError(f"{library.backups_dir}: no sound backup to restore"
                     f"{' (every one failed its check)' if backups else ''}.")


def restore(library: Library, name: str | None = None) -> RestoreReport:
    """Put a verified backup in place of library.db, keeping the old file (and its WAL) aside.

    The library must not be open (close the store first).

    :param name: the backup's file name; default the newest that passes its check.
    :raises InputError: if the backup is missing or fails its check (nothing is changed then).
    """
    backup = find_backup(library, name)
    problem = verify_backup(backup.path)
    if problem is not None:
        raise InputError(f"backup {backup.name}: fails its check ({problem}); nothing was changed. Choose another "
                         "with `lookbook backups list`.")
    db_path = library.db_path
    set_aside = None
    damaged = None
    lacks: dict[str, int | None] = {label: None for _t, label in LACK_TABLES}
    changed = None
    unreadable = None
    if db_path.exists():
        try:
            conn = _open_ro(db_path)
            try:
                damaged = integrity_check(conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            damaged = str(exc)
        lacks, changed, unreadable = what_backup_lacks(backup, db_path)
        stamp = _now().strftime("%Y%m%d-%H%M%SZ")
        set_aside = db_path.with_name(f"{db_path.name}.{'damaged' if damaged else 'replaced'}-{stamp}")
        # The WAL and its index belong to the old file: left behind, SQLite would replay them into the backup.
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(db_path) + suffix)
            if src.exists():
                os.replace(src, Path(str(set_aside) + suffix))
    incoming = db_path.with_name(db_path.name + ".restoring")
    try:
        create_private_file(incoming)
        shutil.copyfile(backup.path, incoming)
        _fsync(incoming)
        os.replace(incoming, db_path)
        _fsync(db_path.parent)
    except OSError as exc:
        incoming.unlink(missing_ok=True)
        if set_aside is not None and not db_path.exists():
            os.replace(set_aside, db_path)  # put the old file back: never leave no library at all
        if exc.errno in (28, 27):
            raise DiskFullError(f"the disk holding {db_path.parent} is full; free space and retry; nothing was "
                                "changed.") from exc
        raise LibraryError(f"{db_path}: the restore failed ({exc.strerror or exc}); nothing was changed.") from exc
    writer_info_path(db_path).unlink(missing_ok=True)
    db_path.with_name(db_path.name + ".checked").unlink(missing_ok=True)  # the next open checks the new file
    return RestoreReport(backup, set_aside, damaged, lacks, changed, unreadable)
