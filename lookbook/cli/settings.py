"""Settings verbs: ``lookbook settings list|get|set`` (see :mod:`lookbook.store.settings`)."""

from __future__ import annotations

import argparse
import json

from lookbook.cli.context import CliContext
from lookbook.store import settings


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    for s, value, default in settings.listing(ctx.store):
        if args.json:
            print(json.dumps({"name": s.name, "label": s.label, "value": value, "default": s.show(s.default),
                              "is_default": default, "allowed": s.allowed, "meaning": s.meaning}))
        else:
            mark = " (default)" if default else f" (default {s.show(s.default)})"
            print(f"{s.name:<16} {value}{mark}\n{'':<16} {s.label}: {s.meaning} Allowed: {s.allowed}.")
    return 0


def cmd_get(args: argparse.Namespace, ctx: CliContext) -> int:
    print(settings.text(ctx.store, args.name))
    return 0


def cmd_set(args: argparse.Namespace, ctx: CliContext) -> int:
    settings.set_value(ctx.store, args.name, args.value, ctx.user.username)
    print(f"{args.name} is now {settings.text(ctx.store, args.name)}.")
    return 0
