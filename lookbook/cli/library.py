"""Library verbs: ``init``, ``demo`` and ``info``."""

from __future__ import annotations

import argparse
import json
import sys

from lookbook.cli.context import CliContext
from lookbook.demo import build_demo
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
