"""The ``audit`` verbs' arguments; their handlers are in :mod:`lookbook.cli.audit`, imported when one runs."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``audit`` verb."""
    p = subparsers.add_parser("audit", help="show the audit log (who did what, when), newest first")
    p.add_argument("--entity", help="only entries about this kind of thing (message, set, user, template...)")
    p.add_argument("--id", dest="entity_id", help="with --entity: only entries about this one")
    p.add_argument("--actor", help="only entries by this person")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N entries (default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON object per entry")
    # `audit verify` is a word, not a sub-command: `lookbook audit --entity ...` keeps working as it did.
    p.add_argument("what", nargs="?", choices=["verify"],
                   help="verify: walk the hash chain and name the first broken link (exit 1 if broken)")
    p.set_defaults(handler="lookbook.cli.audit:cmd_audit")

