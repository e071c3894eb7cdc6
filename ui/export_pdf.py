"""A set as a PDF lookbook, for e-mail or print: a cover, then one page per product.

Laid out with Qt's PDF writer (QPdfWriter + QPainter) on A4 at 300 dpi. The data and
the renders come from the core (:mod:`lookbook.lookbook_export`); this module only
draws. Drawing into a QPdfWriter needs no widget, so :func:`write_lookbook_pdf` runs
on a worker thread; :func:`export_lookbook` is the UI flow around it (choose the set
and the file, render what is missing with progress and Cancel, write, offer to open).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetricsF,
    QImage,
    QImageReader,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from lookbook.lookbook_export import Lookbook, LookbookProduct, prepare_lookbook
from lookbook.progress import Progress
from lookbook.sets import list_sets
from lookbook.words import plural

if TYPE_CHECKING:
    from ui.workers import StoreRunner, TaskRunner

DPI = 300
PAPER = QColor("#faf8f4")
INK = QColor("#1c1c1e")
MUTED = QColor("#6b6b70")
ACCENT = QColor("#2f5d62")
RULE = QColor("#d9d4ca")
#: Images are scaled to this many pixels per inch of page before embedding: sharp in print, small in e-mail.
IMAGE_PPI = 200


def _mm(value: float) -> float:
    return value * DPI / 25.4


def _font(points: float, weight: QFont.Weight = QFont.Weight.Normal, spacing: float = 0.0,
          family: str = "") -> QFont:
    font = QFont(family) if family else QFont()
    font.setPointSizeF(points)
    font.setWeight(weight)
    if spacing:
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 100 + spacing)
    return font


def _load(path: Path | None, box: QSizeF) -> QImage | None:
    """Decode ``path`` at no more than IMAGE_PPI for a ``box`` of page units (device pixels at DPI)."""
    if path is None or not path.is_file():
        return None
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        limit = QSizeF(box.width() * IMAGE_PPI / DPI, box.height() * IMAGE_PPI / DPI).toSize()
        if size.width() > limit.width() or size.height() > limit.height():
            reader.setScaledSize(size.scaled(limit, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


def _draw_fitted(painter: QPainter, image: QImage | None, rect: QRectF, placeholder: str = "") -> QRectF:
    """Draw ``image`` as large as fits in ``rect``, centred; return where it went."""
    if image is None:
        painter.fillRect(rect, QColor("#ece8e0"))
        if placeholder:
            painter.setPen(MUTED)
            painter.setFont(_font(9))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, placeholder)
        return rect
    size = QSizeF(image.size()).scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRectF(rect.x() + (rect.width() - size.width()) / 2, rect.y() + (rect.height() - size.height()) / 2,
                    size.width(), size.height())
    painter.drawImage(target, image)
    return target


def _text(painter: QPainter, rect: QRectF, text: str, font: QFont, colour: QColor,
          flags: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) -> float:
    """Draw wrapped ``text`` at the top of ``rect``; return the height it took."""
    painter.setFont(font)
    painter.setPen(colour)
    wrap = int(flags | Qt.TextFlag.TextWordWrap)
    bounds = painter.boundingRect(rect, wrap, text)
    painter.drawText(rect, wrap, text)
    return bounds.height()


class LookbookWriter:
    """Draws a :class:`Lookbook` page by page into a PDF."""

    def __init__(self, lookbook: Lookbook, path: Path, store_name: str = "") -> None:
        self.lookbook = lookbook
        self.path = path
        self.store_name = store_name
        self.pages = 0

    def write(self, cancel: threading.Event | None = None) -> int:
        """Write the PDF; return its page count.

        :raises OSError: if the file cannot be written.
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
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
                               | QPainter.RenderHint.TextAntialiasing)
        try:
            self.page = QRectF(0, 0, writer.width(), writer.height())
            self._cover(painter)
            total = len(self.lookbook.products)
            for n, product in enumerate(self.lookbook.products, start=1):
                if cancel is not None and cancel.is_set():
                    break
                writer.newPage()
                self._product(painter, product, n, total)
        finally:
            painter.end()
        if cancel is not None and cancel.is_set():
            partial.unlink(missing_ok=True)
            return 0
        partial.replace(self.path)
        return self.pages

    def _background(self, painter: QPainter) -> None:
        painter.fillRect(self.page, PAPER)
        self.pages += 1

    def _cover(self, painter: QPainter) -> None:
        self._background(painter)
        lb = self.lookbook
        margin = _mm(18)
        inner = self.page.adjusted(margin, margin, -margin, -margin)
        y = inner.top()
        y += _text(painter, QRectF(inner.left(), y, inner.width(), _mm(12)), lb.brand.upper(),
                   _font(13, QFont.Weight.DemiBold, 30), ACCENT)
        y += _mm(3)
        y += _text(painter, QRectF(inner.left(), y, inner.width(), _mm(40)), lb.title,
                   _font(34, QFont.Weight.Light), INK)
        count = len(lb.products)
        y += _mm(2)
        y += _text(painter, QRectF(inner.left(), y, inner.width(), _mm(10)),
                   f"{count} piece{'s' if count != 1 else ''} chosen for you · {lb.date}", _font(11), MUTED)
        y += _mm(8)
        # A mosaic of up to four hero shots.
        heroes = [p for p in lb.products][:4]
        footer = _mm(22)
        area = QRectF(inner.left(), y, inner.width(), inner.bottom() - footer - y)
        cols = 1 if len(heroes) == 1 else 2
        rows = 1 if len(heroes) <= 2 else 2
        gap = _mm(4)
        cell_w = (area.width() - gap * (cols - 1)) / cols
        cell_h = (area.height() - gap * (rows - 1)) / rows
        for i, product in enumerate(heroes):
            cell = QRectF(area.left() + (i % cols) * (cell_w + gap), area.top() + (i // cols) * (cell_h + gap),
                          cell_w, cell_h)
            _draw_fitted(painter, _load(product.hero, cell.size()), cell, product.name)
        painter.setPen(QPen(RULE, _mm(0.3)))
        line_y = inner.bottom() - footer + _mm(8)
        painter.drawLine(int(inner.left()), int(line_y), int(inner.right()), int(line_y))
        by = f"Prepared by {lb.prepared_by}" + (f" · {self.store_name}" if self.store_name else "")
        _text(painter, QRectF(inner.left(), line_y + _mm(3), inner.width(), _mm(10)), by, _font(10), MUTED)

    def _product(self, painter: QPainter, product: LookbookProduct, n: int, total: int) -> None:
        self._background(painter)
        lb = self.lookbook
        margin = _mm(15)
        inner = self.page.adjusted(margin, margin, -margin, -margin - _mm(10))
        hero_w = inner.width() * 0.60
        hero = QRectF(inner.left(), inner.top(), hero_w, min(inner.height(), hero_w * 5 / 4))
        _draw_fitted(painter, _load(product.hero, hero.size()), hero, "No render yet")

        col = QRectF(hero.right() + _mm(10), inner.top(), inner.right() - hero.right() - _mm(10), inner.height())
        y = col.top()
        y += _text(painter, QRectF(col.left(), y, col.width(), _mm(10)), lb.brand.upper(),
                   _font(10, QFont.Weight.DemiBold, 25), ACCENT) + _mm(2)
        y += _text(painter, QRectF(col.left(), y, col.width(), _mm(40)), product.name,
                   _font(20, QFont.Weight.Normal), INK) + _mm(2)
        facts = " · ".join(x for x in (product.colour, product.category, product.sku) if x)
        y += _text(painter, QRectF(col.left(), y, col.width(), _mm(12)), facts, _font(9), MUTED) + _mm(5)
        if product.price:
            y += _text(painter, QRectF(col.left(), y, col.width(), _mm(12)), product.price,
                       _font(16, QFont.Weight.DemiBold), INK) + _mm(5)
        y = self._sizes(painter, product, QRectF(col.left(), y, col.width(), _mm(30))) + _mm(8)

        # The details run along the bottom, side by side, as large as the space left allows.
        details = [(kind.capitalize(), path) for kind, path in product.details]
        top = max(hero.bottom(), y) + _mm(8)
        if details:
            gap = _mm(6)
            side = min((inner.width() - gap) / 2, inner.bottom() - top - _mm(6))
            x = inner.left()
            for label, path in details:
                if side < _mm(20):
                    break
                _text(painter, QRectF(x, top, side, _mm(6)), label.upper(), _font(8, QFont.Weight.DemiBold, 20),
                      MUTED)
                box = QRectF(x, top + _mm(5), side, side)
                _draw_fitted(painter, _load(path, box.size()), box)
                x += side + gap

        painter.setPen(QPen(RULE, _mm(0.3)))
        foot_y = self.page.bottom() - margin - _mm(6)
        painter.drawLine(int(inner.left()), int(foot_y), int(inner.right()), int(foot_y))
        foot = QRectF(inner.left(), foot_y + _mm(2), inner.width(), _mm(6))
        _text(painter, foot, f"{lb.brand} — {lb.title}", _font(8), MUTED)
        _text(painter, foot, f"{n} / {total}", _font(8), MUTED, Qt.AlignmentFlag.AlignRight)

    def _sizes(self, painter: QPainter, product: LookbookProduct, rect: QRectF) -> float:
        """Draw the sizes in stock as small outlined chips; return the y below them."""
        if not product.sizes_in_stock:
            return rect.top() + _text(painter, rect, "Sold out", _font(10, QFont.Weight.DemiBold), MUTED)
        y = rect.top() + _text(painter, rect, "Sizes in stock", _font(8, QFont.Weight.DemiBold, 20), MUTED) + _mm(2)
        font = _font(10)
        metrics = QFontMetricsF(font, painter.device())
        painter.setFont(font)
        x = rect.left()
        height = metrics.height() + _mm(2.5)
        for size in product.sizes_in_stock:
            width = max(height, metrics.horizontalAdvance(size) + _mm(4))
            if x + width > rect.right():
                x, y = rect.left(), y + height + _mm(2)
            chip = QRectF(x, y, width, height)
            painter.setPen(QPen(INK, _mm(0.25)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(chip, _mm(1), _mm(1))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, size)
            x += width + _mm(2)
        return y + height


def write_lookbook_pdf(lookbook: Lookbook, path: Path, store_name: str = "",
                       cancel: threading.Event | None = None) -> int:
    """Write ``lookbook`` as a PDF at ``path`` (atomically); return the number of pages.

    :raises OSError: if the file cannot be written.
    """
    return LookbookWriter(lookbook, Path(path), store_name).write(cancel)


def safe_file_name(text: str) -> str:
    """Return ``text`` usable as a file name on every system."""
    return re.sub(r"[^\w\- ]+", "", text).strip().replace(" ", "-") or "lookbook"


def export_lookbook(parent: QWidget, db: StoreRunner, worker: TaskRunner, actor: str,
                    exports_dir: Path, set_id: int | None = None) -> None:
    """The Export Lookbook flow: choose a set and a file, render what is missing, write the PDF.

    Everything slow runs on the runners; a progress dialog with Cancel shows meanwhile.
    """
    def chosen_set(sets: list) -> None:
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

    def choose_file(summary: object) -> None:
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
            worker.submit(write_lookbook_pdf, lookbook, path, "", cancel,
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
