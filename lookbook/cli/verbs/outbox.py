"""The ``outbox`` verbs' arguments; their handlers are in :mod:`lookbook.cli.outbox`, imported when one runs."""

from __future__ import annotations

import argparse

from lookbook.cli.verbs.choices import CONSENT_CHANNELS, OUTBOX_STATES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``outbox`` verb group."""
    group = subparsers.add_parser("outbox", help="draft, approve and follow messages to customers")
    verbs = group.add_subparsers(dest="outbox_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("draft", help="draft one message per matching customer of a set")
    p.add_argument("set_id", type=int, metavar="SET")
    _template_args(p)
    p.add_argument("--channel", choices=CONSENT_CHANNELS, help="send on this channel instead of each customer's own")
    p.add_argument("--several", action="store_true",
                   help="on X, one message per shot instead of one message with the lookbook card")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_draft")

    p = verbs.add_parser("preview", help="show a set's message as a few of its real recipients will see it "
                         "(exits 1 if one of them has a problem)")
    p.add_argument("set_id", type=int, metavar="SET")
    _template_args(p)
    p.add_argument("--customers", type=int, default=5, metavar="N", help="how many recipients (default 5)")
    p.add_argument("--channel", choices=CONSENT_CHANNELS, help="preview on this channel instead of each customer's own")
    p.add_argument("--json", action="store_true", help="print one JSON object per recipient")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_preview")

    p = verbs.add_parser("submit", help="send a set's drafts to a manager for approval")
    p.add_argument("set_id", type=int, metavar="SET")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_submit")

    for verb, helptext in (("approve", "approve a set's pending messages, or single messages (managers)"),
                           ("reject", "reject a set's pending messages, or single messages, saying why")):
        p = verbs.add_parser(verb, help=helptext)
        _targets(p)
        p.add_argument("--comment", "-m", default="", help="the decision's comment (required to reject)")
        p.set_defaults(handler="lookbook.cli.outbox:cmd_decide", decision=verb)

    p = verbs.add_parser("edit", help="change a message's text (an approved one needs approval again)")
    p.add_argument("message_id", type=int, metavar="MESSAGE")
    p.add_argument("--body", required=True, help="the new text ('-' reads it from standard input)")
    p.add_argument("--subject", help="the new e-mail subject")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_edit")

    p = verbs.add_parser("cancel", help="cancel messages that have not gone out")
    p.add_argument("message_ids", type=int, nargs="+", metavar="MESSAGE")
    p.add_argument("--reason", required=True, help="why, kept on each message")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_cancel")

    p = verbs.add_parser("list", help="list messages and their states")
    p.add_argument("--state", choices=OUTBOX_STATES, help="only messages in this state")
    p.add_argument("--set", dest="set_id", type=int, metavar="SET", help="only messages of this set")
    p.add_argument("--limit", type=int, metavar="N", help="at most N messages, newest first")
    p.add_argument("--json", action="store_true", help="print one JSON object per message")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_list")

    p = verbs.add_parser("expire", help="expire pending messages too old to approve or whose sizes sold out")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_expire")

    p = verbs.add_parser("allow-more", help="let an associate's set go past the recipient cap (managers)")
    p.add_argument("set_id", type=int, metavar="SET")
    p.add_argument("--comment", "-m", required=True, help="why this set may go to more customers")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_allow_more")

    template = verbs.add_parser("template", help="save, list, show or delete message templates")
    tverbs = template.add_subparsers(dest="template_command", metavar="VERB")
    tverbs.required = True
    p = tverbs.add_parser("save", help="create or replace a template")
    p.add_argument("name")
    p.add_argument("--body", required=True, help="the text with {placeholders} ('-' reads standard input)")
    p.add_argument("--subject", default="", help="the e-mail subject, with {placeholders}")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_template_save")
    p = tverbs.add_parser("list", help="list templates")
    p.add_argument("--json", action="store_true", help="print one JSON object per template")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_template_list")
    p = tverbs.add_parser("show", help="print a template")
    p.add_argument("name")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_template_show")
    p = tverbs.add_parser("delete", help="delete a template")
    p.add_argument("name")
    p.set_defaults(handler="lookbook.cli.outbox:cmd_template_delete")

    # Delivery verbs (send, retry, offer, replies) live with the delivery code.
    from lookbook.cli.verbs.delivery import add_outbox_verbs

    add_outbox_verbs(verbs)


def _template_args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--template", "-t", metavar="NAME", help="a saved template")
    which.add_argument("--text", help="the template text itself, with {placeholders}")
    p.add_argument("--subject", default="", help="with --text: the e-mail subject")


def _targets(p: argparse.ArgumentParser) -> None:
    p.add_argument("message_ids", type=int, nargs="*", metavar="MESSAGE", help="single messages")
    p.add_argument("--set", dest="set_id", type=int, metavar="SET", help="every pending message of this set")

