"""Import the catalog in the app: a dry run first, with every finding line by line, then the import.

Both steps run :func:`lookbook.catalog.products.iter_import_catalog` on the DB thread (the CLI's ``catalog import``
and ``--dry-run``), its progress driving the bar; the dialog only shows the report. The dry run writes
nothing and needs no sign-in; the import needs a role the matrix allows (``catalog.import``), checked in the
same job, and takes a backup of the library first (the core does).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lookbook.catalog.products import CatalogReport, iter_import_catalog
from lookbook.progress import Progress
from lookbook.store import roles
from lookbook.store.database import Store
from ui.models import RowsTableModel
from ui.widgets.dialog_size import fit_rows
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


class CatalogImportDialog(QDialog):
    """Check a catalog file (dry run), show each finding, then import it on request."""

    #: A step finished: the report, or the exception that stopped it, or None when cancelled (tests wait on it).
    finished_step = Signal(object)

    def __init__(self, db: StoreRunner, actor: str | None, path: Path, parent: QWidget | None = None, *,
                 stock_only: bool = False) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.path = path
        self.stock_only = stock_only
        self.report: CatalogReport | None = None
        self._cancel: threading.Event | None = None
        self.setWindowTitle(f"Import Catalog — {path.name}")
        self.step = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = RowsTableModel(HEADERS, self)
        self.view = read_only_table(self.model)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setAccessibleName("What the import found, line by line")
        self.import_button = QPushButton("&Import")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        fit_rows(self, self.view, *SIZE)
        layout.addLayout(buttons)
        self._start(dry_run=True)

    def _start(self, *, dry_run: bool) -> None:
        self._cancel = threading.Event()
        self.import_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.step.setText("Checking the file (nothing is written yet)…" if dry_run else "Importing…")
        path, actor, stock_only = self.path, self.actor, self.stock_only

        def work(store: Store):  # type: ignore[no-untyped-def]  # a generator of Progress
            if not dry_run:
                roles.require(store, actor or "", "catalog.import")
            return iter_import_catalog(store, path, actor=actor or "preview", stock_only=stock_only,
                                       dry_run=dry_run)

        self.db.run(work, on_progress=self._progress, on_done=self._done, on_failure=self._failed,
                    cancel=self._cancel, on_cancelled=self._cancelled)

    def _progress(self, step: Progress) -> None:
        self.step.setText(step.message + "…")
        self.progress.setValue(int(1000 * step.done / step.total) if step.total else 0)

    def _done(self, report: CatalogReport) -> None:
        self._cancel = None
        self.report = report
        self.progress.setValue(1000)
        lines = [report.summary()]
        if report.encoding_note:
            lines.append(report.encoding_note)
        if report.ignored_columns:
            lines.append(f"Columns not read: {', '.join(report.ignored_columns)}.")
        changes = bool(report.new_products or report.field_changes or report.stock_changes or report.new_brands)
        if report.dry_run:
            may = self.actor is not None
            if not changes:
                lines.append("Nothing would change: fix the rejected lines and choose the file again.")
            elif not may:
                lines.append(f"Sign in as {roles.who_may('catalog.import')} to import it (File ▸ Sign In…).")
            else:
                lines.append("Nothing was written yet. Import writes the changes below (a backup is taken first); "
                             "the rejected lines are left out.")
            self.step.setText("Dry run: what the import would do")
            self.import_button.setEnabled(changes and may)
        else:
            self.step.setText("Imported")
            self.cancel_button.setText("Close")
        self.summary.setText("\n".join(lines))
        self.model.set_rows(findings(report))
        for column in range(3):
            self.view.resizeColumnToContents(column)
        fit_rows(self, self.view, *SIZE)
        self.finished_step.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self._cancel = None
        self.step.setText("The file cannot be imported")
        self.summary.setText(str(exc))
        fit_rows(self, self.view, *SIZE)
        self.cancel_button.setText("Close")
        self.finished_step.emit(exc)

    def _cancelled(self, _none: object) -> None:
        self._cancel = None
        self.step.setText("Cancelled: nothing was written.")
        self.cancel_button.setText("Close")
        self.finished_step.emit(None)

    @Slot()
    def run_import(self) -> None:
        """Write the import the dry run showed."""
        self._start(dry_run=False)

    @Slot()
    def cancel(self) -> None:
        """Stop a running step (its transaction is rolled back), or close."""
        if self._cancel is not None:
            self._cancel.set()
        else:
            self.reject()

    def reject(self) -> None:
        if self._cancel is not None:
            self._cancel.set()  # closing mid-import stops it; the transaction is rolled back
        super().reject()
