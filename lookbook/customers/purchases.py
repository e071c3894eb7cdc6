"""Importing purchase history from a till (POS) export: who bought which SKU or brand, in which size, when.

Purchases make a customer a brand's fan ("bought it") for matching and the brand dashboard,
so a back office loads its till's export rather than typing history in by hand. One row per
purchase, CSV or XLSX, columns in any order under the names tills use (see
:data:`COLUMN_ALIASES`). Rules:

* A row names its customer by customer id, e-mail or X handle; an unknown customer is a
  problem for that row ("import the customer first"), never a new customer.
* A SKU in the catalog gives the product and its brand; a brand alone is enough too.
* The same purchase (customer, product or brand, size, time) already recorded, or twice in
  the file, is counted once: importing this week's export over last week's adds only the new.
* Columns Lookbook does not know are ignored and never stored; a column that looks like a
  payment card is named in the report, so nobody believes card numbers were kept.
* Good rows go in one transaction (a dry run writes nothing); problems name line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lookbook.catalog.products import read_table
from lookbook.customers.book import FieldError, check_email, check_when, check_x_handle
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store
from lookbook.store.tabular import RowProblem, norm_header

#: Each column and the headers that name it (compared after :func:`~lookbook.store.tabular.norm_header`).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer id", "customer no", "customer number", "client id", "customer"),
    "email": ("email", "e mail", "email address", "customer email", "mail"),
    "x_handle": ("x handle", "twitter", "twitter handle", "x username"),
    "sku": ("sku", "article", "article number", "style", "style number", "product code", "item code", "item"),
    "brand": ("brand", "label", "designer", "brand name"),
    "size": ("size", "size bought"),
    "purchased_at": ("purchased at", "purchase date", "date", "order date", "bought on", "sold on", "sale date",
                     "transaction date"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
#: Header words that suggest payment card data (reported as ignored, never read).
_CARD_WORDS = ("card", "pan", "cc number", "credit", "debit")
#: Problems kept in a report; a file with more says how many were left out.
MAX_PROBLEMS = 10_000


@dataclass
class PurchaseImportReport:
    """What an import of purchase history did (or, for a dry run, would do)."""

    path: Path
    file_format: str = ""
    dry_run: bool = False
    added: int = 0
    already_recorded: int = 0
    customers: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    problems_left_out: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    card_columns: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)

    def problem(self, line: int, column: str | None, reason: str) -> None:
        """Record why a row was not used."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(RowProblem(line, column, reason))
        else:
            self.problems_left_out += 1

    @property
    def rejected(self) -> int:
        """Return how many rows were not used."""
        return len(self.problems) + self.problems_left_out

    def summary(self) -> str:
        """Return one line for people."""
        verb = "Would add" if self.dry_run else "Added"
        text = (f"{verb} {self.added:,} purchase{'' if self.added == 1 else 's'} for {self.customers:,} "
                f"customer{'' if self.customers == 1 else 's'}")
        if self.already_recorded:
            text += f"; {self.already_recorded:,} already recorded"
        if self.rejected:
            text += f"; {self.rejected:,} row{'' if self.rejected == 1 else 's'} rejected (see the problems)"
        return text + "."

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {"file": str(self.path), "format": self.file_format, "dry_run": self.dry_run, "added": self.added,
                "already_recorded": self.already_recorded, "customers": self.customers,
                "problems": [str(p) for p in self.problems], "problems_left_out": self.problems_left_out,
                "ignored_columns": self.ignored_columns, "card_columns": self.card_columns}


class _DryRun(Exception):
    """Raised inside the transaction of a dry run to roll it back."""


def _columns(header: list[str], path: Path) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        name = _ALIAS_TO_FIELD.get(norm_header(str(cell)))
        if name is None:
            if str(cell).strip():
                ignored.append(str(cell).strip())
            continue
        if name in found:
            raise InputError(f"two columns are '{name.replace('_', ' ')}' ('{header[found[name]]}' and '{cell}'); "
                             "keep one.", path=path)
        found[name] = index
    if not {"customer_id", "email", "x_handle"} & found.keys():
        raise InputError("has no column naming the customer. Add one headed 'Customer ID', 'E-mail' or "
                         "'X handle'.", path=path)
    if not {"sku", "brand"} & found.keys():
        raise InputError("has no column naming what was bought. Add one headed 'SKU' (or 'Article') or 'Brand'.",
                         path=path)
    if "purchased_at" not in found:
        raise InputError("has no date column. Add one headed 'Date' (or 'Purchase date'), as YYYY-MM-DD.",
                         path=path)
    return found, ignored


