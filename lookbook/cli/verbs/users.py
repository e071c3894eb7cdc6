"""The ``users`` verbs' arguments; their handlers are in :mod:`lookbook.cli.users`, imported when one runs."""

from __future__ import annotations

import argparse

from lookbook.cli.verbs.choices import ROLES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``users`` verb group."""
    group = subparsers.add_parser("users", help="manage staff accounts (admins)")
    verbs = group.add_subparsers(dest="users_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("add", help="create an account")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name", default="", help="the name shown in the app and in messages")
    p.add_argument("--password-stdin", action="store_true", help="read the new password from standard input")
    p.set_defaults(handler="lookbook.cli.users:cmd_add")

    p = verbs.add_parser("list", help="list accounts")
    p.add_argument("--json", action="store_true", help="print one JSON object per account")
    p.set_defaults(handler="lookbook.cli.users:cmd_list")

    for verb, active in (("deactivate", False), ("activate", True)):
        p = verbs.add_parser(verb, help=f"{verb} an account (accounts are never deleted)")
        p.add_argument("username")
        p.set_defaults(handler="lookbook.cli.users:cmd_set_active", active=active)

    p = verbs.add_parser("role", help="give an account another role (admins)")
    p.add_argument("username")
    p.add_argument("role", choices=ROLES)
    p.set_defaults(handler="lookbook.cli.users:cmd_role")

    p = verbs.add_parser("passwd", help="change your password, or reset someone's as an admin")
    p.add_argument("username", nargs="?", help="whose password (default: yours)")
    p.add_argument("--password-stdin", action="store_true", help="read the new password from standard input")
    p.set_defaults(handler="lookbook.cli.users:cmd_passwd")

