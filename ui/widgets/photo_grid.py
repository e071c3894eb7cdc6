"""The photo grid: a list model over thousands of photos and a delegate that paints each cell.

Built for 10,000 shots: the model is a flat list with an index by hash, the view has
uniform item sizes (no per-row layout), the delegate paints a cached pixmap or a flat
placeholder, and thumbnails come from a :class:`ThumbnailLoader`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from lookbook.listings import PhotoRow
from lookbook.store.library import Library
from ui.widgets.thumbnail_loader import ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex
THUMB = QSize(160, 200)
CELL = QSize(THUMB.width() + 16, THUMB.height() + 40)
#: Data role holding the :class:`PhotoRow` of an index.
PhotoRole = Qt.ItemDataRole.UserRole + 1
REVIEW_COLOUR = QColor("#d9822b")


class PhotoFilter(Enum):
    """Which photos the grid shows."""

    ALL = "All photos"
    REVIEW = "To review"
    UNASSIGNED = "Not tied to a product"

    def accepts(self, photo: PhotoRow) -> bool:
        if self is PhotoFilter.REVIEW:
            return photo.needs_review
        if self is PhotoFilter.UNASSIGNED:
            return photo.sku is None
        return True


class PhotoGridModel(QAbstractListModel):
    """The library's photos, filtered, with thumbnails from a loader."""

    def __init__(self, loader: ThumbnailLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self._all: list[PhotoRow] = []
        self._rows: list[PhotoRow] = []
        self._row_of: dict[str, int] = {}
        self._filter = PhotoFilter.ALL
        self._text = ""
        loader.ready.connect(self._thumbnail_ready)

    # -- contents ------------------------------------------------------------------
    def set_photos(self, library: Library, rows: Sequence[PhotoRow]) -> bool:
        """Show ``rows`` of ``library`` (through the current filter); return whether the rows were reset.

        When the same photos are shown in the same order (a box edited, a photo tied to a
        product) the rows are updated in place, so the scroll position and selection stay.
        """
        self.loader.set_library(library)
        self._all = list(rows)
        shown = self._filtered()
        if [p.id for p in shown] == [p.id for p in self._rows]:
            self._rows = shown
            if shown:
                self.dataChanged.emit(self.index(0), self.index(len(shown) - 1))
            return False
        self._reset(shown)
        return True

    def set_filter(self, which: PhotoFilter, text: str = "") -> None:
        """Show only the photos ``which`` accepts whose name or SKU contains ``text``."""
        if (which, text) != (self._filter, self._text):
            self._filter, self._text = which, text
            self._refilter()

    @property
    def filter(self) -> PhotoFilter:
        """Return which photos are shown."""
        return self._filter

    def _refilter(self) -> None:
        self._reset(self._filtered())

    def _filtered(self) -> list[PhotoRow]:
        needle = self._text.strip().casefold()
        accepts: Callable[[PhotoRow], bool] = self._filter.accepts
        return [p for p in self._all if accepts(p) and (
            not needle or needle in p.name.casefold() or needle in (p.sku or "").casefold())]

    def _reset(self, rows: list[PhotoRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._row_of = {p.sha256: i for i, p in enumerate(rows)}
        self.endResetModel()

    def photo(self, row: int) -> PhotoRow:
        """Return the photo shown at ``row``."""
        return self._rows[row]

    def row_of(self, photo_id: int) -> int | None:
        """Return the row showing the photo with this id, if it is shown."""
        for row, photo in enumerate(self._rows):
            if photo.id == photo_id:
                return row
        return None

    def total(self) -> int:
        """Return how many photos the library has (before filtering)."""
        return len(self._all)

    def count(self, which: PhotoFilter) -> int:
        """Return how many photos of the library ``which`` accepts."""
        return sum(1 for p in self._all if which.accepts(p))

    # -- Qt ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        photo = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return photo.sku or "not tied"
        if role == PhotoRole:
            return photo
        if role == Qt.ItemDataRole.DecorationRole:
            # Only cells being painted ask, so loading follows the scroll position.
            return self.loader.pixmap(photo.sha256, photo.stored_path)
        if role == Qt.ItemDataRole.SizeHintRole:
            return CELL
        if role == Qt.ItemDataRole.ToolTipRole:
            tied = f"{photo.brand} · {photo.sku}" if photo.sku else "Not tied to a product yet"
            review = "".join(f"\n• {r.text}" for r in photo.review_reasons)
            return f"{photo.name}\n{tied}" + (f"\nFlagged for review:{review}" if photo.needs_review else "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            first = f": {photo.review_reasons[0].text}" if photo.review_reasons else ""
            return f"{photo.name}, {photo.sku or 'not tied'}" + (f", needs review{first}" if photo.needs_review else "")
        return None

    def show_renders(self, on: bool) -> None:
        """Show the photos' renders (where they have one) or their originals; every cell repaints."""
        self.loader.set_renders(on)
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [Qt.ItemDataRole.DecorationRole])

    def _thumbnail_ready(self, sha256: str) -> None:
        row = self._row_of.get(sha256)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class PhotoDelegate(QStyledItemDelegate):
    """Paints a cell: the thumbnail (or a placeholder), the SKU, and a flag for photos to review."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Ask the model directly, not through index.data(): PySide6 6.12 drops a reference to None
        # each time a Python call converts an empty QVariant to None, and a grid paints thousands
        # of cells whose thumbnail is not loaded yet; the interpreter aborts after a few thousand.
        model = index.model()
        if not isinstance(model, PhotoGridModel):
            return
        photo = model.photo(index.row())
        rect: QRect = option.rect
        palette: QPalette = option.palette
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect.adjusted(2, 2, -2, -2), palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect.adjusted(2, 2, -2, -2), palette.color(QPalette.ColorRole.AlternateBase))
        image_rect = QRect(rect.x() + (rect.width() - THUMB.width()) // 2, rect.y() + 8, THUMB.width(),
                           THUMB.height())
        pixmap = model.loader.pixmap(photo.sha256, photo.stored_path)
        if pixmap is None or pixmap.isNull():
            painter.fillRect(image_rect, palette.color(QPalette.ColorRole.Midlight))
        else:
            # High-DPI pixmaps report their size in device pixels; lay them out in logical ones.
            size = pixmap.deviceIndependentSize().toSize()
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(image_rect.center())
            painter.drawPixmap(target, pixmap)
        if photo.needs_review:
            flag = QRect(image_rect.right() - 26, image_rect.top() + 4, 22, 22)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor("white"), 2))
            painter.setBrush(REVIEW_COLOUR)
            painter.drawEllipse(flag)
            bold = QFont(option.font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.drawText(flag, Qt.AlignmentFlag.AlignCenter, "!")
            painter.setFont(option.font)
        text_rect = QRect(rect.x() + 4, image_rect.bottom() + 4, rect.width() - 8, rect.bottom() - image_rect.bottom()
                          - 6)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText if photo.sku is None and not selected
                                     else role))
        text = option.fontMetrics.elidedText(photo.sku or "not tied to a product", Qt.TextElideMode.ElideMiddle,
                                             text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
        painter.restore()


class PhotoGridView(QListView):
    """A list view set up as a fast, uniform grid of photo cells."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setGridSize(CELL)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setMouseTracking(True)
        self.setItemDelegate(PhotoDelegate(self))
        self.setAccessibleName("Photos")
