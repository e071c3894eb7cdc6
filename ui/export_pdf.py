"""A set as a PDF lookbook, for e-mail or print: the set's card, then one page per product.

Written with Qt's PDF writer (QPdfWriter + QPainter) on A4. The pages are drawn by the
core's composer at the PDF page's size (:mod:`lookbook.lookbooks.pdf`); this module only
places them. Drawing into a QPdfWriter needs no widget, so :func:`write_lookbook_pdf` runs
on a worker thread; :func:`export_lookbook` is the UI flow around it (choose the set
and the file, render what is missing with progress and Cancel, write, offer to open).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from lookbook.lookbooks.pdf import Lookbook, prepare_lookbook
from lookbook.lookbooks.sets import SetSummary, list_sets
from lookbook.progress import Progress
from lookbook.words import plural

if TYPE_CHECKING:
    from ui.workers import StoreRunner, TaskRunner

DPI = 300


class LookbookWriter:
    """Places a :class:`Lookbook`'s pages (drawn by the core's composer at the PDF page's size) into a PDF."""

    def __init__(self, lookbook: Lookbook, path: Path) -> None:
        self.lookbook = lookbook
        self.path = path
        self.pages = 0

    def write(self, cancel: threading.Event | None = None) -> int:
        """Write the PDF; return its page count.

        :raises OSError: if the file cannot be written or a page image cannot be read.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        writer = QPdfWriter(str(partial))
        writer.setResolution(DPI)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        writer.setTitle(f"{self.lookbook.brand} — {self.lookbook.title}")
        writer.setCreator("Lookbook Studio")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"{self.path}: cannot be written; choose another folder.")
        painter.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform)
        try:
            page = QRectF(0, 0, writer.width(), writer.height())
            for n, path in enumerate(self.lookbook.pages):
                if cancel is not None and cancel.is_set():
                    break
                image = QImage(str(path))
                if image.isNull():
                    raise OSError(f"{path}: a page of the lookbook cannot be read; export it again.")
                if n:
                    writer.newPage()
                # The page is the composer's card at A4's shape (150 dpi): text drawn with the bundled font at
                # that resolution, pictures in sRGB; placed whole, edge to edge.
                painter.drawImage(page, image)
                self.pages += 1
        finally:
            painter.end()
        if cancel is not None and cancel.is_set():
            partial.unlink(missing_ok=True)
            return 0
        partial.replace(self.path)
        return self.pages


def write_lookbook_pdf(lookbook: Lookbook, path: Path, cancel: threading.Event | None = None) -> int:
    """Write ``lookbook``'s pages as a PDF at ``path`` (atomically); return the number of pages.

    :raises OSError: if the file cannot be written.
    """
    return LookbookWriter(lookbook, Path(path)).write(cancel)


def safe_file_name(text: str) -> str:
    """Return ``text`` usable as a file name on every system."""
    return re.sub(r"[^\w\- ]+", "", text).strip().replace(" ", "-") or "lookbook"


def export_lookbook(parent: QWidget, db: StoreRunner, worker: TaskRunner, actor: str,
                    exports_dir: Path, set_id: int | None = None) -> None:
    """The Export Lookbook flow: choose a set and a file, render what is missing, write the PDF.

    Everything slow runs on the runners; a progress dialog with Cancel shows meanwhile.
    """
    def chosen_set(sets: list[SetSummary]) -> None:
        if not sets:
            QMessageBox.information(parent, "Export Lookbook", "There are no sets yet. Make one on "
                                    "Match & Compose (a brand's shots chosen for customers), then export it.")
            return
        labels = [f"{s.name} — {s.brand} ({plural(s.products, 'product')})" for s in sets]
        current = next((i for i, s in enumerate(sets) if s.id == set_id), 0)
        label, ok = QInputDialog.getItem(parent, "Export Lookbook", "Set to export as a PDF lookbook:", labels,
                                         current, False)
        if ok:
            choose_file(sets[labels.index(label)])

    def choose_file(summary: SetSummary) -> None:
        default = exports_dir / f"{safe_file_name(f'{summary.brand} {summary.name}')}.pdf"
        path, _ = QFileDialog.getSaveFileName(parent, "Save Lookbook as PDF", str(default), "PDF (*.pdf)")
        if path:
            run(summary.id, Path(path) if path.lower().endswith(".pdf") else Path(path + ".pdf"))

    def run(chosen: int, path: Path) -> None:
        cancel = threading.Event()
        dialog = QProgressDialog("Preparing the lookbook…", "Cancel", 0, 0, parent)
        dialog.setWindowTitle("Export Lookbook")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(cancel.set)

        def progress(step: Progress) -> None:
            dialog.setMaximum(max(step.total, 1))
            dialog.setValue(step.done)
            dialog.setLabelText(step.message)

        def prepared(lookbook: Lookbook) -> None:
            dialog.setLabelText("Writing the PDF…")
            worker.submit(write_lookbook_pdf, lookbook, path, cancel,
                          on_done=lambda pages: written(pages), on_failure=failed)

        def written(pages: int) -> None:
            dialog.close()
            if not pages:
                return
            box = QMessageBox(QMessageBox.Icon.Information, "Export Lookbook",
                              f"The lookbook was saved: {pages} pages.", parent=parent)
            box.setInformativeText(str(path))
            open_button = box.addButton("Open", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Close)
            box.exec()
            if box.clickedButton() is open_button:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        def failed(exc: BaseException) -> None:
            dialog.close()
            if isinstance(exc, OSError):
                exc = OSError(f"{path}: the lookbook could not be saved ({exc}). Choose another folder.")
            db.failed.emit(exc)

        db.run(prepare_lookbook, chosen, actor, cancel=cancel, on_progress=progress, on_done=prepared,
               on_failure=failed, on_cancelled=lambda _r: dialog.close())

    db.run(list_sets, on_done=chosen_set, on_failure=db.failed.emit)
