"""The catalog: importing products and stock by size from a CSV or XLSX file.

A catalog file has one row per product and size. Columns are found by their
header, in any order, under the usual names (``SKU``/``Style No``, ``Brand``/``Label``,
``Qty``/``On hand``...; see :data:`COLUMN_ALIASES` and the README's "Catalog file
format"). Re-importing updates products (by SKU) and stock (by product and size);
a stock-only file (SKU, size, quantity) updates quantities only.

An import reads and checks the whole file first, then writes every good row in one
transaction: a row that cannot be used is reported with its line, column and reason
and the rest are kept, and a failure while writing leaves the library as it was.
``dry_run`` computes the same report without writing anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from price_parser import Price

from lookbook.catalog.gtin import normalize_gtin
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.payment_cards import IMPORT_REFUSAL, has_card_number
from lookbook.progress import Progress, run_to_end
from lookbook.store.database import Store, inserted_id, utcnow
from lookbook.store.tabular import (
    DELIMITER_NAMES,
    CsvRows,
    RowProblem,
    detect_encoding,
    norm_header,
    restore_cell,
)

#: Library setting: the currency of prices that name none (ISO 4217 code).
DEFAULT_CURRENCY_SETTING = "catalog.default_currency"

#: Each field of a catalog row and the headers that name it
#: (compared after :func:`~lookbook.store.tabular.norm_header`).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "item", "item no", "item number", "item code", "style", "style no", "style number",
            "style code", "article", "article no", "article number", "product code"),
    "brand": ("brand", "label", "designer", "brand name", "maker"),
    "name": ("name", "product name", "product", "title", "description", "item name", "style name"),
    "category": ("category", "type", "department", "product type", "dept"),
    "colour": ("colour", "color", "colour name", "color name"),
    "price": ("price", "retail price", "retail", "unit price", "rrp", "msrp", "sell price"),
    "currency": ("currency", "ccy", "currency code"),
    "size": ("size", "size code", "sz"),
    "quantity": ("quantity", "qty", "stock", "on hand", "onhand", "stock qty", "quantity on hand", "units",
                 "available"),
    "barcode": ("barcode", "ean", "upc", "gtin", "ean13", "ean 13", "upc a", "ean code", "upc code"),
}
#: Fields a full catalog row must have, and those a stock-only file must have.
FULL_REQUIRED = ("sku", "brand", "name", "category", "size", "quantity")
STOCK_REQUIRED = ("sku", "size", "quantity")
#: Common category words mapped to the names customer sizes use (see lookbook.demo).
CATEGORY_ALIASES = {
    "shirts": "shirt", "tee": "t-shirt", "tees": "t-shirt", "t shirt": "t-shirt", "tshirt": "t-shirt",
    "t-shirts": "t-shirt", "knit": "longsleeve", "knitwear": "longsleeve", "sweater": "longsleeve",
    "jumper": "longsleeve", "long sleeve": "longsleeve", "long-sleeve": "longsleeve", "jacket": "outerwear",
    "coat": "outerwear", "outwear": "outerwear", "pants": "trousers", "trouser": "trousers", "jeans": "trousers",
    "chinos": "trousers", "dresses": "dress", "skirts": "skirt", "short": "shorts",
}
#: The most units of one size a row may give: far above any shop's stock, far below SQLite's 64-bit limit.
MAX_QUANTITY = 1_000_000
#: The highest price a row may give, in major units (100 million: above any garment, in any currency).
MAX_PRICE = Decimal(100_000_000)
_CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "CHF": "CHF", "kr": "SEK"}
_DOLLAR_CURRENCIES = {"USD", "CAD", "AUD", "NZD", "HKD", "SGD"}


@dataclass(frozen=True)
class FieldChange:
    """One product field an import changes."""

    sku: str
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class StockChange:
    """One size whose quantity (or size barcode) an import changes; ``old`` is None for a new size."""

    sku: str
    size: str
    old: int | None
    new: int


@dataclass
class CatalogReport:
    """What an import did (or, for a dry run, would do)."""

    path: Path
    file_format: str
    encoding_note: str | None = None
    stock_only: bool = False
    dry_run: bool = False
    rows_read: int = 0
    rows_kept: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    new_brands: list[str] = field(default_factory=list)
    new_products: list[str] = field(default_factory=list)
    field_changes: list[FieldChange] = field(default_factory=list)
    stock_changes: list[StockChange] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)

    @property
    def updated_products(self) -> list[str]:
        """Return the SKUs of existing products whose fields change, in file order."""
        return list(dict.fromkeys(c.sku for c in self.field_changes))

    def summary(self) -> str:
        """Return one line saying what changed, for the CLI and the status bar."""
        verb = "would change" if self.dry_run else "changed"
        kind = "stock-only file" if self.stock_only else "catalog"
        return (f"{self.path.name} ({kind}, {self.file_format}): {self.rows_kept} of {self.rows_read} rows used; "
                f"{verb}: {len(self.new_products)} new products, {len(self.updated_products)} updated, "
                f"{len(self.stock_changes)} stock changes, {len(self.new_brands)} new brands; "
                f"{len(self.problems)} rows rejected.")

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "file": str(self.path), "format": self.file_format, "encoding_note": self.encoding_note,
            "stock_only": self.stock_only, "dry_run": self.dry_run, "rows_read": self.rows_read,
            "rows_kept": self.rows_kept, "ignored_columns": self.ignored_columns, "new_brands": self.new_brands,
            "new_products": self.new_products,
            "field_changes": [vars(c) for c in self.field_changes],
            "stock_changes": [vars(c) for c in self.stock_changes],
            "problems": [{"line": p.line, "column": p.column, "reason": p.reason} for p in self.problems],
        }


# -- reading files --------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A file's header and rows, whatever its format."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[Any]]]  # (line number, cells)
    file_format: str
    encoding_note: str | None
    column_label: Callable[[int], str]  # column index -> how messages name it ('4' in CSV, 'D' in XLSX)
    #: Rows left out because they do not decode (a line in another encoding than the rest of a CSV file).
    undecodable: list[RowProblem] = field(default_factory=list)


def _read_csv(path: Path, what: str, rows_are: str) -> _Table:
    encoding = detect_encoding(path, f"the {what} as CSV (UTF-8) or XLSX")
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[Any]]] = []
    with CsvRows(path, encoding) as records:
        for line, record in records:
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = record, line
            else:
                rows.append((line, record))
    if header is None:
        raise InputError(f"is empty. A {what} needs a header row and {rows_are}.", path=path)
    fmt = f"CSV, {DELIMITER_NAMES[records.delimiter]}-separated, {encoding.label}"
    return _Table(header, header_line, rows, fmt, encoding.note, lambda i: str(i + 1), records.problems)


def _read_xlsx(path: Path, what: str) -> _Table:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"cannot be read as an XLSX workbook ({exc}). Save it again from the spreadsheet "
                         "as .xlsx, or export CSV.", path=path) from None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        header_line = 0
        rows: list[tuple[int, list[Any]]] = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [restore_cell(c) if isinstance(c, str) else c for c in values]
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if header is None:
                header, header_line = ["" if c is None else str(c) for c in cells], line
            else:
                rows.append((line, cells))
    finally:
        workbook.close()
    if header is None:
        raise InputError(f"the first sheet ('{sheet.title}') is empty. Put the {what} on the first sheet, "
                         "with a header row.", path=path)
    return _Table(header, header_line, rows, f"XLSX, sheet '{sheet.title}'", None,
                  lambda i: get_column_letter(i + 1))


def read_table(path: Path | str, what: str = "catalog", rows_are: str = "one row per product and size") -> _Table:
    """Read a spreadsheet's header and rows (CSV or XLSX), choosing the reader by content, not by name.

    :param what: what the file holds, for messages ("catalog", "purchase history").
    :param rows_are: what its rows should be, for the message about an empty file.

    :raises InputError: if the file is missing, unreadable, an old .xls or not CSV/XLSX.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        raise InputError("no such file. Check the path.", path=path) from None
    except IsADirectoryError:
        raise InputError(f"is a folder. Give the {what} file itself.", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror}).", path=path) from None
    if not magic.strip():
        raise InputError(f"is empty. A {what} needs a header row and {rows_are}.", path=path)
    if magic.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, what)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("is an old Excel .xls workbook. Save it as .xlsx or export CSV, then import that.",
                         path=path)
    return _read_csv(path, what, rows_are)


