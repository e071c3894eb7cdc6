"""Hold verbs: ``lookbook holds list|add|release|sell``."""

from __future__ import annotations

import argparse
import json

from lookbook.catalog import holds
from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line


def _line(hold: holds.Hold) -> str:
    return (f"{hold.id:>5}  {hold.status:<8} until {hold.until[:16].replace('T', ' ')}  {one_line(hold.sku)} "
            f"{one_line(hold.product)} in {one_line(hold.size)} x{hold.quantity}  for {one_line(hold.customer)} "
            f"(customer {hold.customer_id}{', ' + one_line(hold.associate) if hold.associate else ''})")


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    """List holds; holds whose date has passed are recorded as expired first (when the library is writable)."""
    holds.expire_due(ctx.store)
    found = holds.list_holds(ctx.store, status=None if args.status == "all" else args.status,
                             customer_id=args.customer, associate=args.associate)
    for hold in found:
        print(json.dumps(hold.as_dict()) if args.json else _line(hold))
    if not args.json and not found:
        print("No holds.")
    return 0


def cmd_add(args: argparse.Namespace, ctx: CliContext) -> int:
    """Put a product aside for a customer."""
    hold = holds.add_hold(ctx.store, args.customer, args.sku, args.size, actor=ctx.user.username, days=args.days,
                          quantity=args.quantity)
    print(json.dumps(hold.as_dict()) if args.json else f"Hold {hold.id}: {_line(hold).split(None, 1)[1]}")
    return 0


def cmd_release(args: argparse.Namespace, ctx: CliContext) -> int:
    """Release a hold."""
    holds.release(ctx.store, args.id, actor=ctx.user.username)
    print(f"Hold {args.id} released: the unit is offered to everyone again.")
    return 0


def cmd_sell(args: argparse.Namespace, ctx: CliContext) -> int:
    """Turn a hold into a sale."""
    holds.sell(ctx.store, args.id, actor=ctx.user.username)
    print(f"Hold {args.id} sold: the unit left the stock and the purchase is on the customer's record.")
    return 0
