"""The ``layouts`` verbs' arguments; their handlers are in :mod:`lookbook.cli.layouts`, imported when one runs."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``layouts`` verb group."""
    group = subparsers.add_parser("layouts", help="card layouts: where a card's shots, header and captions go")
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser("list", help="list the built-in layouts and those saved in the library")
    p.add_argument("--json", action="store_true", help="print one JSON object per layout")
    p.set_defaults(handler="lookbook.cli.layouts:cmd_list")

    p = verbs.add_parser("check", help="check layout files (and, with none named, those saved in the library)")
    p.add_argument("files", nargs="*", metavar="FILE", help="a layout JSON file")
    p.set_defaults(handler="lookbook.cli.layouts:cmd_check")

    p = verbs.add_parser("save", help="save a layout of your own, from an existing one or from a file")
    p.add_argument("name", metavar="NAME", help="the new layout's name (lower-case letters, digits, dashes)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="base", metavar="LAYOUT", help="start from a copy of this layout")
    source.add_argument("--file", metavar="FILE", help="a layout JSON file (its name is replaced by NAME)")
    p.add_argument("--title", help="the layout's title as people see it")
    p.set_defaults(handler="lookbook.cli.layouts:cmd_save")