# -- checking rows --------------------------------------------------------------------


_ALIAS_TO_FIELD = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}


def map_columns(header: list[str], path: Path) -> tuple[dict[str, int], list[str]]:
    """Return {field: column index} for the header, and the headers that name no field.

    :raises InputError: if two columns name the same field.
    """
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        name = _ALIAS_TO_FIELD.get(norm_header(str(title)))
        if name is None:
            if str(title).strip():
                ignored.append(str(title).strip())
            continue
        if name in found:
            raise InputError(f"columns '{header[found[name]]}' and '{title}' both give the {name}; "
                             "remove or rename one.", path=path)
        found[name] = index
    return found, ignored


def _missing_columns_error(path: Path, missing: list[str], header: list[str], stock_only: bool) -> InputError:
    wanted = "; ".join(f"{m} ({' / '.join(COLUMN_ALIASES[m][:4])})" for m in missing)
    kind = "a stock-only file" if stock_only else "a catalog file"
    shown = ", ".join(repr(h) for h in header if str(h).strip())
    return InputError(f"{kind} needs a column for: {wanted}. The header has {shown}.", path=path)


@dataclass
class _Row:
    line: int
    sku: str
    size: str
    quantity: int
    brand: str | None = None
    name: str | None = None
    category: str | None = None
    colour: str | None = None
    price_minor: int | None = None
    currency: str | None = None
    barcode: str | None = None
    #: The product-level code: set on a new product's first row when all its rows share one barcode.
    product_code: str | None = None


