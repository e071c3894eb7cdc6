"""Account verbs: ``lookbook users add|list|deactivate|activate|role|passwd``.

An admin manages accounts; the first account of an empty library can be made without ``--as``, and it
must be an admin, so that a new library is never left with no one able to manage it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from lookbook.cli.context import CliContext
from lookbook.errors import InputError
from lookbook.store.users import change_password, create_user, list_users, require_role, set_active, set_role


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    try:
        first = getpass.getpass("New password: ")
        again = getpass.getpass("New password again: ")
    except EOFError:
        raise InputError("no new password given: type it at the prompt or use --password-stdin.") from None
    if first != again:
        raise InputError("the two passwords differ; nothing was changed.")
    return first


def cmd_add(args: argparse.Namespace, ctx: CliContext) -> int:
    store = ctx.store
    if list_users(store):
        actor = require_role(store, ctx.user.username, "admin", doing="create accounts").username
    elif args.role != "admin":
        raise InputError("this library has no accounts yet: make the first one an admin (--role admin).")
    else:
        actor = "setup"
    user = create_user(store, args.username, _new_password(args.password_stdin), args.role, args.name, actor=actor)
    print(f"Created {user.role} '{user.username}'.")
    return 0


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    for user in list_users(ctx.store):
        if args.json:
            print(json.dumps(user.__dict__))
        else:
            print(f"{user.username:<16} {user.role:<13} {'active' if user.active else 'deactivated':<12} "
                  f"{user.display_name}")
    return 0


def cmd_set_active(args: argparse.Namespace, ctx: CliContext) -> int:
    set_active(ctx.store, args.username, args.active, ctx.user.username)
    print(f"'{args.username}' is now {'active' if args.active else 'deactivated'}.")
    return 0


def cmd_role(args: argparse.Namespace, ctx: CliContext) -> int:
    set_role(ctx.store, args.username, args.role, ctx.user.username)
    print(f"'{args.username}' is now {args.role}.")
    return 0


def cmd_passwd(args: argparse.Namespace, ctx: CliContext) -> int:
    target = args.username or args.as_user
    if not target:
        raise InputError("users passwd: name the account, or add --as USER for your own.")
    if args.as_user is None or args.as_user.casefold() == target.casefold():
        # One's own password: the current one proves it is you, no admin needed.
        old = ctx.read_password(target)
        change_password(ctx.store, target, _new_password(args.password_stdin), target, old_password=old)
    else:
        change_password(ctx.store, target, _new_password(args.password_stdin), ctx.user.username)
    print(f"Changed the password of '{target}'.")
    return 0
