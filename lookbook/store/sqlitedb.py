"""The store's database handle and migrations: ``sqlite_utils``, imported when a command needs more than reading.

Importing ``sqlite_utils`` (and click, dateutil, pluggy and tabulate under it) cost every command that opens a
library 60 ms of CPU, a tenth of ``sets match --json`` on a big book, although opening a library and reading it
only runs SELECTs. So :class:`Database` runs a SELECT on its connection itself, which is all
``sqlite_utils.Database.execute`` does for a statement that starts no transaction, and hands everything else
(writes, whose implicit transaction sqlite_utils commits, ``atomic``, ``executescript``, tables) to a
``sqlite_utils.Database`` on the same connection, made at first need. :class:`Migrations` says which migrations
are applied or pending with one SELECT each, as ``sqlite_utils.migrations.Migrations`` reads them, and hands
``apply`` to it. ``tests/test_sqlitedb.py`` holds both against sqlite_utils.

``sqlite_utils.db`` imports numpy (and pandas) only to map their scalar types to column types when it creates
a table from Python values. Lookbook never does that (its schema is written out in
:mod:`lookbook.store.migrations`, and its values are plain Python), yet numpy cost every ``lookbook`` command a
tenth of a second. So while ``sqlite_utils`` is first imported, numpy and pandas read as absent unless
something already imported them (then nothing changes); ``sqlite_utils`` catches the ImportError and leaves its
type table without them. Anything imported later sees numpy as usual.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import sqlite_utils

_ABSENT = object()
#: Statements that sqlite_utils' execute() runs on the connection and nothing more: they open no implicit
#: transaction for it to commit (the sqlite3 module opens one only before INSERT, UPDATE, DELETE and REPLACE),
#: or they are its transaction-control keywords, which it leaves alone.
_DIRECT = frozenset({"SELECT", "PRAGMA", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})
_F = TypeVar("_F", bound=Callable[..., Any])


def _import_without(names: tuple[str, ...]) -> None:
    if "sqlite_utils.db" in sys.modules:
        return
    saved = {name: sys.modules.get(name, _ABSENT) for name in names}
    for name, module in saved.items():
        if module is _ABSENT:
            sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name, module in saved.items():
            if module is _ABSENT and sys.modules.get(name, _ABSENT) is None:
                del sys.modules[name]


def sqlite_utils_module() -> ModuleType:
    """Return the ``sqlite_utils`` package, importing it (without numpy and pandas) on first use."""
    _import_without(("numpy", "pandas"))
    import sqlite_utils

    return sqlite_utils


class Database:
    """A library's connection with ``sqlite_utils.Database``'s behaviour, which is made only when needed.

    :meth:`execute` runs a SELECT on :attr:`conn` directly; any other statement, and every other attribute
    (``executescript``, ``db["table"]``, ``query``...) goes to :attr:`utils`; so does a nested :meth:`atomic`.

    :param filename_or_conn: an open connection (the store's), or a file to open.
    :param memory: open a new in-memory database instead.
    :param execute_plugins: run sqlite_utils plugins on the connection (this makes :attr:`utils` at once).
    """

    def __init__(self, filename_or_conn: str | Path | sqlite3.Connection | None = None, *, memory: bool = False,
                 execute_plugins: bool = False) -> None:
        if (filename_or_conn is None) == (not memory):
            raise ValueError("Either specify a filename_or_conn or pass memory=True")
        if memory or filename_or_conn == ":memory:":
            self.conn = sqlite3.connect(":memory:")
        elif isinstance(filename_or_conn, str | Path):
            self.conn = sqlite3.connect(str(filename_or_conn))
        else:
            assert filename_or_conn is not None
            self.conn = filename_or_conn
        self._utils: sqlite_utils.Database | None = None
        self.conn.execute("PRAGMA recursive_triggers=on;")  # as sqlite_utils.Database does when it is made
        if execute_plugins:
            self._utils = sqlite_utils_module().Database(self.conn, recursive_triggers=False, execute_plugins=True)

    @property
    def utils(self) -> sqlite_utils.Database:
        """Return the ``sqlite_utils.Database`` on :attr:`conn`, making it (and importing sqlite_utils) on first use."""
        if self._utils is None:
            # No plugins: they would run code of whatever package is installed on the library's connection.
            self._utils = sqlite_utils_module().Database(self.conn, recursive_triggers=False, execute_plugins=False)
        return self._utils

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        """Run one statement, as ``sqlite_utils.Database.execute`` does, and return its cursor.

        A SELECT or PRAGMA starts no transaction (the sqlite3 module opens one only before INSERT, UPDATE,
        DELETE and REPLACE), and sqlite_utils runs BEGIN, COMMIT, SAVEPOINT and the like as they are: these
        leave sqlite_utils nothing to commit or roll back, so they run on the connection.
        """
        words = sql.lstrip()[:10].split(None, 1)
        if words and words[0].upper() in _DIRECT:
            return self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)
        return self.utils.execute(sql, parameters)

    def rollback(self) -> None:
        """Roll back the open transaction, if any (as sqlite_utils does)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """Run the block in a transaction, committed at its end and rolled back on an error, as sqlite_utils'
        ``atomic()`` does (which makes a nested block a savepoint: that case is handed to it)."""
        if self.conn.in_transaction:
            with self.utils.atomic():
                yield self
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __getitem__(self, table_name: str) -> Any:
        return self.utils[table_name]

    def __getattr__(self, name: str) -> Any:
        # Only what this class lacks: executescript, table, query...
        if name.startswith("__") or name in ("conn", "_utils"):
            raise AttributeError(name)
        return getattr(self.utils, name)


@dataclass
class _Migration:
    name: str
    fn: Callable[[Database], None]
    transactional: bool = True


@dataclass
class _AppliedMigration:
    name: str
    applied_at: str


class Migrations:
    """A named, ordered set of migrations, as ``sqlite_utils.migrations.Migrations`` (which applies them).

    Registering and reading which are applied (at every open) need no sqlite_utils; :meth:`apply` does.
    """

    migrations_table = "_sqlite_migrations"

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[_Migration] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[_F], _F]:
        """Register the decorated function as the next migration (named after it unless ``name`` is given)."""

        def inner(func: _F) -> _F:
            migration_name = name or func.__name__
            if any(m.name == migration_name for m in self._migrations):
                raise ValueError(f"Migration '{migration_name}' is already registered in set '{self.name}'")
            self._migrations.append(_Migration(migration_name, func, transactional))
            return func

        return inner

    def applied(self, db: Database) -> list[_AppliedMigration]:
        """Return the migrations of this set applied to ``db``, in the order they were applied."""
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      [self.migrations_table]).fetchone() is None:
            return []
        return [_AppliedMigration(name, applied_at) for name, applied_at in db.execute(
            f"SELECT name, applied_at FROM [{self.migrations_table}] WHERE migration_set = ? ORDER BY rowid",
            [self.name])]

    def pending(self, db: Database) -> list[_Migration]:
        """Return the registered migrations not applied to ``db`` yet, in order."""
        applied = {migration.name for migration in self.applied(db)}
        return [migration for migration in self._migrations if migration.name not in applied]

    def apply(self, db: Database, *, stop_before: str | Iterable[str] | None = None) -> None:
        """Apply the pending migrations with ``sqlite_utils`` (each in a transaction with its record)."""
        real = sqlite_utils_module().Migrations(self.name)
        for m in self._migrations:
            real(name=m.name, transactional=m.transactional)(m.fn)
        real.apply(db, stop_before=stop_before)  # ours hands what sqlite_utils' has and ours lacks on to it


__all__ = ["Database", "Migrations", "sqlite_utils_module"]