class _DryRun(Exception):
    """Raised inside the transaction of a dry run to roll it back."""


class _RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet stores 12 as 12.0
    return str(value).strip()


def normalize_size(text: str) -> str:
    """Return a size as stored and matched: trimmed, upper case, single spaces ('m ' -> 'M')."""
    return " ".join(text.upper().split())


def normalize_category(text: str) -> str:
    """Return a category in the names customer sizes use ('Tees' -> 't-shirt')."""
    word = " ".join(text.lower().split())
    return CATEGORY_ALIASES.get(word, word)


def parse_quantity(value: Any) -> int:
    """Return a stock quantity: a whole number, zero or more.

    :raises ValueError: with the reason, if it is not.
    """
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a number of units")
    if isinstance(value, int):
        number = Decimal(value)
    else:
        text = _cell_text(value)
        if not text:
            raise ValueError("is empty; write 0 for a size that is sold out")
        try:
            number = Decimal(text.replace(",", "").replace(" ", ""))
        except InvalidOperation:
            raise ValueError(f"'{text}' is not a whole number of units") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"'{value}' is not a whole number of units")
    if number < 0:
        raise ValueError(f"'{value}' is negative; write 0 for a size that is sold out")
    if number > MAX_QUANTITY:
        raise ValueError(f"'{value}' is more than {MAX_QUANTITY:,} units of one size; check the column")
    return int(number)


def parse_price(value: Any, default_currency: str) -> tuple[int, str | None]:
    """Return (price in minor units, currency named in the cell or None).

    Reads "1,234.50", "1.234,50", "$98", "98,00", "EUR 12" and spreadsheet numbers.

    :param default_currency: the currency a bare "$" means when it is a dollar currency.
    :raises ValueError: with the reason, if the price cannot be read.
    """
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        amount, currency = Decimal(str(value)), None
    else:
        text = _cell_text(value)
        if text.startswith("-") or "(" in text:
            raise ValueError(f"'{text}' is negative; a price must be zero or more")
        price = Price.fromstring(text)
        if price.amount is None:
            raise ValueError(f"'{text}' is not a price (write it like 98.00 or 1,234.50)")
        if re.search(r"[A-Za-z]", re.sub(r"\b[A-Z]{3}\b|kr|CHF", "", text)):
            raise ValueError(f"'{text}' is not a price (write it like 98.00 or 1,234.50)")
        amount, currency = price.amount, _currency_from_symbol(price.currency, default_currency)
    if not amount.is_finite():
        raise ValueError(f"'{value}' is not a price (write it like 98.00 or 1,234.50)")
    if amount < 0:
        raise ValueError(f"'{value}' is negative; a price must be zero or more")
    if amount > MAX_PRICE:
        raise ValueError(f"'{value}' is more than {MAX_PRICE:,}; check the column (a price in major units, "
                         "like 98.00)")
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise ValueError(f"'{value}' has more than two decimals")
    return int(minor), currency


def _currency_from_symbol(symbol: str | None, default_currency: str) -> str | None:
    if symbol is None:
        return None
    if symbol in ("$", "US$"):
        return default_currency if default_currency in _DOLLAR_CURRENCIES else "USD"
    if re.fullmatch(r"[A-Za-z]{3}", symbol):
        return symbol.upper()
    return _CURRENCY_SYMBOLS.get(symbol)


