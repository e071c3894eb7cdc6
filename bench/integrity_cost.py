"""What checking and backing up a big library costs: the open-time check against a plain open.

Run from the repository root::

    python -m bench.integrity_cost [--customers 1000000] [--audit 100000] [--repeat 3] [--keep DIR]

Builds a library with ``--customers`` customers (two brand stances, two sizes and one consent entry each,
written with SQL so the build is quick) and ``--audit`` audit rows (through ``Store.audit``, so chained),
then times, median of ``--repeat`` runs:

* the floor: the old open (connect, read the schema, ``SELECT count(*)`` of customers);
* ``open_store`` as it is now (triggers re-created, audit rows since the checkpoint verified), after the file
  was changed outside Lookbook (``quick_check`` runs) and as the last Lookbook process left it (skipped for a
  file over 64 MiB checked in the last 6 h);
* ``PRAGMA quick_check`` alone; ``lookbook check`` (``integrity_check`` + references + the whole chain);
* ``lookbook audit verify`` (the whole chain); a verified backup (copy + ``integrity_check`` of the copy).

Prints a table of seconds and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.dashboard import median_time
from lookbook import scale
from lookbook.store import backups, integrity
from lookbook.store.database import open_store
from lookbook.store.library import Library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it (default: a temp folder)")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lookbook-integrity-"))
    root = work / "Library"
    try:
        if not root.exists():
            start = time.perf_counter()
            scale.build_integrity_book(root, args.customers, args.audit)
            print(f"built {args.customers:,} customers and {args.audit:,} audit rows in "
                  f"{time.perf_counter() - start:.1f} s")
        library = Library(root)
        size = library.db_path.stat().st_size
        n_customers, n_audit = scale.bare_table_counts(library.db_path, ("customers", "audit_log")).values()

        def old_open() -> None:
            scale.bare_open(library.db_path)

        def changed_open() -> None:
            library.db_path.with_name("library.db.checked").unlink(missing_ok=True)
            new_open()

        def new_open() -> None:
            store = open_store(library)
            store.counts()
            store._audit_at_open = None  # no backup at close: this row times the open alone
            store.close()

        def quick_check() -> None:
            scale.on_bare_connection(library.db_path, integrity.quick_check, audit_functions=True)

        def backup() -> None:
            b = scale.on_bare_connection(library.db_path, lambda bare: backups.take_backup(bare, library, "manual"),
                                         audit_functions=True)
            b.path.unlink()

        def check() -> None:
            store = open_store(library)
            store.check()
            store._audit_at_open = None
            store.close()

        def verify() -> None:
            store = open_store(library)
            store.verify_audit()
            store._audit_at_open = None
            store.close()

        floor = median_time(old_open, args.repeat)
        rows = [("old open (floor)", floor),
                ("open_store, file changed outside (quick_check)", median_time(changed_open, args.repeat)),
                ("open_store, file as Lookbook left it", median_time(new_open, args.repeat)),
                ("PRAGMA quick_check alone", median_time(quick_check, args.repeat)),
                ("lookbook audit verify (whole chain)", median_time(verify, args.repeat)),
                ("lookbook check (integrity_check + chain)", median_time(check, args.repeat)),
                ("verified backup (copy + integrity_check)", median_time(backup, args.repeat))]
        print(f"\nlibrary.db {size / 2**20:,.0f} MiB, {n_customers:,} customers, {n_audit:,} audit rows; "
              f"median of {args.repeat}")
        print(f"{'step':<48}{'seconds':>10}{'× floor':>10}")
        for name, seconds in rows:
            print(f"{name:<48}{seconds:>10.3f}{seconds / floor:>10.0f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
