"""Photo verbs: the ``photos`` group."""

from __future__ import annotations

import argparse

from lookbook.cli.catalog import register_photo_verbs


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``photos`` verb group."""
    group = subparsers.add_parser("photos", help="shots: tie them to products, list the unassigned")
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)
    register_photo_verbs(verbs)