@dataclass(frozen=True)
class _Cells:
    """One row's cells, read by field name through the file's column map."""

    cells: list[Any]
    columns: dict[str, int]
    label: Callable[[int], str]
    header: list[str]

    def where(self, name: str) -> str:
        """Return the column of ``name`` for a problem report: ``column C ('Qty')``."""
        index = self.columns[name]
        return f"{self.label(index)} ('{str(self.header[index]).strip()}')"

    def text(self, name: str) -> str:
        """Return the cell of ``name`` as trimmed text ('' if the file has no such column or the row is short)."""
        index = self.columns.get(name)
        return _cell_text(self.cells[index]) if index is not None and index < len(self.cells) else ""

    def raw(self, name: str) -> Any:
        """Return the cell of ``name`` as the file holds it (a spreadsheet's number stays a number)."""
        index = self.columns[name]
        return self.cells[index] if index < len(self.cells) else None

    def given(self, name: str) -> bool:
        """Return whether the file has a column for ``name`` and this row fills it."""
        return name in self.columns and bool(self.text(name))


def _check_row(line: int, cells: list[Any], columns: dict[str, int], label: Callable[[int], str],
               header: list[str], stock_only: bool, default_currency: str) -> _Row:
    """Check one row of a catalog file and return it normalized.

    Every row needs a SKU, a size and a quantity (and a barcode, if given, must be valid); a full catalog row
    also needs a brand, name and category, and may give a colour and a price with its currency.

    :raises _RowError: naming the column of the first problem found.
    """
    row_cells = _Cells(cells, columns, label, header)
    row = _check_stock(line, row_cells)
    if row_cells.given("barcode"):
        row.barcode = _check_barcode(row_cells)
    if not stock_only:
        _check_product(row, row_cells)
        _check_price(row, row_cells, default_currency)
    return row


def _check_stock(line: int, cells: _Cells) -> _Row:
    """Return the row's SKU, size and quantity: what every row of a catalog or stock file must give."""
    sku = cells.text("sku")
    if not sku:
        raise _RowError(cells.where("sku"), "the SKU is empty")
    size = normalize_size(cells.text("size"))
    if not size:
        raise _RowError(cells.where("size"), "the size is empty; write 'One Size' for a one-size product")
    try:
        quantity = parse_quantity(cells.raw("quantity"))
    except ValueError as exc:
        raise _RowError(cells.where("quantity"), f"quantity {exc}") from None
    return _Row(line, sku, size, quantity)


def _check_barcode(cells: _Cells) -> str:
    """Return the row's barcode as a checked GTIN."""
    cell = cells.raw("barcode")
    from_number = isinstance(cell, (int, float)) and not isinstance(cell, bool)
    digits = str(int(cell)) if from_number else cells.text("barcode")
    if isinstance(cell, (int, float)) and len(digits) == 11:
        digits = digits.zfill(12)  # a spreadsheet dropped the leading zero of a UPC-A
    try:
        return normalize_gtin(digits)
    except InputError as exc:
        raise _RowError(cells.where("barcode"), str(exc)) from None


def _check_product(row: _Row, cells: _Cells) -> None:
    """Fill the row's brand, name, category and colour (a full catalog row must give the first three)."""
    for name in ("brand", "name", "category"):
        if not cells.text(name):
            raise _RowError(cells.where(name), f"the {name} is empty")
    row.brand = " ".join(cells.text("brand").split())
    row.name = " ".join(cells.text("name").split())
    for name in ("brand", "name"):
        # A product's name is put into messages to customers: no card number may ride along.
        if has_card_number(cells.text(name)):
            raise _RowError(cells.where(name), f"the {name} {IMPORT_REFUSAL}")
    row.category = normalize_category(cells.text("category"))
    if cells.given("colour"):
        row.colour = " ".join(cells.text("colour").split())


