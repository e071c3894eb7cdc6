"""The ``customers`` verbs' arguments; their handlers are in :mod:`lookbook.cli.customers`, imported when one runs."""

from __future__ import annotations

import argparse

from lookbook.cli.verbs import choices


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``customers`` verb group."""
    group = subparsers.add_parser("customers", help="the customer book: import, search, consent, pauses")
    verbs = group.add_subparsers(dest="customers_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("import", help="add or update customers from a CSV file (see the README)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler="lookbook.cli.customers:cmd_import")

    p = verbs.add_parser("import-purchases", help="add purchase history from a till export, CSV or XLSX "
                                                  "(customer id/e-mail/X handle, SKU or brand, size, date)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report what would be added, change nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler="lookbook.cli.customers:cmd_import_purchases")

    p = verbs.add_parser("export", help="write every customer to a CSV file that import reads back")
    p.add_argument("file")
    p.set_defaults(handler="lookbook.cli.customers:cmd_export")

    for verb in ("list", "search"):
        p = verbs.add_parser(verb, help="list customers, or those whose name, e-mail or handle start with TEXT")
        p.add_argument("text", nargs="*", help="words to search for (each matches the start of a word)")
        p.add_argument("--sort", choices=list(choices.CUSTOMER_SORTS), default="name")
        p.add_argument("--desc", action="store_true", help="sort in descending order")
        p.add_argument("--limit", type=int, default=50)
        p.add_argument("--offset", type=int, default=0)
        p.add_argument("--json", action="store_true", help="print one JSON object per customer")
        p.set_defaults(handler="lookbook.cli.customers:cmd_list")

    p = verbs.add_parser("show", help="show a customer's profile: channels, brands, sizes, consent ledger")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="lookbook.cli.customers:cmd_show")

    for verb, helptext in (("add", "add a customer"), ("edit", "change a customer's fields (empty clears)")):
        p = verbs.add_parser(verb, help=helptext)
        if verb == "edit":
            p.add_argument("id", type=int)
        for name in choices.CUSTOMER_FIELDS:
            if name != "associate_id":
                p.add_argument(f"--{name.replace('_', '-')}", dest=name,
                               required=verb == "add" and name == "first_name")
        p.set_defaults(handler=f"lookbook.cli.customers:cmd_{verb}")

    p = verbs.add_parser("erase", help="erase a customer's personal data everywhere on their request (manager; "
                                       "ids, states and the audit chain are kept)")
    p.add_argument("id", type=int)
    p.set_defaults(handler="lookbook.cli.customers:cmd_erase")

    p = verbs.add_parser("consent", help="grant or withdraw consent on a channel (recorded in the ledger)")
    p.add_argument("id", type=int)
    p.add_argument("action", choices=["grant", "withdraw"])
    p.add_argument("--channel", required=True, choices=choices.CONSENT_CHANNELS)
    p.add_argument("--scope", default="one_to_one", choices=choices.CONSENT_SCOPES)
    p.add_argument("--source", required=True, help="where it came from: in store, reply, web form...")
    p.add_argument("--note", default="")
    p.add_argument("--confirmed-by", help="re-subscribing: who took the customer's agreement")
    p.add_argument("--confirmed-at", help="re-subscribing: when the customer agreed (YYYY-MM-DD)")
    p.add_argument("--confirmed-how", help="re-subscribing: how the customer agreed")
    p.set_defaults(handler="lookbook.cli.customers:cmd_consent")

    p = verbs.add_parser("unsubscribe-all", help="withdraw every consent on every channel")
    p.add_argument("id", type=int)
    p.add_argument("--source", required=True)
    p.add_argument("--note", default="")
    p.set_defaults(handler="lookbook.cli.customers:cmd_unsubscribe_all")

    p = verbs.add_parser("pause", help="leave a customer out of every match for some days (default 30)")
    p.add_argument("id", type=int)
    p.add_argument("--days", type=int, default=choices.PAUSE_DAYS_DEFAULT)
    p.add_argument("--reason", default="")
    p.set_defaults(handler="lookbook.cli.customers:cmd_pause")

    p = verbs.add_parser("transfer", help="hand a customer over to another associate (managers; recorded)")
    p.add_argument("id", type=int, metavar="CUSTOMER")
    p.add_argument("--to", required=True, metavar="USER", help="the associate who looks after them from now on")
    p.add_argument("--note", default="", help="why, kept in the audit log")
    p.set_defaults(handler="lookbook.cli.customers:cmd_transfer")

    p = verbs.add_parser("unpause", help="end a customer's pause")
    p.add_argument("id", type=int)
    p.set_defaults(handler="lookbook.cli.customers:cmd_unpause")

    p = verbs.add_parser("not-brand", help="'not this brand': the customer dislikes BRAND from now on")
    p.add_argument("id", type=int)
    p.add_argument("brand")
    p.set_defaults(handler="lookbook.cli.customers:cmd_not_brand")

    p = verbs.add_parser("like", help="record that a customer likes a brand (--forget removes the stance)")
    p.add_argument("id", type=int)
    p.add_argument("brand")
    p.add_argument("--forget", action="store_true")
    p.set_defaults(handler="lookbook.cli.customers:cmd_like")

    p = verbs.add_parser("sizes", help="set sizes per category: shirt=M trousers=32 (shirt= forgets)")
    p.add_argument("id", type=int)
    p.add_argument("sizes", nargs="+", metavar="CATEGORY=SIZE")
    p.set_defaults(handler="lookbook.cli.customers:cmd_sizes")

    p = verbs.add_parser("purchase", help="record a purchase by SKU or brand")
    p.add_argument("id", type=int)
    p.add_argument("--sku")
    p.add_argument("--brand")
    p.add_argument("--size")
    p.add_argument("--date", help="when (YYYY-MM-DD; default now)")
    p.set_defaults(handler="lookbook.cli.customers:cmd_purchase")

    p = verbs.add_parser("duplicates", help="list customers sharing an e-mail or handle; --merge merges them")
    p.add_argument("--merge", action="store_true", help="merge every group shown (one transaction)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="lookbook.cli.customers:cmd_duplicates")


def register_match(sets_verbs: argparse._SubParsersAction) -> None:
    """Add ``match`` to the ``sets`` group's verbs."""
    p = sets_verbs.add_parser("match", help="the customers a set is right for, and who is left out, with reasons")
    p.add_argument("set_id", type=int, metavar="SET")
    p.add_argument("--limit", type=int, help="show at most this many matches")
    p.add_argument("--json", action="store_true", help="print matches and exclusions as one JSON object")
    p.set_defaults(handler="lookbook.cli.match:cmd_match")

