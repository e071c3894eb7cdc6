"""``sqlite_utils`` without numpy: import :class:`Database` and :class:`Migrations` from here.

``sqlite_utils.db`` imports numpy (and pandas) at import time only to map their scalar types to column types
when it creates a table from Python values. Lookbook never does that (its schema is written out in
:mod:`lookbook.store.migrations`, and its values are plain Python), yet numpy cost every ``lookbook`` command a
tenth of a second before it parsed its arguments. So while ``sqlite_utils`` is first imported, numpy and
pandas read as absent unless something already imported them (then nothing changes); ``sqlite_utils`` catches
the ImportError and leaves its type table without them. Anything imported later sees numpy as usual.
"""

from __future__ import annotations

import sys

_ABSENT = object()


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


_import_without(("numpy", "pandas"))

from sqlite_utils import Database  # noqa: E402 -- after _import_without, on purpose
from sqlite_utils.migrations import Migrations  # noqa: E402 -- after _import_without, on purpose

__all__ = ["Database", "Migrations"]