def _check_price(row: _Row, cells: _Cells, default_currency: str) -> None:
    """Fill the row's price and currency: from the price cell (``$12.50``, ``12,50 €``) and the currency column,
    which must agree; a price without either is in ``default_currency``."""
    cell_currency = None
    if cells.given("price"):
        try:
            row.price_minor, cell_currency = parse_price(cells.raw("price"), default_currency)
        except ValueError as exc:
            raise _RowError(cells.where("price"), f"price {exc}") from None
    column_currency = cells.text("currency").upper() if "currency" in cells.columns else ""
    if column_currency and not re.fullmatch(r"[A-Z]{3}", column_currency):
        raise _RowError(cells.where("currency"),
                        f"currency '{column_currency}' is not a 3-letter ISO code like USD")
    if column_currency and cell_currency and column_currency != cell_currency:
        raise _RowError(cells.where("price"), f"the price is in {cell_currency} but the currency column says "
                                              f"{column_currency}")
    if row.price_minor is not None or column_currency:
        row.currency = column_currency or cell_currency or default_currency


_PRODUCT_FIELDS = ("brand", "name", "category", "colour", "price_minor", "currency")


def _conflict(first: _Row, row: _Row) -> tuple[str, str] | None:
    """Return (field, reason) if ``row`` describes the same SKU differently from its first row."""
    for name in _PRODUCT_FIELDS:
        a, b = getattr(first, name), getattr(row, name)
        if a is not None and b is not None and (a.casefold() if isinstance(a, str) else a) != (
                b.casefold() if isinstance(b, str) else b):
            return name, f"{name} '{b}' differs from '{a}' on line {first.line} for the same SKU {row.sku}"
    return None


# -- the import -------------------------------------------------------------------------


@dataclass
class _Plan:
    brands_new: list[str] = field(default_factory=list)
    products_new: list[_Row] = field(default_factory=list)
    products_update: dict[int, dict[str, Any]] = field(default_factory=dict)  # product id -> column values
    stock_upserts: list[tuple[int | None, str, str, int, str | None]] = field(default_factory=list)
    # (product id or None for a new product, sku, size, quantity, barcode)


def iter_import_catalog(store: Store, path: Path | str, *, actor: str, stock_only: bool = False,
                        dry_run: bool = False) -> Generator[Progress, None, CatalogReport]:
    """Import a catalog file, yielding progress; the generator's return value is the report.

    :param actor: who imports, for the audit log.
    :param stock_only: update quantities only (also chosen when the file has no brand, name or category).
    :param dry_run: say what would change without writing anything.
    :raises InputError: if the file as a whole cannot be used (unreadable, no header, columns missing).
    """
    path = Path(path)
    yield Progress(0, 3, f"Reading {path.name}")
    table = read_table(path)
    columns, ignored = map_columns(table.header, path)
    if not stock_only and not any(name in columns for name in ("brand", "name", "category")):
        stock_only = True  # a file of SKU, size and quantity is a stock update
    required = STOCK_REQUIRED if stock_only else FULL_REQUIRED
    missing = [name for name in required if name not in columns]
    if missing:
        raise _missing_columns_error(path, missing, table.header, stock_only)
    report = CatalogReport(path, table.file_format, table.encoding_note, stock_only, dry_run,
                           rows_read=len(table.rows) + len(table.undecodable), ignored_columns=ignored)
    default_currency = str(store.get_setting(DEFAULT_CURRENCY_SETTING, "USD")).upper()

    yield Progress(1, 3, f"Checking {len(table.rows)} rows")
    rows = _checked_rows(store, table, columns, stock_only, default_currency, report)
    if table.undecodable:
        report.problems = sorted([*table.undecodable, *report.problems], key=lambda p: p.line)
    plan = _plan(store, rows, stock_only, report)
    report.rows_kept = len(rows)

    yield Progress(2, 3, f"Writing {len(rows)} rows" if not dry_run else f"Trying {len(rows)} rows")
    if not dry_run:
        store.backup_before("import")  # a verified copy to go back to if this import was the wrong file
    # A dry run writes too, then rolls back: whatever would make the import fail, fails the dry run.
    try:
        with store.atomic():
            _apply(store, plan)
            store.audit(actor, "catalog.import", "catalog", None, file=str(path), format=table.file_format,
                        stock_only=stock_only, rows_read=report.rows_read, rows_kept=report.rows_kept,
                        rejected=len(report.problems), new_brands=report.new_brands,
                        new_products=report.new_products, updated_products=report.updated_products,
                        stock_changes=len(report.stock_changes))
            if dry_run:
                raise _DryRun
    except _DryRun:
        yield Progress(3, 3, "Preview ready; nothing was written")
        return report
    touched = bool(report.new_products or report.field_changes or report.stock_changes or report.new_brands)
    report.changes = store.notify(Changes(products=touched, audit=True))
    yield Progress(3, 3, "Done")
    return report


