"""Library verbs: ``init``, ``demo``, ``info``, ``check``, ``backup``, ``backups list`` and ``restore``."""

from __future__ import annotations

import argparse
import json
import sys

from lookbook import backups
from lookbook.cli.context import CliContext
from lookbook.demo import build_demo
from lookbook.library import Library
from lookbook.store import create_store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the library verbs."""
    p = subparsers.add_parser("init", help="create a new, empty library")
    p.add_argument("dir", nargs="?", help="the folder for the library (default: --library or the default place)")
    p.set_defaults(handler=cmd_init)

    p = subparsers.add_parser("demo", help="create the demo library (real photos, invented catalog and customers)")
    p.add_argument("dir", help="the folder for the demo library (must not hold a library yet)")
    p.set_defaults(handler=cmd_demo)

    p = subparsers.add_parser("info", help="show a library's location, schema version and counts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_info)

    p = subparsers.add_parser("check", help="check the whole library: SQLite's integrity check, references and "
                                            "the audit log's hash chain (exit 1 if anything is wrong)")
    p.set_defaults(handler=cmd_check)

    p = subparsers.add_parser("backup", help="take a verified backup of library.db now (kept in backups/)")
    p.set_defaults(handler=cmd_backup)

    group = subparsers.add_parser("backups", help="the library's backups")
    verbs = group.add_subparsers(dest="backups_command", metavar="VERB", required=True)
    p = verbs.add_parser("list", help="list the backups, newest first, with time and size")
    p.add_argument("--json", action="store_true", help="print one JSON object per backup")
    p.set_defaults(handler=cmd_backups_list)

    p = subparsers.add_parser("restore", help="put a verified backup in place of library.db (the old file is "
                                              "kept aside) and say what the backup lacks")
    p.add_argument("backup", nargs="?", help="the backup's file name (default: the newest sound one)")
    p.set_defaults(handler=cmd_restore)


def cmd_init(args: argparse.Namespace, ctx: CliContext) -> int:
    path = args.dir or ctx.library_path
    store = create_store(path)
    print(f"Created an empty library at {store.library.root}")
    store.close()
    return 0


def cmd_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    for done, total, step in build_demo(args.dir):
        print(f"[{done}/{total}] {step}", file=sys.stderr)
    print(f"Created the demo library at {args.dir}")
    return 0


def cmd_info(args: argparse.Namespace, ctx: CliContext) -> int:
    store = ctx.store
    info = {"library": str(store.library.root), "schema_version": store.schema_version(), **store.counts()}
    if args.json:
        print(json.dumps(info))
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key.replace('_', ' '):<{width}}  {value}")
    return 0


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    report = ctx.store.check()
    for line in report.lines():
        print(line)
    if not report.ok and ctx.store.damaged is not None:
        print(ctx.store.refusal())
    return 0 if report.ok else 1


def cmd_backup(args: argparse.Namespace, ctx: CliContext) -> int:
    backup = ctx.store.backup("manual")
    print(f"Backed up to {backup.path} ({backup.size:,} bytes, verified)")
    return 0


def cmd_backups_list(args: argparse.Namespace, ctx: CliContext) -> int:
    library = Library.locate(ctx.library_path)
    found = backups.list_backups(library)
    for b in found:
        if args.json:
            print(json.dumps({"name": b.name, "taken_at": b.taken_at.isoformat(timespec="seconds"),
                              "reason": b.reason, "size": b.size}))
        else:
            print(f"{b.when()}  {b.size:>12,}  {b.reason:<10}  {b.name}")
    if not found and not args.json:
        print(f"No backups in {library.backups_dir} yet; take one with `lookbook backup`.")
    return 0


def cmd_restore(args: argparse.Namespace, ctx: CliContext) -> int:
    # The library is not opened here: a damaged one may not open at all, and it must be closed to be replaced.
    ctx.close()  # opened to check --as: the file is about to be replaced under it
    root = ctx.library_path.expanduser().absolute()
    # A library whose library.db is gone but whose backups are there can be restored too.
    library = Library(root) if Library(root).backups_dir.is_dir() else Library.locate(root)
    report = backups.restore(library, args.backup)
    for line in report.lines():
        print(line)
    return 0
