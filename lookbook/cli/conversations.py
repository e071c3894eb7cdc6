"""Conversation verbs: ``lookbook conversations list|show|answer``."""

from __future__ import annotations

import argparse
import json
import sys

from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line
from lookbook.outbox import conversations


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
        print(f"{e.at[:16].replace('T', ' ')}  {e.channel:<8} {who}: {one_line(e.text)}")
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


def cmd_fetch(args: argparse.Namespace, ctx: CliContext) -> int:
    """Read new replies from X and the mailbox; print what the polls warn about and what they found."""
    import os

    from lookbook.outbox import email_replies, replies
    from lookbook.outbox.channels import accounts
    from lookbook.outbox.sender import direct

    store = ctx.store
    polls = []
    if accounts.x_settings(store).get("user_id") or os.environ.get("LOOKBOOK_X_API_URL"):
        polls.append(("X", lambda: replies.poll(direct(store))))
    if store.get_setting(email_replies.IMAP_SETTING):
        polls.append(("e-mail", lambda: email_replies.poll(direct(store))))
    if not polls:
        print("Neither X nor the mailbox is set up: sign in to X (`lookbook delivery x-sign-in`) or add the "
              "mailbox (`lookbook conversations mailbox`).", file=sys.stderr)
        return 1
    for name, run in polls:
        report = run()
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        known = len(report.new) - report.unknown_senders if name == "X" else len(report.new)
        print(f"{name}: {known} new repl{'y' if known == 1 else 'ies'}; {len(report.withdrawn)} withdrew consent; "
              f"{len(report.paused)} may have asked to stop; {report.unknown_senders} from people not in the "
              "customer book.")
    return 0


def cmd_mailbox(args: argparse.Namespace, ctx: CliContext) -> int:
    """Save the mailbox settings; the password goes to the keyring."""
    import getpass
    import os

    from lookbook.outbox import email_replies

    password = os.environ.get("LOOKBOOK_IMAP_PASSWORD")
    if password is None:
        try:
            password = getpass.getpass("Mailbox password: ")
        except EOFError:
            password = None
    email_replies.save_imap_settings(ctx.store, {"host": args.host, "port": args.port, "security": args.security,
                                                 "username": args.username, "folder": args.folder},
                                     ctx.user.username, password=password)
    print(f"Mailbox {args.username}@{args.host} saved; `lookbook conversations fetch` reads its replies.")
    return 0
