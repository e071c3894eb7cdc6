"""The ``photos`` verbs' arguments; their handlers are in :mod:`lookbook.cli.photos`, imported when one runs."""

from __future__ import annotations

import argparse

from lookbook.cli.verbs.catalog import register_photo_verbs


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``photos`` verb group and the top-level ``render`` verb."""
    group = subparsers.add_parser("photos", help="shots: import and render them, tie them to products")
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser("import", help="import photo files and folders (recursive): find the garment, render, "
                                        "group bursts, tie to products")
    p.add_argument("paths", nargs="+", metavar="PATH", help="photo files or folders")
    p.add_argument("--preset", metavar="NAME", help="render with this preset (default: the library's default)")
    p.add_argument("--max-pixels", type=int, metavar="N",
                   help="refuse photos with more pixels than this (default: the library's setting)")
    p.add_argument("--workers", type=int, metavar="N", help="processes to use (default: every core)")
    p.add_argument("--json", action="store_true", help="print one JSON object per file")
    p.set_defaults(handler="lookbook.cli.photos:cmd_import")

    p = verbs.add_parser("list", help="list shots with the product each is tied to, and why a flagged one needs "
                                      "a look")
    p.add_argument("--flagged", action="store_true", help="only the shots flagged for review, with every reason")
    p.add_argument("--json", action="store_true", help="print one JSON object per shot (its reasons as a list)")
    p.set_defaults(handler="lookbook.cli.photos:cmd_list")

    _add_render_arguments(verbs.add_parser("render", help="render photos again (hero, detail crops, thumbnail)"))
    p = verbs.add_parser("neutral", help="mark a point of a photo as white or grey (white balance is taken from "
                                         "it), then render the photo again")
    p.add_argument("photo", metavar="PHOTO", help="photo id, file name as imported, or hash prefix")
    p.add_argument("x", type=float, nargs="?", help="the point's x in pixels of the upright original")
    p.add_argument("y", type=float, nargs="?", help="the point's y in pixels of the upright original")
    p.add_argument("--clear", action="store_true", help="forget the point: keep the photo's own colour")
    p.add_argument("--no-render", action="store_true", help="only store the point (render later)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler="lookbook.cli.photos:cmd_neutral")
    p = verbs.add_parser("box", help="set a photo's garment box by hand (clears its review flag), or go back to "
                                     "the detected box, then render the photo again")
    p.add_argument("photo", metavar="PHOTO", help="photo id, file name as imported, or hash prefix")
    p.add_argument("box", type=float, nargs="*", metavar="X0 Y0 X1 Y1",
                   help="the box's left, top, right and bottom in pixels of the upright original")
    p.add_argument("--clear", action="store_true", help="go back to the detected box (the review flag stays)")
    p.add_argument("--no-render", action="store_true", help="only store the box (render later)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler="lookbook.cli.photos:cmd_box")
    p = verbs.add_parser("review", help="mark flagged shots as looked at and right (box, cut-out, colour): "
                                        "clears their review flag and its reasons")
    p.add_argument("photos", nargs="+", metavar="PHOTO", help="photo id, file name as imported, or hash prefix")
    p.add_argument("--json", action="store_true", help="print one JSON object per photo")
    p.set_defaults(handler="lookbook.cli.photos:cmd_review")
    register_photo_verbs(verbs)
    _add_render_arguments(subparsers.add_parser("render", help="render photos (the same as `photos render`)"))


def _add_render_arguments(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("photos", nargs="*", default=[], metavar="PHOTO",
                       help="photo id, file name as imported, or hash prefix (rendered even if up to date)")
    which.add_argument("--all", action="store_true",
                       help="every photo whose renders are missing or older than its recipe")
    p.add_argument("--force", action="store_true", help="with --all: render up-to-date photos too")
    p.add_argument("--preset", metavar="NAME",
                   help="render with this preset from now on (recorded in each photo's recipe)")
    p.add_argument("--workers", type=int, metavar="N", help="processes to use (default: every core)")
    p.add_argument("--json", action="store_true", help="print one JSON object per photo")
    p.set_defaults(handler="lookbook.cli.photos:cmd_render")