def _text(cells: list[Any], index: int | None) -> str:
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    value = cells[index]
    if hasattr(value, "isoformat"):  # a date cell from a workbook
        return str(value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1042.0 from a spreadsheet is customer 1042
    return str(value).strip()


def import_purchases(store: Store, path: Path | str, *, actor: str, dry_run: bool = False) -> PurchaseImportReport:
    """Add the purchases in a CSV or XLSX file to the customers they name.

    :raises InputError: for a file that cannot be read or lacks a needed column (nothing is written).
    """
    path = Path(path)
    table = read_table(path, "purchase history", "one row per purchase")
    cols, ignored = _columns(table.header, path)
    report = PurchaseImportReport(path, table.file_format, dry_run, ignored_columns=ignored,
                                  card_columns=[c for c in ignored if any(w in norm_header(c) for w in _CARD_WORDS)])
    for problem in table.undecodable:
        report.problem(problem.line, problem.column, problem.reason)
    label = {name: f"{table.column_label(i)} ({table.header[i]})" for name, i in cols.items()}
    db = store.db
    skus = {r[0].casefold(): (r[1], r[2]) for r in db.execute("SELECT sku, id, brand_id FROM products")}
    brands = {r[0].casefold(): r[1] for r in db.execute("SELECT name, id FROM brands")}
    # A till export is small beside the customer book and the purchase history: each row looks
    # its customer and its purchase up by index rather than loading the whole book into memory.
    find = _CustomerFinder(store)
    in_file: set[tuple[int, int | None, int, str, str]] = set()
    rows: list[tuple[int, int | None, int, str, str]] = []

    for line, cells in table.rows:
        customer = _customer(cells, cols, label, line, report, find)
        if customer is None:
            continue
        bought = _bought(cells, cols, label, line, report, skus, brands)
        if bought is None:
            continue
        when = _when(cells, cols, label, line, report)
        if when is None:
            continue
        product_id, brand_id = bought
        key = (customer, product_id, brand_id, _text(cells, cols.get("size")), when)
        if key in in_file or db.execute(
                "SELECT 1 FROM purchases WHERE customer_id = ? AND product_id IS ? AND brand_id = ?"
                " AND coalesce(size, '') = ? AND purchased_at = ?", key).fetchone():
            report.already_recorded += 1
            continue
        in_file.add(key)
        rows.append(key)

    report.added = len(rows)
    report.customers = len({r[0] for r in rows})
    if rows:
        _record(store, rows, report, path, actor, dry_run)
    return report


def _bought(cells: list[Any], cols: dict[str, int], label: dict[str, str], line: int, report: PurchaseImportReport,
            skus: dict[str, tuple[int, int]], brands: dict[str, int]) -> tuple[int | None, int] | None:
    """Return the (product id or None, brand id) a row says was bought (by SKU, else brand), or record why not."""
    sku, brand = _text(cells, cols.get("sku")), _text(cells, cols.get("brand"))
    if sku and sku.casefold() in skus:
        return skus[sku.casefold()]
    if brand and brand.casefold() in brands:
        return None, brands[brand.casefold()]
    if sku:
        report.problem(line, label["sku"], f"SKU '{sku}' is not in the catalog; import the catalog first"
                       + (f", or check the brand '{brand}'" if brand else "") + ".")
    elif brand:
        report.problem(line, label["brand"], f"brand '{brand}' is not in the catalog; add it or fix the name.")
    else:
        report.problem(line, label.get("sku") or label["brand"], "says neither SKU nor brand; fill one in.")
    return None


def _when(cells: list[Any], cols: dict[str, int], label: dict[str, str], line: int,
          report: PurchaseImportReport) -> str | None:
    """Return the row's purchase date as checked ISO text, or record why not."""
    raw_when = _text(cells, cols["purchased_at"])
    try:
        return check_when(raw_when, "purchased_at")
    except FieldError as exc:
        report.problem(line, label["purchased_at"], str(exc) if raw_when else "no date; write YYYY-MM-DD.")
        return None


def _record(store: Store, rows: list[tuple[int, int | None, int, str, str]], report: PurchaseImportReport,
            path: Path, actor: str, dry_run: bool) -> None:
    """Write the new purchases and their audit entry in one transaction (rolled back again for a dry run)."""
    db = store.db
    if not dry_run:
        store.backup_before("import")  # a verified copy to go back to if this import was the wrong file
    # A dry run writes too, then rolls back: whatever would make the import fail, fails the dry run.
    try:
        with store.atomic():
            db.conn.executemany("INSERT INTO purchases (customer_id, product_id, brand_id, size, purchased_at)"
                                " VALUES (?, ?, ?, nullif(?, ''), ?)", rows)
            store.audit(actor, "customer.purchases_import", "customer", None, file=str(path), added=report.added,
                        already_recorded=report.already_recorded, rejected=report.rejected,
                        ignored_columns=report.ignored_columns)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return
    report.changes = store.notify(Changes(customers=True, audit=True))


class _CustomerFinder:
    """Customers by id, e-mail or X handle (any case), each looked up once by index."""

    def __init__(self, store: Store) -> None:
        self.db = store.db
        self.found: dict[tuple[str, str], int | None] = {}

    def __call__(self, column: str, value: str) -> int | None:
        key = (column, value.casefold())
        if key not in self.found:
            # email and x_handle compare without case (COLLATE NOCASE), and are indexed.
            row = self.db.execute(f"SELECT id FROM customers WHERE {column} = ? LIMIT 1", [value]).fetchone()
            self.found[key] = None if row is None else int(row[0])
        return self.found[key]


def _customer(cells: list[Any], cols: dict[str, int], label: dict[str, str], line: int,
              report: PurchaseImportReport, find: _CustomerFinder) -> int | None:
    """Return the customer a row names (by id, then e-mail, then X handle), or record why not."""
    given = {name: _text(cells, cols.get(name)) for name in ("customer_id", "email", "x_handle")}
    if not any(given.values()):
        report.problem(line, next(iter(label[n] for n in ("customer_id", "email", "x_handle") if n in label)),
                       "names no customer; fill in the customer id, e-mail or X handle.")
        return None
    if given["customer_id"]:
        found = find("id", given["customer_id"]) if given["customer_id"].isdigit() else None
        if found is None:
            report.problem(line, label["customer_id"], f"no customer with id {given['customer_id']}; "
                                                       "import the customer first.")
        return found
    try:
        if given["email"]:
            email = check_email(given["email"])
            found = find("email", email)
            if found is None:
                report.problem(line, label["email"], f"no customer with e-mail {email}; import the customer first.")
            return found
        handle = check_x_handle(given["x_handle"])
    except FieldError as exc:
        report.problem(line, label["email" if given["email"] else "x_handle"], str(exc))
        return None
    found = find("x_handle", handle)
    if found is None:
        report.problem(line, label["x_handle"], f"no customer with X handle @{handle}; import the customer first.")
    return found
