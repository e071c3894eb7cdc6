"""The ``lookbook report`` verb: the funnel per set, associate, brand, channel and week, and attributed sales."""

from __future__ import annotations

import argparse
import json

from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line
from lookbook.clienteling import report
from lookbook.errors import InputError

_HEAD = f"{'':<34} {'sent':>6} {'deliv':>6} {'replied':>7} {'held':>5} {'bought':>6} {'revenue':>10} " \
        f"{'reply%':>6} {'buy%':>6} {'optout':>6}"


def _money(minor: int) -> str:
    return f"{minor / 100:,.2f}"


def _line(row: report.ReportRow) -> str:
    d = row.as_dict()
    return (f"{one_line(row.key)[:34]:<34} {row.sent:>6} {row.delivered:>6} {row.replied:>7} {row.held:>5} "
            f"{row.bought:>6} {_money(row.revenue_minor):>10} {d['reply_rate'] * 100:>5.1f}% "
            f"{d['purchase_rate'] * 100:>5.1f}% {row.opt_outs:>6}")


def cmd_report(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print the report (or its JSON); write the CSV when asked."""
    if args.days is not None and not 1 <= args.days <= 365:
        raise InputError(f"--days {args.days}: choose an attribution window of 1 to 365 days.")
    result = report.build_report(ctx.store, days=args.days)
    dimensions = args.by or list(report.DIMENSIONS)
    if args.csv:
        report.write_csv(result, args.csv, dimensions)
    if args.json:
        data = result.as_dict()
        for dim in report.DIMENSIONS:
            if dim not in dimensions:
                data.pop(dim)
        print(json.dumps(data))
        return 0
    print(f"Attribution window: {result.window_days} days; revenue in {result.currency or 'the catalog currency'}.")
    for dim in dimensions:
        print(f"\nBy {dim}\n{_HEAD}")
        for row in result.by[dim]:
            print(_line(row))
    print(f"\n{_line(result.total)}")
    if args.sales:
        print("\nSales")
        for s in result.sales:
            print(f"  {s.purchased_at[:10]}  customer {s.customer_id}  {one_line(s.sku or s.brand)} "
                  f"{one_line(s.size or '')}  {_money(s.revenue_minor)}  ← message {s.message_id} "
                  f"({one_line(s.set_name)}, {one_line(s.associate)}, {s.channel}; {s.match})")
    if args.csv:
        print(f"\nWrote {args.csv}.")
    return 0
