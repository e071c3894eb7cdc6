"""Layout verbs: ``layouts list|check|save``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lookbook.cli.context import CliContext
from lookbook.errors import InputError
from lookbook.lookbooks.layouts import (
    check_saved,
    derive_layout,
    get_layout,
    list_layouts,
    load_layout_file,
    save_layout,
)
from lookbook.store import roles
from lookbook.store.users import require_role


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    for layout in list_layouts(ctx.store.library):
        if args.json:
            print(json.dumps({**layout.as_json(), "builtin": layout.builtin}))
        else:
            slots = ", ".join(f"{s.id} ({s.accepts})" for s in layout.slots)
            where = "built-in" if layout.builtin else "saved"
            print(f"{layout.name:<20} {layout.title:<30} {where:<8} {slots}")
    return 0


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    problems: list[str] = []
    if args.files:
        for name in args.files:
            try:
                layout = load_layout_file(Path(name))
                print(f"{name}: layout {layout.name} is valid ({len(layout.slots)} slots).")
            except InputError as exc:
                problems.append(str(exc))
    else:
        problems = check_saved(ctx.store.library)
        if not problems:
            print(f"{len(list_layouts(ctx.store.library))} layouts, all valid.")
    for line in problems:
        print(f"lookbook: error: {line}")
    return 1 if problems else 0


def cmd_save(args: argparse.Namespace, ctx: CliContext) -> int:
    require_role(ctx.store, ctx.user.username, *roles.roles_for("sets.edit"), doing="save layouts")
    base = load_layout_file(Path(args.file)) if args.file else get_layout(args.base, ctx.store.library)
    layout = derive_layout(base, args.name, args.title or (base.title if args.file else None))
    path = save_layout(ctx.store.library, layout)
    ctx.store.audit(ctx.user.username, "layout.save", "layout", None, name=layout.name,
                    base=args.base or Path(args.file).name)
    print(f"Saved layout {layout.name} '{layout.title}' ({path.relative_to(ctx.store.library.root).as_posix()}).")
    return 0
