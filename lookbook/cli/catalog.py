"""Catalog verbs: ``catalog import``, ``products list``, ``brands list|dashboard``, and the photo-tying verbs.

The photo verbs (``photos assign``, ``photos unassigned``, ``photos tie``) join the
``photos`` group that :mod:`lookbook.cli.photos` owns, through :func:`register_photo_verbs`,
so there is one ``photos`` parser.
"""

from __future__ import annotations

import argparse
import json
import sys

from lookbook.catalog.dashboard import brand_dashboard
from lookbook.catalog.products import iter_import_catalog, list_brands, list_products
from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line
from lookbook.photos.recipes import pending_render_ids
from lookbook.photos.ties import assign_photos, iter_tie_photos, resolve_photos, unassigned_photos
from lookbook.progress import Progress, run_to_end
from lookbook.store import roles
from lookbook.store.users import require_role
from lookbook.words import plural

#: Roles that may change the catalog.
CATALOG_ROLES = roles.roles_for("catalog.import")  # from the role matrix


def _print_progress(step: Progress) -> None:
    print(step.line(), file=sys.stderr)


def _money(minor: int | None, currency: str) -> str:
    return "" if minor is None else f"{minor / 100:,.2f} {currency}"


def cmd_import(args: argparse.Namespace, ctx: CliContext) -> int:
    # A preview writes nothing, so anyone may run it; an import needs a merchandiser or above.
    actor = "preview" if args.dry_run else require_role(ctx.store, ctx.user.username, *CATALOG_ROLES,
                                                        doing="import the catalog").username
    report = run_to_end(iter_import_catalog(ctx.store, args.file, actor=actor, stock_only=args.stock_only,
                                            dry_run=args.dry_run), _print_progress)
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    if report.encoding_note:
        print(f"note: {report.encoding_note}")
    if report.ignored_columns:
        print(f"note: columns not used: {', '.join(report.ignored_columns)}")
    for sku in report.new_products:
        print(f"new product  {sku}")
    for change in report.field_changes:
        print(f"update       {change.sku}: {change.field} {change.old!r} -> {change.new!r}")
    for stock in report.stock_changes:
        old = "new size" if stock.old is None else stock.old
        print(f"stock        {stock.sku} size {stock.size}: {old} -> {stock.new}")
    for problem in report.problems:
        print(f"rejected     {report.path.name}: {one_line(problem)}")
    print(report.summary())
    return 0


def cmd_products_list(args: argparse.Namespace, ctx: CliContext) -> int:
    for product in list_products(ctx.store, brand=args.brand):
        if args.json:
            print(json.dumps(product.as_dict()))
            continue
        sizes = " ".join(f"{s.size}:{s.quantity}" for s in product.sizes)
        flag = "  OUT OF STOCK" if product.out_of_stock else ""
        print(f"{one_line(product.sku):<12} {one_line(product.brand):<20} {one_line(product.name):<28} "
              f"{product.category:<10} {_money(product.price_minor, product.currency):>14}  {sizes}  "
              f"shots:{product.shots}{flag}")
    return 0


def cmd_brands_list(args: argparse.Namespace, ctx: CliContext) -> int:
    for brand in list_brands(ctx.store):
        if args.json:
            print(json.dumps(vars(brand)))
        else:
            print(f"{brand.name:<24} {brand.products:>4} products  {brand.out_of_stock:>3} out of stock  "
                  f"{brand.units:>6} units  {brand.shots:>5} shots")
    return 0


def cmd_brands_dashboard(args: argparse.Namespace, ctx: CliContext) -> int:
    rows = brand_dashboard(ctx.store)
    if args.json:
        for row in rows:
            print(json.dumps(row.as_dict()))
        return 0
    print(f"{'brand':<24} {'fans':>6} {'fit':>6} {'sold out':>8} {'no size':>7} {'units':>6} {'sizes':>5} "
          f"{'products':>8} {'out':>4}  verdict")
    for r in rows:
        print(f"{r.brand:<24} {r.fans:>6} {r.fit:>6} {r.sold_out_for:>8} {r.size_unknown:>7} {r.units:>6} "
              f"{r.sizes_in_stock:>5} {r.products:>8} {r.out_of_stock:>4}  {r.verdict}")
    return 0


def cmd_photos_assign(args: argparse.Namespace, ctx: CliContext) -> int:
    assign_photos(ctx.store, args.photos, args.sku, actor=ctx.user.username)
    print(f"Tied {plural(len(args.photos), 'shot')} to {args.sku} by hand.")
    _say_stale(ctx, resolve_photos(ctx.store, args.photos))
    return 0


def _say_stale(ctx: CliContext, photo_ids: list[int]) -> None:
    """Say how many of the shots just tied need a new render (a hat, shoes or a bottom's cleanup differs)."""
    stale = pending_render_ids(ctx.store, photo_ids) if photo_ids else []
    if stale:
        print(f"{plural(len(stale), 'shot')} now need{'s' if len(stale) == 1 else ''} a new render (a hat's, shoes' "
              "or a bottom's cleanup differs): run `lookbook render --all`.", file=sys.stderr)


def cmd_photos_unassigned(args: argparse.Namespace, ctx: CliContext) -> int:
    rows = unassigned_photos(ctx.store)
    for row in rows:
        if args.json:
            print(json.dumps(row.as_dict()))
        else:
            print(f"{row.id:>6}  {row.original_name:<32} {row.taken_at or '':<25} {row.hint}")
    if not args.json:
        print(f"{plural(len(rows), 'shot')} unassigned.", file=sys.stderr)
    return 0


def cmd_photos_tie(args: argparse.Namespace, ctx: CliContext) -> int:
    report = run_to_end(iter_tie_photos(ctx.store, actor=ctx.user.username), _print_progress)
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    for tie in report.ties:
        print(f"{tie.photo_id:>6}  {tie.original_name:<32} -> {tie.sku:<12} {tie.method:<8} {tie.detail}")
    for problem in report.problems:
        print(f"problem: {problem}")
    print(report.summary())
    _say_stale(ctx, [tie.photo_id for tie in report.ties])
    return 0
