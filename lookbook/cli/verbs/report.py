"""The ``report`` verb's arguments; its handler is in :mod:`lookbook.cli.report`, imported when it runs."""

from __future__ import annotations

import argparse

#: lookbook.clienteling.report.DIMENSIONS, copied so that --help imports no store (a test keeps them equal).
DIMENSIONS = ("set", "associate", "brand", "channel", "week")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` verb."""
    p = subparsers.add_parser("report", help="what each set sold: sent, delivered, replied, held, bought, revenue "
                                             "and opt-outs per set, associate, brand, channel and week")
    p.add_argument("--by", choices=DIMENSIONS, action="append",
                   help="only this grouping (repeat for more; default: all)")
    p.add_argument("--days", type=int, help="attribution window in days (default: setting "
                                            "report.attribution_days, 14 unless set)")
    p.add_argument("--csv", metavar="FILE", help="also write the rows to a CSV file")
    p.add_argument("--sales", action="store_true", help="list each attributed sale too")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(handler="lookbook.cli.report:cmd_report")
