"""Customer verbs: ``lookbook customers import|export|list|search|show|add|edit|erase|consent|unsubscribe-all|
pause|unpause|not-brand|like|sizes|purchase|duplicates|transfer``; ``sets match`` is in :mod:`lookbook.cli.match`.

Verbs that change something act as the ``--as`` user, whose name goes into the
audit log and the consent ledger.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line, progress_line
from lookbook.customers import book as customers
from lookbook.customers import consent, duplicates
from lookbook.errors import InputError
from lookbook.progress import run_to_end

# -- handlers ------------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, ctx: CliContext) -> int:
    # The CSV reader and matching are imported by the verbs that use them: `customers list` waits for neither.
    from lookbook.customers.csv_files import import_customers_steps

    actor = ctx.user.username
    report = run_to_end(import_customers_steps(ctx.store, args.file, actor=actor, dry_run=args.dry_run),
                        lambda progress: progress_line(f"{progress.message}...") if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    if report.encoding_note:
        print(f"note: {report.encoding_note}", file=sys.stderr)
    _print_rejected(args.file, report.ignored_columns, report.problems, report.problems_left_out)
    print(report.summary())
    return 0


def _print_rejected(path: str, ignored: list[str], problems: list, left_out: int) -> None:
    """Print an import's ignored columns and rejected rows (file: line, column: reason) on stderr."""
    if ignored:
        print(f"note: columns ignored: {', '.join(ignored)}", file=sys.stderr)
    for problem in problems:
        print(f"{path}: {one_line(problem)}", file=sys.stderr)
    if left_out:
        print(f"{path}: ... and {left_out} more rows rejected", file=sys.stderr)


