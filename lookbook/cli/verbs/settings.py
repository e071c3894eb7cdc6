"""The ``settings`` verbs' arguments; their handlers are in :mod:`lookbook.cli.settings`, imported when one runs."""

from __future__ import annotations

import argparse

#: The settings' names, kept here so that ``--help`` needs no import of the settings module's checks.
NAMES = ("quiet_hours", "frequency_days", "associate_cap", "daily_cap", "store_timezone", "approval_hours",
         "x_timeout_s", "backoff_s")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``settings`` verb group."""
    group = subparsers.add_parser("settings", help="see and change the settings that rule sending")
    verbs = group.add_subparsers(dest="settings_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("list", help="list every setting with its value, default and allowed range")
    p.add_argument("--json", action="store_true", help="print one JSON object per setting")
    p.set_defaults(handler="lookbook.cli.settings:cmd_list")

    p = verbs.add_parser("get", help="print one setting's value")
    p.add_argument("name", choices=NAMES, metavar="NAME", help=f"one of: {', '.join(NAMES)}")
    p.set_defaults(handler="lookbook.cli.settings:cmd_get")

    p = verbs.add_parser("set", help="change a setting (managers and admins; audited)")
    p.add_argument("name", choices=NAMES, metavar="NAME", help=f"one of: {', '.join(NAMES)}")
    p.add_argument("value", help="the new value; `settings list` shows what each setting allows")
    p.set_defaults(handler="lookbook.cli.settings:cmd_set")
