"""The Shoot page: the library's photos as a grid of thumbnails."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QWidget

from lookbook.library import Library
from lookbook.listings import PhotoRow, list_photos
from lookbook.thumbnails import ensure_thumbnail
from ui.pages.base import Page
from ui.workers import StoreRunner, TaskRunner

Index = QModelIndex | QPersistentModelIndex
THUMB = 160


class PhotoGridModel(QAbstractListModel):
    """Photos with their thumbnails; thumbnails are made on a worker and filled in as they arrive."""

    def __init__(self, thumbs: TaskRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self._thumbs = thumbs
        self._rows: list[PhotoRow] = []
        self._pixmaps: dict[str, QPixmap] = {}
        self._requested: set[str] = set()
        self._library: Library | None = None
        # Shown until the real thumbnail arrives, so every cell has its final size from the start.
        self._placeholder = QPixmap(THUMB, THUMB * 5 // 4)
        self._placeholder.fill(QColor("#e6e2da"))

    def set_photos(self, library: Library, rows: list[PhotoRow]) -> None:
        """Show ``rows`` of ``library``."""
        self.beginResetModel()
        if library != self._library:
            self._pixmaps.clear()
            self._requested.clear()
        self._library, self._rows = library, rows
        self.endResetModel()

    def photo(self, row: int) -> PhotoRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        photo = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return photo.sku or "unassigned"
        if role == Qt.ItemDataRole.DecorationRole:
            pixmap = self._pixmaps.get(photo.sha256)
            if pixmap is None:
                self._request(photo)
                return self._placeholder
            return pixmap
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(THUMB + 20, THUMB * 5 // 4 + 28)
        if role == Qt.ItemDataRole.ToolTipRole:
            tied = f"{photo.brand} · {photo.sku}" if photo.sku else "not tied to a product yet"
            return f"{photo.name}\n{tied}" + ("\nneeds review" if photo.needs_review else "")
        return None

    def _request(self, photo: PhotoRow) -> None:
        # Only visible rows ask for DecorationRole, so thumbnails load as the user scrolls.
        if photo.sha256 in self._requested or self._library is None:
            return
        self._requested.add(photo.sha256)
        library = self._library
        self._thumbs.submit(ensure_thumbnail, library, photo.sha256, photo.stored_path,
                            on_done=lambda path, sha=photo.sha256: self._thumb_ready(sha, path),
                            on_failure=lambda exc: None)  # a broken photo keeps its placeholder

    def _thumb_ready(self, sha256: str, path: Any) -> None:
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            return
        self._pixmaps[sha256] = pixmap.scaled(THUMB, THUMB * 5 // 4, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        for row, photo in enumerate(self._rows):
            if photo.sha256 == sha256:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class ShootPage(Page):
    """Imported photos, their garment boxes and renders."""

    title = "Shoot"
    watches = ("photos", "products")

    def __init__(self, db: StoreRunner, thumbs: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.summary = QLabel()
        self.layout_.addWidget(self.summary)
        self.model = PhotoGridModel(thumbs, self)
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(QSize(THUMB, THUMB * 5 // 4))
        self.view.setGridSize(QSize(THUMB + 24, THUMB * 5 // 4 + 36))
        self.view.setSpacing(4)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.view.setModel(self.model)
        self.layout_.addWidget(self.view)

    def reload(self) -> None:
        self.db.run(lambda store: (store.library, list_photos(store)), on_done=self._show)

    def _show(self, result: tuple[Library, list[PhotoRow]]) -> None:
        library, rows = result
        self.model.set_photos(library, rows)
        review = sum(r.needs_review for r in rows)
        unassigned = sum(r.sku is None for r in rows)
        self.summary.setText(f"{len(rows)} photos · {unassigned} not tied to a product · {review} to review")
        self.badge_changed.emit(str(review) if review else "")
