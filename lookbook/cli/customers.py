"""Customer verbs: ``lookbook customers import|export|list|search|show|add|edit|erase|consent|unsubscribe-all|
pause|unpause|not-brand|like|sizes|purchase|duplicates|transfer``, and ``lookbook sets match`` (:func:`cmd_match`).

Verbs that change something act as the ``--as`` user, whose name goes into the
audit log and the consent ledger.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lookbook import consent, customers, duplicates
from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line, progress_line
from lookbook.customer_csv import export_customers, import_customers_steps
from lookbook.errors import InputError
from lookbook.matching import match_set
from lookbook.purchase_import import import_purchases


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``customers`` verb group."""
    group = subparsers.add_parser("customers", help="the customer book: import, search, consent, pauses")
    verbs = group.add_subparsers(dest="customers_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("import", help="add or update customers from a CSV file (see the README)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_import)

    p = verbs.add_parser("import-purchases", help="add purchase history from a till export, CSV or XLSX "
                                                  "(customer id/e-mail/X handle, SKU or brand, size, date)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report what would be added, change nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_import_purchases)

    p = verbs.add_parser("export", help="write every customer to a CSV file that import reads back")
    p.add_argument("file")
    p.set_defaults(handler=cmd_export)

    for verb in ("list", "search"):
        p = verbs.add_parser(verb, help="list customers, or those whose name, e-mail or handle start with TEXT")
        p.add_argument("text", nargs="*", help="words to search for (each matches the start of a word)")
        p.add_argument("--sort", choices=list(customers.SORTS), default="name")
        p.add_argument("--desc", action="store_true", help="sort in descending order")
        p.add_argument("--limit", type=int, default=50)
        p.add_argument("--offset", type=int, default=0)
        p.add_argument("--json", action="store_true", help="print one JSON object per customer")
        p.set_defaults(handler=cmd_list)

    p = verbs.add_parser("show", help="show a customer's profile: channels, brands, sizes, consent ledger")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    for verb, helptext in (("add", "add a customer"), ("edit", "change a customer's fields (empty clears)")):
        p = verbs.add_parser(verb, help=helptext)
        if verb == "edit":
            p.add_argument("id", type=int)
        for name in customers.FIELDS:
            if name != "associate_id":
                p.add_argument(f"--{name.replace('_', '-')}", dest=name,
                               required=verb == "add" and name == "first_name")
        p.set_defaults(handler=cmd_add if verb == "add" else cmd_edit)

    p = verbs.add_parser("erase", help="erase a customer's personal data everywhere on their request (manager; "
                                       "ids, states and the audit chain are kept)")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_erase)

    p = verbs.add_parser("consent", help="grant or withdraw consent on a channel (recorded in the ledger)")
    p.add_argument("id", type=int)
    p.add_argument("action", choices=["grant", "withdraw"])
    p.add_argument("--channel", required=True, choices=consent.CHANNELS)
    p.add_argument("--scope", default="one_to_one", choices=consent.SCOPES)
    p.add_argument("--source", required=True, help="where it came from: in store, reply, web form...")
    p.add_argument("--note", default="")
    p.add_argument("--confirmed-by", help="re-subscribing: who took the customer's agreement")
    p.add_argument("--confirmed-at", help="re-subscribing: when the customer agreed (YYYY-MM-DD)")
    p.add_argument("--confirmed-how", help="re-subscribing: how the customer agreed")
    p.set_defaults(handler=cmd_consent)

    p = verbs.add_parser("unsubscribe-all", help="withdraw every consent on every channel")
    p.add_argument("id", type=int)
    p.add_argument("--source", required=True)
    p.add_argument("--note", default="")
    p.set_defaults(handler=cmd_unsubscribe_all)

    p = verbs.add_parser("pause", help="leave a customer out of every match for some days (default 30)")
    p.add_argument("id", type=int)
    p.add_argument("--days", type=int, default=customers.PAUSE_DAYS_DEFAULT)
    p.add_argument("--reason", default="")
    p.set_defaults(handler=cmd_pause)

    p = verbs.add_parser("transfer", help="hand a customer over to another associate (managers; recorded)")
    p.add_argument("id", type=int, metavar="CUSTOMER")
    p.add_argument("--to", required=True, metavar="USER", help="the associate who looks after them from now on")
    p.add_argument("--note", default="", help="why, kept in the audit log")
    p.set_defaults(handler=cmd_transfer)

    p = verbs.add_parser("unpause", help="end a customer's pause")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_unpause)

    p = verbs.add_parser("not-brand", help="'not this brand': the customer dislikes BRAND from now on")
    p.add_argument("id", type=int)
    p.add_argument("brand")
    p.set_defaults(handler=cmd_not_brand)

    p = verbs.add_parser("like", help="record that a customer likes a brand (--forget removes the stance)")
    p.add_argument("id", type=int)
    p.add_argument("brand")
    p.add_argument("--forget", action="store_true")
    p.set_defaults(handler=cmd_like)

    p = verbs.add_parser("sizes", help="set sizes per category: shirt=M trousers=32 (shirt= forgets)")
    p.add_argument("id", type=int)
    p.add_argument("sizes", nargs="+", metavar="CATEGORY=SIZE")
    p.set_defaults(handler=cmd_sizes)

    p = verbs.add_parser("purchase", help="record a purchase by SKU or brand")
    p.add_argument("id", type=int)
    p.add_argument("--sku")
    p.add_argument("--brand")
    p.add_argument("--size")
    p.add_argument("--date", help="when (YYYY-MM-DD; default now)")
    p.set_defaults(handler=cmd_purchase)

    p = verbs.add_parser("duplicates", help="list customers sharing an e-mail or handle; --merge merges them")
    p.add_argument("--merge", action="store_true", help="merge every group shown (one transaction)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_duplicates)


def register_match(sets_verbs: argparse._SubParsersAction) -> None:
    """Add ``match`` to the ``sets`` group's verbs."""
    p = sets_verbs.add_parser("match", help="the customers a set is right for, and who is left out, with reasons")
    p.add_argument("set_id", type=int, metavar="SET")
    p.add_argument("--limit", type=int, help="show at most this many matches")
    p.add_argument("--json", action="store_true", help="print matches and exclusions as one JSON object")
    p.set_defaults(handler=cmd_match)


# -- handlers ------------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, ctx: CliContext) -> int:
    actor = ctx.user.username
    steps = import_customers_steps(ctx.store, args.file, actor=actor, dry_run=args.dry_run)
    while True:
        try:
            progress = next(steps)
        except StopIteration as stop:
            report = stop.value
            break
        if sys.stderr.isatty():
            progress_line(f"{progress.message}...")
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
    for label, value in (("e-mail", c.email), ("X", f"@{c.x_handle}" if c.x_handle else None),
                         ("X user id", c.x_user_id), ("Instagram", c.instagram), ("phone", c.phone),
                         ("prefers", c.preferred_channel), ("time zone", c.timezone), ("associate", p.associate),
                         ("paused until", c.paused_until), ("last contacted", c.last_contacted_at)):
        if value:
            print(f"  {label:<15} {one_line(value)}")
    print(f"  {'likes':<15} {', '.join(b for b, _ in p.likes) or '-'}")
    print(f"  {'dislikes':<15} {', '.join(b for b, _ in p.dislikes) or '-'}")
    print(f"  {'sizes':<15} {', '.join(f'{k}={v}' for k, v in p.sizes.items()) or '-'}")
    print(f"  {'consent':<15} {p.consent_label}: "
          + ", ".join(f"{consent.CHANNEL_LABELS[ch]} {cc.label}" for ch, cc in p.consents.items() if cc.level))
    for ch, (reason, since) in p.unreachable.items():
        print(f"  {'unreachable':<15} {consent.CHANNEL_LABELS[ch]} since {since[:10]} ({reason})")
    if c.notes:
        print(f"  {'notes':<15} {c.notes}")
    for e in p.ledger:
        conf = f"; confirmed by {e.confirmed_by} on {e.confirmed_at}: {e.confirmation}" if e.confirmed_by else ""
        print(f"  ledger {e.at[:16]}  {'grant' if e.granted else 'withdraw':<8} {e.channel}/{e.scope} by "
              f"{e.by_user} ({e.source}){conf}")
    return 0


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
    from lookbook.erasure import erase_customer  # erasure imports users and customers; only this verb needs it

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


def cmd_match(args: argparse.Namespace, ctx: CliContext) -> int:
    result = match_set(ctx.store, args.set_id, limit=args.limit, for_user=args.as_user)
    if args.json:
        print(json.dumps(result.as_dict()))
        return 0
    print(f"Set {result.set_id} '{result.set_name}' ({result.brand}, {result.scope.replace('_', '-')}): "
          f"{len(result.matches)} matches, {len(result.exclusions)} left out of {result.considered} considered")
    for m in result.matches:
        print(f"  {m.score:5.2f}  {m.customer_id:>7} {one_line(m.name):<24} {m.channel:<6} {'; '.join(m.reasons)}")
    for e in result.exclusions:
        print(f"  {'no':>5}  {e.customer_id:>7} {one_line(e.name):<24} {'; '.join(e.reasons)}")
    return 0
