"""A file import in two steps: a dry run that writes nothing and shows what it found, then the import.

The customer, purchase and catalog imports all work this way; what each runs and how its report reads are
theirs (:meth:`DryRunImportDialog.work`, :meth:`DryRunImportDialog.describe`), the steps, the progress bar,
cancelling and closing are here, the same for every import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTableView, QVBoxLayout, QWidget

from lookbook.progress import Progress
from lookbook.store.database import Store
from ui.models import RowsTableModel
from ui.widgets.dialog_size import fit_rows
from ui.workers import StoreRunner


class DryRunImportDialog(QDialog):
    """Run an import's dry run at once, show its report, and write the import when asked."""

    #: The import was written (with its report).
    imported = Signal(object)
    #: A step finished: the report, the exception that stopped it, or None when cancelled (tests wait on it).
    finished_step = Signal(object)

    def __init__(self, db: StoreRunner, path: Path, table: QTableView, model: RowsTableModel, title: str,
                 size: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.path = path
        self.report: Any = None
        self._cancel: threading.Event | None = None
        self._table, self._model, self._size = table, model, size
        self.setWindowTitle(title)
        self.step = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        layout.addWidget(table, 1)
        layout.addLayout(buttons)
        fit_rows(self, table, *size)

    # -- what an import says for itself ---------------------------------------------------------------------
    def work(self, dry_run: bool) -> Callable[[Store], Any]:
        """Return the job to run on the DB thread: a report, or a generator of progress that returns one."""
        raise NotImplementedError

    def describe(self, report: Any) -> tuple[list[str], Sequence[Sequence[object]], bool]:
        """Return the summary's lines, the table's rows, and whether the dry run's changes may be imported."""
        raise NotImplementedError

    # -- the two steps ---------------------------------------------------------------------------------------
    def _start(self, *, dry_run: bool) -> None:
        self._cancel = threading.Event()
        self.import_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.step.setText("Checking the file (nothing is written yet)…" if dry_run else "Importing…")
        self.db.run(self.work(dry_run), on_progress=self._progress, on_done=self._done, on_failure=self._failed,
                    cancel=self._cancel, on_cancelled=self._cancelled)

    def _progress(self, step: Progress) -> None:
        self.step.setText(step.message + "…")
        self.progress.setValue(int(1000 * step.done / step.total) if step.total else 0)

    def _done(self, report: Any) -> None:
        self._cancel = None
        self.report = report
        self.progress.setValue(1000)
        lines, rows, may_import = self.describe(report)
        if report.dry_run:
            self.step.setText("Dry run: what the import would do")
            self.import_button.setEnabled(may_import)
            self.cancel_button.setText("Cancel")
        else:
            self.step.setText("Imported")
            self.cancel_button.setText("Close")
            self.imported.emit(report)
        self.summary.setText("\n".join(lines))
        self._model.set_rows(list(rows))
        for column in range(max(self._model.columnCount() - 1, 0)):  # the last column stretches
            self._table.resizeColumnToContents(column)
        fit_rows(self, self._table, *self._size)
        self.finished_step.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self._cancel = None
        self.step.setText("The file cannot be imported")
        self.summary.setText(str(exc))
        fit_rows(self, self._table, *self._size)
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
