"""``lookbook detect``: find the garment in photos from the command line.

``photos import`` and ``render`` are in :mod:`lookbook.cli.photos`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from lookbook.cli.context import CliContext
from lookbook.photos.imaging import SUPPORTED_SUFFIXES
from lookbook.photos.pipeline import process


def expand(paths: list[Path]) -> Iterator[Path]:
    """Yield the given files, and the photos inside given folders (recursively, sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            yield path  # a missing or unreadable file is reported by the pipeline, by name


def cmd_detect(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print each photo's garment box in pixels of the upright original, and why it would be flagged for review
    (every reason, after ``check:``); exit 1 if any photo failed."""
    failed = 0
    for event in process(list(expand(args.paths)), None, workers=args.workers):
        path = str(event.current)
        if event.error is not None:
            failed += 1
            reason = event.error.removeprefix(f"{path}: ")
            if args.json:
                print(json.dumps({"path": path, "error": reason}), flush=True)
            else:
                print(f"lookbook: {path}: {reason}", file=sys.stderr)
            continue
        res = event.result
        assert res is not None
        # The reasons an import would store for it (the same builder, lookbook.photos.review); nothing is rendered
        # here, so the hero's colour is not checked.
        if args.json:
            print(json.dumps({"path": path, "garment_box": list(res.garment_box), "confidence": res.confidence,
                              "needs_review": res.needs_review,
                              "review_reasons": [r.as_dict() for r in res.review_reasons]}), flush=True)
        else:
            flag = f"\tcheck: {'; '.join(r.text for r in res.review_reasons)}" if res.review_reasons else ""
            print(f"{path}\t{' '.join(map(str, res.garment_box))}\t{res.confidence:.2f}{flag}", flush=True)
    return 1 if failed else 0
