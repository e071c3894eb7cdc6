"""The store's :class:`~lookbook.store.sqlitedb.Database` and :class:`~lookbook.store.sqlitedb.Migrations` behave as
sqlite_utils' do, and opening a library to read it no longer imports sqlite_utils."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lookbook.store import sqlitedb
from lookbook.store.database import create_store
from lookbook.store.migrations import migrations

REPO = Path(__file__).resolve().parent.parent


def _real(conn: sqlite3.Connection) -> Any:
    return sqlitedb.sqlite_utils_module().Database(conn, execute_plugins=False)


def _ours(conn: sqlite3.Connection) -> Any:
    return sqlitedb.Database(conn)


def _story(make: Callable[[sqlite3.Connection], Any], path: Path) -> list[Any]:
    """Run reads, writes, transactions and failures through a handle; return what a second connection saw."""
    conn = sqlite3.connect(path)
    db = make(conn)
    other = sqlite3.connect(path)
    seen: list[Any] = []

    def look() -> None:
        seen.append((conn.in_transaction, other.execute("SELECT group_concat(v) FROM t").fetchone()[0]))

    db.execute("CREATE TABLE t (v TEXT UNIQUE)")
    seen.append(db.execute("PRAGMA recursive_triggers").fetchone())
    db.execute("INSERT INTO t VALUES (?)", ["a"])  # committed by itself
    look()
    seen.append(db.execute("SELECT count(*) FROM t WHERE v = :v", {"v": "a"}).fetchone())
    seen.append(db.execute("  select v FROM t").fetchall())
    look()
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO t VALUES ('a')")  # fails: no transaction is left open
    look()
    with db.atomic():
        db.execute("INSERT INTO t VALUES ('b')")
        look()
        with pytest.raises(ZeroDivisionError), db.atomic():  # nested: a savepoint, rolled back
            db.execute("INSERT INTO t VALUES ('c')")
            raise ZeroDivisionError
        look()
    look()
    with pytest.raises(KeyError), db.atomic():
        db.execute("INSERT INTO t VALUES ('d')")
        raise KeyError
    look()
    db.execute("BEGIN")
    db.execute("INSERT INTO t VALUES ('e')")
    look()
    db.execute("COMMIT")
    look()
    db.execute("BEGIN IMMEDIATE")
    db.rollback()
    db.rollback()  # nothing open: nothing done
    look()
    db["t"].insert({"v": "f"})  # sqlite_utils' own table API
    look()
    seen.append(db.execute("PRAGMA user_version = 3").fetchall())
    seen.append(db.execute("PRAGMA user_version").fetchone())
    db.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    other.close()
    return seen


def test_the_database_behaves_as_sqlite_utils(tmp_path: Path) -> None:
    expected = _story(_real, tmp_path / "real.db")
    assert expected[:2] == [(1,), (False, "a")]  # the story tells something
    assert _story(_ours, tmp_path / "ours.db") == expected


def test_reading_and_transaction_control_do_not_import_sqlite_utils(tmp_path: Path) -> None:
    probe = """
import sqlite3, sys
from lookbook.store.sqlitedb import Database
db = Database(sqlite3.connect(sys.argv[1]))
db.execute("SELECT 1").fetchall(); db.execute("PRAGMA foreign_keys = ON")
with db.atomic():
    db.execute("SAVEPOINT x"); db.execute("RELEASE x")
before = "sqlite_utils" in sys.modules
db.execute("CREATE TABLE t (v)")
print(before, "sqlite_utils" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "x.db")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_migrations_read_as_sqlite_utils_reads_them(tmp_path: Path) -> None:
    real_set = sqlitedb.sqlite_utils_module().Migrations

    def both(conn: sqlite3.Connection) -> tuple[Any, Any]:
        ours, real = migrations, real_set("lookbook")
        for m in migrations._migrations:
            real(name=m.name, transactional=m.transactional)(m.fn)
        db = sqlitedb.Database(conn)
        return ([(m.name, m.applied_at) for m in ours.applied(db)], [m.name for m in ours.pending(db)]), \
            ([(m.name, m.applied_at) for m in real.applied(_real(conn))], [m.name for m in real.pending(_real(conn))])

    conn = sqlite3.connect(tmp_path / "lib.db")
    ours, real = both(conn)  # no migrations table yet
    assert ours == real == ([], [m.name for m in migrations._migrations])
    migrations.apply(sqlitedb.Database(conn), stop_before=migrations._migrations[3].name)
    # Another set's migrations in the same table, and rows out of name order.
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('other', 'a', 'x')")
    conn.execute("UPDATE _sqlite_migrations SET applied_at = 'z' WHERE name = ?", [migrations._migrations[0].name])
    conn.commit()
    ours, real = both(conn)
    assert len(ours[0]) == 3 and ours == real
    migrations.apply(sqlitedb.Database(conn))
    ours, real = both(conn)
    assert ours[1] == [] and ours == real


def test_a_migration_registered_twice_is_refused() -> None:
    group = sqlitedb.Migrations("x")
    group()(lambda db: None)
    with pytest.raises(ValueError, match="already registered"):
        group(name="<lambda>")(lambda db: None)


def test_reading_a_library_does_not_import_sqlite_utils(tmp_path: Path) -> None:
    create_store(tmp_path / "lib").close()
    probe = ("import json, sys, lookbook.cli;"
             " codes = [lookbook.cli.main(['--library', sys.argv[1], *verb]) for verb in json.loads(sys.argv[2])];"
             " sys.__stderr__.write('LOADED=' + json.dumps([codes, 'sqlite_utils' in sys.modules]) + '\\n')")
    verbs = [["info"], ["customers", "list"], ["sets", "list"]]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("LOOKBOOK_PASSWORD", None)
    for _ in range(2):  # the first open may write (an audit checkpoint); the second only reads
        done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "lib"), json.dumps(verbs)],
                              capture_output=True, text=True, env=env, timeout=120, check=True)
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED="))
    assert json.loads(line.removeprefix("LOADED=")) == [[0, 0, 0], False]