def import_catalog(store: Store, path: Path | str, *, actor: str, stock_only: bool = False,
                   dry_run: bool = False) -> CatalogReport:
    """Import a catalog file and return the report (see :func:`iter_import_catalog`).

    :raises InputError: if the file as a whole cannot be used.
    """
    return run_to_end(iter_import_catalog(store, path, actor=actor, stock_only=stock_only, dry_run=dry_run))


def _checked_rows(store: Store, table: _Table, columns: dict[str, int], stock_only: bool,
                  default_currency: str, report: CatalogReport) -> list[_Row]:
    kept: list[_Row] = []
    first_of_sku: dict[str, _Row] = {}
    line_of_size: dict[tuple[str, str], int] = {}
    known = {r[0] for r in store.db.execute("SELECT sku FROM products")} if stock_only else set()
    for line, cells in table.rows:
        try:
            row = _check_row(line, cells, columns, table.column_label, table.header, stock_only, default_currency)
        except _RowError as exc:
            report.problems.append(RowProblem(line, exc.column, exc.reason))
            continue
        sku_col = f"{table.column_label(columns['sku'])} ('{str(table.header[columns['sku']]).strip()}')"
        size_col = f"{table.column_label(columns['size'])} ('{str(table.header[columns['size']]).strip()}')"
        if stock_only and row.sku not in known:
            report.problems.append(RowProblem(line, sku_col, f"SKU {row.sku} is not in the catalog; import it "
                                                             "with the full catalog file first"))
            continue
        earlier = line_of_size.get((row.sku, row.size))
        if earlier is not None:
            report.problems.append(RowProblem(line, size_col, f"SKU {row.sku} size {row.size} is already on "
                                                              f"line {earlier}; keep one row per product and size"))
            continue
        first = first_of_sku.setdefault(row.sku, row)
        clash = _conflict(first, row) if first is not row else None
        if clash is not None:
            name, reason = clash
            column = name if name != "price_minor" else "price"
            index = columns.get(column)
            col = f"{table.column_label(index)} ('{str(table.header[index]).strip()}')" if index is not None else None
            report.problems.append(RowProblem(line, col, reason))
            continue
        line_of_size[(row.sku, row.size)] = line
        kept.append(row)
    return kept


def _plan(store: Store, rows: list[_Row], stock_only: bool, report: CatalogReport) -> _Plan:
    """Work out what the checked rows change (new brands, new and changed products, stock), against the library."""
    db = store.db
    plan = _Plan()
    brands = {r[0].casefold() for r in db.execute("SELECT name FROM brands")}
    existing = {r[0]: r for r in db.execute(
        "SELECT p.sku, p.id, b.name, p.name, p.category, p.colour, p.price_minor, p.currency, p.barcode"
        " FROM products p JOIN brands b ON b.id = p.brand_id")}
    stock = {(r[0], r[1]): (r[2], r[3]) for r in db.execute(
        "SELECT p.sku, s.size, s.quantity, s.barcode FROM stock s JOIN products p ON p.id = s.product_id")}
    # A barcode shared by every row of a SKU is the product's own code (a style-level tag).
    codes_of_sku: dict[str, set[str | None]] = {}
    for row in rows:
        codes_of_sku.setdefault(row.sku, set()).add(row.barcode)
    seen_skus: set[str] = set()
    for row in rows:
        if not stock_only and row.sku not in seen_skus:
            seen_skus.add(row.sku)
            codes = codes_of_sku[row.sku]
            _plan_product(plan, report, row, existing.get(row.sku), brands,
                          product_code=next(iter(codes)) if len(codes) == 1 else None)
        product_id = existing[row.sku][1] if row.sku in existing else None
        _plan_stock(plan, report, row, product_id, stock.get((row.sku, row.size)))
    report.new_brands = plan.brands_new
    return plan


def _plan_product(plan: _Plan, report: CatalogReport, row: _Row, old: tuple[Any, ...] | None, brands: set[str],
                  product_code: str | None) -> None:
    """Plan a SKU's product (from its first row): its brand if new, then the product new or its changed fields.

    :param old: the product as the library holds it, or None for a new SKU.
    :param brands: the brand names known so far, casefolded; a new one is added.
    """
    assert row.brand is not None
    if row.brand.casefold() not in brands:
        brands.add(row.brand.casefold())
        plan.brands_new.append(row.brand)
    if old is None:
        row.product_code = product_code
        plan.products_new.append(row)
        report.new_products.append(row.sku)
        return
    updates = _product_updates(row, old, product_code, report)
    if updates:
        plan.products_update[old[1]] = updates


