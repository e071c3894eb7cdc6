"""The ``presets`` verbs' arguments; their handlers are in :mod:`lookbook.cli.presets`, imported when one runs."""

from __future__ import annotations

import argparse

from lookbook.cli.verbs.choices import PRESET_ASPECTS as ASPECTS
from lookbook.cli.verbs.choices import PRESET_BACKGROUNDS as BACKGROUNDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``presets`` verb group."""
    group = subparsers.add_parser("presets", help="style presets: how product shots are rendered")
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser("list", help="list the presets, the default first, with how many photos use each")
    p.add_argument("--json", action="store_true", help="print one JSON object per preset")
    p.set_defaults(handler="lookbook.cli.presets:cmd_list")

    p = verbs.add_parser("show", help="show one preset's settings")
    p.add_argument("name", metavar="NAME", help="the preset's name (any case)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler="lookbook.cli.presets:cmd_show")

    p = verbs.add_parser("add", help="add a preset (the built-in settings, or a copy of another, plus options)")
    p.add_argument("name", metavar="NAME", help="the new preset's name")
    p.add_argument("--from", dest="copy_from", metavar="NAME", help="start from a copy of this preset")
    _settings_options(p)
    p.set_defaults(handler="lookbook.cli.presets:cmd_add")

    p = verbs.add_parser("edit", help="change a preset's settings or name (its photos are re-rendered)")
    p.add_argument("name", metavar="NAME", help="the preset's name (any case)")
    p.add_argument("--rename", metavar="NEW", help="give the preset a new name (photos using it follow)")
    _settings_options(p)
    p.set_defaults(handler="lookbook.cli.presets:cmd_edit")

    p = verbs.add_parser("delete", help="delete a preset; its photos go to the default preset")
    p.add_argument("name", metavar="NAME", help="the preset's name (any case)")
    p.set_defaults(handler="lookbook.cli.presets:cmd_delete")

    p = verbs.add_parser("default", help="make a preset the default (photos without their own follow it)")
    p.add_argument("name", metavar="NAME", help="the preset's name (any case)")
    p.set_defaults(handler="lookbook.cli.presets:cmd_default")


def _settings_options(p: argparse.ArgumentParser) -> None:
    # Values are checked by the core, not by argparse, so that a bad one is the usual one-line
    # error naming the setting and what it allows (argparse would print its usage and exit 2).
    p.add_argument("--aspect", metavar="{" + ",".join(ASPECTS) + "}", help="the hero's width:height")
    p.add_argument("--margin", metavar="F",
                   help="space around the garment, a fraction of the hero's height from 0 to 0.4 (or '6%%')")
    p.add_argument("--background", metavar="{" + ",".join(BACKGROUNDS) + "}",
                   help="clean white, neutral grey, or keep the photo's own")
    p.add_argument("--exposure", dest="normalise_exposure", action=argparse.BooleanOptionalAction, default=None,
                   help="even out the exposure (the background at a standard level; lightness only)")
    p.add_argument("--white-balance", dest="normalise_white_balance", action=argparse.BooleanOptionalAction,
                   default=None, help="remove a colour cast where the photo shows what neutral is (a barcode slate "
                                      "beside the garment, a grey or white background); otherwise keep its colour")
    p.add_argument("--hero-size", metavar="PX", help="the hero's long side in pixels at most (32 to 8000)")
    p.add_argument("--detail-size", metavar="PX", help="the detail crops' side in pixels (32 to 8000)")
    p.add_argument("--details", metavar="KINDS",
                   help="which detail crops: 'auto' (by the product's category: collar and cuff for shirts, "
                        "waistband and hem for trousers, neckline and hem for dresses, none for shoes and hats), "
                        "'none', or one or two of collar, neckline, waistband, cuff, hem separated by a comma")
    p.add_argument("--thumb-size", metavar="PX", help="the thumbnail's long side in pixels (32 to 8000)")
    p.add_argument("--caption", metavar="TEXT", help="a brand caption under the garment ('' for none)")
    p.add_argument("--jpeg-quality", metavar="N", help="JPEG quality of the files, 1 to 100")

