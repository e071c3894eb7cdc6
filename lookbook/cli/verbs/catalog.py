"""The ``catalog`` verbs' arguments; their handlers are in :mod:`lookbook.cli.catalog`, imported when one runs."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``catalog``, ``products`` and ``brands`` verb groups."""
    catalog = subparsers.add_parser("catalog", help="import the product catalog and stock by size")
    verbs = catalog.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = verbs.add_parser("import", help="import a catalog or stock file (CSV or XLSX); see README 'Catalog file "
                                        "format'")
    p.add_argument("file", help="the CSV or XLSX file, one row per product and size")
    p.add_argument("--dry-run", action="store_true", help="say what would change, write nothing")
    p.add_argument("--stock-only", action="store_true", help="update quantities only (SKU, size, quantity)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler="lookbook.cli.catalog:cmd_import")

    products = subparsers.add_parser("products", help="list products with stock by size")
    verbs = products.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = verbs.add_parser("list", help="list products, their stock by size and shot counts")
    p.add_argument("--brand", help="only this brand")
    p.add_argument("--json", action="store_true", help="print one JSON object per product")
    p.set_defaults(handler="lookbook.cli.catalog:cmd_products_list")

    brands = subparsers.add_parser("brands", help="brands, and demand against stock")
    verbs = brands.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = verbs.add_parser("list", help="list brands with product, stock and shot counts")
    p.add_argument("--json", action="store_true", help="print one JSON object per brand")
    p.set_defaults(handler="lookbook.cli.catalog:cmd_brands_list")
    p = verbs.add_parser("dashboard", help="per brand: fans who fit the stock, stock depth, and a verdict")
    p.add_argument("--json", action="store_true", help="print one JSON object per brand")
    p.set_defaults(handler="lookbook.cli.catalog:cmd_brands_dashboard")


def register_photo_verbs(photos_subparsers: argparse._SubParsersAction) -> None:
    """Add ``assign``, ``unassigned`` and ``tie`` to the ``photos`` group."""
    p = photos_subparsers.add_parser("assign", help="tie shots to a product by hand (the strongest tie)")
    p.add_argument("photos", nargs="+", metavar="PHOTO", help="photo id, file name as imported, or hash prefix")
    p.add_argument("--sku", required=True, help="the product's SKU")
    p.set_defaults(handler="lookbook.cli.catalog:cmd_photos_assign")
    p = photos_subparsers.add_parser("unassigned", help="list shots tied to no product, with what to do")
    p.add_argument("--json", action="store_true", help="print one JSON object per shot")
    p.set_defaults(handler="lookbook.cli.catalog:cmd_photos_unassigned")
    p = photos_subparsers.add_parser("tie", help="tie shots to products by barcode slate, file name and burst")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler="lookbook.cli.catalog:cmd_photos_tie")

