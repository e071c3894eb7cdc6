"""The ``library`` verbs' arguments; their handlers are in :mod:`lookbook.cli.library`, imported when one runs."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the library verbs."""
    p = subparsers.add_parser("init", help="create a new, empty library")
    p.add_argument("dir", nargs="?", help="the folder for the library (default: --library or the default place)")
    p.set_defaults(handler="lookbook.cli.library:cmd_init")

    p = subparsers.add_parser("demo", help="create the demo library (real photos, invented catalog and customers)")
    p.add_argument("dir", help="the folder for the demo library (must not hold a library yet)")
    p.set_defaults(handler="lookbook.cli.library:cmd_demo")

    p = subparsers.add_parser("info", help="show a library's location, schema version and counts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler="lookbook.cli.library:cmd_info")

    p = subparsers.add_parser("check", help="check the whole library: SQLite's integrity check, references and "
                                            "the audit log's hash chain (exit 1 if anything is wrong)")
    p.set_defaults(handler="lookbook.cli.library:cmd_check")

    p = subparsers.add_parser("backup", help="take a verified backup of library.db now (kept in backups/)")
    p.set_defaults(handler="lookbook.cli.library:cmd_backup")

    group = subparsers.add_parser("backups", help="the library's backups")
    verbs = group.add_subparsers(dest="backups_command", metavar="VERB", required=True)
    p = verbs.add_parser("list", help="list the backups, newest first, with time and size")
    p.add_argument("--json", action="store_true", help="print one JSON object per backup")
    p.set_defaults(handler="lookbook.cli.library:cmd_backups_list")

    p = subparsers.add_parser("restore", help="put a verified backup in place of library.db (the old file is "
                                              "kept aside) and say what the backup lacks")
    p.add_argument("backup", nargs="?", help="the backup's file name (default: the newest sound one)")
    p.set_defaults(handler="lookbook.cli.library:cmd_restore")

