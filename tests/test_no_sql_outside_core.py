"""The app and the benchmarks reach the database only through core functions (issue 14, part 3).

``ui/`` and ``bench/`` never import a database module, never run SQL (``.execute``, ``.executemany``,
``.executescript``, ``.query``), never index a table as ``db["name"]`` and never reach the connection behind a
store (``store.db``, ``.conn``). A query they need is a function in the core module that owns its table; a
benchmark builds its data through core functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATABASE_MODULES = ("sqlite3", "sqlite_utils", "lookbook.store.sqlitedb", "apsw")
SQL_METHODS = {"execute", "executemany", "executescript", "query"}


def _names_database_module(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in DATABASE_MODULES)


def _is_a_store(node: ast.expr) -> bool:
    """Whether ``node`` names a store (``store``, ``self._store``, ``ctx.store``): its ``.db`` is the database.

    The app's ``self.db`` is the :class:`ui.workers.StoreRunner` that hands work to the database thread, not a
    connection, so only a name that says *store* counts.
    """
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return "store" in name.lower()


def database_touches(source: str, filename: str = "<source>") -> list[str]:
    """Return ``line: what`` for each place in ``source`` that reaches the database directly."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if _names_database_module(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if _names_database_module(module):
                found.append(f"{node.lineno}: from {module} import ...")
            elif module == "lookbook" or module.startswith("lookbook."):
                found += [f"{node.lineno}: from {module} import {a.name}" for a in node.names
                          if _names_database_module(f"{module}.{a.name}")]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_METHODS:
            found.append(f"{node.lineno}: .{node.func.attr}(...)")
        elif isinstance(node, ast.Attribute) and (node.attr == "conn" or node.attr == "db" and _is_a_store(node.value)):
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "db":
            found.append(f"{node.lineno}: db[...]")
    return sorted(set(found), key=lambda s: int(s.split(":")[0]))


def _offenders(folder: str) -> dict[str, list[str]]:
    result = {}
    for path in sorted((REPO / folder).rglob("*.py")):
        touches = database_touches(path.read_text(encoding="utf-8"), str(path))
        if touches:
            result[str(path.relative_to(REPO))] = touches
    return result


def test_the_ui_runs_no_sql_of_its_own() -> None:
    assert _offenders("ui") == {}


def test_the_benchmarks_run_no_sql_of_their_own() -> None:
    assert _offenders("bench") == {}


def test_the_scan_sees_each_way_of_reaching_the_database() -> None:
    source = "\n".join([
        "import sqlite3",
        "from sqlite_utils import Database",
        "from lookbook.store.sqlitedb import Database",
        "from lookbook.store import sqlitedb",
        "store.db.execute('SELECT 1')",
        "conn.executemany('INSERT', rows)",
        "db['customers'].insert({})",
        "x = self._store.db",
        "cursor = thing.conn",
        "db.query('SELECT 1')",
    ])
    assert {int(t.split(":")[0]) for t in database_touches(source)} == set(range(1, 11))


def test_the_scan_lets_core_calls_through() -> None:
    source = "\n".join([
        "from lookbook import customers",
        "from lookbook.store.database import open_store",
        "rows = customers.search_customers(store, 'x')",
        "query = 'a search word'",
        "d = {'db': 1}['db']",
        "self.db.run(fn)",
        "path = library.db_path",
    ])
    assert database_touches(source) == []