def cmd_import_purchases(args: argparse.Namespace, ctx: CliContext) -> int:
    """Add purchases from a till export; rows that cannot be used are listed by line and column."""
    # Imported here: it reads catalogs, which import OpenCV; `customers list` and the rest should not wait for it.
    from lookbook.customers.purchases import import_purchases

    report = import_purchases(ctx.store, args.file, actor=ctx.user.username, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    if report.card_columns:
        print(f"note: columns that look like payment cards were ignored and not stored: "
              f"{', '.join(report.card_columns)}", file=sys.stderr)
    others = [c for c in report.ignored_columns if c not in report.card_columns]
    _print_rejected(args.file, others, report.problems, report.problems_left_out)
    print(report.summary())
    return 0


def cmd_export(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.customers.csv_files import export_customers

    count = export_customers(ctx.store, args.file, actor=ctx.user.username)
    print(f"Wrote {count} customers to {args.file}")
    return 0


def _customer_json(c: customers.Customer) -> dict[str, Any]:
    return {**vars(c), "name": c.name}


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    text = " ".join(args.text)
    rows = customers.search_customers(ctx.store, text, sort=args.sort, descending=args.desc, limit=args.limit,
                                      offset=args.offset)
    if args.json:
        for c in rows:
            print(json.dumps(_customer_json(c)))
        return 0
    total = customers.count_customers(ctx.store, text)
    for c in rows:
        handles = " ".join(x for x in (c.email, f"@{c.x_handle}" if c.x_handle else None) if x)
        print(f"{c.id:>8}  {one_line(c.name):<28} {one_line(handles)}")
    print(f"{len(rows)} of {total} customers" + (f" matching '{text}'" if text else ""), file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, ctx: CliContext) -> int:
    p = customers.get_profile(ctx.store, args.id)
    c = p.customer
    if args.json:
        print(json.dumps({**_customer_json(c), "likes": p.likes, "dislikes": p.dislikes, "sizes": p.sizes,
                          "purchases": [vars(x) for x in p.purchases], "consent": p.consent_label,
                          "channels": {ch: cc.label for ch, cc in p.consents.items()},
                          "unreachable": p.unreachable, "ledger": [vars(e) for e in p.ledger]}))
        return 0
    print(f"{one_line(c.name)} (customer {c.id})")
    _print_contact(p)
    _print_preferences(p)
    _print_ledger(p)
    return 0


def _print_contact(p: customers.Profile) -> None:
    """Print the customer's addresses and contact details that are filled in, one per line."""
    c = p.customer
    for label, value in (("e-mail", c.email), ("X", f"@{c.x_handle}" if c.x_handle else None),
                         ("X user id", c.x_user_id), ("Instagram", c.instagram), ("phone", c.phone),
                         ("prefers", c.preferred_channel), ("time zone", c.timezone), ("associate", p.associate),
                         ("paused until", c.paused_until), ("last contacted", c.last_contacted_at)):
        if value:
            print(f"  {label:<15} {one_line(value)}")


def _print_preferences(p: customers.Profile) -> None:
    """Print the customer's brands, sizes, consent, unreachable channels and notes."""
    print(f"  {'likes':<15} {', '.join(b for b, _ in p.likes) or '-'}")
    print(f"  {'dislikes':<15} {', '.join(b for b, _ in p.dislikes) or '-'}")
    print(f"  {'sizes':<15} {', '.join(f'{k}={v}' for k, v in p.sizes.items()) or '-'}")
    print(f"  {'consent':<15} {p.consent_label}: "
          + ", ".join(f"{consent.CHANNEL_LABELS[ch]} {cc.label}" for ch, cc in p.consents.items() if cc.level))
    for ch, (reason, since) in p.unreachable.items():
        print(f"  {'unreachable':<15} {consent.CHANNEL_LABELS[ch]} since {since[:10]} ({reason})")
    if p.customer.notes:
        print(f"  {'notes':<15} {p.customer.notes}")


def _print_ledger(p: customers.Profile) -> None:
    """Print the customer's consent ledger, oldest first."""
    for e in p.ledger:
        conf = f"; confirmed by {e.confirmed_by} on {e.confirmed_at}: {e.confirmation}" if e.confirmed_by else ""
        print(f"  ledger {e.at[:16]}  {'grant' if e.granted else 'withdraw':<8} {e.channel}/{e.scope} by "
              f"{e.by_user} ({e.source}){conf}")


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in customers.FIELDS if getattr(args, name, None) is not None}


def cmd_add(args: argparse.Namespace, ctx: CliContext) -> int:
    c = customers.add_customer(ctx.store, _fields(args), actor=ctx.user.username)
    print(f"Added customer {c.id}: {one_line(c.name)}")
    return 0


def cmd_edit(args: argparse.Namespace, ctx: CliContext) -> int:
    c = customers.update_customer(ctx.store, args.id, _fields(args), actor=ctx.user.username)
    print(f"Customer {c.id}: {one_line(c.name)} saved")
    return 0


def cmd_erase(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.customers.erasure import (
        erase_customer,  # erasure imports users and customers; only this verb needs it
    )

    report = erase_customer(ctx.store, args.id, actor=ctx.user.username)
    for line in report.lines():
        print(line)
    return 0


def cmd_consent(args: argparse.Namespace, ctx: CliContext) -> int:
    confirmation = None
    given = [args.confirmed_by, args.confirmed_at, args.confirmed_how]
    if any(given):
        confirmation = consent.Confirmation(*(g or "" for g in given))
    consent.record(ctx.store, args.id, args.channel, args.scope, args.action == "grant", by_user=ctx.user.username,
                   source=args.source, note=args.note, confirmation=confirmation)
    state = consent.channel_consents(ctx.store, args.id)[args.channel]
    print(f"Customer {args.id}: {consent.CHANNEL_LABELS[args.channel]} now '{state.label}'")
    return 0


def cmd_unsubscribe_all(args: argparse.Namespace, ctx: CliContext) -> int:
    consent.unsubscribe_all(ctx.store, args.id, by_user=ctx.user.username, source=args.source, note=args.note)
    print(f"Customer {args.id}: {consent.ALL_UNSUBSCRIBED_LABEL}")
    return 0


def cmd_pause(args: argparse.Namespace, ctx: CliContext) -> int:
    customers.pause(ctx.store, args.id, actor=ctx.user.username, days=args.days, reason=args.reason)
    print(f"Customer {args.id} paused until {customers.get_customer(ctx.store, args.id).paused_until}")
    return 0


def cmd_transfer(args: argparse.Namespace, ctx: CliContext) -> int:
    customers.transfer(ctx.store, args.id, args.to, actor=ctx.user.username, note=args.note)
    print(f"Customer {args.id} is now looked after by {args.to}")
    return 0


def cmd_unpause(args: argparse.Namespace, ctx: CliContext) -> int:
    customers.unpause(ctx.store, args.id, actor=ctx.user.username)
    print(f"Customer {args.id} is no longer paused")
    return 0


def cmd_not_brand(args: argparse.Namespace, ctx: CliContext) -> int:
    customers.not_this_brand(ctx.store, args.id, args.brand, actor=ctx.user.username)
    print(f"Customer {args.id}: not {args.brand} from now on")
    return 0


def cmd_like(args: argparse.Namespace, ctx: CliContext) -> int:
    customers.set_brand_stance(ctx.store, args.id, args.brand, None if args.forget else "like",
                               actor=ctx.user.username)
    print(f"Customer {args.id}: {'forgot' if args.forget else 'likes'} {args.brand}")
    return 0


def cmd_sizes(args: argparse.Namespace, ctx: CliContext) -> int:
    sizes: dict[str, str | None] = {}
    for item in args.sizes:
        category, eq, size = item.partition("=")
        if not eq:
            raise InputError(f"'{item}': write CATEGORY=SIZE, e.g. shirt=M (shirt= forgets the size).")
        sizes[category] = size or None
    customers.set_sizes(ctx.store, args.id, sizes, actor=ctx.user.username)
    print(f"Customer {args.id}: sizes saved")
    return 0


def cmd_purchase(args: argparse.Namespace, ctx: CliContext) -> int:
    customers.add_purchase(ctx.store, args.id, actor=ctx.user.username, sku=args.sku, brand=args.brand,
                           size=args.size, purchased_at=args.date)
    print(f"Customer {args.id}: purchase recorded")
    return 0


def cmd_duplicates(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.merge:
        groups, _ = duplicates.merge_all(ctx.store, actor=ctx.user.username)
    else:
        groups = duplicates.find_duplicates(ctx.store)
    if args.json:
        print(json.dumps({"merged": args.merge, "groups": [g.as_dict() for g in groups]}))
        return 0
    for g in groups:
        print(g.preview())
    verb = "Merged" if args.merge else "Found"
    print(f"{verb} {len(groups)} groups of duplicates" + ("" if args.merge or not groups else
                                                          "; run with --merge to merge them as shown"))
    return 0
