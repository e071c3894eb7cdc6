"""Before and after at 100 %: a photo's original and its hero render, pixel for pixel, one toggle apart.

Both pictures are decoded on the thumbnail runner (a ``QImage`` may be built off the UI thread); the dialog
shows them in one scroll area, so switching keeps the place, and "Fit" shows the whole picture.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.dialog_size import fit_to_screen
from ui.workers import TaskRunner


def read_upright(path: Path) -> QImage:
    """Return the picture at ``path`` turned as its EXIF says (runs on a worker thread)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        raise OSError(f"{path.name}: {reader.errorString()}")
    return image


class CompareDialog(QDialog):
    """The original ("Before") and the hero render ("After") at 100 % or fitted."""

    #: Both pictures were loaded (or failed); tests wait on it.
    loaded = Signal()

    def __init__(self, runner: TaskRunner, original: Path, render: Path | None, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Before and after — {title}")
        self.images: dict[str, QImage] = {}
        self._waiting = 1 + (render is not None)
        self.picture = QLabel("Loading…")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.picture)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.before = QPushButton("&Before (original)")
        self.after = QPushButton("&After (render)")
        group = QButtonGroup(self)
        for button in (self.before, self.after):
            button.setCheckable(True)
            group.addButton(button)
        self.after.setEnabled(render is not None)
        self.after.setToolTip("" if render is not None else "Not rendered yet: check the photo first")
        (self.after if render is not None else self.before).setChecked(True)
        self.fit = QPushButton("&Fit")
        self.fit.setCheckable(True)
        self.fit.setToolTip("Off: 100 % (one screen pixel per photo pixel)")
        for button in (self.before, self.after, self.fit):
            button.toggled.connect(lambda _on: self._show())
        self.message = QLabel()
        row = QHBoxLayout()
        for widget in (self.before, self.after, self.fit):
            row.addWidget(widget)
        row.addWidget(self.message, 1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.scroll_area, 1)
        fit_to_screen(self, 900, 700)
        runner.submit(read_upright, original, on_done=lambda image: self._arrived("before", image),
                      on_failure=self._failed)
        if render is not None:
            runner.submit(read_upright, render, on_done=lambda image: self._arrived("after", image),
                          on_failure=self._failed)

    def showing(self) -> str:
        """Return which picture shows: ``before`` or ``after``."""
        return "after" if self.after.isChecked() else "before"

    def _arrived(self, which: str, image: QImage) -> None:
        self.images[which] = image
        self._one_done()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(f"Cannot show it: {exc}")
        self._one_done()

    def _one_done(self) -> None:
        self._waiting -= 1
        self._show()
        if self._waiting == 0:
            self._fit_pictures()
            self.loaded.emit()

    def _fit_pictures(self) -> None:
        """Shrink to the larger picture at 100 % when it is smaller than the first size (no grey field around)."""
        if not self.images:
            return
        width = max(image.width() for image in self.images.values())
        height = max(image.height() for image in self.images.values())
        viewport = self.scroll_area.viewport().size()
        extra_w, extra_h = self.width() - viewport.width(), self.height() - viewport.height()
        fit_to_screen(self, min(self.width(), max(self.sizeHint().width(), width + extra_w)),
                      min(self.height(), height + extra_h))

    def _show(self) -> None:
        image = self.images.get(self.showing())
        if image is None:
            return
        pixmap = QPixmap.fromImage(image)
        if self.fit.isChecked():
            pixmap = pixmap.scaled(self.scroll_area.viewport().size(), Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.picture.setPixmap(pixmap)
        self.picture.resize(pixmap.size())
        self.message.setText(f"{image.width()} × {image.height()} px"
                             + (" (fitted)" if self.fit.isChecked() else " at 100 %"))
