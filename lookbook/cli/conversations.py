"""Conversation verbs: ``lookbook conversations list|show|answer``."""

from __future__ import annotations

import argparse
import json
import sys

from lookbook import conversations
from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    """List conversations."""
    found = conversations.list_conversations(ctx.store, associate=args.associate, search=args.search,
                                             unread_only=args.unread)
    for c in found:
        if args.json:
            print(json.dumps(c.as_dict()))
        else:
            print(f"{c.customer_id:>6}  {one_line(c.customer)[:28]:<28} {one_line(c.associate or '-'):<10} "
                  f"{c.unread:>3} unread  {c.last_at[:16].replace('T', ' ')}  {one_line(c.last_text)[:60]}")
    if not args.json and not found:
        print("No conversations.")
    return 0


def cmd_show(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print one customer's thread."""
    for e in conversations.thread(ctx.store, args.customer):
        if args.json:
            print(json.dumps(e.__dict__))
            continue
        who = "customer" if e.kind == "reply" else f"{e.by or 'store'} ({e.state})"
        print(f"{e.at[:16].replace('T', ' ')}  {e.channel:<5} {who}: {one_line(e.text)}")
    return 0


def cmd_answer(args: argparse.Namespace, ctx: CliContext) -> int:
    """Answer a customer."""
    report = conversations.answer(ctx.store, args.customer, args.text, actor=ctx.user.username, reply_id=args.reply,
                                  channel=args.channel)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    what = "it goes out with `lookbook outbox send`" if report.state == "approved" else \
        "it waits for a manager's approval (setting conversations.approval_required)"
    print(f"Answer {report.message_id} written; {what}.")
    return 0
