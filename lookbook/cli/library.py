"""Library verbs: ``init``, ``demo``, ``info``, ``check``, ``backup``, ``backups list`` and ``restore``."""

from __future__ import annotations

import argparse
import json
import sys

from lookbook.cli.context import CliContext
from lookbook.progress import run_to_end
from lookbook.store import backups
from lookbook.store.database import create_store
from lookbook.store.library import Library


def cmd_init(args: argparse.Namespace, ctx: CliContext) -> int:
    path = args.dir or ctx.library_path
    store = create_store(path)
    print(f"Created an empty library at {store.library.root}")
    store.close()
    return 0


def cmd_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    # Imported here: the demo imports photos (OpenCV, Pillow); `info`, `check` and `backup` should not wait for it.
    from lookbook.demo import build_demo

    run_to_end(build_demo(args.dir), lambda step: print(step.line(), file=sys.stderr))
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
