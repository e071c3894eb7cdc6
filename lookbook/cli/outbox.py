"""Outbox verbs: ``lookbook outbox draft|submit|approve|reject|edit|cancel|list|preview|expire|allow-more``
and ``lookbook outbox template save|list|show|delete``.

Each verb is one ``add_parser`` call on the ``outbox`` group's subparsers in :func:`register`, so another
verb (such as ``send``) is one more call there. Verbs that change something act as the ``--as`` user.
"""

from __future__ import annotations

import argparse
import json
import sys

from lookbook import outbox
from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line
from lookbook.consent import CHANNELS
from lookbook.errors import InputError
from lookbook.outbox import STATES, BatchReport
from lookbook.templates import Template, delete_template, get_template, list_templates, save_template


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``outbox`` verb group."""
    group = subparsers.add_parser("outbox", help="draft, approve and follow messages to customers")
    verbs = group.add_subparsers(dest="outbox_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("draft", help="draft one message per matching customer of a set")
    p.add_argument("set_id", type=int, metavar="SET")
    _template_args(p)
    p.add_argument("--channel", choices=CHANNELS, help="send on this channel instead of each customer's own")
    p.add_argument("--several", action="store_true",
                   help="on X, one message per shot instead of one message with the lookbook card")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_draft)

    p = verbs.add_parser("preview", help="show a set's message as a few of its real recipients will see it "
                         "(exits 1 if one of them has a problem)")
    p.add_argument("set_id", type=int, metavar="SET")
    _template_args(p)
    p.add_argument("--customers", type=int, default=5, metavar="N", help="how many recipients (default 5)")
    p.add_argument("--channel", choices=CHANNELS, help="preview on this channel instead of each customer's own")
    p.add_argument("--json", action="store_true", help="print one JSON object per recipient")
    p.set_defaults(handler=cmd_preview)

    p = verbs.add_parser("submit", help="send a set's drafts to a manager for approval")
    p.add_argument("set_id", type=int, metavar="SET")
    p.set_defaults(handler=cmd_submit)

    for verb, helptext in (("approve", "approve a set's pending messages, or single messages (managers)"),
                           ("reject", "reject a set's pending messages, or single messages, saying why")):
        p = verbs.add_parser(verb, help=helptext)
        _targets(p)
        p.add_argument("--comment", "-m", default="", help="the decision's comment (required to reject)")
        p.set_defaults(handler=cmd_decide, decision=verb)

    p = verbs.add_parser("edit", help="change a message's text (an approved one needs approval again)")
    p.add_argument("message_id", type=int, metavar="MESSAGE")
    p.add_argument("--body", required=True, help="the new text ('-' reads it from standard input)")
    p.add_argument("--subject", help="the new e-mail subject")
    p.set_defaults(handler=cmd_edit)

    p = verbs.add_parser("cancel", help="cancel messages that have not gone out")
    p.add_argument("message_ids", type=int, nargs="+", metavar="MESSAGE")
    p.add_argument("--reason", required=True, help="why, kept on each message")
    p.set_defaults(handler=cmd_cancel)

    p = verbs.add_parser("list", help="list messages and their states")
    p.add_argument("--state", choices=STATES, help="only messages in this state")
    p.add_argument("--set", dest="set_id", type=int, metavar="SET", help="only messages of this set")
    p.add_argument("--limit", type=int, metavar="N", help="at most N messages, newest first")
    p.add_argument("--json", action="store_true", help="print one JSON object per message")
    p.set_defaults(handler=cmd_list)

    p = verbs.add_parser("expire", help="expire pending messages too old to approve or whose sizes sold out")
    p.set_defaults(handler=cmd_expire)

    p = verbs.add_parser("allow-more", help="let an associate's set go past the recipient cap (managers)")
    p.add_argument("set_id", type=int, metavar="SET")
    p.add_argument("--comment", "-m", required=True, help="why this set may go to more customers")
    p.set_defaults(handler=cmd_allow_more)

    template = verbs.add_parser("template", help="save, list, show or delete message templates")
    tverbs = template.add_subparsers(dest="template_command", metavar="VERB")
    tverbs.required = True
    p = tverbs.add_parser("save", help="create or replace a template")
    p.add_argument("name")
    p.add_argument("--body", required=True, help="the text with {placeholders} ('-' reads standard input)")
    p.add_argument("--subject", default="", help="the e-mail subject, with {placeholders}")
    p.set_defaults(handler=cmd_template_save)
    p = tverbs.add_parser("list", help="list templates")
    p.add_argument("--json", action="store_true", help="print one JSON object per template")
    p.set_defaults(handler=cmd_template_list)
    p = tverbs.add_parser("show", help="print a template")
    p.add_argument("name")
    p.set_defaults(handler=cmd_template_show)
    p = tverbs.add_parser("delete", help="delete a template")
    p.add_argument("name")
    p.set_defaults(handler=cmd_template_delete)

    # Delivery verbs (send, retry, offer, replies) live with the delivery code.
    from lookbook.cli.delivery import add_outbox_verbs

    add_outbox_verbs(verbs)


def _template_args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--template", "-t", metavar="NAME", help="a saved template")
    which.add_argument("--text", help="the template text itself, with {placeholders}")
    p.add_argument("--subject", default="", help="with --text: the e-mail subject")


def _targets(p: argparse.ArgumentParser) -> None:
    p.add_argument("message_ids", type=int, nargs="*", metavar="MESSAGE", help="single messages")
    p.add_argument("--set", dest="set_id", type=int, metavar="SET", help="every pending message of this set")


def _template(args: argparse.Namespace, ctx: CliContext) -> Template:
    if args.template:
        return get_template(ctx.store, args.template)
    return Template("(given on the command line)", args.text, args.subject)


def _text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


def _print_batch(report: BatchReport, past: str) -> int:
    print(f"{len(report.done)} message(s) {past}.")
    for message_id, reason in report.refused:
        # The core's reasons already start "message N: ..."; say it once.
        said = reason if reason.startswith(f"message {message_id}:") else f"message {message_id}: {reason}"
        print(f"  {said}", file=sys.stderr)
    return 1 if report.refused and not report.done else 0


# -- handlers ----------------------------------------------------------------------------------------------
def cmd_draft(args: argparse.Namespace, ctx: CliContext) -> int:
    report = outbox.draft_set(ctx.store, args.set_id, ctx.user.username, _template(args, ctx),
                              channel_override=args.channel, mode="several" if args.several else "card")
    if args.json:
        print(json.dumps({"set_id": report.set_id, "drafted": report.drafted, "attachment": report.attachment,
                          "skipped": [s.__dict__ for s in report.skipped], "warnings": report.warnings}))
        return 0
    print(f"Drafted {len(report.drafted)} message(s) for set {args.set_id}; card: {report.attachment}")
    for skipped in report.skipped:
        print(f"  skipped customer {skipped.customer_id}: {skipped.reason}", file=sys.stderr)
    for warning in report.warnings:
        print(f"  ! {warning}", file=sys.stderr)
    if report.drafted:
        print(f"Check them with `lookbook outbox preview {args.set_id}`, then "
              f"`lookbook outbox submit {args.set_id}`.")
    return 0


def cmd_preview(args: argparse.Namespace, ctx: CliContext) -> int:
    actor = args.as_user or "associate"
    shown = outbox.preview_set(ctx.store, args.set_id, actor, _template(args, ctx), customers=args.customers,
                               channel_override=args.channel)
    for one in shown:
        if args.json:
            print(json.dumps({"customer_id": one.customer_id, "customer": one.customer_name, "channel": one.channel,
                              "subject": one.subject, "body": one.body, "problems": one.problems}))
            continue
        print(f"── {one_line(one.customer_name)} (customer {one.customer_id}) on {one.channel} "
              f"{'─' * max(0, 40 - len(one.customer_name))}")
        if one.subject:
            print(f"Subject: {one.subject}")
        print(one.body)
        for problem in one.problems:
            print(f"  ! {problem}")
        print()
    if not shown:
        print(f"Set {args.set_id} has no recipients to preview.", file=sys.stderr)
    return 1 if any(one.problems for one in shown) and not args.json else 0


def cmd_submit(args: argparse.Namespace, ctx: CliContext) -> int:
    return _print_batch(outbox.submit(ctx.store, args.set_id, ctx.user.username), "submitted for approval")


def cmd_decide(args: argparse.Namespace, ctx: CliContext) -> int:
    if bool(args.message_ids) == (args.set_id is not None):
        raise InputError(f"outbox {args.decision}: give --set SET or message ids, not both.")
    ids = args.message_ids or None
    if args.decision == "approve":
        report = outbox.approve(ctx.store, ctx.user.username, args.comment, set_id=args.set_id, message_ids=ids)
        return _print_batch(report, "approved")
    report = outbox.reject(ctx.store, ctx.user.username, args.comment, set_id=args.set_id, message_ids=ids)
    return _print_batch(report, "rejected")


def cmd_edit(args: argparse.Namespace, ctx: CliContext) -> int:
    report = outbox.edit_message(ctx.store, args.message_id, ctx.user.username, _text(args.body),
                                 subject=args.subject)
    print(f"Message {report.message_id} is now {report.state}.")
    for warning in report.warnings:
        print(f"  ! {warning}", file=sys.stderr)
    return 0


def cmd_cancel(args: argparse.Namespace, ctx: CliContext) -> int:
    return _print_batch(outbox.cancel(ctx.store, ctx.user.username, args.message_ids, args.reason), "cancelled")


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    rows = outbox.list_messages(ctx.store, state=args.state, set_id=args.set_id, limit=args.limit)
    if args.json:
        for row in rows:
            print(json.dumps(row.as_json()))
        return 0
    if not rows:
        print("No messages.")
        return 0
    print(f"{'id':>6}  {'state':<9}  {'chan':<5}  {'set':>4}  {'customer':<24}  {'drafted by':<10}  note")
    for row in rows:
        note = row.state_reason or row.error or row.decision_comment or row.match_reason
        print(f"{row.id:>6}  {row.state:<9}  {row.channel:<5}  {row.set_id or '':>4}  "
              f"{one_line(row.customer_name)[:24]:<24}  {row.drafted_by[:10]:<10}  {note[:60]}")
    return 0


def cmd_expire(args: argparse.Namespace, ctx: CliContext) -> int:
    report = outbox.expire_stale(ctx.store, actor=args.as_user or "system")
    print(f"{len(report.done)} message(s) expired.")
    return 0


def cmd_allow_more(args: argparse.Namespace, ctx: CliContext) -> int:
    outbox.override_cap(ctx.store, args.set_id, ctx.user.username, args.comment)
    print(f"Set {args.set_id} may go past the associate cap; draft it again to add the others.")
    return 0


def cmd_template_save(args: argparse.Namespace, ctx: CliContext) -> int:
    report = save_template(ctx.store, args.name, _text(args.body), ctx.user.username, subject=args.subject)
    print(f"Saved template '{report.template.name}'.")
    for warning in report.warnings:
        print(f"  ! {warning}", file=sys.stderr)
    return 0


def cmd_template_list(args: argparse.Namespace, ctx: CliContext) -> int:
    for template in list_templates(ctx.store):
        if args.json:
            print(json.dumps(template.__dict__))
        else:
            print(f"{template.name}: {template.body[:70]!r}")
    return 0


def cmd_template_show(args: argparse.Namespace, ctx: CliContext) -> int:
    template = get_template(ctx.store, args.name)
    if template.subject:
        print(f"Subject: {template.subject}")
    print(template.body)
    return 0


def cmd_template_delete(args: argparse.Namespace, ctx: CliContext) -> int:
    delete_template(ctx.store, args.name, ctx.user.username)
    print(f"Deleted template '{args.name}'.")
    return 0

