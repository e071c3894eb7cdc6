"""Outbox verbs: ``lookbook outbox draft|submit|approve|reject|edit|cancel|list|preview|expire|allow-more``
and ``lookbook outbox template save|list|show|delete``.

Each verb is one ``add_parser`` call on the ``outbox`` group's subparsers in :func:`register`, so another
verb (such as ``send``) is one more call there. Verbs that change something act as the ``--as`` user.
"""

from __future__ import annotations

import argparse
import json
import sys

from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line
from lookbook.errors import InputError
from lookbook.outbox import messages as outbox
from lookbook.outbox.channels import registry
from lookbook.outbox.messages import BatchReport
from lookbook.outbox.templates import Template, delete_template, get_template, list_templates, save_template
from lookbook.words import plural


def _template(args: argparse.Namespace, ctx: CliContext) -> Template:
    if args.template:
        return get_template(ctx.store, args.template)
    return Template("(given on the command line)", args.text, args.subject)


def _text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


def _print_batch(report: BatchReport, past: str) -> int:
    print(f"{plural(len(report.done), 'message')} {past}.")
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
    print(f"Drafted {plural(len(report.drafted), 'message')} for set {args.set_id}; card: {report.attachment}")
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
            kind = registry.find(one.channel)
            print(json.dumps({"customer_id": one.customer_id, "customer": one.customer_name, "channel": one.channel,
                              "subject": one.subject, "body": one.body, "problems": one.problems,
                              "segments": kind.segments(one.body) if kind is not None else None}))
            continue
        print(f"── {one_line(one.customer_name)} (customer {one.customer_id}) on {one.channel} "
              f"{'─' * max(0, 40 - len(one.customer_name))}")
        if one.subject:
            print(f"Subject: {one.subject}")
        print(one.body)
        kind = registry.find(one.channel)
        billed = kind.segments(one.body) if kind is not None else None
        if billed:  # SMS: the segments the text is billed as, shown before anyone approves it
            print(f"  ({billed})")
        rule = kind.drafting_rule(ctx.store, one.customer_id) if kind and one.customer_id is not None else None
        if rule:  # WhatsApp: a template, or free text inside the 24-hour window
            print(f"  (goes as {rule})")
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
    # Delivery: what the channel said after the send (WhatsApp: delivered, read, failed); a failure's reason is
    # the note, so the column says only "failed".
    width = max([8, *(len(r.delivery) for r in rows if r.delivery_status != "failed")])
    print(f"{'id':>6}  {'state':<9}  {'chan':<8}  {'set':>4}  {'customer':<24}  {'drafted by':<10}  "
          f"{'delivery':<{width}}  note")
    for row in rows:
        note = row.state_reason or row.error or row.decision_comment or row.match_reason
        delivery = "failed" if row.delivery_status == "failed" else row.delivery
        print(f"{row.id:>6}  {row.state:<9}  {row.channel:<8}  {row.set_id or '':>4}  "
              f"{one_line(row.customer_name)[:24]:<24}  {row.drafted_by[:10]:<10}  {delivery:<{width}}  {note[:60]}")
    return 0


def cmd_expire(args: argparse.Namespace, ctx: CliContext) -> int:
    report = outbox.expire_stale(ctx.store, actor=args.as_user or "system")
    print(f"{plural(len(report.done), 'message')} expired.")
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

