"""The ``sets`` verbs' arguments; their handlers are in :mod:`lookbook.cli.sets`, imported when one runs."""

from __future__ import annotations

import argparse

from lookbook.cli.verbs.choices import CARD_OUTPUTS
from lookbook.cli.verbs.customers import register_match


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sets`` verb group."""
    group = subparsers.add_parser("sets", help="the shots chosen to send for one brand")
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)
    register_match(verbs)  # `sets match SET [--json]`, run by lookbook.cli.match

    p = verbs.add_parser("create", help="create a set for a brand, optionally with shots")
    p.add_argument("--brand", required=True, help="the brand's name")
    p.add_argument("--name", required=True, help="the set's name, e.g. 'Spring shirts'")
    p.add_argument("--scope", choices=("one_to_one", "marketing"), default="one_to_one",
                   help="personal messages from associates (default) or store-wide marketing")
    p.add_argument("photos", nargs="*", metavar="PHOTO", help="photo id, file name as imported, or hash prefix")
    p.set_defaults(handler="lookbook.cli.sets:cmd_create")

    p = verbs.add_parser("list", help="list sets, newest first")
    p.add_argument("--brand", help="only this brand's sets")
    p.add_argument("--json", action="store_true", help="print one JSON object per set")
    p.set_defaults(handler="lookbook.cli.sets:cmd_list")

    p = verbs.add_parser("show", help="show a set's shots in order")
    p.add_argument("set", metavar="SET", help="the set's id or name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler="lookbook.cli.sets:cmd_show")

    for verb, helptext, handler in (
            ("add", "add shots to the end of a set (grouped by product, best first)", "cmd_add"),
            ("remove", "remove shots from a set", "cmd_remove"),
            ("reorder", "put the shots named first, in that order; the rest follow", "cmd_reorder")):
        p = verbs.add_parser(verb, help=helptext)
        p.add_argument("set", metavar="SET", help="the set's id or name")
        p.add_argument("photos", nargs="+", metavar="PHOTO", help="photo id, file name as imported, or hash prefix")
        p.set_defaults(handler=f"lookbook.cli.sets:{handler}")

    p = verbs.add_parser("rename", help="rename a set")
    p.add_argument("set", metavar="SET", help="the set's id or name")
    p.add_argument("name", help="the new name")
    p.set_defaults(handler="lookbook.cli.sets:cmd_rename")

    p = verbs.add_parser("layout", help="lay the set's card out with another layout (`lookbook layouts list`)")
    p.add_argument("set", metavar="SET", help="the set's id or name")
    p.add_argument("layout", metavar="LAYOUT", help="the layout's name")
    p.set_defaults(handler="lookbook.cli.sets:cmd_layout")

    p = verbs.add_parser("card", help="write the set's card as a customer gets it (JPEG)")
    p.add_argument("set", metavar="SET", help="the set's id or name")
    p.add_argument("--customer", type=int, metavar="ID", help="with this customer's sizes on it")
    p.add_argument("--output", choices=CARD_OUTPUTS, default="x",
                   help="which output's size: the X card (default), e-mail, PDF page, square or portrait")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the JPEG")
    p.set_defaults(handler="lookbook.cli.sets:cmd_card")

    p = verbs.add_parser("delete", help="delete a set (its shots stay in the library)")
    p.add_argument("set", metavar="SET", help="the set's id or name")
    p.set_defaults(handler="lookbook.cli.sets:cmd_delete")

