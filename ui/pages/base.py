"""What every page of the main window has in common."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from lookbook.hooks import Changes
from ui.workers import StoreRunner


class Page(QWidget):
    """A page of the workflow; it reloads what it shows when the library changes."""

    #: Sidebar title.
    title = "Page"
    #: Which parts of :class:`Changes` make this page reload.
    watches: tuple[str, ...] = ()
    #: A short count of what waits on this page ("3 to review"); empty for none.
    badge_changed = Signal(str)

    def __init__(self, db: StoreRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.layout_ = QVBoxLayout(self)
        # The window's content column already has margins; pages add none of their own, so every
        # page's heading and tables line up at the same place.
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(6)
        # Plain text sized by the style sheet (QLabel#pageHeading): an <h2> on top of it doubled the size.
        self.heading = QLabel(self.title)
        self.heading.setObjectName("pageHeading")
        self.heading.setAccessibleName(f"{self.title} page")
        self.layout_.addWidget(self.heading)

    def reload(self) -> None:
        """Load what the page shows from the store (asynchronously)."""

    def on_library_changed(self, changes: Changes) -> None:
        """Reload if a part this page shows has changed."""
        if any(getattr(changes, name) for name in self.watches):
            self.reload()

    def cleanup(self) -> None:
        """Release what the page holds before the window closes."""