def _plan_stock(plan: _Plan, report: CatalogReport, row: _Row, product_id: int | None,
                before: tuple[int, str | None] | None) -> None:
    """Plan the row's stock: a new size, a new quantity or a new barcode is written; a quantity change is reported.

    :param before: the size's (quantity, barcode) in the library, or None for a new size.
    """
    barcode = row.barcode if row.barcode is not None else (before[1] if before else None)
    if before is None or before[0] != row.quantity or before[1] != barcode:
        plan.stock_upserts.append((product_id, row.sku, row.size, row.quantity, barcode))
        if before is None or before[0] != row.quantity:
            report.stock_changes.append(StockChange(row.sku, row.size, before[0] if before else None, row.quantity))


def _product_updates(row: _Row, old: tuple[Any, ...], product_code: str | None,
                     report: CatalogReport) -> dict[str, Any]:
    _sku, _id, brand, name, category, colour, price_minor, currency, barcode = old
    current = {"brand": brand, "name": name, "category": category, "colour": colour,
               "price_minor": price_minor, "currency": currency, "barcode": barcode}
    wanted: dict[str, Any] = {"brand": row.brand, "name": row.name, "category": row.category, "colour": row.colour,
              "price_minor": row.price_minor, "currency": row.currency, "barcode": product_code}
    updates: dict[str, Any] = {}
    for name_, new in wanted.items():
        # An empty cell (or a column the file lacks) leaves the current value alone.
        same = (new.casefold() == (current[name_] or "").casefold() if name_ == "brand" and new is not None
                else new == current[name_])
        if new is not None and not same:
            updates[name_] = new
            report.field_changes.append(FieldChange(row.sku, name_, current[name_], new))
    return updates


def _apply(store: Store, plan: _Plan) -> None:
    db = store.db
    now = utcnow()
    for brand in plan.brands_new:
        db.execute("INSERT INTO brands (name) VALUES (?)", [brand])
    brand_ids = {r[1].casefold(): r[0] for r in db.execute("SELECT id, name FROM brands")}
    new_ids: dict[str, int] = {}
    for row in plan.products_new:
        assert row.brand is not None
        cur = db.execute(
            "INSERT INTO products (sku, brand_id, name, category, colour, price_minor, currency, barcode,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [row.sku, brand_ids[row.brand.casefold()], row.name, row.category, row.colour or "", row.price_minor,
             row.currency or str(store.get_setting(DEFAULT_CURRENCY_SETTING, "USD")).upper(),
             row.product_code, now, now])
        new_ids[row.sku] = inserted_id(cur)
    for product_id, updates in plan.products_update.items():
        values = dict(updates)
        if "brand" in values:
            values["brand_id"] = brand_ids[values.pop("brand").casefold()]
        assignments = ", ".join(f"{column} = ?" for column in values)
        db.execute(f"UPDATE products SET {assignments}, updated_at = ? WHERE id = ?",
                   [*values.values(), now, product_id])
    db.conn.executemany(
        "INSERT INTO stock (product_id, size, barcode, quantity, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (product_id, size) DO UPDATE SET quantity = excluded.quantity,"
        " barcode = excluded.barcode, updated_at = excluded.updated_at",
        [(product_id if product_id is not None else new_ids[sku], size, barcode, quantity, now)
         for product_id, sku, size, quantity, barcode in plan.stock_upserts])


# -- reading the catalog ----------------------------------------------------------------


@dataclass(frozen=True)
class SizeStock:
    """The stock of one size of a product."""

    size: str
    quantity: int
    barcode: str | None


