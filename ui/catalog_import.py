"""Import the catalog in the app: a dry run first, with every finding line by line, then the import.

Both steps run :func:`lookbook.catalog.products.iter_import_catalog` on the DB thread (the CLI's ``catalog import``
and ``--dry-run``), its progress driving the bar; the dialog only shows the report. The dry run writes
nothing and needs no sign-in; the import needs a role the matrix allows (``catalog.import``), checked in the
same job, and takes a backup of the library first (the core does).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from lookbook.catalog.products import CatalogReport, iter_import_catalog
from lookbook.store import roles
from lookbook.store.database import Store
from ui.models import RowsTableModel
from ui.widgets.import_dialog import DryRunImportDialog
from ui.widgets.tables import read_only_table
from ui.workers import StoreRunner

HEADERS = ["Line", "Finding", "Product", "Detail"]


def findings(report: CatalogReport) -> list[tuple[str, str, str, str]]:
    """Return what the report found, one row each: rejected lines first (by line), then what would change."""
    rows: list[tuple[str, str, str, str]] = [
        (str(p.line), "rejected", "", f"{p.column}: {p.reason}" if p.column else p.reason) for p in report.problems]
    rows += [("", "new brand", name, "") for name in report.new_brands]
    rows += [("", "new product", sku, "") for sku in report.new_products]
    rows += [("", "update", c.sku, f"{c.field}: {c.old!r} → {c.new!r}") for c in report.field_changes]
    rows += [("", "stock", c.sku, f"size {c.size}: {'new size' if c.old is None else c.old} → {c.new}")
             for c in report.stock_changes]
    return rows


#: The dialog's size while it lists findings (smaller without any, never above the screen).
SIZE = (820, 520)


class CatalogImportDialog(DryRunImportDialog):
    """Check a catalog file (dry run), show each finding, then import it on request."""

    def __init__(self, db: StoreRunner, actor: str | None, path: Path, parent: QWidget | None = None, *,
                 stock_only: bool = False) -> None:
        self.model = RowsTableModel(HEADERS)
        self.view = read_only_table(self.model)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setAccessibleName("What the import found, line by line")
        super().__init__(db, path, self.view, self.model, f"Import Catalog — {path.name}", SIZE, parent)
        self.model.setParent(self)
        self.actor = actor
        self.stock_only = stock_only
        self._start(dry_run=True)

    def work(self, dry_run: bool) -> Callable[[Store], Any]:
        path, actor, stock_only = self.path, self.actor, self.stock_only

        def job(store: Store) -> Any:  # a generator of Progress that returns the CatalogReport
            if not dry_run:
                roles.require(store, actor or "", "catalog.import")
            return iter_import_catalog(store, path, actor=actor or "preview", stock_only=stock_only,
                                       dry_run=dry_run)

        return job

    def describe(self, report: CatalogReport) -> tuple[list[str], list[tuple[str, str, str, str]], bool]:
        lines = [report.summary()]
        if report.encoding_note:
            lines.append(report.encoding_note)
        if report.ignored_columns:
            lines.append(f"Columns not read: {', '.join(report.ignored_columns)}.")
        changes = bool(report.new_products or report.field_changes or report.stock_changes or report.new_brands)
        may = self.actor is not None
        if report.dry_run:
            if not changes:
                lines.append("Nothing would change: fix the rejected lines and choose the file again.")
            elif not may:
                lines.append(f"Sign in as {roles.who_may('catalog.import')} to import it (File ▸ Sign In…).")
            else:
                lines.append("Nothing was written yet. Import writes the changes below (a backup is taken first); "
                             "the rejected lines are left out.")
        return lines, findings(report), changes and may
