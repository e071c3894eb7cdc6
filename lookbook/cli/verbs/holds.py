"""The ``holds`` verbs' arguments; their handlers are in :mod:`lookbook.cli.holds`, imported when one runs."""

from __future__ import annotations

import argparse

HOLD_STATUSES = ("active", "released", "sold", "expired", "all")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``holds`` verb group."""
    group = subparsers.add_parser("holds", help="products put aside for customers until a date")
    verbs = group.add_subparsers(dest="holds_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("list", help="list holds, soonest to end first (past-date holds are recorded as expired)")
    p.add_argument("--status", choices=HOLD_STATUSES, default="active")
    p.add_argument("--customer", type=int, metavar="ID", help="only this customer's holds")
    p.add_argument("--associate", metavar="USER", help="only holds of this associate's customers")
    p.add_argument("--json", action="store_true", help="print one JSON object per hold")
    p.set_defaults(handler="lookbook.cli.holds:cmd_list")

    p = verbs.add_parser("add", help="put a product in a size aside for a customer (default: the store's "
                                     "hold length, 3 days unless set)")
    p.add_argument("customer", type=int, metavar="CUSTOMER_ID")
    p.add_argument("sku")
    p.add_argument("size")
    p.add_argument("--days", type=int, help="how many days to hold it (default: setting holds.days)")
    p.add_argument("--quantity", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="lookbook.cli.holds:cmd_add")

    p = verbs.add_parser("release", help="give a held unit back to everyone's offers")
    p.add_argument("id", type=int, metavar="HOLD_ID")
    p.set_defaults(handler="lookbook.cli.holds:cmd_release")

    p = verbs.add_parser("sell", help="turn a hold into a sale: the unit leaves the stock, a purchase is recorded")
    p.add_argument("id", type=int, metavar="HOLD_ID")
    p.set_defaults(handler="lookbook.cli.holds:cmd_sell")
