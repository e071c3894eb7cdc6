"""Set verbs: ``sets create|list|show|add|remove|reorder|rename|layout|card|delete``.

Each verb is one ``add_parser`` block on the ``sets`` group's subparsers (``verbs``)
in :func:`register`, so a new verb such as ``sets match`` is one more block there.
"""

from __future__ import annotations

import argparse
import json

from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line
from lookbook.errors import InputError
from lookbook.lookbooks.sets import (
    add_to_set,
    create_set,
    delete_set,
    get_set,
    list_sets,
    remove_from_set,
    rename_set,
    reorder_set,
)
from lookbook.store import roles
from lookbook.store.users import require_role
from lookbook.words import plural

#: Roles that may make and edit sets.
SET_ROLES = roles.roles_for("sets.edit")  # from the role matrix


def _editor(ctx: CliContext, doing: str) -> str:
    return require_role(ctx.store, ctx.user.username, *SET_ROLES, doing=doing).username


def cmd_create(args: argparse.Namespace, ctx: CliContext) -> int:
    made = create_set(ctx.store, brand=args.brand, name=args.name, actor=_editor(ctx, "create sets"),
                      photos=args.photos, scope=args.scope)
    print(f"Created set {made.id} '{made.name}' for {made.brand} with {plural(len(made.items), 'shot')}.")
    return 0


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    for s in list_sets(ctx.store, brand=args.brand):
        if args.json:
            print(json.dumps(s.as_dict()))
        else:
            print(f"{s.id:>5}  {one_line(s.name):<28} {one_line(s.brand):<22} {s.shots:>3} shots "
                  f"{s.products:>3} products  {s.scope:<10} {s.status:<8} by {s.created_by}")
    return 0


def cmd_show(args: argparse.Namespace, ctx: CliContext) -> int:
    s = get_set(ctx.store, args.set)
    if args.json:
        print(json.dumps(s.as_dict()))
        return 0
    print(f"Set {s.id} '{s.name}' — {s.brand}, {s.scope}, {s.status}, by {s.created_by}, updated {s.updated_at}")
    for item in s.items:
        print(f"{item.position:>3}. photo {item.photo_id:<6} {one_line(item.original_name):<32} {item.sku:<12} "
              f"{item.product_name}")
    return 0


def cmd_add(args: argparse.Namespace, ctx: CliContext) -> int:
    add_to_set(ctx.store, args.set, args.photos, actor=_editor(ctx, "edit sets"))
    return cmd_show(argparse.Namespace(set=args.set, json=False), ctx)


def cmd_remove(args: argparse.Namespace, ctx: CliContext) -> int:
    remove_from_set(ctx.store, args.set, args.photos, actor=_editor(ctx, "edit sets"))
    return cmd_show(argparse.Namespace(set=args.set, json=False), ctx)


def cmd_reorder(args: argparse.Namespace, ctx: CliContext) -> int:
    reorder_set(ctx.store, args.set, args.photos, actor=_editor(ctx, "edit sets"))
    return cmd_show(argparse.Namespace(set=args.set, json=False), ctx)


def cmd_rename(args: argparse.Namespace, ctx: CliContext) -> int:
    rename_set(ctx.store, args.set, args.name, actor=_editor(ctx, "rename sets"))
    print(f"Renamed set {args.set} to '{args.name}'.")
    return 0


def cmd_delete(args: argparse.Namespace, ctx: CliContext) -> int:
    delete_set(ctx.store, args.set, actor=_editor(ctx, "delete sets"))
    print(f"Deleted set {args.set}; its shots stay in the library.")
    return 0


def cmd_layout(args: argparse.Namespace, ctx: CliContext) -> int:
    # Imported here: the composer draws with Pillow, which only these verbs need.
    from lookbook.lookbooks.composer import get_composition, set_layout
    from lookbook.lookbooks.sets import resolve_set

    set_id = resolve_set(ctx.store, args.set)
    set_layout(ctx.store, set_id, args.layout, _editor(ctx, "edit sets"))
    composition = get_composition(ctx.store, set_id)
    print(f"Set {set_id}'s card is laid out as {composition.layout}:")
    for slot_id, fill in composition.slots:
        print(f"  {slot_id:<14} photo {fill.photo_id} {fill.kind}")
    return 0


def cmd_card(args: argparse.Namespace, ctx: CliContext) -> int:
    import shutil
    from pathlib import Path

    from lookbook.lookbooks.composer import encode_card, gather_card, render_card, write_export
    from lookbook.lookbooks.sets import resolve_set

    set_id = resolve_set(ctx.store, args.set)
    if args.customer is not None and ctx.store.db.execute("SELECT 1 FROM customers WHERE id = ?",
                                                          [args.customer]).fetchone() is None:
        raise InputError(f"customer {args.customer}: no such customer; see `lookbook customers list`.")
    rendered = render_card(gather_card(ctx.store, set_id, customer_id=args.customer), args.output)
    data = encode_card(rendered.image, args.output)
    kept = write_export(ctx.store, data, f"card_set{set_id}" + ("" if args.output == "x" else f"_{args.output}"))
    target = Path(args.out).expanduser()
    try:
        shutil.copyfile(ctx.store.library.root / kept, target)
    except OSError as exc:
        raise InputError(f"cannot write the card ({exc.strerror or exc}); choose another --out.", path=target) \
            from None
    for warning in rendered.warnings:
        print(f"note: {warning}")
    print(f"Wrote {target} ({rendered.image.width}×{rendered.image.height}, {len(data) // 1024} KB).")
    return 0
