"""The ``detect`` verbs' arguments; their handlers are in :mod:`lookbook.cli.detect`, imported when one runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``detect`` verb."""
    p = subparsers.add_parser("detect", help="find the garment box in photos (files or folders, recursive)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print one JSON object per line")
    p.add_argument("--workers", type=int, default=None, help="processes to use (default: every core)")
    p.set_defaults(handler="lookbook.cli.detect:cmd_detect")