@dataclass(frozen=True)
class Product:
    """A product with its stock by size."""

    id: int
    sku: str
    brand: str
    name: str
    category: str
    colour: str
    price_minor: int | None
    currency: str
    barcode: str | None
    sizes: tuple[SizeStock, ...]
    shots: int

    @property
    def units(self) -> int:
        """Return the units in stock over all sizes."""
        return sum(s.quantity for s in self.sizes)

    @property
    def out_of_stock(self) -> bool:
        """Return whether no size has a unit left."""
        return self.units == 0

    def sizes_in_stock(self) -> list[str]:
        """Return the sizes with at least one unit."""
        return [s.size for s in self.sizes if s.quantity > 0]

    def as_dict(self) -> dict[str, Any]:
        """Return the product as JSON-ready data."""
        return {"id": self.id, "sku": self.sku, "brand": self.brand, "name": self.name, "category": self.category,
                "colour": self.colour, "price_minor": self.price_minor, "currency": self.currency,
                "barcode": self.barcode, "units": self.units, "out_of_stock": self.out_of_stock,
                "shots": self.shots,
                "sizes": [{"size": s.size, "quantity": s.quantity, "barcode": s.barcode} for s in self.sizes]}


def list_products(store: Store, brand: str | None = None) -> list[Product]:
    """Return products with their stock by size, by brand then SKU.

    :param brand: only this brand (name, any case).
    :raises InputError: if ``brand`` names no brand.
    """
    params: list[Any] = []
    where = ""
    if brand is not None:
        brand_id = brand_id_by_name(store, brand)
        where, params = "WHERE p.brand_id = ?", [brand_id]
    products = store.db.execute(
        "SELECT p.id, p.sku, b.name, p.name, p.category, p.colour, p.price_minor, p.currency, p.barcode,"
        " (SELECT count(*) FROM photos ph WHERE ph.product_id = p.id)"
        f" FROM products p JOIN brands b ON b.id = p.brand_id {where} ORDER BY b.name, p.sku", params).fetchall()
    sizes: dict[int, list[SizeStock]] = {}
    for product_id, size, quantity, barcode in store.db.execute(
            "SELECT s.product_id, s.size, s.quantity, s.barcode FROM stock s JOIN products p ON p.id = s.product_id"
            f" {where} ORDER BY s.product_id, s.rowid", params):
        sizes.setdefault(product_id, []).append(SizeStock(size, quantity, barcode))
    return [Product(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], tuple(_size_order(sizes.get(r[0], []))),
                    r[9]) for r in products]


_LETTER_SIZES = ["XXXS", "XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "3XL", "4XL"]


def _size_order(sizes: Iterable[SizeStock]) -> list[SizeStock]:
    def key(s: SizeStock) -> tuple[int, float, str]:
        if s.size in _LETTER_SIZES:
            return 0, _LETTER_SIZES.index(s.size), s.size
        try:
            return 1, float(s.size), s.size
        except ValueError:
            return 2, 0.0, s.size

    return sorted(sizes, key=key)


def brand_id_by_name(store: Store, name: str) -> int:
    """Return a brand's id by its name (any case).

    :raises InputError: if no brand has that name.
    """
    row = store.db.execute("SELECT id FROM brands WHERE name = ? COLLATE NOCASE", [name.strip()]).fetchone()
    if row is None:
        known = ", ".join(r[0] for r in store.db.execute("SELECT name FROM brands ORDER BY name LIMIT 12"))
        raise InputError(f"brand '{name}' is not in the catalog" + (f"; brands: {known}." if known else
                                                                    "; import a catalog first."))
    return int(row[0])


@dataclass(frozen=True)
class BrandSummary:
    """A brand with counts for the brand list."""

    id: int
    name: str
    products: int
    out_of_stock: int
    units: int
    shots: int


def list_brands(store: Store) -> list[BrandSummary]:
    """Return every brand with its product, out-of-stock, unit and shot counts, by name."""
    rows = store.db.execute(
        """
        WITH per_product AS (
            SELECT p.id, p.brand_id,
                   COALESCE((SELECT sum(quantity) FROM stock s WHERE s.product_id = p.id), 0) AS units,
                   (SELECT count(*) FROM photos ph WHERE ph.product_id = p.id) AS shots
            FROM products p
        )
        SELECT b.id, b.name, count(pp.id), COALESCE(sum(pp.units = 0), 0), COALESCE(sum(pp.units), 0),
               COALESCE(sum(pp.shots), 0)
        FROM brands b LEFT JOIN per_product pp ON pp.brand_id = b.id
        GROUP BY b.id ORDER BY b.name COLLATE NOCASE
        """).fetchall()
    return [BrandSummary(*r) for r in rows]


def brand_names(store: Store) -> list[str]:
    """Return every brand's name, alphabetically (ignoring case)."""
    return [r[0] for r in store.db.execute("SELECT name FROM brands ORDER BY name COLLATE NOCASE")]
