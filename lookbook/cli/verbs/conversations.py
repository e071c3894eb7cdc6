"""The ``conversations`` verbs' arguments; handlers in :mod:`lookbook.cli.conversations`, imported when one runs."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``conversations`` verb group."""
    group = subparsers.add_parser("conversations", help="customers' replies threaded with the messages they answer")
    verbs = group.add_subparsers(dest="conversations_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("list", help="customers who replied, latest first, with unread counts")
    p.add_argument("--associate", metavar="USER", help="only this associate's customers")
    p.add_argument("--search", metavar="WORDS", help="words in the customer's name or their replies")
    p.add_argument("--unread", action="store_true", help="only conversations with unread replies")
    p.add_argument("--json", action="store_true", help="print one JSON object per conversation")
    p.set_defaults(handler="lookbook.cli.conversations:cmd_list")

    p = verbs.add_parser("show", help="one customer's messages and replies in time order")
    p.add_argument("customer", type=int, metavar="CUSTOMER_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="lookbook.cli.conversations:cmd_show")

    p = verbs.add_parser("answer", help="answer a customer in their conversation (sent by `outbox send`)")
    p.add_argument("customer", type=int, metavar="CUSTOMER_ID")
    p.add_argument("text")
    p.add_argument("--reply", type=int, metavar="REPLY_ID", help="the reply answered (default: their latest)")
    # conversations.ANSWER_LIMITS's channels, written out: verbs stay light (tests/test_cli_startup.py).
    p.add_argument("--channel", choices=("x", "email", "sms", "whatsapp"), help="when the customer has not written yet")
    p.set_defaults(handler="lookbook.cli.conversations:cmd_answer")

    p = verbs.add_parser("fetch", help="read new replies: X DMs (when signed in) and e-mail from the store's "
                                       "mailbox (when set up)")
    p.set_defaults(handler="lookbook.cli.conversations:cmd_fetch")

    p = verbs.add_parser("mailbox", help="set up the store's IMAP mailbox for e-mail replies (password from "
                                         "$LOOKBOOK_IMAP_PASSWORD or a prompt; kept in the system keyring)")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int)
    p.add_argument("--security", choices=("ssl", "starttls", "plain"), default="ssl")
    p.add_argument("--username", required=True)
    p.add_argument("--folder", default="INBOX")
    p.set_defaults(handler="lookbook.cli.conversations:cmd_mailbox")
